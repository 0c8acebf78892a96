//! The record of one `tend update` run and its renderings: a terminal table, versioned JSON
//! (`kind = "update"`) and Markdown in the shape of the seeds' update summaries (what was
//! updated, what was held back and why, the gates, the files changed, how to undo it).

use std::fmt::Write as _;
use std::path::PathBuf;

use jiff::Timestamp;
use serde::Serialize;
use tend_model::{
    markdown_cell, markdown_fence, markdown_row, markdown_rule, ChangeKind, PackageName, Version,
};

use crate::attempt::{HeldBack, TrialRecord, Update};

/// The JSON document's schema version.
pub const SCHEMA_VERSION: u32 = 1;

/// One requirement file the run changed (or would change, with `--dry-run`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileChange {
    pub path: PathBuf,
    /// `name from -> to` per line changed, with the line number.
    pub edits: Vec<LineEdit>,
    /// The file was replaced (false with `--dry-run`, or when `error` is set).
    pub written: bool,
    /// Why the file was not written (a range that excludes the new version, hashes missing).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The unified diff of the change.
    pub diff: String,
}

/// One pin changed in a file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LineEdit {
    pub line: usize,
    pub name: PackageName,
    pub from: String,
    pub to: Version,
    /// `--hash` options the line has now.
    pub hashes: usize,
}

/// What `--apply` did to the live environment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ApplyRecord {
    /// Hooks, the install and the health check, in order.
    pub steps: Vec<crate::attempt::StepRecord>,
    /// `applied`, or `rolled-back` after a failure.
    pub outcome: &'static str,
    /// The step that failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure: Option<String>,
    /// After a rollback: how the environment still differs from the snapshot (empty: exact).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub remaining: Vec<String>,
}

/// One `tend update` run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UpdateReport {
    pub generated: Timestamp,
    pub project: PathBuf,
    /// The environment the updates are for.
    pub environment: PathBuf,
    /// `uv` or `pip`: what installed the trials.
    pub installer: &'static str,
    /// The history store's snapshot run taken before anything changed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snapshot: Option<i64>,
    pub dry_run: bool,
    pub kept: Vec<Update>,
    pub held_back: Vec<HeldBack>,
    pub files: Vec<FileChange>,
    pub trials: Vec<TrialRecord>,
    /// With `--apply`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub apply: Option<ApplyRecord>,
}

impl UpdateReport {
    /// Every update was kept and every file that needed a change could take it.
    pub fn is_clean(&self) -> bool {
        self.held_back.is_empty()
            && self.files.iter().all(|file| file.error.is_none())
            && self
                .apply
                .as_ref()
                .is_none_or(|apply| apply.failure.is_none())
    }
}

fn change(update: &Update) -> &'static str {
    update.from.parse::<Version>().map_or("other", |from| {
        ChangeKind::between(&from, &update.to).as_str()
    })
}

/// `name from -> to (change)`, the first line of an update in the table.
fn headline(update: &Update) -> String {
    format!(
        "{} {} -> {} ({})",
        update.name,
        update.from,
        update.to,
        change(update)
    )
}

/// The report as pretty JSON with `kind` and `schema_version`, ending in a newline.
pub fn json_text(report: &UpdateReport) -> String {
    #[derive(Serialize)]
    struct Document<'a> {
        kind: &'static str,
        schema_version: u32,
        #[serde(flatten)]
        report: &'a UpdateReport,
    }
    let mut text = serde_json::to_string_pretty(&Document {
        kind: "update",
        schema_version: SCHEMA_VERSION,
        report,
    })
    .unwrap_or_default();
    text.push('\n');
    text
}

fn time(value: Timestamp) -> String {
    value.strftime("%Y-%m-%d %H:%M UTC").to_string()
}

/// The report for a terminal.
pub fn table(report: &UpdateReport) -> String {
    let mut out = String::new();
    let mode = if report.dry_run { " (dry run)" } else { "" };
    let _ = writeln!(
        out,
        "Update of {} at {}{mode}",
        report.project.display(),
        time(report.generated)
    );
    let _ = writeln!(
        out,
        "  environment {}, trials installed by {}, {} trial{}",
        report.environment.display(),
        report.installer,
        report.trials.len(),
        if report.trials.len() == 1 { "" } else { "s" }
    );
    if report.kept.is_empty() && report.held_back.is_empty() {
        let _ = writeln!(out, "\nNothing to update.");
        return out;
    }
    if !report.kept.is_empty() {
        let _ = writeln!(out, "\nUpdated (passed every gate)");
        for update in &report.kept {
            let _ = writeln!(out, "  {}", headline(update));
            if !update.fixes.is_empty() {
                let _ = writeln!(out, "      fixes: {}", update.fixes.join(", "));
            }
        }
    }
    if !report.held_back.is_empty() {
        let _ = writeln!(out, "\nHeld back");
        for held in &report.held_back {
            let _ = writeln!(out, "  {}", headline(&held.update));
            for line in held.reason.lines() {
                let _ = writeln!(out, "      | {line}");
            }
        }
    }
    if !report.files.is_empty() {
        let verb = if report.dry_run {
            "would change"
        } else {
            "changed"
        };
        let _ = writeln!(out, "\nFiles");
        for file in &report.files {
            match &file.error {
                Some(error) => {
                    let _ = writeln!(out, "  {}: not written: {error}", file.path.display());
                }
                None => {
                    let _ = writeln!(
                        out,
                        "  {}: {verb} {} line{}",
                        file.path.display(),
                        file.edits.len(),
                        if file.edits.len() == 1 { "" } else { "s" }
                    );
                }
            }
        }
        if report.dry_run {
            for file in report.files.iter().filter(|file| !file.diff.is_empty()) {
                let _ = write!(out, "\n{}", file.diff);
            }
        }
    }
    if let Some(apply) = &report.apply {
        let _ = writeln!(out, "\nApplied to the environment: {}", apply.outcome);
        for step in &apply.steps {
            let state = if step.passed { "ok" } else { "failed" };
            let _ = writeln!(out, "  {state}: {}", step.command);
        }
        if let Some(failure) = &apply.failure {
            for line in failure.lines() {
                let _ = writeln!(out, "      | {line}");
            }
        }
        if apply.outcome == "rolled-back" {
            if apply.remaining.is_empty() {
                let _ = writeln!(
                    out,
                    "  the environment and the files equal the snapshot again"
                );
            } else {
                for difference in &apply.remaining {
                    let _ = writeln!(out, "  still different: {difference}");
                }
            }
        }
    }
    if let Some(snapshot) = report.snapshot {
        let _ = writeln!(
            out,
            "\nSnapshot {snapshot} holds the environment and the files as they were before \
             (`tend rollback {snapshot}`)."
        );
    }
    out
}

/// The report as an update summary in Markdown, like the seeds' phase reports.
pub fn markdown(report: &UpdateReport) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Update of {}\n",
        markdown_cell(&report.project.display().to_string())
    );
    let status = if report.kept.is_empty() && report.held_back.is_empty() {
        "nothing to update".to_string()
    } else {
        format!(
            "{} updated, {} held back{}",
            report.kept.len(),
            report.held_back.len(),
            if report.dry_run {
                " (dry run: nothing written)"
            } else {
                ""
            }
        )
    };
    let _ = writeln!(out, "**Date:** {}  ", time(report.generated));
    let _ = writeln!(out, "**Status:** {status}  ");
    let _ = writeln!(
        out,
        "**Environment:** {} (trials installed by {})\n",
        markdown_cell(&report.environment.display().to_string()),
        report.installer
    );
    if !report.kept.is_empty() {
        let _ = writeln!(out, "## What was updated\n");
        markdown_row(
            &mut out,
            &[
                "Package",
                "Old version",
                "New version",
                "Change type",
                "Fixes",
            ],
        );
        markdown_rule(&mut out, 5);
        for update in &report.kept {
            markdown_row(
                &mut out,
                &[
                    &format!("**{}**", markdown_cell(update.name.as_ref())),
                    &markdown_cell(&update.from),
                    &markdown_cell(&update.to.to_string()),
                    change(update),
                    &markdown_cell(&update.fixes.join(", ")),
                ],
            );
        }
        out.push('\n');
        let security: Vec<&Update> = report
            .kept
            .iter()
            .filter(|update| !update.fixes.is_empty())
            .collect();
        if !security.is_empty() {
            let _ = writeln!(out, "## Security fixes\n");
            for update in security {
                let _ = writeln!(
                    out,
                    "- {}: {} → {} (fixes {})",
                    markdown_cell(update.name.as_ref()),
                    markdown_cell(&update.from),
                    markdown_cell(&update.to.to_string()),
                    markdown_cell(&update.fixes.join(", "))
                );
            }
            out.push('\n');
        }
    }
    if !report.held_back.is_empty() {
        let _ = writeln!(out, "## Held back\n");
        for held in &report.held_back {
            let update = &held.update;
            let _ = writeln!(
                out,
                "- **{}** {} → {} ({})",
                markdown_cell(update.name.as_ref()),
                markdown_cell(&update.from),
                markdown_cell(&update.to.to_string()),
                change(update)
            );
            out.push('\n');
            markdown_fence(&mut out, "text", &held.reason);
            out.push('\n');
        }
    }
    if !report.trials.is_empty() {
        let _ = writeln!(out, "## Trials\n");
        markdown_row(&mut out, &["#", "Updates", "Install", "Gates", "Result"]);
        markdown_rule(&mut out, 5);
        for trial in &report.trials {
            let updates = if trial.updates.is_empty() {
                "none (baseline)".to_string()
            } else {
                trial
                    .updates
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let gates = trial
                .gates
                .iter()
                .map(|gate| {
                    format!(
                        "{} {}",
                        gate.gate,
                        if gate.passed { "passed" } else { "failed" }
                    )
                })
                .collect::<Vec<_>>()
                .join(", ");
            markdown_row(
                &mut out,
                &[
                    &trial.number.to_string(),
                    &markdown_cell(&updates),
                    if trial.install.passed { "ok" } else { "failed" },
                    &markdown_cell(&gates),
                    if trial.passed { "passed" } else { "failed" },
                ],
            );
        }
        out.push('\n');
    }
    if !report.files.is_empty() {
        let _ = writeln!(out, "## Files modified\n");
        for file in &report.files {
            let path = markdown_cell(&file.path.display().to_string());
            match &file.error {
                Some(error) => {
                    let _ = writeln!(out, "- `{path}`: not written: {}", markdown_cell(error));
                }
                None if report.dry_run => {
                    let _ = writeln!(out, "- `{path}`: would change {} pins", file.edits.len());
                }
                None => {
                    let _ = writeln!(out, "- `{path}`: {} pins changed", file.edits.len());
                }
            }
        }
        out.push('\n');
        for file in report.files.iter().filter(|file| !file.diff.is_empty()) {
            markdown_fence(&mut out, "diff", &file.diff);
            out.push('\n');
        }
    }
    if let Some(apply) = &report.apply {
        let _ = writeln!(out, "## Applied to the environment\n");
        let _ = writeln!(out, "Outcome: **{}**.\n", apply.outcome);
        for step in &apply.steps {
            let state = if step.passed { "ok" } else { "failed" };
            let _ = writeln!(out, "- {state}: `{}`", markdown_cell(&step.command));
        }
        out.push('\n');
        if let Some(failure) = &apply.failure {
            markdown_fence(&mut out, "text", failure);
            out.push('\n');
        }
    }
    if let Some(snapshot) = report.snapshot {
        let _ = writeln!(out, "## How to roll back\n");
        let _ = writeln!(
            out,
            "Snapshot {snapshot} in the history store holds the environment and the requirement \
             files as they were before this run: `tend rollback {snapshot}` puts them back."
        );
    }
    out
}
