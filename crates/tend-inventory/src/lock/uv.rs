//! `uv.lock`: `[[package]]` entries with their source, sdist and wheel hashes.
//!
//! uv records no group per package; it records the dependency graph. The project's own packages
//! (workspace members: `virtual`/`editable` sources at `.` or listed in `[manifest] members`) are
//! the roots: a package reachable from a root's `dependencies` is `Main`; one reachable only
//! from its `optional-dependencies` is that extra, only from `dev-dependencies` that group.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::Path;

use tend_model::{
    Code, Declaration, Diagnostic, ExtraName, Group, PackageName, Severity, SourceKind,
};
use toml::de::DeTable;

use super::spanned_toml::{entries, get, join, TomlFile, Value};
use super::{data_for, dependency_group, file_name_is, hash, locked, package_name, pinned, tidy};
use crate::{read_text, ReadContext, SourceData, SourceError, SourceReader};

#[derive(Debug, Clone, Copy, Default)]
pub struct UvLockReader;

impl SourceReader for UvLockReader {
    fn kind(&self) -> SourceKind {
        SourceKind::UvLock
    }

    fn matches(&self, path: &Path) -> bool {
        file_name_is(path, "uv.lock")
    }

    fn read(&self, path: &Path, _context: &ReadContext) -> Result<SourceData, SourceError> {
        parse_uv_lock(&read_text(path)?, path)
    }
}

/// One `[[package]]` as read, before groups are known.
struct Entry {
    declaration: Declaration,
    root: bool,
    /// Edges: (group the edge belongs to when leaving a root, target, extras of the target).
    dependencies: Vec<Edge>,
    optional: BTreeMap<ExtraName, Vec<Edge>>,
    development: BTreeMap<String, Vec<Edge>>,
}

struct Edge {
    name: PackageName,
    extras: Vec<ExtraName>,
}

pub fn parse_uv_lock(text: &str, path: &Path) -> Result<SourceData, SourceError> {
    let (file, root) = TomlFile::parse(text, path)?;
    let mut data = data_for(path, SourceKind::UvLock);
    let mut members = BTreeSet::new();
    if let Some(manifest) = file.optional_table(&root, "manifest", "")? {
        if let Some(array) = file.optional_array(manifest, "members", "manifest")? {
            for (name, span) in file.strings(array, "manifest.members")? {
                members.insert(package_name(name).map_err(|error| file.error(span.start, error))?);
            }
        }
    }
    let mut packages = Vec::new();
    if let Some(array) = file.optional_array(&root, "package", "")? {
        for value in array {
            packages.push(read_package(file, value, &members)?);
        }
    }
    let groups = assign_groups(&packages);
    let has_roots = packages.iter().any(|entry| entry.root);
    let mut unreachable = Vec::new();
    for (index, entry) in packages.into_iter().enumerate() {
        if entry.root {
            continue;
        }
        let mut declaration = entry.declaration;
        match groups.get(&index) {
            Some(group) => declaration.group = group.clone(),
            None => unreachable.push(declaration.name.to_string()),
        }
        data.declarations.push(declaration);
    }
    if !unreachable.is_empty() && has_roots {
        data.diagnostics.push(
            Diagnostic::new(
                Code::SourceWarning,
                Severity::Note,
                format!(
                    "{} locked package(s) are not reachable from the project's dependencies; \
                     counted as main",
                    unreachable.len()
                ),
            )
            .with_location(file.line_location(0))
            .with_note(unreachable.join(", ")),
        );
    }
    Ok(data)
}

fn read_package(
    file: TomlFile<'_>,
    value: &Value<'_>,
    members: &BTreeSet<PackageName>,
) -> Result<Entry, SourceError> {
    let key = "package";
    let table = file.table(value, key)?;
    let name_value = get(table, "name")
        .ok_or_else(|| file.error(value.span().start, "missing `name` in `package`"))?;
    let name_text = file.string(name_value, "package.name")?;
    let name =
        package_name(name_text).map_err(|error| file.error(name_value.span().start, error))?;
    let key = "package".to_string();
    let label = format!("package `{name_text}`");
    let mut declaration = locked(
        name.clone(),
        SourceKind::UvLock,
        file.line_location(name_value.span().start),
    );

    let mut root = members.contains(&name);
    if let Some(source) = file.optional_table(table, "source", &key)? {
        for (kind, location) in entries(source) {
            let Some(location) = location.get_ref().as_str() else {
                continue;
            };
            match kind.get_ref().as_ref() {
                "virtual" | "editable" if location == "." => root = true,
                "editable" => {
                    declaration.editable = true;
                    declaration.url = Some(location.to_string());
                }
                "git" | "url" | "path" | "directory" | "virtual" => {
                    declaration.url = Some(location.to_string());
                }
                // `registry`: an index, which the declaration does not record.
                _ => {}
            }
        }
    }
    match get(table, "version") {
        Some(version) => {
            let text = file.string(version, &join(&key, "version"))?;
            declaration.specifier =
                pinned(text).map_err(|error| file.error(version.span().start, error))?;
        }
        // uv leaves the version out for source trees whose version is dynamic.
        None if root || declaration.url.is_some() => {}
        None => {
            return Err(file.error(
                name_value.span().start,
                format!("missing `version` in {label}"),
            ))
        }
    }

    if let Some(sdist) = file.optional_table(table, "sdist", &key)? {
        push_hash(file, sdist, &join(&key, "sdist"), &mut declaration)?;
    }
    if let Some(wheels) = file.optional_array(table, "wheels", &key)? {
        let wheels_key = join(&key, "wheels");
        for wheel in wheels {
            push_hash(
                file,
                file.table(wheel, &wheels_key)?,
                &wheels_key,
                &mut declaration,
            )?;
        }
    }
    tidy(&mut declaration);

    let dependencies = match file.optional_array(table, "dependencies", &key)? {
        Some(array) => edges(file, array, &join(&key, "dependencies"))?,
        None => Vec::new(),
    };
    let mut optional = BTreeMap::new();
    if let Some(extras) = file.optional_table(table, "optional-dependencies", &key)? {
        for (extra, value) in entries(extras) {
            let extra_key = join(&join(&key, "optional-dependencies"), extra.get_ref());
            let extra_name = ExtraName::new(extra.get_ref().to_string())
                .map_err(|error| file.error(extra.span().start, error.to_string()))?;
            optional.insert(
                extra_name,
                edges(file, file.array(value, &extra_key)?, &extra_key)?,
            );
        }
    }
    let mut development = BTreeMap::new();
    if let Some(groups) = file.optional_table(table, "dev-dependencies", &key)? {
        for (group, value) in entries(groups) {
            let group_key = join(&join(&key, "dev-dependencies"), group.get_ref());
            development.insert(
                group.get_ref().to_string(),
                edges(file, file.array(value, &group_key)?, &group_key)?,
            );
        }
    }
    Ok(Entry {
        declaration,
        root,
        dependencies,
        optional,
        development,
    })
}

fn push_hash(
    file: TomlFile<'_>,
    table: &DeTable<'_>,
    key: &str,
    declaration: &mut Declaration,
) -> Result<(), SourceError> {
    if let Some(value) = get(table, "hash") {
        let text = file.string(value, &join(key, "hash"))?;
        declaration
            .hashes
            .push(hash(text).map_err(|error| file.error(value.span().start, error))?);
    }
    Ok(())
}

fn edges(
    file: TomlFile<'_>,
    array: &toml::de::DeArray<'_>,
    key: &str,
) -> Result<Vec<Edge>, SourceError> {
    let mut edges = Vec::new();
    for value in array {
        let table = file.table(value, key)?;
        let name = file.required_string(table, "name", key, value.span().start)?;
        let name = package_name(name).map_err(|error| file.error(value.span().start, error))?;
        let mut extras = Vec::new();
        if let Some(array) = file.optional_array(table, "extra", key)? {
            for (extra, span) in file.strings(array, &join(key, "extra"))? {
                extras.push(
                    ExtraName::new(extra.to_string())
                        .map_err(|error| file.error(span.start, error.to_string()))?,
                );
            }
        }
        edges.push(Edge { name, extras });
    }
    Ok(edges)
}

/// The group of every package reachable from a root, by index into `packages`. Main wins over
/// extras, extras over dev groups: a package counts where it matters most.
fn assign_groups(packages: &[Entry]) -> BTreeMap<usize, Group> {
    let mut by_name: BTreeMap<&PackageName, Vec<usize>> = BTreeMap::new();
    for (index, entry) in packages.iter().enumerate() {
        by_name
            .entry(&entry.declaration.name)
            .or_default()
            .push(index);
    }
    let mut starts: Vec<(Group, Vec<&Edge>)> = Vec::new();
    let roots = packages.iter().filter(|entry| entry.root);
    starts.push((
        Group::Main,
        roots
            .clone()
            .flat_map(|entry| &entry.dependencies)
            .collect(),
    ));
    let mut extras: BTreeMap<&ExtraName, Vec<&Edge>> = BTreeMap::new();
    let mut development: BTreeMap<&String, Vec<&Edge>> = BTreeMap::new();
    for entry in roots {
        for (extra, edges) in &entry.optional {
            extras.entry(extra).or_default().extend(edges);
        }
        for (group, edges) in &entry.development {
            development.entry(group).or_default().extend(edges);
        }
    }
    starts.extend(
        extras
            .into_iter()
            .map(|(extra, edges)| (Group::Extra(extra.clone()), edges)),
    );
    let (dev, other): (Vec<_>, Vec<_>) = development
        .into_iter()
        .map(|(group, edges)| (dependency_group(group), edges))
        .partition(|(group, _)| *group == Group::Dev);
    starts.extend(dev);
    starts.extend(other);

    let mut groups = BTreeMap::new();
    for (group, edges) in starts {
        let mut queue: VecDeque<&Edge> = edges.into_iter().collect();
        let mut seen: BTreeSet<(usize, Vec<ExtraName>)> = BTreeSet::new();
        while let Some(edge) = queue.pop_front() {
            for &index in by_name.get(&edge.name).into_iter().flatten() {
                if !seen.insert((index, edge.extras.clone())) {
                    continue;
                }
                let Some(entry) = packages.get(index) else {
                    continue;
                };
                if entry.root {
                    continue;
                }
                groups.entry(index).or_insert_with(|| group.clone());
                queue.extend(&entry.dependencies);
                for extra in &edge.extras {
                    queue.extend(entry.optional.get(extra).into_iter().flatten());
                }
            }
        }
    }
    groups
}
