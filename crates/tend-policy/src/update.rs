//! `[update]` and `[gates.NAME]`: how `tend update` tries an update and applies it — the
//! project's test command, the time limits, the health URL, the hooks around an apply, and the
//! custom gates categories may name. Owns their validation, and the list of gate names a
//! category may use.
//!
//! Every command is an argument vector, run without a shell; a team that wants a shell writes
//! `["sh", "-c", "…"]` itself, so that nothing from a package name or a version can ever be
//! interpreted by one by accident.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Deserialize;
use tend_model::Location;
use toml::Spanned;

use crate::raw::SourceText;
use crate::{ConfigProblem, Located};

/// The gates tend runs itself, with what each checks. `check` (dependency consistency of the
/// trial environment, as `tend check`) always runs and is not listed.
pub const BUILTIN_GATES: [(&str, &str); 4] = [
    (
        "tests",
        "the project's test command (`update.test-command`, default `python -m pytest -q`) passes",
    ),
    (
        "deprecations",
        "the test command shows no deprecation warning the updates introduce",
    ),
    (
        "imports",
        "the critical imports (`check.critical-imports`) still import",
    ),
    ("integrity", "the installed files match their RECORD hashes"),
];

/// The test command when the policy gives none: pytest, as the seeds and most Flask and Django
/// services run it, by the trial environment's own interpreter.
pub const DEFAULT_TEST_COMMAND: [&str; 4] = ["python", "-m", "pytest", "-q"];

/// How long a gate may run when neither `[update] timeout` nor the gate's own says.
pub const DEFAULT_GATE_TIMEOUT: Duration = Duration::from_secs(30 * 60);

/// How long the health URL is polled after an apply before it counts as failed.
pub const DEFAULT_HEALTH_TIMEOUT: Duration = Duration::from_secs(60);

/// A command to run: the program and its arguments, where the policy wrote it.
pub type CommandLine = Located<Vec<String>>;

/// `[update]` and `[gates]`, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpdatePolicy {
    /// The project's test command, run in the trial environment (gates `tests` and
    /// `deprecations`); `None`: [`DEFAULT_TEST_COMMAND`] with the trial's interpreter.
    pub test_command: Option<CommandLine>,
    /// The time limit of each gate that does not set its own.
    pub timeout: Duration,
    /// Polled after an apply; anything but a 2xx answer within `health_timeout` rolls back.
    pub health_url: Option<Located<String>>,
    pub health_timeout: Duration,
    /// Run before the live environment is changed (e.g. stop a worker).
    pub pre_apply: Vec<CommandLine>,
    /// Run after it was changed (e.g. restart the service, run migrations).
    pub post_apply: Vec<CommandLine>,
    /// Run after an automatic or manual rollback (e.g. restart the service again).
    pub on_rollback: Vec<CommandLine>,
    /// `[gates.NAME]`, in name order.
    pub gates: Vec<CustomGate>,
    /// `tend update` applies only saved plans someone approved (`--plan ID`).
    pub require_approval: bool,
}

impl Default for UpdatePolicy {
    fn default() -> Self {
        Self {
            test_command: None,
            timeout: DEFAULT_GATE_TIMEOUT,
            health_url: None,
            health_timeout: DEFAULT_HEALTH_TIMEOUT,
            pre_apply: Vec::new(),
            post_apply: Vec::new(),
            on_rollback: Vec::new(),
            gates: Vec::new(),
            require_approval: false,
        }
    }
}

impl UpdatePolicy {
    pub fn gate(&self, name: &str) -> Option<&CustomGate> {
        self.gates.iter().find(|gate| gate.name == name)
    }
}

/// `[gates.NAME]`: a command of the team's own that must exit 0.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomGate {
    pub name: String,
    pub command: Vec<String>,
    /// Its own time limit; `None`: `[update] timeout`.
    pub timeout: Option<Duration>,
    pub location: Option<Location>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct RawUpdate {
    test_command: Option<Spanned<Vec<String>>>,
    timeout: Option<Spanned<String>>,
    health_url: Option<Spanned<String>>,
    health_timeout: Option<Spanned<String>>,
    #[serde(default)]
    pre_apply: Vec<Spanned<Vec<String>>>,
    #[serde(default)]
    post_apply: Vec<Spanned<Vec<String>>>,
    #[serde(default)]
    on_rollback: Vec<Spanned<Vec<String>>>,
    #[serde(default)]
    require_approval: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct RawGate {
    command: Spanned<Vec<String>>,
    timeout: Option<Spanned<String>>,
}

fn command(
    value: &Spanned<Vec<String>>,
    key: &str,
    source: &SourceText<'_>,
    problems: &mut Vec<ConfigProblem>,
) -> Option<CommandLine> {
    let words = value.get_ref();
    if words
        .first()
        .is_none_or(|program| program.trim().is_empty())
    {
        problems.push(source.problem(
            value.span(),
            format!("`{key}` must name a program first, e.g. [\"pytest\", \"-q\"]"),
        ));
        return None;
    }
    Some(Located {
        value: words.clone(),
        location: Some(source.location(value.span())),
    })
}

/// A time limit: a duration, and longer than nothing.
fn duration(
    value: Option<&Spanned<String>>,
    source: &SourceText<'_>,
    problems: &mut Vec<ConfigProblem>,
) -> Option<Duration> {
    let limit = crate::categories::duration(value, source, problems)?;
    if limit.is_zero() {
        if let Some(value) = value {
            problems.push(source.problem(value.span(), "a time limit must be longer than 0"));
        }
        return None;
    }
    Some(limit)
}

pub(crate) fn validate(
    raw: &RawUpdate,
    gates: &BTreeMap<Spanned<String>, Spanned<RawGate>>,
    source: &SourceText<'_>,
    problems: &mut Vec<ConfigProblem>,
) -> UpdatePolicy {
    let commands = |list: &[Spanned<Vec<String>>], key: &str, problems: &mut Vec<ConfigProblem>| {
        list.iter()
            .filter_map(|value| command(value, key, source, problems))
            .collect()
    };
    let health_url = raw.health_url.as_ref().and_then(|url| {
        let text = url.get_ref().trim();
        if text.starts_with("http://") || text.starts_with("https://") {
            Some(Located {
                value: text.to_string(),
                location: Some(source.location(url.span())),
            })
        } else {
            problems.push(source.problem(
                url.span(),
                format!("`{text}` is not an http:// or https:// URL"),
            ));
            None
        }
    });
    let mut custom = Vec::new();
    for (name, gate) in gates {
        let text = name.get_ref();
        if BUILTIN_GATES.iter().any(|(builtin, _)| builtin == text) || text == "check" {
            problems.push(source.problem(
                name.span(),
                format!("`{text}` is a built-in gate; give your gate another name"),
            ));
            continue;
        }
        if !crate::notify::is_name(text) {
            problems.push(source.problem(
                name.span(),
                format!(
                    "`{text}` is not a gate name (expected lower-case letters, digits and `-`, e.g. `smoke-test`)"
                ),
            ));
            continue;
        }
        let key = format!("gates.{text}.command");
        let Some(command) = command(&gate.get_ref().command, &key, source, problems) else {
            continue;
        };
        custom.push(CustomGate {
            name: text.clone(),
            command: command.value,
            timeout: duration(gate.get_ref().timeout.as_ref(), source, problems),
            location: Some(source.location(gate.span())),
        });
    }
    UpdatePolicy {
        test_command: raw
            .test_command
            .as_ref()
            .and_then(|value| command(value, "update.test-command", source, problems)),
        timeout: duration(raw.timeout.as_ref(), source, problems).unwrap_or(DEFAULT_GATE_TIMEOUT),
        health_url,
        health_timeout: duration(raw.health_timeout.as_ref(), source, problems)
            .unwrap_or(DEFAULT_HEALTH_TIMEOUT),
        pre_apply: commands(&raw.pre_apply, "update.pre-apply", problems),
        post_apply: commands(&raw.post_apply, "update.post-apply", problems),
        on_rollback: commands(&raw.on_rollback, "update.on-rollback", problems),
        gates: custom,
        require_approval: raw.require_approval,
    }
}

/// Checks one gate name a category lists: a built-in one (with what it needs) or a
/// `[gates.NAME]` table.
pub(crate) fn check_gate_reference(
    gate: &Spanned<String>,
    update: &UpdatePolicy,
    source: &SourceText<'_>,
    problems: &mut Vec<ConfigProblem>,
) {
    let name = gate.get_ref().trim();
    let known: Vec<&str> = BUILTIN_GATES
        .iter()
        .map(|(builtin, _)| *builtin)
        .chain(update.gates.iter().map(|gate| gate.name.as_str()))
        .collect();
    if known.contains(&name) {
        return;
    }
    let mut problem = source.problem(
        gate.span(),
        format!(
            "`{name}` is not a gate (expected one of {}, or a `[gates.{name}]` table)",
            known.join(", ")
        ),
    );
    problem.hint = known
        .iter()
        .map(|candidate| (strsim::jaro_winkler(name, candidate), candidate))
        .filter(|(score, _)| *score > 0.7)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, closest)| format!("did you mean `{closest}`?"));
    problems.push(problem);
}
