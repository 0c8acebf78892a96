//! The scan summary as Markdown, for a ticket or a pull request: the same stages and the same
//! rows as the terminal summary, as headed sections with tables, and the next step.

use std::fmt::Write as _;

use tend_model::jiff::Timestamp;
use tend_model::{Diagnostic, Inventory};

use super::{
    advisory_data_line, audit_rows, index_data_line, outdated_rows, AuditStage, OutdatedStage,
    PlanOverview, PlanStage, ScanSummary, LISTED, OUTDATED_LISTED,
};
use crate::markdown::{cell, message_with_notes, row, rule};
use crate::text::{counted, describe_environment};
use crate::words::{minute, place};
use crate::{AuditSummary, DisplayOptions, OutdatedSummary};

/// The scan as a Markdown document, from the same data as [`super::scan_text`].
#[allow(clippy::too_many_arguments)]
pub fn scan_markdown(
    inventory: &Inventory,
    findings: &[Diagnostic],
    summary: &ScanSummary,
    audit: AuditStage<'_>,
    outdated: OutdatedStage<'_>,
    plan: PlanStage<'_>,
    next: &str,
    options: &DisplayOptions,
) -> String {
    let mut out = String::new();
    let project = options.project.as_ref().map_or_else(
        || "the project".to_string(),
        |path| path.display().to_string(),
    );
    let _ = writeln!(out, "# Scan of {}\n", cell(&project));
    if let Some(time) = generated(audit, outdated, plan) {
        let _ = writeln!(out, "**Date:** {}  ", minute(time));
    }
    let _ = writeln!(out, "**Status:** {}\n", status(summary, audit, plan));
    let environment = match &inventory.environment {
        Some(environment) => describe_environment(environment, options),
        None => "none found (declarations only)".to_string(),
    };
    let _ = writeln!(out, "- Environment: {}", cell(&environment));
    let _ = writeln!(
        out,
        "- Declared: {} in {}\n",
        counted(summary.declarations, "declaration"),
        counted(summary.sources, "source")
    );

    health(&mut out, findings, summary, options);
    advisories(&mut out, audit);
    outdated_section(&mut out, outdated);
    plan_section(&mut out, plan);
    let _ = writeln!(out, "## Next\n");
    // `next` is tend's own sentence with commands in backticks: Markdown as it stands.
    let _ = writeln!(out, "{}", crate::words::one_line(next));
    out
}

/// When the data was looked at: the audit's clock, else the outdated report's, else the plan's.
fn generated(
    audit: AuditStage<'_>,
    outdated: OutdatedStage<'_>,
    plan: PlanStage<'_>,
) -> Option<Timestamp> {
    match (audit, outdated, plan) {
        (AuditStage::Ran { now, .. }, _, _) => Some(now),
        (_, OutdatedStage::Ran { report }, _) => Some(report.generated),
        (_, _, PlanStage::Ran { plan }) => Some(plan.generated),
        _ => None,
    }
}

/// `3 errors, 6 warnings, 1 note; 7 vulnerabilities; 2 updates overdue`.
fn status(summary: &ScanSummary, audit: AuditStage<'_>, plan: PlanStage<'_>) -> String {
    let mut parts = Vec::new();
    if summary.errors + summary.warnings + summary.notes == 0 {
        parts.push("no health problems".to_string());
    } else {
        parts.push(format!(
            "{}, {}, {}",
            counted(summary.errors, "error"),
            counted(summary.warnings, "warning"),
            counted(summary.notes, "note")
        ));
    }
    match audit {
        AuditStage::Ran { report, now } => {
            let findings = AuditSummary::new(report, now).findings;
            parts.push(if findings == 1 {
                "1 vulnerability".to_string()
            } else {
                format!("{findings} vulnerabilities")
            });
        }
        AuditStage::NotRun { .. } => parts.push("advisories not checked".to_string()),
    }
    if let PlanStage::Ran { plan } = plan {
        if plan.summary.overdue > 0 {
            parts.push(format!(
                "{} overdue",
                counted(plan.summary.overdue, "update")
            ));
        }
    }
    parts.join("; ")
}

fn health(
    out: &mut String,
    findings: &[Diagnostic],
    summary: &ScanSummary,
    options: &DisplayOptions,
) {
    let _ = writeln!(out, "## Health\n");
    if findings.is_empty() {
        let _ = writeln!(out, "No problems found.\n");
        return;
    }
    let codes: Vec<String> = summary
        .by_code
        .iter()
        .map(|(code, count)| format!("{code} {count}"))
        .collect();
    let _ = writeln!(
        out,
        "{}, {}, {} ({}).\n",
        counted(summary.errors, "error"),
        counted(summary.warnings, "warning"),
        counted(summary.notes, "note"),
        codes.join(", ")
    );
    let mut sorted: Vec<&Diagnostic> = findings.iter().collect();
    sorted.sort_by_key(|finding| std::cmp::Reverse(finding.severity));
    row(out, &["Severity", "Code", "Package", "Message", "Where"]);
    rule(out, 5);
    for finding in sorted.iter().take(LISTED) {
        let package = finding.package.as_ref().map_or("", AsRef::as_ref);
        let place = finding
            .location
            .as_ref()
            .map(|location| place(location, options))
            .unwrap_or_default();
        row(
            out,
            &[
                &finding.severity.to_string(),
                &finding.code.to_string(),
                &cell(package),
                &cell(&message_with_notes(finding)),
                &cell(&place),
            ],
        );
    }
    out.push('\n');
    if findings.len() > LISTED {
        let _ = writeln!(
            out,
            "And {} more: `tend check` lists every finding.\n",
            findings.len() - LISTED
        );
    }
}

fn advisories(out: &mut String, audit: AuditStage<'_>) {
    let _ = writeln!(out, "## Advisories\n");
    let (report, now) = match audit {
        AuditStage::NotRun { reason } => {
            let _ = writeln!(out, "Not checked: {}.\n", cell(reason));
            return;
        }
        AuditStage::Ran { report, now } => (report, now),
    };
    let summary = AuditSummary::new(report, now);
    let _ = writeln!(out, "{}.\n", cell(&summary.message));
    let rows = audit_rows(report);
    if !rows.is_empty() {
        row(out, &["Severity", "Finding"]);
        rule(out, 2);
        for (rating, text) in rows.iter().take(LISTED) {
            row(out, &[&rating.to_string(), &cell(text)]);
        }
        out.push('\n');
        if rows.len() > LISTED {
            let _ = writeln!(
                out,
                "And {} more: `tend audit` lists every one.\n",
                rows.len() - LISTED
            );
        }
    }
    let _ = writeln!(out, "{}.\n", cell(&advisory_data_line(report, &summary)));
}

fn outdated_section(out: &mut String, outdated: OutdatedStage<'_>) {
    let _ = writeln!(out, "## Outdated\n");
    let report = match outdated {
        OutdatedStage::NotRun { reason } => {
            let _ = writeln!(out, "Not run: {}.\n", cell(reason));
            return;
        }
        OutdatedStage::Ran { report } => report,
    };
    let _ = writeln!(out, "{}.\n", cell(&OutdatedSummary::new(report).message));
    let rows = outdated_rows(report);
    if !rows.is_empty() {
        row(out, &["Look at", "Package"]);
        rule(out, 2);
        for (label, text) in rows.iter().take(OUTDATED_LISTED) {
            row(out, &[label, &cell(text)]);
        }
        out.push('\n');
        if rows.len() > OUTDATED_LISTED {
            let _ = writeln!(
                out,
                "And {} more: `tend outdated` lists every package.\n",
                rows.len() - OUTDATED_LISTED
            );
        }
    }
    if let Some(line) = index_data_line(report) {
        let _ = writeln!(out, "{}.\n", cell(&capitalized(&line)));
    }
}

fn plan_section(out: &mut String, plan: PlanStage<'_>) {
    let _ = writeln!(out, "## Plan\n");
    let plan = match plan {
        PlanStage::NotRun { reason } => {
            let _ = writeln!(out, "Not made: {}.\n", cell(reason));
            return;
        }
        PlanStage::Ran { plan } => plan,
    };
    let overview = PlanOverview::new(plan);
    let _ = writeln!(out, "{}.\n", cell(&overview.message()));
    for item in &overview.most_overdue {
        let _ = writeln!(
            out,
            "- Overdue: {}, by {}",
            cell(&item.describe()),
            item.late()
        );
    }
    if overview.overdue > overview.most_overdue.len() {
        let _ = writeln!(
            out,
            "- And {} more overdue",
            overview.overdue - overview.most_overdue.len()
        );
    }
    if let Some(item) = &overview.next_due {
        let _ = writeln!(
            out,
            "- Next due: {}, {}",
            cell(&item.describe()),
            minute(item.due)
        );
    }
    if overview.without_deadlines() {
        let _ = writeln!(out, "- {}", cell(&capitalized(super::NO_DEADLINES)));
    }
    if !overview.most_overdue.is_empty()
        || overview.next_due.is_some()
        || overview.without_deadlines()
    {
        out.push('\n');
    }
}

/// A line of the terminal summary as a sentence.
fn capitalized(text: &str) -> String {
    let mut characters = text.chars();
    match characters.next() {
        Some(first) => first.to_uppercase().chain(characters).collect(),
        None => String::new(),
    }
}
