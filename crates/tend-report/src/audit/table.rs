//! The audit report as plain-text tables for a terminal.

use std::fmt::Write as _;

use std::cmp::Reverse;

use tend_model::jiff::Timestamp;
use tend_model::{AuditReport, Diagnostic, Finding, IgnoredFinding, NotAudited, PackageFindings};

use super::{
    age_text, date, finding_notes, fix_text, origin_text, place, reason_text, score, severity_text,
    source_is_path, source_kind_text, truncate, until_text, AuditSummary,
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
    let report = Ordered::new(report);
    // Sections are written straight into the output: a large audit's tables are not copied.
    let mut out = String::new();

    if report
        .vulnerable
        .iter()
        .any(|(_, findings)| !findings.is_empty())
    {
        let mut table = Table::new([
            "Package", "Version", "From", "ID", "Aliases", "Severity", "Fix", "Summary",
        ]);
        for (package, findings) in &report.vulnerable {
            for (index, finding) in findings.iter().enumerate() {
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
                let mut aliases = String::new();
                for alias in &finding.aliases {
                    if !aliases.is_empty() {
                        aliases.push('\n');
                    }
                    let _ = write!(aliases, "{alias}");
                }
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
                    aliases,
                    severity_text(&finding.severity),
                    fix_text(&finding.fix),
                    text,
                ]);
            }
        }
        section(&mut out, "Vulnerabilities");
        table.render_into(&mut out);
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
        section(&mut out, "Ignored");
        table.render_into(&mut out);
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
        section(&mut out, "Not audited");
        table.render_into(&mut out);
    }

    if !report.diagnostics.is_empty() {
        section(&mut out, "Diagnostics");
        out.push_str(&check_table(&report.diagnostics, options));
    }

    section(&mut out, "Advisory data");
    if !report.sources.is_empty() {
        let mut table = Table::new(["Source", "Location", "Records", "Newest record", "Read"]);
        for source in report.sources {
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
        table.render_into(&mut out);
    }
    let _ = writeln!(out, "{}", age_text(&summary));
    let _ = writeln!(out, "\n{}", summary.message);
    out
}

/// Starts a section: its title, after a blank line unless it is the first.
fn section(out: &mut String, title: &str) {
    if !out.is_empty() {
        out.push('\n');
    }
    out.push_str(title);
    out.push('\n');
}

/// The report in the order the tables show it, borrowed: packages by target, findings most
/// severe first (then by score and id), ignored findings by target and id, packages not
/// audited sorted, diagnostics most severe first. The same order as `super::ordered`, without
/// copying every finding of a large audit.
struct Ordered<'a> {
    vulnerable: Vec<(&'a PackageFindings, Vec<&'a Finding>)>,
    ignored: Vec<&'a IgnoredFinding>,
    not_audited: Vec<&'a NotAudited>,
    diagnostics: Vec<Diagnostic>,
    sources: &'a [tend_model::AdvisorySourceInfo],
}

impl<'a> Ordered<'a> {
    fn new(report: &'a AuditReport) -> Self {
        let mut vulnerable: Vec<(&PackageFindings, Vec<&Finding>)> = report
            .vulnerable
            .iter()
            .map(|package| {
                let mut findings: Vec<&Finding> = package.findings.iter().collect();
                findings.sort_by(|a, b| {
                    b.severity
                        .rating
                        .cmp(&a.severity.rating)
                        .then_with(|| score(b).total_cmp(&score(a)))
                        .then_with(|| a.id.cmp(&b.id))
                });
                (package, findings)
            })
            .collect();
        vulnerable.sort_by(|(a, _), (b, _)| a.target.cmp(&b.target));
        let mut not_audited: Vec<&NotAudited> = report.not_audited.iter().collect();
        not_audited.sort();
        let mut ignored: Vec<&IgnoredFinding> = report.ignored.iter().collect();
        ignored.sort_by(|a, b| {
            a.target
                .cmp(&b.target)
                .then_with(|| a.finding.id.cmp(&b.finding.id))
        });
        let mut diagnostics = report.diagnostics.clone();
        diagnostics.sort_by(|a, b| {
            Reverse(a.severity)
                .cmp(&Reverse(b.severity))
                .then_with(|| a.cmp(b))
        });
        Self {
            vulnerable,
            ignored,
            not_audited,
            diagnostics,
            sources: &report.sources,
        }
    }
}
