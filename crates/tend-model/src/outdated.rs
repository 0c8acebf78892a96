//! The result of `tend outdated`: for every package, what it runs now, what the index offers,
//! what the update strategy allows, and what the index could not answer. Produced by
//! `tend-index`, rendered by `tend-report`, used by the plan.

use jiff::{SignedDuration, Timestamp};
use pep440_rs::Version;
use pep508_rs::PackageName;
use serde::Serialize;

use crate::{Diagnostic, DistVersion, Location};

/// How far an update may move a package (until the policy issue, a command-line flag).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Strategy {
    /// Same major and minor version (`1.4.2` -> `1.4.9`).
    Patch,
    /// Same major version (`1.4.2` -> `1.9.0`).
    Minor,
    /// Any newer version.
    #[default]
    Major,
}

impl Strategy {
    /// The strategy lets `current` move to `candidate`: patch keeps the epoch and the first two
    /// release segments, minor the epoch and the first, major anything (missing segments
    /// count as 0).
    pub fn permits(self, current: &Version, candidate: &Version) -> bool {
        let segment =
            |version: &Version, index: usize| version.release().get(index).copied().unwrap_or(0);
        let same = |index: usize| segment(current, index) == segment(candidate, index);
        match self {
            Self::Patch => current.epoch() == candidate.epoch() && same(0) && same(1),
            Self::Minor => current.epoch() == candidate.epoch() && same(0),
            Self::Major => true,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Patch => "patch",
            Self::Minor => "minor",
            Self::Major => "major",
        }
    }
}

/// What kind of change a newer version is, from the first release segment that differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChangeKind {
    /// Same release segments; only a pre, post, dev or local part differs (`1.0rc1` -> `1.0`).
    Other,
    /// The third (or a later) release segment differs.
    Patch,
    /// The second release segment differs.
    Minor,
    /// The first release segment (or the epoch) differs.
    Major,
}

impl ChangeKind {
    /// The change from `from` to `to` (`to` newer).
    pub fn between(from: &Version, to: &Version) -> Self {
        if from.epoch() != to.epoch() {
            return Self::Major;
        }
        let segment = |version: &Version, index: usize| -> u64 {
            version.release().get(index).copied().unwrap_or(0)
        };
        let length = from.release().len().max(to.release().len()).max(3);
        for index in 0..length {
            if segment(from, index) != segment(to, index) {
                return match index {
                    0 => Self::Major,
                    1 => Self::Minor,
                    _ => Self::Patch,
                };
            }
        }
        Self::Other
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Other => "other",
            Self::Patch => "patch",
            Self::Minor => "minor",
            Self::Major => "major",
        }
    }
}

/// Where the version a package is compared from came from.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum CurrentOrigin {
    /// Installed in the environment.
    Installed,
    /// An exact pin (`==`, `===`) or lockfile entry; the package is not installed.
    Pinned { location: Location },
    /// Declared with a range or no version, and not installed: there is no current version.
    Declared { location: Location },
}

/// One release as the index describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReleaseInfo {
    pub version: Version,
    /// The earliest upload time of the release's files (PEP 700), when the index gives one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uploaded: Option<Timestamp>,
    /// Every file of the release is yanked (PEP 592).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub yanked: bool,
    /// The reason given for the yank, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub yank_reason: Option<String>,
}

impl ReleaseInfo {
    /// How old the release is at `now`, when its upload time is known.
    pub fn age(&self, now: Timestamp) -> Option<SignedDuration> {
        self.uploaded.map(|uploaded| now.duration_since(uploaded))
    }
}

/// How many newer releases were passed over, by rule.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Skipped {
    /// Pre-releases and development releases (no `--pre`, current version final).
    pub pre: usize,
    /// Every file yanked.
    pub yanked: usize,
    /// No file whose `Requires-Python` admits the environment's Python.
    pub requires_python: usize,
    /// Uploaded less than `--min-age` ago, or with no upload time while a minimum age is set.
    pub too_new: usize,
}

impl Skipped {
    pub fn total(&self) -> usize {
        self.pre + self.yanked + self.requires_python + self.too_new
    }
}

/// One package compared with its index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutdatedPackage {
    pub name: PackageName,
    /// The installed or pinned version; `None` for a declared, uninstalled range.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current: Option<DistVersion>,
    pub origin: CurrentOrigin,
    /// The index that answered (credentials removed).
    pub index: String,
    /// The current version's release on the index; `None` when the index does not list it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_release: Option<ReleaseInfo>,
    /// The newest release that passed every rule (pre-releases, yanks, Requires-Python, age).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latest: Option<ReleaseInfo>,
    /// The newest such release the update strategy allows.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed: Option<ReleaseInfo>,
    /// The strategy `allowed` was chosen by: the run's, or the package's category's.
    pub strategy: Strategy,
    /// The change from the current version to `latest`, when `latest` is newer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub change: Option<ChangeKind>,
    /// Final releases (no pre, dev) newer than the current one that passed every rule.
    pub behind: usize,
    /// Newer releases passed over, by rule.
    pub skipped: Skipped,
    /// Every release newer than the current one that passed every rule, oldest first. The
    /// plan picks its own target from these by category (strategy, cooldown, fixes) and
    /// starts an update's clock at the first one. Kept out of the JSON report.
    #[serde(skip)]
    pub newer: Vec<ReleaseInfo>,
}

impl OutdatedPackage {
    /// A newer release passed every rule.
    pub fn is_outdated(&self) -> bool {
        self.change.is_some()
    }
}

/// A package no index knows (404 on every index asked): a typo, a private package looked up on
/// a public index, or a name someone could register (dependency confusion).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnknownPackage {
    pub name: PackageName,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current: Option<DistVersion>,
    pub origin: CurrentOrigin,
    /// Every index asked (credentials removed).
    pub indexes: Vec<String>,
}

/// Why a package was not compared with the index.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum NotCheckedReason {
    /// Installed editable, or from a URL, a path or a VCS: the index is not where it comes from.
    DirectReference { url: String },
    /// An index did not answer usefully (after retries); the message says how.
    IndexError { index: String, message: String },
    /// `--offline` and the index page is not in the cache.
    NotCached { index: String },
}

/// A package left out of the comparison, and why.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct NotChecked {
    pub name: PackageName,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current: Option<DistVersion>,
    pub reason: NotCheckedReason,
}

/// The rules a report was made with, shown so a reader can tell why a release was skipped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutdatedSettings {
    pub strategy: Strategy,
    /// Each package's strategy is its category's (the policy's), not `strategy`.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub by_category: bool,
    /// Pre-releases considered for every package (`--pre`, or `--pre` in a requirements file).
    pub pre: bool,
    /// The environment's Python, against which `Requires-Python` is checked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub python: Option<Version>,
    /// Releases younger than this are skipped (`--min-age`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_age: Option<SignedDuration>,
    /// The indexes asked, in order (credentials removed).
    pub indexes: Vec<String>,
    /// Answered from the cache alone (`--offline`).
    pub offline: bool,
}

/// Where the index data came from, and how old it is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct IndexDataInfo {
    /// Pages fetched from an index in this run (200 or 304).
    pub requests: usize,
    /// Pages served from the disk cache with no request.
    pub from_cache: usize,
    /// When the oldest page used was received from its index.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub oldest: Option<Timestamp>,
}

/// Everything `tend outdated` found, ready for a renderer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutdatedReport {
    pub generated: Timestamp,
    pub settings: OutdatedSettings,
    pub data: IndexDataInfo,
    /// Every package compared, by name (up to date ones included).
    pub packages: Vec<OutdatedPackage>,
    pub unknown: Vec<UnknownPackage>,
    pub not_checked: Vec<NotChecked>,
    pub diagnostics: Vec<Diagnostic>,
}

impl OutdatedReport {
    pub fn outdated(&self) -> impl Iterator<Item = &OutdatedPackage> {
        self.packages.iter().filter(|package| package.is_outdated())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(from: &str, to: &str) -> ChangeKind {
        ChangeKind::between(&from.parse().unwrap(), &to.parse().unwrap())
    }

    #[test]
    fn strategies_permit_by_leading_segments() {
        let version = |text: &str| -> Version { text.parse().unwrap() };
        let current = version("1.4.2");
        assert!(Strategy::Patch.permits(&current, &version("1.4.9")));
        assert!(!Strategy::Patch.permits(&current, &version("1.5.0")));
        assert!(Strategy::Minor.permits(&current, &version("1.9")));
        assert!(!Strategy::Minor.permits(&current, &version("2.0")));
        assert!(!Strategy::Minor.permits(&current, &version("1!1.5")));
        assert!(Strategy::Major.permits(&current, &version("3.0")));
        assert!(Strategy::Patch.permits(&version("1.4"), &version("1.4.0.1")));
    }

    #[test]
    fn change_kind_from_first_differing_segment() {
        assert_eq!(change("1.4.2", "2.0.0"), ChangeKind::Major);
        assert_eq!(change("1.4.2", "1.5"), ChangeKind::Minor);
        assert_eq!(change("1.4", "1.4.1"), ChangeKind::Patch);
        assert_eq!(change("1.4.2", "1.4.2.1"), ChangeKind::Patch);
        assert_eq!(change("1.4.2", "1.4.2.post1"), ChangeKind::Other);
        assert_eq!(change("1.0rc1", "1.0"), ChangeKind::Other);
        assert_eq!(change("2.0", "1!1.0"), ChangeKind::Major);
    }
}
