//! The outdated report as a table, JSON (schema_version 1, docs/json-schema.md) and Markdown.
//! OWNER: helper "outdated-report".

use tend_model::jiff::Timestamp;
use tend_model::OutdatedReport;

use crate::DisplayOptions;

/// The report for a terminal: outdated packages first, then unknown and not-checked ones, and
/// the rules and data age in a footer.
pub fn outdated_table(report: &OutdatedReport, now: Timestamp, options: &DisplayOptions) -> String {
    let _ = (report, now, options);
    unimplemented!("outdated-report helper")
}

/// The JSON document (`"kind": "outdated"`).
pub fn outdated_json(report: &OutdatedReport) -> serde_json::Value {
    let _ = report;
    unimplemented!("outdated-report helper")
}

/// [`outdated_json`] as pretty text with a final newline.
pub fn outdated_json_text(report: &OutdatedReport) -> String {
    let _ = report;
    unimplemented!("outdated-report helper")
}

/// A Markdown section for a pull request or a report.
pub fn outdated_markdown(
    report: &OutdatedReport,
    now: Timestamp,
    options: &DisplayOptions,
) -> String {
    let _ = (report, now, options);
    unimplemented!("outdated-report helper")
}
