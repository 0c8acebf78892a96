//! `poetry.lock`: `[[package]]` entries. The group comes from `category` (Poetry 1:
//! `main`/`dev`) or `groups` (Poetry 1.2+); hashes from per-package `files` (Poetry 1.2+) or
//! the old `[metadata.files]` table. Poetry 2 may key `markers` by group.

use std::collections::BTreeMap;
use std::path::Path;
use std::str::FromStr;

use tend_model::{Declaration, Group, MarkerTree, PackageName, SourceKind};
use toml::de::{DeArray, DeValue};

use super::spanned_toml::{entries, get, join, TomlFile, Value};
use super::{data_for, dependency_group, file_name_is, hash, locked, package_name, pinned, tidy};
use crate::{read_text, ReadContext, SourceData, SourceError, SourceReader};

#[derive(Debug, Clone, Copy, Default)]
pub struct PoetryLockReader;

impl SourceReader for PoetryLockReader {
    fn kind(&self) -> SourceKind {
        SourceKind::PoetryLock
    }

    fn matches(&self, path: &Path) -> bool {
        file_name_is(path, "poetry.lock")
    }

    fn read(&self, path: &Path, _context: &ReadContext) -> Result<SourceData, SourceError> {
        parse_poetry_lock(&read_text(path)?, path)
    }
}

pub fn parse_poetry_lock(text: &str, path: &Path) -> Result<SourceData, SourceError> {
    let (file, root) = TomlFile::parse(text, path)?;
    let mut data = data_for(path, SourceKind::PoetryLock);

    // Poetry 1.1 and older keep the hashes apart, by package name.
    let mut old_files: BTreeMap<PackageName, &DeArray<'_>> = BTreeMap::new();
    if let Some(metadata) = file.optional_table(&root, "metadata", "")? {
        if let Some(files) = file.optional_table(metadata, "files", "metadata")? {
            for (name, value) in entries(files) {
                let key = join("metadata.files", name.get_ref());
                let name = package_name(name.get_ref())
                    .map_err(|error| file.error(name.span().start, error))?;
                old_files.insert(name, file.array(value, &key)?);
            }
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
            name.clone(),
            SourceKind::PoetryLock,
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

        let groups = read_groups(file, table, &key)?;
        declaration.group = groups.first().map_or(Group::Main, |group| group_of(group));
        if groups.iter().any(|group| group == "main") {
            declaration.group = Group::Main;
        }
        declaration.marker = read_marker(file, table, &key, &groups)?;

        if let Some(files) = file.optional_array(table, "files", &key)? {
            push_file_hashes(file, files, &join(&key, "files"), &mut declaration)?;
        }
        if let Some(files) = old_files.get(&name) {
            push_file_hashes(
                file,
                files,
                &join("metadata.files", name_text),
                &mut declaration,
            )?;
        }
        tidy(&mut declaration);
        read_source(file, table, &key, &mut declaration)?;
        declaration.editable = file
            .optional_boolean(table, "develop", &key)?
            .unwrap_or(false);
        data.declarations.push(declaration);
    }
    Ok(data)
}

fn group_of(name: &str) -> Group {
    if name == "main" {
        Group::Main
    } else {
        dependency_group(name)
    }
}

/// `groups = ["main", "dev"]` (Poetry 1.2+) or `category = "dev"` (older).
fn read_groups(
    file: TomlFile<'_>,
    table: &toml::de::DeTable<'_>,
    key: &str,
) -> Result<Vec<String>, SourceError> {
    if let Some(groups) = file.optional_array(table, "groups", key)? {
        return Ok(file
            .strings(groups, &join(key, "groups"))?
            .into_iter()
            .map(|(group, _)| group.to_string())
            .collect());
    }
    Ok(file
        .optional_string(table, "category", key)?
        .map(str::to_string)
        .into_iter()
        .collect())
}

/// `markers = "…"`, or Poetry 2's `markers = { main = "…", dev = "…" }`, where the marker of
/// the group chosen for the declaration applies.
fn read_marker(
    file: TomlFile<'_>,
    table: &toml::de::DeTable<'_>,
    key: &str,
    groups: &[String],
) -> Result<MarkerTree, SourceError> {
    let Some(value) = get(table, "markers") else {
        return Ok(MarkerTree::TRUE);
    };
    let markers_key = join(key, "markers");
    let (text, at): (&str, &Value<'_>) = match value.get_ref() {
        DeValue::String(text) => (text, value),
        DeValue::Table(by_group) => {
            let chosen = if groups.iter().any(|group| group == "main") {
                Some("main")
            } else {
                groups.first().map(String::as_str)
            };
            match chosen.and_then(|group| get(by_group, group)) {
                Some(marker) => (file.string(marker, &markers_key)?, marker),
                None => return Ok(MarkerTree::TRUE),
            }
        }
        _ => return Err(file.expected(value, "a string or a table", &markers_key)),
    };
    MarkerTree::from_str(text).map_err(|error| {
        file.error(
            at.span().start,
            format!("invalid marker in `{markers_key}`: {}", error.message),
        )
    })
}

fn push_file_hashes(
    file: TomlFile<'_>,
    files: &DeArray<'_>,
    key: &str,
    declaration: &mut Declaration,
) -> Result<(), SourceError> {
    for entry in files {
        let table = file.table(entry, key)?;
        if let Some(value) = get(table, "hash") {
            let text = file.string(value, &join(key, "hash"))?;
            declaration
                .hashes
                .push(hash(text).map_err(|error| file.error(value.span().start, error))?);
        }
    }
    Ok(())
}

/// `[package.source]`: a VCS checkout, a local path or a URL becomes the declaration's URL;
/// `legacy` (a private index) records nothing about the artefact.
fn read_source(
    file: TomlFile<'_>,
    table: &toml::de::DeTable<'_>,
    key: &str,
    declaration: &mut Declaration,
) -> Result<(), SourceError> {
    let Some(source) = file.optional_table(table, "source", key)? else {
        return Ok(());
    };
    let source_key = join(key, "source");
    let kind = file
        .optional_string(source, "type", &source_key)?
        .unwrap_or_default();
    let url = file.optional_string(source, "url", &source_key)?;
    declaration.url = match (kind, url) {
        ("git", Some(url)) => {
            let revision = file
                .optional_string(source, "resolved_reference", &source_key)?
                .or(file.optional_string(source, "reference", &source_key)?);
            Some(match revision {
                Some(revision) => format!("git+{url}@{revision}"),
                None => format!("git+{url}"),
            })
        }
        ("directory" | "file" | "url", Some(url)) => Some(url.to_string()),
        _ => None,
    };
    Ok(())
}
