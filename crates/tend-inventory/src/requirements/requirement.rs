//! What one requirement line asks for: a PEP 508 requirement, or one of pip's own forms (a bare
//! URL, a local path or archive, an editable `-e`), each turned into a name, extras, a
//! specifier or URL, and markers.
//!
//! pip learns the name of an unnamed requirement by building it; a reader cannot, so the name
//! comes from what the line says: `#egg=`, a wheel or sdist file name, or a local project's
//! `pyproject.toml` and, failing that, its directory name.

use std::fmt;
use std::path::{Component, Path, PathBuf};
use std::str::FromStr;

use pep508_rs::{Pep508Url, Requirement, VersionOrUrl};
use tend_model::{ExtraName, MarkerTree, PackageName, VersionSpecifiers};

use crate::SourceError;

/// A URL from `name @ <url>`, kept exactly as written.
///
/// pep508_rs's own URL type would expand `${VAR}` from the process environment and resolve
/// relative paths against the working directory; a reader must do neither, so the text is kept
/// and the requirements file's own expansion (from the read context) is the only one.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(super) struct WrittenUrl(String);

#[derive(Debug, thiserror::Error)]
#[error("expected a URL after `@`")]
pub(super) struct EmptyUrl;

impl fmt::Display for WrittenUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Pep508Url for WrittenUrl {
    type Err = EmptyUrl;

    fn parse_url(url: &str, _working_dir: Option<&Path>) -> Result<Self, Self::Err> {
        let url = url.trim();
        if url.is_empty() {
            return Err(EmptyUrl);
        }
        Ok(Self(url.to_string()))
    }
}

/// What a requirement line or `-e` asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Requested {
    pub name: PackageName,
    pub extras: Vec<ExtraName>,
    pub specifier: VersionSpecifiers,
    pub url: Option<String>,
    pub marker: MarkerTree,
    /// Set when the name is only a guess from a directory name.
    pub guessed_from: Option<String>,
}

/// How reading a requirement went, short of a syntax error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Outcome {
    Named(Requested),
    /// Valid for pip, but no name can be found without building it; the reason is for people.
    Unnamed(String),
}

/// A requirement that is not valid: the message says what was expected, `offset` is the byte
/// in the requirement text the problem was found at, when known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct RequirementError {
    pub message: String,
    pub offset: Option<usize>,
}

impl RequirementError {
    fn new(message: impl Into<String>, offset: Option<usize>) -> Self {
        Self {
            message: message.into(),
            offset,
        }
    }
}

pub(super) type Loader<'a> = dyn FnMut(&Path) -> Result<String, SourceError> + 'a;

const ARCHIVE_EXTENSIONS: &[&str] = &[
    ".tar.bz2",
    ".tar.gz",
    ".tar.xz",
    ".tar.lz",
    ".tar.lzma",
    ".whl",
    ".zip",
    ".tbz",
    ".tgz",
    ".txz",
    ".tlz",
    ".tar",
];

const VCS_PREFIXES: &[&str] = &["git", "hg", "svn", "bzr"];

/// pip's `is_url`: a scheme pip can download from, VCS schemes included.
fn is_url(text: &str) -> bool {
    let Some((scheme, _)) = text.split_once(':') else {
        return false;
    };
    let scheme = scheme.to_ascii_lowercase();
    if matches!(scheme.as_str(), "http" | "https" | "file" | "ftp") {
        return true;
    }
    VCS_PREFIXES.iter().any(|vcs| {
        scheme == *vcs
            || scheme.strip_prefix(vcs).is_some_and(|rest| {
                rest.starts_with('+')
                    && rest.len() > 1
                    && rest[1..]
                        .bytes()
                        .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-')
            })
    })
}

fn is_vcs_url(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    VCS_PREFIXES
        .iter()
        .any(|vcs| lower.starts_with(&format!("{vcs}+")) || lower.starts_with(&format!("{vcs}:")))
}

/// pip's `_looks_like_path`, accepting both separators since files travel between systems.
fn looks_like_path(text: &str) -> bool {
    text.contains('/') || text.contains('\\') || text.starts_with('.')
}

fn is_archive(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    ARCHIVE_EXTENSIONS
        .iter()
        .any(|extension| lower.ends_with(extension))
}

/// pip's `_strip_extras`: `path[dev,test]` -> (`path`, `[dev,test]`).
fn strip_extras(text: &str) -> (&str, Option<&str>) {
    if text.ends_with(']') {
        if let Some(open) = text.rfind('[') {
            let inside = &text[open + 1..text.len() - 1];
            if open > 0 && !inside.is_empty() && !inside.contains(']') {
                return (&text[..open], Some(&text[open..]));
            }
        }
    }
    (text, None)
}

fn parse_extras(extras: Option<&str>) -> Result<Vec<ExtraName>, RequirementError> {
    let Some(extras) = extras else {
        return Ok(Vec::new());
    };
    let text = format!("placeholder{}", extras.to_ascii_lowercase());
    parse_pep508(&text)
        .map(|requirement| requirement.extras)
        .map_err(|error| {
            RequirementError::new(format!("invalid extras `{extras}`: {}", error.0), None)
        })
}

/// A pep508_rs error, or one of ours found before pep508_rs could panic.
struct Pep508Failure(String, usize);

/// pep508_rs panics on some malformed names; `tend_model::parse_requirement` refuses them first.
fn parse_pep508(text: &str) -> Result<Requirement<WrittenUrl>, Pep508Failure> {
    tend_model::parse_requirement::<WrittenUrl>(text)
        .map_err(|error| Pep508Failure(error.message, error.start))
}

fn parse_marker(marker: &str, offset: usize) -> Result<MarkerTree, RequirementError> {
    MarkerTree::from_str(marker.trim()).map_err(|error| {
        let leading = marker.len() - marker.trim_start().len();
        RequirementError::new(
            format!("invalid marker: {}", error.message),
            Some(offset + leading + error.start),
        )
    })
}

/// A PEP 508 requirement or one of pip's unnamed forms, as found before the options of a line.
pub(super) fn parse_requirement(
    text: &str,
    requirements_file: &Path,
    loader: &mut Loader<'_>,
) -> Result<Outcome, RequirementError> {
    let text = text.trim_end();
    if is_url(text) {
        // pip only splits a URL's marker at "; " since `;` may occur inside a URL.
        let (url, marker) = match text.split_once("; ") {
            Some((url, marker)) => (url.trim_end(), parse_marker(marker, url.len() + 2)?),
            None => (text, MarkerTree::TRUE),
        };
        return Ok(unnamed_url(url, &marker, false, requirements_file, loader));
    }

    let (before_marker, marker_text) = match text.split_once(';') {
        Some((before, marker)) => (before, Some(marker)),
        None => (text, None),
    };
    let (path, extras) = strip_extras(before_marker.trim());
    if looks_like_path(path) || is_archive(path) {
        // `name @ https://…/x.whl` looks like a path too; pip treats it as PEP 508 when what comes
        // before the `@` is not itself a path.
        let is_pep508_url = path
            .split_once('@')
            .is_some_and(|(head, _)| !looks_like_path(head));
        if !is_pep508_url {
            let marker = match marker_text {
                Some(marker) => parse_marker(marker, before_marker.len() + 1)?,
                None => MarkerTree::TRUE,
            };
            let extras = parse_extras(extras)?;
            return Ok(local_path(
                path,
                &extras,
                &marker,
                requirements_file,
                loader,
            ));
        }
    }

    let requirement = parse_pep508(text).map_err(|Pep508Failure(message, start)| {
        RequirementError::new(format!("invalid requirement: {message}"), Some(start))
    })?;
    let (specifier, url) = match requirement.version_or_url {
        None => (VersionSpecifiers::empty(), None),
        Some(VersionOrUrl::VersionSpecifier(specifier)) => (specifier, None),
        Some(VersionOrUrl::Url(url)) => (VersionSpecifiers::empty(), Some(url.0)),
    };
    Ok(Outcome::Named(Requested {
        name: requirement.name,
        extras: requirement.extras,
        specifier,
        url,
        marker: requirement.marker,
        guessed_from: None,
    }))
}

/// The value of `-e`/`--editable`: a local project directory or a VCS URL with `#egg=`.
pub(super) fn parse_editable(
    value: &str,
    requirements_file: &Path,
    loader: &mut Loader<'_>,
) -> Result<Outcome, RequirementError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(RequirementError::new(
            "expected a path or a VCS URL after `-e`",
            None,
        ));
    }
    if is_url(value) {
        return Ok(unnamed_url(
            value,
            &MarkerTree::TRUE,
            true,
            requirements_file,
            loader,
        ));
    }
    let (path, extras) = strip_extras(value);
    let extras = parse_extras(extras)?;
    Ok(local_path(
        path,
        &extras,
        &MarkerTree::TRUE,
        requirements_file,
        loader,
    ))
}

fn unnamed_url(
    url: &str,
    marker: &MarkerTree,
    editable: bool,
    requirements_file: &Path,
    loader: &mut Loader<'_>,
) -> Outcome {
    let named = |name: PackageName, extras: Vec<ExtraName>| {
        Outcome::Named(Requested {
            name,
            extras,
            specifier: VersionSpecifiers::empty(),
            url: Some(url.to_string()),
            marker: marker.clone(),
            guessed_from: None,
        })
    };
    if let Some(egg) = egg_fragment(url) {
        return match parse_pep508(egg) {
            Ok(requirement)
                if requirement.version_or_url.is_none() && requirement.marker.is_true() =>
            {
                named(requirement.name, requirement.extras)
            }
            _ => Outcome::Unnamed(format!(
                "the `#egg=` fragment `{egg}` is not a package name"
            )),
        };
    }
    if let Some(name) = archive_name(url_file_name(url)) {
        return named(name, Vec::new());
    }
    if let Some(path) = file_url_path(url) {
        return match local_path(path, &[], marker, requirements_file, loader) {
            Outcome::Named(mut requested) => {
                requested.url = Some(url.to_string());
                Outcome::Named(requested)
            }
            unnamed @ Outcome::Unnamed(_) => unnamed,
        };
    }
    let what = if editable || is_vcs_url(url) {
        "VCS URL"
    } else {
        "URL"
    };
    Outcome::Unnamed(format!(
        "cannot tell the package name of {what} `{url}`; add `#egg=<name>` or write `<name> @ <url>`"
    ))
}

/// A local directory or archive; relative paths are taken from the requirements file's
/// directory (pip takes them from the working directory, which is usually the same).
fn local_path(
    path: &str,
    extras: &[ExtraName],
    marker: &MarkerTree,
    requirements_file: &Path,
    loader: &mut Loader<'_>,
) -> Outcome {
    let requested = |name: PackageName, guessed_from: Option<String>| {
        Outcome::Named(Requested {
            name,
            extras: extras.to_vec(),
            specifier: VersionSpecifiers::empty(),
            url: Some(path.to_string()),
            marker: marker.clone(),
            guessed_from,
        })
    };
    let file_name = path.rsplit(['/', '\\']).next().unwrap_or(path);
    if is_archive(path) {
        return match archive_name(file_name) {
            Some(name) => requested(name, None),
            None => Outcome::Unnamed(format!(
                "cannot tell the package name from the file name of `{path}`"
            )),
        };
    }
    let directory = relative_to(requirements_file, path);
    if let Some(name) = pyproject_name(&directory, loader) {
        return requested(name, None);
    }
    let directory_name = normalize_lexically(&directory)
        .file_name()
        .and_then(|name| name.to_str())
        .and_then(|name| PackageName::from_str(name).ok());
    match directory_name {
        Some(name) => requested(name, Some(directory.display().to_string())),
        None => Outcome::Unnamed(format!(
            "cannot tell the package name of local project `{path}`: no `pyproject.toml` with a \
             name and no usable directory name"
        )),
    }
}

/// `[project] name`, or Poetry's `[tool.poetry] name`, of a local project.
fn pyproject_name(directory: &Path, loader: &mut Loader<'_>) -> Option<PackageName> {
    let text = loader(&directory.join("pyproject.toml")).ok()?;
    let table: toml::Table = text.parse().ok()?;
    let name = table
        .get("project")
        .and_then(|project| project.get("name"))
        .or_else(|| table.get("tool")?.get("poetry")?.get("name"))?
        .as_str()?;
    PackageName::from_str(name).ok()
}

/// pip's `egg=` fragment parameter (`…#egg=name&subdirectory=x`).
fn egg_fragment(url: &str) -> Option<&str> {
    let (_, fragment) = url.split_once('#')?;
    fragment
        .split('&')
        .find_map(|part| part.strip_prefix("egg="))
        .filter(|egg| !egg.is_empty())
}

/// The last path segment of a URL, without query or fragment.
fn url_file_name(url: &str) -> &str {
    let end = url.find(['?', '#']).unwrap_or(url.len());
    let path = &url[..end];
    path.rsplit('/').next().unwrap_or(path)
}

/// The local path of a `file:` URL.
fn file_url_path(url: &str) -> Option<&str> {
    let scheme = url.get(..5)?;
    if !scheme.eq_ignore_ascii_case("file:") {
        return None;
    }
    let rest = &url[5..];
    let end = rest.find(['?', '#']).unwrap_or(rest.len());
    let rest = &rest[..end];
    let path = match rest.strip_prefix("//") {
        Some(authority_and_path) => authority_and_path
            .strip_prefix("localhost")
            .unwrap_or(authority_and_path),
        None => rest,
    };
    (!path.is_empty()).then_some(path)
}

/// The project name in a wheel (`name-1.0-py3-none-any.whl`) or sdist (`name-1.0.tar.gz`) file
/// name.
fn archive_name(file_name: &str) -> Option<PackageName> {
    let lower = file_name.to_ascii_lowercase();
    if Path::new(file_name)
        .extension()
        .is_some_and(|extension| extension.eq_ignore_ascii_case("whl"))
    {
        let name = file_name.split('-').next()?;
        return PackageName::from_str(name).ok();
    }
    let extension = ARCHIVE_EXTENSIONS
        .iter()
        .find(|extension| lower.ends_with(*extension))?;
    let stem = &file_name[..file_name.len() - extension.len()];
    // The version starts after the last `-` followed by a digit (`my-pkg-2.0rc1`).
    let split = stem
        .match_indices('-')
        .rev()
        .find(|(index, _)| stem[index + 1..].starts_with(|c: char| c.is_ascii_digit()))?
        .0;
    PackageName::from_str(&stem[..split]).ok()
}

/// `path` as seen from the directory of `file`; `.` components dropped, `..` kept.
pub(super) fn relative_to(file: &Path, path: &str) -> PathBuf {
    let path = Path::new(path);
    let joined = if path.is_absolute() {
        path.to_path_buf()
    } else {
        file.parent().unwrap_or(Path::new("")).join(path)
    };
    joined.components().collect()
}

/// Resolves `..` without touching the file system, for comparing paths and naming directories.
pub(super) fn normalize_lexically(path: &Path) -> PathBuf {
    let mut normalized: Vec<Component<'_>> = Vec::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => match normalized.last() {
                Some(Component::Normal(_)) => {
                    normalized.pop();
                }
                Some(Component::RootDir | Component::Prefix(_)) => {}
                _ => normalized.push(component),
            },
            other => normalized.push(other),
        }
    }
    normalized.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_files(_: &Path) -> Result<String, SourceError> {
        Err(SourceError::NotUtf8 {
            path: PathBuf::new(),
            line: 0,
        })
    }

    fn parse(text: &str) -> Result<Outcome, RequirementError> {
        parse_requirement(text, Path::new("reqs/requirements.txt"), &mut no_files)
    }

    fn named(text: &str) -> Requested {
        match parse(text) {
            Ok(Outcome::Named(requested)) => requested,
            other => panic!("{text}: {other:?}"),
        }
    }

    #[test]
    fn pep508_requirements() {
        let requested = named("Flask[async,dotenv]~=2.2 ; python_version >= '3.8'");
        assert_eq!(requested.name.as_ref(), "flask");
        assert_eq!(requested.extras.len(), 2);
        assert_eq!(requested.specifier.to_string(), "~=2.2");
        assert_eq!(
            tend_model::marker_to_string(&requested.marker).as_deref(),
            Some("python_full_version >= '3.8'")
        );
        assert_eq!(named("legacy===1.0").specifier.to_string(), "===1.0");
        assert_eq!(named("django==4.2.*").specifier.to_string(), "==4.2.*");
    }

    #[test]
    fn direct_url_is_kept_as_written() {
        let requested =
            named("pkg @ https://example.com/${NOT_EXPANDED}/pkg-1.0.tar.gz ; os_name == 'posix'");
        assert_eq!(
            requested.url.as_deref(),
            Some("https://example.com/${NOT_EXPANDED}/pkg-1.0.tar.gz")
        );
        assert!(!requested.marker.is_true());
        let requested = named("name @ ./relative/path");
        assert_eq!(requested.url.as_deref(), Some("./relative/path"));
    }

    #[test]
    fn bare_urls_and_archives_are_named_from_the_file_name() {
        let wheel = named("https://example.com/simple/My_Pkg-1.0-py3-none-any.whl");
        assert_eq!(wheel.name.as_ref(), "my-pkg");
        let sdist = named("./dist/some-thing-2.0rc1.tar.gz[extra] ; sys_platform == 'linux'");
        assert_eq!(sdist.name.as_ref(), "some-thing");
        assert_eq!(
            sdist.url.as_deref(),
            Some("./dist/some-thing-2.0rc1.tar.gz")
        );
        assert_eq!(sdist.extras.len(), 1);
        assert!(!sdist.marker.is_true());
        let egg = named("git+https://example.com/repo.git@v1#egg=Real_Name[x]&subdirectory=sub");
        assert_eq!(egg.name.as_ref(), "real-name");
        assert_eq!(egg.extras.len(), 1);
        assert!(matches!(
            parse("git+https://example.com/repo.git"),
            Ok(Outcome::Unnamed(_))
        ));
    }

    #[test]
    fn local_directories_fall_back_to_the_directory_name() {
        let requested = named("./libs/shared-utils/");
        assert_eq!(requested.name.as_ref(), "shared-utils");
        assert_eq!(
            requested.guessed_from.as_deref(),
            Some("reqs/libs/shared-utils")
        );
        let mut loader = |path: &Path| -> Result<String, SourceError> {
            assert_eq!(path, Path::new("reqs/libs/x/pyproject.toml"));
            Ok("[project]\nname = \"Real.Name\"\n".to_string())
        };
        let outcome = parse_editable(
            "./libs/x[dev]",
            Path::new("reqs/requirements.txt"),
            &mut loader,
        );
        let Ok(Outcome::Named(requested)) = outcome else {
            panic!("{outcome:?}")
        };
        assert_eq!(requested.name.as_ref(), "real-name");
        assert_eq!(requested.guessed_from, None);
        assert_eq!(requested.extras.len(), 1);
        assert!(matches!(
            parse_editable(".", Path::new("requirements.txt"), &mut no_files),
            Ok(Outcome::Unnamed(_))
        ));
    }

    #[test]
    fn names_ending_in_punctuation_are_errors_not_pep508_rs_panics() {
        for text in ["foo- ==1", "foo_;x", "foo[bar-]", "foo[a, b. ]"] {
            assert!(parse(text).is_err(), "{text}");
        }
        let error = parse("foo- ==1").unwrap_err();
        assert_eq!(
            error,
            RequirementError::new(
                "invalid requirement: Package name must end with an alphanumeric character, not `-`",
                Some(3)
            )
        );
        assert!(matches!(
            parse("git+https://h/r.git#egg=bad-&x=1"),
            Ok(Outcome::Unnamed(_))
        ));
    }

    #[test]
    fn errors_point_into_the_text() {
        let error = parse("flask=>2.0").unwrap_err();
        assert!(
            error.message.starts_with("invalid requirement: "),
            "{error:?}"
        );
        assert_eq!(error.offset, Some(5));
        let error = parse("./x ; python_version >>> '3'").unwrap_err();
        assert!(error.message.starts_with("invalid marker: "), "{error:?}");
    }

    #[test]
    fn lexical_normalization() {
        assert_eq!(
            normalize_lexically(Path::new("a/./b/../c")),
            PathBuf::from("a/c")
        );
        assert_eq!(
            normalize_lexically(Path::new("../a/..")),
            PathBuf::from("..")
        );
        assert_eq!(
            relative_to(Path::new("dir/req.txt"), "./x/../y.txt"),
            PathBuf::from("dir/x/../y.txt")
        );
        assert_eq!(
            relative_to(Path::new("req.txt"), "/abs.txt"),
            PathBuf::from("/abs.txt")
        );
    }
}
