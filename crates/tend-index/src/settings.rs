//! Which indexes to ask, from the places pip and uv users already write them, and the
//! credentials to ask them with.
//!
//! The places, highest precedence first:
//!
//! 1. the command line: `--index-url`, `--extra-index-url`, `--no-index`;
//! 2. the policy's `[index]` table: `url`, `extra-urls`;
//! 3. uv's variables: `UV_DEFAULT_INDEX` (else `UV_INDEX_URL`), `UV_INDEX` and
//!    `UV_EXTRA_INDEX_URL` (space-separated; `UV_INDEX` entries may be `name=url`),
//!    `UV_NO_INDEX`;
//! 4. pip's variables: `PIP_INDEX_URL`, `PIP_EXTRA_INDEX_URL` (space-separated), `PIP_NO_INDEX`;
//! 5. options in the requirements files read: `--index-url`, `--extra-index-url`, `--no-index`;
//! 6. `pip.conf` files, layered as pip layers them ([`pip_conf_paths`]);
//! 7. the public index, [`DEFAULT_INDEX`].
//!
//! The primary index is the first place's `index-url`; the ones below it are overridden. Extra
//! indexes are the union of every place, in that order. tend asks every index and merges the
//! answers, so more indexes only cost requests, while a missing one hides releases: hence the
//! union, where pip would let `PIP_EXTRA_INDEX_URL` replace `pip.conf`'s list. For the same
//! reason, when two requirements files name different `--index-url`s, the first file's is the
//! primary and the others are asked as extra indexes: each file's packages live on its index.
//! An index given twice is asked once, where it first appears.
//!
//! `--no-index` on the command line leaves only the indexes given on the command line, so
//! `--no-index --index-url DIR` asks exactly one index. Anywhere else, `no-index` turns off the
//! indexes of its own place and of every place below it, the public index included, while
//! places above it still count: a policy's `[index] url` still works in a shell where
//! `PIP_NO_INDEX=1` is set for offline installs. When nothing is left, resolving fails with
//! [`SettingsError::NoIndex`] naming the setting.
//!
//! The policy is above the environment because it is the one place written for tend itself;
//! `PIP_*` and `UV_*` variables are often set machine-wide for other tools. To override the
//! policy for one run, use the command line.
//!
//! A value is a URL (`https`, `http` or `file`) or a directory laid out like the simple API: an
//! absolute path, or a relative one starting with `.` or naming an existing directory,
//! resolved against the directory of the file it is written in (policy, requirements file,
//! `pip.conf`) or the current directory (command line, environment). Directories become
//! `file://` URLs, and every URL ends with `/`.
//!
//! Credentials: a URL's own user info is kept in [`IndexUrl::url`] (`tend-http` sends it as
//! basic auth and hides it wherever a URL is shown). An `http(s)` index without one takes the
//! credentials another index URL read here gives for the same scheme, host and port (so a
//! policy may name the index while `PIP_INDEX_URL` in CI carries the token), and then `.netrc`
//! (the host's `machine` entry, else `default`). A user name without a password (`https://
//! alice@host/`) is completed the same way when the user names match. Nothing here prints a
//! password: [`IndexUrl`], [`SettingsInputs`], [`PipConf`] and [`Netrc`] redact in `Debug`,
//! and errors show values with their credentials replaced by `****`.

mod netrc;
mod pip_conf;

use std::ffi::OsString;
use std::fmt;
use std::path::{Component, Path, PathBuf};

use tend_model::SourceOptions;
use url::Url;

pub use netrc::{Netrc, NetrcError};
pub use pip_conf::PipConf;

use pip_conf::{ConfFile, Layered};

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

impl fmt::Display for IndexOrigin {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IndexOrigin::Flag => formatter.write_str("the command line"),
            IndexOrigin::Policy { path } => write!(formatter, "[index] in {}", path.display()),
            IndexOrigin::Environment { variable } => formatter.write_str(variable),
            IndexOrigin::RequirementsFile { path } | IndexOrigin::PipConf { path } => {
                write!(formatter, "{}", path.display())
            }
            IndexOrigin::Default => formatter.write_str("the default"),
        }
    }
}

/// One index to ask: its URL (possibly with credentials, never to be printed: use
/// [`IndexUrl::redacted`]) and where it was configured. `Debug` shows the redacted URL.
#[derive(Clone, PartialEq, Eq)]
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

impl fmt::Debug for IndexUrl {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("IndexUrl")
            .field("url", &self.redacted())
            .field("origin", &self.origin)
            .finish()
    }
}

/// The indexes of a run: the primary first, then the extra ones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexSettings {
    pub indexes: Vec<IndexUrl>,
}

/// Everything the settings are made from. The CLI reads the environment and finds the files;
/// this module only reads the files it is given. `Debug` hides credentials.
#[derive(Clone, Default)]
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
    /// only those set. An empty value counts as unset, as in pip.
    pub environment: Vec<(&'static str, String)>,
    /// Options of the requirements files read, with each file's path.
    pub requirements: Vec<(&'a Path, &'a SourceOptions)>,
    /// `pip.conf` files in pip's order (global, user, site, then `PIP_CONFIG_FILE`; see
    /// [`pip_conf_paths`]); later ones override earlier ones. Missing files are skipped.
    pub pip_conf_files: Vec<PathBuf>,
    /// The `.netrc` file to read credentials from (see [`netrc_path`]). Missing: skipped.
    pub netrc_file: Option<PathBuf>,
    /// The directory relative index paths given on the command line resolve against.
    pub current_dir: Option<&'a Path>,
}

impl fmt::Debug for SettingsInputs<'_> {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let redact_all =
            |urls: &mut dyn Iterator<Item = &str>| urls.map(redact_text).collect::<Vec<_>>();
        formatter
            .debug_struct("SettingsInputs")
            .field("flag_index_url", &self.flag_index_url.map(redact_text))
            .field(
                "flag_extra_index_urls",
                &redact_all(&mut self.flag_extra_index_urls.iter().map(String::as_str)),
            )
            .field("flag_no_index", &self.flag_no_index)
            .field(
                "policy_index_url",
                &self
                    .policy_index_url
                    .map(|(url, path)| (redact_text(url), path)),
            )
            .field(
                "policy_extra_index_urls",
                &self
                    .policy_extra_index_urls
                    .iter()
                    .map(|(url, path)| (redact_text(url), path))
                    .collect::<Vec<_>>(),
            )
            .field(
                "environment",
                &self
                    .environment
                    .iter()
                    .map(|(name, value)| (name, redact_text(value)))
                    .collect::<Vec<_>>(),
            )
            .field(
                "requirements",
                &self
                    .requirements
                    .iter()
                    .map(|(path, options)| {
                        (
                            path,
                            options.index_url.as_deref().map(redact_text),
                            redact_all(&mut options.extra_index_urls.iter().map(String::as_str)),
                            options.no_index,
                        )
                    })
                    .collect::<Vec<_>>(),
            )
            .field("pip_conf_files", &self.pip_conf_files)
            .field("netrc_file", &self.netrc_file)
            .field("current_dir", &self.current_dir)
            .finish()
    }
}

/// A setting that cannot be used: which file or variable, which line, what was expected.
/// Values are shown with their credentials replaced by `****`.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("{origin}: `{value}` is not an index URL ({reason}); expected `https://host/simple/`, `http://…`, `file://…` or a directory")]
    BadUrl {
        origin: String,
        value: String,
        reason: String,
    },
    /// A `no-index` setting that is not a boolean.
    #[error("{origin}: `{value}` is not a boolean; expected {BOOL_EXPECTED}")]
    BadBool { origin: String, value: String },
    #[error("{}:{line}: {message}", path.display())]
    PipConf {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error(transparent)]
    Netrc(#[from] NetrcError),
    #[error("could not read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// `no-index` turned every index off and the command line gave none.
    #[error("no index to ask: `no-index` is set by {origin}; give `--index-url` or `--extra-index-url` on the command line")]
    NoIndex { origin: String },
}

/// What pip (`strtobool`) and uv (clap's boolish values) accept, case-insensitively.
const BOOL_EXPECTED: &str = "true/false, yes/no, on/off, 1/0, y/n or t/f";

fn parse_bool(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "y" | "yes" | "t" | "true" | "on" | "1" => Some(true),
        "n" | "no" | "f" | "false" | "off" | "0" => Some(false),
        _ => None,
    }
}

/// A value safe to show: the user info of anything that looks like a URL with one becomes
/// `****`, whether or not the rest parses.
fn redact_text(text: &str) -> String {
    if let Ok(url) = Url::parse(text) {
        if url.has_host() {
            return tend_http::RedactedUrl::new(&url).to_string();
        }
    }
    let Some(scheme_end) = text.find("://") else {
        return text.to_string();
    };
    let authority_start = scheme_end + 3;
    let authority_end = text[authority_start..]
        .find(['/', '?', '#'])
        .map_or(text.len(), |end| authority_start + end);
    match text[authority_start..authority_end].rfind('@') {
        Some(at) => format!(
            "{}****{}",
            &text[..authority_start],
            &text[authority_start + at..]
        ),
        None => text.to_string(),
    }
}

/// The operating systems whose pip keeps its files in different places.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Platform {
    Unix,
    MacOs,
    Windows,
}

impl Platform {
    fn current() -> Self {
        if cfg!(windows) {
            Platform::Windows
        } else if cfg!(target_os = "macos") {
            Platform::MacOs
        } else {
            Platform::Unix
        }
    }
}

/// pip's configuration files, lowest precedence first, as pip finds them on this system:
///
/// - global: each `$XDG_CONFIG_DIRS` entry (default `/etc/xdg`) + `/pip/pip.conf`, then
///   `/etc/pip.conf` (macOS: `/Library/Application Support/pip/pip.conf`; Windows:
///   `%PROGRAMDATA%\pip\pip.ini`);
/// - user, skipped when `PIP_CONFIG_FILE` names a file that exists: `~/.pip/pip.conf`, then
///   `$XDG_CONFIG_HOME/pip/pip.conf` (default `~/.config`; macOS: `~/Library/Application
///   Support/pip/pip.conf` when that directory exists, else `~/.config/pip/pip.conf`;
///   Windows: `~\pip\pip.ini`, then `%APPDATA%\pip\pip.ini`);
/// - site: `<prefix>/pip.conf` of the environment (a virtualenv's directory, or the
///   interpreter's `sys.prefix`);
/// - `PIP_CONFIG_FILE`, last, so it wins.
///
/// `PIP_CONFIG_FILE=/dev/null` (`nul` on Windows) turns every file off. `variable` looks up an
/// environment variable; empty values count as unset. Missing files are listed too:
/// [`IndexSettings::resolve`] skips them.
pub fn pip_conf_paths(
    variable: &dyn Fn(&str) -> Option<OsString>,
    home: Option<&Path>,
    site_prefix: Option<&Path>,
) -> Vec<PathBuf> {
    pip_conf_paths_on(Platform::current(), variable, home, site_prefix)
}

fn pip_conf_paths_on(
    platform: Platform,
    variable: &dyn Fn(&str) -> Option<OsString>,
    home: Option<&Path>,
    site_prefix: Option<&Path>,
) -> Vec<PathBuf> {
    let variable = |name: &str| variable(name).filter(|value| !value.is_empty());
    let (file_name, devnull) = match platform {
        Platform::Windows => ("pip.ini", "nul"),
        Platform::Unix | Platform::MacOs => ("pip.conf", "/dev/null"),
    };
    let config_file = variable("PIP_CONFIG_FILE").map(PathBuf::from);
    if config_file
        .as_deref()
        .is_some_and(|file| file.as_os_str() == devnull)
    {
        return Vec::new();
    }

    let mut files = Vec::new();
    match platform {
        Platform::Unix => {
            let dirs = variable("XDG_CONFIG_DIRS").unwrap_or_else(|| OsString::from("/etc/xdg"));
            for dir in std::env::split_paths(&dirs).filter(|dir| dir.is_absolute()) {
                files.push(dir.join("pip").join(file_name));
            }
            files.push(PathBuf::from("/etc").join(file_name));
        }
        Platform::MacOs => {
            files.push(PathBuf::from("/Library/Application Support/pip").join(file_name));
        }
        Platform::Windows => {
            let program_data = variable("PROGRAMDATA")
                .map_or_else(|| PathBuf::from("C:\\ProgramData"), PathBuf::from);
            files.push(program_data.join("pip").join(file_name));
        }
    }

    let config_file_exists = config_file.as_deref().is_some_and(Path::exists);
    if !config_file_exists {
        let legacy = match platform {
            Platform::Windows => "pip",
            Platform::Unix | Platform::MacOs => ".pip",
        };
        if let Some(home) = home {
            files.push(home.join(legacy).join(file_name));
        }
        let user_dir = match platform {
            Platform::Unix => variable("XDG_CONFIG_HOME")
                .map(PathBuf::from)
                .or_else(|| home.map(|home| home.join(".config")))
                .map(|dir| dir.join("pip")),
            Platform::MacOs => home.map(|home| {
                let support = home.join("Library/Application Support/pip");
                if support.is_dir() {
                    support
                } else {
                    home.join(".config/pip")
                }
            }),
            Platform::Windows => variable("APPDATA").map(|dir| PathBuf::from(dir).join("pip")),
        };
        files.extend(user_dir.map(|dir| dir.join(file_name)));
    }

    if let Some(prefix) = site_prefix {
        files.push(prefix.join(file_name));
    }
    files.extend(config_file);
    files
}

/// The `.netrc` file, as requests (and so pip) finds it: `NETRC` when set, else `~/.netrc`,
/// else `~/_netrc` when only that one exists. The file may be missing.
pub fn netrc_path(
    variable: &dyn Fn(&str) -> Option<OsString>,
    home: Option<&Path>,
) -> Option<PathBuf> {
    if let Some(file) = variable("NETRC").filter(|value| !value.is_empty()) {
        return Some(PathBuf::from(file));
    }
    let home = home?;
    let dotted = home.join(".netrc");
    let underscored = home.join("_netrc");
    if !dotted.exists() && underscored.exists() {
        Some(underscored)
    } else {
        Some(dotted)
    }
}

/// A value to turn into an index URL, with where it was written.
struct Given {
    value: String,
    origin: IndexOrigin,
    /// How errors name the place: `--index-url`, `PIP_EXTRA_INDEX_URL`, `pip.conf:3 (…)`.
    label: String,
    /// Where a relative path resolves.
    base: Option<PathBuf>,
}

/// What one place says.
#[derive(Default)]
struct Place {
    /// The place's primary index first; any further ones are overridden within the place.
    primary: Vec<Given>,
    extras: Vec<Given>,
    /// How errors name the place's `no-index`, when it is on.
    no_index: Option<String>,
}

impl IndexSettings {
    /// Resolves the indexes of a run, then adds `.netrc` credentials to every `http(s)` index
    /// URL that has none of its own. See the module documentation for the rules.
    pub fn resolve(inputs: &SettingsInputs<'_>) -> Result<Self, SettingsError> {
        let mut primary: Option<Given> = None;
        let mut overridden: Vec<Given> = Vec::new();
        let mut extras: Vec<Given> = Vec::new();
        let mut no_index: Option<String> = None;

        let flags = flag_place(inputs);
        if inputs.flag_no_index {
            no_index = Some("--no-index".to_string());
            primary = flags.primary.into_iter().next();
            extras = flags.extras;
        } else {
            let places: [&dyn Fn() -> Result<Place, SettingsError>; 6] = [
                &|| Ok(flag_place(inputs)),
                &|| Ok(policy_place(inputs)),
                &|| uv_place(inputs),
                &|| pip_place(inputs),
                &|| Ok(requirements_place(inputs)),
                &|| pip_conf_place(inputs),
            ];
            for place in places {
                // A place is read only when reached: a `no-index` above it, or a broken file
                // below one that turned everything off, must not stop the run.
                let place = place()?;
                if let Some(label) = place.no_index {
                    no_index = Some(label);
                    break;
                }
                let mut primaries = place.primary.into_iter();
                if primary.is_none() {
                    primary = primaries.next();
                }
                overridden.extend(primaries);
                extras.extend(place.extras);
            }
            if no_index.is_none() && primary.is_none() {
                primary = Some(Given {
                    value: DEFAULT_INDEX.to_string(),
                    origin: IndexOrigin::Default,
                    label: "the default index".to_string(),
                    base: None,
                });
            }
        }

        let mut indexes: Vec<IndexUrl> = Vec::new();
        // Every URL read, in precedence order, for sharing credentials by host.
        let mut read: Vec<Url> = Vec::new();
        for given in primary.into_iter().chain(extras) {
            let url = index_url(&given)?;
            read.push(url.clone());
            if !indexes
                .iter()
                .any(|index| without_credentials(&index.url) == without_credentials(&url))
            {
                indexes.push(IndexUrl {
                    url,
                    origin: given.origin,
                });
            }
        }
        // Overridden values are not asked, but their credentials count; one that does not
        // parse is simply not used, as pip would not use it either.
        read.extend(overridden.iter().filter_map(|given| index_url(given).ok()));

        if indexes.is_empty() {
            return Err(SettingsError::NoIndex {
                origin: no_index.unwrap_or_else(|| "--no-index".to_string()),
            });
        }

        let mut netrc: Option<Option<Netrc>> = None;
        for index in &mut indexes {
            if !matches!(index.url.scheme(), "http" | "https") || index.url.password().is_some() {
                continue;
            }
            if let Some(donor) = read
                .iter()
                .find(|other| same_realm(other, &index.url) && completes(other, &index.url))
            {
                set_credentials(&mut index.url, donor.username(), donor.password());
                continue;
            }
            let Some(host) = index.url.host_str().map(str::to_string) else {
                continue;
            };
            if netrc.is_none() {
                netrc = Some(read_netrc(inputs.netrc_file.as_deref())?);
            }
            let Some((login, password)) = netrc
                .as_ref()
                .and_then(Option::as_ref)
                .and_then(|netrc| netrc.credentials(&host))
            else {
                continue;
            };
            // The URL keeps user info percent-encoded; `url` encodes all but `%` itself.
            let encode = |text: &str| text.replace('%', "%25");
            if index.url.username().is_empty() {
                let password = encode(password);
                set_credentials(
                    &mut index.url,
                    &encode(login),
                    (!password.is_empty()).then_some(password.as_str()),
                );
            } else if !password.is_empty() {
                let mut netrc_user = index.url.clone();
                let _ = netrc_user.set_username(&encode(login));
                if netrc_user.username() == index.url.username() {
                    let _ = index.url.set_password(Some(&encode(password)));
                }
            }
        }
        Ok(IndexSettings { indexes })
    }
}

fn given(value: &str, origin: IndexOrigin, label: String, base: Option<&Path>) -> Given {
    Given {
        value: value.to_string(),
        origin,
        label,
        base: base.map(Path::to_path_buf),
    }
}

fn flag_place(inputs: &SettingsInputs<'_>) -> Place {
    Place {
        primary: inputs
            .flag_index_url
            .map(|url| {
                given(
                    url,
                    IndexOrigin::Flag,
                    "--index-url".to_string(),
                    inputs.current_dir,
                )
            })
            .into_iter()
            .collect(),
        extras: inputs
            .flag_extra_index_urls
            .iter()
            .map(|url| {
                given(
                    url,
                    IndexOrigin::Flag,
                    "--extra-index-url".to_string(),
                    inputs.current_dir,
                )
            })
            .collect(),
        no_index: None,
    }
}

fn policy_place(inputs: &SettingsInputs<'_>) -> Place {
    let entry = |(url, path): (&str, &Path), key: &str| {
        given(
            url,
            IndexOrigin::Policy {
                path: path.to_path_buf(),
            },
            format!("{} ([index] {key})", path.display()),
            path.parent(),
        )
    };
    Place {
        primary: inputs
            .policy_index_url
            .map(|value| entry(value, "url"))
            .into_iter()
            .collect(),
        extras: inputs
            .policy_extra_index_urls
            .iter()
            .map(|value| entry(*value, "extra-urls"))
            .collect(),
        no_index: None,
    }
}

/// The value of a variable handed in, unless it is empty.
fn variable<'a>(inputs: &'a SettingsInputs<'_>, name: &str) -> Option<&'a str> {
    inputs
        .environment
        .iter()
        .find(|(variable, _)| *variable == name)
        .map(|(_, value)| value.trim())
        .filter(|value| !value.is_empty())
}

/// Reads an index list variable: space-separated values.
fn list_variable(inputs: &SettingsInputs<'_>, name: &'static str, named: bool) -> Vec<Given> {
    variable(inputs, name)
        .into_iter()
        .flat_map(str::split_whitespace)
        .map(|entry| {
            // uv's `--index name=url`: a name is letters, digits, `-`, `_` and `.`, so a URL
            // with `=` in its query (or a path) is never taken for one.
            let url = match entry.split_once('=') {
                Some((index_name, url))
                    if named
                        && !index_name.is_empty()
                        && index_name
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')) =>
                {
                    url
                }
                _ => entry,
            };
            given(
                url,
                IndexOrigin::Environment { variable: name },
                name.to_string(),
                inputs.current_dir,
            )
        })
        .collect()
}

fn single_variable(inputs: &SettingsInputs<'_>, name: &'static str) -> Option<Given> {
    variable(inputs, name).map(|value| {
        given(
            value,
            IndexOrigin::Environment { variable: name },
            name.to_string(),
            inputs.current_dir,
        )
    })
}

fn no_index_variable(
    inputs: &SettingsInputs<'_>,
    name: &'static str,
) -> Result<Option<String>, SettingsError> {
    let Some(value) = variable(inputs, name) else {
        return Ok(None);
    };
    match parse_bool(value) {
        Some(true) => Ok(Some(name.to_string())),
        Some(false) => Ok(None),
        None => Err(SettingsError::BadBool {
            origin: name.to_string(),
            value: value.to_string(),
        }),
    }
}

fn uv_place(inputs: &SettingsInputs<'_>) -> Result<Place, SettingsError> {
    let mut extras = list_variable(inputs, "UV_INDEX", true);
    extras.extend(list_variable(inputs, "UV_EXTRA_INDEX_URL", false));
    Ok(Place {
        // `UV_DEFAULT_INDEX` is the newer name of the same setting, so it wins.
        primary: single_variable(inputs, "UV_DEFAULT_INDEX")
            .into_iter()
            .chain(single_variable(inputs, "UV_INDEX_URL"))
            .collect(),
        extras,
        no_index: no_index_variable(inputs, "UV_NO_INDEX")?,
    })
}

fn pip_place(inputs: &SettingsInputs<'_>) -> Result<Place, SettingsError> {
    Ok(Place {
        primary: single_variable(inputs, "PIP_INDEX_URL")
            .into_iter()
            .collect(),
        extras: list_variable(inputs, "PIP_EXTRA_INDEX_URL", false),
        no_index: no_index_variable(inputs, "PIP_NO_INDEX")?,
    })
}

fn requirements_place(inputs: &SettingsInputs<'_>) -> Place {
    let mut place = Place::default();
    for (path, options) in &inputs.requirements {
        let origin = IndexOrigin::RequirementsFile {
            path: path.to_path_buf(),
        };
        let entry = |url: &str, option: &str| {
            given(
                url,
                origin.clone(),
                format!("{} ({option})", path.display()),
                path.parent(),
            )
        };
        if options.no_index && place.no_index.is_none() {
            place.no_index = Some(format!("{} (--no-index)", path.display()));
        }
        if let Some(url) = &options.index_url {
            let url = entry(url, "--index-url");
            // Only the first file's is the primary; the others are asked as extras.
            if place.primary.is_empty() {
                place.primary.push(url);
            } else {
                place.extras.push(url);
            }
        }
        place.extras.extend(
            options
                .extra_index_urls
                .iter()
                .map(|url| entry(url, "--extra-index-url")),
        );
    }
    place
}

fn pip_conf_place(inputs: &SettingsInputs<'_>) -> Result<Place, SettingsError> {
    let mut files = Vec::new();
    for path in &inputs.pip_conf_files {
        let Some(bytes) = read_optional(path)? else {
            continue;
        };
        let text = std::str::from_utf8(&bytes).map_err(|error| SettingsError::PipConf {
            path: path.clone(),
            line: line_of_offset(&bytes, error.valid_up_to()),
            message: "is not UTF-8 text".to_string(),
        })?;
        files.push(ConfFile::parse(text, path)?);
    }
    let layered = Layered::from_files(files);
    let entry = |(url, written): (&str, &pip_conf::Written), key: &str| {
        given(
            url,
            IndexOrigin::PipConf {
                path: written.path.clone(),
            },
            written.origin(key),
            written.path.parent(),
        )
    };
    Ok(Place {
        primary: layered
            .index_url()?
            .map(|value| entry(value, "index-url"))
            .into_iter()
            .collect(),
        extras: layered
            .extra_index_urls()
            .map(|value| entry(value, "extra-index-url"))
            .collect(),
        no_index: layered
            .no_index()?
            .map(|written| written.origin("no-index")),
    })
}

/// A file's bytes, or `None` when it does not exist.
fn read_optional(path: &Path) -> Result<Option<Vec<u8>>, SettingsError> {
    match fs_err::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
        // The error's kind alone: `fs_err` would name the path a second time.
        Err(error) => Err(SettingsError::Io {
            path: path.to_path_buf(),
            source: std::io::Error::from(error.kind()),
        }),
    }
}

fn read_netrc(path: Option<&Path>) -> Result<Option<Netrc>, SettingsError> {
    let Some(path) = path else {
        return Ok(None);
    };
    let Some(bytes) = read_optional(path)? else {
        return Ok(None);
    };
    let text = std::str::from_utf8(&bytes).map_err(|error| NetrcError {
        path: path.to_path_buf(),
        line: line_of_offset(&bytes, error.valid_up_to()),
        message: "is not UTF-8 text".to_string(),
    })?;
    Ok(Some(Netrc::parse(text, path)?))
}

fn line_of_offset(bytes: &[u8], offset: usize) -> usize {
    bytes[..offset.min(bytes.len())]
        .iter()
        .filter(|byte| **byte == b'\n')
        .count()
        + 1
}

/// Turns one written value into an index URL: a `http(s)`/`file` URL, or a directory.
fn index_url(given: &Given) -> Result<Url, SettingsError> {
    let value = given.value.trim();
    let bad = |reason: &str| SettingsError::BadUrl {
        origin: given.label.clone(),
        value: redact_text(value),
        reason: reason.to_string(),
    };
    if value.is_empty() {
        return Err(bad("it is empty"));
    }
    let mut url = if Path::new(value).is_absolute() {
        directory_url(Path::new(value)).ok_or_else(|| bad("not a usable directory path"))?
    } else {
        match Url::parse(value) {
            Ok(url) => match url.scheme() {
                "http" | "https" | "file" => url,
                scheme => {
                    return Err(bad(&format!("the scheme `{scheme}` is not supported")));
                }
            },
            Err(url::ParseError::RelativeUrlWithoutBase) => {
                if value.starts_with('~') {
                    return Err(bad("`~` is not expanded; write the whole path"));
                }
                let Some(base) = &given.base else {
                    return Err(bad(
                        "a relative path, and no directory to resolve it against",
                    ));
                };
                let path = base.join(value);
                let explicit = Path::new(value)
                    .components()
                    .next()
                    .is_some_and(|first| matches!(first, Component::CurDir | Component::ParentDir));
                if !explicit && !path.is_dir() {
                    return Err(bad(
                        "no scheme such as `https://`, and not an existing directory",
                    ));
                }
                directory_url(&path).ok_or_else(|| bad("not a usable directory path"))?
            }
            Err(error) => return Err(bad(&error.to_string())),
        }
    };
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(url)
}

/// `file://` URL of a directory, with `.` and `..` taken out as written (not through the file
/// system, so the URL names what the user wrote).
fn directory_url(path: &Path) -> Option<Url> {
    let mut normal = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                normal.pop();
            }
            other => normal.push(other),
        }
    }
    Url::from_directory_path(&normal).ok()
}

fn without_credentials(url: &Url) -> Url {
    let mut bare = url.clone();
    // Both fail only for URLs that cannot hold credentials, which have none to remove.
    let _ = bare.set_username("");
    let _ = bare.set_password(None);
    bare
}

/// Same scheme, host and port: one place to send the same credentials to.
fn same_realm(a: &Url, b: &Url) -> bool {
    a.scheme() == b.scheme()
        && a.host_str().map(str::to_ascii_lowercase) == b.host_str().map(str::to_ascii_lowercase)
        && a.port_or_known_default() == b.port_or_known_default()
}

/// Whether `donor`'s user info fills in what `url` lacks: everything when `url` has none, the
/// password when both name the same user.
fn completes(donor: &Url, url: &Url) -> bool {
    if url.username().is_empty() {
        !donor.username().is_empty() || donor.password().is_some()
    } else {
        donor.username() == url.username() && donor.password().is_some()
    }
}

fn set_credentials(url: &mut Url, username: &str, password: Option<&str>) {
    // Both fail only for URLs without a host; only http(s) URLs, which have one, get here.
    let _ = url.set_username(username);
    let _ = url.set_password(password);
}

#[cfg(test)]
mod tests;
