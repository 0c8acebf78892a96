//! The fixtures the plan tests share: a policy with three categories, one scenario with a
//! package for each rule, and builders for outdated and audit reports with fixed dates.

// Each test file uses some of these.
#![allow(dead_code, clippy::unwrap_used)]

use std::str::FromStr;

use jiff::Timestamp;
use tend_model::{
    AdvisoryId, AdvisorySeverity, AuditReport, AuditTarget, ChangeKind, CurrentOrigin, DistVersion,
    Finding, Fix, IndexDataInfo, MatchKind, OutdatedPackage, OutdatedReport, OutdatedSettings,
    PackageFindings, PackageName, ReleaseInfo, SeverityRating, Skipped, Strategy, TargetOrigin,
    Version,
};
use tend_plan::{plan, Item, Plan, PlanInput};
use tend_policy::{load_file, Policy};

pub const NOW: &str = "2026-11-23T12:00:00Z";

pub const POLICY: &str = r#"
[[categories]]
name = "critical"
packages = ["flask", "werkzeug"]
sla = "24h"
strategy = "minor"
min-age = "7d"
security-min-age = "1d"
vulnerable = true

[[categories]]
name = "standard"
packages = ["requests", "flask-*"]
sla = "30d"
strategy = "pin-major"
min-age = "7d"

[fallback-category]
sla = "90d"
strategy = "patch"
min-age = "14d"
"#;

pub fn policy(text: &str) -> Policy {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tend.toml");
    fs_err::write(&path, text).unwrap();
    load_file(&path).unwrap()
}

pub fn at(text: &str) -> Timestamp {
    text.parse().unwrap()
}

pub fn version(text: &str) -> Version {
    Version::from_str(text).unwrap()
}

pub fn name(text: &str) -> PackageName {
    PackageName::from_str(text).unwrap()
}

pub fn release(number: &str, uploaded: &str) -> ReleaseInfo {
    ReleaseInfo {
        version: version(number),
        uploaded: Some(at(uploaded)),
        yanked: false,
        yank_reason: None,
    }
}

/// An installed package and the passing releases newer than it, oldest first.
pub fn package(package: &str, current: &str, newer: Vec<ReleaseInfo>) -> OutdatedPackage {
    let current_version = version(current);
    let latest = newer.last().cloned();
    OutdatedPackage {
        name: name(package),
        current: Some(DistVersion::parse(current)),
        origin: CurrentOrigin::Installed,
        index: "http://127.0.0.1/simple".to_string(),
        current_release: None,
        change: latest
            .as_ref()
            .map(|latest| ChangeKind::between(&current_version, &latest.version)),
        allowed: latest.clone(),
        strategy: Strategy::Major,
        latest,
        behind: newer.len(),
        skipped: Skipped::default(),
        newer,
    }
}

pub fn outdated(packages: Vec<OutdatedPackage>) -> OutdatedReport {
    OutdatedReport {
        generated: at(NOW),
        settings: OutdatedSettings {
            strategy: Strategy::Major,
            by_category: false,
            pre: false,
            python: None,
            min_age: None,
            indexes: vec!["http://127.0.0.1/simple".to_string()],
            offline: false,
        },
        data: IndexDataInfo::default(),
        packages,
        unknown: Vec::new(),
        not_checked: Vec::new(),
        diagnostics: Vec::new(),
    }
}

/// An advisory: id, severity, fixed version, published date.
pub fn finding(id: &str, rating: SeverityRating, fixed: &str, published: &str) -> Finding {
    Finding {
        id: AdvisoryId::new(id).unwrap(),
        aliases: Vec::new(),
        summary: None,
        severity: AdvisorySeverity {
            rating,
            ..AdvisorySeverity::unknown()
        },
        published: Some(at(published)),
        modified: at(published),
        fix: Fix::Version {
            version: DistVersion::parse(fixed),
        },
        matched_by: MatchKind::Range,
        url: None,
        expired_ignore: None,
    }
}

pub fn vulnerable(package: &str, current: &str, findings: Vec<Finding>) -> PackageFindings {
    PackageFindings {
        target: AuditTarget {
            name: name(package),
            version: DistVersion::parse(current),
            origin: TargetOrigin::Installed,
        },
        findings,
    }
}

pub fn audit(vulnerable: Vec<PackageFindings>) -> AuditReport {
    AuditReport {
        generated: at(NOW),
        sources: Vec::new(),
        audited: 0,
        vulnerable,
        not_audited: Vec::new(),
        ignored: Vec::new(),
        diagnostics: Vec::new(),
    }
}

/// The shared scenario: see each test for the package it looks at.
pub fn scenario() -> Plan {
    scenario_with(POLICY)
}

pub fn scenario_with(policy_text: &str) -> Plan {
    let policy = policy(policy_text);
    let outdated = outdated(vec![
        // critical by name, minor strategy: 3.0.0 is not proposed.
        package(
            "flask",
            "2.3.2",
            vec![
                release("2.3.3", "2026-10-01T00:00:00Z"),
                release("3.0.0", "2026-11-01T00:00:00Z"),
            ],
        ),
        // Named by standard, but vulnerable: critical. 2.32.0 is 2.5 days old (inside the
        // 7 day min-age, past the 1 day security-min-age); 2.32.3 is 6 hours old.
        package(
            "requests",
            "2.31.0",
            vec![
                release("2.32.0", "2026-11-21T00:00:00Z"),
                release("2.32.3", "2026-11-23T06:00:00Z"),
            ],
        ),
        // Two advisories, fixed in 1.26.17 and 1.26.18; 1.26.19 is too new.
        package(
            "urllib3",
            "1.26.5",
            vec![
                release("1.26.17", "2026-10-01T00:00:00Z"),
                release("1.26.18", "2026-10-15T00:00:00Z"),
                release("1.26.19", "2026-11-23T06:00:00Z"),
                release("2.0.0", "2026-06-01T00:00:00Z"),
            ],
        ),
        // The only fix is a major release; critical is minor.
        package(
            "jinja2",
            "2.11.3",
            vec![release("3.1.3", "2026-01-01T00:00:00Z")],
        ),
        // standard by glob, pin-major: 3.0.11 planned, 4.0.0 deferred.
        package(
            "flask-cors",
            "3.0.10",
            vec![
                release("3.0.11", "2026-09-01T00:00:00Z"),
                release("4.0.0", "2026-09-15T00:00:00Z"),
            ],
        ),
        // Fallback, 14 day min-age: 8.0.1 is 3.5 days old, held.
        package(
            "pytest",
            "8.0.0",
            vec![release("8.0.1", "2026-11-20T00:00:00Z")],
        ),
        // Up to date: no work.
        package("numpy", "2.2.6", Vec::new()),
    ]);
    let audit = audit(vec![
        vulnerable(
            "requests",
            "2.31.0",
            vec![finding(
                "GHSA-9wx4-h78v-vm56",
                SeverityRating::Medium,
                "2.32.0",
                "2026-11-20T00:00:00Z",
            )],
        ),
        vulnerable(
            "urllib3",
            "1.26.5",
            vec![
                finding(
                    "GHSA-v845-jxx5-vc9f",
                    SeverityRating::High,
                    "1.26.17",
                    "2026-11-23T00:00:00Z",
                ),
                finding(
                    "GHSA-g4mx-q9vg-27p4",
                    SeverityRating::Medium,
                    "1.26.18",
                    "2026-11-23T02:00:00Z",
                ),
            ],
        ),
        vulnerable(
            "jinja2",
            "2.11.3",
            vec![finding(
                "GHSA-h5c8-rqwp-cp95",
                SeverityRating::Medium,
                "3.1.3",
                "2026-01-11T00:00:00Z",
            )],
        ),
    ]);
    plan(&PlanInput {
        now: at(NOW),
        categories: &policy.categories,
        audit: &audit,
        outdated: &outdated,
    })
}

pub fn item<'a>(plan: &'a Plan, package: &str) -> &'a Item {
    plan.phases
        .iter()
        .flat_map(|phase| &phase.items)
        .find(|item| item.name.as_ref() == package)
        .unwrap_or_else(|| panic!("no item for {package}"))
}

/// A plan with no work: every package up to date, no advisories.
pub fn empty_plan() -> Plan {
    let policy = policy(POLICY);
    plan(&PlanInput {
        now: at(NOW),
        categories: &policy.categories,
        audit: &audit(Vec::new()),
        outdated: &outdated(vec![package("numpy", "2.2.6", Vec::new())]),
    })
}
