//! The audit report as plain-text tables for a terminal.

use std::fmt::Write as _;

use tend_model::jiff::Timestamp;
use tend_model::AuditReport;

use super::{
    age_text, date, finding_notes, fix_text, ordered, origin_text, place, reason_text,
    severity_text, source_is_path, source_kind_text, truncate, until_text, AuditSummary,
};
use crate::{check_table, DisplayOptions, Table};

/// How many characters of an advisory's summary (or a rule's reason) fit in a table cell.
const SUMMARY_WIDTH: usize = 50;
/// How many characters of an online source's error fit in a table cell.
const MESSAGE_WIDTH: usize = 80;

/// The audit report for people: findings grouped by package (packages by name, most severe
/// first within one), then ignored findings, packages not audited, diagnostics, the advisory
/// sources with the data's age, and a one-line count.
pub fn audit_table(report: &AuditReport, now: Timestamp, options: &DisplayOptions) -> String {
    let summary = AuditSummary::new(report, now);
    let report = ordered(report);
    let mut sections: Vec<String> = Vec::new();

    if report
        .vulnerable
        .iter()
        .any(|package| !package.findings.is_empty())
    {
        let mut table = Table::new([
            "Package", "Version", "From", "ID", "Aliases", "Severity", "Fix", "Summary",
        ]);
        for package in &report.vulnerable {
            for (index, finding) in package.findings.iter().enumerate() {
                // The package is named once, on its most severe finding.
                let (name, version, origin) = if index == 0 {
                    (
                        package.target.name.to_string(),
                        package.target.version.to_string(),
                        origin_text(&package.target.origin, options),
                    )
                } else {
                    Default::default()
                };
                let aliases: Vec<String> =
                    finding.aliases.iter().map(ToString::to_string).collect();
                let mut text = finding
                    .summary
                    .as_deref()
                    .map(|summary| truncate(summary, SUMMARY_WIDTH))
                    .unwrap_or_default();
                for note in finding_notes(finding, &package.target.version, options) {
                    if !text.is_empty() {
                        text.push('\n');
                    }
                    text.push_str(&note);
                }
                table.push([
                    name,
                    version,
                    origin,
                    finding.id.to_string(),
                    aliases.join("\n"),
                    severity_text(&finding.severity),
                    fix_text(&finding.fix),
                    text,
                ]);
            }
        }
        sections.push(format!("Vulnerabilities\n{}", table.render()));
    }

    if !report.ignored.is_empty() {
        let mut table = Table::new([
            "ID", "Package", "Version", "Severity", "Reason", "Owner", "Until",
        ]);
        for ignored in &report.ignored {
            let mut id = ignored.finding.id.to_string();
            if ignored.rule.id != ignored.finding.id {
                let _ = write!(id, "\n(rule: {})", ignored.rule.id);
            }
            let mut reason = truncate(&ignored.rule.reason, SUMMARY_WIDTH);
            if let Some(location) = &ignored.rule.location {
                let _ = write!(reason, "\nat {}", place(location, options));
            }
            table.push([
                id,
                ignored.target.name.to_string(),
                ignored.target.version.to_string(),
                severity_text(&ignored.finding.severity),
                reason,
                ignored
                    .rule
                    .owner
                    .clone()
                    .unwrap_or_else(|| "-".to_string()),
                until_text(&ignored.rule),
            ]);
        }
        sections.push(format!("Ignored\n{}", table.render()));
    }

    if !report.not_audited.is_empty() {
        let mut table = Table::new(["Package", "Reason", "Declared at"]);
        for package in &report.not_audited {
            table.push([
                package.name.to_string(),
                reason_text(&package.reason, Some(MESSAGE_WIDTH)),
                package
                    .location
                    .as_ref()
                    .map_or_else(|| "-".to_string(), |location| place(location, options)),
            ]);
        }
        sections.push(format!("Not audited\n{}", table.render()));
    }

    if !report.diagnostics.is_empty() {
        sections.push(format!(
            "Diagnostics\n{}",
            check_table(&report.diagnostics, options)
        ));
    }

    let mut footer = String::from("Advisory data\n");
    if !report.sources.is_empty() {
        let mut table = Table::new(["Source", "Location", "Records", "Newest record", "Read"]);
        for source in &report.sources {
            let location = if source_is_path(source.kind) {
                options.path(std::path::Path::new(&source.location))
            } else {
                source.location.clone()
            };
            table.push([
                source_kind_text(source.kind).to_string(),
                location,
                source.records.to_string(),
                source
                    .newest_modified
                    .map_or_else(|| "-".to_string(), |time| date(time).to_string()),
                source
                    .updated
                    .map_or_else(|| "-".to_string(), |time| date(time).to_string()),
            ]);
        }
        footer.push_str(&table.render());
    }
    let _ = writeln!(footer, "{}", age_text(&summary));
    sections.push(footer);

    let mut out = sections.join("\n");
    let _ = writeln!(out, "\n{}", summary.message);
    out
}
