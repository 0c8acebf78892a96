//! The check's findings as Markdown, to paste into a ticket or a pull request.

use std::fmt::Write as _;

use tend_model::{Diagnostic, Severity};

use crate::markdown::{cell, message_with_notes, row, rule};
use crate::text::counted;
use crate::words::place;
use crate::DisplayOptions;

/// The findings in GitHub-flavoured Markdown: a heading, the count line of the table output,
/// one table of findings in the order the checks reported them (severity, kind, package,
/// message with its notes, file and line), then the problems met while reading the project
/// (`reading`: the inventory's diagnostics, which the table prints on standard error).
pub fn check_markdown(
    findings: &[Diagnostic],
    reading: &[Diagnostic],
    options: &DisplayOptions,
) -> String {
    let mut out = String::from("# Dependency check\n\n");
    if findings.is_empty() {
        out.push_str("**No problems found.**\n\n");
    } else {
        let count = |severity| {
            findings
                .iter()
                .filter(|finding| finding.severity == severity)
                .count()
        };
        let _ = writeln!(
            out,
            "**{}: {}, {}, {}**\n",
            counted(findings.len(), "problem"),
            counted(count(Severity::Error), "error"),
            counted(count(Severity::Warning), "warning"),
            counted(count(Severity::Note), "note")
        );
        out.push_str("## Findings\n\n");
        table(&mut out, findings, options);
    }
    if !reading.is_empty() {
        out.push_str("## Problems reading the project\n\n");
        table(&mut out, reading, options);
    }
    out
}

fn table(out: &mut String, diagnostics: &[Diagnostic], options: &DisplayOptions) {
    let header = ["Severity", "Kind", "Package", "Message", "Location"];
    row(out, &header);
    rule(out, header.len());
    for diagnostic in diagnostics {
        row(
            out,
            &[
                &cell(&diagnostic.severity.to_string()),
                &cell(diagnostic.code.as_str()),
                &cell(diagnostic.package.as_ref().map_or("-", AsRef::as_ref)),
                &cell(&message_with_notes(diagnostic)),
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
