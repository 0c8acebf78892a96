//! The project's policy file: `tend.toml`, or `[tool.tend]` in `pyproject.toml`.
//!
//! Parsing happens in two steps, as in cargo-deny: the TOML is read into raw values that keep
//! their byte spans ([`raw`]), then [`validate`](raw::RawConfig) turns them into a checked
//! [`Policy`], reporting every problem at once, each with the file and line it comes from.
//! Unknown keys are errors and suggest the closest known key.
//!
//! The schema: which files are production or development, where the environment is, the
//! checks' settings, advisories, indexes, and the categories that say how urgent each package
//! is ([`Categories`]). Later tables (schedules) extend [`raw::RawConfig`] and [`Policy`]
//! rather than replace them. [`Preset`] holds the starting files `tend init` writes.

mod categories;
mod discover;
mod error;
mod notify;
mod raw;
mod templates;
mod update;

use std::path::PathBuf;

pub use categories::{
    Categories, Category, CategoryMatch, MatchReason, PackagePattern, Target, UpdateStrategy,
    FALLBACK_CATEGORY,
};
pub use discover::{load, load_file, ConfigFile};
pub use error::{ConfigError, ConfigProblem};
pub use notify::{
    ChannelPolicy, ChannelPolicyKind, EmailPolicy, EmailTls, NotifyPolicy, RetentionPolicy,
    SchedulePolicy, SecretSource, DEFAULT_KEEP, EVENTS,
};
pub use templates::Preset;
use tend_model::{IgnoreRuleRef, Location, PackageName, VersionSpecifiers};
pub use update::{
    CommandLine, CustomGate, UpdatePolicy, BUILTIN_GATES, DEFAULT_GATE_TIMEOUT,
    DEFAULT_HEALTH_TIMEOUT, DEFAULT_TEST_COMMAND,
};

/// Parses a duration as the policy writes one (`90m`, `24h`, `7d`, `2w`: a whole number and a
/// unit), for command-line flags that take the same values (`tend outdated --min-age`). The
/// error says what was expected.
pub fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    raw::parse_duration(text)
}

/// The checked policy. Paths are resolved against the directory of the file they come from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Policy {
    /// The file it was read from; `None` for the built-in defaults.
    pub file: Option<ConfigFile>,
    pub sources: SourcesPolicy,
    pub environment: Option<EnvironmentSetting>,
    pub check: CheckPolicy,
    pub advisories: AdvisoriesPolicy,
    pub index: IndexPolicy,
    /// `[[categories]]` and `[fallback-category]`: how urgent each package is.
    pub categories: Categories,
    /// `[update]` and `[gates]`: how updates are tried and applied.
    pub update: UpdatePolicy,
    /// `[notify]`: the channels tend tells.
    pub notify: NotifyPolicy,
    /// `[[schedules]]`; `None` when the policy has no `schedules` (the defaults apply).
    pub schedules: Option<Vec<SchedulePolicy>>,
    /// `[retention]`: how long the history is kept.
    pub retention: RetentionPolicy,
}

impl Policy {
    /// The schedules to run: the policy's `[[schedules]]`, or the defaults (the seeds'
    /// rhythm, in the machine's local zone) when it has no `schedules` key.
    pub fn schedules(&self) -> Vec<tend_schedule::Schedule> {
        match &self.schedules {
            Some(schedules) => schedules
                .iter()
                .map(|entry| entry.schedule.clone())
                .collect(),
            None => {
                tend_schedule::default_schedules(&tend_schedule::Zone::local(notify::system_zone()))
            }
        }
    }
}

/// `[index]`: the package indexes `tend outdated` asks, above the environment's `PIP_*` and
/// `UV_*` variables and `pip.conf` (the order is `tend-index`'s). Values are kept as written:
/// URLs, or directories relative to the policy file, resolved by `tend-index`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IndexPolicy {
    /// The primary index, replacing the public one.
    pub url: Option<Located<String>>,
    /// Indexes asked as well.
    pub extra_urls: Vec<Located<String>>,
}

/// `[advisories]`: where advisories come from, how old they may be, what is ignored.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AdvisoriesPolicy {
    /// Directories, zip archives or files of OSV records audited by default (resolved against
    /// the policy file's directory), in addition to the local database.
    pub sources: Vec<Located<PathBuf>>,
    /// How old the newest advisory may be before the database is reported as stale.
    pub max_age: Option<Located<std::time::Duration>>,
    /// Findings hidden on purpose, each with a reason.
    pub ignore: Vec<IgnoreRuleRef>,
}

/// Which declaration files are read, and which of them describe production.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourcesPolicy {
    /// Files whose requirements must be exact pins (`==`). Empty: tend's defaults apply
    /// (`requirements.txt`, `requirements/prod*.txt`, lockfiles are pinned by nature).
    pub production: Vec<PathBuf>,
    /// Files where ranges and `~=` are fine.
    pub development: Vec<PathBuf>,
}

/// The installed environment the project runs in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnvironmentSetting {
    /// A virtualenv directory.
    Venv(PathBuf),
    /// An interpreter.
    Python(PathBuf),
}

/// Settings of `tend check`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CheckPolicy {
    /// Modules that must import in the environment.
    pub critical_imports: Vec<Located<String>>,
    /// Versions the installed packages must stay within.
    pub version_rules: Vec<VersionRule>,
}

/// A value with the place in the policy file it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located<T> {
    pub value: T,
    pub location: Option<Location>,
}

/// `flask = ">=2,<4"` under `[check.version-rules]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionRule {
    pub package: PackageName,
    pub specifier: VersionSpecifiers,
    pub location: Option<Location>,
}
