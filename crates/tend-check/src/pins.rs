//! How tightly the requirements of production and development files fix their versions.
//!
//! Files are matched by their canonical path (falling back to the path as given when it does
//! not exist); a file in both lists is treated as production. Lockfile entries (`Locked`) are
//! exact by construction and never reported; files in neither list are not checked.
//!
//! In a production file (main group and extras; its dev and named groups follow the
//! development rules):
//! - `==X` / `===X` is pinned;
//! - `~=X`, `==X.*` or a range with both bounds is `loose-pin`;
//! - no version, a lower bound only, or exclusions only is `unpinned`;
//! - a direct URL is pinned when it carries a hash (`--hash`, `#sha256=…`) or, for a VCS URL,
//!   a commit id (7 to 64 hex digits after `@`); a VCS URL naming a branch or tag, or an
//!   archive URL without a hash, is `loose-pin` (the artefact can change under the same name);
//!   a VCS URL with no revision at all is `unpinned`;
//! - a local path (`-e .`, `./libs/x`, `file:` URLs) is the service's own code, versioned with
//!   it, and is not reported.
//!
//! In a development file, ranges and lower bounds are fine; a requirement with no version at
//! all (or a VCS URL with no revision) is still reported as `unpinned`, as a note rather than
//! a warning: it does not fail a check, but a reproducible dev setup wants to know.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use tend_model::{Code, Declaration, DeclarationKind, Diagnostic, Group, Severity, SpecifierKind};

use crate::{CheckOptions, CheckReport};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FileRole {
    Production,
    Development,
}

/// How a declaration fixes its version, once URLs are classified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tightness {
    Pinned,
    Loose,
    Unpinned,
    /// Nothing was said about a version at all (empty specifier, VCS URL without revision).
    Nothing,
    LocalPath,
}

pub(crate) fn check(
    declarations: &[Declaration],
    options: &CheckOptions,
    report: &mut CheckReport,
) {
    let production: Vec<PathBuf> = options
        .production_files
        .iter()
        .map(|path| canonical(path))
        .collect();
    let development: Vec<PathBuf> = options
        .development_files
        .iter()
        .map(|path| canonical(path))
        .collect();
    let mut roles: BTreeMap<&Path, Option<FileRole>> = BTreeMap::new();
    for declaration in declarations {
        if declaration.kind == DeclarationKind::Locked {
            continue;
        }
        let path = declaration.location.path.as_path();
        let role = *roles.entry(path).or_insert_with(|| {
            let path = canonical(path);
            if production.contains(&path) {
                Some(FileRole::Production)
            } else if development.contains(&path) {
                Some(FileRole::Development)
            } else {
                None
            }
        });
        let Some(mut role) = role else {
            continue;
        };
        if role == FileRole::Production && matches!(declaration.group, Group::Dev | Group::Group(_))
        {
            role = FileRole::Development;
        }
        report.summary.declarations_checked += 1;
        let tightness = tightness(declaration);
        let finding = match (role, tightness) {
            (_, Tightness::Pinned | Tightness::LocalPath)
            | (FileRole::Development, Tightness::Loose | Tightness::Unpinned) => continue,
            (FileRole::Production, Tightness::Loose) => Diagnostic::new(
                Code::LoosePin,
                Severity::Warning,
                format!(
                    "{} is not pinned to one version in production file {}: {}",
                    declaration.name,
                    declaration.location.path.display(),
                    describe(declaration)
                ),
            )
            .with_note(
                "pin an exact version with `==` (a lockfile or `tend update` can keep it current)",
            ),
            (FileRole::Production, Tightness::Unpinned | Tightness::Nothing) => Diagnostic::new(
                Code::Unpinned,
                Severity::Warning,
                format!(
                    "{} has no upper bound in production file {}: {}",
                    declaration.name,
                    declaration.location.path.display(),
                    describe(declaration)
                ),
            )
            .with_note("pin an exact version with `==`"),
            (FileRole::Development, Tightness::Nothing) => Diagnostic::new(
                Code::Unpinned,
                Severity::Note,
                format!(
                    "{} has no version constraint in development file {}",
                    declaration.name,
                    declaration.location.path.display()
                ),
            ),
        };
        report.findings.push(
            finding
                .with_package(declaration.name.clone())
                .with_location(declaration.location.clone()),
        );
    }
}

fn canonical(path: &Path) -> PathBuf {
    fs_err::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

fn describe(declaration: &Declaration) -> String {
    if let Some(url) = &declaration.url {
        return format!("`{}`", redact(url));
    }
    if declaration.specifier.is_empty() {
        "any version".to_string()
    } else {
        format!("`{}`", declaration.specifier)
    }
}

/// Drops credentials from a URL before it reaches a message.
fn redact(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return url.to_string();
    };
    let rest = &url[scheme_end + 3..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{}****{}", &url[..scheme_end + 3], &rest[at..]),
        None => url.to_string(),
    }
}

fn tightness(declaration: &Declaration) -> Tightness {
    match declaration.specifier_kind() {
        SpecifierKind::Pinned => Tightness::Pinned,
        SpecifierKind::Bounded => Tightness::Loose,
        SpecifierKind::Unbounded if declaration.specifier.is_empty() => Tightness::Nothing,
        SpecifierKind::Unbounded => Tightness::Unpinned,
        SpecifierKind::Url => declaration
            .url
            .as_deref()
            .map_or(Tightness::Nothing, |url| {
                url_tightness(url, !declaration.hashes.is_empty())
            }),
    }
}

fn url_tightness(url: &str, has_hashes: bool) -> Tightness {
    let Some((scheme, rest)) = url.split_once("://") else {
        return Tightness::LocalPath;
    };
    let scheme = scheme.to_ascii_lowercase();
    if scheme == "file" {
        return Tightness::LocalPath;
    }
    let (without_fragment, fragment) = rest.split_once('#').unwrap_or((rest, ""));
    let fragment_hash = fragment.split('&').any(|part| {
        part.split_once('=').is_some_and(|(key, value)| {
            matches!(
                key,
                "sha256" | "sha384" | "sha512" | "sha224" | "md5" | "sha1"
            ) && !value.is_empty()
        })
    });
    if has_hashes || fragment_hash {
        return Tightness::Pinned;
    }
    let vcs = ["git+", "hg+", "svn+", "bzr+"]
        .iter()
        .any(|prefix| scheme.starts_with(prefix));
    if !vcs {
        return Tightness::Loose;
    }
    // The revision follows the last `@` of the path (an `@` in the authority is credentials).
    let path_start = without_fragment.find('/').unwrap_or(without_fragment.len());
    let path = &without_fragment[path_start..];
    match path.rsplit_once('@') {
        Some((_, revision)) if is_commit(revision) => Tightness::Pinned,
        Some((_, revision)) if !revision.is_empty() => Tightness::Loose,
        _ => Tightness::Nothing,
    }
}

fn is_commit(revision: &str) -> bool {
    (7..=64).contains(&revision.len()) && revision.bytes().all(|byte| byte.is_ascii_hexdigit())
}
