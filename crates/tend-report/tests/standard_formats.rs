//! SARIF and CycloneDX output built from hand-made inventories and audit reports, validated
//! against the published schemas and checked field by field.
#![allow(clippy::unwrap_used)]

mod validate;

use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde_json::{json, Value};
use tend_model::jiff::Timestamp;
use tend_model::{
    AdvisoryId, AdvisorySeverity, AuditReport, AuditTarget, Code, Declaration, DeclarationKind,
    Diagnostic, DistFormat, DistVersion, Distribution, Environment, Finding, Fix, Inventory,
    Location, MatchKind, PackageFindings, PackageName, Severity, SeverityRating, SeveritySource,
    SourceKind, TargetOrigin,
};
use tend_report::{cyclonedx, sarif, CycloneDxContext, SarifContext};

const ROOT: &str = "/srv/shop";

fn name(text: &str) -> PackageName {
    PackageName::from_str(text).unwrap()
}

fn time(text: &str) -> Timestamp {
    text.parse().unwrap()
}

fn distribution(display: &str, version: &str) -> Distribution {
    let site = PathBuf::from(ROOT).join(".venv/lib/python3.12/site-packages");
    Distribution {
        name: name(display),
        display_name: display.to_string(),
        version: DistVersion::parse(version),
        format: DistFormat::DistInfo,
        path: site.join(format!("{display}-{version}.dist-info")),
        site_packages: site,
        system: false,
        installer: Some("pip".to_string()),
        requires_dist: Vec::new(),
        requires_python: None,
        provides_extra: Vec::new(),
        direct_url: None,
        editable_location: None,
    }
}

fn inventory() -> Inventory {
    let requirements = PathBuf::from(ROOT).join("requirements.txt");
    Inventory {
        environment: Some(Environment {
            prefix: PathBuf::from(ROOT).join(".venv"),
            python: None,
            python_version: None,
            site_packages: Vec::new(),
            include_system_site_packages: false,
            distributions: vec![
                distribution("Flask", "2.2.0"),
                distribution("Werkzeug", "2.2.2"),
                distribution("torch", "2.1.0+cpu"),
            ],
            markers: None,
        }),
        sources: Vec::new(),
        declarations: vec![Declaration::new(
            name("flask"),
            DeclarationKind::Requirement,
            SourceKind::RequirementsTxt,
            Location::new(requirements, 3),
        )],
        diagnostics: Vec::new(),
    }
}

fn finding(id: &str, aliases: &[&str], severity: AdvisorySeverity, fix: Fix) -> Finding {
    Finding {
        id: AdvisoryId::new(id).unwrap(),
        aliases: aliases
            .iter()
            .map(|a| AdvisoryId::new(a).unwrap())
            .collect(),
        summary: Some(format!("summary of {id}")),
        severity,
        published: Some(time("2023-05-02T18:15:00Z")),
        modified: time("2025-01-10T00:00:00Z"),
        fix,
        matched_by: MatchKind::Range,
        url: Some(format!("https://example.invalid/advisories/{id}")),
        expired_ignore: None,
    }
}

fn high() -> AdvisorySeverity {
    AdvisorySeverity {
        rating: SeverityRating::High,
        score: Some(7.5),
        vector: Some("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N".to_string()),
        source: SeveritySource::CvssV3,
    }
}

fn medium() -> AdvisorySeverity {
    AdvisorySeverity {
        rating: SeverityRating::Medium,
        score: None,
        vector: None,
        source: SeveritySource::Database,
    }
}

fn fixed(version: &str) -> Fix {
    Fix::Version {
        version: DistVersion::parse(version),
    }
}

/// Flask installed (declared at requirements.txt:3), Werkzeug installed but not declared, and
/// a pin in a second file that is not installed; a stale database as the audit's diagnostic.
fn audit() -> AuditReport {
    AuditReport {
        generated: time("2025-06-02T09:00:00Z"),
        sources: Vec::new(),
        audited: 4,
        vulnerable: vec![
            PackageFindings {
                target: AuditTarget {
                    name: name("flask"),
                    version: DistVersion::parse("2.2.0"),
                    origin: TargetOrigin::Installed,
                },
                findings: vec![finding(
                    "PYSEC-2023-62",
                    &["CVE-2023-30861", "GHSA-m2qf-hxjv-5gpq"],
                    high(),
                    fixed("2.2.5"),
                )],
            },
            PackageFindings {
                target: AuditTarget {
                    name: name("werkzeug"),
                    version: DistVersion::parse("2.2.2"),
                    origin: TargetOrigin::Installed,
                },
                findings: vec![finding("GHSA-xg9f-g7g7-2323", &[], medium(), Fix::None)],
            },
            PackageFindings {
                target: AuditTarget {
                    name: name("requests"),
                    version: DistVersion::parse("2.19.0"),
                    origin: TargetOrigin::Declared {
                        location: Location::new(PathBuf::from(ROOT).join("deploy/pins.txt"), 7),
                    },
                },
                findings: vec![finding(
                    "PYSEC-2023-74",
                    &[],
                    AdvisorySeverity::unknown(),
                    fixed("2.31.0"),
                )],
            },
        ],
        not_audited: Vec::new(),
        ignored: Vec::new(),
        diagnostics: vec![Diagnostic::new(
            Code::StaleDatabase,
            Severity::Warning,
            "the advisory database is 9 days old; the policy allows 7",
        )],
    }
}

fn check_findings(line: usize) -> Vec<Diagnostic> {
    vec![
        Diagnostic::new(Code::LoosePin, Severity::Warning, "requests allows a range")
            .with_package(name("requests"))
            .with_location(
                Location::new(PathBuf::from(ROOT).join("requirements.txt"), line).with_column(1),
            ),
        Diagnostic::new(
            Code::ModifiedFile,
            Severity::Error,
            "werkzeug/serving.py differs from RECORD",
        )
        .with_package(name("werkzeug"))
        .with_note("expected sha256 abc, found def"),
        Diagnostic::new(Code::LoosePin, Severity::Warning, "flask allows a range")
            .with_package(name("flask"))
            .with_location(Location::new("requirements.txt", 3)),
    ]
}

fn sarif_log(line: usize, report: Option<&AuditReport>) -> Value {
    let inventory = inventory();
    sarif(
        &check_findings(line),
        report,
        &SarifContext {
            tool_version: "0.1.0",
            project_root: Path::new(ROOT),
            inventory: Some(&inventory),
        },
    )
}

fn results(log: &Value) -> &Vec<Value> {
    log["runs"][0]["results"].as_array().unwrap()
}

#[test]
fn sarif_is_valid_and_points_at_requirement_lines() {
    let report = audit();
    let log = sarif_log(5, Some(&report));
    validate::sarif(&log).unwrap();

    let driver = &log["runs"][0]["tool"]["driver"];
    assert_eq!(driver["name"], "tend");
    assert_eq!(driver["version"], "0.1.0");
    let rule_ids: Vec<&str> = driver["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|rule| rule["id"].as_str().unwrap())
        .collect();
    // One rule per code and per advisory, however many results use it.
    assert_eq!(
        rule_ids,
        [
            "GHSA-xg9f-g7g7-2323",
            "PYSEC-2023-62",
            "PYSEC-2023-74",
            "loose-pin",
            "modified-file",
            "stale-database"
        ]
    );
    let flask_rule = &driver["rules"][1];
    assert_eq!(flask_rule["properties"]["security-severity"], "7.5");
    assert_eq!(
        flask_rule["helpUri"],
        "https://example.invalid/advisories/PYSEC-2023-62"
    );

    let results = results(&log);
    let summary: Vec<(&str, &str, Value)> = results
        .iter()
        .map(|result| {
            (
                result["ruleId"].as_str().unwrap(),
                result["level"].as_str().unwrap(),
                result["locations"][0]["physicalLocation"].clone(),
            )
        })
        .collect();
    let at = |uri: &str, line: usize| json!({ "artifactLocation": { "uri": uri }, "region": { "startLine": line } });
    let environment = json!({ "artifactLocation": { "uri": ".venv/" } });
    assert_eq!(
        summary,
        [
            (
                "loose-pin",
                "warning",
                json!({ "artifactLocation": { "uri": "requirements.txt" }, "region": { "startLine": 5, "startColumn": 1 } })
            ),
            ("modified-file", "error", environment.clone()),
            ("loose-pin", "warning", at("requirements.txt", 3)),
            ("stale-database", "warning", environment.clone()),
            // Installed and declared: the requirement line.
            ("PYSEC-2023-62", "error", at("requirements.txt", 3)),
            // Installed, declared nowhere: the environment.
            ("GHSA-xg9f-g7g7-2323", "warning", environment),
            // A pin that is not installed: its own line.
            ("PYSEC-2023-74", "note", at("deploy/pins.txt", 7)),
        ]
    );
    let flask = results[4]["message"]["text"].as_str().unwrap();
    assert_eq!(
        flask,
        "flask 2.2.0 is affected by PYSEC-2023-62 (CVE-2023-30861, GHSA-m2qf-hxjv-5gpq), \
         severity high: summary of PYSEC-2023-62. Fixed in 2.2.5."
    );
    assert!(results[1]["message"]["text"]
        .as_str()
        .unwrap()
        .ends_with("\nexpected sha256 abc, found def"));
}

#[test]
fn sarif_fingerprints_survive_moved_lines_and_tell_results_apart() {
    let report = audit();
    let fingerprints = |log: &Value| -> Vec<String> {
        results(log)
            .iter()
            .map(|result| {
                result["partialFingerprints"]["tend/v1"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect()
    };
    let before = fingerprints(&sarif_log(5, Some(&report)));
    // A day later the database is a day older: the same problem, the same fingerprint.
    let mut later = report.clone();
    later.diagnostics[0].message =
        "the advisory database is 10 days old; the policy allows 7".into();
    let after = fingerprints(&sarif_log(9, Some(&later)));
    assert_eq!(before, after);
    let mut unique = before.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), before.len());
}

#[test]
fn sarif_without_an_audit_or_an_environment_is_still_valid() {
    let log = sarif(
        &check_findings(5),
        None,
        &SarifContext {
            tool_version: "0.1.0",
            project_root: Path::new(ROOT),
            inventory: None,
        },
    );
    validate::sarif(&log).unwrap();
    // Nothing to point at: no location rather than an invented one.
    assert!(results(&log)[1].get("locations").is_none());
    assert_eq!(results(&log).len(), 3);
}

#[test]
fn the_schemas_reject_broken_documents() {
    let mut log = sarif_log(5, None);
    log["runs"][0]["results"][0]["level"] = json!("fatal");
    let error = validate::sarif(&log).unwrap_err();
    assert!(error.contains("level"), "{error}");

    let mut bom = bom(Some(&audit()));
    bom["components"][0]["type"] = json!("python-package");
    assert!(validate::cyclonedx(&bom).is_err());
    let mut bom = self::bom(None);
    bom["serialNumber"] = json!("not-a-urn");
    assert!(validate::cyclonedx(&bom).is_err());
}

fn bom(report: Option<&AuditReport>) -> Value {
    cyclonedx(
        &inventory(),
        report,
        &CycloneDxContext {
            tool_version: "0.1.0",
            generated: time("2025-06-02T09:00:00Z"),
        },
    )
}

#[test]
fn cyclonedx_lists_every_distribution_and_its_vulnerabilities() {
    let report = audit();
    let bom = bom(Some(&report));
    validate::cyclonedx(&bom).unwrap();
    assert_eq!(bom["bomFormat"], "CycloneDX");
    assert_eq!(bom["specVersion"], "1.6");
    assert_eq!(bom["metadata"]["timestamp"], "2025-06-02T09:00:00Z");
    assert_eq!(bom["metadata"]["tools"]["components"][0]["name"], "tend");

    let components: Vec<(&str, &str, &str)> = bom["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|component| {
            assert_eq!(component["bom-ref"], component["purl"]);
            (
                component["name"].as_str().unwrap(),
                component["version"].as_str().unwrap(),
                component["purl"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        components,
        [
            ("Flask", "2.2.0", "pkg:pypi/flask@2.2.0"),
            // Audited as a pin but not installed: still a component, so `affects` resolves.
            ("requests", "2.19.0", "pkg:pypi/requests@2.19.0"),
            ("torch", "2.1.0+cpu", "pkg:pypi/torch@2.1.0%2Bcpu"),
            ("Werkzeug", "2.2.2", "pkg:pypi/werkzeug@2.2.2"),
        ]
    );

    let vulnerabilities = bom["vulnerabilities"].as_array().unwrap();
    let flask = vulnerabilities
        .iter()
        .find(|v| v["id"] == "PYSEC-2023-62")
        .unwrap();
    assert_eq!(flask["source"]["name"], "PyPA");
    assert_eq!(
        flask["ratings"],
        json!([{
            "severity": "high",
            "score": 7.5,
            "method": "CVSSv31",
            "vector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N"
        }])
    );
    assert_eq!(
        flask["affects"],
        json!([{ "ref": "pkg:pypi/flask@2.2.0", "versions": [{ "version": "2.2.0", "status": "affected" }] }])
    );
    assert_eq!(flask["recommendation"], "Upgrade flask to 2.2.5 or later.");
    assert_eq!(flask["references"][1]["id"], "GHSA-m2qf-hxjv-5gpq");
    assert_eq!(flask["references"][1]["source"]["name"], "GitHub");
    let werkzeug = vulnerabilities
        .iter()
        .find(|v| v["id"] == "GHSA-xg9f-g7g7-2323")
        .unwrap();
    assert_eq!(
        werkzeug["ratings"],
        json!([{ "severity": "medium", "method": "other" }])
    );
    assert_eq!(werkzeug["recommendation"], "No fixed version is known.");
    let requests = vulnerabilities
        .iter()
        .find(|v| v["id"] == "PYSEC-2023-74")
        .unwrap();
    assert_eq!(requests["ratings"], json!([{ "severity": "unknown" }]));
}

#[test]
fn cyclonedx_serial_numbers_follow_the_content() {
    let report = audit();
    let first = bom(Some(&report));
    let serial = first["serialNumber"].as_str().unwrap();
    assert!(serial.starts_with("urn:uuid:"));
    assert_eq!(bom(Some(&report))["serialNumber"], serial);
    let without_audit = bom(None);
    validate::cyclonedx(&without_audit).unwrap();
    assert!(without_audit.get("vulnerabilities").is_none());
    assert_ne!(without_audit["serialNumber"], serial);
}
