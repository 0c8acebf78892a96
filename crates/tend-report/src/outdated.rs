//! The outdated report in every format: a table for people, versioned JSON for machines and
//! Markdown for pull requests. This module owns what the three share: the order packages are
//! shown in, the counts and the one-line summary, and the wording of ages, origins, reasons,
//! rules and the index data's age, so that the formats always agree.

mod json;
mod markdown;
mod table;

use std::fmt::Write as _;

use serde::Serialize;
use tend_model::jiff::tz::TimeZone;
use tend_model::jiff::{SignedDuration, Timestamp, Unit};
use tend_model::{
    ChangeKind, Code, CurrentOrigin, Diagnostic, DistVersion, NotChecked, NotCheckedReason,
    OutdatedPackage, OutdatedReport, OutdatedSettings, ReleaseInfo, Skipped, Strategy,
    UnknownPackage,
};

use crate::text::counted;
use crate::words::{minute, one_line, place, truncate};
use crate::DisplayOptions;

pub(crate) use json::outdated_scan_json;
pub use json::{outdated_json, outdated_json_text};
pub use markdown::outdated_markdown;
pub use table::outdated_table;

/// Outdated packages per change kind, every kind present (zero when none).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ChangeCounts {
    pub major: usize,
    pub minor: usize,
    pub patch: usize,
    /// Only a pre, post, dev or local part differs.
    pub other: usize,
}

impl ChangeCounts {
    fn add(&mut self, change: ChangeKind) {
        match change {
            ChangeKind::Major => self.major += 1,
            ChangeKind::Minor => self.minor += 1,
            ChangeKind::Patch => self.patch += 1,
            ChangeKind::Other => self.other += 1,
        }
    }

    /// Largest change first, as the summary line lists them.
    fn by_size(self) -> [(ChangeKind, usize); 4] {
        [
            (ChangeKind::Major, self.major),
            (ChangeKind::Minor, self.minor),
            (ChangeKind::Patch, self.patch),
            (ChangeKind::Other, self.other),
        ]
    }
}

/// The counts behind an outdated report, and the sentence every format ends (or starts) with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutdatedSummary {
    /// Packages compared with an index (up-to-date ones included).
    pub packages: usize,
    /// Compared packages with a newer release that passed every rule.
    pub outdated: usize,
    pub by_change: ChangeCounts,
    /// Compared packages with a PEP 440 current version and nothing newer that passed the rules.
    pub up_to_date: usize,
    /// Compared packages declared with a range and not installed: no current version.
    pub without_version: usize,
    /// Compared packages whose current version is not PEP 440: no release can be called newer.
    pub not_pep440: usize,
    /// Packages no index knows.
    pub unknown: usize,
    /// Packages left out of the comparison (direct references, index errors, not cached).
    pub not_checked: usize,
    /// Compared packages whose current release is yanked.
    pub yanked: usize,
    /// Newer releases passed over, by rule, over every package.
    pub skipped: Skipped,
    /// The one-line summary for people.
    pub message: String,
}

impl OutdatedSummary {
    pub fn new(report: &OutdatedReport) -> Self {
        let mut by_change = ChangeCounts::default();
        let mut skipped = Skipped::default();
        let mut up_to_date = 0;
        let mut without_version = 0;
        let mut not_pep440 = 0;
        let mut yanked = 0;
        for package in &report.packages {
            match (package.change, &package.current) {
                (Some(change), _) => by_change.add(change),
                (None, Some(DistVersion::Pep440(_))) => up_to_date += 1,
                (None, Some(DistVersion::Legacy(_))) => not_pep440 += 1,
                (None, None) => without_version += 1,
            }
            if is_yanked(package) {
                yanked += 1;
            }
            skipped.pre += package.skipped.pre;
            skipped.yanked += package.skipped.yanked;
            skipped.requires_python += package.skipped.requires_python;
            skipped.too_new += package.skipped.too_new;
        }
        let mut summary = Self {
            packages: report.packages.len(),
            outdated: report.outdated().count(),
            by_change,
            up_to_date,
            without_version,
            not_pep440,
            unknown: report.unknown.len(),
            not_checked: report.not_checked.len(),
            yanked,
            skipped,
            message: String::new(),
        };
        summary.message = summary.sentence();
        summary
    }

    /// "12 of 60 packages outdated (2 major, 5 minor, 5 patch); 1 unknown to the index".
    ///
    /// "All … up to date" is said only when every package was compared and has a version: a
    /// reader must not be told that about packages nobody could look up.
    fn sentence(&self) -> String {
        let mut text = if self.packages == 0 && self.unknown == 0 && self.not_checked == 0 {
            return "No packages to compare with the index".to_string();
        } else if self.packages == 0 {
            "Nothing compared with the index".to_string()
        } else if self.outdated > 0 {
            format!(
                "{} of {} outdated ({})",
                self.outdated,
                counted(self.packages, "package"),
                self.changes_text()
            )
        } else if self.up_to_date == self.packages && self.unknown == 0 && self.not_checked == 0 {
            if self.packages == 1 {
                "The one package compared is up to date".to_string()
            } else {
                format!("All {} packages up to date", self.packages)
            }
        } else {
            format!(
                "No outdated packages among {} compared",
                counted(self.packages, "package")
            )
        };
        if self.without_version > 0 {
            let _ = write!(text, "; {} without a version", self.without_version);
        }
        if self.not_pep440 > 0 {
            let _ = write!(text, "; {} not PEP 440", self.not_pep440);
        }
        if self.unknown > 0 {
            let _ = write!(text, "; {} unknown to the index", self.unknown);
        }
        if self.not_checked > 0 {
            let _ = write!(text, "; {} not checked", self.not_checked);
        }
        if self.yanked > 0 {
            let _ = write!(text, "; {} yanked", self.yanked);
        }
        text
    }

    /// `2 major, 5 minor, 5 patch`: the kinds that occur, largest first.
    fn changes_text(&self) -> String {
        let kinds: Vec<String> = self
            .by_change
            .by_size()
            .into_iter()
            .filter(|(_, count)| *count > 0)
            .map(|(kind, count)| format!("{count} {}", kind.as_str()))
            .collect();
        kinds.join(", ")
    }
}

/// The current release is on the index and yanked.
pub(crate) fn is_yanked(package: &OutdatedPackage) -> bool {
    package
        .current_release
        .as_ref()
        .is_some_and(|release| release.yanked)
}

/// The report in the order every format shows it, borrowed: packages, unknown and not-checked
/// ones by name, diagnostics errors first. Output never depends on the order the comparison
/// happened to produce.
struct Ordered<'a> {
    packages: Vec<&'a OutdatedPackage>,
    unknown: Vec<&'a UnknownPackage>,
    not_checked: Vec<&'a NotChecked>,
    diagnostics: Vec<&'a Diagnostic>,
}

impl<'a> Ordered<'a> {
    fn new(report: &'a OutdatedReport) -> Self {
        let mut packages: Vec<&OutdatedPackage> = report.packages.iter().collect();
        packages.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.current.cmp(&b.current)));
        let mut unknown: Vec<&UnknownPackage> = report.unknown.iter().collect();
        unknown.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.current.cmp(&b.current)));
        let mut not_checked: Vec<&NotChecked> = report.not_checked.iter().collect();
        not_checked.sort();
        let mut diagnostics: Vec<&Diagnostic> = report.diagnostics.iter().collect();
        diagnostics.sort_by(|a, b| b.severity.cmp(&a.severity).then_with(|| a.cmp(b)));
        Self {
            packages,
            unknown,
            not_checked,
            diagnostics,
        }
    }

    fn outdated(&self) -> impl Iterator<Item = &'a OutdatedPackage> + '_ {
        self.packages
            .iter()
            .copied()
            .filter(|package| package.is_outdated())
    }

    fn yanked(&self) -> impl Iterator<Item = &'a OutdatedPackage> + '_ {
        self.packages
            .iter()
            .copied()
            .filter(|package| is_yanked(package))
    }

    fn without_version(&self) -> impl Iterator<Item = &'a OutdatedPackage> + '_ {
        self.packages
            .iter()
            .copied()
            .filter(|package| package.current.is_none())
    }

    /// Diagnostics the people's formats show in a section of their own: those that repeat an
    /// unknown, yanked or not-checked package already listed (the JSON keeps them all).
    fn other_diagnostics(&self) -> Vec<Diagnostic> {
        self.diagnostics
            .iter()
            .filter(|diagnostic| !self.repeats_a_section(diagnostic))
            .map(|diagnostic| (*diagnostic).clone())
            .collect()
    }

    fn repeats_a_section(&self, diagnostic: &Diagnostic) -> bool {
        let Some(name) = &diagnostic.package else {
            return false;
        };
        match diagnostic.code {
            Code::UnknownPackage => self.unknown.iter().any(|package| &package.name == name),
            Code::YankedRelease => self.yanked().any(|package| &package.name == name),
            Code::IndexError => self.not_checked.iter().any(|package| &package.name == name),
            _ => false,
        }
    }
}

/// The allowed release when the strategy allows one newer than the current version.
fn allowed_update(package: &OutdatedPackage) -> Option<&ReleaseInfo> {
    let allowed = package.allowed.as_ref()?;
    match package
        .current
        .as_ref()
        .and_then(|current| current.pep440())
    {
        Some(current) if &allowed.version <= current => None,
        _ => Some(allowed),
    }
}

/// Some outdated package's allowed release differs from its latest: the strategy holds it back.
fn strategy_holds_back(ordered: &Ordered<'_>) -> bool {
    ordered.outdated().any(|package| {
        allowed_update(package).map(|release| &release.version)
            != package.latest.as_ref().map(|release| &release.version)
    })
}

/// The text of the Allowed column: the allowed version, or `-` when the strategy allows none.
fn allowed_text(package: &OutdatedPackage) -> String {
    allowed_update(package).map_or_else(|| "-".to_string(), |release| release.version.to_string())
}

/// Where the current version came from: `installed`, or the declaration's file and line.
fn origin_text(origin: &CurrentOrigin, options: &DisplayOptions) -> String {
    match origin {
        CurrentOrigin::Installed => "installed".to_string(),
        CurrentOrigin::Pinned { location } | CurrentOrigin::Declared { location } => {
            place(location, options)
        }
    }
}

/// Some listed package's version is not from the environment, so its origin is worth a column.
fn origins_vary<'a>(mut origins: impl Iterator<Item = &'a CurrentOrigin>) -> bool {
    origins.any(|origin| !matches!(origin, CurrentOrigin::Installed))
}

/// Why a package was not compared, in words; `limit` shortens an index's error message.
pub(crate) fn reason_text(reason: &NotCheckedReason, limit: Option<usize>) -> String {
    match reason {
        NotCheckedReason::DirectReference { url } => {
            format!("from {url}, not from an index (editable, URL, path or VCS)")
        }
        NotCheckedReason::IndexError { index, message } => {
            let message = match limit {
                Some(limit) => truncate(message, limit),
                None => one_line(message),
            };
            format!("index error at {index}: {message}")
        }
        NotCheckedReason::NotCached { index } => {
            format!("not in the cache for {index} (--offline)")
        }
    }
}

/// `2y 3mo`, `4mo`, `12d`, `5h`, `25m`: how long ago a release was uploaded, in calendar units
/// (UTC), the largest one or two. `-` when the index gave no upload time.
pub(crate) fn release_age(release: Option<&ReleaseInfo>, now: Timestamp) -> String {
    match release.and_then(|release| release.uploaded) {
        Some(uploaded) => calendar_age(uploaded, now),
        None => "-".to_string(),
    }
}

fn calendar_age(from: Timestamp, to: Timestamp) -> String {
    if to <= from {
        return "<1m".to_string();
    }
    let start = from.to_zoned_datetime(TimeZone::UTC);
    let end = to.to_zoned_datetime(TimeZone::UTC);
    let Ok(span) = start.until((Unit::Year, &end)) else {
        return short_duration(to.duration_since(from));
    };
    let (years, months) = (span.get_years(), span.get_months());
    if years > 0 {
        return if months > 0 {
            format!("{years}y {months}mo")
        } else {
            format!("{years}y")
        };
    }
    if months > 0 {
        return format!("{months}mo");
    }
    if span.get_days() > 0 {
        return format!("{}d", span.get_days());
    }
    if span.get_hours() > 0 {
        return format!("{}h", span.get_hours());
    }
    if span.get_minutes() > 0 {
        return format!("{}m", span.get_minutes());
    }
    "<1m".to_string()
}

/// `3d`, `1d 12h`, `6h`, `30m`, `45s`: a fixed length such as `--min-age`, in the largest one or
/// two units.
fn short_duration(duration: SignedDuration) -> String {
    let seconds = duration.as_secs().max(0);
    let (days, hours, minutes) = (
        seconds / 86_400,
        seconds % 86_400 / 3_600,
        seconds % 3_600 / 60,
    );
    match (days, hours, minutes) {
        (0, 0, 0) => format!("{seconds}s"),
        (0, 0, minutes) => format!("{minutes}m"),
        (0, hours, 0) => format!("{hours}h"),
        (0, hours, minutes) => format!("{hours}h {minutes}m"),
        (days, 0, _) => format!("{days}d"),
        (days, hours, _) => format!("{days}d {hours}h"),
    }
}

/// `3 days`, `5 hours`, `12 minutes`, `less than a minute`: the index data's age in words.
pub(crate) fn long_age(duration: SignedDuration) -> String {
    let seconds = duration.as_secs().max(0);
    let count = |value: i64, noun: &str| counted(usize::try_from(value).unwrap_or(0), noun);
    if seconds >= 86_400 {
        count(seconds / 86_400, "day")
    } else if seconds >= 3_600 {
        count(seconds / 3_600, "hour")
    } else if seconds >= 60 {
        count(seconds / 60, "minute")
    } else {
        "less than a minute".to_string()
    }
}

/// A package's current version, or `-` when it has none (declared, not installed).
fn current_text(current: Option<&DistVersion>) -> String {
    current.map_or_else(|| "-".to_string(), ToString::to_string)
}

/// From the oldest index page used to `now`; zero when it is dated later.
fn data_age(report: &OutdatedReport, now: Timestamp) -> Option<SignedDuration> {
    report
        .data
        .oldest
        .map(|oldest| now.duration_since(oldest).max(SignedDuration::ZERO))
}

/// "Index data: 12 pages requested, 48 from the cache; the oldest received 3 hours ago", or,
/// offline, "Index data from the cache (--offline): 48 pages, the oldest received 3 days ago".
fn data_text(report: &OutdatedReport, now: Timestamp) -> String {
    let data = &report.data;
    let age = data_age(report, now).map(long_age);
    if report.settings.offline {
        let mut text = format!(
            "Index data from the cache (--offline): {}",
            counted(data.from_cache, "page")
        );
        if let Some(age) = age {
            let _ = write!(text, ", the oldest received {age} ago");
        }
        return text;
    }
    if data.requests == 0 && data.from_cache == 0 {
        return "Index data: no pages read".to_string();
    }
    let mut text = format!(
        "Index data: {} requested, {} from the cache",
        counted(data.requests, "page"),
        data.from_cache
    );
    if let Some(age) = age {
        let _ = write!(text, "; the oldest received {age} ago");
    }
    text
}

/// The rules of the run, one phrase each: strategy, pre-releases, Python, minimum age.
fn rules(settings: &OutdatedSettings) -> Vec<String> {
    let strategy = match settings.strategy {
        _ if settings.by_category => "each package's category's strategy (the policy's)",
        Strategy::Patch => "strategy patch (same major and minor version)",
        Strategy::Minor => "strategy minor (same major version)",
        Strategy::Major => "strategy major (any newer version)",
    };
    let mut rules = vec![strategy.to_string()];
    rules.push(if settings.pre {
        "pre-releases included (--pre)".to_string()
    } else {
        "pre-releases excluded unless installed".to_string()
    });
    rules.push(match &settings.python {
        Some(python) => format!("Python {python} (Requires-Python)"),
        None => "Requires-Python not checked (Python unknown)".to_string(),
    });
    rules.push(match settings.min_age {
        Some(age) => format!("minimum age {}", short_duration(age)),
        None => "no minimum age".to_string(),
    });
    rules
}

/// `Index: https://…` or `Indexes: https://…, https://…`.
fn indexes_text(settings: &OutdatedSettings) -> String {
    match settings.indexes.as_slice() {
        [] => "Index: none".to_string(),
        [index] => format!("Index: {index}"),
        indexes => format!("Indexes: {}", indexes.join(", ")),
    }
}

/// "3 pre-releases (--pre includes them); 1 yanked": how many newer releases each rule passed
/// over, with the option that changes it; `None` when none were.
fn skipped_text(skipped: &Skipped, settings: &OutdatedSettings) -> Option<String> {
    let mut parts = Vec::new();
    if skipped.pre > 0 {
        parts.push(format!(
            "{} (--pre includes them)",
            counted(skipped.pre, "pre-release")
        ));
    }
    if skipped.requires_python > 0 {
        let python = settings.python.as_ref().map_or_else(
            || "this Python".to_string(),
            |python| format!("Python {python}"),
        );
        parts.push(format!(
            "{} whose Requires-Python excludes {python}",
            skipped.requires_python
        ));
    }
    if skipped.too_new > 0 {
        let age = settings
            .min_age
            .map_or_else(|| "the minimum age".to_string(), short_duration);
        parts.push(format!(
            "{} younger than {age} (--min-age)",
            skipped.too_new
        ));
    }
    if skipped.yanked > 0 {
        parts.push(format!("{} yanked", skipped.yanked));
    }
    (!parts.is_empty()).then(|| parts.join("; "))
}

/// The advice that goes with unknown packages.
const UNKNOWN_ADVICE: &str = "No index knows these names: a typo, or a private package looked \
     up on a public index, where anyone could register the name (dependency confusion).";

#[cfg(test)]
mod tests {
    use super::*;

    fn time(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    #[test]
    fn release_ages_use_the_largest_calendar_units() {
        let now = time("2025-06-02T09:00:00Z");
        assert_eq!(calendar_age(time("2023-03-01T00:00:00Z"), now), "2y 3mo");
        assert_eq!(calendar_age(time("2024-06-01T00:00:00Z"), now), "1y");
        assert_eq!(calendar_age(time("2025-02-01T00:00:00Z"), now), "4mo");
        assert_eq!(calendar_age(time("2025-05-21T08:00:00Z"), now), "12d");
        assert_eq!(calendar_age(time("2025-06-02T04:00:00Z"), now), "5h");
        assert_eq!(calendar_age(time("2025-06-02T08:35:00Z"), now), "25m");
        assert_eq!(calendar_age(time("2025-06-02T08:59:30Z"), now), "<1m");
        // A clock behind the index's: not a negative age.
        assert_eq!(calendar_age(time("2025-06-03T00:00:00Z"), now), "<1m");
    }

    #[test]
    fn fixed_durations_and_data_ages_read_naturally() {
        assert_eq!(short_duration(SignedDuration::from_hours(72)), "3d");
        assert_eq!(short_duration(SignedDuration::from_hours(36)), "1d 12h");
        assert_eq!(short_duration(SignedDuration::from_mins(90)), "1h 30m");
        assert_eq!(short_duration(SignedDuration::from_secs(45)), "45s");
        assert_eq!(long_age(SignedDuration::from_hours(73)), "3 days");
        assert_eq!(long_age(SignedDuration::from_hours(1)), "1 hour");
        assert_eq!(
            long_age(SignedDuration::from_secs(59)),
            "less than a minute"
        );
    }

    #[test]
    fn skipped_releases_name_the_option_that_includes_them() {
        let settings = OutdatedSettings {
            strategy: Strategy::Major,
            by_category: false,
            pre: false,
            python: Some("3.8.18".parse().unwrap()),
            min_age: Some(SignedDuration::from_hours(72)),
            indexes: Vec::new(),
            offline: false,
        };
        assert_eq!(skipped_text(&Skipped::default(), &settings), None);
        let skipped = Skipped {
            pre: 3,
            yanked: 1,
            requires_python: 2,
            too_new: 1,
        };
        assert_eq!(
            skipped_text(&skipped, &settings).unwrap(),
            "3 pre-releases (--pre includes them); 2 whose Requires-Python excludes Python \
             3.8.18; 1 younger than 3d (--min-age); 1 yanked"
        );
    }

    #[test]
    fn reasons_say_why_a_package_was_not_compared() {
        let error = NotCheckedReason::IndexError {
            index: "http://127.0.0.1:8080/simple".to_string(),
            message: "HTTP 503 Service Unavailable\nafter 3 retries".to_string(),
        };
        assert_eq!(
            reason_text(&error, None),
            "index error at http://127.0.0.1:8080/simple: HTTP 503 Service Unavailable after 3 \
             retries"
        );
        assert_eq!(
            reason_text(&error, Some(12)),
            "index error at http://127.0.0.1:8080/simple: HTTP 503…"
        );
    }
}
