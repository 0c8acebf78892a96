//! `pdm.lock`: `[[package]]` entries with `groups` and `files = [{file, hash}]`. PDM's
//! `default` group is the main one; other groups keep their names (`dev` is the development
//! group).

use std::path::Path;
use std::str::FromStr;

use tend_model::{Group, MarkerTree, SourceKind};

use super::spanned_toml::{get, join, TomlFile};
use super::{data_for, dependency_group, file_name_is, hash, locked, package_name, pinned, tidy};
use crate::{read_text, ReadContext, SourceData, SourceError, SourceReader};

#[derive(Debug, Clone, Copy, Default)]
pub struct PdmLockReader;

impl SourceReader for PdmLockReader {
    fn kind(&self) -> SourceKind {
        SourceKind::PdmLock
    }

    fn matches(&self, path: &Path) -> bool {
        file_name_is(path, "pdm.lock")
    }

    fn read(&self, path: &Path, _context: &ReadContext) -> Result<SourceData, SourceError> {
        parse_pdm_lock(&read_text(path)?, path)
    }
}

pub fn parse_pdm_lock(text: &str, path: &Path) -> Result<SourceData, SourceError> {
    let (file, root) = TomlFile::parse(text, path)?;
    let mut data = data_for(path, SourceKind::PdmLock);
    // Checked for its type only: each package names its own groups.
    if let Some(metadata) = file.optional_table(&root, "metadata", "")? {
        if let Some(groups) = file.optional_array(metadata, "groups", "metadata")? {
            file.strings(groups, "metadata.groups")?;
        }
    }
    let Some(packages) = file.optional_array(&root, "package", "")? else {
        return Ok(data);
    };
    for value in packages {
        let table = file.table(value, "package")?;
        let name_value = get(table, "name")
            .ok_or_else(|| file.error(value.span().start, "missing `name` in `package`"))?;
        let name_text = file.string(name_value, "package.name")?;
        let name =
            package_name(name_text).map_err(|error| file.error(name_value.span().start, error))?;
        let key = "package".to_string();
        let label = format!("package `{name_text}`");
        let mut declaration = locked(
            name,
            SourceKind::PdmLock,
            file.line_location(name_value.span().start),
        );
        let version = get(table, "version").ok_or_else(|| {
            file.error(
                name_value.span().start,
                format!("missing `version` in {label}"),
            )
        })?;
        let version_text = file.string(version, &join(&key, "version"))?;
        declaration.specifier =
            pinned(version_text).map_err(|error| file.error(version.span().start, error))?;

        let groups = match file.optional_array(table, "groups", &key)? {
            Some(array) => file.strings(array, &join(&key, "groups"))?,
            None => Vec::new(),
        };
        declaration.group = if groups.is_empty() || groups.iter().any(|(g, _)| *g == "default") {
            Group::Main
        } else {
            groups
                .first()
                .map_or(Group::Main, |(group, _)| dependency_group(group))
        };
        if let Some(marker) = get(table, "marker") {
            let marker_key = join(&key, "marker");
            let text = file.string(marker, &marker_key)?;
            declaration.marker = MarkerTree::from_str(text).map_err(|error| {
                file.error(
                    marker.span().start,
                    format!("invalid marker in `{marker_key}`: {}", error.message),
                )
            })?;
        }
        if let Some(files) = file.optional_array(table, "files", &key)? {
            let files_key = join(&key, "files");
            for entry in files {
                let entry_table = file.table(entry, &files_key)?;
                if let Some(value) = get(entry_table, "hash") {
                    let text = file.string(value, &join(&files_key, "hash"))?;
                    declaration
                        .hashes
                        .push(hash(text).map_err(|error| file.error(value.span().start, error))?);
                }
            }
        }
        tidy(&mut declaration);
        declaration.url = match file.optional_string(table, "git", &key)? {
            Some(git) => {
                let revision = file.optional_string(table, "revision", &key)?;
                Some(revision.map_or_else(|| format!("git+{git}"), |r| format!("git+{git}@{r}")))
            }
            None => file
                .optional_string(table, "url", &key)?
                .or(file.optional_string(table, "path", &key)?)
                .map(str::to_string),
        };
        declaration.editable = file
            .optional_boolean(table, "editable", &key)?
            .unwrap_or(false);
        data.declarations.push(declaration);
    }
    Ok(data)
}
