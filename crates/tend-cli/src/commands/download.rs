//! `tend db update --source URL`: downloads an OSV archive with HTTP caching and installs it
//! into the local database only once it has been checked whole.

use std::path::Path;

use anyhow::Result;
use tend_advisory::Database;

use super::online;

/// Brings the archive at `url` into `database`, conditionally on the validators of the last
/// download, and returns the line to print. The download is staged inside the database's own
/// directory (`root`), so installing it is a rename.
pub fn update_url(
    database: &mut Database,
    root: &Path,
    url: &str,
    now: jiff::Timestamp,
) -> Result<String> {
    debug_assert_eq!(database.root(), root);
    let url = online::parse_url("--source", url)?;
    // Downloads keep their validators in the database: no HTTP cache.
    let client = online::client(None, false, now)?;
    let outcome = online::runtime()?
        .block_on(tend_advisory::update_from_url(database, &client, &url, now))?;
    Ok(outcome.to_string())
}
