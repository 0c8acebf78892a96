//! `tend init`: writes a starting `tend.toml`. The text comes from `tend-policy`, where its
//! tests load it back; here it is checked again through the loader before it replaces
//! anything, and written atomically so that a failed run leaves no half file.

use std::io::Write;
use std::path::Path;

use anyhow::{bail, Context, Result};
use tend_policy::{Preset, FALLBACK_CATEGORY};

use crate::cli::{InitArgs, PresetArg};
use crate::diagnostics::ExitStatus;

/// Writes `PROJECT/tend.toml`, or the file `--config` names (so that `tend --config FILE
/// init` and later `tend --config FILE check` agree).
pub fn run(args: &InitArgs, config: Option<&Path>) -> Result<ExitStatus> {
    let target = if let Some(config) = config {
        if config
            .file_name()
            .is_some_and(|name| name == "pyproject.toml")
        {
            // Its other tables are the project's: tend writes only files of its own.
            bail!(
                "`tend init` writes a policy file of its own, not `{}`; add a `[tool.tend]` table there by hand, or name another file with `--config`",
                config.display()
            );
        }
        config.to_path_buf()
    } else {
        args.project
            .as_deref()
            .unwrap_or(Path::new("."))
            .join("tend.toml")
    };
    let project = match target.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    if !project.is_dir() {
        bail!(
            "the directory `{}` does not exist or is not a directory",
            project.display()
        );
    }
    if target.exists() && !args.force {
        bail!(
            "`{}` already exists; pass `--force` to replace it",
            target.display()
        );
    }
    let preset = match args.preset {
        None => Preset::Starter,
        Some(PresetArg::WebService) => Preset::WebService,
    };

    // In the same directory, so that the rename below is atomic.
    let mut temporary = tempfile::Builder::new()
        .prefix(".tend.toml.")
        .tempfile_in(project)
        .with_context(|| format!("failed to create a file in `{}`", project.display()))?;
    temporary
        .write_all(preset.text().as_bytes())
        .and_then(|()| temporary.as_file().sync_all())
        .with_context(|| format!("failed to write `{}`", temporary.path().display()))?;
    let policy = tend_policy::load_file(temporary.path())
        .context("the starting policy does not load back; this is a bug in tend")?;
    let written = if args.force {
        temporary.persist(&target).map_err(|error| error.error)
    } else {
        // Another process may have created it since the check above: never replace it.
        temporary
            .persist_noclobber(&target)
            .map_err(|error| error.error)
    };
    written.with_context(|| format!("failed to write `{}`", target.display()))?;

    let categories: Vec<String> = policy
        .categories
        .iter()
        .map(|category| format!("`{}`", category.name))
        .collect();
    if categories.is_empty() {
        println!(
            "Wrote `{}`: no categories yet; every package is in `{FALLBACK_CATEGORY}`.",
            target.display()
        );
    } else {
        println!(
            "Wrote `{}`: categories {}, then `{FALLBACK_CATEGORY}` for every other package.",
            target.display(),
            categories.join(", ")
        );
    }
    Ok(ExitStatus::Success)
}
