//! The installed-environment reader: a venv, an interpreter, or the project's venv, read into
//! an [`Environment`] with every distribution in its site-packages.
//!
//! Everything is read from disk when the layout allows: `pyvenv.cfg` gives the Python version
//! and whether the base interpreter's site-packages are included, and each `*.dist-info`,
//! `*.egg-info` and `*.egg-link` is read directly. An interpreter is started at most once per
//! read, and only for a plain interpreter (`--python /usr/bin/python3`) or a base interpreter
//! whose layout is not the standard one (Debian's `dist-packages`).
//!
//! Known limits: the user site (`~/.local/lib/python3.X/site-packages`, on `sys.path` of a venv
//! with `include-system-site-packages = true`) is read only when an interpreter is asked; `.pth`
//! files and `.egg` directories are not followed.

mod direct_url;
mod discovery;
mod dist_info;
mod egg_info;
mod interpreter;
mod markers;
mod metadata;
mod pyvenv_cfg;
mod site_packages;

use std::path::PathBuf;

use tend_model::{Diagnostic, Environment};

pub use direct_url::parse_direct_url;
pub use egg_info::parse_requires_txt;
pub use metadata::{parse_headers, parse_metadata, CoreMetadata, Header, Headers, MetadataError};
pub use pyvenv_cfg::PyvenvCfg;

use crate::SourceError;

/// Which environment to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnvironmentRequest {
    /// A venv directory (it must hold a `pyvenv.cfg`).
    Venv(PathBuf),
    /// An interpreter: a venv's own (read as that venv, from disk) or a plain one (asked once).
    Python(PathBuf),
    /// The project's venv: `virtual_env` (the `VIRTUAL_ENV` the CLI read) when set, then
    /// `.venv`, then `venv` in `project`. Nothing found gives `Ok(None)`.
    Discover {
        project: PathBuf,
        virtual_env: Option<PathBuf>,
    },
}

/// An environment and the non-fatal problems met reading it (broken distributions, bad
/// `Requires-Dist` rows, duplicates).
#[derive(Debug, Clone)]
pub struct EnvironmentRead {
    pub environment: Environment,
    pub diagnostics: Vec<Diagnostic>,
}

/// The environment as a whole could not be read.
#[derive(Debug, thiserror::Error)]
pub enum EnvironmentError {
    #[error("`{}` is not a virtual environment: it has no `pyvenv.cfg`", path.display())]
    NotAVenv { path: PathBuf },
    #[error("`{}` is neither an interpreter nor a virtual environment", path.display())]
    NotAnInterpreter { path: PathBuf },
    #[error("failed to read the venv configuration")]
    PyvenvCfg(#[source] SourceError),
    #[error("failed to start the interpreter `{}`", python.display())]
    InterpreterStart {
        python: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the interpreter `{}` failed ({status}): {stderr}", python.display())]
    InterpreterFailed {
        python: PathBuf,
        status: String,
        stderr: String,
    },
    #[error("the interpreter `{}` gave an answer tend cannot read: {message}", python.display())]
    InterpreterOutput { python: PathBuf, message: String },
}

/// Reads the requested environment. `Ok(None)` only for [`EnvironmentRequest::Discover`] when
/// the project has no venv.
pub fn read_environment(
    request: &EnvironmentRequest,
) -> Result<Option<EnvironmentRead>, EnvironmentError> {
    let layout = match request {
        EnvironmentRequest::Venv(prefix) => discovery::venv_layout(prefix)?,
        EnvironmentRequest::Python(python) => {
            if let Some(prefix) = discovery::venv_of_interpreter(python) {
                let mut layout = discovery::venv_layout(&prefix)?;
                layout.python = Some(python.clone());
                layout
            } else if python.is_file() || python.symlink_metadata().is_ok_and(|m| m.is_symlink()) {
                discovery::interpreter_layout(python)?
            } else {
                return Err(EnvironmentError::NotAnInterpreter {
                    path: python.clone(),
                });
            }
        }
        EnvironmentRequest::Discover {
            project,
            virtual_env,
        } => match discovery::discover(project, virtual_env.as_deref()) {
            Some(prefix) => discovery::venv_layout(&prefix)?,
            None => return Ok(None),
        },
    };
    let mut diagnostics = layout.diagnostics;
    let distributions =
        site_packages::read_distributions(&layout.site_directories, &mut diagnostics);
    let environment = Environment {
        prefix: layout.prefix,
        python: layout.python,
        python_version: layout.python_version,
        site_packages: layout
            .site_directories
            .into_iter()
            .map(|site| site.path)
            .collect(),
        include_system_site_packages: layout.include_system_site_packages,
        distributions,
        markers: layout.markers,
    };
    Ok(Some(EnvironmentRead {
        environment,
        diagnostics,
    }))
}
