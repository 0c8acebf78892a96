//! Putting an environment and its requirement files back as a snapshot had them, and proving
//! it: after the restore the environment is read again and compared with the snapshot
//! distribution by distribution ([`crate::compare`]); any difference is reported, never
//! hidden.
//!
//! The files come first (each replaced atomically, or created again when it was removed),
//! then the environment: distributions the snapshot does not have, or has at another version
//! or from another source, are uninstalled, and the snapshot's exact set is installed without
//! dependency resolution (`--no-deps`: the set is already complete), from the same indexes.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use tend_model::Inventory;
use tend_process::Limits;

use crate::snapshot::{compare, Difference, FileCopy, Snapshot};
use crate::trial::{Installer, Step, TrialError};

/// Why a restore could not be carried out.
#[derive(Debug, thiserror::Error)]
pub enum RestoreError {
    #[error("cannot write `{}` back", path.display())]
    File {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Trial(#[from] TrialError),
    #[error("cannot read the environment after the restore: {0}")]
    Read(String),
}

/// Writes back every file of `snapshot` whose text differs from what is on disk.
pub fn restore_files(snapshot: &Snapshot) -> Result<Vec<PathBuf>, RestoreError> {
    let mut written = Vec::new();
    for copy in &snapshot.files {
        // A write-back killed before its rename leaves its new text beside the file.
        let _ = fs_err::remove_file(tend_writeback::temporary_path(&copy.path));
        if fs_err::read_to_string(&copy.path).ok().as_deref() == Some(copy.text.as_str()) {
            continue;
        }
        write_back(copy).map_err(|source| RestoreError::File {
            path: copy.path.clone(),
            source,
        })?;
        written.push(copy.path.clone());
    }
    Ok(written)
}

fn write_back(copy: &FileCopy) -> std::io::Result<()> {
    if copy.path.exists() {
        return tend_writeback::replace_file(&copy.path, &copy.text);
    }
    if let Some(parent) = copy
        .path
        .parent()
        .filter(|parent| !parent.as_os_str().is_empty())
    {
        fs_err::create_dir_all(parent)?;
    }
    fs_err::write(&copy.path, &copy.text)
}

/// The installer's command for the live environment `python`.
fn installer_command(installer: &Installer, python: &Path, words: &[&str]) -> Command {
    match installer {
        Installer::Uv { program } => {
            let mut command = Command::new(program);
            command.args(["pip"]).args(&words[..1]);
            command.args(["--no-config", "--python"]).arg(python);
            command.args(&words[1..]);
            command
        }
        Installer::Pip => {
            let mut command = Command::new(python);
            command.args(["-m", "pip"]).args(&words[..1]);
            command.args(["--disable-pip-version-check", "--no-input"]);
            command.args(&words[1..]);
            command
        }
    }
}

/// Puts the environment of `python` back to `snapshot`: `now` is the environment as read
/// before; `read` reads it again afterwards. `scratch` holds the restore's requirements file.
#[allow(clippy::too_many_arguments)]
pub fn restore_environment(
    snapshot: &Snapshot,
    now: &Snapshot,
    python: &Path,
    installer: &Installer,
    index_args: &[String],
    scratch: &Path,
    timeout: Duration,
    read: &dyn Fn() -> Result<Inventory, String>,
) -> Result<(Vec<Step>, Vec<Difference>), RestoreError> {
    let differences = compare(snapshot, now);
    let mut steps = Vec::new();
    if differences.is_empty() {
        return Ok((steps, differences));
    }
    // Whatever is not exactly the snapshot's goes first, so the install below puts back the
    // snapshot's own distribution rather than keeping another one of the same name.
    let remove: Vec<String> = differences
        .iter()
        .filter_map(|difference| match difference {
            Difference::Extra { name, .. }
            | Difference::Version { name, .. }
            | Difference::Source { name } => Some(name.to_string()),
            Difference::Missing { .. } => None,
        })
        .collect();
    if !remove.is_empty() {
        let mut words = vec!["uninstall"];
        if *installer == Installer::Pip {
            words.push("--yes");
        }
        words.extend(remove.iter().map(String::as_str));
        let mut command = installer_command(installer, python, &words);
        steps.push(crate::trial::run_step(&mut command, Limits::new(timeout))?);
    }
    fs_err::create_dir_all(scratch).map_err(|source| RestoreError::File {
        path: scratch.to_path_buf(),
        source,
    })?;
    let file = scratch.join("tend-restore.txt");
    let (index_lines, argv) = crate::trial::split_index_args(index_args);
    fs_err::write(&file, index_lines + &snapshot.restore_requirements()).map_err(|source| {
        RestoreError::File {
            path: file.clone(),
            source,
        }
    })?;
    let file_text = file.to_string_lossy().into_owned();
    let mut words = vec!["install", "--no-deps", "-r", file_text.as_str()];
    words.extend(argv.iter().map(String::as_str));
    let mut command = installer_command(installer, python, &words);
    steps.push(crate::trial::run_step(&mut command, Limits::new(timeout))?);
    let _ = fs_err::remove_file(&file);

    let inventory = read().map_err(RestoreError::Read)?;
    let after = Snapshot::capture(&inventory, Vec::new(), snapshot.taken);
    Ok((steps, compare(snapshot, &after)))
}

/// Installs the requirements `text` (a snapshot's set with the kept updates in place) into the
/// live environment of `python`, resolving dependencies as the trial did.
pub fn install_set(
    python: &Path,
    installer: &Installer,
    index_args: &[String],
    scratch: &Path,
    text: &str,
    timeout: Duration,
) -> Result<Step, RestoreError> {
    fs_err::create_dir_all(scratch).map_err(|source| RestoreError::File {
        path: scratch.to_path_buf(),
        source,
    })?;
    let file = scratch.join("tend-apply.txt");
    let (index_lines, argv) = crate::trial::split_index_args(index_args);
    fs_err::write(&file, index_lines + text).map_err(|source| RestoreError::File {
        path: file.clone(),
        source,
    })?;
    let file_text = file.to_string_lossy().into_owned();
    let mut words = vec!["install", "-r", file_text.as_str()];
    words.extend(argv.iter().map(String::as_str));
    let mut command = installer_command(installer, python, &words);
    let step = crate::trial::run_step(&mut command, Limits::new(timeout))?;
    let _ = fs_err::remove_file(&file);
    Ok(step)
}
