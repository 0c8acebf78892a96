//! The audit report as a versioned JSON document (`kind: "audit"`), described in
//! `docs/json-schema.md`.

use serde::Serialize;
use tend_model::jiff::Timestamp;
use tend_model::{
    AdvisorySourceInfo, AuditReport, Diagnostic, IgnoredFinding, NotAudited, PackageFindings,
};

use super::{ordered, AuditSummary};
use crate::SCHEMA_VERSION;

#[derive(Serialize)]
struct AuditDocument<'a> {
    schema_version: u32,
    kind: &'static str,
    generated: Timestamp,
    summary: AuditSummary,
    sources: &'a [AdvisorySourceInfo],
    audited: usize,
    vulnerable: &'a [PackageFindings],
    not_audited: &'a [NotAudited],
    ignored: &'a [IgnoredFinding],
    diagnostics: &'a [Diagnostic],
}

/// The whole audit report with its computed summary; `now` dates the database's age.
pub fn audit_json(report: &AuditReport, now: Timestamp) -> serde_json::Value {
    with_document(report, now, |document| {
        serde_json::to_value(document).unwrap_or_default()
    })
}

/// [`audit_json`] as pretty-printed text with a final newline, written straight from the
/// report: the same bytes, without building a `serde_json::Value` tree first (a large audit
/// spends more time in that tree than in matching).
pub fn audit_json_text(report: &AuditReport, now: Timestamp) -> String {
    with_document(report, now, |document| {
        let mut text = serde_json::to_string_pretty(document).unwrap_or_default();
        text.push('\n');
        text
    })
}

fn with_document<R>(
    report: &AuditReport,
    now: Timestamp,
    render: impl FnOnce(&AuditDocument<'_>) -> R,
) -> R {
    let summary = AuditSummary::new(report, now);
    let report = ordered(report);
    render(&AuditDocument {
        schema_version: SCHEMA_VERSION,
        kind: "audit",
        generated: report.generated,
        summary,
        sources: &report.sources,
        audited: report.audited,
        vulnerable: &report.vulnerable,
        not_audited: &report.not_audited,
        ignored: &report.ignored,
        diagnostics: &report.diagnostics,
    })
}
