//! The audit on hand-made records: which targets are vulnerable, how aliases merge, how ignore
//! rules hide, expire and go unused, and how packages that cannot be audited are accounted for.
#![allow(clippy::unwrap_used)]

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use jiff::civil::date;
use jiff::Timestamp;
use tend_advisory::{
    audit, Advisory, AdvisoryData, Affected, AuditOptions, AuditTargets, Bound, Event, Range,
};
use tend_model::{
    AdvisoryId, AdvisorySeverity, AdvisorySourceInfo, AdvisorySourceKind, AuditTarget, Code, Fix,
    IgnoreRuleRef, Location, MatchKind, NotAuditedReason, PackageName, SeverityRating,
    SeveritySource, TargetOrigin,
};

fn name(text: &str) -> PackageName {
    PackageName::from_str(text).unwrap()
}

fn id(text: &str) -> AdvisoryId {
    AdvisoryId::new(text).unwrap()
}

fn version(text: &str) -> Bound {
    Bound::Version(tend_model::DistVersion::parse(text))
}

fn severity(rating: SeverityRating, score: f64) -> AdvisorySeverity {
    AdvisorySeverity {
        rating,
        score: Some(score),
        vector: None,
        source: SeveritySource::CvssV3,
    }
}

/// A record affecting `package` from `introduced` (or 0) until `fixed` (or forever).
fn advisory(
    record: &str,
    aliases: &[&str],
    package: &str,
    fixed: Option<&str>,
    rating: SeverityRating,
) -> Advisory {
    let mut events = vec![Event::Introduced(Bound::Zero)];
    if let Some(fixed) = fixed {
        events.push(Event::Fixed(version(fixed)));
    }
    Advisory {
        id: id(record),
        aliases: aliases.iter().map(|alias| id(alias)).collect(),
        summary: Some(format!("summary of {record}")),
        details: None,
        published: Some("2023-05-02T18:15:00Z".parse().unwrap()),
        modified: "2023-06-05T01:13:00Z".parse().unwrap(),
        withdrawn: None,
        severity: severity(rating, 7.5),
        affected: vec![Affected {
            package: name(package),
            ranges: vec![Range { events }],
            versions: Vec::new(),
            severity: None,
        }],
        url: None,
    }
}

fn installed(package: &str, installed: &str) -> AuditTarget {
    AuditTarget {
        name: name(package),
        version: tend_model::DistVersion::parse(installed),
        origin: TargetOrigin::Installed,
    }
}

fn data(advisories: Vec<Advisory>) -> AdvisoryData {
    let mut data = AdvisoryData::default();
    for advisory in advisories {
        let advisory = Arc::new(advisory);
        for affected in &advisory.affected {
            data.advisories
                .entry(affected.package.clone())
                .or_default()
                .push(Arc::clone(&advisory));
        }
    }
    data.sources.push(AdvisorySourceInfo {
        kind: AdvisorySourceKind::Directory,
        location: "advisories".to_string(),
        records: 3,
        newest_modified: Some("2023-06-05T01:13:00Z".parse().unwrap()),
        updated: None,
    });
    data
}

fn options(ignore: &[IgnoreRuleRef]) -> AuditOptions<'_> {
    AuditOptions {
        ignore,
        today: date(2026, 11, 23),
        now: "2026-11-23T12:00:00Z".parse::<Timestamp>().unwrap(),
        max_age: None,
    }
}

fn rule(advisory: &str) -> IgnoreRuleRef {
    IgnoreRuleRef {
        id: id(advisory),
        reason: "not reachable".to_string(),
        owner: Some("web-team".to_string()),
        until: None,
        until_fixed: false,
        location: Some(Location::new("tend.toml", 7)),
    }
}

fn flask_records() -> Vec<Advisory> {
    vec![
        advisory(
            "PYSEC-2023-62",
            &["CVE-2023-30861"],
            "flask",
            Some("2.2.5"),
            SeverityRating::High,
        ),
        advisory(
            "GHSA-m2qf-hxjv-5gpq",
            &["CVE-2023-30861"],
            "Flask",
            Some("2.2.5"),
            SeverityRating::High,
        ),
        advisory(
            "PYSEC-2018-66",
            &["CVE-2018-1000656"],
            "flask",
            Some("0.12.3"),
            SeverityRating::High,
        ),
    ]
}

#[test]
fn aliased_records_become_one_finding_and_fixed_versions_are_clean() {
    let targets = AuditTargets {
        targets: vec![installed("flask", "2.2.3"), installed("werkzeug", "3.0.6")],
        not_audited: Vec::new(),
    };
    let report = audit(targets, &data(flask_records()), &options(&[]));
    assert_eq!(report.audited, 2);
    assert_eq!(report.vulnerable.len(), 1);
    let flask = &report.vulnerable[0];
    assert_eq!(flask.target.name, name("flask"));
    assert_eq!(flask.findings.len(), 1, "{:#?}", flask.findings);
    let finding = &flask.findings[0];
    assert_eq!(finding.id, id("PYSEC-2023-62"));
    let aliases: Vec<&str> = finding.aliases.iter().map(AdvisoryId::as_str).collect();
    assert_eq!(aliases, ["CVE-2023-30861", "GHSA-m2qf-hxjv-5gpq"]);
    assert_eq!(
        finding.fix,
        Fix::Version {
            version: tend_model::DistVersion::parse("2.2.5")
        }
    );
    assert_eq!(finding.matched_by, MatchKind::Range);
    assert_eq!(report.highest(), Some(SeverityRating::High));
}

#[test]
fn ignore_rules_hide_expire_and_go_unused() {
    let targets = AuditTargets {
        targets: vec![installed("flask", "2.2.3"), installed("gunicorn", "20.1.0")],
        not_audited: Vec::new(),
    };
    let mut records = flask_records();
    records.push(advisory(
        "GHSA-w3h3-4rj7-4ph4",
        &["CVE-2024-1135"],
        "gunicorn",
        Some("22.0.0"),
        SeverityRating::High,
    ));

    // Matched by an alias, in force: hidden.
    let mut by_alias = rule("CVE-2023-30861");
    by_alias.until = Some(date(2026, 12, 31));
    // Expired yesterday: shown again with the rule attached.
    let mut expired = rule("GHSA-w3h3-4rj7-4ph4");
    expired.until = Some(date(2026, 11, 22));
    // Matches nothing here.
    let unused = rule("PYSEC-2099-1");
    let rules = [by_alias, expired, unused];
    let report = audit(targets, &data(records), &options(&rules));

    assert_eq!(report.ignored.len(), 1);
    assert_eq!(report.ignored[0].finding.id, id("PYSEC-2023-62"));
    assert_eq!(report.ignored[0].rule.id, id("CVE-2023-30861"));

    assert_eq!(report.vulnerable.len(), 1);
    let gunicorn = &report.vulnerable[0];
    assert_eq!(gunicorn.target.name, name("gunicorn"));
    let shown = gunicorn.findings[0].expired_ignore.as_ref().unwrap();
    assert_eq!(shown.until, Some(date(2026, 11, 22)));

    let codes: Vec<(Code, Option<usize>)> = report
        .diagnostics
        .iter()
        .map(|diagnostic| {
            (
                diagnostic.code,
                diagnostic.location.as_ref().map(|location| location.line),
            )
        })
        .collect();
    assert_eq!(
        codes,
        [
            (Code::IgnoreExpired, Some(7)),
            (Code::IgnoreUnused, Some(7))
        ]
    );
    assert!(report.diagnostics[1].message.contains("PYSEC-2099-1"));
}

#[test]
fn until_fixed_holds_while_there_is_no_fix() {
    let targets = AuditTargets {
        targets: vec![installed("left-pad", "1.0"), installed("right-pad", "1.0")],
        not_audited: Vec::new(),
    };
    let records = vec![
        advisory(
            "GHSA-aaaa-aaaa-aaaa",
            &[],
            "left-pad",
            None,
            SeverityRating::Low,
        ),
        advisory(
            "GHSA-bbbb-bbbb-bbbb",
            &[],
            "right-pad",
            Some("1.1"),
            SeverityRating::Low,
        ),
    ];
    let mut no_fix_yet = rule("GHSA-aaaa-aaaa-aaaa");
    no_fix_yet.until_fixed = true;
    let mut fixed_now = rule("GHSA-bbbb-bbbb-bbbb");
    fixed_now.until_fixed = true;
    let rules = [no_fix_yet, fixed_now];
    let report = audit(targets, &data(records), &options(&rules));
    assert_eq!(report.ignored.len(), 1);
    assert_eq!(report.ignored[0].target.name, name("left-pad"));
    assert_eq!(report.vulnerable.len(), 1);
    assert_eq!(report.vulnerable[0].target.name, name("right-pad"));
    assert!(report.diagnostics[0]
        .message
        .contains("a fix is available: 1.1"));
}

#[test]
fn withdrawn_records_never_match() {
    let mut withdrawn = advisory("PYSEC-2020-1", &[], "flask", None, SeverityRating::Critical);
    withdrawn.withdrawn = Some("2021-01-01T00:00:00Z".parse().unwrap());
    let targets = AuditTargets {
        targets: vec![installed("flask", "2.2.3")],
        not_audited: Vec::new(),
    };
    let report = audit(targets, &data(vec![withdrawn]), &options(&[]));
    assert!(report.vulnerable.is_empty());
    assert_eq!(report.audited, 1);
}

#[test]
fn a_legacy_version_is_matched_by_text_or_reported_as_not_audited() {
    let mut listed = advisory("PYSEC-2019-1", &[], "oldpkg", None, SeverityRating::Medium);
    listed.affected[0].ranges.clear();
    listed.affected[0].versions = vec![tend_model::DistVersion::parse("1.0-custom-build")];
    let ranged = advisory(
        "PYSEC-2019-2",
        &[],
        "otherpkg",
        Some("2.0"),
        SeverityRating::Medium,
    );
    let targets = AuditTargets {
        targets: vec![
            installed("oldpkg", "1.0-custom-build"),
            installed("otherpkg", "1.0-custom-build"),
        ],
        not_audited: Vec::new(),
    };
    let report = audit(targets, &data(vec![listed, ranged]), &options(&[]));
    assert_eq!(report.vulnerable.len(), 1);
    assert_eq!(
        report.vulnerable[0].findings[0].matched_by,
        MatchKind::InvalidVersionList
    );
    assert_eq!(report.not_audited.len(), 1);
    assert_eq!(report.not_audited[0].name, name("otherpkg"));
    assert_eq!(
        report.not_audited[0].reason,
        NotAuditedReason::InvalidVersion {
            version: "1.0-custom-build".to_string()
        }
    );
    assert_eq!(report.audited, 1);
}

#[test]
fn unreachable_packages_are_not_audited_and_not_clean() {
    let mut data = data(flask_records());
    data.unreachable
        .insert(name("flask"), "HTTP 500 from the service".to_string());
    let targets = AuditTargets {
        targets: vec![installed("flask", "2.2.3")],
        not_audited: Vec::new(),
    };
    let report = audit(targets, &data, &options(&[]));
    assert!(report.vulnerable.is_empty());
    assert_eq!(report.audited, 0);
    assert_eq!(
        report.not_audited[0].reason,
        NotAuditedReason::SourceUnreachable {
            message: "HTTP 500 from the service".to_string()
        }
    );
}

#[test]
fn an_old_database_is_reported_as_stale() {
    let targets = AuditTargets {
        targets: vec![installed("flask", "3.1.0")],
        not_audited: Vec::new(),
    };
    let mut options = options(&[]);
    options.max_age = Some(Duration::from_secs(7 * 86_400));
    let report = audit(targets, &data(flask_records()), &options);
    assert_eq!(report.diagnostics.len(), 1);
    assert_eq!(report.diagnostics[0].code, Code::StaleDatabase);

    options.max_age = Some(Duration::from_secs(4000 * 86_400));
    let targets = AuditTargets {
        targets: vec![installed("flask", "3.1.0")],
        not_audited: Vec::new(),
    };
    let report = audit(targets, &data(flask_records()), &options);
    assert!(report.diagnostics.is_empty());
}
