use std::fmt;

use pep508_rs::PackageName;
use serde::Serialize;

use crate::Location;

/// How much a diagnostic matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Severity {
    Note,
    Warning,
    Error,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Note => "note",
            Self::Warning => "warning",
            Self::Error => "error",
        })
    }
}

/// A stable identifier for every kind of finding or problem tend reports.
///
/// Codes are part of the JSON schema and documented in `docs/diagnostics.md`; never rename one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Code {
    /// An installed distribution whose metadata could not be read; it is left out of the inventory.
    BrokenDistribution,
    /// A problem in a declaration source that did not stop the rest of it being read.
    SourceWarning,
    /// A dependency of an installed distribution is not installed (`pip check`: "which is not installed").
    MissingDependency,
    /// A dependency is installed in a version the dependent does not accept (`pip check`: "but you have").
    ConflictingDependency,
    /// A `==` pin differs from the installed version.
    Drift,
    /// Declared (and not only as a constraint) but not installed.
    NotInstalled,
    /// A production requirement with no upper bound or no version at all.
    Unpinned,
    /// A production requirement with a range (`~=`, `>=,<`, `==X.*`) instead of an exact pin.
    LoosePin,
    /// An installed file whose hash or size differs from its RECORD entry.
    ModifiedFile,
    /// An installed file listed in RECORD that is not on disk.
    MissingFile,
    /// A distribution without a RECORD, or with RECORD rows that cannot be checked.
    UnverifiableRecord,
    /// A critical import from the config failed.
    ImportFailed,
    /// An installed version outside a version rule from the config.
    VersionRule,
    /// An installed or pinned version affected by a known advisory.
    Vulnerable,
    /// A package that could not be audited (unpinned, invalid version, source unreachable).
    NotAudited,
    /// An advisory record that could not be read; the rest of the database still is.
    BadAdvisory,
    /// The advisory database is older than the policy allows.
    StaleDatabase,
    /// An ignore rule whose `until` date has passed: the finding it hid is reported again.
    IgnoreExpired,
    /// An ignore rule that matched no finding.
    IgnoreUnused,
    /// A package no configured index knows: a typo, or a name open to dependency confusion.
    UnknownPackage,
    /// The installed or pinned release has been yanked from its index (PEP 592).
    YankedRelease,
    /// An index did not answer usefully for a package; it was not compared.
    IndexError,
    /// An installed or pinned version that is not PEP 440: no release can be ordered against it.
    InvalidVersion,
}

impl Code {
    pub const ALL: &'static [Self] = &[
        Self::BrokenDistribution,
        Self::SourceWarning,
        Self::MissingDependency,
        Self::ConflictingDependency,
        Self::Drift,
        Self::NotInstalled,
        Self::Unpinned,
        Self::LoosePin,
        Self::ModifiedFile,
        Self::MissingFile,
        Self::UnverifiableRecord,
        Self::ImportFailed,
        Self::VersionRule,
        Self::Vulnerable,
        Self::NotAudited,
        Self::BadAdvisory,
        Self::StaleDatabase,
        Self::IgnoreExpired,
        Self::IgnoreUnused,
        Self::UnknownPackage,
        Self::YankedRelease,
        Self::IndexError,
        Self::InvalidVersion,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::BrokenDistribution => "broken-distribution",
            Self::SourceWarning => "source-warning",
            Self::MissingDependency => "missing-dependency",
            Self::ConflictingDependency => "conflicting-dependency",
            Self::Drift => "drift",
            Self::NotInstalled => "not-installed",
            Self::Unpinned => "unpinned",
            Self::LoosePin => "loose-pin",
            Self::ModifiedFile => "modified-file",
            Self::MissingFile => "missing-file",
            Self::UnverifiableRecord => "unverifiable-record",
            Self::ImportFailed => "import-failed",
            Self::VersionRule => "version-rule",
            Self::Vulnerable => "vulnerable",
            Self::NotAudited => "not-audited",
            Self::BadAdvisory => "bad-advisory",
            Self::StaleDatabase => "stale-database",
            Self::IgnoreExpired => "ignore-expired",
            Self::IgnoreUnused => "ignore-unused",
            Self::UnknownPackage => "unknown-package",
            Self::YankedRelease => "yanked-release",
            Self::IndexError => "index-error",
            Self::InvalidVersion => "invalid-version",
        }
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A finding or a non-fatal problem: a code, a severity, the package it concerns, a message
/// for people, and where it came from.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Diagnostic {
    pub code: Code,
    pub severity: Severity,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub package: Option<PackageName>,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl Diagnostic {
    pub fn new(code: Code, severity: Severity, message: impl Into<String>) -> Self {
        Self {
            code,
            severity,
            package: None,
            message: message.into(),
            location: None,
            notes: Vec::new(),
        }
    }

    #[must_use]
    pub fn with_package(mut self, package: PackageName) -> Self {
        self.package = Some(package);
        self
    }

    #[must_use]
    pub fn with_location(mut self, location: Location) -> Self {
        self.location = Some(location);
        self
    }

    #[must_use]
    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn codes_are_unique_and_match_serde() {
        let names: BTreeSet<_> = Code::ALL.iter().map(|code| code.as_str()).collect();
        assert_eq!(names.len(), Code::ALL.len());
        for code in Code::ALL {
            assert_eq!(serde_json::to_value(code).unwrap(), code.as_str());
        }
    }
}
