//! `tend approve PLAN --by NAME`: checks that a saved plan's inputs (environment, declared
//! pins, advisory data, index data) are what they were when it was saved, then records who
//! approved it and when. A plan made from data that has since changed is refused, with what
//! changed: approving it would approve a different plan.

use std::path::Path;

use anyhow::Result;
use tend_store::{NewApproval, RunId, RunKind, SqliteStore, Store};

use super::plan::{Fingerprint, SavedSource, Source, INPUTS_REPORT};
use crate::cli::ApproveArgs;
use crate::diagnostics::{ExitStatus, UsageError};

pub fn run(
    args: &ApproveArgs,
    config: Option<&Path>,
    cache_dir: Option<&Path>,
    store_flag: Option<&Path>,
) -> Result<ExitStatus> {
    let path = crate::settings::store_path(store_flag)?;
    let mut store = SqliteStore::open(&path)?;
    let id = RunId(args.plan);
    let Some(detail) = store.run(id)? else {
        anyhow::bail!(UsageError(format!(
            "the history store `{}` has no run {id}; `tend history --kind plan` lists the saved \
             plans",
            path.display()
        )));
    };
    if detail.run.kind != RunKind::Plan {
        anyhow::bail!(UsageError(format!(
            "run {id} in the history store `{}` is a {} run, not a plan; `tend history --kind \
             plan` lists the saved plans",
            path.display(),
            detail.run.kind
        )));
    }
    let inputs = detail
        .reports
        .iter()
        .find(|report| report.kind == INPUTS_REPORT);
    let saved = inputs
        .and_then(|report| Fingerprint::from_document(&report.document))
        .ok_or_else(|| {
            UsageError(format!(
                "plan {id} in the history store `{}` has no readable `{INPUTS_REPORT}` report, so \
                 there is nothing to check its inputs against; save it again with `tend plan \
                 --save`",
                path.display()
            ))
        })?;

    // Without a PROJECT, the plan's own project: the saved run knows where it was made; without
    // source or index flags, the ones the plan was saved with.
    let source = inputs
        .and_then(|report| SavedSource::from_document(&report.document))
        .unwrap_or_default();
    let project = source.project_args(
        &args.project,
        args.project
            .project
            .clone()
            .unwrap_or_else(|| detail.run.project.clone()),
    );
    let index = source.index_args(&args.index);
    let current = super::plan::compute(
        &Source {
            project: &project,
            index: &index,
            offline: args.offline,
            refresh: false,
            preflight: false,
        },
        config,
        cache_dir,
    )?;

    let changes = saved.changes(&current.fingerprint);
    if !changes.is_empty() {
        eprintln!("error: plan {id} was not approved: its inputs changed since it was saved");
        for change in &changes {
            eprintln!("  {change}");
        }
        eprintln!("run `tend plan --save` again, and approve the new plan");
        return Ok(ExitStatus::Failure);
    }

    let at = crate::settings::now()?;
    store.record_approval(&NewApproval {
        plan: id,
        by: args.by.clone(),
        comment: args.comment.clone(),
        at,
    })?;
    let mut text = format!(
        "plan {id} ({}) approved by {} at {}",
        detail.run.project.display(),
        args.by,
        at.strftime("%Y-%m-%d %H:%M:%S UTC")
    );
    if let Some(comment) = &args.comment {
        text.push_str(": ");
        text.push_str(comment);
    }
    text.push('\n');
    crate::output::write(None, &text)?;
    Ok(ExitStatus::Success)
}
