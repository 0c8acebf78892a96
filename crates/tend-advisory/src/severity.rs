//! Placeholder: filled in by the issue-4 work on `severity` (CVSS scoring). The signature is
//! the contract; the body is a stand-in until then.

use tend_model::AdvisorySeverity;

/// One OSV `severity[]` entry: `type` (`CVSS_V3`, `CVSS_V4`, …) and `score` (the vector).
#[derive(Debug, Clone, Copy)]
pub struct SeverityEntry<'a> {
    pub kind: &'a str,
    pub score: &'a str,
}

/// The severity of a record from its `severity[]` entries and, when there is no usable
/// vector, the database's own rating (`database_specific.severity`, e.g. `"HIGH"`).
pub fn assess_severity(
    entries: &[SeverityEntry<'_>],
    database_rating: Option<&str>,
) -> AdvisorySeverity {
    let _ = (entries, database_rating);
    AdvisorySeverity::unknown()
}
