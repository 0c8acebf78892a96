//! Picks the advisory data of a run: the records named on the command line, else the policy's
//! sources and the local database, or an online service; shared by `audit` and `scan`.

use std::path::{Path, PathBuf};

use anyhow::Result;
use tend_advisory::{AdvisoryData, AuditTargets, Database};
use tend_model::PackageName;
use tend_policy::Policy;

use crate::cli::{AdvisoryArgs, Service};
use crate::diagnostics::UsageError;

/// The local database's directory inside the cache directory.
pub fn database_root(cache_dir: &Path) -> PathBuf {
    cache_dir.join("advisories")
}

/// No advisory data at all: nothing named, nothing in the policy, an empty local database.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct NoDatabase(String);

/// Why no advisory data could be found, with what to run.
pub fn no_database_message(root: &Path) -> String {
    format!(
        "no advisory database in `{}`\n\
         hint: run `tend db update` to download OSV's PyPI advisories, or \
         `tend db update --source DIR` to index a local copy; or pass `--advisories PATH` or \
         `--service osv`",
        root.display()
    )
}

/// Loads the advisories of `names` from wherever this run takes them.
pub fn load(
    args: &AdvisoryArgs,
    policy: &Policy,
    cache_dir: &Path,
    targets: &AuditTargets,
    now: jiff::Timestamp,
) -> Result<AdvisoryData> {
    match args.service {
        Service::Local => load_local(&args.advisories, policy, cache_dir, &targets.names(), now),
        Service::Osv | Service::Pypi => super::online::load(args, cache_dir, targets, now),
    }
}

/// The audit stage of `tend scan` and `tend plan`: offline, from the policy's sources and the
/// local database. `None` when there is neither, so that the caller can say what it lacks and
/// go on with its other stages.
pub fn audit_offline(
    settings: &crate::settings::ProjectSettings,
    inventory: &tend_model::Inventory,
    cache_dir: &Path,
    now: jiff::Timestamp,
) -> Result<Option<tend_model::AuditReport>> {
    let targets = tend_advisory::select_targets(inventory);
    match load_local(&[], &settings.policy, cache_dir, &targets.names(), now) {
        Ok(data) => Ok(Some(tend_advisory::audit(
            targets,
            &data,
            &super::audit::audit_options(settings, now),
        ))),
        Err(error) if error.downcast_ref::<NoDatabase>().is_some() => Ok(None),
        Err(error) => Err(error),
    }
}

/// `--advisories` paths when given; otherwise the policy's sources and the local database.
pub fn load_local(
    paths: &[PathBuf],
    policy: &Policy,
    cache_dir: &Path,
    names: &[PackageName],
    now: jiff::Timestamp,
) -> Result<AdvisoryData> {
    let root = database_root(cache_dir);
    let explicit = !paths.is_empty();
    let paths: Vec<PathBuf> = if explicit {
        paths.to_vec()
    } else {
        policy
            .advisories
            .sources
            .iter()
            .map(|source| source.value.clone())
            .collect()
    };
    let database = if explicit {
        None
    } else {
        Some(Database::open(&root)?).filter(|database| !database.is_empty())
    };
    if paths.is_empty() && database.is_none() {
        anyhow::bail!(NoDatabase(no_database_message(&root)));
    }
    if let Some(missing) = paths.iter().find(|path| !path.exists()) {
        anyhow::bail!(UsageError(format!(
            "the advisory source `{}` does not exist",
            missing.display()
        )));
    }
    let mut data = AdvisoryData::default();
    if !paths.is_empty() {
        // One view over every path: its load already keeps one copy of a record in several.
        let (view, _) = Database::open_paths(&root, &paths, now)?;
        data = view.load(names)?;
    }
    if let Some(database) = database {
        data.merge(database.load(names)?);
    }
    Ok(data)
}
