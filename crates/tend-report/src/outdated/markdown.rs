//! The outdated report as Markdown, to paste into a pull request or a periodic report.

use std::fmt::Write as _;

use tend_model::jiff::tz::TimeZone;
use tend_model::jiff::Timestamp;
use tend_model::{OutdatedReport, ReleaseInfo};

use super::{
    allowed_text, current_text, data_text, indexes_text, minute, origin_text, origins_vary,
    reason_text, release_age, rules, skipped_text, strategy_holds_back, Ordered, OutdatedSummary,
    UNKNOWN_ADVICE,
};
use crate::markdown::{cell, message_with_notes, row, rule};
use crate::DisplayOptions;

/// The report in GitHub-flavoured Markdown: a heading and the summary line, the outdated
/// packages with their change type and release dates, yanked current releases, packages
/// without a version, packages no index knows, packages not compared, other diagnostics, and
/// the rules with the index data's age. Messages are given in full, escaped for table cells.
pub fn outdated_markdown(
    report: &OutdatedReport,
    now: Timestamp,
    options: &DisplayOptions,
) -> String {
    let summary = OutdatedSummary::new(report);
    let ordered = Ordered::new(report);
    let mut out = String::from("# Outdated packages\n\n");
    let _ = writeln!(out, "**{}**\n", cell(&summary.message));

    if summary.outdated > 0 {
        let show_origin = origins_vary(ordered.outdated().map(|package| &package.origin));
        let show_allowed = strategy_holds_back(&ordered);
        let show_index = report.settings.indexes.len() > 1;
        let mut header = vec!["Package", "Current", "Latest"];
        if show_allowed {
            header.push("Allowed");
        }
        header.extend(["Change", "Behind", "Current released", "Latest released"]);
        if show_index {
            header.push("Index");
        }
        out.push_str("## Outdated\n\n");
        row(&mut out, &header);
        rule(&mut out, header.len());
        for package in ordered.outdated() {
            let mut current = current_text(package.current.as_ref());
            if show_origin {
                let _ = write!(current, " ({})", origin_text(&package.origin, options));
            }
            let mut cells = vec![
                cell(package.name.as_ref()),
                cell(&current),
                cell(
                    &package
                        .latest
                        .as_ref()
                        .map_or_else(|| "-".to_string(), |release| release.version.to_string()),
                ),
            ];
            if show_allowed {
                cells.push(cell(&allowed_text(package)));
            }
            cells.push(
                package
                    .change
                    .map_or("-", tend_model::ChangeKind::as_str)
                    .to_string(),
            );
            cells.push(package.behind.to_string());
            cells.push(if package.current_release.is_some() {
                released(package.current_release.as_ref(), now)
            } else {
                "not listed".to_string()
            });
            cells.push(released(package.latest.as_ref(), now));
            if show_index {
                cells.push(cell(&package.index));
            }
            let cells: Vec<&str> = cells.iter().map(String::as_str).collect();
            row(&mut out, &cells);
        }
        out.push('\n');
        if summary.up_to_date > 0 {
            let _ = writeln!(
                out,
                "{} other {} up to date.\n",
                summary.up_to_date,
                if summary.up_to_date == 1 {
                    "package is"
                } else {
                    "packages are"
                }
            );
        }
    }
    if let Some(skipped) = skipped_text(&summary.skipped, &report.settings) {
        let _ = writeln!(out, "Newer releases skipped: {}.\n", cell(&skipped));
    }

    if summary.yanked > 0 {
        out.push_str("## Yanked current releases\n\n");
        row(&mut out, &["Package", "Version", "Yank reason", "Allowed"]);
        rule(&mut out, 4);
        for package in ordered.yanked() {
            row(
                &mut out,
                &[
                    &cell(package.name.as_ref()),
                    &cell(
                        &package
                            .current
                            .as_ref()
                            .map_or_else(String::new, ToString::to_string),
                    ),
                    &cell(
                        package
                            .current_release
                            .as_ref()
                            .and_then(|release| release.yank_reason.as_deref())
                            .unwrap_or_default(),
                    ),
                    &cell(&allowed_text(package)),
                ],
            );
        }
        out.push('\n');
    }

    if summary.without_version > 0 {
        out.push_str("## Not installed, no pinned version\n\n");
        row(
            &mut out,
            &["Package", "Declared at", "Latest", "Latest released"],
        );
        rule(&mut out, 4);
        for package in ordered.without_version() {
            row(
                &mut out,
                &[
                    &cell(package.name.as_ref()),
                    &cell(&origin_text(&package.origin, options)),
                    &cell(
                        &package
                            .latest
                            .as_ref()
                            .map_or_else(String::new, |release| release.version.to_string()),
                    ),
                    &released(package.latest.as_ref(), now),
                ],
            );
        }
        out.push('\n');
    }

    if summary.unknown > 0 {
        out.push_str("## Unknown to the index\n\n");
        let _ = writeln!(out, "{UNKNOWN_ADVICE}\n");
        row(&mut out, &["Package", "Current", "From", "Indexes asked"]);
        rule(&mut out, 4);
        for package in &ordered.unknown {
            row(
                &mut out,
                &[
                    &cell(package.name.as_ref()),
                    &cell(
                        &package
                            .current
                            .as_ref()
                            .map_or_else(String::new, ToString::to_string),
                    ),
                    &cell(&origin_text(&package.origin, options)),
                    &cell(&package.indexes.join(", ")),
                ],
            );
        }
        out.push('\n');
    }

    if summary.not_checked > 0 {
        out.push_str("## Not checked\n\n");
        row(&mut out, &["Package", "Current", "Reason"]);
        rule(&mut out, 3);
        for package in &ordered.not_checked {
            row(
                &mut out,
                &[
                    &cell(package.name.as_ref()),
                    &cell(
                        &package
                            .current
                            .as_ref()
                            .map_or_else(String::new, ToString::to_string),
                    ),
                    &cell(&reason_text(&package.reason, None)),
                ],
            );
        }
        out.push('\n');
    }

    let diagnostics = ordered.other_diagnostics();
    if !diagnostics.is_empty() {
        out.push_str("## Diagnostics\n\n");
        row(&mut out, &["Severity", "Code", "Package", "Message"]);
        rule(&mut out, 4);
        for diagnostic in &diagnostics {
            let message = message_with_notes(diagnostic);
            row(
                &mut out,
                &[
                    &cell(&diagnostic.severity.to_string()),
                    &cell(diagnostic.code.as_str()),
                    &cell(diagnostic.package.as_ref().map_or("", AsRef::as_ref)),
                    &cell(&message),
                ],
            );
        }
        out.push('\n');
    }

    out.push_str("## Rules\n\n");
    for rule in rules(&report.settings) {
        let _ = writeln!(out, "- {}", cell(&capitalised(&rule)));
    }
    let _ = writeln!(out, "- {}", cell(&indexes_text(&report.settings)));
    let _ = writeln!(
        out,
        "\n{}. Report generated {}.",
        cell(&data_text(report, now)),
        minute(report.generated)
    );
    out
}

/// `2023-03-01 (2y 3mo)`: the upload date and how long ago it was; `-` when not given.
fn released(release: Option<&ReleaseInfo>, now: Timestamp) -> String {
    match release.and_then(|release| release.uploaded) {
        Some(uploaded) => format!(
            "{} ({})",
            uploaded.to_zoned_datetime(TimeZone::UTC).date(),
            release_age(release, now)
        ),
        None => "-".to_string(),
    }
}

fn capitalised(text: &str) -> String {
    let mut characters = text.chars();
    match characters.next() {
        Some(first) => first.to_uppercase().chain(characters).collect(),
        None => String::new(),
    }
}
