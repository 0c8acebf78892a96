//! The outdated report as plain-text tables for a terminal.

use std::fmt::Write as _;

use tend_model::jiff::Timestamp;
use tend_model::OutdatedReport;

use super::{
    allowed_text, allowed_update, current_text, data_text, indexes_text, origin_text, origins_vary,
    reason_text, release_age, rules, skipped_text, strategy_holds_back, Ordered, OutdatedSummary,
    UNKNOWN_ADVICE,
};
use crate::text::counted;
use crate::{check_table, DisplayOptions, Table};

/// How many characters of an index's error message fit in a table cell.
const MESSAGE_WIDTH: usize = 80;

/// The report for people: the outdated packages (by name) with their change, how far behind
/// and how old both releases are; how many are up to date and which newer releases the rules
/// skipped; yanked current releases, packages without a version, packages no index knows and
/// packages not compared; other diagnostics; the rules and the index data's age; and a
/// one-line count. An empty report is that one line.
pub fn outdated_table(report: &OutdatedReport, now: Timestamp, options: &DisplayOptions) -> String {
    let summary = OutdatedSummary::new(report);
    let ordered = Ordered::new(report);
    let diagnostics = ordered.other_diagnostics();
    let mut out = String::new();

    if summary.packages == 0 && summary.unknown == 0 && summary.not_checked == 0 {
        if !diagnostics.is_empty() {
            out.push_str(&check_table(&diagnostics, options));
            out.push('\n');
        }
        let _ = writeln!(out, "{}.", summary.message);
        return out;
    }

    if summary.outdated > 0 {
        section(&mut out, "Outdated");
        outdated_rows(&ordered, report, now, options).render_into(&mut out);
        if summary.up_to_date > 0 {
            let _ = writeln!(
                out,
                "{} up to date.",
                counted(summary.up_to_date, "package")
            );
        }
    }
    if let Some(skipped) = skipped_text(&summary.skipped, &report.settings) {
        let _ = writeln!(out, "Newer releases skipped: {skipped}.");
    }

    if summary.yanked > 0 {
        let mut table = Table::new(["Package", "Version", "Yank reason", "Allowed"]);
        for package in ordered.yanked() {
            let release = package.current_release.as_ref();
            table.push([
                package.name.to_string(),
                current_text(package.current.as_ref()),
                release
                    .and_then(|release| release.yank_reason.as_deref())
                    .map_or_else(|| "-".to_string(), super::one_line),
                allowed_text(package),
            ]);
        }
        section(&mut out, "Yanked current releases");
        table.render_into(&mut out);
    }

    if summary.without_version > 0 {
        let mut table = Table::new(["Package", "Declared at", "Latest", "Age"]);
        for package in ordered.without_version() {
            table.push([
                package.name.to_string(),
                origin_text(&package.origin, options),
                version_text(package.latest.as_ref()),
                release_age(package.latest.as_ref(), now),
            ]);
        }
        section(&mut out, "Not installed, no pinned version");
        table.render_into(&mut out);
    }

    if summary.unknown > 0 {
        let mut table = Table::new(["Package", "Current", "From", "Indexes asked"]);
        for package in &ordered.unknown {
            table.push([
                package.name.to_string(),
                current_text(package.current.as_ref()),
                origin_text(&package.origin, options),
                package.indexes.join("\n"),
            ]);
        }
        section(&mut out, "Unknown to the index");
        table.render_into(&mut out);
        let _ = writeln!(out, "{UNKNOWN_ADVICE}");
    }

    if summary.not_checked > 0 {
        let mut table = Table::new(["Package", "Current", "Reason"]);
        for package in &ordered.not_checked {
            table.push([
                package.name.to_string(),
                current_text(package.current.as_ref()),
                reason_text(&package.reason, Some(MESSAGE_WIDTH)),
            ]);
        }
        section(&mut out, "Not checked");
        table.render_into(&mut out);
    }

    if !diagnostics.is_empty() {
        section(&mut out, "Diagnostics");
        out.push_str(&check_table(&diagnostics, options));
    }

    out.push('\n');
    let _ = writeln!(out, "Rules: {}", rules(&report.settings).join(", "));
    let _ = writeln!(out, "{}", indexes_text(&report.settings));
    let _ = writeln!(out, "{}", data_text(report, now));
    let _ = writeln!(out, "\n{}", summary.message);
    out
}

/// The table of outdated packages. Columns that would say nothing are left out: where the
/// version came from when every one is installed, the allowed release when the strategy holds
/// nothing back, the index when there is one.
fn outdated_rows(
    ordered: &Ordered<'_>,
    report: &OutdatedReport,
    now: Timestamp,
    options: &DisplayOptions,
) -> Table {
    let show_origin = origins_vary(ordered.outdated().map(|package| &package.origin));
    let show_allowed = strategy_holds_back(ordered);
    let show_index = report.settings.indexes.len() > 1;
    let mut header = vec!["Package"];
    if show_origin {
        header.push("From");
    }
    header.extend(["Current", "Age", "Latest", "Age"]);
    if show_allowed {
        header.push("Allowed");
    }
    header.extend(["Change", "Behind"]);
    if show_index {
        header.push("Index");
    }
    let mut table = Table::new(header);
    for package in ordered.outdated() {
        let mut row = vec![package.name.to_string()];
        if show_origin {
            row.push(origin_text(&package.origin, options));
        }
        row.push(current_text(package.current.as_ref()));
        row.push(if package.current_release.is_some() {
            release_age(package.current_release.as_ref(), now)
        } else {
            // An installed build the index does not list (local, or deleted from the index).
            "not listed".to_string()
        });
        row.push(version_text(package.latest.as_ref()));
        row.push(release_age(package.latest.as_ref(), now));
        if show_allowed {
            row.push(
                allowed_update(package)
                    .map_or_else(|| "-".to_string(), |release| release.version.to_string()),
            );
        }
        row.push(
            package
                .change
                .map_or_else(|| "-".to_string(), |change| change.as_str().to_string()),
        );
        row.push(package.behind.to_string());
        if show_index {
            row.push(package.index.clone());
        }
        table.push(row);
    }
    table
}

fn version_text(release: Option<&tend_model::ReleaseInfo>) -> String {
    release.map_or_else(|| "-".to_string(), |release| release.version.to_string())
}

/// Starts a section: its title, after a blank line unless it is the first.
fn section(out: &mut String, title: &str) {
    if !out.is_empty() {
        out.push('\n');
    }
    out.push_str(title);
    out.push('\n');
}
