//! The comparison behind `tend outdated`: what runs now against what the index offers, by the
//! rules of the run (strategy, pre-releases, Requires-Python, minimum age). Pure: the caller
//! hands in the inventory, the index answers, the Python and the clock.
//!
//! # Which packages ([`subjects`])
//!
//! - Every installed distribution, at its installed version. One installed editable, from a
//!   local directory, an archive URL or a VCS (PEP 610 `direct_url.json`, or a legacy
//!   egg-link) carries its URL and is listed as not checked: the index is not where it comes
//!   from.
//! - Then every declared package that is not installed, once per name. A declaration with a
//!   URL makes it a direct reference (not checked). Otherwise the first exact pin in the
//!   inventory's order (`==`/`===`, or a lockfile entry) is its current version, with that
//!   declaration's file and line; without one it has no current version, only the newest
//!   release is shown. A constraint that pins nothing installs nothing and is left out.
//!
//! # How one package is compared ([`compare`])
//!
//! - The releases every index found are merged into one list, as pip merges its indexes; a
//!   version listed by two indexes counts its files from both (yanked only when every file
//!   is). The package's index is the one whose files gave the latest release, else the first
//!   that answered.
//! - 404 on every index: an unknown package (typo or dependency confusion). No index answered
//!   and one failed (or had nothing cached offline): not checked. Some answered and some
//!   failed: compared with what was found, with a note.
//! - A release passes when it is final, or pre-releases are allowed (`--pre`, or the current
//!   version is itself a pre- or development release); when some file is not yanked; when
//!   some such file admits the environment's Python; and, with a minimum age, when it was
//!   uploaded at least that long ago (a release with no upload time does not pass). A
//!   release newer than the current version that fails counts once under the first rule it
//!   fails, in that order.
//! - `latest` is the newest release that passes, whether or not it is newer than the current
//!   version (a local build can be ahead of the index); `change` is set only when it is
//!   newer, from the first release segment that differs (so `0.3` -> `0.4` is a minor
//!   change, as the segments say). `allowed` is the newest passing release newer than the
//!   current one that the strategy permits: patch keeps the epoch, major and minor segments,
//!   minor keeps the epoch and major segment. `behind` counts the passing final releases
//!   (post-releases included) newer than the current version.
//! - Versions compare as PEP 440 says: `1.0` and `1.0.0` are one version.
//! - The current version's own release is reported even when yanked (with a
//!   `yanked-release` warning), so a yanked install shows.
//! - With no current version, or one that is not PEP 440, nothing can be newer: `latest` is
//!   shown, `change` is none, `behind` is 0, and skipped releases are those above `latest`.
//!   A declared range gets `allowed` = `latest`; a non-PEP 440 version gets no `allowed` and
//!   a note.

use std::collections::BTreeMap;

use jiff::{SignedDuration, Timestamp};
use pep440_rs::Version;
use pep508_rs::PackageName;
use tend_http::RedactedUrl;
use tend_model::{
    ChangeKind, Code, CurrentOrigin, DeclarationKind, Diagnostic, DistVersion, Distribution,
    IndexDataInfo, Inventory, Location, NotChecked, NotCheckedReason, OutdatedPackage,
    OutdatedReport, OutdatedSettings, Package, ReleaseInfo, Severity, Skipped, Strategy,
    UnknownPackage,
};
use url::Url;

use crate::client::{PageAnswer, ProjectAnswer};
use crate::release::Release;

/// The rules of one comparison.
#[derive(Debug, Clone)]
pub struct OutdatedOptions {
    /// The strategy of every subject that has none of its own.
    pub strategy: Strategy,
    /// The subjects' strategies come from the policy's categories (for the report).
    pub by_category: bool,
    /// Consider pre-releases for every package.
    pub pre: bool,
    /// The environment's Python, for `Requires-Python`; `None` skips that rule.
    pub python: Option<Version>,
    /// Skip releases uploaded less than this long before `now`.
    pub min_age: Option<SignedDuration>,
    pub now: Timestamp,
    /// The indexes asked (redacted), for the report.
    pub indexes: Vec<String>,
    pub offline: bool,
}

/// One package to compare.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject {
    pub name: PackageName,
    pub current: Option<DistVersion>,
    pub origin: CurrentOrigin,
    /// Installed editable or from a URL / path / VCS: not looked up on the index.
    pub direct_url: Option<String>,
    /// Its own update strategy (its category's); `None`: the run's.
    pub strategy: Option<Strategy>,
}

/// The packages of an inventory to compare: every installed distribution (the installed
/// version), then every declared package that is not installed (its exact pin, or no
/// version), by name. Each name once.
pub fn subjects(inventory: &Inventory) -> Vec<Subject> {
    inventory
        .packages()
        .into_iter()
        .filter_map(|package| subject(&package))
        .collect()
}

fn subject(package: &Package<'_>) -> Option<Subject> {
    if let Some(distribution) = package.distribution {
        return Some(Subject {
            name: package.name.clone(),
            current: Some(distribution.version.clone()),
            origin: CurrentOrigin::Installed,
            direct_url: installed_direct_url(distribution),
            strategy: None,
        });
    }
    let wanted: Vec<_> = package
        .declarations
        .iter()
        .copied()
        .filter(|declaration| {
            declaration.kind != DeclarationKind::Constraint
                || declaration.pinned_version().is_some()
        })
        .collect();
    let first = wanted.first()?;
    let direct_url = wanted
        .iter()
        .find_map(|declaration| declaration.url.clone());
    let pinned = wanted
        .iter()
        .find_map(|declaration| {
            declaration
                .pinned_version()
                .map(|version| (Some(DistVersion::Pep440(version.clone())), *declaration))
        })
        // A lockfile entry fixes the package even when it records no version (a source tree
        // with a dynamic version).
        .or_else(|| {
            wanted
                .iter()
                .find(|declaration| declaration.kind == DeclarationKind::Locked)
                .map(|declaration| (None, *declaration))
        });
    let (current, origin) = match pinned {
        Some((current, declaration)) => (
            current,
            CurrentOrigin::Pinned {
                location: declaration.location.clone(),
            },
        ),
        None => (
            None,
            CurrentOrigin::Declared {
                location: first.location.clone(),
            },
        ),
    };
    Some(Subject {
        name: package.name.clone(),
        current,
        origin,
        direct_url,
        strategy: None,
    })
}

fn installed_direct_url(distribution: &Distribution) -> Option<String> {
    if let Some(direct_url) = &distribution.direct_url {
        return Some(direct_url.url().to_string());
    }
    // A legacy egg-link has no direct_url.json: the checkout it points at is its source.
    distribution.is_editable().then(|| {
        distribution
            .editable_location
            .as_ref()
            .unwrap_or(&distribution.path)
            .display()
            .to_string()
    })
}

/// Compares every subject with its index answers (matched by name; a subject with no
/// answer is not checked). Subjects with a direct URL need no answer.
pub fn compare(
    subjects: &[Subject],
    answers: &[ProjectAnswer],
    options: &OutdatedOptions,
) -> OutdatedReport {
    let by_name: BTreeMap<&PackageName, &ProjectAnswer> = answers
        .iter()
        .map(|answer| (&answer.name, answer))
        .collect();
    let mut report = OutdatedReport {
        generated: options.now,
        settings: OutdatedSettings {
            strategy: options.strategy,
            by_category: options.by_category,
            pre: options.pre,
            python: options.python.clone(),
            min_age: options.min_age,
            indexes: options.indexes.clone(),
            offline: options.offline,
        },
        data: fetch_counts(answers),
        packages: Vec::new(),
        unknown: Vec::new(),
        not_checked: Vec::new(),
        diagnostics: Vec::new(),
    };
    let mut ordered: Vec<&Subject> = subjects.iter().collect();
    ordered.sort_by(|a, b| a.name.cmp(&b.name));
    for subject in ordered {
        compare_one(
            subject,
            by_name.get(&subject.name).copied(),
            options,
            &mut report,
        );
    }
    report
}

/// Pages fetched and pages served from the cache, over every answer given. `oldest` is
/// filled in as pages are used.
fn fetch_counts(answers: &[ProjectAnswer]) -> IndexDataInfo {
    let mut data = IndexDataInfo::default();
    for (_, answer) in answers.iter().flat_map(|answer| &answer.answers) {
        if let PageAnswer::Found { from_cache, .. } = answer {
            if *from_cache {
                data.from_cache += 1;
            } else {
                data.requests += 1;
            }
        }
    }
    data
}

/// One index's page that answered for a package.
struct Found<'a> {
    index: &'a str,
    releases: &'a [Release],
}

fn compare_one(
    subject: &Subject,
    answer: Option<&ProjectAnswer>,
    options: &OutdatedOptions,
    report: &mut OutdatedReport,
) {
    let name = &subject.name;
    if let Some(url) = &subject.direct_url {
        report.not_checked.push(NotChecked {
            name: name.clone(),
            current: subject.current.clone(),
            reason: NotCheckedReason::DirectReference {
                url: shown_url(url),
            },
        });
        return;
    }
    let asked = answer.map_or(&[][..], |answer| answer.answers.as_slice());
    let mut found = Vec::new();
    let mut problems = Vec::new();
    for (index, page_answer) in asked {
        match page_answer {
            PageAnswer::Found {
                releases,
                stored_at,
                ..
            } => {
                found.push(Found { index, releases });
                report.data.oldest = Some(
                    report
                        .data
                        .oldest
                        .map_or(*stored_at, |oldest| oldest.min(*stored_at)),
                );
            }
            PageAnswer::NotFound => {}
            PageAnswer::NotCached => problems.push(NotCheckedReason::NotCached {
                index: index.clone(),
            }),
            PageAnswer::Failed { message } => problems.push(NotCheckedReason::IndexError {
                index: index.clone(),
                message: message.clone(),
            }),
        }
    }
    let location = origin_location(&subject.origin);

    if found.is_empty() {
        if asked.is_empty() {
            // The caller asked no index for this name (none configured, or it was left out).
            problems.push(NotCheckedReason::IndexError {
                index: options.indexes.first().cloned().unwrap_or_default(),
                message: "no index was asked for this package".to_string(),
            });
        }
        let mut problems = problems.into_iter();
        let Some(first) = problems.next() else {
            report_unknown(subject, asked, location, report);
            return;
        };
        let mut diagnostic = problem_diagnostic(name, &first, Severity::Warning, location);
        for problem in problems {
            diagnostic = diagnostic.with_note(problem_text(name, &problem));
        }
        report.diagnostics.push(diagnostic);
        report.not_checked.push(NotChecked {
            name: name.clone(),
            current: subject.current.clone(),
            reason: first,
        });
        return;
    }
    for problem in &problems {
        report.diagnostics.push(
            problem_diagnostic(name, problem, Severity::Note, location.clone())
                .with_note("compared with the releases of the indexes that answered"),
        );
    }

    let candidates = merge_releases(&found);
    let first_index = found.first().map_or("", |found| found.index);
    let package = evaluate(subject, &candidates, first_index, options);
    if let Some(current_release) = &package.current_release {
        if current_release.yanked {
            let index = candidates
                .get(&current_release.version)
                .map_or(first_index, |candidate| candidate.index);
            let mut diagnostic = Diagnostic::new(
                Code::YankedRelease,
                Severity::Warning,
                format!("{name} {} is yanked on {index}", current_release.version),
            )
            .with_package(name.clone());
            if let Some(location) = location.clone() {
                diagnostic = diagnostic.with_location(location);
            }
            if let Some(reason) = &current_release.yank_reason {
                diagnostic = diagnostic.with_note(format!("reason given: {reason}"));
            }
            report.diagnostics.push(diagnostic);
        }
    }
    if let Some(DistVersion::Legacy(text)) = &subject.current {
        let mut diagnostic = Diagnostic::new(
            Code::InvalidVersion,
            Severity::Note,
            format!(
                "{name} {text} is not a PEP 440 version, so no release can be called newer; \
                 the latest release is shown for reference"
            ),
        )
        .with_package(name.clone());
        if let Some(location) = location {
            diagnostic = diagnostic.with_location(location);
        }
        report.diagnostics.push(diagnostic);
    }
    report.packages.push(package);
}

fn report_unknown(
    subject: &Subject,
    asked: &[(String, PageAnswer)],
    location: Option<Location>,
    report: &mut OutdatedReport,
) {
    let indexes: Vec<String> = asked.iter().map(|(index, _)| index.clone()).collect();
    let mut diagnostic = Diagnostic::new(
        Code::UnknownPackage,
        Severity::Warning,
        format!(
            "{} is not on any index asked ({})",
            subject.name,
            indexes.join(", ")
        ),
    )
    .with_package(subject.name.clone())
    .with_note(
        "a mistyped name, or a private package looked up on a public index, where anyone \
         could register it (dependency confusion)",
    );
    if let Some(location) = location {
        diagnostic = diagnostic.with_location(location);
    }
    report.diagnostics.push(diagnostic);
    report.unknown.push(UnknownPackage {
        name: subject.name.clone(),
        current: subject.current.clone(),
        origin: subject.origin.clone(),
        indexes,
    });
}

fn problem_diagnostic(
    name: &PackageName,
    problem: &NotCheckedReason,
    severity: Severity,
    location: Option<Location>,
) -> Diagnostic {
    let mut diagnostic = Diagnostic::new(Code::IndexError, severity, problem_text(name, problem))
        .with_package(name.clone());
    if let Some(location) = location {
        diagnostic = diagnostic.with_location(location);
    }
    diagnostic
}

fn problem_text(name: &PackageName, problem: &NotCheckedReason) -> String {
    match problem {
        NotCheckedReason::IndexError { index, message } => {
            format!("{name} could not be looked up on {index}: {message}")
        }
        NotCheckedReason::NotCached { index } => {
            format!("{name} is not in the cache for {index} (offline)")
        }
        NotCheckedReason::DirectReference { url } => format!("{name} comes from {url}"),
    }
}

fn origin_location(origin: &CurrentOrigin) -> Option<Location> {
    match origin {
        CurrentOrigin::Installed => None,
        CurrentOrigin::Pinned { location } | CurrentOrigin::Declared { location } => {
            Some(location.clone())
        }
    }
}

/// A URL shown to the user: credentials hidden; text that is no URL (a path) as written.
fn shown_url(text: &str) -> String {
    match Url::parse(text) {
        Ok(url) if url.password().is_some() || !url.username().is_empty() => {
            RedactedUrl::new(&url).to_string()
        }
        _ => text.to_string(),
    }
}

/// One version, merged across the indexes that list it.
struct Candidate<'a> {
    release: Release,
    /// The first index whose installable files list it.
    index: &'a str,
}

fn merge_releases<'a>(found: &[Found<'a>]) -> BTreeMap<Version, Candidate<'a>> {
    let mut merged: BTreeMap<Version, Candidate<'a>> = BTreeMap::new();
    for found in found {
        for release in found.releases.iter().cloned() {
            match merged.get_mut(&release.version) {
                None => {
                    merged.insert(
                        release.version.clone(),
                        Candidate {
                            release,
                            index: found.index,
                        },
                    );
                }
                Some(candidate) => merge_release(candidate, release, found.index),
            }
        }
    }
    merged
}

fn merge_release<'a>(candidate: &mut Candidate<'a>, other: Release, index: &'a str) {
    let release = &mut candidate.release;
    release.files += other.files;
    release.uploaded = match (release.uploaded, other.uploaded) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    // `requires_python` lists the installable files only, unless every file is yanked.
    match (release.yanked, other.yanked) {
        (true, false) => {
            release.yanked = false;
            release.yank_reason = None;
            release.requires_python = other.requires_python;
            candidate.index = index;
        }
        (false, true) => {}
        (true, true) => {
            release.yank_reason = release.yank_reason.take().or(other.yank_reason);
            release.requires_python.extend(other.requires_python);
        }
        (false, false) => release.requires_python.extend(other.requires_python),
    }
}

/// The rule a release fails, in the order skips are counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rule {
    Pre,
    Yanked,
    RequiresPython,
    TooNew,
}

fn failed_rule(release: &Release, pre_allowed: bool, options: &OutdatedOptions) -> Option<Rule> {
    if !pre_allowed && release.version.any_prerelease() {
        return Some(Rule::Pre);
    }
    if release.yanked {
        return Some(Rule::Yanked);
    }
    if let Some(python) = &options.python {
        if !release.admits_python(python) {
            return Some(Rule::RequiresPython);
        }
    }
    if let Some(min_age) = options.min_age {
        let old_enough = release
            .uploaded
            .is_some_and(|uploaded| options.now.duration_since(uploaded) >= min_age);
        if !old_enough {
            return Some(Rule::TooNew);
        }
    }
    None
}

fn count(skipped: &mut Skipped, rule: Rule) {
    match rule {
        Rule::Pre => skipped.pre += 1,
        Rule::Yanked => skipped.yanked += 1,
        Rule::RequiresPython => skipped.requires_python += 1,
        Rule::TooNew => skipped.too_new += 1,
    }
}

fn release_info(release: &Release) -> ReleaseInfo {
    ReleaseInfo {
        version: release.version.clone(),
        uploaded: release.uploaded,
        yanked: release.yanked,
        yank_reason: release.yank_reason.clone(),
    }
}

fn evaluate(
    subject: &Subject,
    candidates: &BTreeMap<Version, Candidate<'_>>,
    first_index: &str,
    options: &OutdatedOptions,
) -> OutdatedPackage {
    let current = subject.current.as_ref().and_then(DistVersion::pep440);
    let strategy = subject.strategy.unwrap_or(options.strategy);
    let pre_allowed = options.pre || current.is_some_and(Version::any_prerelease);
    let mut latest: Option<&Candidate<'_>> = None;
    let mut allowed: Option<&Candidate<'_>> = None;
    let mut behind = 0;
    let mut skipped = Skipped::default();
    let mut newer_passing = Vec::new();
    for candidate in candidates.values().rev() {
        let version = &candidate.release.version;
        // Without a comparable current version, "newer" means above what will be shown.
        let newer = current.map_or(latest.is_none(), |current| version > current);
        if !newer && latest.is_some() {
            break;
        }
        if let Some(rule) = failed_rule(&candidate.release, pre_allowed, options) {
            if newer {
                count(&mut skipped, rule);
            }
            continue;
        }
        if latest.is_none() {
            latest = Some(candidate);
        }
        if let Some(current) = current.filter(|_| newer) {
            if version.is_stable() {
                behind += 1;
            }
            newer_passing.push(release_info(&candidate.release));
            if allowed.is_none() && strategy.permits(current, version) {
                allowed = Some(candidate);
            }
        }
    }
    if subject.current.is_none() {
        allowed = latest;
    }
    // Collected newest first while walking down.
    newer_passing.reverse();
    let change = match (current, latest) {
        (Some(current), Some(latest)) if latest.release.version > *current => {
            Some(ChangeKind::between(current, &latest.release.version))
        }
        _ => None,
    };
    OutdatedPackage {
        name: subject.name.clone(),
        current: subject.current.clone(),
        origin: subject.origin.clone(),
        index: latest
            .map_or(first_index, |latest| latest.index)
            .to_string(),
        current_release: current
            .and_then(|current| candidates.get(current))
            .map(|candidate| release_info(&candidate.release)),
        latest: latest.map(|latest| release_info(&latest.release)),
        allowed: allowed.map(|allowed| release_info(&allowed.release)),
        strategy,
        change,
        behind,
        skipped,
        newer: newer_passing,
    }
}
