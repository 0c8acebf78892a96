//! Which indexes to ask, from the places pip and uv users already write them, and the
//! credentials to ask them with.
//! OWNER: helper "index-settings".
//!
//! Precedence of the primary index (first found wins): `--index-url` flag, the policy's
//! `[index] url`, `UV_INDEX_URL` / `UV_DEFAULT_INDEX`, `PIP_INDEX_URL`, `--index-url` in a
//! requirements file, `pip.conf` (`[global]`, then `[install]` overriding it), then the public
//! default. Extra indexes are the union of every source, in that order, duplicates dropped.
//! `--no-index` anywhere leaves only extra indexes given on the command line. (The exact
//! rules are the helper's to finish and document in docs/configuration.md.)

use std::path::{Path, PathBuf};

use tend_model::SourceOptions;
use url::Url;

/// The public index, used when nothing else is configured.
pub const DEFAULT_INDEX: &str = "https://pypi.org/simple/";

/// Where an index setting came from, for `--verbose` output and error messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IndexOrigin {
    Flag,
    Policy { path: PathBuf },
    Environment { variable: &'static str },
    RequirementsFile { path: PathBuf },
    PipConf { path: PathBuf },
    Default,
}

/// One index to ask: its URL (possibly with credentials, never to be printed: use
/// [`IndexUrl::redacted`]) and where it was configured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexUrl {
    /// `http`, `https` or `file` URL, ending in `/`.
    pub url: Url,
    pub origin: IndexOrigin,
}

impl IndexUrl {
    /// The URL without credentials, for output.
    pub fn redacted(&self) -> String {
        tend_http::RedactedUrl::new(&self.url).to_string()
    }
}

/// The indexes of a run: the primary first, then the extra ones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexSettings {
    pub indexes: Vec<IndexUrl>,
}

/// Everything the settings are made from. The CLI reads the environment and finds the files;
/// this module only reads the files it is given.
#[derive(Debug, Clone, Default)]
pub struct SettingsInputs<'a> {
    /// `--index-url` on the command line (a URL, or a path to a local directory index).
    pub flag_index_url: Option<&'a str>,
    /// `--extra-index-url` on the command line.
    pub flag_extra_index_urls: &'a [String],
    /// `--no-index` on the command line.
    pub flag_no_index: bool,
    /// The policy's `[index]` table, with the file it came from (relative paths resolve
    /// against its directory).
    pub policy_index_url: Option<(&'a str, &'a Path)>,
    pub policy_extra_index_urls: Vec<(&'a str, &'a Path)>,
    /// Environment variables by name (`PIP_INDEX_URL`, `PIP_EXTRA_INDEX_URL`, `PIP_NO_INDEX`,
    /// `UV_INDEX_URL`, `UV_DEFAULT_INDEX`, `UV_EXTRA_INDEX_URL`, `UV_INDEX`, `UV_NO_INDEX`),
    /// only those set.
    pub environment: Vec<(&'static str, String)>,
    /// Options of the requirements files read, with each file's path.
    pub requirements: Vec<(&'a Path, &'a SourceOptions)>,
    /// `pip.conf` files in pip's order (global, user, site, or only `PIP_CONFIG_FILE`); later
    /// ones override earlier ones. Missing files are skipped.
    pub pip_conf_files: Vec<PathBuf>,
    /// The `.netrc` file to read credentials from (`NETRC`, else `~/.netrc`), if it exists.
    pub netrc_file: Option<PathBuf>,
    /// The directory relative index paths given on the command line resolve against.
    pub current_dir: Option<&'a Path>,
}

/// A setting that cannot be used: which file or variable, which line, what was expected.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("{origin}: `{value}` is not an index URL ({reason}); expected `https://host/simple/`, `http://…`, `file://…` or a directory")]
    BadUrl {
        origin: String,
        value: String,
        reason: String,
    },
    #[error("{path}:{line}: {message}")]
    PipConf {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error(transparent)]
    Netrc(#[from] NetrcError),
    #[error("could not read {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// The index settings of one `pip.conf` file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PipConf {
    pub index_url: Option<String>,
    pub extra_index_urls: Vec<String>,
    pub no_index: bool,
}

impl PipConf {
    /// Reads the `[global]` and `[install]` sections (`[install]` wins) of an INI file as
    /// Python's configparser reads it: `key = value` or `key: value`, `#`/`;` comment lines,
    /// indented continuation lines (how several extra index URLs are written).
    pub fn parse(text: &str, path: &Path) -> Result<Self, SettingsError> {
        let _ = (text, path);
        unimplemented!("index-settings helper")
    }
}

/// A `.netrc` file: credentials by host.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Netrc {
    // Owned by the index-settings helper.
}

/// A `.netrc` that cannot be read; the password is never part of the message.
#[derive(Debug, thiserror::Error)]
#[error("{path}:{line}: {message}")]
pub struct NetrcError {
    pub path: PathBuf,
    pub line: usize,
    pub message: String,
}

impl Netrc {
    pub fn parse(text: &str, path: &Path) -> Result<Self, NetrcError> {
        let _ = (text, path);
        unimplemented!("index-settings helper")
    }

    /// Login and password for `host` (a `machine` entry, else `default`).
    pub fn credentials(&self, host: &str) -> Option<(&str, &str)> {
        let _ = host;
        unimplemented!("index-settings helper")
    }
}

impl IndexSettings {
    /// Resolves the indexes of a run, then adds `.netrc` credentials to every `http(s)` index
    /// URL that has none of its own.
    pub fn resolve(inputs: &SettingsInputs<'_>) -> Result<Self, SettingsError> {
        let _ = inputs;
        unimplemented!("index-settings helper")
    }
}
