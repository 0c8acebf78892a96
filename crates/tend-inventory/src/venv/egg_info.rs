//! Legacy setuptools metadata: `*.egg-info` directories (`PKG-INFO` + `requires.txt`),
//! single-file `*.egg-info` (a bare `PKG-INFO`), and `*.egg-link` development installs.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use tend_model::{
    Code, Diagnostic, DistFormat, Location, MarkerTree, PackageName, Requirement, Severity,
};

use super::dist_info::{broken, Read};
use super::metadata::{parse_metadata, CoreMetadata};

/// Translates `requires.txt` into `Requires-Dist`-style requirements, as
/// `importlib.metadata` does: a `[extra]` section adds `extra == "extra"`, `[:marker]` adds the
/// marker, `[extra:marker]` adds both. Lines that do not parse become diagnostics.
pub fn parse_requires_txt(
    text: &str,
    path: &Path,
    package: &PackageName,
) -> (Vec<Requirement>, Vec<Diagnostic>) {
    let mut requirements = Vec::new();
    let mut diagnostics = Vec::new();
    let warn = |message: String, line: usize| {
        Diagnostic::new(Code::SourceWarning, Severity::Warning, message)
            .with_package(package.clone())
            .with_location(Location::new(path, line))
    };
    // The marker every requirement of the current section gets; `None` for a section whose
    // header did not parse, whose rows are then skipped with it.
    let mut section = Some(MarkerTree::TRUE);
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(header) = line.strip_prefix('[') {
            let Some(header) = header.strip_suffix(']') else {
                diagnostics.push(warn(
                    format!("skipped malformed section `{line}`"),
                    index + 1,
                ));
                section = None;
                continue;
            };
            match section_marker(header) {
                Ok(marker) => section = Some(marker),
                Err(message) => {
                    diagnostics.push(warn(
                        format!("skipped section `{line}` and its rows: {message}"),
                        index + 1,
                    ));
                    section = None;
                }
            }
            continue;
        }
        let Some(section_marker) = &section else {
            continue;
        };
        match tend_model::parse_requirement(line) {
            Ok(mut requirement) => {
                requirement.marker.and(section_marker.clone());
                requirements.push(requirement);
            }
            Err(error) => diagnostics.push(warn(
                format!("skipped requirement `{line}`: {}", error.message),
                index + 1,
            )),
        }
    }
    (requirements, diagnostics)
}

fn section_marker(header: &str) -> Result<MarkerTree, String> {
    let (extra, marker) = header.split_once(':').unwrap_or((header, ""));
    let (extra, marker) = (extra.trim(), marker.trim());
    let mut tree = MarkerTree::TRUE;
    if !marker.is_empty() {
        tree = MarkerTree::from_str(marker).map_err(|error| error.message.to_string())?;
    }
    if !extra.is_empty() {
        let extra = tend_model::ExtraName::from_str(extra).map_err(|error| error.to_string())?;
        let extra_marker = MarkerTree::from_str(&format!("extra == \"{extra}\""))
            .map_err(|error| error.message.to_string())?;
        tree.and(extra_marker);
    }
    Ok(tree)
}

/// Reads a `*.egg-info` directory or file.
pub fn read_egg_info(path: &Path, is_dir: bool) -> Read {
    let metadata_path = if is_dir {
        path.join("PKG-INFO")
    } else {
        path.to_path_buf()
    };
    let metadata = match read_pkg_info(&metadata_path) {
        Ok(metadata) => metadata,
        Err(reason) => return Read::Broken(broken(path, &reason)),
    };
    let mut read = Read::from_metadata(metadata, DistFormat::EggInfo, path);
    if is_dir {
        add_requires_txt(&mut read, path);
        read.installer_from(path);
    }
    read
}

fn read_pkg_info(path: &Path) -> Result<CoreMetadata, String> {
    let bytes = fs_err::read(path).map_err(|error| error.to_string())?;
    parse_metadata(&bytes, path).map_err(|error| error.to_string())
}

/// `requires.txt` holds the requirements; a `Requires-Dist` in `PKG-INFO` (newer setuptools
/// write both) is replaced by it, as `importlib.metadata` prefers the former.
fn add_requires_txt(read: &mut Read, egg_info: &Path) {
    let Read::Found(distribution, diagnostics) = read else {
        return;
    };
    let requires_path = egg_info.join("requires.txt");
    let bytes = match fs_err::read(&requires_path) {
        Ok(bytes) => bytes,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return,
        Err(error) => {
            diagnostics.push(
                Diagnostic::new(Code::SourceWarning, Severity::Warning, error.to_string())
                    .with_package(distribution.name.clone()),
            );
            return;
        }
    };
    let (text, utf8) = super::metadata::decode_lossy(&bytes, &requires_path);
    diagnostics.extend(utf8.map(|diagnostic| diagnostic.with_package(distribution.name.clone())));
    let (requirements, row_diagnostics) =
        parse_requires_txt(&text, &requires_path, &distribution.name);
    distribution.requires_dist = requirements;
    diagnostics.extend(row_diagnostics);
}

/// Reads a `name.egg-link`: its first line is the checkout's egg base, which holds
/// `<name>.egg-info`.
pub fn read_egg_link(path: &Path, site_packages: &Path) -> Read {
    let text = match fs_err::read(path) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(error) => return Read::Broken(broken(path, &error.to_string())),
    };
    let Some(target) = text.lines().map(str::trim).find(|line| !line.is_empty()) else {
        return Read::Broken(broken(path, "the egg-link is empty"));
    };
    // setuptools writes an absolute path; a relative one is taken from site-packages, where
    // pip resolves it too.
    let location = normalize_lexically(&site_packages.join(target));
    let stem = path
        .file_stem()
        .and_then(|stem| stem.to_str())
        .unwrap_or_default();
    let Some(egg_info) = find_egg_info(&location, stem) else {
        return Read::Broken(broken(
            path,
            &format!("no `*.egg-info` directory in `{}`", location.display()),
        ));
    };
    let mut read = read_egg_info(&egg_info, true);
    if let Read::Found(distribution, _) = &mut read {
        distribution.format = DistFormat::EggLink;
        distribution.path = path.to_path_buf();
        distribution.editable_location = Some(location);
    }
    read
}

/// Removes `.` and `..` components without touching the file system, so a relative egg-link
/// shows as the directory it names (symlinks are rare in egg bases and kept as written).
fn normalize_lexically(path: &Path) -> PathBuf {
    let mut normalized = PathBuf::new();
    for component in path.components() {
        match component {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                if !normalized.pop() {
                    normalized.push(component);
                }
            }
            other => normalized.push(other),
        }
    }
    normalized
}

/// The `*.egg-info` directory in `location` whose project name matches the egg-link's name
/// (or the only one there).
fn find_egg_info(location: &Path, link_stem: &str) -> Option<PathBuf> {
    let wanted = PackageName::from_str(link_stem).ok();
    let mut candidates: Vec<PathBuf> = fs_err::read_dir(location)
        .ok()?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| {
            path.extension()
                .is_some_and(|extension| extension == "egg-info")
                && path.is_dir()
        })
        .collect();
    candidates.sort();
    let matching = candidates.iter().find(|candidate| {
        let stem = candidate
            .file_stem()
            .and_then(|stem| stem.to_str())
            .unwrap_or_default();
        let name = stem.split('-').next().unwrap_or_default();
        wanted.is_some() && PackageName::from_str(name).ok() == wanted
    });
    matching
        .cloned()
        .or_else(|| (candidates.len() == 1).then(|| candidates.remove(0)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requires_txt_sections_become_markers() {
        let text = "requests>=2\n# comment\n\n[security]\npyOpenSSL>=0.14\n\
                    [:python_version < \"3.8\"]\nimportlib-metadata\n\
                    [socks:sys_platform == \"win32\"]\nwin-inet-pton\n";
        let package = PackageName::from_str("demo").unwrap();
        let (requirements, diagnostics) =
            parse_requires_txt(text, Path::new("requires.txt"), &package);
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        let requirements: Vec<_> = requirements.iter().map(ToString::to_string).collect();
        assert_eq!(
            requirements,
            [
                "requests>=2",
                "pyopenssl>=0.14 ; extra == 'security'",
                "importlib-metadata ; python_full_version < '3.8'",
                "win-inet-pton ; sys_platform == 'win32' and extra == 'socks'",
            ]
        );
    }

    #[test]
    fn requires_txt_bad_rows_and_sections_are_reported_by_line() {
        let text = "ok\nnot valid ===\n[bad section:os_name =]\nskipped\n[fine]\nyes\n";
        let package = PackageName::from_str("demo").unwrap();
        let (requirements, diagnostics) =
            parse_requires_txt(text, Path::new("requires.txt"), &package);
        let requirements: Vec<_> = requirements.iter().map(ToString::to_string).collect();
        assert_eq!(requirements, ["ok", "yes ; extra == 'fine'"]);
        let lines: Vec<_> = diagnostics
            .iter()
            .map(|d| d.location.as_ref().unwrap().line)
            .collect();
        assert_eq!(lines, [2, 3]);
    }
}
