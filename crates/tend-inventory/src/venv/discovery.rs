//! From what the user named (a venv, an interpreter, or nothing) to the directories to read.
//! The layout is read from disk whenever it can be; an interpreter is started at most once.

use std::path::{Path, PathBuf};

use tend_model::{Code, Diagnostic, Location, MarkerEnvironment, Severity, Version};

use super::interpreter::{query, InterpreterInfo};
use super::markers::{host_markers, Implementation};
use super::pyvenv_cfg::PyvenvCfg;
use super::site_packages::{find_site_packages, SiteDirectory};
use super::EnvironmentError;

/// Everything about an environment except its distributions.
#[derive(Debug)]
pub struct Layout {
    pub prefix: PathBuf,
    pub python: Option<PathBuf>,
    pub python_version: Option<Version>,
    pub include_system_site_packages: bool,
    pub site_directories: Vec<SiteDirectory>,
    pub markers: Option<MarkerEnvironment>,
    pub diagnostics: Vec<Diagnostic>,
}

/// The venv to read for a project: `VIRTUAL_ENV` (as the CLI passes it) when set, then
/// `.venv`, then `venv` in the project. `VIRTUAL_ENV` must be a venv; `.venv` and `venv` count
/// only when they hold a `pyvenv.cfg`.
pub fn discover(project: &Path, virtual_env: Option<&Path>) -> Option<PathBuf> {
    if let Some(virtual_env) = virtual_env {
        return Some(virtual_env.to_path_buf());
    }
    [".venv", "venv"]
        .into_iter()
        .map(|name| project.join(name))
        .find(|candidate| candidate.join("pyvenv.cfg").is_file())
}

/// The layout of the venv at `prefix`, read from `pyvenv.cfg` and the directory tree.
pub fn venv_layout(prefix: &Path) -> Result<Layout, EnvironmentError> {
    let cfg_path = prefix.join("pyvenv.cfg");
    if !cfg_path.is_file() {
        return Err(EnvironmentError::NotAVenv {
            path: prefix.to_path_buf(),
        });
    }
    let mut cfg = PyvenvCfg::read(&cfg_path).map_err(EnvironmentError::PyvenvCfg)?;
    let mut diagnostics = std::mem::take(&mut cfg.diagnostics);
    let venv_sites = find_site_packages(prefix, cfg.version.as_ref());
    if venv_sites.is_empty() {
        diagnostics.push(
            Diagnostic::new(
                Code::SourceWarning,
                Severity::Warning,
                format!(
                    "no site-packages directory found in the venv `{}`",
                    prefix.display()
                ),
            )
            .with_location(Location::file(&cfg_path)),
        );
    }
    let pypy = cfg
        .implementation
        .as_deref()
        .is_some_and(|name| name.eq_ignore_ascii_case("pypy"))
        || venv_sites.iter().any(|site| {
            site.parent()
                .and_then(Path::file_name)
                .is_some_and(|name| name.to_string_lossy().starts_with("pypy"))
        });
    let implementation = if pypy {
        Implementation::PyPy
    } else {
        Implementation::CPython
    };

    let mut site_directories: Vec<SiteDirectory> = venv_sites
        .into_iter()
        .map(|path| SiteDirectory {
            path,
            system: false,
        })
        .collect();
    let mut python_version = cfg.version.clone();
    let mut markers = None;
    if cfg.include_system_site_packages {
        match system_site_packages(&cfg, &cfg_path)? {
            SystemSites::OnDisk(paths) => {
                site_directories.extend(
                    paths
                        .into_iter()
                        .map(|path| SiteDirectory { path, system: true }),
                );
            }
            SystemSites::Asked(info) => {
                site_directories.extend(
                    info.site_packages
                        .into_iter()
                        .filter(|path| Some(path) != info.user_site.as_ref())
                        .map(|path| SiteDirectory { path, system: true }),
                );
                python_version = python_version.or(info.python_version);
                // The base interpreter is the venv's interpreter: its values are exact.
                markers = Some(info.markers);
            }
            SystemSites::Unknown(diagnostic) => diagnostics.push(diagnostic),
        }
    }
    if markers.is_none() {
        markers = python_version
            .as_ref()
            .and_then(|version| host_markers(version, implementation));
    }
    Ok(Layout {
        prefix: prefix.to_path_buf(),
        python: venv_python(prefix),
        python_version,
        include_system_site_packages: cfg.include_system_site_packages,
        site_directories,
        markers,
        diagnostics,
    })
}

enum SystemSites {
    OnDisk(Vec<PathBuf>),
    Asked(InterpreterInfo),
    Unknown(Diagnostic),
}

/// The base interpreter's site-packages. Derived from `home` when the standard layout is
/// there; a distribution that patches the layout (Debian's `dist-packages`) or a missing
/// directory means asking the base interpreter.
fn system_site_packages(cfg: &PyvenvCfg, cfg_path: &Path) -> Result<SystemSites, EnvironmentError> {
    let unknown = |reason: String| {
        SystemSites::Unknown(
            Diagnostic::new(
                Code::SourceWarning,
                Severity::Warning,
                format!("the system site-packages were not read: {reason}"),
            )
            .with_location(Location::file(cfg_path)),
        )
    };
    let Some(home) = &cfg.home else {
        return Ok(unknown("pyvenv.cfg has no `home`".to_string()));
    };
    // POSIX `home` is `<prefix>/bin`; on Windows it is the prefix itself.
    let base_prefix = if home.file_name().is_some_and(|name| name == "bin") {
        home.parent().unwrap_or(home)
    } else {
        home.as_path()
    };
    let short = cfg.version.as_ref().and_then(|version| {
        let release = version.release();
        Some(format!("{}.{}", release.first()?, release.get(1)?))
    });
    let debian = base_prefix.join("lib/python3/dist-packages").is_dir()
        || short.as_ref().is_some_and(|short| {
            base_prefix
                .join(format!("lib/python{short}/dist-packages"))
                .is_dir()
        });
    if !debian {
        let found = find_site_packages(base_prefix, cfg.version.as_ref());
        if !found.is_empty() {
            return Ok(SystemSites::OnDisk(found));
        }
    }
    let mut names = Vec::new();
    if let Some(short) = &short {
        names.push(format!("python{short}"));
    }
    names.extend(["python3", "python", "python.exe"].map(str::to_string));
    let Some(python) = names
        .iter()
        .map(|name| home.join(name))
        .find(|path| path.is_file())
    else {
        return Ok(unknown(format!(
            "no interpreter found in `{}`",
            home.display()
        )));
    };
    query(&python).map(SystemSites::Asked)
}

/// The venv's own interpreter, when there is one (it may be a dangling symlink: that is still
/// the path users know the venv by).
fn venv_python(prefix: &Path) -> Option<PathBuf> {
    ["bin/python", "bin/python3", "Scripts/python.exe"]
        .into_iter()
        .map(|name| prefix.join(name))
        .find(|path| path.symlink_metadata().is_ok())
}

/// The venv an interpreter belongs to: `pyvenv.cfg` beside the executable or one level up, where
/// Python itself looks.
pub fn venv_of_interpreter(python: &Path) -> Option<PathBuf> {
    if python.is_dir() {
        return python
            .join("pyvenv.cfg")
            .is_file()
            .then(|| python.to_path_buf());
    }
    let bin = python.parent()?;
    [Some(bin), bin.parent()]
        .into_iter()
        .flatten()
        .find(|dir| dir.join("pyvenv.cfg").is_file())
        .map(Path::to_path_buf)
}

/// The layout of a plain interpreter, asked once.
pub fn interpreter_layout(python: &Path) -> Result<Layout, EnvironmentError> {
    let info = query(python)?;
    let in_venv = info.prefix != info.base_prefix;
    let site_directories: Vec<SiteDirectory> = info
        .site_packages
        .into_iter()
        .map(|path| SiteDirectory {
            system: in_venv && !path.starts_with(&info.prefix),
            path,
        })
        .collect();
    Ok(Layout {
        prefix: info.prefix,
        python: Some(python.to_path_buf()),
        python_version: info.python_version,
        include_system_site_packages: site_directories.iter().any(|site| site.system),
        site_directories,
        markers: Some(info.markers),
        diagnostics: Vec::new(),
    })
}
