//! Turns arguments, the process environment and the policy file into the typed inputs of the
//! library crates. This is the only place that reads environment variables.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Result;
use tend_check::{CheckKind, CheckOptions, CriticalImport, VersionRule};
use tend_inventory::{EnvironmentRequest, InventoryRequest, ReadContext, SourceSelection};
use tend_model::{Inventory, SourceKind};
use tend_policy::{EnvironmentSetting, Policy};

use crate::cli::{CheckKindArg, CheckSelection, IndexArgs, ProjectArgs};

/// The project directory and its policy.
pub struct ProjectSettings {
    pub project: PathBuf,
    pub policy: Policy,
    pub inventory: InventoryRequest,
}

impl ProjectSettings {
    pub fn resolve(args: &ProjectArgs, config: Option<&Path>) -> Result<Self> {
        let project = args.project.clone().unwrap_or_else(|| PathBuf::from("."));
        if !project.is_dir() {
            anyhow::bail!(crate::diagnostics::UsageError(format!(
                "the project directory `{}` does not exist",
                project.display()
            )));
        }
        let policy = policy(&project, config)?;

        // Command line first, then the policy, then what the shell has activated, then the
        // project's own `.venv` / `venv`.
        let environment = if args.no_environment {
            None
        } else if let Some(venv) = &args.venv {
            Some(EnvironmentRequest::Venv(venv.clone()))
        } else if let Some(python) = &args.python {
            Some(EnvironmentRequest::Python(python.clone()))
        } else {
            match &policy.environment {
                Some(EnvironmentSetting::Venv(path)) => {
                    Some(EnvironmentRequest::Venv(path.clone()))
                }
                Some(EnvironmentSetting::Python(path)) => {
                    Some(EnvironmentRequest::Python(path.clone()))
                }
                None => Some(EnvironmentRequest::Discover {
                    project: project.clone(),
                    virtual_env: std::env::var_os("VIRTUAL_ENV")
                        .filter(|value| !value.is_empty())
                        .map(PathBuf::from),
                }),
            }
        };

        let sources = if args.requirements.is_empty() && args.sources.is_empty() {
            SourceSelection::Discover
        } else {
            SourceSelection::Files {
                files: args.sources.clone(),
                requirements: args.requirements.clone(),
            }
        };

        // `${VAR}` in requirements files expands from the process environment, as pip does.
        let variables = std::env::vars().collect();

        let inventory = InventoryRequest {
            project: project.clone(),
            environment,
            sources,
            context: ReadContext { variables },
        };
        Ok(Self {
            project,
            policy,
            inventory,
        })
    }

    /// How reports print paths: relative to the project.
    pub fn display(&self) -> tend_report::DisplayOptions {
        tend_report::DisplayOptions {
            project: Some(self.project.clone()),
        }
    }

    /// The check's inputs, once the inventory says which files were read.
    pub fn check_options(&self, selection: &CheckSelection, inventory: &Inventory) -> CheckOptions {
        let all = [
            CheckKind::Requirements,
            CheckKind::Drift,
            CheckKind::Pins,
            CheckKind::Integrity,
            CheckKind::Imports,
            CheckKind::Rules,
        ];
        let mut select: BTreeSet<CheckKind> = if selection.select.is_empty() {
            all.into_iter().collect()
        } else {
            selection
                .select
                .iter()
                .map(|kind| check_kind(*kind))
                .collect()
        };
        for kind in &selection.skip {
            select.remove(&check_kind(*kind));
        }

        let (production_files, development_files) = self.file_roles(inventory);
        CheckOptions {
            select,
            production_files,
            development_files,
            critical_imports: self
                .policy
                .check
                .critical_imports
                .iter()
                .map(|import| CriticalImport {
                    module: import.value.clone(),
                    location: import.location.clone(),
                })
                .collect(),
            version_rules: self
                .policy
                .check
                .version_rules
                .iter()
                .map(|rule| VersionRule {
                    package: rule.package.clone(),
                    specifier: rule.specifier.clone(),
                    location: rule.location.clone(),
                })
                .collect(),
            import_timeout: Duration::from_secs(60),
        }
    }

    /// Production and development files: the policy's lists when it has them; otherwise by the
    /// usual names (`requirements.txt` and `requirements/prod*.txt` are production, names with
    /// `dev` or `test` development).
    fn file_roles(&self, inventory: &Inventory) -> (Vec<PathBuf>, Vec<PathBuf>) {
        if !self.policy.sources.production.is_empty() || !self.policy.sources.development.is_empty()
        {
            return (
                self.policy.sources.production.clone(),
                self.policy.sources.development.clone(),
            );
        }
        let mut production = Vec::new();
        let mut development = Vec::new();
        for source in &inventory.sources {
            if source.kind != SourceKind::RequirementsTxt {
                continue;
            }
            let name = source
                .path
                .file_name()
                .map(|name| name.to_string_lossy().to_ascii_lowercase())
                .unwrap_or_default();
            let in_requirements_dir = source
                .path
                .parent()
                .and_then(Path::file_name)
                .is_some_and(|parent| parent == "requirements");
            if name.contains("dev")
                || name.contains("test")
                || name.contains("lint")
                || name.contains("doc")
            {
                development.push(source.path.clone());
            } else if name == "requirements.txt"
                || name.starts_with("requirements-prod")
                || (in_requirements_dir && (name.starts_with("prod") || name.starts_with("base")))
            {
                production.push(source.path.clone());
            }
        }
        (production, development)
    }
}

fn check_kind(kind: CheckKindArg) -> CheckKind {
    match kind {
        CheckKindArg::Requirements => CheckKind::Requirements,
        CheckKindArg::Drift => CheckKind::Drift,
        CheckKindArg::Pins => CheckKind::Pins,
        CheckKindArg::Integrity => CheckKind::Integrity,
        CheckKindArg::Imports => CheckKind::Imports,
        CheckKindArg::Rules => CheckKind::Rules,
    }
}

/// The directory for downloaded and derived data (the advisory database and its indexes, HTTP
/// caches): `--cache-dir`, else `$TEND_CACHE_DIR`, else `$XDG_CACHE_HOME/tend`, else
/// `~/.cache/tend`. Relative XDG values are ignored, as the XDG specification says.
/// The policy of `project`: the file `--config` names, else the project's `tend.toml` or
/// `[tool.tend]` (the defaults when it has neither).
pub fn policy(project: &Path, config: Option<&Path>) -> Result<Policy> {
    Ok(match config {
        Some(file) => tend_policy::load_file(file)?,
        None => tend_policy::load(project)?,
    })
}

pub fn cache_dir(flag: Option<&Path>) -> Result<PathBuf> {
    if let Some(dir) = flag {
        return Ok(dir.to_path_buf());
    }
    let from_env = |name: &str| {
        std::env::var_os(name)
            .filter(|value| !value.is_empty())
            .map(PathBuf::from)
    };
    if let Some(dir) = from_env("TEND_CACHE_DIR") {
        return Ok(dir);
    }
    if let Some(dir) = from_env("XDG_CACHE_HOME").filter(|dir| dir.is_absolute()) {
        return Ok(dir.join("tend"));
    }
    if let Some(home) = from_env("HOME") {
        return Ok(home.join(".cache").join("tend"));
    }
    anyhow::bail!(crate::diagnostics::UsageError(
        "no cache directory: set --cache-dir, TEND_CACHE_DIR or HOME".to_string()
    ))
}

/// The history database: `--store`, else `$XDG_STATE_HOME/tend/history.sqlite3`, else
/// `~/.local/state/tend/history.sqlite3`. A relative XDG value is ignored, as the XDG
/// specification says.
pub fn store_path(flag: Option<&Path>) -> Result<PathBuf> {
    if let Some(path) = flag {
        return Ok(path.to_path_buf());
    }
    let from_env = |name: &str| {
        std::env::var_os(name)
            .filter(|value| !value.is_empty())
            .map(PathBuf::from)
    };
    let file = Path::new("tend").join("history.sqlite3");
    if let Some(dir) = from_env("XDG_STATE_HOME").filter(|dir| dir.is_absolute()) {
        return Ok(dir.join(file));
    }
    if let Some(home) = from_env("HOME") {
        return Ok(home.join(".local").join("state").join(file));
    }
    anyhow::bail!(crate::diagnostics::UsageError(
        "no place for the history store: set --store, XDG_STATE_HOME or HOME".to_string()
    ))
}

/// The current time, read once per run so that every stage agrees. `TEND_NOW` (RFC 3339)
/// replaces the clock, for reproducible reports and tests.
/// The history store, when there is one and it opens: for the warnings of commands that only
/// read it (an interrupted update, a late schedule). Not creating one, and not failing the
/// command, is the point: its problems are not these commands'.
pub fn open_existing_store(flag: Option<&Path>) -> Option<tend_store::SqliteStore> {
    let path = store_path(flag).ok()?;
    if !path.exists() {
        return None;
    }
    tend_store::SqliteStore::open(&path).ok()
}

pub fn now() -> Result<jiff::Timestamp> {
    match std::env::var("TEND_NOW") {
        Ok(text) if !text.is_empty() => text.parse().map_err(|error| {
            anyhow::Error::new(crate::diagnostics::UsageError(format!(
                "TEND_NOW=`{text}` is not an RFC 3339 time (e.g. 2026-11-23T12:00:00Z): {error}"
            )))
        }),
        _ => Ok(jiff::Timestamp::now()),
    }
}

/// The environment variables pip and uv read for their indexes, handed to `tend-index` as they
/// are: that crate knows what each means and which wins.
const INDEX_VARIABLES: [&str; 8] = [
    "PIP_INDEX_URL",
    "PIP_EXTRA_INDEX_URL",
    "PIP_NO_INDEX",
    "UV_INDEX_URL",
    "UV_DEFAULT_INDEX",
    "UV_EXTRA_INDEX_URL",
    "UV_INDEX",
    "UV_NO_INDEX",
];

/// The indexes of a run, from the flags, the policy's `[index]` table, the environment,
/// `pip.conf`, the requirements files read and `.netrc`. A value that cannot be used (a bad
/// URL in a variable, an unreadable `pip.conf` or `.netrc`) is a usage error naming where it
/// was written.
pub fn index_settings(
    flags: &IndexArgs,
    policy: &Policy,
    inventory: &Inventory,
) -> Result<tend_index::IndexSettings> {
    let environment = index_environment()?;
    let current_dir = std::env::current_dir().ok();
    // Where pip looks for pip.conf and requests for .netrc: HOME, XDG_CONFIG_HOME,
    // XDG_CONFIG_DIRS, PIP_CONFIG_FILE, NETRC (APPDATA and PROGRAMDATA on Windows).
    let variable = |name: &str| std::env::var_os(name);
    let home = variable("HOME")
        .filter(|home| !home.is_empty())
        .map(PathBuf::from);
    // Relative index paths resolve against the directory of the file they are written in; the
    // files' own paths are relative when the project was named by a relative path, and a
    // `file://` URL needs an absolute one.
    let absolute = |path: &Path| std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let policy_file = policy.file.as_ref().map(|file| absolute(file.path()));
    let policy_file = policy_file.as_deref();
    let requirement_files: Vec<PathBuf> = inventory
        .sources
        .iter()
        .map(|source| absolute(&source.path))
        .collect();
    let inputs = tend_index::SettingsInputs {
        flag_index_url: flags.index_url.as_deref(),
        flag_extra_index_urls: &flags.extra_index_urls,
        flag_no_index: flags.no_index,
        policy_index_url: policy_file.and_then(|file| {
            policy
                .index
                .url
                .as_ref()
                .map(|url| (url.value.as_str(), file))
        }),
        policy_extra_index_urls: policy_file
            .map(|file| {
                policy
                    .index
                    .extra_urls
                    .iter()
                    .map(|url| (url.value.as_str(), file))
                    .collect()
            })
            .unwrap_or_default(),
        environment,
        requirements: requirement_files
            .iter()
            .zip(&inventory.sources)
            .map(|(path, source)| (path.as_path(), &source.options))
            .collect(),
        pip_conf_files: tend_index::settings::pip_conf_paths(
            &variable,
            home.as_deref(),
            inventory
                .environment
                .as_ref()
                .map(|environment| environment.prefix.as_path()),
        ),
        netrc_file: tend_index::settings::netrc_path(&variable, home.as_deref()),
        current_dir: current_dir.as_deref(),
    };
    tend_index::IndexSettings::resolve(&inputs).map_err(|error| match error {
        // Not a mistake in a value: the settings ask for no index. `scan` skips the stage.
        tend_index::SettingsError::NoIndex { ref origin } => anyhow::Error::new(NoIndex {
            origin: origin.clone(),
            message: error.to_string(),
        }),
        error => anyhow::Error::new(crate::diagnostics::UsageError(error.to_string())),
    })
}

/// The index variables that are set. One that is not UTF-8 cannot be a URL or a flag value,
/// so it is an error rather than a setting silently skipped.
fn index_environment() -> Result<Vec<(&'static str, String)>> {
    let mut set = Vec::new();
    for name in INDEX_VARIABLES {
        match std::env::var(name) {
            Ok(value) => set.push((name, value)),
            Err(std::env::VarError::NotPresent) => {}
            Err(std::env::VarError::NotUnicode(_)) => {
                anyhow::bail!(crate::diagnostics::UsageError(format!(
                    "the environment variable {name} is not valid UTF-8; expected an index URL"
                )));
            }
        }
    }
    Ok(set)
}

/// Every index is turned off (`--no-index`, `PIP_NO_INDEX`, `no-index` in pip.conf or a
/// requirements file) and none is given on the command line: there is nothing to ask.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct NoIndex {
    /// The setting that turned the indexes off (`PIP_NO_INDEX`, a file, `--no-index`).
    pub origin: String,
    pub message: String,
}
