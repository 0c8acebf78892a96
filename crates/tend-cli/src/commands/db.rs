//! `tend db update` and `tend db status`: the local advisory database.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Result;
use tend_advisory::Database;
use tend_policy::Policy;

use super::advisory_data::database_root;
use crate::cli::{DbStatusArgs, DbUpdateArgs, Format};
use crate::diagnostics::ExitStatus;

/// How many unreadable records `tend db update` prints in full.
const SHOWN_PROBLEMS: usize = 10;

/// OSV's archive of every PyPI advisory, the default source of `tend db update`.
pub const DEFAULT_SOURCE: &str = "https://osv-vulnerabilities.storage.googleapis.com/PyPI/all.zip";

fn policy(config: Option<&Path>) -> Result<Policy> {
    crate::settings::policy(Path::new("."), config)
}

pub fn update(
    args: &DbUpdateArgs,
    config: Option<&Path>,
    cache_dir: Option<&Path>,
) -> Result<ExitStatus> {
    let policy = policy(config)?;
    let now = crate::settings::now()?;
    let root = database_root(&crate::settings::cache_dir(cache_dir)?);
    let sources: Vec<String> = if !args.sources.is_empty() {
        args.sources.clone()
    } else if !policy.advisories.sources.is_empty() {
        policy
            .advisories
            .sources
            .iter()
            .map(|source| source.value.display().to_string())
            .collect()
    } else {
        vec![DEFAULT_SOURCE.to_string()]
    };
    let mut database = Database::open(&root)?;
    let mut out = String::new();
    for source in &sources {
        if source.starts_with("http://") || source.starts_with("https://") {
            let outcome = super::download::update_url(&mut database, &root, source, now)?;
            let _ = writeln!(out, "{outcome}");
        } else {
            let path = PathBuf::from(source);
            let outcome = database.update_path(&path, now)?;
            let _ = writeln!(out, "{outcome}");
            // Unreadable records: the first few in full, so a typo in an internal feed is
            // found at once; the rest stay in the index and in every audit's diagnostics.
            let problems = outcome.diagnostics();
            crate::diagnostics::print_warnings(&problems[..problems.len().min(SHOWN_PROBLEMS)]);
            if problems.len() > SHOWN_PROBLEMS {
                let _ = writeln!(
                    out,
                    "… and {} more unreadable records",
                    problems.len() - SHOWN_PROBLEMS
                );
            }
        }
    }
    eprint!("{out}");
    Ok(ExitStatus::Success)
}

pub fn status(
    args: &DbStatusArgs,
    config: Option<&Path>,
    cache_dir: Option<&Path>,
) -> Result<ExitStatus> {
    let policy = policy(config)?;
    let now = crate::settings::now()?;
    let root = database_root(&crate::settings::cache_dir(cache_dir)?);
    let database = Database::open(&root)?;
    let status = database.status();
    let max_age = policy
        .advisories
        .max_age
        .as_ref()
        .map(|max_age| max_age.value);
    let age = status
        .newest_modified
        .map(|newest| now.duration_since(newest));
    let stale = match (age, max_age) {
        (Some(age), Some(max_age)) => {
            jiff::SignedDuration::try_from(max_age).is_ok_and(|max_age| age > max_age)
        }
        _ => false,
    };
    let text = match args.format {
        Format::Table => status_table(&status, age, stale, max_age),
        Format::Json => {
            let document = serde_json::json!({
                "schema_version": tend_report::SCHEMA_VERSION,
                "kind": "db-status",
                "root": status.root,
                "sources": status.sources,
                "records": status.records,
                "newest_modified": status.newest_modified,
                "age_days": age.map(|age| age.as_hours() / 24),
                "max_age_days": max_age.map(|max_age| max_age.as_secs() / 86_400),
                "stale": stale,
            });
            let mut text = serde_json::to_string_pretty(&document)?;
            text.push('\n');
            text
        }
    };
    crate::output::write(None, &text)?;
    if stale {
        eprintln!(
            "warning: the newest advisory is older than the policy's `advisories.max-age`; run `tend db update`"
        );
    }
    Ok(ExitStatus::Success)
}

fn status_table(
    status: &tend_advisory::DatabaseStatus,
    age: Option<jiff::SignedDuration>,
    stale: bool,
    max_age: Option<std::time::Duration>,
) -> String {
    let mut out = String::new();
    if status.sources.is_empty() {
        let _ = writeln!(
            out,
            "No advisory database in {}\nRun `tend db update` to download OSV's PyPI advisories, or `tend db update --source DIR`.",
            status.root.display()
        );
        return out;
    }
    let mut table = tend_report::Table::new([
        "Source",
        "Kind",
        "Records",
        "Packages",
        "Unreadable",
        "Newest record",
        "Updated",
    ]);
    for source in &status.sources {
        table.push([
            source.location.clone(),
            serde_json::to_value(source.kind)
                .ok()
                .and_then(|kind| kind.as_str().map(str::to_string))
                .unwrap_or_default(),
            source.records.to_string(),
            source.packages.to_string(),
            source.problems.to_string(),
            source.newest_modified.map_or_else(
                || "-".to_string(),
                |time| time.strftime("%Y-%m-%d").to_string(),
            ),
            source.updated.strftime("%Y-%m-%d %H:%M UTC").to_string(),
        ]);
    }
    out.push_str(&table.render());
    let _ = writeln!(out, "Database: {}", status.root.display());
    let _ = write!(out, "{} records", status.records);
    if let Some(age) = age {
        let _ = write!(out, ", newest {} days old", age.as_hours() / 24);
    }
    if let Some(max_age) = max_age {
        let _ = write!(
            out,
            " (policy limit {} days{})",
            max_age.as_secs() / 86_400,
            if stale { ": stale" } else { "" }
        );
    }
    out.push('\n');
    out
}
