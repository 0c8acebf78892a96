//! Replacing a requirement file: written beside it, synced, given the old file's permissions,
//! then renamed over it, so that a reader (pip, a crash, a second tend) sees the old file or
//! the new one, never half of one.
//!
//! The temporary file has a fixed name per target ([`temporary_path`]): a run killed between
//! writing it and renaming it leaves one known file behind, which the next write of the same
//! target replaces and a rollback removes, rather than a stray with a random name.

use std::io::Write as _;
use std::path::{Path, PathBuf};

/// Where [`replace_file`] writes `path`'s new text before renaming it: `.NAME.tend-new` in
/// the same directory (a rename cannot cross devices).
pub fn temporary_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.tend-new"))
}

/// Replaces `path` with `text` atomically, keeping its permissions. A missing `path` is an
/// error: the requirement files it rewrites were just read.
pub fn replace_file(path: &Path, text: &str) -> std::io::Result<()> {
    let permissions = fs_err::metadata(path)?.permissions();
    write(path, text, Some(permissions))
}

/// Writes `path` atomically, creating it (with the default permissions) or replacing it
/// (keeping its permissions): for files tend generates, such as exported unit files.
pub fn write_file(path: &Path, text: &str) -> std::io::Result<()> {
    let permissions = match fs_err::metadata(path) {
        Ok(metadata) => Some(metadata.permissions()),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => None,
        Err(error) => return Err(error),
    };
    write(path, text, permissions)
}

fn write(
    path: &Path,
    text: &str,
    permissions: Option<std::fs::Permissions>,
) -> std::io::Result<()> {
    let temporary = temporary_path(path);
    // A leftover of a killed run is stale by definition: this write supersedes it.
    let result = (|| {
        let mut file = fs_err::File::create(&temporary)?;
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
        drop(file);
        if let Some(permissions) = permissions {
            fs_err::set_permissions(&temporary, permissions)?;
        }
        fs_err::rename(&temporary, path)
    })();
    if let Err(error) = result {
        let _ = fs_err::remove_file(&temporary);
        return Err(error);
    }
    // The rename itself is durable once the directory is synced.
    let directory = path
        .parent()
        .filter(|parent| !parent.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if let Ok(directory) = fs_err::File::open(directory) {
        let _ = directory.sync_all();
    }
    Ok(())
}
