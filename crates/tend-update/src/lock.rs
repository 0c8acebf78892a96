//! One update at a time per environment.
//!
//! The lock is an advisory file lock (`flock`) on a file named after the environment, taken for
//! as long as the update runs. The operating system drops it when the process ends in any way
//! (SIGKILL, a crash), so a stale lock never blocks the next run; what a killed run left
//! behind is the journal's business, not the lock's. The holder writes who it is into the
//! file, so that a second run can say who holds the lock instead of just failing.

use std::fs::TryLockError;
use std::io::{Read as _, Seek as _, SeekFrom, Write as _};
use std::path::{Path, PathBuf};

/// Who holds a lock, as the holder wrote it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder(pub String);

/// A held lock; dropping it releases it.
#[derive(Debug)]
pub struct EnvironmentLock {
    path: PathBuf,
    // Held only for the lock's lifetime: the lock belongs to this open file.
    _file: std::fs::File,
}

impl EnvironmentLock {
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Why a lock was not taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error(
        "another update of this environment is running ({holder}); wait for it to end, or stop \
         it (the lock file is `{}`)",
        path.display()
    )]
    Held { path: PathBuf, holder: String },
    #[error("cannot use the lock file `{}`", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Takes the lock at `path` (creating the file and its directory), or says who holds it.
/// `holder` describes this run for whoever comes second (`pid 4242, tend update --phase
/// critical, started 2026-11-23 12:00 UTC`).
pub fn lock(path: &Path, holder: &str) -> Result<EnvironmentLock, LockError> {
    let io = |source| LockError::Io {
        path: path.to_path_buf(),
        source,
    };
    if let Some(parent) = path
        .parent()
        .filter(|parent| !parent.as_os_str().is_empty())
    {
        fs_err::create_dir_all(parent).map_err(io)?;
    }
    // Not truncated on open: the holder's description must survive until the lock is ours.
    let mut file = fs_err::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .map_err(io)?
        .into_parts()
        .0;
    match file.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => {
            let mut text = String::new();
            // The holder may be between taking the lock and writing its name.
            let _ = file.read_to_string(&mut text);
            let holder = match text.trim() {
                "" => "its holder has not said who it is yet".to_string(),
                text => text.to_string(),
            };
            return Err(LockError::Held {
                path: path.to_path_buf(),
                holder,
            });
        }
        Err(TryLockError::Error(source)) => return Err(io(source)),
    }
    file.set_len(0).map_err(io)?;
    file.seek(SeekFrom::Start(0)).map_err(io)?;
    file.write_all(holder.as_bytes()).map_err(io)?;
    file.flush().map_err(io)?;
    Ok(EnvironmentLock {
        path: path.to_path_buf(),
        _file: file,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_says_who_holds_the_first() {
        let directory = std::env::temp_dir().join(format!("tend-lock-{}", std::process::id()));
        let path = directory.join("locks").join("env.lock");
        let first = lock(&path, "pid 1, tend update --phase critical").unwrap();
        // flock belongs to the open file: a second open in the same process conflicts too.
        let error = lock(&path, "pid 2, tend update").unwrap_err();
        assert_eq!(
            error.to_string(),
            format!(
                "another update of this environment is running (pid 1, tend update --phase \
                 critical); wait for it to end, or stop it (the lock file is `{}`)",
                path.display()
            )
        );
        drop(first);
        let second = lock(&path, "pid 2, tend update").unwrap();
        assert_eq!(second.path(), path);
        drop(second);
        let _ = fs_err::remove_dir_all(&directory);
    }
}
