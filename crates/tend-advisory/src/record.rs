//! The advisory as tend keeps it: an OSV record reduced to what matching, reports and plans
//! use, with names normalised, versions parsed, and only the `PyPI` ecosystem kept.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use tend_model::{AdvisoryId, AdvisorySeverity, DistVersion, PackageName};

/// One advisory record (one OSV file or archive entry).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Advisory {
    pub id: AdvisoryId,
    /// The record's `aliases` (other ids of the same vulnerability), as published.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<AdvisoryId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<Timestamp>,
    pub modified: Timestamp,
    /// Set on withdrawn records; they are kept in the database but never matched.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub withdrawn: Option<Timestamp>,
    /// The record-level severity, already scored (see `severity.rs`).
    pub severity: AdvisorySeverity,
    /// The `PyPI` entries of `affected`; entries of other ecosystems are dropped on reading.
    pub affected: Vec<Affected>,
    /// A link for people: the first `ADVISORY` reference, else the first `WEB` one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

impl Advisory {
    pub fn is_withdrawn(&self) -> bool {
        self.withdrawn.is_some()
    }

    /// Every id the record is known by: its own and its aliases.
    pub fn ids(&self) -> impl Iterator<Item = &AdvisoryId> {
        std::iter::once(&self.id).chain(&self.aliases)
    }
}

/// One `affected[]` entry for a `PyPI` package.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Affected {
    pub package: PackageName,
    /// `ECOSYSTEM` ranges; `GIT` and `SEMVER` ranges are dropped on reading (PEP 440 is the
    /// only ordering that applies to PyPI versions).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ranges: Vec<Range>,
    /// The explicit `versions` list, each kept as published when it is not PEP 440.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub versions: Vec<DistVersion>,
    /// `affected[].severity` or `affected[].ecosystem_specific.severity` overriding the record's,
    /// when present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<AdvisorySeverity>,
}

/// One `ECOSYSTEM` range: its events, in the order the record gives them (matching sorts them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Range {
    pub events: Vec<Event>,
}

/// One range event. `introduced: "0"` is [`Event::Introduced`] with [`Bound::Zero`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    Introduced(Bound),
    Fixed(Bound),
    LastAffected(Bound),
    Limit(Bound),
}

/// The version of an event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Bound {
    /// OSV's `"0"`: before every version.
    Zero,
    /// A version; when it is not PEP 440 the event cannot be ordered and matching reports it.
    Version(DistVersion),
}
