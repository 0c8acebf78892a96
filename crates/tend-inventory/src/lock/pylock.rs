//! PEP 751 `pylock.toml` / `pylock.<name>.toml`: `[[packages]]` with hashes on every
//! artefact (`wheels`, `sdist`, `archive`) and VCS or directory sources.
//!
//! PEP 751 markers may test `'x' in extras` and `'g' in dependency_groups`, which PEP 508
//! (and so `MarkerTree`) does not know. Such a package's group is taken from those tests and
//! its marker is kept only when it parses; otherwise a note says it was dropped.

use std::path::Path;
use std::str::FromStr;

use tend_model::{
    Code, Declaration, Diagnostic, ExtraName, Group, MarkerTree, Severity, SourceKind,
};
use toml::de::DeTable;

use super::spanned_toml::{entries, get, join, TomlFile};
use super::{data_for, dependency_group, hash, locked, package_name, pinned, tidy};
use crate::{read_text, ReadContext, SourceData, SourceError, SourceReader};

#[derive(Debug, Clone, Copy, Default)]
pub struct PylockReader;

impl SourceReader for PylockReader {
    fn kind(&self) -> SourceKind {
        SourceKind::Pylock
    }

    /// `pylock.toml`, or `pylock.<name>.toml` where the name has no dot.
    fn matches(&self, path: &Path) -> bool {
        let Some(name) = path.file_name().and_then(|name| name.to_str()) else {
            return false;
        };
        if name == "pylock.toml" {
            return true;
        }
        name.strip_prefix("pylock.")
            .and_then(|rest| rest.strip_suffix(".toml"))
            .is_some_and(|middle| !middle.is_empty() && !middle.contains('.'))
    }

    fn read(&self, path: &Path, _context: &ReadContext) -> Result<SourceData, SourceError> {
        parse_pylock(&read_text(path)?, path)
    }
}

pub fn parse_pylock(text: &str, path: &Path) -> Result<SourceData, SourceError> {
    let (file, root) = TomlFile::parse(text, path)?;
    let mut data = data_for(path, SourceKind::Pylock);
    let version = get(&root, "lock-version")
        .ok_or_else(|| file.error(0, "missing `lock-version` (PEP 751 requires it)"))?;
    let version_text = file.string(version, "lock-version")?;
    // PEP 751: a tool must refuse a major version it does not know.
    if version_text.split('.').next() != Some("1") {
        return Err(file.error(
            version.span().start,
            format!("unsupported `lock-version` `{version_text}` (expected 1.x)"),
        ));
    }
    let Some(packages) = file.optional_array(&root, "packages", "")? else {
        return Ok(data);
    };
    for value in packages {
        let table = file.table(value, "packages")?;
        let name_value = get(table, "name")
            .ok_or_else(|| file.error(value.span().start, "missing `name` in `packages`"))?;
        let name_text = file.string(name_value, "packages.name")?;
        let name =
            package_name(name_text).map_err(|error| file.error(name_value.span().start, error))?;
        let key = "packages".to_string();
        let label = format!("packages `{name_text}`");
        let location = file.line_location(name_value.span().start);
        let mut declaration = locked(name.clone(), SourceKind::Pylock, location.clone());
        // A version is optional for VCS and directory sources.
        if let Some(version) = get(table, "version") {
            let text = file.string(version, &join(&key, "version"))?;
            declaration.specifier =
                pinned(text).map_err(|error| file.error(version.span().start, error))?;
        }
        if let Some(marker) = file.optional_string(table, "marker", &key)? {
            declaration.group = group_from_marker(marker);
            match MarkerTree::from_str(marker) {
                Ok(tree) => declaration.marker = tree,
                Err(error) => data.diagnostics.push(
                    Diagnostic::new(
                        Code::SourceWarning,
                        Severity::Note,
                        format!("marker of {label} is not PEP 508; read without a marker"),
                    )
                    .with_package(name.clone())
                    .with_location(location.clone())
                    .with_note(error.message.to_string()),
                ),
            }
        }
        read_artefacts(file, table, &key, &mut declaration)?;
        tidy(&mut declaration);
        data.declarations.push(declaration);
    }
    Ok(data)
}

fn read_artefacts(
    file: TomlFile<'_>,
    table: &DeTable<'_>,
    key: &str,
    declaration: &mut Declaration,
) -> Result<(), SourceError> {
    if let Some(wheels) = file.optional_array(table, "wheels", key)? {
        let wheels_key = join(key, "wheels");
        for wheel in wheels {
            push_hashes(
                file,
                file.table(wheel, &wheels_key)?,
                &wheels_key,
                declaration,
            )?;
        }
    }
    if let Some(sdist) = file.optional_table(table, "sdist", key)? {
        push_hashes(file, sdist, &join(key, "sdist"), declaration)?;
    }
    if let Some(archive) = file.optional_table(table, "archive", key)? {
        let archive_key = join(key, "archive");
        push_hashes(file, archive, &archive_key, declaration)?;
        declaration.url = file
            .optional_string(archive, "url", &archive_key)?
            .or(file.optional_string(archive, "path", &archive_key)?)
            .map(str::to_string);
    }
    if let Some(vcs) = file.optional_table(table, "vcs", key)? {
        let vcs_key = join(key, "vcs");
        let kind = file
            .optional_string(vcs, "type", &vcs_key)?
            .unwrap_or("git");
        let location = file
            .optional_string(vcs, "url", &vcs_key)?
            .or(file.optional_string(vcs, "path", &vcs_key)?)
            .unwrap_or_default();
        let at = get(table, "vcs").map_or(0, |value| value.span().start);
        let commit = file.required_string(vcs, "commit-id", &vcs_key, at)?;
        declaration.url = Some(format!("{kind}+{location}@{commit}"));
    }
    if let Some(directory) = file.optional_table(table, "directory", key)? {
        let directory_key = join(key, "directory");
        let at = get(table, "directory").map_or(0, |value| value.span().start);
        declaration.url = Some(
            file.required_string(directory, "path", &directory_key, at)?
                .to_string(),
        );
        declaration.editable = file
            .optional_boolean(directory, "editable", &directory_key)?
            .unwrap_or(false);
    }
    Ok(())
}

/// `hashes = { sha256 = "…" }` of one artefact.
fn push_hashes(
    file: TomlFile<'_>,
    table: &DeTable<'_>,
    key: &str,
    declaration: &mut Declaration,
) -> Result<(), SourceError> {
    let Some(hashes) = file.optional_table(table, "hashes", key)? else {
        return Ok(());
    };
    let hashes_key = join(key, "hashes");
    for (algorithm, value) in entries(hashes) {
        let digest = file.string(value, &join(&hashes_key, algorithm.get_ref()))?;
        let parsed = hash(&format!("{}:{digest}", algorithm.get_ref()))
            .map_err(|error| file.error(value.span().start, error))?;
        declaration.hashes.push(parsed);
    }
    Ok(())
}

/// The first `'x' in extras` or `'g' in dependency_groups` test of a PEP 751 marker; `Main`
/// when the marker tests neither.
fn group_from_marker(marker: &str) -> Group {
    let mut rest = marker;
    while let Some(position) = rest.find(" in ") {
        let before = rest[..position].trim_end();
        let after = rest[position + 4..].trim_start();
        let quoted = before
            .strip_suffix(['\'', '"'])
            .and_then(|value| value.rfind(['\'', '"']).map(|start| &value[start + 1..]));
        if let Some(value) = quoted {
            if after.starts_with("dependency_groups") {
                return dependency_group(value);
            }
            if after.starts_with("extras") {
                if let Ok(extra) = ExtraName::from_str(value) {
                    return Group::Extra(extra);
                }
            }
        }
        rest = &rest[position + 4..];
    }
    Group::Main
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_from_pep_751_markers() {
        assert_eq!(group_from_marker("'dev' in dependency_groups"), Group::Dev);
        assert_eq!(
            group_from_marker("python_version >= '3.9' and \"docs\" in dependency_groups"),
            Group::Group("docs".to_string())
        );
        assert_eq!(
            group_from_marker("'speed' in extras"),
            Group::Extra(ExtraName::from_str("speed").unwrap())
        );
        assert_eq!(group_from_marker("sys_platform == 'linux'"), Group::Main);
        assert_eq!(group_from_marker("'linux' in sys_platform"), Group::Main);
    }
}
