//! The pre-flight resolution check of `tend plan`: before anything is installed, the items to
//! apply now ([`Plan::ready_items`]) are resolved with uv (`uv pip compile`) together with the
//! project's requirements, against the indexes the plan asked, for the environment's Python.
//! An item that cannot be resolved with the rest is held back ([`Plan::hold_back`]) with uv's
//! explanation.
//!
//! # What is resolved
//!
//! The base is what the project installs: its declared requirements (requirements files,
//! `pyproject.toml`; extras and markers kept; `-c` constraints as constraints). A project that
//! declares nothing to install is described by its lockfile pins, and failing those by the
//! environment: every installed distribution that came from an index (not a URL, a path or an
//! editable install) and that the index knows, pinned `name==version`. Direct references
//! (`name @ url`, `-e path`) are left out: no release is planned for them, and uv would have to
//! fetch or build them. An item replaces every pin of its package with `name==to`; an item for
//! a package the base does not name is added as `name==to`.
//!
//! # Order
//!
//! Everything is resolved at once first: one uv run when the plan resolves. When uv finds no
//! solution, the base is resolved alone (if it has no solution either, the plan is not to blame
//! and nothing is held back); then the items that do not fit are found by halving the set in
//! plan order (`tend_update::isolate`: about k·log2(n) runs for k conflicting items among n):
//! each try includes the items kept so far, and of two items that conflict the later (less
//! urgent) one is held back with uv's explanation. The halving's runs are offline first: the
//! two runs before them fetched what they need, and an online run would ask the index for
//! every page again; an offline answer that missing data could explain is asked again online.
//!
//! # Failures
//!
//! Only "no solution" holds an item back. uv not found, a network or index error, a timeout,
//! or uv unable to resolve offline leave the plan as it is, with the pre-flight `not-run` and
//! the reason: the plan is still useful without it.
//!
//! # uv
//!
//! `TEND_UV` names the uv executable; without it, `uv` is looked up on `PATH`. uv reads its
//! input from files in a private temporary folder (index URLs may carry credentials, which must
//! not show in a process list), runs without its own configuration files (`--no-config`) and
//! without the index variables of the environment, so that the indexes are exactly the plan's.
//! Credentials never appear in what tend prints.

use std::ffi::OsString;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use tend_model::{DeclarationKind, Inventory, OutdatedReport, PackageName, Version};
use tend_plan::{Item, Plan, Preflight};

use super::resolve::{requirement_file_link_lines, requirement_line, run_captured, ResolveError};
use crate::cli::IndexArgs;
use crate::settings::ProjectSettings;

/// The environment variable naming the uv executable.
pub const UV_VARIABLE: &str = "TEND_UV";

/// uv is stopped, and the check not run, when one resolution takes longer than this.
const TIMEOUT: Duration = Duration::from_secs(300);

/// uv's variables that would change which indexes, constraints or configuration it uses; the
/// check removes them so that uv sees what the plan saw.
const UV_SETTINGS_VARIABLES: [&str; 13] = [
    "UV_INDEX",
    "UV_DEFAULT_INDEX",
    "UV_INDEX_URL",
    "UV_EXTRA_INDEX_URL",
    "UV_FIND_LINKS",
    "UV_NO_INDEX",
    "UV_INDEX_STRATEGY",
    "UV_CONFIG_FILE",
    "UV_CONSTRAINT",
    "UV_OVERRIDE",
    "UV_EXCLUDE_NEWER",
    "UV_OFFLINE",
    "UV_PRERELEASE",
];

/// What the check needs besides the plan.
pub struct PreflightRequest<'a> {
    pub settings: &'a ProjectSettings,
    pub inventory: &'a Inventory,
    /// The packages the plan compared: an installed distribution the index does not know
    /// (`pip` on a private index, say) is not part of an environment-only base.
    pub outdated: &'a OutdatedReport,
    pub index: &'a IndexArgs,
    /// `--offline`: uv resolves from its cache and local files only.
    pub offline: bool,
}

/// Runs the check and records its outcome in `plan`, holding back the items that do not
/// resolve. Never an error: a check that cannot run says why in the plan.
pub fn check(request: &PreflightRequest<'_>, plan: &mut Plan) {
    let preflight = match run(request, plan) {
        Ok(Outcome::Passed { resolver, items }) => Preflight::Passed { resolver, items },
        Ok(Outcome::HeldBack {
            resolver,
            items,
            held_back,
        }) => {
            let categories = &request.settings.policy.categories;
            let names = held_back
                .iter()
                .filter(|(name, conflict)| plan.hold_back(categories, name, conflict))
                .map(|(name, _)| name.clone())
                .collect();
            Preflight::HeldBack {
                resolver,
                items,
                held_back: names,
            }
        }
        Err(NotRun { reason, warn }) => {
            if warn {
                eprintln!("warning: the pre-flight resolution check did not run: {reason}");
            }
            Preflight::NotRun { reason }
        }
    };
    plan.set_preflight(preflight);
}

/// The pre-flight outcome for a plan made with `--no-preflight`.
pub fn turned_off() -> Preflight {
    Preflight::NotRun {
        reason: "turned off (--no-preflight)".to_string(),
    }
}

/// The uv executable: `TEND_UV`, else `uv` on `PATH`.
pub fn uv_program() -> PathBuf {
    std::env::var_os(UV_VARIABLE)
        .filter(|value| !value.is_empty())
        .map_or_else(|| PathBuf::from("uv"), PathBuf::from)
}

enum Outcome {
    Passed {
        resolver: String,
        items: usize,
    },
    HeldBack {
        resolver: String,
        items: usize,
        held_back: Vec<(PackageName, String)>,
    },
}

/// Why the check did not run; `warn`: worth a warning on standard error (something the user
/// may want to fix, not a plan with nothing to check).
struct NotRun {
    reason: String,
    warn: bool,
}

impl NotRun {
    fn quiet(reason: impl Into<String>) -> Self {
        Self {
            reason: reason.into(),
            warn: false,
        }
    }

    fn warn(reason: impl Into<String>) -> Self {
        Self {
            reason: reason.into(),
            warn: true,
        }
    }
}

/// One planned update, as the check uses it.
#[derive(Debug, Clone)]
struct Update {
    name: PackageName,
    to: Version,
}

impl Update {
    fn of(item: &Item) -> Self {
        Self {
            name: item.name.clone(),
            to: item.to.clone(),
        }
    }
}

fn run(request: &PreflightRequest<'_>, plan: &Plan) -> Result<Outcome, NotRun> {
    let updates: Vec<Update> = plan.ready_items().map(Update::of).collect();
    if updates.is_empty() {
        return Err(NotRun::quiet("no items to apply now"));
    }
    let indexes =
        crate::settings::index_settings(request.index, &request.settings.policy, request.inventory)
            .map_err(|error| NotRun::warn(format!("the index settings: {error}")))?;
    let secrets = secrets(&indexes);
    let uv = Uv {
        program: uv_program(),
        offline: request.offline,
        base: Base::new(request.inventory, request.outdated),
        options: options(request, &indexes),
        secrets,
    };
    decide(&uv, &updates)
}

/// All at once; on "no solution", the base alone, then the items that do not fit, found by
/// halving the set in plan order.
fn decide(uv: &Uv, updates: &[Update]) -> Result<Outcome, NotRun> {
    let first_conflict = match uv.resolve(updates)? {
        Resolution::Resolved => {
            return Ok(Outcome::Passed {
                resolver: uv.version(),
                items: updates.len(),
            })
        }
        Resolution::NoSolution(conflict) => conflict,
    };
    // Not the plan's fault when the project's own requirements have no solution.
    if let Resolution::NoSolution(conflict) = uv.resolve(&[])? {
        return Err(NotRun::warn(format!(
            "the project's requirements do not resolve even without the plan's updates: \
             {conflict}"
        )));
    }
    // The items that do not fit, found by halving (tend-update's search, as for failing
    // gates): about k·log2(n) resolutions for k conflicting items among n, instead of one per
    // item. The search keeps plan order: of two items that conflict, the later is held back.
    let mut failed: Option<NotRun> = None;
    let isolation = tend_update::isolate(updates, first_conflict, &mut |set: &[Update]| {
        if failed.is_some() {
            return Err(String::new());
        }
        match uv.resolve_from_cache(set) {
            Ok(Resolution::Resolved) => Ok(()),
            Ok(Resolution::NoSolution(conflict)) => Err(conflict),
            Err(error) => {
                failed = Some(error);
                Err(String::new())
            }
        }
    });
    if let Some(error) = failed {
        return Err(error);
    }
    let accepted = isolation.kept;
    let held_back: Vec<(PackageName, String)> = isolation
        .held_back
        .into_iter()
        .map(|(update, conflict)| (update.name, conflict))
        .collect();
    // Everything fitted piece by piece after all (a resolver is not bound to agree with itself
    // on a different input): nothing to hold back.
    if held_back.is_empty() {
        return Ok(Outcome::Passed {
            resolver: uv.version(),
            items: accepted.len(),
        });
    }
    Ok(Outcome::HeldBack {
        resolver: uv.version(),
        items: accepted.len(),
        held_back,
    })
}

/// How one `uv pip compile` run ended, when it ran to an answer.
enum Resolution {
    Resolved,
    /// uv's explanation, trimmed.
    NoSolution(String),
}

/// What goes to uv besides the requirements: its options, and the index lines of its input
/// file.
struct UvOptions {
    /// `--index-url`, `--extra-index-url`, `--find-links`, `--trusted-host` lines.
    index_lines: Vec<String>,
    args: Vec<OsString>,
}

fn options(request: &PreflightRequest<'_>, indexes: &tend_index::IndexSettings) -> UvOptions {
    // The same index options the trials give the installer, as requirements-file lines.
    let (lines, _) = tend_update::trial::split_index_args(&super::update::installer_index_args(
        &indexes.indexes,
    ));
    let mut index_lines: Vec<String> = lines.lines().map(str::to_string).collect();
    index_lines.extend(requirement_file_link_lines(request.inventory));

    let mut args: Vec<OsString> = Vec::new();
    // tend asks every index and merges the answers, so the planned version may live on any of
    // them; uv's default (the first index that has a package) could miss it.
    args.extend(["--index-strategy", "unsafe-best-match"].map(OsString::from));
    let environment = request.inventory.environment.as_ref();
    if let Some(python) = environment
        .and_then(|environment| environment.python.as_ref())
        .filter(|python| python.exists())
    {
        args.push("--python".into());
        args.push(python.clone().into_os_string());
    }
    if let Some(version) = environment.and_then(|environment| environment.python_version.as_ref()) {
        args.push("--python-version".into());
        args.push(version.to_string().into());
    }
    if request
        .inventory
        .sources
        .iter()
        .any(|source| source.options.pre)
    {
        args.extend(["--prerelease", "allow"].map(OsString::from));
    }
    if request.offline {
        args.push("--offline".into());
    }
    UvOptions { index_lines, args }
}

/// The passwords of the index URLs, and lone user names (usually tokens), to be replaced in
/// anything uv says; as [`tend_http::RedactedUrl`] hides them.
fn secrets(indexes: &tend_index::IndexSettings) -> Vec<String> {
    let mut secrets = Vec::new();
    for index in &indexes.indexes {
        match index.url.password() {
            Some(password) => secrets.push(password.to_string()),
            None if !index.url.username().is_empty() => {
                secrets.push(index.url.username().to_string());
            }
            None => {}
        }
    }
    for secret in secrets.clone() {
        if let Ok(decoded) = urlencoding_decode(&secret) {
            secrets.push(decoded);
        }
    }
    // Replacing a one- or two-letter "secret" everywhere would garble the message; inside a
    // URL, [`redact`] hides it anyway.
    secrets.retain(|secret| secret.len() >= 3);
    secrets.sort();
    secrets.dedup();
    // Longest first, so that a secret containing another is replaced whole.
    secrets.sort_by_key(|secret| std::cmp::Reverse(secret.len()));
    secrets
}

/// Percent-decoding of URL user info (the `url` crate keeps it encoded).
fn urlencoding_decode(text: &str) -> Result<String, std::string::FromUtf8Error> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        let hex = |at: usize| {
            bytes
                .get(at)
                .and_then(|byte| char::from(*byte).to_digit(16))
        };
        match (bytes[index], hex(index + 1), hex(index + 2)) {
            (b'%', Some(high), Some(low)) => {
                // Two hex digits: at most 255.
                out.push(u8::try_from(high * 16 + low).unwrap_or(b'?'));
                index += 3;
            }
            (byte, _, _) => {
                out.push(byte);
                index += 1;
            }
        }
    }
    String::from_utf8(out)
}

/// Text with every known secret replaced by `****`, and the credentials of any URL in it hidden
/// as [`tend_http::RedactedUrl`] hides them (`user:****@`, a lone user name `****@`).
fn redact(text: &str, secrets: &[String]) -> String {
    let mut text = text.to_string();
    for secret in secrets {
        text = text.replace(secret.as_str(), "****");
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    while let Some(start) = rest.find("://") {
        let (before, after) = rest.split_at(start + 3);
        out.push_str(before);
        let authority_end = after
            .find(|c: char| c == '/' || c.is_whitespace() || c == '`' || c == '\'' || c == '"')
            .unwrap_or(after.len());
        let authority = &after[..authority_end];
        match authority.rfind('@') {
            Some(at) => {
                let user_info = &authority[..at];
                if let Some((user, _)) = user_info.split_once(':') {
                    out.push_str(user);
                    out.push(':');
                }
                out.push_str("****");
                out.push_str(&authority[at..]);
            }
            None => out.push_str(authority),
        }
        rest = &after[authority_end..];
    }
    out.push_str(rest);
    out
}

/// One line of the base: a declaration or a pin, and how an update of its package rewrites it.
#[derive(Debug, Clone)]
struct BaseLine {
    name: PackageName,
    /// `[extra,…]`, or empty.
    extras: String,
    /// ` ; marker`, or empty.
    marker: String,
    /// The line as the project has it.
    line: String,
    constraint: bool,
}

impl BaseLine {
    fn with(&self, update: &Update) -> String {
        let extras = if self.constraint { "" } else { &self.extras };
        format!("{}{extras}=={}{}", self.name, update.to, self.marker)
    }
}

/// What the project installs, before any update.
#[derive(Debug, Default)]
struct Base {
    lines: Vec<BaseLine>,
}

impl Base {
    fn new(inventory: &Inventory, outdated: &OutdatedReport) -> Self {
        let declared = |kind: DeclarationKind| {
            inventory
                .declarations
                .iter()
                .filter(move |declaration| declaration.kind == kind && declaration.url.is_none())
        };
        let declaration_line = |declaration: &tend_model::Declaration, constraint: bool| {
            let extras = if declaration.extras.is_empty() {
                String::new()
            } else {
                let extras: Vec<String> =
                    declaration.extras.iter().map(ToString::to_string).collect();
                format!("[{}]", extras.join(","))
            };
            BaseLine {
                name: declaration.name.clone(),
                extras,
                marker: declaration
                    .marker
                    .try_to_string()
                    .map(|marker| format!(" ; {marker}"))
                    .unwrap_or_default(),
                line: requirement_line(declaration, !constraint),
                constraint,
            }
        };
        let mut lines: Vec<BaseLine> = declared(DeclarationKind::Requirement)
            .map(|declaration| declaration_line(declaration, false))
            .collect();
        if lines.is_empty() {
            lines = declared(DeclarationKind::Locked)
                .filter(|declaration| declaration.pinned_version().is_some())
                .map(|declaration| declaration_line(declaration, false))
                .collect();
        }
        if lines.is_empty() {
            lines = environment_pins(inventory, outdated);
        }
        lines.extend(
            declared(DeclarationKind::Constraint)
                .filter(|declaration| !declaration.specifier.is_empty())
                .map(|declaration| declaration_line(declaration, true)),
        );
        Self { lines }
    }

    /// The requirement and constraint lines with `updates` applied.
    fn with(&self, updates: &[Update]) -> (Vec<String>, Vec<String>) {
        let mut requirements: Vec<String> = Vec::new();
        let mut constraints: Vec<String> = Vec::new();
        for line in &self.lines {
            let text = match updates.iter().find(|update| update.name == line.name) {
                Some(update) => line.with(update),
                None => line.line.clone(),
            };
            let list = if line.constraint {
                &mut constraints
            } else {
                &mut requirements
            };
            if !list.contains(&text) {
                list.push(text);
            }
        }
        for update in updates {
            let named = self
                .lines
                .iter()
                .any(|line| !line.constraint && line.name == update.name);
            if !named {
                requirements.push(format!("{}=={}", update.name, update.to));
            }
        }
        (requirements, constraints)
    }
}

/// The environment's index-installed distributions the index knows, pinned.
fn environment_pins(inventory: &Inventory, outdated: &OutdatedReport) -> Vec<BaseLine> {
    let Some(environment) = &inventory.environment else {
        return Vec::new();
    };
    environment
        .distributions
        .iter()
        .filter(|distribution| {
            distribution.direct_url.is_none() && distribution.editable_location.is_none()
        })
        .filter(|distribution| {
            outdated
                .packages
                .iter()
                .any(|package| package.name == distribution.name)
        })
        .filter_map(|distribution| {
            let version = distribution.version.pep440()?;
            Some(BaseLine {
                name: distribution.name.clone(),
                extras: String::new(),
                marker: String::new(),
                line: format!("{}=={version}", distribution.name),
                constraint: false,
            })
        })
        .collect()
}

/// uv, with what every run of the check shares.
struct Uv {
    program: PathBuf,
    offline: bool,
    base: Base,
    options: UvOptions,
    secrets: Vec<String>,
}

impl Uv {
    /// Resolves the base with `updates` applied.
    fn resolve(&self, updates: &[Update]) -> Result<Resolution, NotRun> {
        self.resolve_with(updates, self.offline)
    }

    /// Resolves the base with `updates` applied from what uv has just fetched, asking the
    /// index only when that is not enough. The halving runs after the all-at-once and the
    /// base-alone runs, which fetched the pages of every package either names and of what they
    /// pulled in; each online run would revalidate all of them again (about a second per run
    /// on a network that strips caching headers, rebuilding the metadata of every source
    /// distribution), an offline one takes milliseconds. An answer that may come from missing
    /// or old data (a package or version uv does not have cached) is asked again online, so
    /// the cache can only cost time, never hold an item back wrongly.
    fn resolve_from_cache(&self, updates: &[Update]) -> Result<Resolution, NotRun> {
        if self.offline {
            return self.resolve(updates);
        }
        match self.resolve_with(updates, true) {
            Ok(Resolution::Resolved) => Ok(Resolution::Resolved),
            Ok(Resolution::NoSolution(conflict)) if !maybe_stale(&conflict) => {
                Ok(Resolution::NoSolution(conflict))
            }
            Ok(Resolution::NoSolution(_)) | Err(_) => self.resolve_with(updates, false),
        }
    }

    fn resolve_with(&self, updates: &[Update], offline: bool) -> Result<Resolution, NotRun> {
        let (requirements, constraints) = self.base.with(updates);
        let folder = tempfile::Builder::new()
            .prefix("tend-preflight-")
            .tempdir()
            .map_err(|error| NotRun::warn(format!("could not write uv's input files: {error}")))?;
        let requirements_path = folder.path().join("requirements.in");
        let constraints_path = folder.path().join("constraints.txt");
        let mut requirements_text = String::new();
        for line in self.options.index_lines.iter().chain(&requirements) {
            let _ = writeln!(requirements_text, "{line}");
        }
        let mut constraints_text = String::new();
        for line in &constraints {
            let _ = writeln!(constraints_text, "{line}");
        }
        fs_err::write(&requirements_path, requirements_text)
            .and_then(|()| fs_err::write(&constraints_path, constraints_text))
            .map_err(|error| NotRun::warn(format!("could not write uv's input files: {error}")))?;

        let mut command = self.command();
        command
            .args(["pip", "compile", "--quiet", "--no-header", "--no-config"])
            .args(["--color", "never"])
            // A missing interpreter is a reason not to run, not one to download one.
            .arg("--no-python-downloads")
            .arg(&requirements_path)
            .arg("--constraints")
            .arg(&constraints_path)
            .args(&self.options.args);
        if offline && !self.offline {
            command.arg("--offline");
        }
        let output = match run_captured(&mut command, &self.program, TIMEOUT) {
            Ok(Some(output)) => output,
            Ok(None) => {
                return Err(NotRun::warn(format!(
                    "uv did not finish resolving within {} seconds and was stopped",
                    TIMEOUT.as_secs()
                )))
            }
            Err(ResolveError::UvNotFound { uv }) => {
                return Err(NotRun::warn(format!(
                    "uv not found; install uv (https://docs.astral.sh/uv/) and put it on PATH, \
                     or name it with {UV_VARIABLE} (looked for `{}`)",
                    uv.display()
                )))
            }
            Err(error) => return Err(NotRun::warn(self.redact(&error.to_string()))),
        };
        if output.status.success() {
            return Ok(Resolution::Resolved);
        }
        let stderr = self.redact(&output.stderr);
        match explanation(&stderr) {
            Some(conflict) if missing_data(&conflict) => Err(NotRun::warn(format!(
                "uv could not find what the plan needs on its indexes{}: {conflict}",
                if offline { " or in its cache" } else { "" }
            ))),
            Some(conflict) => Ok(Resolution::NoSolution(conflict)),
            None => Err(NotRun::warn(format!(
                "uv could not resolve ({}): {}",
                output.status,
                one_paragraph(&stderr, folder.path())
            ))),
        }
    }

    /// `uv 0.13.9`, from `uv --version`; `uv` when it does not say.
    fn version(&self) -> String {
        let mut command = self.command();
        command.arg("--version");
        match run_captured(&mut command, &self.program, TIMEOUT) {
            Ok(Some(output)) if output.status.success() => {
                let mut words = output.stdout.split_whitespace();
                match (words.next(), words.next()) {
                    (Some(name), Some(version)) => format!("{name} {version}"),
                    _ => "uv".to_string(),
                }
            }
            _ => "uv".to_string(),
        }
    }

    fn command(&self) -> Command {
        let mut command = Command::new(&self.program);
        for variable in UV_SETTINGS_VARIABLES {
            command.env_remove(variable);
        }
        command.env("NO_COLOR", "1");
        command
    }

    fn redact(&self, text: &str) -> String {
        redact(text, &self.secrets)
    }
}

/// uv's explanation of a resolution with no solution, one sentence a line, without the
/// decoration; `None` when uv failed for another reason.
fn explanation(stderr: &str) -> Option<String> {
    let (_, after) = stderr.split_once("No solution found when resolving dependencies")?;
    let after = after.trim_start_matches(':');
    let mut paragraphs: Vec<String> = Vec::new();
    let mut current = String::new();
    for line in after.lines() {
        // On a terminal uv draws `╰─▶ Because …`; otherwise it writes `  cause: Because …`.
        let text = line
            .trim()
            .trim_start_matches(['╰', '─', '▶', '│', '×'])
            .trim();
        let text = text.strip_prefix("cause:").unwrap_or(text).trim();
        if text.is_empty() {
            continue;
        }
        // uv starts a new sentence of its derivation with "And because"; hints stand alone.
        if !current.is_empty() && (text.starts_with("And because") || text.starts_with("hint:")) {
            paragraphs.push(std::mem::take(&mut current));
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(text);
    }
    if !current.is_empty() {
        paragraphs.push(current);
    }
    let text = paragraphs.join("\n");
    (!text.is_empty()).then_some(text)
}

/// A "no solution" that is about data uv could not get rather than requirements that do not fit:
/// a package missing from every index (the plan found it there, so uv reads the index
/// differently: a directory index without the files, say) or from uv's cache offline.
fn missing_data(explanation: &str) -> bool {
    [
        "not found in the package registry",
        "not found in the provided package locations",
        "not found in the cache",
        "network connectivity is disabled",
    ]
    .iter()
    .any(|phrase| explanation.contains(phrase))
}

/// A "no solution" from an offline run that an older cached page could explain: to uv, a
/// version missing from the cache is a version that does not exist ("there is no version of
/// …", "only … is available").
fn maybe_stale(explanation: &str) -> bool {
    missing_data(explanation)
        || [
            "no version of",
            "no versions of",
            "is available",
            "are available",
        ]
        .iter()
        .any(|phrase| explanation.contains(phrase))
}

/// uv's standard error on one line, without decoration or the temporary folder's path.
fn one_paragraph(stderr: &str, folder: &Path) -> String {
    let folder = folder.to_string_lossy();
    let words: Vec<&str> = stderr
        .lines()
        .map(|line| {
            line.trim()
                .trim_start_matches(['╰', '─', '▶', '│', '×'])
                .trim()
        })
        .filter(|line| !line.is_empty())
        .collect();
    let text = words.join(" ").replace(folder.as_ref(), "…");
    if text.is_empty() {
        "(it said nothing)".to_string()
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(text: &str) -> PackageName {
        text.parse().unwrap()
    }

    fn update(package: &str, to: &str) -> Update {
        Update {
            name: name(package),
            to: to.parse().unwrap(),
        }
    }

    fn pin(package: &str, version: &str) -> BaseLine {
        BaseLine {
            name: name(package),
            extras: String::new(),
            marker: String::new(),
            line: format!("{package}=={version}"),
            constraint: false,
        }
    }

    /// A stand-in for uv that keeps each input file and its arguments in `folder/runs`, says
    /// `uv 9.9.9` to `--version`, and finds no solution when its input asks for both alpha
    /// 2.0.0 and beta 1.1.0 (or prints `failure` and exits 2 when that is set).
    #[cfg(unix)]
    fn fake_uv(folder: &Path, failure: Option<&str>) -> Uv {
        use std::os::unix::fs::PermissionsExt as _;
        let runs = folder.join("runs");
        fs_err::create_dir_all(&runs).unwrap();
        let failure =
            failure.map_or_else(String::new, |text| format!("echo '{text}' >&2; exit 2\n"));
        let script = folder.join("uv");
        fs_err::write(
            &script,
            format!(
                "#!/bin/sh\nif [ \"$1\" = --version ]; then echo 'uv 9.9.9 (fake)'; exit 0; fi\n\
                 n=$(ls '{runs}' | wc -l)\nprintf '%s\\n' \"$@\" > '{runs}/args-'$n\n\
                 for a in \"$@\"; do case \"$a\" in *.in) cp \"$a\" '{runs}/in-'$n;; esac; done\n\
                 {failure}\
                 in=$(ls '{runs}'/in-$n)\n\
                 if grep -q '^alpha==2.0.0$' \"$in\" && grep -q '^beta==1.1.0$' \"$in\"; then\n\
                 echo 'error: No solution found when resolving dependencies' >&2\n\
                 echo '  cause: Because beta==1.1.0 depends on alpha<2 and you require alpha==2.0.0, we can conclude that your requirements and beta==1.1.0 are incompatible.' >&2\n\
                 exit 1\nfi\nexit 0\n",
                runs = runs.display()
            ),
        )
        .unwrap();
        fs_err::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
        Uv {
            program: script,
            offline: false,
            base: Base {
                lines: vec![pin("alpha", "1.0.0"), pin("beta", "1.0.0")],
            },
            options: UvOptions {
                index_lines: vec!["--index-url https://alice:s3cret@index.example/simple/".into()],
                args: vec!["--python-version".into(), "3.11".into()],
            },
            secrets: vec!["s3cret".to_string()],
        }
    }

    /// The input files of the compile runs, in order.
    #[cfg(unix)]
    fn inputs(folder: &Path) -> Vec<String> {
        let runs = folder.join("runs");
        let count = fs_err::read_dir(&runs)
            .unwrap()
            .filter(|entry| {
                entry
                    .as_ref()
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .starts_with("in-")
            })
            .count();
        (0..count)
            .map(|run| {
                // Each run's number is the count of files before it: two per run.
                fs_err::read_to_string(runs.join(format!("in-{}", run * 2))).unwrap()
            })
            .collect()
    }

    #[cfg(unix)]
    #[test]
    fn one_uv_run_when_everything_resolves() {
        let folder = tempfile::tempdir().unwrap();
        let uv = fake_uv(folder.path(), None);
        let outcome = decide(&uv, &[update("alpha", "2.0.0"), update("gamma", "1.0.1")]);
        let Ok(Outcome::Passed { resolver, items }) = outcome else {
            panic!("not passed");
        };
        assert_eq!((resolver.as_str(), items), ("uv 9.9.9", 2));
        let inputs = inputs(folder.path());
        assert_eq!(
            inputs,
            ["--index-url https://alice:s3cret@index.example/simple/\n\
              alpha==2.0.0\nbeta==1.0.0\ngamma==1.0.1\n"]
        );
        // The credentials are in the input file only, never on uv's command line.
        let args = fs_err::read_to_string(folder.path().join("runs/args-0")).unwrap();
        assert!(!args.contains("s3cret"), "{args}");
        assert!(args.contains("--no-config\n"), "{args}");
        assert!(args.contains("--python-version\n3.11\n"), "{args}");
    }

    #[cfg(unix)]
    #[test]
    fn conflicts_are_found_one_item_at_a_time_most_urgent_first() {
        let folder = tempfile::tempdir().unwrap();
        let uv = fake_uv(folder.path(), None);
        let updates = vec![
            update("alpha", "2.0.0"),
            update("beta", "1.1.0"),
            update("gamma", "1.0.1"),
        ];
        let Ok(Outcome::HeldBack {
            resolver,
            items,
            held_back,
        }) = decide(&uv, &updates)
        else {
            panic!("not held back");
        };
        assert_eq!((resolver.as_str(), items), ("uv 9.9.9", 2));
        assert_eq!(held_back.len(), 1);
        assert_eq!(held_back[0].0, name("beta"));
        assert!(held_back[0]
            .1
            .starts_with("Because beta==1.1.0 depends on alpha<2"));
        let requirements: Vec<String> = inputs(folder.path())
            .iter()
            .map(|input| input.lines().skip(1).collect::<Vec<_>>().join(" "))
            .collect();
        assert_eq!(
            requirements,
            [
                "alpha==2.0.0 beta==1.1.0 gamma==1.0.1",
                "alpha==1.0.0 beta==1.0.0",
                "alpha==2.0.0 beta==1.0.0",
                "alpha==2.0.0 beta==1.1.0",
                "alpha==2.0.0 beta==1.0.0 gamma==1.0.1",
            ]
        );
    }

    #[cfg(unix)]
    #[test]
    fn other_failures_hold_nothing_back_and_hide_credentials() {
        let folder = tempfile::tempdir().unwrap();
        let uv = fake_uv(
            folder.path(),
            Some("error: Failed to fetch: https://alice:s3cret@index.example/simple/alpha/"),
        );
        let Err(not_run) = decide(&uv, &[update("alpha", "2.0.0")]) else {
            panic!("ran");
        };
        assert!(not_run.warn);
        assert_eq!(
            not_run.reason,
            "uv could not resolve (exit status: 2): error: Failed to fetch: \
             https://alice:****@index.example/simple/alpha/"
        );
    }

    #[test]
    fn credentials_are_redacted() {
        let secrets = vec!["s3cr%40t".to_string(), "s3cr@t".to_string()];
        assert_eq!(
            redact(
                "Failed to fetch `https://alice:s3cr%40t@index.example/simple/alpha/` (s3cr@t)",
                &secrets
            ),
            "Failed to fetch `https://alice:****@index.example/simple/alpha/` (****)"
        );
        assert_eq!(
            redact("https://token-123@index.example/simple/", &[]),
            "https://****@index.example/simple/"
        );
        assert_eq!(
            redact("see https://index.example/simple/ and file:///tmp/x", &[]),
            "see https://index.example/simple/ and file:///tmp/x"
        );
        assert_eq!(urlencoding_decode("s3cr%40t").unwrap(), "s3cr@t");
    }

    #[test]
    fn explanation_of_uv_writing_to_a_pipe() {
        let stderr = "error: No solution found when resolving dependencies\n  cause: Because \
                      beta>=1.1.0 depends on alpha<2 and you require alpha==2.0.0, we can \
                      conclude that your requirements and beta>=1.1.0 are incompatible.\n  \
                      And because you require beta==1.1.0, we can conclude that your \
                      requirements are unsatisfiable.\n\nhint: something\n";
        assert_eq!(
            explanation(stderr).unwrap(),
            "Because beta>=1.1.0 depends on alpha<2 and you require alpha==2.0.0, we can \
             conclude that your requirements and beta>=1.1.0 are incompatible.\nAnd because you \
             require beta==1.1.0, we can conclude that your requirements are unsatisfiable.\n\
             hint: something"
        );
    }

    #[test]
    fn explanation_keeps_the_derivation_without_decoration() {
        let stderr = "  × No solution found when resolving dependencies:\n  ╰─▶ Because beta==1.1.0 \
                      depends on alpha<2 and you require alpha==2.0.0, we can conclude that you\n      \
                      require beta!=1.1.0.\n      And because you require beta==1.1.0, we can \
                      conclude that your requirements are unsatisfiable.\n";
        assert_eq!(
            explanation(stderr).unwrap(),
            "Because beta==1.1.0 depends on alpha<2 and you require alpha==2.0.0, we can \
             conclude that you require beta!=1.1.0.\nAnd because you require beta==1.1.0, we \
             can conclude that your requirements are unsatisfiable."
        );
        assert!(explanation("error: Failed to fetch: `http://127.0.0.1/simple/alpha/`").is_none());
        assert!(!missing_data(&explanation(stderr).unwrap()));
        assert!(missing_data(
            &explanation(
                "  × No solution found when resolving dependencies:\n  ╰─▶ Because alpha was not \
             found in the cache and you require alpha==2.0.0, we can conclude that your \
             requirements are unsatisfiable."
            )
            .unwrap()
        ));
    }

    #[test]
    fn updates_replace_pins_and_undeclared_ones_are_added() {
        let name = |text: &str| text.parse::<PackageName>().unwrap();
        let line =
            |package: &str, extras: &str, marker: &str, text: &str, constraint: bool| BaseLine {
                name: name(package),
                extras: extras.to_string(),
                marker: marker.to_string(),
                line: text.to_string(),
                constraint,
            };
        let base = Base {
            lines: vec![
                line(
                    "alpha",
                    "[fast]",
                    " ; python_full_version >= '3.8'",
                    "alpha[fast]==1.0.0 ; python_full_version >= '3.8'",
                    false,
                ),
                line("beta", "", "", "beta>=1.0", false),
                line("alpha", "", "", "alpha<3", true),
            ],
        };
        let update = |package: &str, to: &str| Update {
            name: name(package),
            to: to.parse().unwrap(),
        };
        let (requirements, constraints) =
            base.with(&[update("alpha", "2.0.0"), update("gamma", "1.0.1")]);
        assert_eq!(
            requirements,
            [
                "alpha[fast]==2.0.0 ; python_full_version >= '3.8'",
                "beta>=1.0",
                "gamma==1.0.1"
            ]
        );
        assert_eq!(constraints, ["alpha==2.0.0"]);
        let (requirements, constraints) = base.with(&[]);
        assert_eq!(
            requirements,
            [
                "alpha[fast]==1.0.0 ; python_full_version >= '3.8'",
                "beta>=1.0"
            ]
        );
        assert_eq!(constraints, ["alpha<3"]);
    }
}
