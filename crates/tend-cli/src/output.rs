//! Where command output goes: standard output, or a file replaced atomically so that a reader
//! never sees half of it.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};

pub fn write(output: Option<&Path>, text: &str) -> Result<()> {
    match output {
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout
                .write_all(text.as_bytes())
                .context("failed to write to standard output")?;
            stdout
                .flush()
                .context("failed to write to standard output")?;
        }
        Some(path) => {
            let directory = path
                .parent()
                .filter(|parent| !parent.as_os_str().is_empty());
            let directory = directory.unwrap_or(Path::new("."));
            let file_name = path
                .file_name()
                .with_context(|| format!("`{}` is not a file name", path.display()))?
                .to_string_lossy();
            // The temporary file sits beside the target so that the rename cannot cross devices.
            let temporary = directory.join(format!(".{file_name}.tend-{}.tmp", std::process::id()));
            let result =
                fs_err::write(&temporary, text).and_then(|()| fs_err::rename(&temporary, path));
            if let Err(error) = result {
                let _ = fs_err::remove_file(&temporary);
                return Err(error).with_context(|| format!("failed to write `{}`", path.display()));
            }
        }
    }
    Ok(())
}
