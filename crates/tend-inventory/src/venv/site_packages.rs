//! Finding site-packages directories under a prefix, and reading every distribution in them.

use std::collections::btree_map::Entry;
use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use tend_model::{Code, Diagnostic, Distribution, Location, PackageName, Severity, Version};

use super::dist_info::{read_dist_info, Read};
use super::egg_info::{read_egg_info, read_egg_link};

/// A directory to read distributions from, in `sys.path` order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteDirectory {
    pub path: PathBuf,
    /// The base interpreter's, seen through `include-system-site-packages`.
    pub system: bool,
}

/// The site-packages directories of a prefix laid out by CPython or PyPy on any platform:
/// `lib/python3.X/site-packages` (also `lib64`, free-threaded `python3.Xt`),
/// `lib/pypy3.X/site-packages`, Windows' `Lib/site-packages`, old PyPy's `site-packages`.
/// With a known version, only that version's directories count.
pub fn find_site_packages(prefix: &Path, version: Option<&Version>) -> Vec<PathBuf> {
    let wanted = version.and_then(|version| {
        let release = version.release();
        Some(format!("{}.{}", release.first()?, release.get(1)?))
    });
    let mut found: Vec<PathBuf> = Vec::new();
    let mut push = |path: PathBuf| {
        if path.is_dir() {
            // `lib64` is a symlink to `lib` in most venvs: one directory, read once.
            let canonical = fs_err::canonicalize(&path).unwrap_or_else(|_| path.clone());
            if !found.iter().any(|seen| {
                fs_err::canonicalize(seen).unwrap_or_else(|_| seen.clone()) == canonical
            }) {
                found.push(path);
            }
        }
    };
    for lib in ["lib", "lib64"] {
        let Ok(entries) = fs_err::read_dir(prefix.join(lib)) else {
            continue;
        };
        let mut names: Vec<OsString> = entries
            .filter_map(Result::ok)
            .map(|entry| entry.file_name())
            .filter(|name| {
                let Some(name) = name.to_str() else {
                    return false;
                };
                let Some(version) = name
                    .strip_prefix("python")
                    .or_else(|| name.strip_prefix("pypy"))
                else {
                    return false;
                };
                let version = version.strip_suffix('t').unwrap_or(version);
                version.starts_with(|c: char| c.is_ascii_digit())
                    && wanted.as_deref().is_none_or(|wanted| version == wanted)
            })
            .collect();
        names.sort();
        for name in names {
            push(prefix.join(lib).join(name).join("site-packages"));
        }
    }
    push(prefix.join("Lib").join("site-packages"));
    push(prefix.join("site-packages"));
    found
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    DistInfo,
    EggInfo,
    EggLink,
}

struct SiteEntry {
    site: usize,
    name: OsString,
    kind: Kind,
}

/// Reads every distribution in `directories`. A name found in an earlier directory shadows
/// later ones, as `importlib.metadata` does. Two distributions of one name in one directory
/// are a diagnostic; the first by directory name is kept (pip keeps whichever the file system
/// lists first, which is arbitrary).
pub fn read_distributions(
    directories: &[SiteDirectory],
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<Distribution> {
    let mut entries = Vec::new();
    for (site, directory) in directories.iter().enumerate() {
        let listing = match fs_err::read_dir(&directory.path) {
            Ok(listing) => listing,
            Err(error) => {
                diagnostics.push(
                    Diagnostic::new(Code::SourceWarning, Severity::Warning, error.to_string())
                        .with_location(Location::file(&directory.path)),
                );
                continue;
            }
        };
        let start = entries.len();
        for entry in listing.filter_map(Result::ok) {
            let name = entry.file_name();
            let bytes = name.as_encoded_bytes();
            let kind = if bytes.ends_with(b".dist-info") {
                Kind::DistInfo
            } else if bytes.ends_with(b".egg-info") {
                Kind::EggInfo
            } else if bytes.ends_with(b".egg-link") {
                Kind::EggLink
            } else {
                continue;
            };
            entries.push(SiteEntry { site, name, kind });
        }
        entries[start..].sort_by(|a, b| a.name.cmp(&b.name));
    }

    let reads: Vec<Read> = entries
        .par_iter()
        .map(|entry| {
            let directory = &directories[entry.site].path;
            let path = directory.join(&entry.name);
            match entry.kind {
                Kind::DistInfo => read_dist_info(&path),
                Kind::EggInfo => {
                    let is_dir = path.is_dir();
                    read_egg_info(&path, is_dir)
                }
                Kind::EggLink => read_egg_link(&path, directory),
            }
        })
        .collect();

    let mut by_name: BTreeMap<PackageName, (Distribution, usize)> = BTreeMap::new();
    for (entry, read) in entries.iter().zip(reads) {
        let (mut distribution, found_diagnostics) = match read {
            Read::Found(distribution, found_diagnostics) => (distribution, found_diagnostics),
            Read::Broken(diagnostic) => {
                diagnostics.push(diagnostic);
                continue;
            }
        };
        let directory = &directories[entry.site];
        distribution.site_packages.clone_from(&directory.path);
        distribution.system = directory.system;
        match by_name.entry(distribution.name.clone()) {
            Entry::Vacant(vacant) => {
                diagnostics.extend(found_diagnostics);
                vacant.insert((distribution, entry.site));
            }
            Entry::Occupied(occupied) => {
                let (kept, kept_site) = occupied.get();
                if *kept_site == entry.site {
                    diagnostics.push(
                        Diagnostic::new(
                            Code::SourceWarning,
                            Severity::Warning,
                            format!(
                                "`{}` is installed twice in `{}`; reading `{}` and ignoring `{}`",
                                distribution.display_name,
                                directory.path.display(),
                                file_name(&kept.path),
                                file_name(&distribution.path),
                            ),
                        )
                        .with_package(distribution.name.clone())
                        .with_location(Location::file(&distribution.path))
                        .with_note(
                            "Python imports whichever the file system lists first; remove the stale one",
                        ),
                    );
                }
                // A later directory's copy is shadowed, as it is at import time.
            }
        }
    }
    by_name
        .into_values()
        .map(|(distribution, _)| distribution)
        .collect()
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map_or_else(String::new, |name| name.to_string_lossy().into_owned())
}
