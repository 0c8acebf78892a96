//! The engine behind `tend check`: an [`Inventory`] in, findings out.
//!
//! Each check is one module and reads only plain data (the inventory and [`CheckOptions`]);
//! the only I/O is what a check is about: hashing installed files ([`CheckKind::Integrity`]) and
//! starting the environment's interpreter once ([`CheckKind::Imports`]). Every finding is a
//! [`Diagnostic`] with a stable [`Code`](tend_model::Code), and the report lists them in one
//! deterministic order so that two runs on the same environment print the same thing.
//!
//! - [`CheckKind::Requirements`]: exactly what `pip check` (pip 23.2) reports.
//! - [`CheckKind::Drift`]: `==` pins that differ from the installed version, declared packages
//!   that are not installed.
//! - [`CheckKind::Pins`]: unpinned and loosely pinned requirements in production files. In
//!   development files ranges and lower bounds are fine; a requirement with no version at all
//!   is still reported, as a note. URLs count as pinned only with a hash or a VCS commit id;
//!   local paths are the service's own code and are not reported.
//! - [`CheckKind::Integrity`]: every file a RECORD lists, hashed and compared.
//! - [`CheckKind::Imports`]: critical modules imported in one interpreter start.
//! - [`CheckKind::Rules`]: installed versions outside the policy's version rules.
//!
//! The detailed rules each check follows (what counts as pinned, which markers are evaluated
//! how, what is a note and what an error) are documented at the top of that check's module.
//! When the environment's marker values are unknown, a marker that the Python version alone
//! cannot decide is assumed true and the finding carries a note saying so.

mod drift;
mod imports;
mod integrity;
mod markers;
mod pins;
mod record;
mod requirements;
mod rules;

use std::collections::BTreeSet;
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tend_model::{Diagnostic, Inventory, Location, PackageName, VersionSpecifiers};

use crate::markers::MarkerContext;

/// One of the checks `tend check` runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CheckKind {
    /// Unmet and conflicting requirements of installed distributions (`pip check`).
    Requirements,
    /// Declared pins that differ from what is installed; declared but not installed.
    Drift,
    /// Unpinned or loosely pinned requirements in production files.
    Pins,
    /// Installed files compared with the hashes and sizes in their RECORD.
    Integrity,
    /// Critical modules imported by the environment's interpreter.
    Imports,
    /// Installed versions compared with the policy's version rules.
    Rules,
}

impl CheckKind {
    pub const ALL: &'static [Self] = &[
        Self::Requirements,
        Self::Drift,
        Self::Pins,
        Self::Integrity,
        Self::Imports,
        Self::Rules,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Requirements => "requirements",
            Self::Drift => "drift",
            Self::Pins => "pins",
            Self::Integrity => "integrity",
            Self::Imports => "imports",
            Self::Rules => "rules",
        }
    }
}

impl fmt::Display for CheckKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A module whose import must succeed, and where the config lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CriticalImport {
    pub module: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
}

impl CriticalImport {
    pub fn new(module: impl Into<String>) -> Self {
        Self {
            module: module.into(),
            location: None,
        }
    }
}

/// The versions of a package the policy accepts, and where the config says so.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VersionRule {
    pub package: PackageName,
    #[serde(serialize_with = "serialize_display")]
    pub specifier: VersionSpecifiers,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
}

fn serialize_display<T: fmt::Display, S: serde::Serializer>(
    value: &T,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.collect_str(value)
}

/// What to check and the inputs from the config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckOptions {
    /// The checks to run; all of them by default.
    pub select: BTreeSet<CheckKind>,
    /// Requirement sources whose requirements must be pinned exactly.
    pub production_files: Vec<PathBuf>,
    /// Requirement sources where ranges are fine (see the `pins` rules).
    pub development_files: Vec<PathBuf>,
    pub critical_imports: Vec<CriticalImport>,
    pub version_rules: Vec<VersionRule>,
    /// How long the interpreter may take to import every critical module.
    pub import_timeout: Duration,
}

impl Default for CheckOptions {
    fn default() -> Self {
        Self {
            select: CheckKind::ALL.iter().copied().collect(),
            production_files: Vec::new(),
            development_files: Vec::new(),
            critical_imports: Vec::new(),
            version_rules: Vec::new(),
            import_timeout: Duration::from_secs(60),
        }
    }
}

/// How much each check looked at, so that "no findings" can be told apart from "nothing checked".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CheckSummary {
    /// The checks that ran.
    pub checks: BTreeSet<CheckKind>,
    /// Installed distributions whose requirements were checked.
    pub distributions_checked: usize,
    /// `Requires-Dist` entries that applied to the environment and were checked.
    pub requirements_checked: usize,
    /// Declarations compared with the environment (drift) or with their file's pin policy.
    pub declarations_checked: usize,
    /// RECORD files read.
    pub records_read: usize,
    /// Files hashed and compared with their RECORD entry.
    pub files_hashed: usize,
    /// RECORD rows without a hash (the RECORD itself, `.pyc` files written at install time).
    pub files_without_hash: usize,
    /// Distributions without a RECORD to verify (egg-info, egg-link, RECORD missing).
    pub distributions_unverifiable: usize,
    /// Critical imports attempted.
    pub imports_tried: usize,
    /// Version rules compared with the environment.
    pub rules_checked: usize,
}

/// The findings of one `check`, sorted, and how much was looked at.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CheckReport {
    pub findings: Vec<Diagnostic>,
    pub summary: CheckSummary,
}

/// Runs the selected checks on `inventory`.
///
/// Never fails: a problem that stops one check (an unreadable RECORD, an interpreter that
/// does not start) becomes a finding and the other checks carry on.
pub fn check(inventory: &Inventory, options: &CheckOptions) -> CheckReport {
    let mut report = CheckReport::default();
    let environment = inventory.environment.as_ref();
    let markers = MarkerContext::new(environment);
    for &kind in &options.select {
        report.summary.checks.insert(kind);
        match kind {
            CheckKind::Requirements => {
                if let Some(environment) = environment {
                    requirements::check(environment, &markers, &mut report);
                }
            }
            CheckKind::Drift => {
                if let Some(environment) = environment {
                    drift::check(environment, &inventory.declarations, &markers, &mut report);
                }
            }
            CheckKind::Pins => pins::check(&inventory.declarations, options, &mut report),
            CheckKind::Integrity => {
                if let Some(environment) = environment {
                    integrity::check(environment, &mut report);
                }
            }
            CheckKind::Imports => {
                imports::check(
                    environment,
                    &options.critical_imports,
                    options.import_timeout,
                    &mut report,
                );
            }
            CheckKind::Rules => {
                rules::check(environment, &options.version_rules, &mut report);
            }
        }
    }
    report.findings.sort();
    report
}
