//! `tend gc`: removes what the history store keeps beyond the retention (`[retention] keep`,
//! or `--keep`), never what a rollback may still need (the store's [`Store::prune`] says
//! what that is).

use std::fmt::Write as _;
use std::path::Path;

use anyhow::Result;
use tend_store::{SqliteStore, Store};

use crate::cli::{GcArgs, GcFormat};
use crate::diagnostics::{ExitStatus, UsageError};

/// The version of the JSON document `tend gc --format json` prints (docs/history.md).
const SCHEMA_VERSION: u32 = 1;

pub fn run(args: &GcArgs, config: Option<&Path>, store_flag: Option<&Path>) -> Result<ExitStatus> {
    let keep = if let Some(text) = &args.keep {
        tend_policy::parse_duration(text)
            .map_err(|message| UsageError(format!("--keep `{text}`: {message}")))?
    } else {
        let project = args
            .project
            .clone()
            .unwrap_or_else(|| std::path::PathBuf::from("."));
        crate::settings::policy(&project, config)?.retention.keep
    };
    if keep.is_zero() {
        anyhow::bail!(UsageError(
            "--keep must be longer than 0 (it would remove every run)".to_string()
        ));
    }
    let now = crate::settings::now()?;
    let keep_span = jiff::SignedDuration::try_from(keep)
        .map_err(|_| UsageError(format!("--keep is too long ({} seconds)", keep.as_secs())))?;
    let before = now
        .checked_sub(keep_span)
        .map_err(|_| UsageError(format!("--keep is too long ({} seconds)", keep.as_secs())))?;
    let path = crate::settings::store_path(store_flag)?;
    if !path.exists() {
        // Nothing recorded yet: nothing to remove, and no reason to create a store.
        return print(args, &path, before, tend_store::Pruned::default());
    }
    let mut store = SqliteStore::open(&path)?;
    let pruned = store.prune(before)?;
    print(args, &path, before, pruned)
}

fn print(
    args: &GcArgs,
    store: &Path,
    before: jiff::Timestamp,
    pruned: tend_store::Pruned,
) -> Result<ExitStatus> {
    let text = match args.format {
        GcFormat::Json => {
            let mut text = serde_json::to_string_pretty(&serde_json::json!({
                "schema_version": SCHEMA_VERSION,
                "store": store,
                "before": before,
                "removed": {
                    "runs": pruned.runs,
                    "schedule_runs": pruned.schedule_runs,
                    "notifications": pruned.notifications,
                },
                "kept_for_rollback": pruned.kept_for_rollback,
            }))?;
            text.push('\n');
            text
        }
        GcFormat::Table => {
            let mut text = format!(
                "Removed from {} what started before {}:\n  {} runs, {} schedule runs, {} notifications\n",
                store.display(),
                before.strftime("%Y-%m-%d %H:%M UTC"),
                pruned.runs,
                pruned.schedule_runs,
                pruned.notifications,
            );
            if pruned.kept_for_rollback > 0 {
                let _ = writeln!(
                    text,
                    "  kept {} older runs a rollback may still need (unfinished updates, the \
                     snapshots they name, each project's newest snapshot)",
                    pruned.kept_for_rollback
                );
            }
            text
        }
    };
    crate::output::write(None, &text)?;
    Ok(ExitStatus::Success)
}
