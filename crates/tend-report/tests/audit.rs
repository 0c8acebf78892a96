//! The audit report rendered in every format from the same hand-built reports, so that the
//! formats can be compared like for like.
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;
use std::str::FromStr;

use tend_model::jiff::{civil::Date, Timestamp};
use tend_model::{
    AdvisoryId, AdvisorySeverity, AdvisorySourceInfo, AdvisorySourceKind, AuditReport, AuditTarget,
    Code, Diagnostic, DistVersion, Finding, Fix, IgnoreRuleRef, IgnoredFinding, Location,
    MatchKind, NotAudited, NotAuditedReason, PackageFindings, PackageName, Severity,
    SeverityRating, SeveritySource, TargetOrigin,
};
use tend_report::{
    audit_json, audit_markdown, audit_table, AuditSummary, DisplayOptions, RatingCounts,
};

const PROJECT: &str = "/srv/shop";
const CACHE: &str = "/var/cache/tend/advisories/pypa";

fn now() -> Timestamp {
    "2025-06-02T09:00:00Z".parse().unwrap()
}

fn time(text: &str) -> Timestamp {
    text.parse().unwrap()
}

fn name(text: &str) -> PackageName {
    PackageName::from_str(text).unwrap()
}

fn id(text: &str) -> AdvisoryId {
    AdvisoryId::new(text).unwrap()
}

fn ids(texts: &[&str]) -> Vec<AdvisoryId> {
    texts.iter().map(|text| id(text)).collect()
}

fn project(file: &str, line: usize) -> Location {
    Location::new(PathBuf::from(PROJECT).join(file), line)
}

fn options() -> DisplayOptions {
    DisplayOptions {
        project: Some(PathBuf::from(PROJECT)),
    }
}

fn target(package: &str, version: &str, origin: TargetOrigin) -> AuditTarget {
    AuditTarget {
        name: name(package),
        version: DistVersion::parse(version),
        origin,
    }
}

fn cvss(rating: SeverityRating, score: f64, vector: &str) -> AdvisorySeverity {
    AdvisorySeverity {
        rating,
        score: Some(score),
        vector: Some(vector.to_string()),
        source: SeveritySource::CvssV3,
    }
}

fn fixed(version: &str) -> Fix {
    Fix::Version {
        version: DistVersion::parse(version),
    }
}

fn finding(primary: &str, aliases: &[&str], severity: AdvisorySeverity, fix: Fix) -> Finding {
    Finding {
        id: id(primary),
        aliases: ids(aliases),
        summary: None,
        severity,
        published: None,
        modified: time("2025-01-10T00:00:00Z"),
        fix,
        matched_by: MatchKind::Range,
        url: None,
        expired_ignore: None,
    }
}

fn source(
    kind: AdvisorySourceKind,
    location: &str,
    records: usize,
    newest: &str,
) -> AdvisorySourceInfo {
    AdvisorySourceInfo {
        kind,
        location: location.to_string(),
        records,
        newest_modified: Some(time(newest)),
        updated: Some(time("2025-06-01T22:15:00Z")),
    }
}

/// A service with a bit of everything: three affected packages given out of order (one with
/// two findings, the less severe first), a finding with no fix whose ignore rule has expired,
/// an ignored finding, an unpinned requirement, a bad record and two sources.
fn realistic() -> AuditReport {
    let mut flask = finding(
        "PYSEC-2023-62",
        &["CVE-2023-30861", "GHSA-m2qf-hxjv-5gpq"],
        cvss(
            SeverityRating::High,
            7.5,
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N",
        ),
        fixed("2.2.5"),
    );
    flask.summary = Some(
        "Session cookie can be cached by a proxy and served to another client when the \
         response lacks Vary: Cookie"
            .to_string(),
    );
    flask.published = Some(time("2023-05-02T18:15:00Z"));
    flask.url = Some("https://github.com/advisories/GHSA-m2qf-hxjv-5gpq".to_string());

    let mut multipart = finding(
        "PYSEC-2023-58",
        &["CVE-2023-25577", "GHSA-xg9f-g7g7-2323"],
        cvss(
            SeverityRating::High,
            7.5,
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H",
        ),
        fixed("2.2.3"),
    );
    // Summaries come from the records verbatim: they can hold pipes and newlines.
    multipart.summary =
        Some("Multipart parser | no limit on the number of parts\nexhausts memory".to_string());
    let mut debugger = finding(
        "GHSA-2g68-c3qc-8985",
        &["CVE-2024-34069"],
        cvss(
            SeverityRating::Critical,
            9.8,
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
        ),
        fixed("3.0.3"),
    );
    debugger.summary =
        Some("Debugger can be driven to run code on the <developer's> machine".to_string());
    debugger.url = Some("https://github.com/advisories/GHSA-2g68-c3qc-8985".to_string());

    let mut py = finding(
        "PYSEC-2022-42969",
        &["CVE-2022-42969", "GHSA-w596-4wvx-j9j6"],
        AdvisorySeverity {
            rating: SeverityRating::Medium,
            score: None,
            vector: None,
            source: SeveritySource::Database,
        },
        Fix::None,
    );
    py.summary = Some("Regular expression denial of service in the SVN info parser".to_string());
    py.expired_ignore = Some(IgnoreRuleRef {
        id: id("CVE-2022-42969"),
        reason: "only reached through pytest's legacy path; removal planned".to_string(),
        owner: Some("qa-team".to_string()),
        until: Some(Date::constant(2025, 3, 31)),
        until_fixed: false,
        location: Some(project("tend.toml", 18)),
    });

    let mut jinja = finding(
        "GHSA-h5c8-rqwp-cp95",
        &["CVE-2024-22195"],
        cvss(
            SeverityRating::Medium,
            5.4,
            "CVSS:3.1/AV:N/AC:L/PR:L/UI:R/S:U/C:L/I:L/A:N",
        ),
        fixed("3.1.3"),
    );
    jinja.summary = Some("xmlattr filter accepts keys containing spaces".to_string());

    AuditReport {
        generated: now(),
        sources: vec![
            source(AdvisorySourceKind::Directory, CACHE, 2661, "2025-05-20T10:00:00Z"),
            source(
                AdvisorySourceKind::OsvApi,
                "http://127.0.0.1:8080/v1/querybatch",
                4,
                "2025-05-28T06:00:00Z",
            ),
        ],
        audited: 41,
        vulnerable: vec![
            PackageFindings {
                target: target(
                    "Werkzeug",
                    "2.2.2",
                    TargetOrigin::Declared {
                        location: project("requirements.txt", 4),
                    },
                ),
                findings: vec![multipart, debugger],
            },
            PackageFindings {
                target: target("flask", "2.2.2", TargetOrigin::Installed),
                findings: vec![flask],
            },
            PackageFindings {
                target: target(
                    "py",
                    "1.11.0",
                    TargetOrigin::Declared {
                        location: project("uv.lock", 210),
                    },
                ),
                findings: vec![py],
            },
        ],
        not_audited: vec![NotAudited {
            name: name("requests"),
            reason: NotAuditedReason::Unpinned {
                specifier: ">=2".to_string(),
            },
            location: Some(project("requirements.txt", 7)),
        }],
        ignored: vec![IgnoredFinding {
            target: target("jinja2", "3.1.2", TargetOrigin::Installed),
            finding: jinja,
            rule: IgnoreRuleRef {
                id: id("CVE-2024-22195"),
                reason: "templates never pass user input to xmlattr".to_string(),
                owner: Some("platform-team".to_string()),
                until: Some(Date::constant(2025, 9, 30)),
                until_fixed: false,
                location: Some(project("tend.toml", 12)),
            },
        }],
        diagnostics: vec![
            Diagnostic::new(
                Code::IgnoreUnused,
                Severity::Note,
                "ignore rule for GHSA-9wx4-h78v-vm56 matched no finding",
            )
            .with_location(project("tend.toml", 24)),
            Diagnostic::new(
                Code::BadAdvisory,
                Severity::Warning,
                "advisory record could not be read: missing field `affected`",
            )
            .with_location(Location::file(format!("{CACHE}/vulns/demo/PYSEC-2021-999.yaml"))),
            Diagnostic::new(
                Code::IgnoreExpired,
                Severity::Warning,
                "ignore rule for CVE-2022-42969 expired on 2025-03-31; the finding is reported again",
            )
            .with_package(name("py"))
            .with_location(project("tend.toml", 18)),
        ],
    }
}

fn all_clear(audited: usize) -> AuditReport {
    AuditReport {
        generated: now(),
        sources: vec![source(
            AdvisorySourceKind::Zip,
            "/var/cache/tend/advisories/osv-pypi.zip",
            18_204,
            "2025-06-01T23:59:00Z",
        )],
        audited,
        vulnerable: Vec::new(),
        not_audited: Vec::new(),
        ignored: Vec::new(),
        diagnostics: Vec::new(),
    }
}

/// All clear for what was audited, but three packages could not be.
fn all_clear_but_not_audited() -> AuditReport {
    let mut report = all_clear(9);
    report.not_audited = vec![
        NotAudited {
            name: name("internal-lib"),
            reason: NotAuditedReason::NoVersion,
            location: Some(project("requirements.txt", 3)),
        },
        NotAudited {
            name: name("legacy-tool"),
            reason: NotAuditedReason::InvalidVersion {
                version: "1.0-custom_build".to_string(),
            },
            location: None,
        },
        NotAudited {
            name: name("django"),
            reason: NotAuditedReason::SourceUnreachable {
                message: "http://127.0.0.1:9/v1/querybatch: connection refused".to_string(),
            },
            location: None,
        },
    ];
    report
}

#[test]
fn realistic_table() {
    insta::assert_snapshot!(audit_table(&realistic(), now(), &options()));
}

#[test]
fn realistic_markdown() {
    insta::assert_snapshot!(audit_markdown(&realistic(), now(), &options()));
}

#[test]
fn realistic_json() {
    let json = serde_json::to_string_pretty(&audit_json(&realistic(), now())).unwrap();
    insta::assert_snapshot!(json);
}

#[test]
fn summary_counts_findings_by_rating_and_ages_the_database() {
    let summary = AuditSummary::new(&realistic(), now());
    assert_eq!(
        summary.message,
        "4 vulnerabilities (1 critical, 2 high, 1 medium) in 3 of 41 packages; 1 not audited; \
         1 ignored"
    );
    assert_eq!(
        summary.by_rating,
        RatingCounts {
            critical: 1,
            high: 2,
            medium: 1,
            low: 0,
            unknown: 0
        }
    );
    assert_eq!(summary.highest, Some(SeverityRating::Critical));
    assert_eq!(summary.vulnerable_packages, 3);
    assert_eq!(summary.expired_ignores, 1);
    // Newest record 2025-05-28 06:00, rendered 2025-06-02 09:00: 5 days and 3 hours.
    assert_eq!(summary.database_age_seconds, Some(5 * 86_400 + 3 * 3_600));
    assert_eq!(summary.database_age_days, Some(5));
    assert!(!summary.stale_database);
}

#[test]
fn findings_are_ordered_by_package_then_severity_whatever_the_input_order() {
    let mut reversed = realistic();
    reversed.vulnerable.reverse();
    for package in &mut reversed.vulnerable {
        package.findings.reverse();
    }
    reversed.diagnostics.reverse();
    assert_eq!(
        audit_table(&reversed, now(), &options()),
        audit_table(&realistic(), now(), &options())
    );
    assert_eq!(
        audit_json(&reversed, now()),
        audit_json(&realistic(), now())
    );

    let json = audit_json(&realistic(), now());
    let packages: Vec<&str> = json["vulnerable"]
        .as_array()
        .unwrap()
        .iter()
        .map(|package| package["target"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(packages, ["flask", "py", "werkzeug"]);
    let werkzeug: Vec<&str> = json["vulnerable"][2]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|finding| finding["id"].as_str().unwrap())
        .collect();
    assert_eq!(werkzeug, ["GHSA-2g68-c3qc-8985", "PYSEC-2023-58"]);
}

#[test]
fn json_keeps_summaries_whole_while_the_table_shortens_them() {
    let report = realistic();
    let json = audit_json(&report, now());
    let summary = json["vulnerable"][0]["findings"][0]["summary"]
        .as_str()
        .unwrap();
    assert_eq!(
        summary,
        report.vulnerable[1].findings[0].summary.as_deref().unwrap()
    );
    let table = audit_table(&report, now(), &options());
    assert!(!table.contains("lacks Vary: Cookie"));
    assert!(table.contains("Session cookie can be cached by a proxy and…"));
}

#[test]
fn markdown_escapes_pipes_and_newlines_in_summaries() {
    let markdown = audit_markdown(&realistic(), now(), &options());
    assert!(markdown
        .contains("| Multipart parser \\| no limit on the number of parts exhausts memory |"));
    assert!(markdown.contains("&lt;developer's> machine"));
    // Every table row has the same number of unescaped separators as its header.
    for line in markdown.lines().filter(|line| line.starts_with('|')) {
        let separators = line.replace("\\|", "").matches('|').count();
        assert!(
            [4, 6, 8, 9].contains(&separators),
            "unexpected column count in {line:?}"
        );
    }
}

#[test]
fn all_clear_says_so() {
    let report = all_clear(12);
    let summary = AuditSummary::new(&report, now());
    assert_eq!(
        summary.message,
        "No known vulnerabilities in 12 audited packages"
    );
    assert_eq!(summary.highest, None);
    insta::assert_snapshot!(audit_table(&report, now(), &options()), @r"
    Advisory data
    Source       Location                                 Records  Newest record  Read
    -----------  ---------------------------------------  -------  -------------  ----------
    zip archive  /var/cache/tend/advisories/osv-pypi.zip  18204    2025-06-01     2025-06-01
    Newest record 2025-06-01 23:59 UTC, less than a day old

    No known vulnerabilities in 12 audited packages
    ");
}

/// pip-audit prints "No known vulnerabilities found" after skipping every package; tend
/// names what it could not audit instead of declaring the project clean.
#[test]
fn all_clear_is_never_claimed_when_packages_were_not_audited() {
    let report = all_clear_but_not_audited();
    let summary = AuditSummary::new(&report, now());
    assert_eq!(
        summary.message,
        "3 packages not audited; no known vulnerabilities in the other 9"
    );
    let clear = AuditSummary::new(&all_clear(9), now()).message;
    assert_ne!(summary.message, clear);

    let table = audit_table(&report, now(), &options());
    let markdown = audit_markdown(&report, now(), &options());
    for text in [&table, &markdown] {
        assert!(!text.contains("No known vulnerabilities"), "{text}");
        assert!(text.contains("3 packages not audited"), "{text}");
    }
    insta::assert_snapshot!("not_audited_table", table);
    insta::assert_snapshot!("not_audited_markdown", markdown);
    assert_eq!(
        audit_json(&report, now())["summary"]["not_audited_packages"],
        3
    );
}

#[test]
fn nothing_audited_is_not_all_clear() {
    let mut report = all_clear_but_not_audited();
    report.audited = 0;
    assert_eq!(
        AuditSummary::new(&report, now()).message,
        "Nothing audited: 3 packages not audited"
    );
    let mut report = all_clear(5);
    report.sources.clear();
    let summary = AuditSummary::new(&report, now());
    assert_eq!(
        summary.message,
        "No advisory sources: 5 packages checked against no advisories"
    );
    assert_eq!(summary.database_age_days, None);
    assert!(audit_table(&report, now(), &options()).contains("No advisory sources were read"));
}

#[test]
fn one_finding_and_ignored_only_read_naturally() {
    let mut report = realistic();
    report.vulnerable.truncate(2);
    report.vulnerable[1].findings.truncate(1);
    report.vulnerable.remove(0);
    report.not_audited.clear();
    assert_eq!(
        AuditSummary::new(&report, now()).message,
        "1 vulnerability (1 high) in 1 of 41 packages; 1 ignored"
    );
    report.vulnerable.clear();
    assert_eq!(
        AuditSummary::new(&report, now()).message,
        "No known vulnerabilities in 41 audited packages; 1 ignored"
    );
}

#[test]
fn text_matches_resolved_versions_and_stale_data_are_spelled_out() {
    let mut report = all_clear(3);
    let mut legacy = finding("OSV-2024-7", &[], AdvisorySeverity::unknown(), Fix::None);
    legacy.matched_by = MatchKind::InvalidVersionList;
    report.vulnerable.push(PackageFindings {
        target: target(
            "legacy-tool",
            "1.0-custom_build",
            TargetOrigin::Resolved {
                location: project("pyproject.toml", 9),
            },
        ),
        findings: vec![legacy],
    });
    report.diagnostics.push(Diagnostic::new(
        Code::StaleDatabase,
        Severity::Warning,
        "the advisory database is 40 days old; the policy allows 7",
    ));
    let table = audit_table(&report, now(), &options());
    assert!(table.contains("resolved from pyproject.toml:9"), "{table}");
    assert!(
        table.contains("matched by text: 1.0-custom_build is not PEP 440, the advisory lists it"),
        "{table}"
    );
    assert!(table.contains("unknown   no fix"), "{table}");
    let summary = AuditSummary::new(&report, now());
    assert!(summary.stale_database);
    assert_eq!(
        summary.message,
        "1 vulnerability (1 unknown) in 1 of 3 packages"
    );
}

#[test]
fn json_text_is_the_pretty_printed_json_document() {
    for report in [realistic(), all_clear(3), all_clear_but_not_audited()] {
        let mut expected =
            serde_json::to_string_pretty(&tend_report::audit_json(&report, now())).unwrap();
        expected.push('\n');
        assert_eq!(tend_report::audit_json_text(&report, now()), expected);
    }
}
