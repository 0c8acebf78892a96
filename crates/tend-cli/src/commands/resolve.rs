//! `tend audit --resolve`: declarations that allow more than one version are resolved with uv,
//! and the resolved versions audited.
//!
//! The declarations [`tend_advisory::select_targets`] left as not audited because they are
//! unpinned go into one `uv pip compile` run, together with the project's own pins as
//! constraints (so the resolution agrees with them) and the index options its requirements
//! files set. Each resolved `name==version` becomes an audit target whose origin is
//! [`TargetOrigin::Resolved`]:
//!
//! - a declared package points at its (first) declaration, the line its not-audited entry had;
//! - a package uv pulled in for another one points at the declaration that pulled it in,
//!   found by following uv's `# via` annotations up to a declared package; should that ever
//!   fail, it points at the first unpinned declaration's file, with no line.
//!
//! A package that is installed or pinned somewhere is audited as such already; the resolution
//! does not add a second version of it. A declaration the resolution leaves out (its marker
//! does not hold for the target Python) stays not audited, as before. uv failing in any way
//! (not found, unsatisfiable, network, timeout) is an error: nothing is skipped silently.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fmt::Write as _;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use anyhow::Result;
use tend_advisory::AuditTargets;
use tend_model::{
    parse_requirement, AuditTarget, Declaration, DeclarationKind, DistVersion, Inventory, Location,
    NotAudited, NotAuditedReason, Operator, PackageName, SourceOptions, VerbatimUrl, Version,
    VersionOrUrl,
};

/// How uv is run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolveOptions {
    /// The uv executable: a path, or a bare name looked up on `PATH`.
    pub uv: PathBuf,
    /// Pass `--offline` to uv: resolve from its cache and local find-links only.
    pub offline: bool,
    /// uv is stopped, and the audit fails, when it takes longer than this.
    pub timeout: Duration,
}

impl Default for ResolveOptions {
    fn default() -> Self {
        Self {
            uv: PathBuf::from("uv"),
            offline: false,
            timeout: Duration::from_secs(300),
        }
    }
}

/// Why `--resolve` could not resolve the unpinned declarations.
#[derive(Debug, thiserror::Error)]
pub enum ResolveError {
    #[error(
        "`{}` was not found: `--resolve` runs uv to resolve the declarations that allow more \
         than one version\nhint: install uv (https://docs.astral.sh/uv/getting-started/installation/) \
         and put it on PATH, or audit without `--resolve` to list them as not audited",
        uv.display()
    )]
    UvNotFound { uv: PathBuf },
    #[error("could not run `{}`", uv.display())]
    Spawn {
        uv: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("could not write uv's input files")]
    Input(#[source] std::io::Error),
    #[error("waiting for `{}` failed", uv.display())]
    Wait {
        uv: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "uv did not finish resolving within {} seconds and was stopped\n{}",
        timeout.as_secs(),
        requirements
    )]
    TimedOut {
        timeout: Duration,
        /// The requirements given to uv, one indented line each.
        requirements: String,
    },
    #[error(
        "uv could not resolve the declarations that allow more than one version ({status})\n  \
         uv said:\n{stderr}{requirements}hint: fix the requirements or the index options, or \
         audit without `--resolve` to list them as not audited"
    )]
    Failed {
        status: ExitStatus,
        /// uv's standard error, indented.
        stderr: String,
        /// The requirements given to uv, indented.
        requirements: String,
    },
    #[error("line {number} of uv's output was not understood: `{line}`: {message}")]
    Output {
        number: usize,
        line: String,
        message: String,
    },
}

/// Resolves every declaration `targets` lists as unpinned with uv and replaces its not-audited
/// entry with the resolved version; packages uv pulls in that nothing else audits are added.
pub fn resolve_unpinned_with(
    inventory: &Inventory,
    targets: &mut AuditTargets,
    options: &ResolveOptions,
) -> Result<()> {
    let input = ResolveInput::new(inventory, targets);
    if input.requirements.is_empty() {
        return Ok(());
    }
    let output = run_uv(&input, inventory, options)?;
    let resolved = parse_output(&output)?;
    apply(targets, &input, &resolved);
    Ok(())
}

/// What goes into uv: the unpinned declarations, the constraints, and where they came from.
#[derive(Debug, Default)]
struct ResolveInput {
    /// PEP 508 lines with the declaration each came from.
    requirements: Vec<(String, Location)>,
    /// PEP 508 lines for `-c`.
    constraints: Vec<String>,
    /// Each declared package to the location its resolved version will point at.
    declared: BTreeMap<PackageName, Location>,
}

impl ResolveInput {
    fn new(inventory: &Inventory, targets: &AuditTargets) -> Self {
        let declared: BTreeMap<PackageName, Location> = targets
            .not_audited
            .iter()
            .filter(|entry| matches!(entry.reason, NotAuditedReason::Unpinned { .. }))
            .filter_map(|entry| {
                let location = entry.location.clone().or_else(|| {
                    inventory
                        .declarations
                        .iter()
                        .find(|declaration| declaration.name == entry.name)
                        .map(|declaration| declaration.location.clone())
                })?;
                Some((entry.name.clone(), location))
            })
            .collect();
        let requirements = inventory
            .declarations
            .iter()
            .filter(|declaration| {
                declared.contains_key(&declaration.name)
                    && declaration.kind == DeclarationKind::Requirement
                    && declaration.url.is_none()
                    && declaration.pinned_version().is_none()
            })
            .map(|declaration| {
                (
                    requirement_line(declaration, true),
                    declaration.location.clone(),
                )
            })
            .collect();
        Self {
            requirements,
            constraints: constraint_lines(inventory),
            declared,
        }
    }

    /// `    alpha>=1.0, <1.1 (requirements.txt:1)` lines, for error messages.
    fn describe(&self) -> String {
        let mut text = String::from("  requirements given to uv:\n");
        for (line, location) in &self.requirements {
            let _ = writeln!(text, "    {line} ({location})");
        }
        text
    }
}

/// `name[extras]specifier ; marker`, as PEP 508 writes it.
pub(crate) fn requirement_line(declaration: &Declaration, with_extras: bool) -> String {
    let mut line = declaration.name.to_string();
    if with_extras && !declaration.extras.is_empty() {
        let extras: Vec<String> = declaration.extras.iter().map(ToString::to_string).collect();
        let _ = write!(line, "[{}]", extras.join(","));
    }
    line.push_str(&declaration.specifier.to_string());
    if let Some(marker) = declaration.marker.try_to_string() {
        let _ = write!(line, " ; {marker}");
    }
    line
}

/// The project's pins and `-c` constraints, so the resolution agrees with them.
///
/// A package pinned to different versions in different places (a dev file and a production
/// file, say) is left unconstrained: picking one pin would be arbitrary, and passing both
/// would make the resolution fail for a disagreement the audit already covers (each pin is
/// audited as declared).
fn constraint_lines(inventory: &Inventory) -> Vec<String> {
    let mut pins: BTreeMap<&PackageName, BTreeSet<&Version>> = BTreeMap::new();
    for declaration in &inventory.declarations {
        if declaration.url.is_none() && declaration.kind != DeclarationKind::Constraint {
            if let Some(version) = declaration.pinned_version() {
                pins.entry(&declaration.name).or_default().insert(version);
            }
        }
    }
    let mut lines = BTreeSet::new();
    for declaration in &inventory.declarations {
        if declaration.url.is_some() || declaration.specifier.is_empty() {
            continue;
        }
        let consistent = pins
            .get(&declaration.name)
            .is_none_or(|versions| versions.len() == 1);
        match declaration.kind {
            DeclarationKind::Constraint => {
                lines.insert(requirement_line(declaration, false));
            }
            DeclarationKind::Requirement | DeclarationKind::Locked
                if declaration.pinned_version().is_some() && consistent =>
            {
                lines.insert(requirement_line(declaration, false));
            }
            DeclarationKind::Requirement | DeclarationKind::Locked => {}
        }
    }
    lines.into_iter().collect()
}

/// Index options for uv's input file, merged over every requirements file the way pip merges
/// them: the first `--index-url`, every other location once, `--no-index` if any file says so.
///
/// They go into the input file rather than onto the command line so that credentials in index
/// URLs never show in a process list.
fn index_option_lines(inventory: &Inventory) -> Vec<String> {
    let mut index_url: Option<&str> = None;
    let mut extra_index_urls: Vec<&str> = Vec::new();
    let mut find_links: Vec<String> = Vec::new();
    let mut trusted_hosts: Vec<&str> = Vec::new();
    let mut no_index = false;
    for source in &inventory.sources {
        let SourceOptions {
            index_url: source_index_url,
            extra_index_urls: source_extra_index_urls,
            no_index: source_no_index,
            find_links: source_find_links,
            trusted_hosts: source_trusted_hosts,
            ..
        } = &source.options;
        if index_url.is_none() {
            index_url = source_index_url.as_deref();
        }
        for url in source_extra_index_urls {
            if !extra_index_urls.contains(&url.as_str()) {
                extra_index_urls.push(url);
            }
        }
        for link in source_find_links {
            let link = find_links_location(link, &source.path);
            if !find_links.contains(&link) {
                find_links.push(link);
            }
        }
        for host in source_trusted_hosts {
            if !trusted_hosts.contains(&host.as_str()) {
                trusted_hosts.push(host);
            }
        }
        no_index |= *source_no_index;
    }
    let mut lines = Vec::new();
    if let Some(url) = index_url {
        lines.push(format!("--index-url {url}"));
    }
    lines.extend(
        extra_index_urls
            .iter()
            .map(|url| format!("--extra-index-url {url}")),
    );
    lines.extend(link_option_lines(&find_links, &trusted_hosts));
    if no_index {
        lines.push("--no-index".to_string());
    }
    lines
}

/// The `--find-links` and `--trusted-host` options of every requirements file, merged as
/// [`index_option_lines`] merges them: the part of a file's index options that is not an
/// index (the pre-flight check takes its indexes from the run's index settings instead).
pub(crate) fn requirement_file_link_lines(inventory: &Inventory) -> Vec<String> {
    let mut find_links: Vec<String> = Vec::new();
    let mut trusted_hosts: Vec<&str> = Vec::new();
    for source in &inventory.sources {
        for link in &source.options.find_links {
            let link = find_links_location(link, &source.path);
            if !find_links.contains(&link) {
                find_links.push(link);
            }
        }
        for host in &source.options.trusted_hosts {
            if !trusted_hosts.contains(&host.as_str()) {
                trusted_hosts.push(host);
            }
        }
    }
    link_option_lines(&find_links, &trusted_hosts)
}

fn link_option_lines(find_links: &[String], trusted_hosts: &[&str]) -> Vec<String> {
    let mut lines: Vec<String> = find_links
        .iter()
        .map(|link| format!("--find-links {link}"))
        .collect();
    lines.extend(
        trusted_hosts
            .iter()
            .map(|host| format!("--trusted-host {host}")),
    );
    lines
}

/// A `--find-links` value made absolute, as pip reads it: a relative path names a folder next
/// to the requirements file when one is there, else one under the working directory. (uv reads
/// the temporary input file, so a relative path would otherwise point into the wrong folder.)
fn find_links_location(link: &str, requirements_file: &Path) -> String {
    if link.contains("://") || Path::new(link).is_absolute() {
        return link.to_string();
    }
    let next_to_file = requirements_file
        .parent()
        .map(|directory| directory.join(link))
        .filter(|path| path.exists());
    let path = next_to_file.unwrap_or_else(|| PathBuf::from(link));
    std::path::absolute(&path)
        .unwrap_or(path)
        .to_string_lossy()
        .into_owned()
}

/// Writes uv's input into a private temporary folder, runs `uv pip compile` and returns its
/// standard output.
fn run_uv(input: &ResolveInput, inventory: &Inventory, options: &ResolveOptions) -> Result<String> {
    let folder = tempfile::Builder::new()
        .prefix("tend-resolve-")
        .tempdir()
        .map_err(ResolveError::Input)?;
    let requirements_path = folder.path().join("requirements.in");
    let constraints_path = folder.path().join("constraints.txt");
    let mut requirements_text = String::new();
    for line in index_option_lines(inventory) {
        let _ = writeln!(requirements_text, "{line}");
    }
    for (line, _) in &input.requirements {
        let _ = writeln!(requirements_text, "{line}");
    }
    let mut constraints_text = String::new();
    for line in &input.constraints {
        let _ = writeln!(constraints_text, "{line}");
    }
    fs_err::write(&requirements_path, requirements_text).map_err(ResolveError::Input)?;
    fs_err::write(&constraints_path, constraints_text).map_err(ResolveError::Input)?;

    let mut command = Command::new(&options.uv);
    command
        .args([
            "pip",
            "compile",
            "--quiet",
            "--no-header",
            "--color",
            "never",
        ])
        // One line per package with its `# via` parents, to attribute what uv pulls in.
        .args(["--annotation-style", "line"])
        .arg(&requirements_path)
        .arg("--constraints")
        .arg(&constraints_path);
    if let Some(version) = inventory
        .environment
        .as_ref()
        .and_then(|environment| environment.python_version.as_ref())
    {
        command.arg("--python-version").arg(version.to_string());
    }
    if inventory.sources.iter().any(|source| source.options.pre) {
        command.args(["--prerelease", "allow"]);
    }
    if options.offline {
        command.arg("--offline");
    }
    let Some(UvOutput {
        status,
        stdout,
        stderr,
    }) = run_captured(&mut command, &options.uv, options.timeout)?
    else {
        return Err(ResolveError::TimedOut {
            timeout: options.timeout,
            requirements: input.describe(),
        }
        .into());
    };
    if !status.success() {
        let mut indented = String::new();
        for line in stderr.lines().filter(|line| !line.trim().is_empty()) {
            let _ = writeln!(indented, "    {line}");
        }
        if indented.is_empty() {
            indented.push_str("    (nothing)\n");
        }
        return Err(ResolveError::Failed {
            status,
            stderr: indented,
            requirements: input.describe(),
        }
        .into());
    }
    Ok(stdout)
}

/// What a finished uv run printed.
#[derive(Debug)]
pub(crate) struct UvOutput {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `command` (uv, found at `uv`) with no input, capturing both outputs; `None` when it was
/// stopped after `timeout`. uv missing is [`ResolveError::UvNotFound`].
pub(crate) fn run_captured(
    command: &mut Command,
    uv: &Path,
    timeout: Duration,
) -> Result<Option<UvOutput>, ResolveError> {
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().map_err(|source| {
        if source.kind() == std::io::ErrorKind::NotFound {
            ResolveError::UvNotFound {
                uv: uv.to_path_buf(),
            }
        } else {
            ResolveError::Spawn {
                uv: uv.to_path_buf(),
                source,
            }
        }
    })?;
    let stdout = read_in_background(child.stdout.take());
    let stderr = read_in_background(child.stderr.take());
    let status = wait_with_timeout(&mut child, timeout).map_err(|source| ResolveError::Wait {
        uv: uv.to_path_buf(),
        source,
    })?;
    let Some(status) = status else {
        return Ok(None);
    };
    Ok(Some(UvOutput {
        status,
        stdout: String::from_utf8_lossy(&stdout.recv().unwrap_or_default()).into_owned(),
        stderr: String::from_utf8_lossy(&stderr.recv().unwrap_or_default()).into_owned(),
    }))
}

fn read_in_background(pipe: Option<impl Read + Send + 'static>) -> mpsc::Receiver<Vec<u8>> {
    let (sender, receiver) = mpsc::channel();
    if let Some(mut pipe) = pipe {
        thread::spawn(move || {
            let mut buffer = Vec::new();
            // A read error keeps what was read; a short output fails to parse, loudly.
            let _ = pipe.read_to_end(&mut buffer);
            let _ = sender.send(buffer);
        });
    }
    receiver
}

/// Waits for the child; kills it and returns `None` when the timeout passes first.
fn wait_with_timeout(child: &mut Child, timeout: Duration) -> std::io::Result<Option<ExitStatus>> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(Some(status));
        }
        if Instant::now() >= deadline {
            // The child may exit between the check and the kill; either way it is gone.
            let _ = child.kill();
            let _ = child.wait();
            return Ok(None);
        }
        thread::sleep(Duration::from_millis(20));
    }
}

/// One package of uv's resolution.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ResolvedPackage {
    name: PackageName,
    /// `None` for a direct URL (`name @ url`): no version to look up.
    version: Option<Version>,
    /// The packages that required it, from its `# via` annotation.
    via: Vec<PackageName>,
}

/// Reads `name==version  # via a, b, -r file` lines; comments and blank lines are skipped,
/// anything else is an error rather than a package silently left out.
fn parse_output(output: &str) -> Result<Vec<ResolvedPackage>, ResolveError> {
    let mut packages = Vec::new();
    for (index, line) in output.lines().enumerate() {
        let error = |message: String| ResolveError::Output {
            number: index + 1,
            line: line.to_string(),
            message,
        };
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let (requirement, comment) = split_comment(trimmed);
        let requirement = parse_requirement::<VerbatimUrl>(requirement)
            .map_err(|parse_error| error(parse_error.message))?;
        let version = match &requirement.version_or_url {
            Some(VersionOrUrl::VersionSpecifier(specifiers)) => {
                match specifiers.iter().as_slice() {
                    [only] if matches!(only.operator(), Operator::Equal | Operator::ExactEqual) => {
                        Some(only.version().clone())
                    }
                    _ => return Err(error("expected `name==version`".to_string())),
                }
            }
            Some(VersionOrUrl::Url(_)) => None,
            None => return Err(error("expected `name==version`".to_string())),
        };
        let via = comment
            .and_then(|comment| comment.strip_prefix("via"))
            .map(parse_via)
            .unwrap_or_default();
        packages.push(ResolvedPackage {
            name: requirement.name,
            version,
            via,
        });
    }
    Ok(packages)
}

/// Splits off a trailing comment: a `#` that follows whitespace (a URL's `#fragment` does not).
fn split_comment(line: &str) -> (&str, Option<&str>) {
    let bytes = line.as_bytes();
    for (index, byte) in bytes.iter().enumerate() {
        if *byte == b'#' && index > 0 && bytes[index - 1].is_ascii_whitespace() {
            return (line[..index].trim_end(), Some(line[index + 1..].trim()));
        }
    }
    (line, None)
}

/// The package names in a `via` list; file entries (`-r file`, `-c file`) are skipped.
fn parse_via(list: &str) -> Vec<PackageName> {
    list.split(',')
        .map(str::trim)
        .filter(|entry| !entry.is_empty() && !entry.starts_with('-'))
        .filter_map(|entry| {
            let name = entry
                .split(|c: char| c == '[' || c.is_whitespace())
                .next()
                .unwrap_or(entry);
            name.parse::<PackageName>().ok()
        })
        .collect()
}

/// Turns the resolution into targets: declared packages replace their not-audited entries,
/// packages pulled in are added unless something already audits them.
fn apply(targets: &mut AuditTargets, input: &ResolveInput, resolved: &[ResolvedPackage]) {
    let parents: BTreeMap<&PackageName, &[PackageName]> = resolved
        .iter()
        .map(|package| (&package.name, package.via.as_slice()))
        .collect();
    let already_audited: BTreeSet<PackageName> = targets
        .targets
        .iter()
        .map(|target| target.name.clone())
        .collect();
    let other_gaps: BTreeSet<PackageName> = targets
        .not_audited
        .iter()
        .filter(|entry| !input.declared.contains_key(&entry.name))
        .map(|entry| entry.name.clone())
        .collect();
    let fallback = input
        .requirements
        .first()
        .map(|(_, location)| Location::file(location.path.clone()));

    for package in resolved {
        let location = if let Some(location) = input.declared.get(&package.name) {
            targets.not_audited.retain(|entry| {
                !(entry.name == package.name
                    && matches!(entry.reason, NotAuditedReason::Unpinned { .. }))
            });
            location.clone()
        } else if already_audited.contains(&package.name) || other_gaps.contains(&package.name) {
            continue;
        } else if let Some(location) =
            pulled_in_by(&package.name, &parents, &input.declared).or_else(|| fallback.clone())
        {
            location
        } else {
            continue;
        };
        match &package.version {
            Some(version) => targets.targets.push(AuditTarget {
                name: package.name.clone(),
                version: DistVersion::Pep440(version.clone()),
                origin: tend_model::TargetOrigin::Resolved { location },
            }),
            None => targets.not_audited.push(NotAudited {
                name: package.name.clone(),
                reason: NotAuditedReason::NoVersion,
                location: Some(location),
            }),
        }
    }
    targets.targets.sort();
    targets.targets.dedup();
    targets.not_audited.sort();
}

/// The location of the nearest declared package that (through any chain of `# via`
/// annotations) required `name`; the first in name order when several are equally near.
fn pulled_in_by(
    name: &PackageName,
    parents: &BTreeMap<&PackageName, &[PackageName]>,
    declared: &BTreeMap<PackageName, Location>,
) -> Option<Location> {
    let mut seen = BTreeSet::from([name]);
    let mut queue = VecDeque::from([name]);
    while let Some(current) = queue.pop_front() {
        let mut next: Vec<&PackageName> = parents
            .get(current)
            .map(|list| list.iter().collect())
            .unwrap_or_default();
        next.sort();
        if let Some(location) = next.iter().find_map(|parent| declared.get(*parent)) {
            return Some(location.clone());
        }
        for parent in next {
            if seen.insert(parent) {
                queue.push_back(parent);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use tend_model::{SourceKind, TargetOrigin, VersionSpecifiers};

    use super::*;

    fn name(text: &str) -> PackageName {
        PackageName::from_str(text).unwrap()
    }

    fn declaration(text: &str, specifier: &str, line: usize) -> Declaration {
        let mut declaration = Declaration::new(
            name(text),
            DeclarationKind::Requirement,
            SourceKind::RequirementsTxt,
            Location::new("requirements.txt", line),
        );
        declaration.specifier = VersionSpecifiers::from_str(specifier).unwrap();
        declaration
    }

    #[test]
    fn requirement_lines_keep_extras_specifiers_and_markers() {
        let mut gamma = declaration("gamma", ">=0.5,<1", 3);
        gamma.extras = vec![tend_model::ExtraName::from_str("fast").unwrap()];
        gamma.marker = tend_model::MarkerTree::from_str("python_version >= '3.8'").unwrap();
        assert_eq!(
            requirement_line(&gamma, true),
            "gamma[fast]>=0.5, <1 ; python_full_version >= '3.8'"
        );
        assert_eq!(
            requirement_line(&gamma, false),
            "gamma>=0.5, <1 ; python_full_version >= '3.8'"
        );
        // The line reads back as the same requirement.
        let parsed = parse_requirement::<VerbatimUrl>(&requirement_line(&gamma, true)).unwrap();
        assert_eq!(parsed.name, gamma.name);
        assert_eq!(parsed.extras, gamma.extras);
        assert_eq!(parsed.marker, gamma.marker);
    }

    #[test]
    fn disagreeing_pins_are_not_constraints() {
        let mut inventory = Inventory {
            declarations: vec![
                declaration("alpha", "==1.0.0", 1),
                declaration("beta", "==1.0.0", 2),
                declaration("beta", "==1.1.0", 3),
                declaration("gamma", ">=0.5", 4),
            ],
            ..Inventory::default()
        };
        let mut constraint = declaration("delta", "<2", 1);
        constraint.kind = DeclarationKind::Constraint;
        inventory.declarations.push(constraint);
        assert_eq!(constraint_lines(&inventory), ["alpha==1.0.0", "delta<2"]);
    }

    #[test]
    fn reads_uv_output_with_line_annotations() {
        let output = "alpha==1.1.0              # via beta, -r /tmp/x/requirements.in\n\
                      beta==1.1.0               # via gamma\n\
                      \n\
                      # a comment\n\
                      gamma==0.5.0              # via -r /tmp/x/requirements.in\n\
                      delta @ https://example.invalid/delta-1.0.tar.gz#sha256=00  # via gamma[fast]\n";
        let packages = parse_output(output).unwrap();
        let summary: Vec<(String, Option<String>, Vec<String>)> = packages
            .iter()
            .map(|package| {
                (
                    package.name.to_string(),
                    package.version.as_ref().map(ToString::to_string),
                    package.via.iter().map(ToString::to_string).collect(),
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                ("alpha".into(), Some("1.1.0".into()), vec!["beta".into()]),
                ("beta".into(), Some("1.1.0".into()), vec!["gamma".into()]),
                ("gamma".into(), Some("0.5.0".into()), vec![]),
                ("delta".into(), None, vec!["gamma".into()]),
            ]
        );
    }

    #[test]
    fn unexpected_output_is_an_error_naming_the_line() {
        let error = parse_output("alpha==1.0.0\nbeta>=1.0\n").unwrap_err();
        assert!(
            matches!(&error, ResolveError::Output { number: 2, line, .. } if line == "beta>=1.0"),
            "{error:?}"
        );
    }

    #[test]
    fn pulled_in_packages_point_at_the_declaration_that_needs_them() {
        let declared_location = Location::new("requirements.txt", 3);
        let mut targets = AuditTargets {
            targets: vec![AuditTarget {
                name: name("pip"),
                version: DistVersion::Pep440(Version::from_str("24.0").unwrap()),
                origin: TargetOrigin::Installed,
            }],
            not_audited: vec![
                NotAudited {
                    name: name("gamma"),
                    reason: NotAuditedReason::Unpinned {
                        specifier: "any version".to_string(),
                    },
                    location: Some(declared_location.clone()),
                },
                NotAudited {
                    name: name("local"),
                    reason: NotAuditedReason::NoVersion,
                    location: Some(Location::new("requirements.txt", 4)),
                },
            ],
        };
        let input = ResolveInput {
            requirements: vec![("gamma".to_string(), declared_location.clone())],
            constraints: Vec::new(),
            declared: BTreeMap::from([(name("gamma"), declared_location.clone())]),
        };
        let resolved = parse_output(
            "alpha==1.1.0  # via beta\nbeta==1.1.0  # via gamma\ngamma==0.5.0  # via -r in\n\
             pip==25.0  # via gamma\nlocal==1.0  # via gamma\n",
        )
        .unwrap();
        apply(&mut targets, &input, &resolved);
        let summary: Vec<(String, String, String)> = targets
            .targets
            .iter()
            .map(|target| {
                let origin = match &target.origin {
                    TargetOrigin::Installed => "installed".to_string(),
                    TargetOrigin::Declared { location } => format!("declared {location}"),
                    TargetOrigin::Resolved { location } => format!("resolved {location}"),
                };
                (target.name.to_string(), target.version.to_string(), origin)
            })
            .collect();
        assert_eq!(
            summary,
            [
                (
                    "alpha".into(),
                    "1.1.0".into(),
                    "resolved requirements.txt:3".into()
                ),
                (
                    "beta".into(),
                    "1.1.0".into(),
                    "resolved requirements.txt:3".into()
                ),
                (
                    "gamma".into(),
                    "0.5.0".into(),
                    "resolved requirements.txt:3".into()
                ),
                // Installed already: the resolution does not add a second version.
                ("pip".into(), "24.0".into(), "installed".into()),
            ]
        );
        // The URL-declared package keeps its own gap; gamma's is gone.
        assert_eq!(targets.not_audited.len(), 1);
        assert_eq!(targets.not_audited[0].name, name("local"));
    }

    #[test]
    fn relative_find_links_are_made_absolute() {
        let folder = tempfile::tempdir().unwrap();
        fs_err::create_dir(folder.path().join("wheels")).unwrap();
        let file = folder.path().join("requirements.txt");
        assert_eq!(
            find_links_location("wheels", &file),
            folder.path().join("wheels").to_string_lossy()
        );
        assert_eq!(
            find_links_location("https://example.invalid/links", &file),
            "https://example.invalid/links"
        );
        assert!(Path::new(&find_links_location("missing", &file)).is_absolute());
    }

    /// A stand-in for uv: a shell script that keeps its arguments and input files in `folder`
    /// and then runs `body`.
    #[cfg(unix)]
    fn fake_uv(folder: &Path, body: &str) -> PathBuf {
        use std::os::unix::fs::PermissionsExt as _;
        let script = folder.join("uv");
        let record = folder.join("record");
        fs_err::write(
            &script,
            format!(
                "#!/bin/sh\nprintf '%s\\n' \"$@\" > '{record}/args'\n\
                 for a in \"$@\"; do case \"$a\" in *.in) cp \"$a\" '{record}/requirements.in';; \
                 *constraints.txt) cp \"$a\" '{record}/constraints.txt';; esac; done\n{body}\n",
                record = record.display()
            ),
        )
        .unwrap();
        fs_err::create_dir_all(&record).unwrap();
        fs_err::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
        script
    }

    #[cfg(unix)]
    fn unpinned_inventory(folder: &Path) -> (Inventory, AuditTargets) {
        let requirements = folder.join("requirements.txt");
        let inventory = Inventory {
            declarations: vec![
                declaration("alpha", "==1.0.0", 1),
                declaration("beta", ">=1.0", 2),
            ],
            sources: vec![tend_model::SourceFile {
                path: requirements,
                kind: SourceKind::RequirementsTxt,
                included_from: None,
                options: SourceOptions {
                    index_url: Some("https://user:secret@index.invalid/simple".to_string()),
                    find_links: vec!["https://links.invalid/".to_string()],
                    no_index: false,
                    pre: true,
                    ..SourceOptions::default()
                },
            }],
            environment: Some(tend_model::Environment {
                prefix: folder.join("venv"),
                python: None,
                python_version: Some(Version::from_str("3.9.18").unwrap()),
                site_packages: Vec::new(),
                include_system_site_packages: false,
                distributions: Vec::new(),
                markers: None,
            }),
            diagnostics: Vec::new(),
        };
        let targets = tend_advisory::select_targets(&inventory);
        (inventory, targets)
    }

    #[cfg(unix)]
    #[test]
    fn uv_reads_index_options_from_its_input_file_not_its_command_line() {
        let folder = tempfile::tempdir().unwrap();
        let uv = fake_uv(
            folder.path(),
            "echo 'beta==1.0.0  # via -r requirements.in'",
        );
        let (inventory, mut targets) = unpinned_inventory(folder.path());
        let options = ResolveOptions {
            uv,
            offline: true,
            ..ResolveOptions::default()
        };
        resolve_unpinned_with(&inventory, &mut targets, &options).unwrap();

        let record = folder.path().join("record");
        let args = fs_err::read_to_string(record.join("args")).unwrap();
        let args: Vec<&str> = args.lines().collect();
        assert!(!args.iter().any(|arg| arg.contains("secret")), "{args:?}");
        let after = |flag: &str| {
            args.iter()
                .position(|arg| *arg == flag)
                .and_then(|index| args.get(index + 1))
                .copied()
        };
        assert_eq!(after("--python-version"), Some("3.9.18"));
        assert_eq!(after("--prerelease"), Some("allow"));
        assert!(args.contains(&"--offline"), "{args:?}");
        assert_eq!(
            fs_err::read_to_string(record.join("requirements.in")).unwrap(),
            "--index-url https://user:secret@index.invalid/simple\n\
             --find-links https://links.invalid/\n\
             beta>=1.0\n"
        );
        assert_eq!(
            fs_err::read_to_string(record.join("constraints.txt")).unwrap(),
            "alpha==1.0.0\n"
        );
        assert!(targets.not_audited.is_empty(), "{targets:?}");
        assert!(targets
            .targets
            .iter()
            .any(|target| target.name == name("beta")
                && target.origin
                    == TargetOrigin::Resolved {
                        location: Location::new("requirements.txt", 2)
                    }));
    }

    #[cfg(unix)]
    #[test]
    fn a_uv_that_never_finishes_is_stopped() {
        let folder = tempfile::tempdir().unwrap();
        // `exec` so that the kill reaches the sleeping process itself.
        let uv = fake_uv(folder.path(), "exec sleep 60");
        let (inventory, mut targets) = unpinned_inventory(folder.path());
        let options = ResolveOptions {
            uv,
            offline: false,
            timeout: Duration::from_millis(200),
        };
        let error = resolve_unpinned_with(&inventory, &mut targets, &options).unwrap_err();
        let error = error.downcast_ref::<ResolveError>().unwrap();
        assert!(matches!(error, ResolveError::TimedOut { .. }), "{error:?}");
        assert!(
            error.to_string().contains("beta>=1.0 (requirements.txt:2)"),
            "{error}"
        );
        // Nothing was resolved: the gap is still there.
        assert_eq!(targets.not_audited.len(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn output_uv_never_writes_is_an_error_not_a_skip() {
        let folder = tempfile::tempdir().unwrap();
        let uv = fake_uv(folder.path(), "echo 'beta>=1.0'");
        let (inventory, mut targets) = unpinned_inventory(folder.path());
        let options = ResolveOptions {
            uv,
            ..ResolveOptions::default()
        };
        let error = resolve_unpinned_with(&inventory, &mut targets, &options).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("line 1 of uv's output was not understood"),
            "{error}"
        );
    }
}
