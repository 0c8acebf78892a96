//! The audit report as Markdown, to paste into a ticket or a pull request.

use std::fmt::Write as _;

use tend_model::jiff::Timestamp;
use tend_model::AuditReport;

use super::{
    age_text, date, finding_notes, fix_text, minute, ordered, origin_text, place, reason_text,
    severity_text, source_is_path, source_kind_text, until_text, AuditSummary,
};
use crate::markdown::{cell, message_with_notes, row};
use crate::DisplayOptions;

/// The audit report in GitHub-flavoured Markdown: a heading, the summary line, one table of
/// findings (packages by name, most severe first), ignored findings, packages not audited,
/// diagnostics and the advisory sources. Summaries are given in full, escaped for table cells.
pub fn audit_markdown(report: &AuditReport, now: Timestamp, options: &DisplayOptions) -> String {
    let summary = AuditSummary::new(report, now);
    let report = ordered(report);
    let mut out = String::from("# Audit report\n\n");
    let _ = writeln!(out, "**{}**\n", cell(&summary.message));

    if report
        .vulnerable
        .iter()
        .any(|package| !package.findings.is_empty())
    {
        out.push_str("## Vulnerabilities\n\n");
        row(
            &mut out,
            &[
                "Package", "Version", "ID", "Aliases", "Severity", "Fix", "Summary",
            ],
        );
        out.push_str("|---|---|---|---|---|---|---|\n");
        for package in &report.vulnerable {
            let version = format!(
                "{} ({})",
                package.target.version,
                origin_text(&package.target.origin, options)
            );
            for finding in &package.findings {
                let id = match &finding.url {
                    Some(url) => format!("[{}]({})", finding.id, link(url)),
                    None => finding.id.to_string(),
                };
                let aliases: Vec<String> =
                    finding.aliases.iter().map(ToString::to_string).collect();
                let mut text: Vec<String> = finding.summary.iter().cloned().collect();
                text.extend(finding_notes(finding, &package.target.version, options));
                row(
                    &mut out,
                    &[
                        &cell(package.target.name.as_ref()),
                        &cell(&version),
                        &id,
                        &cell(&aliases.join(", ")),
                        &cell(&severity_text(&finding.severity)),
                        &cell(&fix_text(&finding.fix)),
                        &cell(&text.join(" — ")),
                    ],
                );
            }
        }
        out.push('\n');
    }

    if !report.ignored.is_empty() {
        out.push_str("## Ignored\n\n");
        row(
            &mut out,
            &[
                "ID", "Package", "Version", "Severity", "Reason", "Owner", "Until", "Rule",
            ],
        );
        out.push_str("|---|---|---|---|---|---|---|---|\n");
        for ignored in &report.ignored {
            let mut rule = ignored
                .rule
                .location
                .as_ref()
                .map_or_else(|| "-".to_string(), |location| place(location, options));
            if ignored.rule.id != ignored.finding.id {
                let _ = write!(rule, " (as {})", ignored.rule.id);
            }
            row(
                &mut out,
                &[
                    &cell(ignored.finding.id.as_str()),
                    &cell(ignored.target.name.as_ref()),
                    &cell(&ignored.target.version.to_string()),
                    &cell(&severity_text(&ignored.finding.severity)),
                    &cell(&ignored.rule.reason),
                    &cell(ignored.rule.owner.as_deref().unwrap_or("-")),
                    &cell(&until_text(&ignored.rule)),
                    &cell(&rule),
                ],
            );
        }
        out.push('\n');
    }

    if !report.not_audited.is_empty() {
        out.push_str("## Not audited\n\n");
        row(&mut out, &["Package", "Reason", "Declared at"]);
        out.push_str("|---|---|---|\n");
        for package in &report.not_audited {
            row(
                &mut out,
                &[
                    &cell(package.name.as_ref()),
                    &cell(&reason_text(&package.reason, None)),
                    &cell(
                        &package
                            .location
                            .as_ref()
                            .map_or_else(|| "-".to_string(), |location| place(location, options)),
                    ),
                ],
            );
        }
        out.push('\n');
    }

    if !report.diagnostics.is_empty() {
        out.push_str("## Diagnostics\n\n");
        row(
            &mut out,
            &["Severity", "Code", "Package", "Message", "Location"],
        );
        out.push_str("|---|---|---|---|---|\n");
        for diagnostic in &report.diagnostics {
            let message = message_with_notes(diagnostic);
            row(
                &mut out,
                &[
                    &cell(&diagnostic.severity.to_string()),
                    &cell(diagnostic.code.as_str()),
                    &cell(diagnostic.package.as_ref().map_or("-", AsRef::as_ref)),
                    &cell(&message),
                    &cell(
                        &diagnostic
                            .location
                            .as_ref()
                            .map_or_else(|| "-".to_string(), |location| place(location, options)),
                    ),
                ],
            );
        }
        out.push('\n');
    }

    out.push_str("## Advisory data\n\n");
    if !report.sources.is_empty() {
        row(
            &mut out,
            &["Source", "Location", "Records", "Newest record", "Read"],
        );
        out.push_str("|---|---|---:|---|---|\n");
        for source in &report.sources {
            let location = if source_is_path(source.kind) {
                options.path(std::path::Path::new(&source.location))
            } else {
                source.location.clone()
            };
            row(
                &mut out,
                &[
                    source_kind_text(source.kind),
                    &cell(&location),
                    &source.records.to_string(),
                    &source
                        .newest_modified
                        .map_or_else(|| "-".to_string(), |time| date(time).to_string()),
                    &source
                        .updated
                        .map_or_else(|| "-".to_string(), |time| date(time).to_string()),
                ],
            );
        }
        out.push('\n');
    }
    let _ = writeln!(
        out,
        "{}. Report generated {}.",
        age_text(&summary),
        minute(report.generated)
    );
    out
}

/// A URL that cannot end the link early or break the table.
fn link(url: &str) -> String {
    url.trim()
        .replace(' ', "%20")
        .replace('(', "%28")
        .replace(')', "%29")
        .replace('|', "%7C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_cannot_end_early_or_break_the_table() {
        assert_eq!(
            link("https://example.invalid/a (b)|c"),
            "https://example.invalid/a%20%28b%29%7Cc"
        );
    }
}
