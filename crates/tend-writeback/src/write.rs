//! Replacing a requirement file: written beside it, synced, given the old file's permissions,
//! then renamed over it, so that a reader (pip, a crash, a second tend) sees the old file or
//! the new one, never half of one.

use std::io::Write as _;
use std::path::Path;

/// Replaces `path` with `text` atomically, keeping its permissions.
pub fn replace_file(path: &Path, text: &str) -> std::io::Result<()> {
    let directory = path
        .parent()
        .filter(|parent| !parent.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let permissions = fs_err::metadata(path)?.permissions();
    let mut temporary = tempfile::Builder::new()
        .prefix(".tend-")
        .suffix(".tmp")
        .tempfile_in(directory)?;
    temporary.write_all(text.as_bytes())?;
    temporary.as_file().sync_all()?;
    fs_err::set_permissions(temporary.path(), permissions)?;
    temporary.persist(path).map_err(|error| error.error)?;
    // The rename itself is durable once the directory is synced.
    if let Ok(directory) = fs_err::File::open(directory) {
        let _ = directory.sync_all();
    }
    Ok(())
}
