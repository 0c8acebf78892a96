//! The outdated report rendered in every format from the same hand-built reports (fixed times),
//! so that the formats can be compared like for like; and the outdated stage of `tend scan`.
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;
use std::str::FromStr;

use tend_model::jiff::{SignedDuration, Timestamp};
use tend_model::{
    ChangeKind, Code, CurrentOrigin, Diagnostic, DistVersion, IndexDataInfo, Inventory, Location,
    NotChecked, NotCheckedReason, OutdatedPackage, OutdatedReport, OutdatedSettings, PackageName,
    ReleaseInfo, Severity, Skipped, Strategy, UnknownPackage,
};
use tend_report::{
    outdated_json, outdated_json_text, outdated_markdown, outdated_table, scan_json, scan_text,
    AuditStage, ChangeCounts, DisplayOptions, OutdatedStage, PlanStage, ScanSummary,
};

const PROJECT: &str = "/srv/shop";
const INDEX: &str = "http://127.0.0.1:8080/simple";
const PRIVATE: &str = "https://ci:****@packages.internal/simple";

fn now() -> Timestamp {
    "2025-06-02T09:00:00Z".parse().unwrap()
}

fn time(text: &str) -> Timestamp {
    text.parse().unwrap()
}

fn name(text: &str) -> PackageName {
    PackageName::from_str(text).unwrap()
}

fn project(file: &str, line: usize) -> Location {
    Location::new(PathBuf::from(PROJECT).join(file), line)
}

fn options() -> DisplayOptions {
    DisplayOptions {
        project: Some(PathBuf::from(PROJECT)),
    }
}

fn release(version: &str, uploaded: &str) -> ReleaseInfo {
    ReleaseInfo {
        version: version.parse().unwrap(),
        uploaded: Some(time(uploaded)),
        yanked: false,
        yank_reason: None,
    }
}

/// A package compared with `INDEX`: `current` and `latest` as (version, upload time), the
/// change worked out from them.
fn package(
    package: &str,
    current: (&str, &str),
    latest: (&str, &str),
    behind: usize,
) -> OutdatedPackage {
    let current_release = release(current.0, current.1);
    let latest = release(latest.0, latest.1);
    let change = (latest.version > current_release.version)
        .then(|| ChangeKind::between(&current_release.version, &latest.version));
    OutdatedPackage {
        name: name(package),
        current: Some(DistVersion::parse(current.0)),
        origin: CurrentOrigin::Installed,
        index: INDEX.to_string(),
        current_release: Some(current_release),
        allowed: change.map(|_| latest.clone()),
        strategy: Strategy::Major,
        latest: Some(latest),
        change,
        behind,
        skipped: Skipped::default(),
        newer: Vec::new(),
    }
}

fn settings(strategy: Strategy) -> OutdatedSettings {
    OutdatedSettings {
        strategy,
        by_category: false,
        pre: false,
        python: Some("3.11.7".parse().unwrap()),
        min_age: Some(SignedDuration::from_hours(72)),
        indexes: vec![INDEX.to_string()],
        offline: false,
    }
}

/// A service with a bit of everything, given out of order: major, minor, patch and
/// pre-release updates; updates the minor strategy holds back; a yanked install; a current
/// version the index does not list; up-to-date packages with skipped releases; a declared
/// range; a version that is not PEP 440; an unknown package; a direct reference and an index
/// error; and the diagnostics the comparison raises alongside them.
fn realistic() -> OutdatedReport {
    let mut flask = package(
        "flask",
        ("2.2.2", "2022-08-08T16:00:00Z"),
        ("3.1.1", "2025-05-13T22:47:00Z"),
        9,
    );
    flask.allowed = Some(release("2.3.3", "2023-08-21T19:52:00Z"));
    // The minor strategy allows nothing newer in Django 3.
    let mut django = package(
        "Django",
        ("3.2.25", "2024-03-04T13:53:00Z"),
        ("5.2.1", "2025-05-07T15:03:00Z"),
        14,
    );
    django.allowed = None;
    django.skipped.pre = 2;
    let mut attrs = package(
        "attrs",
        ("21.1.0", "2021-05-06T16:40:00Z"),
        ("25.3.0", "2025-03-13T11:09:00Z"),
        12,
    );
    attrs.allowed = Some(release("21.4.0", "2021-12-29T13:15:00Z"));
    if let Some(current) = &mut attrs.current_release {
        current.yanked = true;
        current.yank_reason = Some("Broken wheel | <missing> METADATA".to_string());
    }
    let mut urllib3 = package(
        "urllib3",
        ("2.2.1", "2024-02-18T19:28:00Z"),
        ("2.4.0", "2025-04-10T15:40:00Z"),
        4,
    );
    urllib3.origin = CurrentOrigin::Pinned {
        location: project("requirements.txt", 6),
    };
    urllib3.skipped.too_new = 1;
    let jinja = package(
        "jinja2",
        ("3.1.2", "2022-04-28T17:21:00Z"),
        ("3.1.6", "2025-03-05T20:10:00Z"),
        4,
    );
    let rich = package(
        "rich",
        ("14.0.0rc1", "2025-03-20T10:00:00Z"),
        ("14.0.0", "2025-03-30T12:00:00Z"),
        1,
    );
    let mut markupsafe = package(
        "markupsafe",
        ("2.1.3", "2023-06-02T21:00:00Z"),
        ("3.0.2", "2024-10-18T15:21:00Z"),
        7,
    );
    markupsafe.current = Some(DistVersion::parse("2.1.3+shop.1"));
    markupsafe.current_release = None;
    markupsafe.allowed = Some(release("2.1.5", "2024-02-02T16:30:00Z"));
    let click = package(
        "click",
        ("8.2.1", "2025-05-20T23:18:00Z"),
        ("8.2.1", "2025-05-20T23:18:00Z"),
        0,
    );
    let mut pydantic = package(
        "pydantic",
        ("2.11.5", "2025-05-22T16:00:00Z"),
        ("2.11.5", "2025-05-22T16:00:00Z"),
        0,
    );
    pydantic.skipped.too_new = 1;
    let mut numpy = package(
        "numpy",
        ("2.2.6", "2025-05-17T21:00:00Z"),
        ("2.2.6", "2025-05-17T21:00:00Z"),
        0,
    );
    numpy.skipped.requires_python = 3;
    numpy.skipped.pre = 1;
    let gunicorn = OutdatedPackage {
        name: name("gunicorn"),
        current: None,
        origin: CurrentOrigin::Declared {
            location: project("requirements.txt", 9),
        },
        index: INDEX.to_string(),
        current_release: None,
        latest: Some(release("23.0.0", "2024-08-10T20:25:00Z")),
        allowed: Some(release("23.0.0", "2024-08-10T20:25:00Z")),
        strategy: Strategy::Major,
        change: None,
        behind: 0,
        skipped: Skipped::default(),
        newer: Vec::new(),
    };
    let legacy = OutdatedPackage {
        name: name("legacy-tool"),
        current: Some(DistVersion::parse("1.0-custom_build")),
        origin: CurrentOrigin::Installed,
        index: INDEX.to_string(),
        current_release: None,
        latest: Some(release("2.0", "2024-01-01T00:00:00Z")),
        allowed: None,
        strategy: Strategy::Major,
        change: None,
        behind: 0,
        skipped: Skipped::default(),
        newer: Vec::new(),
    };

    OutdatedReport {
        generated: now(),
        settings: settings(Strategy::Minor),
        data: IndexDataInfo {
            requests: 4,
            from_cache: 11,
            oldest: Some(time("2025-06-02T06:00:00Z")),
        },
        packages: vec![
            urllib3, click, flask, rich, django, legacy, jinja, pydantic, attrs, numpy, gunicorn,
            markupsafe,
        ],
        unknown: vec![UnknownPackage {
            name: name("acme-billing"),
            current: Some(DistVersion::parse("2.3.0")),
            origin: CurrentOrigin::Installed,
            indexes: vec![INDEX.to_string()],
        }],
        not_checked: vec![
            NotChecked {
                name: name("sqlalchemy"),
                current: Some(DistVersion::parse("1.4.52")),
                reason: NotCheckedReason::IndexError {
                    index: INDEX.to_string(),
                    message: "HTTP 503 Service Unavailable\n(after 3 retries)".to_string(),
                },
            },
            NotChecked {
                name: name("shop-utils"),
                current: Some(DistVersion::parse("0.4.0")),
                reason: NotCheckedReason::DirectReference {
                    url: "file:///srv/shop/libs/shop-utils".to_string(),
                },
            },
        ],
        diagnostics: vec![
            Diagnostic::new(
                Code::YankedRelease,
                Severity::Warning,
                format!("attrs 21.1.0 is yanked on {INDEX}"),
            )
            .with_package(name("attrs")),
            Diagnostic::new(
                Code::InvalidVersion,
                Severity::Note,
                "legacy-tool 1.0-custom_build is not a PEP 440 version, so no release can be \
                 called newer",
            )
            .with_package(name("legacy-tool")),
            Diagnostic::new(
                Code::UnknownPackage,
                Severity::Warning,
                format!("acme-billing is not on any index asked ({INDEX})"),
            )
            .with_package(name("acme-billing")),
            Diagnostic::new(
                Code::IndexError,
                Severity::Warning,
                format!("sqlalchemy could not be looked up on {INDEX}: HTTP 503"),
            )
            .with_package(name("sqlalchemy")),
        ],
    }
}

/// `--offline`: every page from the cache, the oldest three days old, one package not cached.
fn offline() -> OutdatedReport {
    let mut settings = settings(Strategy::Major);
    settings.offline = true;
    settings.min_age = None;
    settings.python = None;
    OutdatedReport {
        generated: now(),
        settings,
        data: IndexDataInfo {
            requests: 0,
            from_cache: 2,
            oldest: Some(time("2025-05-30T08:30:00Z")),
        },
        packages: vec![
            package(
                "requests",
                ("2.31.0", "2023-05-22T15:12:00Z"),
                ("2.32.3", "2024-05-29T15:37:00Z"),
                4,
            ),
            package(
                "idna",
                ("3.10", "2024-09-15T18:07:00Z"),
                ("3.10", "2024-09-15T18:07:00Z"),
                0,
            ),
        ],
        unknown: Vec::new(),
        not_checked: vec![NotChecked {
            name: name("certifi"),
            current: Some(DistVersion::parse("2025.1.31")),
            reason: NotCheckedReason::NotCached {
                index: INDEX.to_string(),
            },
        }],
        diagnostics: vec![Diagnostic::new(
            Code::IndexError,
            Severity::Warning,
            format!("certifi is not in the cache for {INDEX} (offline)"),
        )
        .with_package(name("certifi"))],
    }
}

/// A public and a private index: each package answered by one of them, an unknown package
/// looked up on both.
fn two_indexes() -> OutdatedReport {
    let mut settings = settings(Strategy::Major);
    settings.indexes.push(PRIVATE.to_string());
    settings.min_age = None;
    let mut internal = package(
        "shop-core",
        ("1.8.0", "2025-01-15T09:00:00Z"),
        ("1.9.2", "2025-05-30T09:00:00Z"),
        3,
    );
    internal.index = PRIVATE.to_string();
    OutdatedReport {
        generated: now(),
        settings,
        data: IndexDataInfo {
            requests: 5,
            from_cache: 0,
            oldest: Some(time("2025-06-02T08:59:40Z")),
        },
        packages: vec![
            internal,
            package(
                "requests",
                ("2.31.0", "2023-05-22T15:12:00Z"),
                ("2.32.3", "2024-05-29T15:37:00Z"),
                4,
            ),
        ],
        unknown: vec![UnknownPackage {
            name: name("shop-billing"),
            current: None,
            origin: CurrentOrigin::Pinned {
                location: project("requirements.txt", 3),
            },
            indexes: vec![INDEX.to_string(), PRIVATE.to_string()],
        }],
        not_checked: Vec::new(),
        diagnostics: Vec::new(),
    }
}

fn empty() -> OutdatedReport {
    OutdatedReport {
        generated: now(),
        settings: settings(Strategy::Major),
        data: IndexDataInfo::default(),
        packages: Vec::new(),
        unknown: Vec::new(),
        not_checked: Vec::new(),
        diagnostics: Vec::new(),
    }
}

fn json_text(report: &OutdatedReport) -> String {
    serde_json::to_string_pretty(&outdated_json(report)).unwrap()
}

#[test]
fn realistic_table() {
    insta::assert_snapshot!(outdated_table(&realistic(), now(), &options()));
}

#[test]
fn realistic_markdown() {
    insta::assert_snapshot!(outdated_markdown(&realistic(), now(), &options()));
}

#[test]
fn realistic_json() {
    insta::assert_snapshot!(json_text(&realistic()));
}

#[test]
fn offline_table() {
    insta::assert_snapshot!(outdated_table(&offline(), now(), &options()));
}

#[test]
fn offline_markdown() {
    insta::assert_snapshot!(outdated_markdown(&offline(), now(), &options()));
}

#[test]
fn two_indexes_table() {
    insta::assert_snapshot!(outdated_table(&two_indexes(), now(), &options()));
}

#[test]
fn two_indexes_markdown() {
    insta::assert_snapshot!(outdated_markdown(&two_indexes(), now(), &options()));
}

#[test]
fn two_indexes_json() {
    insta::assert_snapshot!(json_text(&two_indexes()));
}

#[test]
fn empty_report_is_one_line() {
    assert_eq!(
        outdated_table(&empty(), now(), &options()),
        "No packages to compare with the index.\n"
    );
    insta::assert_snapshot!(
        "empty_markdown",
        outdated_markdown(&empty(), now(), &options())
    );
    insta::assert_snapshot!("empty_json", json_text(&empty()));
}

#[test]
fn all_up_to_date_says_so_only_when_everything_was_compared() {
    let mut report = offline();
    report.packages.remove(0);
    let table = outdated_table(&report, now(), &options());
    assert!(
        table.ends_with("\nNo outdated packages among 1 package compared; 1 not checked\n"),
        "{table}"
    );
    report.not_checked.clear();
    report.diagnostics.clear();
    let table = outdated_table(&report, now(), &options());
    assert!(
        table.ends_with("\nThe one package compared is up to date\n"),
        "{table}"
    );
    report.packages.push(package(
        "urllib3",
        ("2.4.0", "2025-04-10T15:40:00Z"),
        ("2.4.0", "2025-04-10T15:40:00Z"),
        0,
    ));
    let table = outdated_table(&report, now(), &options());
    assert!(table.ends_with("\nAll 2 packages up to date\n"), "{table}");
    assert!(!table.contains("Outdated\n"), "{table}");
}

#[test]
fn summary_counts_every_kind_of_package() {
    let json = outdated_json(&realistic());
    let summary = &json["summary"];
    assert_eq!(summary["packages"], 12);
    assert_eq!(summary["outdated"], 7);
    assert_eq!(
        serde_json::from_value::<serde_json::Map<String, serde_json::Value>>(
            summary["by_change"].clone()
        )
        .unwrap(),
        serde_json::to_value(ChangeCounts {
            major: 4,
            minor: 1,
            patch: 1,
            other: 1,
        })
        .unwrap()
        .as_object()
        .unwrap()
        .clone()
    );
    assert_eq!(summary["up_to_date"], 3);
    assert_eq!(summary["without_version"], 1);
    assert_eq!(summary["not_pep440"], 1);
    assert_eq!(summary["unknown"], 1);
    assert_eq!(summary["not_checked"], 2);
    assert_eq!(summary["yanked"], 1);
    assert_eq!(summary["skipped"]["pre"], 3);
    assert_eq!(summary["skipped"]["too_new"], 2);
    assert_eq!(
        summary["message"],
        "7 of 12 packages outdated (4 major, 1 minor, 1 patch, 1 other); 1 without a version; \
         1 not PEP 440; 1 unknown to the index; 2 not checked; 1 yanked"
    );
}

#[test]
fn json_ages_are_seconds_to_the_generation_time() {
    let json = outdated_json(&realistic());
    // Oldest page 06:00, generated 09:00.
    assert_eq!(json["data"]["age_seconds"], 3 * 3_600);
    assert_eq!(json["settings"]["min_age_seconds"], 3 * 86_400);
    let click = json["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|package| package["name"] == "click")
        .unwrap();
    // Uploaded 2025-05-20 23:18, generated 2025-06-02 09:00.
    assert_eq!(
        click["latest"]["age_seconds"],
        12 * 86_400 + 9 * 3_600 + 42 * 60
    );
    assert_eq!(click["outdated"], false);
    assert!(click.get("change").is_none());
}

#[test]
fn output_does_not_depend_on_input_order() {
    let mut reversed = realistic();
    reversed.packages.reverse();
    reversed.not_checked.reverse();
    reversed.diagnostics.reverse();
    let report = realistic();
    assert_eq!(
        outdated_table(&reversed, now(), &options()),
        outdated_table(&report, now(), &options())
    );
    assert_eq!(
        outdated_markdown(&reversed, now(), &options()),
        outdated_markdown(&report, now(), &options())
    );
    assert_eq!(outdated_json(&reversed), outdated_json(&report));
}

#[test]
fn json_text_is_the_pretty_value() {
    for report in [realistic(), offline(), two_indexes(), empty()] {
        assert_eq!(
            outdated_json_text(&report),
            format!("{}\n", json_text(&report))
        );
    }
}

#[test]
fn diagnostics_repeating_a_section_are_shown_once_but_kept_in_json() {
    let report = realistic();
    let table = outdated_table(&report, now(), &options());
    assert!(!table.contains("is not on any index asked"), "{table}");
    assert!(!table.contains("is yanked on"), "{table}");
    assert!(!table.contains("could not be looked up"), "{table}");
    assert!(table.contains("is not a PEP 440 version"), "{table}");
    let json = outdated_json(&report);
    assert_eq!(json["diagnostics"].as_array().unwrap().len(), 4);
}

fn scan_summary() -> ScanSummary {
    ScanSummary::new(&Inventory::default(), &[])
}

/// The plan the scan makes from `report` with no categories and no advisories.
fn plan_of(report: &tend_model::OutdatedReport) -> tend_plan::Plan {
    let audit = tend_model::AuditReport {
        generated: report.generated,
        sources: Vec::new(),
        audited: 0,
        vulnerable: Vec::new(),
        not_audited: Vec::new(),
        ignored: Vec::new(),
        diagnostics: Vec::new(),
    };
    tend_plan::plan(&tend_plan::PlanInput {
        now: report.generated,
        categories: &tend_policy::Categories::default(),
        audit: &audit,
        outdated: report,
    })
}

#[test]
fn scan_outdated_stage() {
    let inventory = Inventory::default();
    let summary = scan_summary();
    let next = "`tend outdated /srv/shop` lists every package";
    let report = realistic();
    let text = scan_text(
        &inventory,
        &[],
        &summary,
        AuditStage::NotRun {
            reason: "no advisory database",
        },
        OutdatedStage::Ran { report: &report },
        PlanStage::Ran {
            plan: &plan_of(&report),
        },
        next,
        &options(),
    );
    insta::assert_snapshot!("scan_outdated_ran", text);
    let offline = offline();
    let text = scan_text(
        &inventory,
        &[],
        &summary,
        AuditStage::NotRun {
            reason: "no advisory database",
        },
        OutdatedStage::Ran { report: &offline },
        PlanStage::Ran {
            plan: &plan_of(&offline),
        },
        next,
        &options(),
    );
    insta::assert_snapshot!("scan_outdated_offline", text);
    let empty = empty();
    let text = scan_text(
        &inventory,
        &[],
        &summary,
        AuditStage::NotRun {
            reason: "no advisory database",
        },
        OutdatedStage::Ran { report: &empty },
        PlanStage::Ran {
            plan: &plan_of(&empty),
        },
        next,
        &options(),
    );
    assert!(
        text.contains("\noutdated     No packages to compare with the index\nplan         nothing to update\nnext "),
        "{text}"
    );
    let text = scan_text(
        &inventory,
        &[],
        &summary,
        AuditStage::NotRun {
            reason: "no advisory database",
        },
        OutdatedStage::NotRun {
            reason: "--offline and no cached index pages",
        },
        PlanStage::NotRun {
            reason: "the outdated stage did not run",
        },
        next,
        &options(),
    );
    insta::assert_snapshot!("scan_outdated_not_run", text);
}

#[test]
fn scan_json_outdated_stage() {
    let summary = scan_summary();
    let report = two_indexes();
    let mut up_to_date = report.clone();
    up_to_date.packages[1] = package(
        "requests",
        ("2.32.3", "2024-05-29T15:37:00Z"),
        ("2.32.3", "2024-05-29T15:37:00Z"),
        0,
    );
    let json = scan_json(
        &[],
        &summary,
        AuditStage::NotRun { reason: "none" },
        OutdatedStage::Ran {
            report: &up_to_date,
        },
        PlanStage::NotRun {
            reason: "the outdated stage did not run",
        },
        "next",
    );
    let outdated = &json["outdated"];
    assert_eq!(outdated["kind"], "outdated");
    // Only the outdated packages are listed; the summary still counts them all.
    let names: Vec<&str> = outdated["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|package| package["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["shop-core"]);
    assert_eq!(outdated["summary"]["packages"], 2);
    assert_eq!(outdated["summary"]["up_to_date"], 1);
    assert!(json.get("outdated_not_run").is_none());

    let json = scan_json(
        &[],
        &summary,
        AuditStage::NotRun { reason: "none" },
        OutdatedStage::NotRun {
            reason: "no index answered",
        },
        PlanStage::NotRun {
            reason: "the outdated stage did not run",
        },
        "next",
    );
    assert_eq!(json["outdated"], serde_json::Value::Null);
    assert_eq!(json["outdated_not_run"], "no index answered");
    insta::assert_snapshot!(serde_json::to_string_pretty(&json).unwrap());
}
