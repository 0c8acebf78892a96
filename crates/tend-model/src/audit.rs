//! The result of an audit: which packages are affected by which advisories, which could not be
//! audited and why, and what the advisory data was. Produced by `tend-advisory`, rendered by
//! `tend-report`, used by the plan.

use jiff::Timestamp;
use pep508_rs::PackageName;
use serde::Serialize;

use crate::{AdvisoryId, AdvisorySeverity, Diagnostic, DistVersion, Location, SeverityRating};

/// What was audited: one name and version, and where that version came from.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct AuditTarget {
    pub name: PackageName,
    pub version: DistVersion,
    pub origin: TargetOrigin,
}

/// Where an audited version came from.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum TargetOrigin {
    /// Installed in the audited environment.
    Installed,
    /// An exact pin (`==` or `===`) in a requirements file, `pyproject.toml` or a lockfile.
    Declared { location: Location },
    /// Resolved by uv from a declaration that is not pinned (`tend audit --resolve`).
    Resolved { location: Location },
}

/// How an advisory was found to apply to a version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum MatchKind {
    /// Inside an `ECOSYSTEM` range, compared by PEP 440.
    Range,
    /// Listed in the advisory's explicit `versions`.
    VersionList,
    /// The installed version is not valid PEP 440; it was found by text in `versions`.
    InvalidVersionList,
    /// The source answered for this exact version (OSV API, PyPI JSON).
    Service,
}

/// The fix for one finding.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Fix {
    /// The smallest fixed version above the audited one.
    Version { version: DistVersion },
    /// No fixed version is known above the audited one.
    None,
}

/// One advisory (with every alias merged into it) affecting one audited version.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// The id shown first: the PYSEC id when there is one, else GHSA, else the smallest.
    pub id: AdvisoryId,
    /// Every other id of the merged records and their aliases, sorted.
    pub aliases: Vec<AdvisoryId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    pub severity: AdvisorySeverity,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub published: Option<Timestamp>,
    pub modified: Timestamp,
    pub fix: Fix,
    pub matched_by: MatchKind,
    /// A link for people: the advisory's first `ADVISORY` or `WEB` reference.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Set when an ignore rule matched but has expired, so the finding is shown again.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expired_ignore: Option<IgnoreRuleRef>,
}

impl Finding {
    /// Every id of the finding: the primary one first, then the aliases.
    pub fn ids(&self) -> impl Iterator<Item = &AdvisoryId> {
        std::iter::once(&self.id).chain(&self.aliases)
    }
}

/// The findings for one audited package version, most severe first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PackageFindings {
    pub target: AuditTarget,
    pub findings: Vec<Finding>,
}

impl PackageFindings {
    pub fn highest(&self) -> SeverityRating {
        self.findings
            .iter()
            .map(|finding| finding.severity.rating)
            .max()
            .unwrap_or_default()
    }
}

/// Why a package was not audited.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum NotAuditedReason {
    /// Declared with a range rather than an exact pin; `--resolve` would resolve it.
    Unpinned { specifier: String },
    /// Declared by URL or path, with no version to look up.
    NoVersion,
    /// The version is not PEP 440 and no advisory lists it by text; ranges cannot be applied.
    InvalidVersion { version: String },
    /// The online source did not answer for this package.
    SourceUnreachable { message: String },
}

/// A package that was not audited, and why.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct NotAudited {
    pub name: PackageName,
    pub reason: NotAuditedReason,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
}

/// The ignore rule that hid (or, expired, no longer hides) a finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IgnoreRuleRef {
    pub id: AdvisoryId,
    pub reason: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub until: Option<jiff::civil::Date>,
    pub until_fixed: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
}

/// A finding hidden by an ignore rule that is still in force.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IgnoredFinding {
    pub target: AuditTarget,
    pub finding: Finding,
    pub rule: IgnoreRuleRef,
}

/// What kind of advisory source was used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AdvisorySourceKind {
    /// A directory of OSV JSON or YAML files.
    Directory,
    /// An OSV zip archive of JSON records on disk.
    Zip,
    /// One OSV file.
    File,
    /// An OSV zip archive downloaded by `tend db update`.
    Download,
    /// The OSV API (`/v1/querybatch`).
    OsvApi,
    /// PyPI's per-release JSON (`vulnerabilities`).
    PypiJson,
}

/// One advisory source as the audit saw it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AdvisorySourceInfo {
    pub kind: AdvisorySourceKind,
    /// A path or a URL (credentials removed).
    pub location: String,
    /// Records read from the source (for online sources: records fetched for this run).
    pub records: usize,
    /// The newest `modified` time of any record.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub newest_modified: Option<Timestamp>,
    /// When the source was last read or downloaded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated: Option<Timestamp>,
}

/// Everything an audit found, ready for a renderer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditReport {
    /// When the audit ran (injected, so reports are reproducible in tests).
    pub generated: Timestamp,
    pub sources: Vec<AdvisorySourceInfo>,
    /// How many package versions were checked against the advisories.
    pub audited: usize,
    /// Affected package versions, by name then version.
    pub vulnerable: Vec<PackageFindings>,
    pub not_audited: Vec<NotAudited>,
    pub ignored: Vec<IgnoredFinding>,
    /// Bad records, a stale database, expired and unused ignore rules.
    pub diagnostics: Vec<Diagnostic>,
}

impl AuditReport {
    /// The most severe rating among the findings (ignored ones excluded).
    pub fn highest(&self) -> Option<SeverityRating> {
        self.vulnerable.iter().map(PackageFindings::highest).max()
    }

    pub fn finding_count(&self) -> usize {
        self.vulnerable
            .iter()
            .map(|package| package.findings.len())
            .sum()
    }

    /// The newest `modified` time over every source: how current the advisory data is.
    pub fn newest_modified(&self) -> Option<Timestamp> {
        self.sources
            .iter()
            .filter_map(|source| source.newest_modified)
            .max()
    }
}
