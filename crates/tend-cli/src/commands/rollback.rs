//! `tend rollback [SNAPSHOT]`: the requirement files and the environment put back as a
//! snapshot recorded them, then the environment read again and compared with the snapshot.
//! Exit 0 only when they are equal; the differences that remain are listed otherwise.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::Result;
use tend_store::{CompleteRun, NewRun, RunFilter, RunId, RunKind, RunStatus, SqliteStore, Store};
use tend_update::{Installer, Snapshot};

use crate::cli::{ProjectArgs, RollbackArgs};
use crate::diagnostics::{ExitStatus, UsageError};

pub fn run(
    args: &RollbackArgs,
    config: Option<&Path>,
    cache_dir: Option<&Path>,
    store_flag: Option<&Path>,
) -> Result<ExitStatus> {
    let store_path = crate::settings::store_path(store_flag)?;
    let mut store = SqliteStore::open(&store_path)?;
    let (id, snapshot) = find(&store, &store_path, args)?;

    // The environment the snapshot was taken of, read as it is now.
    let project = ProjectArgs {
        project: args.project.clone(),
        venv: Some(snapshot.prefix.clone()),
        python: None,
        no_environment: false,
        requirements: Vec::new(),
        sources: Vec::new(),
    };
    let settings = crate::settings::ProjectSettings::resolve(&project, config)?;
    let now = crate::settings::now()?;
    let read = || tend_inventory::load(&settings.inventory).map_err(|error| error.to_string());
    let inventory = read().map_err(|error| {
        UsageError(format!(
            "cannot read the environment `{}` of snapshot {id}: {error}",
            snapshot.prefix.display()
        ))
    })?;
    let Some(python) = inventory
        .environment
        .as_ref()
        .and_then(|environment| environment.python.clone())
    else {
        anyhow::bail!(UsageError(format!(
            "the environment `{}` of snapshot {id} has no Python interpreter any more",
            snapshot.prefix.display()
        )));
    };
    let lock_path = super::update::lock_path(&store_path, &snapshot.prefix);
    let _lock = tend_update::lock(
        &lock_path,
        &format!("pid {}, tend rollback {id}", std::process::id()),
    )
    .map_err(|error| UsageError(error.to_string()))?;

    let files = tend_update::restore_files(&snapshot)?;
    let current = Snapshot::capture(&inventory, Vec::new(), now);
    let installer = Installer::detect(&super::preflight::uv_program());
    let indexes = crate::settings::index_settings(&args.index, &settings.policy, &inventory)?;
    let index_args = super::update::installer_index_args(&indexes.indexes);
    let scratch = crate::settings::cache_dir(cache_dir)?.join("rollback");
    let (steps, remaining) = tend_update::restore_environment(
        &snapshot,
        &current,
        &python,
        &installer,
        &index_args,
        &scratch,
        settings.policy.update.timeout,
        &read,
    )?;

    let mut text = format!(
        "Rollback to snapshot {id} (taken {})\n",
        snapshot.taken.strftime("%Y-%m-%d %H:%M UTC")
    );
    for path in &files {
        let _ = writeln!(text, "  restored {}", path.display());
    }
    for step in &steps {
        let state = if step.passed() { "ok" } else { "failed" };
        let _ = writeln!(text, "  {state}: {}", step.command);
        if !step.passed() {
            for line in step
                .output()
                .lines()
                .rev()
                .take(10)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
            {
                let _ = writeln!(text, "      | {line}");
            }
        }
    }
    let status = if remaining.is_empty() {
        let _ = writeln!(
            text,
            "The environment equals snapshot {id} ({} distributions).",
            snapshot
                .distributions
                .iter()
                .filter(|installed| installed.is_restored())
                .count()
        );
        ExitStatus::Success
    } else {
        let _ = writeln!(text, "The environment still differs from snapshot {id}:");
        for difference in &remaining {
            let _ = writeln!(text, "  {difference}");
        }
        ExitStatus::Failure
    };
    for hook in &settings.policy.update.on_rollback {
        let step = tend_update::run_hook(
            &hook.value,
            &settings.project,
            settings.policy.update.timeout,
        )?;
        let state = if step.passed() { "ok" } else { "failed" };
        let _ = writeln!(text, "  hook {state}: {}", step.command);
    }
    crate::output::write(None, &text)?;

    // An apply that was cut short is over once its environment equals the snapshot again.
    if remaining.is_empty() {
        while let Some(cut) = super::update::interrupted(&store_path, &snapshot.prefix)? {
            store.finish_run(
                cut.run,
                crate::settings::now()?.max(now),
                RunStatus::Error,
                Some(&serde_json::json!({"interrupted": true, "rolled_back_to": id.0})),
            )?;
        }
    }
    let project =
        std::path::absolute(&settings.project).unwrap_or_else(|_| settings.project.clone());
    let summary = serde_json::json!({
        "snapshot": id.0,
        "files": files.len(),
        "exact": remaining.is_empty(),
        "remaining": remaining.iter().map(ToString::to_string).collect::<Vec<_>>(),
    });
    store.record_complete(&CompleteRun {
        run: NewRun {
            kind: RunKind::Rollback,
            project,
            started_at: now,
            tend_version: env!("CARGO_PKG_VERSION").to_string(),
        },
        reports: &[],
        renderings: &[("table", &text)],
        finished_at: crate::settings::now()?.max(now),
        status: match status {
            ExitStatus::Success => RunStatus::Success,
            ExitStatus::Failure => RunStatus::Findings,
        },
        summary: Some(&summary),
    })?;
    Ok(status)
}

/// The snapshot asked for, or the newest of the project (or of any project).
fn find(store: &SqliteStore, path: &Path, args: &RollbackArgs) -> Result<(RunId, Snapshot)> {
    let id = if let Some(id) = args.snapshot {
        RunId(id)
    } else {
        let project = args
            .project
            .as_ref()
            .map(|project| std::path::absolute(project).unwrap_or_else(|_| project.clone()))
            .or_else(|| std::env::current_dir().ok());
        let runs = store.runs(&RunFilter {
            kind: Some(RunKind::Snapshot),
            project,
            limit: Some(1),
        })?;
        let Some(run) = runs.first() else {
            anyhow::bail!(UsageError(format!(
                "the history store `{}` has no snapshot of this project; `tend update` takes \
                 one before it changes anything",
                path.display()
            )));
        };
        run.id
    };
    let detail = store
        .run(id)?
        .filter(|detail| detail.run.kind == RunKind::Snapshot)
        .ok_or_else(|| {
            UsageError(format!(
                "the history store `{}` has no snapshot {id}; `tend history --kind snapshot` \
                 lists them",
                path.display()
            ))
        })?;
    let snapshot = detail
        .reports
        .iter()
        .find(|report| report.kind == "snapshot")
        .and_then(|report| serde_json::from_value::<Snapshot>(report.document.clone()).ok())
        .ok_or_else(|| {
            UsageError(format!(
                "snapshot {id} in the history store `{}` has no readable snapshot document",
                path.display()
            ))
        })?;
    Ok((id, snapshot))
}
