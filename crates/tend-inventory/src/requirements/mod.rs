//! pip requirements files (`requirements*.txt`, pip-tools `*.in`, `constraints*.txt`): the
//! syntax of pip's "Requirements File Format", nested `-r`/`-c` includes, and the file's
//! global options kept as data.
//!
//! Reading is pure: [`parse_requirements`] gets the text and a loader for included files, so
//! tests and the fuzzer need no file system; [`RequirementsTxt`] plugs the real file system in.

mod lines;
mod options;
mod requirement;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use tend_model::{
    Code, Declaration, DeclarationKind, Diagnostic, Location, Severity, SourceFile, SourceKind,
    SourceOptions,
};

use self::lines::LogicalLine;
use self::options::{OptionKind, ParsedOptions};
use self::requirement::{Loader, Outcome, Requested, RequirementError};
use crate::{read_text, ReadContext, SourceData, SourceError, SourceReader};

/// Includes nested deeper than this are reported rather than followed: a cycle through
/// symbolic links cannot be seen by comparing paths.
const MAXIMUM_INCLUDE_DEPTH: usize = 64;

/// The pip requirements-file reader.
#[derive(Debug, Clone, Copy, Default)]
pub struct RequirementsTxt;

impl SourceReader for RequirementsTxt {
    fn kind(&self) -> SourceKind {
        SourceKind::RequirementsTxt
    }

    /// `requirements.txt`, `requirements-dev.txt`, `dev-requirements.txt`, `constraints.txt`,
    /// pip-tools' `requirements.in`, and any `.txt`/`.in` inside a `requirements/` directory.
    /// Other `.in` files (`MANIFEST.in`) are not requirements.
    fn matches(&self, path: &Path) -> bool {
        let Some(name) = path.file_name().and_then(|name| name.to_str()) else {
            return false;
        };
        let name = name.to_ascii_lowercase();
        let Some(stem) = name
            .strip_suffix(".txt")
            .or_else(|| name.strip_suffix(".in"))
        else {
            return false;
        };
        let in_requirements_directory = path
            .parent()
            .and_then(|parent| parent.file_name())
            .and_then(|parent| parent.to_str())
            .is_some_and(|parent| parent.eq_ignore_ascii_case("requirements"));
        stem.contains("requirements") || stem.contains("constraints") || in_requirements_directory
    }

    fn read(&self, path: &Path, context: &ReadContext) -> Result<SourceData, SourceError> {
        let text = read_text(path)?;
        parse_requirements(&text, path, context, &mut |included: &Path| {
            read_text(included)
        })
    }
}

/// Reads the requirements file `path` whose content is `text`; `loader` supplies the text of
/// included files (`-r`, `-c`) and of local projects' `pyproject.toml` (to name `-e ./dir`).
///
/// Relative includes are taken from the including file's directory, as pip does.
pub fn parse_requirements(
    text: &str,
    path: &Path,
    context: &ReadContext,
    loader: &mut dyn FnMut(&Path) -> Result<String, SourceError>,
) -> Result<SourceData, SourceError> {
    let mut reader = Reader {
        context,
        loader,
        stack: Vec::new(),
        finished: BTreeSet::new(),
        data: SourceData::default(),
    };
    reader.read_file(text, path, false, None)?;
    Ok(reader.data)
}

struct Reader<'a, 'b> {
    context: &'a ReadContext,
    loader: &'a mut Loader<'b>,
    /// Files being read, outermost first, as (lexically normalised key, path as named).
    stack: Vec<(PathBuf, PathBuf)>,
    /// Files already read in full, and whether as constraints: a file included twice (two
    /// files sharing a `base.txt`) is read once per kind.
    finished: BTreeSet<(PathBuf, bool)>,
    data: SourceData,
}

/// Where an include or a problem is, for errors and diagnostics.
struct Place<'p> {
    path: &'p Path,
    line: &'p LogicalLine,
}

impl Place<'_> {
    fn location(&self) -> Location {
        Location::new(self.path, self.line.line)
    }

    fn error(&self, message: impl Into<String>, offset: Option<usize>) -> SourceError {
        let (line_text, column) = self.line.display(offset);
        let mut location = self.location();
        location.column = column;
        SourceError::parse(location, message, Some(&line_text))
    }

    fn warning(&self, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(Code::SourceWarning, Severity::Warning, message)
            .with_location(self.location())
    }
}

impl Reader<'_, '_> {
    fn read_file(
        &mut self,
        text: &str,
        path: &Path,
        constraint: bool,
        included_from: Option<&Path>,
    ) -> Result<(), SourceError> {
        let key = requirement::normalize_lexically(path);
        self.stack.push((key.clone(), path.to_path_buf()));
        let source_index = self.data.sources.len();
        self.data.sources.push(SourceFile {
            path: path.to_path_buf(),
            kind: SourceKind::RequirementsTxt,
            included_from: included_from.map(Path::to_path_buf),
            options: SourceOptions::default(),
        });
        let mut source_options = SourceOptions::default();
        for line in lines::logical_lines(text, &self.context.variables) {
            let place = Place { path, line: &line };
            self.read_line(&place, constraint, &mut source_options)?;
        }
        if let Some(source) = self.data.sources.get_mut(source_index) {
            source.options = source_options;
        }
        self.stack.pop();
        self.finished.insert((key, constraint));
        Ok(())
    }

    fn read_line(
        &mut self,
        place: &Place<'_>,
        constraint: bool,
        source_options: &mut SourceOptions,
    ) -> Result<(), SourceError> {
        let (arguments, option_text) = split_arguments(&place.line.content);
        let parsed = options::parse_options(option_text).map_err(|error| {
            place.error(error.0, Some(place.line.content.len() - option_text.len()))
        })?;
        if !parsed.leftovers.is_empty() {
            self.data.diagnostics.push(place.warning(format!(
                "`{}` after the options is not an option; pip ignores it",
                parsed.leftovers.join(" ")
            )));
        }

        if !arguments.trim().is_empty() {
            return self.read_requirement(place, arguments, &parsed, constraint);
        }
        if let Some(editable) = parsed.values(OptionKind::Editable).next() {
            let editable = editable.to_string();
            self.warn_ignored(place, &parsed, |kind| kind == OptionKind::Editable, "`-e`");
            self.warn_extra_values(place, &parsed, OptionKind::Editable);
            if constraint {
                self.data.diagnostics.push(place.warning(format!(
                    "editable `{editable}` in a constraints file; pip does not allow editable \
                     constraints, so it is left out"
                )));
                return Ok(());
            }
            let outcome = requirement::parse_editable(&editable, place.path, self.loader)
                .map_err(|error| place.error(error.message, None))?;
            self.declare(place, outcome, true, Vec::new(), constraint);
            return Ok(());
        }
        let include = parsed
            .values(OptionKind::Requirement)
            .next()
            .map(|value| (value.to_string(), false))
            .or_else(|| {
                parsed
                    .values(OptionKind::Constraint)
                    .next()
                    .map(|value| (value.to_string(), true))
            });
        if let Some((target, nested_constraint)) = include {
            let flag = if nested_constraint { "`-c`" } else { "`-r`" };
            self.warn_ignored(
                place,
                &parsed,
                |kind| matches!(kind, OptionKind::Requirement | OptionKind::Constraint),
                flag,
            );
            self.warn_extra_values(place, &parsed, OptionKind::Requirement);
            self.warn_extra_values(place, &parsed, OptionKind::Constraint);
            if parsed.has(OptionKind::Requirement) && parsed.has(OptionKind::Constraint) {
                self.data.diagnostics.push(
                    place.warning("both `-r` and `-c` on one line; pip follows only the `-r`"),
                );
            }
            // A constraint file's own `-r` includes stay constraints only if they use `-c`: pip
            // decides by the option, not by the including file.
            return self.include(place, &target, nested_constraint);
        }
        self.apply_options(place, &parsed, source_options);
        Ok(())
    }

    fn read_requirement(
        &mut self,
        place: &Place<'_>,
        arguments: &str,
        parsed: &ParsedOptions,
        constraint: bool,
    ) -> Result<(), SourceError> {
        self.warn_ignored(
            place,
            parsed,
            OptionKind::is_per_requirement,
            "a requirement",
        );
        let mut hashes = Vec::new();
        for value in parsed.values(OptionKind::Hash) {
            let hash = parse_hash(value).map_err(|message| place.error(message, None))?;
            hashes.push(hash);
        }
        let outcome = requirement::parse_requirement(arguments, place.path, self.loader).map_err(
            |RequirementError { message, offset }| {
                place.error(
                    format!(
                        "{message}\n  expected a PEP 508 requirement (`name[extras] specifier ; \
                         marker`), a URL, a local path, or an option"
                    ),
                    offset,
                )
            },
        )?;
        self.declare(place, outcome, false, hashes, constraint);
        Ok(())
    }

    fn declare(
        &mut self,
        place: &Place<'_>,
        outcome: Outcome,
        editable: bool,
        hashes: Vec<tend_model::Hash>,
        constraint: bool,
    ) {
        let Requested {
            name,
            extras,
            specifier,
            url,
            marker,
            guessed_from,
        } = match outcome {
            Outcome::Named(requested) => requested,
            Outcome::Unnamed(reason) => {
                self.data.diagnostics.push(
                    place
                        .warning(format!("{reason}; the line is left out"))
                        .with_note(format!("line: {}", place.line.content)),
                );
                return;
            }
        };
        if let Some(directory) = guessed_from {
            self.data.diagnostics.push(
                Diagnostic::new(
                    Code::SourceWarning,
                    Severity::Note,
                    format!(
                        "the name `{name}` is guessed from the directory name of `{directory}`, \
                         which has no `pyproject.toml` naming it"
                    ),
                )
                .with_package(name.clone())
                .with_location(place.location()),
            );
        }
        let kind = if constraint {
            DeclarationKind::Constraint
        } else {
            DeclarationKind::Requirement
        };
        let mut declaration =
            Declaration::new(name, kind, SourceKind::RequirementsTxt, place.location());
        declaration.extras = extras;
        declaration.specifier = specifier;
        declaration.url = url;
        declaration.marker = marker;
        declaration.hashes = hashes;
        declaration.editable = editable;
        self.data.declarations.push(declaration);
    }

    fn include(
        &mut self,
        place: &Place<'_>,
        target: &str,
        constraint: bool,
    ) -> Result<(), SourceError> {
        let flag = if constraint { "-c" } else { "-r" };
        let lower = target.to_ascii_lowercase();
        if lower.starts_with("http:") || lower.starts_with("https:") {
            self.data.diagnostics.push(place.warning(format!(
                "`{flag} {target}` names a remote file; tend does not download requirements \
                 files, so its requirements are not read"
            )));
            return Ok(());
        }
        let local = strip_file_scheme(target);
        if local.trim().is_empty() {
            return Err(place.error(format!("expected a file name after `{flag}`"), None));
        }
        let path = requirement::relative_to(place.path, local);
        let key = requirement::normalize_lexically(&path);
        if let Some(position) = self.stack.iter().position(|(open, _)| *open == key) {
            let chain: Vec<String> = self.stack[position..]
                .iter()
                .map(|(_, named)| named.display().to_string())
                .chain(std::iter::once(path.display().to_string()))
                .collect();
            return Err(place.error(
                format!(
                    "include cycle: `{flag} {target}` includes a file that is already being \
                     read ({})",
                    chain.join(" -> ")
                ),
                None,
            ));
        }
        if self.stack.len() >= MAXIMUM_INCLUDE_DEPTH {
            return Err(place.error(
                format!("includes are nested more than {MAXIMUM_INCLUDE_DEPTH} deep"),
                None,
            ));
        }
        if self.finished.contains(&(key, constraint)) {
            return Ok(());
        }
        let text = match (self.loader)(&path) {
            Ok(text) => text,
            Err(SourceError::Io { source, .. }) => {
                // fs_err's message repeats the path, which the error already names.
                let reason = if source.kind() == std::io::ErrorKind::NotFound {
                    "the file does not exist".to_string()
                } else {
                    source.to_string()
                };
                return Err(place.error(
                    format!("cannot read `{}`, included here: {reason}", path.display()),
                    None,
                ));
            }
            Err(other) => return Err(other),
        };
        self.read_file(&text, &path, constraint, Some(place.path))
    }

    fn apply_options(
        &mut self,
        place: &Place<'_>,
        parsed: &ParsedOptions,
        source_options: &mut SourceOptions,
    ) {
        for option in &parsed.options {
            let value = option.value.clone().unwrap_or_default();
            match option.kind {
                OptionKind::IndexUrl => source_options.index_url = Some(value),
                OptionKind::ExtraIndexUrl => source_options.extra_index_urls.push(value),
                OptionKind::NoIndex => source_options.no_index = true,
                OptionKind::FindLinks => source_options.find_links.push(value),
                OptionKind::TrustedHost => source_options.trusted_hosts.push(value),
                OptionKind::Pre => source_options.pre = true,
                OptionKind::RequireHashes => source_options.require_hashes = true,
                OptionKind::NoBinary
                | OptionKind::OnlyBinary
                | OptionKind::PreferBinary
                | OptionKind::UseFeature => source_options.other.push(option.to_canonical()),
                OptionKind::Hash | OptionKind::GlobalOption | OptionKind::ConfigSettings => {
                    self.data.diagnostics.push(place.warning(format!(
                        "`{}` applies to a requirement on the same line, and this line has \
                         none; pip ignores it",
                        option.kind.long_name()
                    )));
                }
                // Handled before options are applied.
                OptionKind::Requirement | OptionKind::Constraint | OptionKind::Editable => {}
            }
        }
    }

    /// pip acts on one thing per line; the options it does not act on are reported.
    fn warn_ignored(
        &mut self,
        place: &Place<'_>,
        parsed: &ParsedOptions,
        kept: impl Fn(OptionKind) -> bool,
        what: &str,
    ) {
        let ignored: BTreeSet<String> = parsed
            .options
            .iter()
            .filter(|option| !kept(option.kind))
            .map(|option| option.kind.long_name())
            .collect();
        if !ignored.is_empty() {
            let ignored: Vec<String> = ignored
                .into_iter()
                .map(|name| format!("`{name}`"))
                .collect();
            self.data.diagnostics.push(place.warning(format!(
                "{} on the same line as {what}; pip ignores it there",
                ignored.join(", ")
            )));
        }
    }

    fn warn_extra_values(&mut self, place: &Place<'_>, parsed: &ParsedOptions, kind: OptionKind) {
        let extra: Vec<&str> = parsed.values(kind).skip(1).collect();
        if !extra.is_empty() {
            self.data.diagnostics.push(place.warning(format!(
                "more than one `{}` on one line; pip follows only the first and ignores `{}`",
                kind.long_name(),
                extra.join("`, `")
            )));
        }
    }
}

/// pip's `break_args_options`: words (split on spaces only) up to the first one starting with
/// `-` are the requirement; the rest are options. Markers stay intact because they are never
/// shell-split. Returns slices of `content`.
fn split_arguments(content: &str) -> (&str, &str) {
    let mut offset = 0;
    for word in content.split(' ') {
        if word.starts_with('-') {
            let arguments = content[..offset]
                .strip_suffix(' ')
                .unwrap_or(&content[..offset]);
            return (arguments, &content[offset..]);
        }
        offset += word.len() + 1;
    }
    (content, "")
}

/// `--hash` as pip checks it: `<algorithm>:<digest>` with one of pip's strong algorithms.
fn parse_hash(value: &str) -> Result<tend_model::Hash, String> {
    let Some((algorithm, _)) = value.split_once(':') else {
        return Err(format!(
            "expected `--hash=<algorithm>:<hex digest>` (like `--hash=sha256:…`), found `{value}`"
        ));
    };
    if !matches!(algorithm, "sha256" | "sha384" | "sha512") {
        return Err(format!(
            "hash algorithm `{algorithm}` is not allowed in `--hash`; pip accepts sha256, sha384 \
             and sha512"
        ));
    }
    value
        .parse()
        .map_err(|error| format!("invalid `--hash`: {error}"))
}

/// `file:///abs/x.txt` -> `/abs/x.txt`, `file:rel.txt` -> `rel.txt`; anything else as is.
fn strip_file_scheme(target: &str) -> &str {
    let Some(scheme) = target.get(..5) else {
        return target;
    };
    if !scheme.eq_ignore_ascii_case("file:") {
        return target;
    }
    let rest = &target[5..];
    match rest.strip_prefix("//") {
        Some(authority_and_path) => authority_and_path
            .strip_prefix("localhost")
            .unwrap_or(authority_and_path),
        None => rest,
    }
}

#[cfg(test)]
mod tests;
