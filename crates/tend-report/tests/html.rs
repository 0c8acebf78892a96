//! The HTML scan report from hand-built data: every section present, hostile text from
//! advisories and indexes shown as text, nothing loaded from elsewhere, tags balanced.
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;
use std::str::FromStr;

use tend_model::jiff::Timestamp;
use tend_model::{
    AdvisoryId, AdvisorySeverity, AdvisorySourceInfo, AdvisorySourceKind, AuditReport, AuditTarget,
    ChangeKind, Code, CurrentOrigin, Diagnostic, DistVersion, Finding, Fix, IndexDataInfo,
    Inventory, Location, MatchKind, NotAudited, NotAuditedReason, NotChecked, NotCheckedReason,
    OutdatedPackage, OutdatedReport, OutdatedSettings, PackageFindings, PackageName, ReleaseInfo,
    Severity, SeverityRating, SeveritySource, Skipped, Strategy, TargetOrigin, UnknownPackage,
};
use tend_report::{scan_html, AuditStage, DisplayOptions, OutdatedStage, PlanStage, ScanSummary};

const PROJECT: &str = "/srv/shop";
const INDEX: &str = "https://pypi.org/simple/";
const HOSTILE: &str = "<script>alert('x')</script> & <img src=x onerror=alert(1)>";

fn now() -> Timestamp {
    "2025-06-02T09:00:00Z".parse().unwrap()
}

fn name(text: &str) -> PackageName {
    PackageName::from_str(text).unwrap()
}

fn location(file: &str, line: usize) -> Location {
    Location::new(PathBuf::from(PROJECT).join(file), line)
}

fn options() -> DisplayOptions {
    DisplayOptions {
        project: Some(PathBuf::from(PROJECT)),
    }
}

fn finding(id: &str, rating: SeverityRating, fix: Option<&str>, url: &str) -> Finding {
    Finding {
        id: AdvisoryId::new(id).unwrap(),
        aliases: vec![AdvisoryId::new("CVE-2023-30861").unwrap()],
        summary: Some(HOSTILE.to_string()),
        severity: AdvisorySeverity {
            rating,
            score: Some(7.5),
            vector: None,
            source: SeveritySource::CvssV3,
        },
        published: None,
        modified: "2025-01-10T00:00:00Z".parse().unwrap(),
        fix: fix.map_or(Fix::None, |version| Fix::Version {
            version: DistVersion::parse(version),
        }),
        matched_by: MatchKind::Range,
        url: Some(url.to_string()),
        expired_ignore: None,
    }
}

fn audit() -> AuditReport {
    AuditReport {
        generated: now(),
        sources: vec![AdvisorySourceInfo {
            kind: AdvisorySourceKind::Download,
            location: "/var/cache/tend/advisories/pypa".to_string(),
            records: 120,
            newest_modified: Some("2025-06-01T00:00:00Z".parse().unwrap()),
            updated: None,
        }],
        audited: 12,
        vulnerable: vec![PackageFindings {
            target: AuditTarget {
                name: name("flask"),
                version: DistVersion::parse("2.2.2"),
                origin: TargetOrigin::Installed,
            },
            findings: vec![
                finding(
                    "PYSEC-2023-62",
                    SeverityRating::High,
                    Some("2.2.5"),
                    "https://osv.dev/vulnerability/PYSEC-2023-62",
                ),
                // A link that is not a web address must not become one.
                finding(
                    "GHSA-m2qf-hxjv-5gpq",
                    SeverityRating::Critical,
                    None,
                    "javascript:alert(1)",
                ),
            ],
        }],
        not_audited: vec![NotAudited {
            name: name("python-dotenv"),
            reason: NotAuditedReason::SourceUnreachable {
                message: HOSTILE.to_string(),
            },
            location: Some(location("requirements.txt", 7)),
        }],
        ignored: Vec::new(),
        diagnostics: Vec::new(),
    }
}

fn release(version: &str, uploaded: &str) -> ReleaseInfo {
    ReleaseInfo {
        version: version.parse().unwrap(),
        uploaded: Some(uploaded.parse().unwrap()),
        yanked: false,
        yank_reason: None,
    }
}

fn outdated() -> OutdatedReport {
    let mut current = release("21.1.0", "2021-05-06T16:40:00Z");
    current.yanked = true;
    current.yank_reason = Some(HOSTILE.to_string());
    let latest = release("25.3.0", "2025-03-13T11:09:00Z");
    OutdatedReport {
        generated: now(),
        settings: OutdatedSettings {
            strategy: Strategy::default(),
            by_category: false,
            pre: false,
            python: None,
            min_age: None,
            indexes: vec![INDEX.to_string()],
            offline: false,
        },
        data: IndexDataInfo {
            requests: 3,
            from_cache: 9,
            oldest: Some("2025-06-02T08:00:00Z".parse().unwrap()),
        },
        packages: vec![OutdatedPackage {
            name: name("attrs"),
            current: Some(DistVersion::parse("21.1.0")),
            origin: CurrentOrigin::Installed,
            index: INDEX.to_string(),
            current_release: Some(current),
            allowed: Some(latest.clone()),
            strategy: Strategy::Major,
            latest: Some(latest),
            change: Some(ChangeKind::Major),
            behind: 12,
            skipped: Skipped::default(),
            newer: Vec::new(),
        }],
        unknown: vec![UnknownPackage {
            name: name("internal-utils"),
            current: Some(DistVersion::parse("1.0")),
            origin: CurrentOrigin::Installed,
            indexes: vec![INDEX.to_string()],
        }],
        not_checked: vec![NotChecked {
            name: name("mirror-only"),
            current: None,
            reason: NotCheckedReason::IndexError {
                index: "https://mirror.example/simple/".to_string(),
                message: HOSTILE.to_string(),
            },
        }],
        diagnostics: Vec::new(),
    }
}

fn findings() -> Vec<Diagnostic> {
    vec![
        Diagnostic::new(Code::Drift, Severity::Warning, HOSTILE)
            .with_package(name("requests"))
            .with_location(location("requirements.txt", 4))
            .with_note("a note with <b>markup</b>"),
        Diagnostic::new(
            Code::MissingDependency,
            Severity::Error,
            "celery 5.2.7 requires click-didyoumean",
        )
        .with_package(name("celery")),
    ]
}

fn render(audit: AuditStage<'_>, outdated: OutdatedStage<'_>, findings: &[Diagnostic]) -> String {
    let inventory = Inventory::default();
    let summary = ScanSummary::new(&inventory, findings);
    scan_html(
        &inventory,
        findings,
        &summary,
        audit,
        outdated,
        PlanStage::NotRun {
            reason: "the outdated stage did not run",
        },
        "`tend audit /srv/shop` lists every vulnerability with its fix",
        &options(),
    )
}

fn realistic() -> String {
    let audit = audit();
    let outdated = outdated();
    render(
        AuditStage::Ran {
            report: &audit,
            now: now(),
        },
        OutdatedStage::Ran { report: &outdated },
        &findings(),
    )
}

/// Elements with no closing tag.
const VOID: &[&str] = &["meta", "br"];

/// Checks that every element opened is closed, in order, and returns the open tags met.
fn balanced(html: &str) -> Vec<String> {
    let mut stack: Vec<String> = Vec::new();
    let mut seen = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        let end = rest[start..].find('>').expect("a tag is closed by `>`") + start;
        let tag = &rest[start + 1..end];
        rest = &rest[end + 1..];
        if tag.starts_with('!') {
            continue;
        }
        if let Some(name) = tag.strip_prefix('/') {
            let open = stack
                .pop()
                .unwrap_or_else(|| panic!("</{name}> closes nothing"));
            assert_eq!(open, name, "</{name}> closes <{open}>");
            continue;
        }
        let name = tag.split_whitespace().next().unwrap().to_string();
        assert!(
            name.chars().all(|c| c.is_ascii_alphanumeric()),
            "odd tag <{tag}>"
        );
        seen.push(name.clone());
        if !VOID.contains(&name.as_str()) {
            stack.push(name);
        }
    }
    assert!(stack.is_empty(), "left open: {stack:?}");
    seen
}

/// Every `src=` and `href=` value, with the tag it sits in.
fn references(html: &str) -> Vec<(String, String)> {
    let mut found = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        let end = rest[start..].find('>').unwrap() + start;
        let tag = &rest[start + 1..end];
        rest = &rest[end + 1..];
        let name = tag.split_whitespace().next().unwrap_or_default();
        for attribute in ["src=\"", "href=\""] {
            if let Some(at) = tag.find(attribute) {
                let value = &tag[at + attribute.len()..];
                let value = &value[..value.find('"').unwrap()];
                found.push((name.to_string(), value.to_string()));
            }
        }
    }
    found
}

#[test]
fn every_section_is_there_and_the_tags_balance() {
    let html = realistic();
    assert!(html.starts_with("<!DOCTYPE html>"), "{html}");
    let tags = balanced(&html);
    for id in [
        "summary",
        "vulnerabilities",
        "health",
        "outdated",
        "not-covered",
        "next",
    ] {
        assert!(html.contains(&format!("id=\"{id}\"")), "no #{id}:\n{html}");
    }
    assert_eq!(
        tags.iter().filter(|tag| *tag == "table").count(),
        5,
        "{html}"
    );
    // Two vulnerabilities, two findings, one outdated, one unknown, two not covered.
    assert_eq!(
        tags.iter().filter(|tag| *tag == "tr").count(),
        8 + 5,
        "{html}"
    );
    assert!(html.contains("21.1.0 → 25.3.0"), "{html}");
    assert!(html.contains("requirements.txt:4"), "{html}");
    assert!(html.contains("<code>tend audit /srv/shop</code>"), "{html}");
    // Most severe first, in the summary and in the table.
    assert!(
        html.contains("1 critical</span> <span class=\"badge high\">1 high"),
        "{html}"
    );
    let critical = html.find("GHSA-m2qf-hxjv-5gpq").unwrap();
    let high = html.find("PYSEC-2023-62").unwrap();
    assert!(critical < high, "{html}");
}

#[test]
fn text_from_outside_is_escaped() {
    let html = realistic();
    let lower = html.to_ascii_lowercase();
    assert!(!lower.contains("<script"), "{html}");
    assert!(!lower.contains("<img"), "{html}");
    assert!(!lower.contains("<b>"), "{html}");
    let escaped =
        "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &lt;img src=x onerror=alert(1)&gt;";
    // Two advisory summaries, the yank reason, the index message, the advisory source's
    // message and the finding's message.
    assert_eq!(html.matches(escaped).count(), 6, "{html}");
    assert!(
        html.contains("a note with &lt;b&gt;markup&lt;/b&gt;"),
        "{html}"
    );
}

#[test]
fn nothing_is_loaded_from_elsewhere() {
    let html = realistic();
    let lower = html.to_ascii_lowercase();
    for forbidden in ["<script", "<link", "<iframe", "<img", "url(", "@import"] {
        assert!(!lower.contains(forbidden), "{forbidden} in:\n{html}");
    }
    let references = references(&html);
    // The one web link is the advisory's; the `javascript:` one is shown as plain text.
    assert_eq!(
        references,
        [(
            "a".to_string(),
            "https://osv.dev/vulnerability/PYSEC-2023-62".to_string()
        )]
    );
    assert!(!lower.contains("javascript:alert"), "{html}");
}

#[test]
fn stages_that_did_not_run_say_why() {
    let html = render(
        AuditStage::NotRun {
            reason: "no advisory database; run `tend db update`",
        },
        OutdatedStage::NotRun {
            reason: "no index to ask: `no-index` is set by tend.toml",
        },
        &[],
    );
    balanced(&html);
    assert!(
        html.contains(
            "Advisories were not checked: no advisory database; run <code>tend db update</code>."
        ),
        "{html}"
    );
    assert!(
        html.contains(
            "The index was not asked: no index to ask: <code>no-index</code> is set by tend.toml."
        ),
        "{html}"
    );
    assert!(
        html.contains("<h2>Health findings</h2>\n<p>No problems found.</p>"),
        "{html}"
    );
    assert!(!html.contains("<table"), "{html}");
    assert!(references(&html).is_empty(), "{html}");
}

#[test]
fn a_clean_scan_says_so() {
    let mut audit = audit();
    audit.vulnerable.clear();
    audit.not_audited.clear();
    let mut outdated = outdated();
    outdated.packages.clear();
    outdated.unknown.clear();
    outdated.not_checked.clear();
    let html = render(
        AuditStage::Ran {
            report: &audit,
            now: now(),
        },
        OutdatedStage::Ran { report: &outdated },
        &[],
    );
    balanced(&html);
    assert!(
        html.contains("No known vulnerabilities in 12 audited packages."),
        "{html}"
    );
    assert!(
        html.contains("No packages to compare with the index"),
        "{html}"
    );
    assert!(
        html.contains("Every package the stages that ran looked at was covered."),
        "{html}"
    );
}
