//! `tend outdated`'s comparison on hand-built index pages: strategies, pre-releases, yanks,
//! Requires-Python, minimum age, several indexes, and the packages that cannot be compared.

#![allow(clippy::unwrap_used)] // Test helpers: a bad fixture should stop the test.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use jiff::{SignedDuration, Timestamp};
use pep440_rs::Version;
use pep508_rs::PackageName;
use tend_index::{
    compare, subjects, IndexFile, OutdatedOptions, PageAnswer, ProjectAnswer, ProjectPage, Subject,
};
use tend_model::{
    ChangeKind, Code, CurrentOrigin, DirectUrl, DistFormat, DistVersion, Distribution, Environment,
    Inventory, Location, NotCheckedReason, OutdatedPackage, OutdatedReport, ReleaseInfo, Severity,
    Skipped, Strategy,
};
use url::Url;

const INDEX: &str = "https://index.test/simple/";
const EXTRA: &str = "https://extra.test/simple/";
const PROJECT: &str = "demo";

fn timestamp(text: &str) -> Timestamp {
    text.parse().unwrap()
}

fn name(text: &str) -> PackageName {
    PackageName::from_str(text).unwrap()
}

fn version(text: &str) -> Version {
    Version::from_str(text).unwrap()
}

/// A wheel of `demo`, uploaded long before the tests' clock.
fn wheel(version: &str) -> IndexFile {
    file(&format!("{PROJECT}-{version}-py3-none-any.whl"))
}

fn sdist(version: &str) -> IndexFile {
    file(&format!("{PROJECT}-{version}.tar.gz"))
}

fn file(filename: &str) -> IndexFile {
    IndexFile {
        filename: filename.to_string(),
        url: Url::parse(&format!("https://files.test/{filename}")).unwrap(),
        requires_python: None,
        yanked: false,
        yank_reason: None,
        upload_time: Some(timestamp("2024-01-01T00:00:00Z")),
        hashes: Vec::new(),
    }
}

trait FileExt {
    fn yanked(self, reason: Option<&str>) -> Self;
    fn requires_python(self, specifiers: &str) -> Self;
    fn uploaded(self, time: Option<&str>) -> Self;
}

impl FileExt for IndexFile {
    fn yanked(mut self, reason: Option<&str>) -> Self {
        self.yanked = true;
        self.yank_reason = reason.map(str::to_string);
        self
    }

    fn requires_python(mut self, specifiers: &str) -> Self {
        self.requires_python = Some(specifiers.to_string());
        self
    }

    fn uploaded(mut self, time: Option<&str>) -> Self {
        self.upload_time = time.map(timestamp);
        self
    }
}

fn page(files: Vec<IndexFile>) -> ProjectPage {
    ProjectPage {
        files,
        ..ProjectPage::default()
    }
}

/// One wheel per version.
fn versions(list: &[&str]) -> ProjectPage {
    page(list.iter().map(|version| wheel(version)).collect())
}

/// The releases the client would hand over for `page`. The project is the one the files are
/// named after (the tests' project names have no `-`).
fn releases_of(page: &ProjectPage) -> Vec<tend_index::Release> {
    let Some(first) = page.files.first() else {
        return Vec::new();
    };
    let project = first.filename.split('-').next().unwrap();
    tend_index::releases(page, &name(project))
}

#[allow(clippy::needless_pass_by_value)] // Call sites read better building the page inline.
fn found(page: ProjectPage) -> PageAnswer {
    PageAnswer::Found {
        releases: releases_of(&page),
        from_cache: false,
        stored_at: timestamp("2025-06-01T00:00:00Z"),
    }
}

fn answer(project: &str, answers: Vec<(&str, PageAnswer)>) -> ProjectAnswer {
    ProjectAnswer {
        name: name(project),
        answers: answers
            .into_iter()
            .map(|(index, answer)| (index.to_string(), answer))
            .collect(),
    }
}

fn installed(project: &str, current: &str) -> Subject {
    Subject {
        name: name(project),
        current: Some(DistVersion::parse(current)),
        origin: CurrentOrigin::Installed,
        direct_url: None,
        strategy: None,
    }
}

fn options() -> OutdatedOptions {
    OutdatedOptions {
        strategy: Strategy::Major,
        by_category: false,
        pre: false,
        python: Some(version("3.12.4")),
        min_age: None,
        now: timestamp("2025-06-10T12:00:00Z"),
        indexes: vec![INDEX.to_string()],
        offline: false,
    }
}

/// `demo` at `current` against one index serving `page`.
fn compare_demo(current: &str, page: ProjectPage, options: &OutdatedOptions) -> OutdatedReport {
    compare(
        &[installed(PROJECT, current)],
        &[answer(PROJECT, vec![(INDEX, found(page))])],
        options,
    )
}

fn only(report: &OutdatedReport) -> &OutdatedPackage {
    assert_eq!(report.packages.len(), 1, "{report:#?}");
    &report.packages[0]
}

fn shown(release: Option<&ReleaseInfo>) -> Option<String> {
    release.map(|release| release.version.to_string())
}

fn summary(package: &OutdatedPackage) -> (Option<String>, Option<String>, Option<ChangeKind>) {
    (
        shown(package.latest.as_ref()),
        shown(package.allowed.as_ref()),
        package.change,
    )
}

fn codes(report: &OutdatedReport) -> Vec<(Code, Severity)> {
    report
        .diagnostics
        .iter()
        .map(|diagnostic| (diagnostic.code, diagnostic.severity))
        .collect()
}

#[test]
fn strategy_bounds_the_allowed_release() {
    let page = || versions(&["1.4.2", "1.4.9", "1.5.0", "1.9.1", "2.0.0", "2.1.0"]);
    for (strategy, allowed) in [
        (Strategy::Patch, "1.4.9"),
        (Strategy::Minor, "1.9.1"),
        (Strategy::Major, "2.1.0"),
    ] {
        let options = OutdatedOptions {
            strategy,
            ..options()
        };
        let report = compare_demo("1.4.2", page(), &options);
        let package = only(&report);
        assert_eq!(
            summary(package),
            (
                Some("2.1.0".to_string()),
                Some(allowed.to_string()),
                Some(ChangeKind::Major)
            ),
            "{strategy:?}"
        );
        assert_eq!(package.behind, 5);
        assert!(package.is_outdated());
        assert_eq!(report.settings.strategy, strategy);
    }

    // Nothing newer within the strategy: no allowed release, still outdated.
    let options = OutdatedOptions {
        strategy: Strategy::Patch,
        ..options()
    };
    let report = compare_demo("1.9.1", page(), &options);
    let package = only(&report);
    assert_eq!(
        summary(package),
        (Some("2.1.0".to_string()), None, Some(ChangeKind::Major))
    );
    assert_eq!(package.behind, 2);
}

#[test]
fn strategy_keeps_the_epoch() {
    let options = OutdatedOptions {
        strategy: Strategy::Minor,
        ..options()
    };
    let report = compare_demo("1.2", versions(&["1.2", "1.3", "1!1.4"]), &options);
    let package = only(&report);
    assert_eq!(
        summary(package),
        (
            Some("1!1.4".to_string()),
            Some("1.3".to_string()),
            Some(ChangeKind::Major)
        )
    );
}

#[test]
fn pre_releases_skipped_unless_asked_for() {
    let page = || versions(&["1.0", "1.1", "2.0.dev1", "2.0a1"]);
    let report = compare_demo("1.0", page(), &options());
    let package = only(&report);
    assert_eq!(
        summary(package),
        (
            Some("1.1".to_string()),
            Some("1.1".to_string()),
            Some(ChangeKind::Minor)
        )
    );
    assert_eq!(
        package.skipped,
        Skipped {
            pre: 2,
            ..Skipped::default()
        }
    );
    assert_eq!(package.behind, 1);

    let with_pre = OutdatedOptions {
        pre: true,
        ..options()
    };
    let report = compare_demo("1.0", page(), &with_pre);
    let package = only(&report);
    assert_eq!(
        summary(package),
        (
            Some("2.0a1".to_string()),
            Some("2.0a1".to_string()),
            Some(ChangeKind::Major)
        )
    );
    assert_eq!(package.skipped, Skipped::default());
    // Only final releases count as "behind".
    assert_eq!(package.behind, 1);
    assert!(report.settings.pre);
}

#[test]
fn installed_pre_release_allows_pre_releases() {
    let report = compare_demo(
        "2.0a1",
        versions(&["1.9", "2.0a1", "2.0b1", "2.0rc1"]),
        &options(),
    );
    let package = only(&report);
    assert_eq!(
        summary(package),
        (
            Some("2.0rc1".to_string()),
            Some("2.0rc1".to_string()),
            Some(ChangeKind::Other)
        )
    );
    assert_eq!(package.behind, 0);
    assert_eq!(package.skipped, Skipped::default());

    let report = compare_demo(
        "2.0.dev3",
        versions(&["2.0.dev3", "2.0b1", "2.0", "2.1a1"]),
        &options(),
    );
    let package = only(&report);
    assert_eq!(shown(package.latest.as_ref()).as_deref(), Some("2.1a1"));
    assert_eq!(package.behind, 1);
}

#[test]
fn yanked_latest_skipped() {
    let report = compare_demo(
        "1.0",
        page(vec![
            wheel("1.0"),
            wheel("1.1"),
            // One file of 1.2 still installable: 1.2 is not yanked.
            wheel("1.2").yanked(None),
            sdist("1.2"),
            wheel("1.3").yanked(Some("broken")),
            sdist("1.3").yanked(None),
        ]),
        &options(),
    );
    let package = only(&report);
    assert_eq!(
        summary(package),
        (
            Some("1.2".to_string()),
            Some("1.2".to_string()),
            Some(ChangeKind::Minor)
        )
    );
    assert_eq!(
        package.skipped,
        Skipped {
            yanked: 1,
            ..Skipped::default()
        }
    );
    assert!(!package.latest.as_ref().unwrap().yanked);
    assert!(report.diagnostics.is_empty(), "{:#?}", report.diagnostics);
}

#[test]
fn yanked_current_release_reported() {
    let report = compare(
        &[Subject {
            name: name(PROJECT),
            current: Some(DistVersion::parse("1.1")),
            origin: CurrentOrigin::Pinned {
                location: Location::new("requirements.txt", 3),
            },
            direct_url: None,
            strategy: None,
        }],
        &[answer(
            PROJECT,
            vec![(
                INDEX,
                found(page(vec![
                    wheel("1.0"),
                    wheel("1.1").yanked(Some("broken build")),
                ])),
            )],
        )],
        &options(),
    );
    let package = only(&report);
    let current = package.current_release.as_ref().unwrap();
    assert_eq!(current.version, version("1.1"));
    assert!(current.yanked);
    assert_eq!(current.yank_reason.as_deref(), Some("broken build"));
    assert_eq!(current.uploaded, Some(timestamp("2024-01-01T00:00:00Z")));
    // The newest installable release is older than what is pinned: not outdated.
    assert_eq!(shown(package.latest.as_ref()).as_deref(), Some("1.0"));
    assert_eq!(package.change, None);
    assert_eq!(package.allowed, None);

    assert_eq!(codes(&report), [(Code::YankedRelease, Severity::Warning)]);
    let diagnostic = &report.diagnostics[0];
    assert_eq!(diagnostic.package, Some(name(PROJECT)));
    assert_eq!(
        diagnostic.location,
        Some(Location::new("requirements.txt", 3))
    );
    assert!(diagnostic.message.contains("1.1"), "{}", diagnostic.message);
    assert!(diagnostic.message.contains(INDEX), "{}", diagnostic.message);
    assert!(
        diagnostic
            .notes
            .iter()
            .any(|note| note.contains("broken build")),
        "{:?}",
        diagnostic.notes
    );
}

#[test]
fn requires_python_excludes_the_newest() {
    let page = || {
        page(vec![
            wheel("1.0"),
            // Two files, one of them for this Python: 1.5 passes.
            wheel("1.5").requires_python(">=3.13"),
            sdist("1.5").requires_python(">=3.8"),
            wheel("2.0").requires_python(">=3.13"),
            sdist("2.0").requires_python(">=3.13"),
        ])
    };
    let report = compare_demo("1.0", page(), &options());
    let package = only(&report);
    assert_eq!(shown(package.latest.as_ref()).as_deref(), Some("1.5"));
    assert_eq!(
        package.skipped,
        Skipped {
            requires_python: 1,
            ..Skipped::default()
        }
    );
    assert_eq!(package.behind, 1);

    // No Python known: the rule is not applied.
    let no_python = OutdatedOptions {
        python: None,
        ..options()
    };
    let report = compare_demo("1.0", page(), &no_python);
    assert_eq!(shown(only(&report).latest.as_ref()).as_deref(), Some("2.0"));
    assert_eq!(report.settings.python, None);
}

#[test]
fn min_age_skips_new_and_undated_releases() {
    let min_age = OutdatedOptions {
        min_age: Some(SignedDuration::from_hours(72)),
        ..options()
    };
    // The clock is 2025-06-10T12:00Z: three days earlier is 2025-06-07T12:00Z.
    let page = page(vec![
        wheel("1.0"),
        wheel("1.1").uploaded(Some("2025-06-07T12:00:00Z")),
        wheel("1.2").uploaded(Some("2025-06-07T12:00:01Z")),
        wheel("1.3").uploaded(None),
        // A pre-release that is also too new is counted once, as a pre-release.
        wheel("1.4a1").uploaded(Some("2025-06-10T00:00:00Z")),
    ]);
    let report = compare_demo("1.0", page.clone(), &min_age);
    let package = only(&report);
    assert_eq!(shown(package.latest.as_ref()).as_deref(), Some("1.1"));
    assert_eq!(
        package.skipped,
        Skipped {
            pre: 1,
            too_new: 2,
            ..Skipped::default()
        }
    );
    assert_eq!(package.skipped.total(), 3);
    assert_eq!(package.behind, 1);
    assert_eq!(
        package.latest.as_ref().unwrap().age(min_age.now),
        Some(SignedDuration::from_hours(72))
    );
    assert_eq!(
        report.settings.min_age,
        Some(SignedDuration::from_hours(72))
    );

    // Without a minimum age an undated release is fine.
    let report = compare_demo("1.0", page, &options());
    assert_eq!(shown(only(&report).latest.as_ref()).as_deref(), Some("1.3"));
}

#[test]
fn skips_counted_once_in_rule_order() {
    let options = OutdatedOptions {
        min_age: Some(SignedDuration::from_hours(24)),
        ..options()
    };
    let report = compare_demo(
        "1.0",
        page(vec![
            wheel("1.0"),
            // yanked, too new and for another Python: counted as yanked.
            wheel("1.1")
                .yanked(None)
                .requires_python(">=4")
                .uploaded(None),
            // For another Python and too new: counted under requires_python.
            wheel("1.2").requires_python(">=4").uploaded(None),
            // Pre, yanked: counted as pre.
            wheel("1.3rc1").yanked(None),
        ]),
        &options,
    );
    let package = only(&report);
    assert_eq!(
        package.skipped,
        Skipped {
            pre: 1,
            yanked: 1,
            requires_python: 1,
            too_new: 0,
        }
    );
    assert_eq!(shown(package.latest.as_ref()).as_deref(), Some("1.0"));
    assert!(!package.is_outdated());
}

#[test]
fn behind_counts_eligible_final_releases() {
    let report = compare_demo(
        "1.0",
        page(vec![
            wheel("0.9"),
            wheel("1.0"),
            wheel("1.0.1"),
            wheel("1.1rc1"),
            wheel("1.1"),
            wheel("1.1.post1"),
            wheel("1.2").yanked(None),
        ]),
        &options(),
    );
    let package = only(&report);
    assert_eq!(package.behind, 3);
    assert_eq!(
        summary(package),
        (
            Some("1.1.post1".to_string()),
            Some("1.1.post1".to_string()),
            Some(ChangeKind::Minor)
        )
    );
    assert_eq!(
        package.skipped,
        Skipped {
            pre: 1,
            yanked: 1,
            ..Skipped::default()
        }
    );
}

#[test]
fn two_indexes_merged() {
    let report = compare(
        &[installed(PROJECT, "1.0")],
        &[answer(
            PROJECT,
            vec![
                (
                    INDEX,
                    PageAnswer::Found {
                        releases: releases_of(&page(vec![
                            wheel("1.0"),
                            wheel("1.1"),
                            wheel("3.0").yanked(Some("oops")),
                        ])),
                        from_cache: true,
                        stored_at: timestamp("2025-06-09T00:00:00Z"),
                    },
                ),
                (
                    EXTRA,
                    PageAnswer::Found {
                        releases: releases_of(&page(vec![
                            wheel("1.0").uploaded(Some("2023-05-05T00:00:00Z")),
                            wheel("2.0"),
                            // Installable here: the merged 3.0 is not yanked.
                            sdist("3.0").uploaded(Some("2025-01-01T00:00:00Z")),
                        ])),
                        from_cache: false,
                        stored_at: timestamp("2025-06-08T00:00:00Z"),
                    },
                ),
            ],
        )],
        &OutdatedOptions {
            indexes: vec![INDEX.to_string(), EXTRA.to_string()],
            ..options()
        },
    );
    let package = only(&report);
    assert_eq!(
        summary(package),
        (
            Some("3.0".to_string()),
            Some("3.0".to_string()),
            Some(ChangeKind::Major)
        )
    );
    let latest = package.latest.as_ref().unwrap();
    assert!(!latest.yanked);
    assert_eq!(latest.yank_reason, None);
    assert_eq!(package.index, EXTRA);
    assert_eq!(package.behind, 3);
    // The earliest upload of the files of either index.
    assert_eq!(
        package.current_release.as_ref().unwrap().uploaded,
        Some(timestamp("2023-05-05T00:00:00Z"))
    );
    assert_eq!(report.data.requests, 1);
    assert_eq!(report.data.from_cache, 1);
    assert_eq!(report.data.oldest, Some(timestamp("2025-06-08T00:00:00Z")));
    assert_eq!(report.settings.indexes, [INDEX, EXTRA]);
    assert!(report.diagnostics.is_empty());
}

#[test]
fn index_is_the_first_that_answered_when_nothing_passes() {
    let report = compare(
        &[installed(PROJECT, "1.0")],
        &[answer(
            PROJECT,
            vec![
                (INDEX, PageAnswer::NotFound),
                (EXTRA, found(versions(&["2.0a1"]))),
            ],
        )],
        &options(),
    );
    let package = only(&report);
    assert_eq!(package.latest, None);
    assert_eq!(package.index, EXTRA);
    assert_eq!(package.skipped.pre, 1);
    assert!(!package.is_outdated());
}

fn pinned(project: &str, current: &str, line: usize) -> Subject {
    Subject {
        name: name(project),
        current: Some(DistVersion::parse(current)),
        origin: CurrentOrigin::Pinned {
            location: Location::new("requirements.txt", line),
        },
        direct_url: None,
        strategy: None,
    }
}

#[test]
fn unknown_error_and_partial_answers() {
    let subjects = [
        pinned("typo", "1.0", 1),
        pinned("broken", "1.0", 2),
        pinned("uncached", "1.0", 3),
        pinned("partial", "1.0", 4),
        pinned("unasked", "1.0", 5),
    ];
    let failed = || PageAnswer::Failed {
        message: "HTTP 500 Internal Server Error".to_string(),
    };
    let answers = [
        answer(
            "typo",
            vec![(INDEX, PageAnswer::NotFound), (EXTRA, PageAnswer::NotFound)],
        ),
        answer(
            "broken",
            vec![(INDEX, PageAnswer::NotFound), (EXTRA, failed())],
        ),
        answer(
            "uncached",
            vec![
                (INDEX, PageAnswer::NotCached),
                (EXTRA, PageAnswer::NotFound),
            ],
        ),
        answer(
            "partial",
            vec![
                (INDEX, failed()),
                (
                    EXTRA,
                    found(page(vec![
                        file("partial-1.0.tar.gz"),
                        file("partial-1.2.tar.gz"),
                    ])),
                ),
            ],
        ),
    ];
    let report = compare(&subjects, &answers, &options());

    assert_eq!(report.unknown.len(), 1);
    let unknown = &report.unknown[0];
    assert_eq!(unknown.name, name("typo"));
    assert_eq!(unknown.indexes, [INDEX, EXTRA]);
    assert_eq!(unknown.current, Some(DistVersion::parse("1.0")));

    let not_checked: Vec<_> = report
        .not_checked
        .iter()
        .map(|entry| (entry.name.to_string(), entry.reason.clone()))
        .collect();
    assert_eq!(
        not_checked,
        [
            (
                "broken".to_string(),
                NotCheckedReason::IndexError {
                    index: EXTRA.to_string(),
                    message: "HTTP 500 Internal Server Error".to_string(),
                }
            ),
            (
                "unasked".to_string(),
                NotCheckedReason::IndexError {
                    index: INDEX.to_string(),
                    message: "no index was asked for this package".to_string(),
                }
            ),
            (
                "uncached".to_string(),
                NotCheckedReason::NotCached {
                    index: INDEX.to_string()
                }
            ),
        ]
    );

    let package = only(&report);
    assert_eq!(package.name, name("partial"));
    assert_eq!(shown(package.latest.as_ref()).as_deref(), Some("1.2"));
    assert_eq!(package.index, EXTRA);

    let diagnostics: Vec<_> = report
        .diagnostics
        .iter()
        .map(|diagnostic| {
            (
                diagnostic.package.as_ref().unwrap().to_string(),
                diagnostic.code,
                diagnostic.severity,
                diagnostic.location.as_ref().unwrap().line,
            )
        })
        .collect();
    assert_eq!(
        diagnostics,
        [
            ("broken".to_string(), Code::IndexError, Severity::Warning, 2),
            ("partial".to_string(), Code::IndexError, Severity::Note, 4),
            (
                "typo".to_string(),
                Code::UnknownPackage,
                Severity::Warning,
                1
            ),
            (
                "unasked".to_string(),
                Code::IndexError,
                Severity::Warning,
                5
            ),
            (
                "uncached".to_string(),
                Code::IndexError,
                Severity::Warning,
                3
            ),
        ]
    );
    let broken = &report.diagnostics[0];
    assert!(broken.message.contains("HTTP 500"), "{}", broken.message);
    assert!(broken.message.contains(EXTRA), "{}", broken.message);
}

#[test]
fn direct_references_not_checked_and_credentials_hidden() {
    let subjects = [
        Subject {
            direct_url: Some("git+https://user:secret@git.test/demo.git@v1".to_string()),
            ..installed("demo", "1.0")
        },
        Subject {
            direct_url: Some("/home/me/src/local".to_string()),
            ..installed("local", "0.1")
        },
    ];
    // An answer for a direct reference is not used.
    let answers = [answer("demo", vec![(INDEX, found(versions(&["2.0"])))])];
    let report = compare(&subjects, &answers, &options());
    assert!(report.packages.is_empty());
    let reasons: Vec<_> = report
        .not_checked
        .iter()
        .map(|entry| entry.reason.clone())
        .collect();
    assert_eq!(
        reasons,
        [
            NotCheckedReason::DirectReference {
                url: "git+https://user:****@git.test/demo.git@v1".to_string()
            },
            NotCheckedReason::DirectReference {
                url: "/home/me/src/local".to_string()
            },
        ]
    );
    assert!(!format!("{report:?}").contains("secret"));
    assert!(report.diagnostics.is_empty());
}

#[test]
fn legacy_version_compares_nothing() {
    let report = compare_demo(
        "1.0-custom_build",
        versions(&["1.0", "2.0", "3.0b1"]),
        &options(),
    );
    let package = only(&report);
    assert_eq!(
        package.current,
        Some(DistVersion::Legacy("1.0-custom_build".to_string()))
    );
    assert_eq!(summary(package), (Some("2.0".to_string()), None, None));
    assert_eq!(package.behind, 0);
    assert_eq!(package.current_release, None);
    // Only what lies above the release shown counts as skipped.
    assert_eq!(
        package.skipped,
        Skipped {
            pre: 1,
            ..Skipped::default()
        }
    );
    assert_eq!(codes(&report), [(Code::InvalidVersion, Severity::Note)]);
    assert!(report.diagnostics[0].message.contains("1.0-custom_build"));
}

#[test]
fn zero_major_versions_change_by_segment() {
    let page = || versions(&["0.3.1", "0.3.4", "0.4.0", "0.9.2"]);
    let report = compare_demo(
        "0.3.1",
        page(),
        &OutdatedOptions {
            strategy: Strategy::Minor,
            ..options()
        },
    );
    let package = only(&report);
    assert_eq!(
        summary(package),
        (
            Some("0.9.2".to_string()),
            Some("0.9.2".to_string()),
            Some(ChangeKind::Minor)
        )
    );
    let report = compare_demo(
        "0.3.1",
        page(),
        &OutdatedOptions {
            strategy: Strategy::Patch,
            ..options()
        },
    );
    assert_eq!(
        shown(only(&report).allowed.as_ref()).as_deref(),
        Some("0.3.4")
    );
    let report = compare_demo("0.9.1", page(), &options());
    assert_eq!(only(&report).change, Some(ChangeKind::Patch));
}

#[test]
fn equal_versions_written_differently_are_not_outdated() {
    let report = compare_demo("1.0", versions(&["0.9", "1.0.0"]), &options());
    let package = only(&report);
    assert_eq!(package.change, None);
    assert!(!package.is_outdated());
    assert_eq!(package.behind, 0);
    assert_eq!(package.allowed, None);
    assert_eq!(
        shown(package.current_release.as_ref()).as_deref(),
        Some("1.0.0")
    );
    assert_eq!(shown(package.latest.as_ref()).as_deref(), Some("1.0.0"));
}

#[test]
fn installed_ahead_of_the_index_is_not_outdated() {
    let report = compare_demo("2.0+local", versions(&["1.9", "2.0"]), &options());
    let package = only(&report);
    assert_eq!(shown(package.latest.as_ref()).as_deref(), Some("2.0"));
    assert_eq!(package.change, None);
    assert_eq!(package.current_release, None);
}

#[test]
fn declared_without_version_shows_the_latest() {
    let subject = Subject {
        name: name(PROJECT),
        current: None,
        origin: CurrentOrigin::Declared {
            location: Location::new("pyproject.toml", 7),
        },
        direct_url: None,
        strategy: None,
    };
    let report = compare(
        &[subject],
        &[answer(
            PROJECT,
            vec![(INDEX, found(versions(&["1.0", "2.0", "2.1", "3.0a1"])))],
        )],
        &OutdatedOptions {
            strategy: Strategy::Patch,
            ..options()
        },
    );
    let package = only(&report);
    assert_eq!(
        summary(package),
        (Some("2.1".to_string()), Some("2.1".to_string()), None)
    );
    assert_eq!(package.behind, 0);
    assert_eq!(package.skipped.pre, 1);
    assert!(!package.is_outdated());
}

#[test]
fn report_sorted_by_name_with_settings() {
    let subjects = [
        installed("zeta", "1.0"),
        installed("alpha", "1.0"),
        installed("mid", "1.0"),
    ];
    let answers: Vec<_> = ["zeta", "alpha", "mid"]
        .iter()
        .map(|project| {
            answer(
                project,
                vec![(
                    INDEX,
                    found(page(vec![
                        file(&format!("{project}-1.0.tar.gz")),
                        file(&format!("{project}-1.1.tar.gz")),
                    ])),
                )],
            )
        })
        .collect();
    let options = OutdatedOptions {
        offline: true,
        ..options()
    };
    let report = compare(&subjects, &answers, &options);
    let names: Vec<_> = report
        .packages
        .iter()
        .map(|package| package.name.to_string())
        .collect();
    assert_eq!(names, ["alpha", "mid", "zeta"]);
    assert_eq!(report.outdated().count(), 3);
    assert_eq!(report.generated, options.now);
    assert!(report.settings.offline);
    assert_eq!(report.settings.indexes, [INDEX]);
    assert_eq!(report.settings.python, Some(version("3.12.4")));
    assert_eq!(report.data.requests, 3);
}

fn distribution(project: &str, version: &str) -> Distribution {
    Distribution {
        name: name(project),
        display_name: project.to_string(),
        version: DistVersion::parse(version),
        format: DistFormat::DistInfo,
        path: PathBuf::from(format!(
            "/venv/lib/site-packages/{project}-{version}.dist-info"
        )),
        site_packages: PathBuf::from("/venv/lib/site-packages"),
        system: false,
        installer: Some("pip".to_string()),
        requires_dist: Vec::new(),
        requires_python: None,
        provides_extra: Vec::new(),
        direct_url: None,
        editable_location: None,
    }
}

#[test]
fn subjects_from_an_inventory() {
    let requirements = "\
-c constraints.txt
requests==2.31.0
flask>=2.0
django==4.2.1
mylib @ git+https://user:secret@git.test/mylib.git
";
    let constraints = "urllib3==2.0.0\nidna<4\n";
    let lock = r#"version = 1
revision = 5
requires-python = ">=3.11"

[[package]]
name = "django"
version = "4.2.0"
source = { registry = "https://index.test/simple" }

[[package]]
name = "flask"
version = "3.0.3"
source = { registry = "https://index.test/simple" }

[[package]]
name = "tool"
version = "0.2.0"
source = { git = "https://git.test/tool.git?rev=abc#abc" }
"#;
    let context = tend_inventory::ReadContext::default();
    let mut loader = |path: &Path| -> Result<String, tend_inventory::SourceError> {
        assert!(path.ends_with("constraints.txt"), "{}", path.display());
        Ok(constraints.to_string())
    };
    let mut data = tend_inventory::parse_requirements(
        requirements,
        Path::new("requirements.txt"),
        &context,
        &mut loader,
    )
    .unwrap();
    data.extend(tend_inventory::parse_uv_lock(lock, Path::new("uv.lock")).unwrap());

    let mut egg_link = distribution("devpkg", "0.0.1");
    egg_link.format = DistFormat::EggLink;
    egg_link.editable_location = Some(PathBuf::from("/src/devpkg"));
    let mut editable = distribution("editable", "0.3");
    editable.direct_url = Some(DirectUrl::Editable {
        url: "file:///src/editable".to_string(),
    });
    let environment = Environment {
        prefix: PathBuf::from("/venv"),
        python: None,
        python_version: Some(version("3.12.4")),
        site_packages: vec![PathBuf::from("/venv/lib/site-packages")],
        include_system_site_packages: false,
        distributions: vec![
            egg_link,
            editable,
            distribution("legacy", "1.0-custom_build"),
            distribution("requests", "2.32.0"),
        ],
        markers: None,
    };
    let inventory = Inventory {
        environment: Some(environment),
        sources: data.sources,
        declarations: data.declarations,
        diagnostics: data.diagnostics,
    };

    let subjects = subjects(&inventory);
    let summary: Vec<_> = subjects
        .iter()
        .map(|subject| {
            (
                subject.name.to_string(),
                subject.current.as_ref().map(ToString::to_string),
                match &subject.origin {
                    CurrentOrigin::Installed => "installed".to_string(),
                    CurrentOrigin::Pinned { location } => format!("pinned {location}"),
                    CurrentOrigin::Declared { location } => format!("declared {location}"),
                },
                subject.direct_url.clone(),
            )
        })
        .collect();
    let row = |name: &str, current: Option<&str>, origin: &str, url: Option<&str>| {
        (
            name.to_string(),
            current.map(str::to_string),
            origin.to_string(),
            url.map(str::to_string),
        )
    };
    assert_eq!(
        summary,
        [
            row("devpkg", Some("0.0.1"), "installed", Some("/src/devpkg")),
            // The first pin in the inventory's order: requirements.txt before uv.lock.
            row("django", Some("4.2.1"), "pinned requirements.txt:4", None),
            row(
                "editable",
                Some("0.3"),
                "installed",
                Some("file:///src/editable")
            ),
            // A range in requirements.txt, a pin in the lockfile.
            row("flask", Some("3.0.3"), "pinned uv.lock:11", None),
            row("legacy", Some("1.0-custom_build"), "installed", None),
            row(
                "mylib",
                None,
                "declared requirements.txt:5",
                Some("git+https://user:secret@git.test/mylib.git")
            ),
            // Installed wins over the pin.
            row("requests", Some("2.32.0"), "installed", None),
            row(
                "tool",
                Some("0.2.0"),
                "pinned uv.lock:16",
                Some("https://git.test/tool.git?rev=abc#abc")
            ),
            // A pinning constraint counts; `idna<4` on its own installs nothing.
            row("urllib3", Some("2.0.0"), "pinned constraints.txt:1", None),
        ]
    );
}

/// The plan picks its own targets from `newer`: every passing release above the current one,
/// oldest first, with its upload time; skipped ones (pre-release, yanked, too old a Python)
/// are not in it, and the strategy does not narrow it.
#[test]
fn newer_lists_every_passing_release_oldest_first() {
    let report = compare_demo(
        "1.0",
        page(vec![
            wheel("0.9"),
            wheel("1.0"),
            wheel("1.0.1").uploaded(Some("2025-05-01T00:00:00Z")),
            wheel("1.1").yanked(None),
            wheel("1.2rc1"),
            wheel("2.0").requires_python(">=4"),
            wheel("2.1"),
        ]),
        &OutdatedOptions {
            strategy: Strategy::Patch,
            ..options()
        },
    );
    let package = only(&report);
    let newer: Vec<(String, Option<Timestamp>)> = package
        .newer
        .iter()
        .map(|release| (release.version.to_string(), release.uploaded))
        .collect();
    assert_eq!(
        newer,
        vec![
            ("1.0.1".to_string(), Some(timestamp("2025-05-01T00:00:00Z"))),
            ("2.1".to_string(), Some(timestamp("2024-01-01T00:00:00Z"))),
        ]
    );
    assert_eq!(shown(package.allowed.as_ref()), Some("1.0.1".to_string()));
    // Not part of the JSON report.
    let json = serde_json::to_value(package).unwrap();
    assert!(json.get("newer").is_none(), "{json}");
}

#[test]
fn a_subject_with_its_own_strategy_overrides_the_runs() {
    let page = || versions(&["1.4.2", "1.4.9", "1.9.1", "2.1.0"]);
    let subjects = [
        Subject {
            strategy: Some(Strategy::Patch),
            ..installed("demo", "1.4.2")
        },
        installed("other", "1.4.2"),
    ];
    let answers = [
        answer("demo", vec![(INDEX, found(page()))]),
        answer("other", vec![(INDEX, found(page()))]),
    ];
    let options = OutdatedOptions {
        strategy: Strategy::Minor,
        by_category: true,
        ..options()
    };
    let report = compare(&subjects, &answers, &options);
    let allowed: Vec<(&str, String, Strategy)> = report
        .packages
        .iter()
        .map(|package| {
            (
                package.name.as_ref(),
                package.allowed.as_ref().unwrap().version.to_string(),
                package.strategy,
            )
        })
        .collect();
    assert_eq!(
        allowed,
        [
            ("demo", "1.4.9".to_string(), Strategy::Patch),
            ("other", "1.9.1".to_string(), Strategy::Minor),
        ]
    );
    assert!(report.settings.by_category);
}
