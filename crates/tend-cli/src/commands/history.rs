//! `tend history`: the runs kept in the history store, newest first, and one run with its
//! reports (`tend history show ID`).

use std::fmt::Write as _;
use std::path::Path;

use anyhow::Result;
use jiff::Timestamp;
use tend_store::{
    CompleteRun, NewRun, RunDetail, RunFilter, RunId, RunKind, RunRecord, RunStatus, SqliteStore,
    Store,
};

use crate::cli::{Format, HistoryArgs, HistoryCommand, HistoryShowArgs};
use crate::diagnostics::{ExitStatus, UsageError};

/// The version of the JSON documents `tend history` prints (docs/history.md).
const SCHEMA_VERSION: u32 = 1;

pub fn run(args: &HistoryArgs, store_flag: Option<&Path>) -> Result<ExitStatus> {
    let path = crate::settings::store_path(store_flag)?;
    let store = SqliteStore::open(&path)?;
    match &args.command {
        Some(HistoryCommand::Show(show_args)) => show(&store, show_args),
        None => list(&store, args),
    }
}

fn list(store: &SqliteStore, args: &HistoryArgs) -> Result<ExitStatus> {
    let runs = store.runs(&RunFilter {
        kind: args.kind,
        project: None,
        limit: Some(args.limit),
    })?;
    let text = match args.format {
        Format::Json => json(&serde_json::json!({
            "schema_version": SCHEMA_VERSION,
            "store": store.path(),
            "runs": runs,
        }))?,
        Format::Table => table(store.path(), &runs),
    };
    crate::output::write(None, &text)?;
    Ok(ExitStatus::Success)
}

fn show(store: &SqliteStore, args: &HistoryShowArgs) -> Result<ExitStatus> {
    let id = RunId(args.id);
    let Some(detail) = store.run(id)? else {
        anyhow::bail!(UsageError(format!(
            "the history store `{}` has no run {id}; `tend history` lists the runs it has",
            store.path().display()
        )));
    };
    let text = match args.format {
        Format::Json => {
            // The run's own fields follow the document's version and the file it came from.
            let mut document = serde_json::Map::new();
            document.insert("schema_version".into(), SCHEMA_VERSION.into());
            document.insert("store".into(), serde_json::to_value(store.path())?);
            if let serde_json::Value::Object(fields) = serde_json::to_value(&detail)? {
                document.extend(fields);
            }
            json(&serde_json::Value::Object(document))?
        }
        Format::Table => detail_text(&detail)?,
    };
    crate::output::write(None, &text)?;
    Ok(ExitStatus::Success)
}

fn json(document: &serde_json::Value) -> Result<String> {
    let mut text = serde_json::to_string_pretty(document)?;
    text.push('\n');
    Ok(text)
}

fn when(time: Timestamp) -> String {
    time.strftime("%Y-%m-%d %H:%M:%S UTC").to_string()
}

fn status(run: &RunRecord) -> String {
    match run.status {
        Some(status) => status.to_string(),
        None => "unfinished".to_string(),
    }
}

fn table(store: &Path, runs: &[RunRecord]) -> String {
    if runs.is_empty() {
        return format!("No runs recorded in {}.\n", store.display());
    }
    let rows: Vec<[String; 5]> = runs
        .iter()
        .map(|run| {
            [
                run.id.to_string(),
                run.kind.to_string(),
                when(run.started_at),
                status(run),
                run.project.display().to_string(),
            ]
        })
        .collect();
    let header = ["ID", "KIND", "STARTED", "STATUS", "PROJECT"];
    let mut widths = header.map(str::len);
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let mut line = |cells: [&str; 5]| {
        let mut text = String::new();
        for (index, (cell, width)) in cells.iter().zip(widths).enumerate() {
            if index == 0 {
                // Numbers line up on the right.
                let _ = write!(text, "{cell:>width$}");
            } else {
                let _ = write!(text, "  {cell:<width$}");
            }
        }
        out.push_str(text.trim_end());
        out.push('\n');
    };
    line(header);
    for row in &rows {
        line(row.each_ref().map(String::as_str));
    }
    out
}

fn detail_text(detail: &RunDetail) -> Result<String> {
    let run = &detail.run;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Run {}: {} of {}",
        run.id,
        run.kind,
        run.project.display()
    );
    let _ = writeln!(out, "  started   {}", when(run.started_at));
    match (run.finished_at, run.status) {
        (Some(finished_at), Some(status)) => {
            let _ = writeln!(
                out,
                "  finished  {} ({status}, exit {})",
                when(finished_at),
                status.exit_code()
            );
        }
        _ => {
            let _ = writeln!(
                out,
                "  finished  never (the run was stopped, or is going on)"
            );
        }
    }
    let _ = writeln!(out, "  tend      {}", run.tend_version);
    if let Some(summary) = &run.summary {
        let _ = writeln!(out, "  summary   {summary}");
    }
    for approval in &detail.approvals {
        let _ = write!(
            out,
            "  approved  by {} at {}",
            approval.by,
            when(approval.at)
        );
        match &approval.comment {
            Some(comment) => {
                let _ = writeln!(out, ": {comment}");
            }
            None => out.push('\n'),
        }
    }
    if detail.reports.is_empty() {
        out.push_str("\nNo reports were kept for this run.\n");
    }
    for report in &detail.reports {
        let _ = writeln!(out, "\nReport `{}`:", report.kind);
        out.push_str(&serde_json::to_string_pretty(&report.document)?);
        out.push('\n');
    }
    Ok(out)
}

/// A command that ran to its end, as the history keeps it.
pub struct Finished<'a> {
    pub kind: RunKind,
    pub project: &'a Path,
    pub started_at: Timestamp,
    pub status: ExitStatus,
    pub summary: serde_json::Value,
    /// `(kind, JSON document)` pairs.
    pub reports: &'a [(&'a str, &'a str)],
    /// `(format, text)` pairs: the run's output in each format it can be printed in, as
    /// rendered now, for `tend report`.
    pub renderings: &'a [(&'a str, &'a str)],
}

/// Records a finished command in the history store. The history is a record, not a stage: a
/// store that cannot be opened or written is a warning, and the command's exit code stays
/// what its findings made it.
pub fn record(store_flag: Option<&Path>, run: &Finished<'_>) {
    if let Err(error) = try_record(store_flag, run) {
        eprintln!("warning: this run was not recorded in the history: {error:#}");
    }
}

fn try_record(store_flag: Option<&Path>, run: &Finished<'_>) -> Result<()> {
    let path = crate::settings::store_path(store_flag)?;
    let mut store = SqliteStore::open(&path)?;
    // Absolute, so that `tend scan .` and `tend scan /srv/app` are the same project.
    let project = std::path::absolute(run.project).unwrap_or_else(|_| run.project.to_path_buf());
    // `TEND_NOW` fixes the end too, so that a recorded run never ends before it started.
    let finished_at = crate::settings::now()?.max(run.started_at);
    let status = match run.status {
        ExitStatus::Success => RunStatus::Success,
        ExitStatus::Failure => RunStatus::Findings,
    };
    store.record_complete(&CompleteRun {
        run: NewRun {
            kind: run.kind,
            project,
            started_at: run.started_at,
            tend_version: env!("CARGO_PKG_VERSION").to_string(),
        },
        reports: run.reports,
        renderings: run.renderings,
        finished_at,
        status,
        summary: Some(&run.summary),
    })?;
    Ok(())
}
