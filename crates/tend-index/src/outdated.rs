//! The comparison behind `tend outdated`: what runs now against what the index offers, by the
//! rules of the run (strategy, pre-releases, Requires-Python, minimum age).
//! OWNER: helper "outdated-compare".

use jiff::{SignedDuration, Timestamp};
use pep440_rs::Version;
use pep508_rs::PackageName;
use tend_model::{CurrentOrigin, DistVersion, Inventory, OutdatedReport, Strategy};

use crate::client::ProjectAnswer;

/// The rules of one comparison.
#[derive(Debug, Clone)]
pub struct OutdatedOptions {
    pub strategy: Strategy,
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
}

/// The packages of an inventory to compare: every installed distribution (the installed
/// version), then every declared package that is not installed (its exact pin, or no
/// version), by name. Each name once.
pub fn subjects(inventory: &Inventory) -> Vec<Subject> {
    let _ = inventory;
    unimplemented!("outdated-compare helper")
}

/// Compares every subject with its index answers (matched by name; a subject with no
/// answer is not checked). Subjects with a direct URL need no answer.
pub fn compare(
    subjects: &[Subject],
    answers: &[ProjectAnswer],
    options: &OutdatedOptions,
) -> OutdatedReport {
    let _ = (subjects, answers, options);
    unimplemented!("outdated-compare helper")
}
