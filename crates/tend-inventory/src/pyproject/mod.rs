//! `pyproject.toml` as a declaration source: PEP 621 `[project]` dependencies and extras,
//! PEP 735 `[dependency-groups]`, uv's legacy `[tool.uv] dev-dependencies`, and Poetry's
//! `[tool.poetry]` dependency tables (with its constraint syntax translated to PEP 440).
//!
//! `requires-python` is not a package and is not read here.

mod poetry;

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::Path;
use std::str::FromStr;

use tend_model::{
    Code, Declaration, DeclarationKind, Diagnostic, ExtraName, Group, Location, MarkerTree,
    PackageName, Requirement, Severity, SourceFile, SourceKind, SourceOptions, VersionOrUrl,
    VersionSpecifiers,
};
use toml::de::{DeArray, DeTable, DeValue};

use crate::lock::spanned_toml::{entries, get, join, TomlFile, Value};
use crate::{read_text, ReadContext, SourceData, SourceError, SourceReader};

/// Reads `pyproject.toml`.
#[derive(Debug, Clone, Copy, Default)]
pub struct PyprojectReader;

impl SourceReader for PyprojectReader {
    fn kind(&self) -> SourceKind {
        SourceKind::Pyproject
    }

    fn matches(&self, path: &Path) -> bool {
        path.file_name()
            .is_some_and(|name| name == "pyproject.toml")
    }

    fn read(&self, path: &Path, _context: &ReadContext) -> Result<SourceData, SourceError> {
        parse_pyproject(&read_text(path)?, path)
    }
}

/// Parses the text of a `pyproject.toml`; `path` is only used for locations.
pub fn parse_pyproject(text: &str, path: &Path) -> Result<SourceData, SourceError> {
    let (file, root) = TomlFile::parse(text, path)?;
    let mut reader = Pyproject {
        file,
        data: SourceData::default(),
    };
    reader.data.sources.push(SourceFile {
        path: path.to_path_buf(),
        kind: SourceKind::Pyproject,
        included_from: None,
        options: SourceOptions::default(),
    });
    if let Some(project) = file.optional_table(&root, "project", "")? {
        reader.project(project)?;
    }
    if let Some(groups) = file.optional_table(&root, "dependency-groups", "")? {
        reader.dependency_groups(groups)?;
    }
    if let Some(tool) = file.optional_table(&root, "tool", "")? {
        if let Some(uv) = file.optional_table(tool, "uv", "tool")? {
            if let Some(dev) = file.optional_array(uv, "dev-dependencies", "tool.uv")? {
                reader.requirement_array(dev, "tool.uv.dev-dependencies", &Group::Dev)?;
            }
        }
        if let Some(poetry) = file.optional_table(tool, "poetry", "tool")? {
            reader.poetry(poetry)?;
        }
    }
    Ok(reader.data)
}

struct Pyproject<'i> {
    file: TomlFile<'i>,
    data: SourceData,
}

impl<'i> Pyproject<'i> {
    fn project(&mut self, project: &DeTable<'i>) -> Result<(), SourceError> {
        let file = self.file;
        if let Some(dependencies) = file.optional_array(project, "dependencies", "project")? {
            self.requirement_array(dependencies, "project.dependencies", &Group::Main)?;
        }
        let key = "project.optional-dependencies";
        if let Some(optional) = file.optional_table(project, "optional-dependencies", "project")? {
            for (name, value) in entries(optional) {
                let extra = ExtraName::from_str(name.get_ref()).map_err(|error| {
                    file.error(
                        name.span().start,
                        format!("invalid extra name in `{key}`: {error}"),
                    )
                })?;
                let array = file.array(value, &join(key, name.get_ref()))?;
                self.requirement_array(array, &join(key, name.get_ref()), &Group::Extra(extra))?;
            }
        }
        Ok(())
    }

    fn requirement_array(
        &mut self,
        array: &DeArray<'i>,
        key: &str,
        group: &Group,
    ) -> Result<(), SourceError> {
        for (text, span) in self.file.strings(array, key)? {
            let declaration = self.requirement(text, span, key, group.clone())?;
            self.data.declarations.push(declaration);
        }
        Ok(())
    }

    fn requirement(
        &self,
        text: &str,
        span: Range<usize>,
        key: &str,
        group: Group,
    ) -> Result<Declaration, SourceError> {
        let requirement = tend_model::parse_requirement(text).map_err(|error| {
            self.file.error(
                span.start,
                format!("invalid requirement `{text}` in `{key}`: {}", error.message),
            )
        })?;
        let location = self.file.line_location(span.start);
        Ok(declaration_from_requirement(requirement, group, location))
    }

    /// PEP 735: each group is a list of requirement strings and `{include-group = "…"}` tables;
    /// names compare normalised, an include cycle is an error.
    fn dependency_groups(&mut self, table: &DeTable<'i>) -> Result<(), SourceError> {
        let groups: BTreeMap<String, (&str, &Value<'i>)> = entries(table)
            .into_iter()
            .map(|(name, value)| (normalise(name.get_ref()), (name.get_ref().as_ref(), value)))
            .collect();
        for (name, _) in entries(table) {
            let mut requirements = Vec::new();
            let mut stack = vec![normalise(name.get_ref())];
            self.expand_group(&groups, &mut stack, &mut requirements)?;
            let group = crate::lock::dependency_group(name.get_ref());
            for (text, span, key) in requirements {
                let declaration = self.requirement(text, span, &key, group.clone())?;
                self.data.declarations.push(declaration);
            }
        }
        Ok(())
    }

    fn expand_group<'v>(
        &self,
        groups: &BTreeMap<String, (&'v str, &'v Value<'i>)>,
        stack: &mut Vec<String>,
        requirements: &mut Vec<(&'v str, Range<usize>, String)>,
    ) -> Result<(), SourceError> {
        let file = self.file;
        let Some(current) = stack.last() else {
            return Ok(());
        };
        let Some(&(written, value)) = groups.get(current) else {
            return Ok(());
        };
        let key = join("dependency-groups", written);
        let array = file.array(value, &key)?;
        for item in array {
            match item.get_ref() {
                DeValue::String(text) => requirements.push((text, item.span(), key.clone())),
                DeValue::Table(include) => {
                    let Some(target) = get(include, "include-group") else {
                        return Err(file.expected(
                            item,
                            "a string or `{include-group = \"…\"}`",
                            &key,
                        ));
                    };
                    let target_name = file.string(target, &join(&key, "include-group"))?;
                    let normalised = normalise(target_name);
                    if !groups.contains_key(&normalised) {
                        return Err(file.error(
                            target.span().start,
                            format!("`{key}` includes unknown group `{target_name}`"),
                        ));
                    }
                    if stack.contains(&normalised) {
                        let mut cycle = stack.clone();
                        cycle.push(normalised);
                        return Err(file.error(
                            target.span().start,
                            format!(
                                "dependency groups include each other in a cycle: {}",
                                cycle.join(" -> ")
                            ),
                        ));
                    }
                    stack.push(normalised);
                    self.expand_group(groups, stack, requirements)?;
                    stack.pop();
                }
                _ => {
                    return Err(file.expected(item, "a string or `{include-group = \"…\"}`", &key))
                }
            }
        }
        Ok(())
    }

    fn poetry(&mut self, poetry: &DeTable<'i>) -> Result<(), SourceError> {
        let file = self.file;
        let extras = self.poetry_extras(poetry)?;
        if let Some(table) = file.optional_table(poetry, "dependencies", "tool.poetry")? {
            self.poetry_table(table, "tool.poetry.dependencies", &Group::Main, &extras)?;
        }
        if let Some(table) = file.optional_table(poetry, "dev-dependencies", "tool.poetry")? {
            self.poetry_table(table, "tool.poetry.dev-dependencies", &Group::Dev, &extras)?;
        }
        if let Some(groups) = file.optional_table(poetry, "group", "tool.poetry")? {
            for (name, value) in entries(groups) {
                let key = join("tool.poetry.group", name.get_ref());
                let group_table = file.table(value, &key)?;
                let group = if name.get_ref() == "dev" {
                    Group::Dev
                } else {
                    Group::Group(name.get_ref().to_string())
                };
                if let Some(table) = file.optional_table(group_table, "dependencies", &key)? {
                    self.poetry_table(table, &join(&key, "dependencies"), &group, &extras)?;
                }
            }
        }
        Ok(())
    }

    /// `[tool.poetry.extras]`: which extras pull in each optional dependency.
    fn poetry_extras(
        &self,
        poetry: &DeTable<'i>,
    ) -> Result<BTreeMap<PackageName, Vec<ExtraName>>, SourceError> {
        let file = self.file;
        let mut extras: BTreeMap<PackageName, Vec<ExtraName>> = BTreeMap::new();
        let Some(table) = file.optional_table(poetry, "extras", "tool.poetry")? else {
            return Ok(extras);
        };
        for (extra, value) in entries(table) {
            let key = join("tool.poetry.extras", extra.get_ref());
            let extra_name = ExtraName::from_str(extra.get_ref()).map_err(|error| {
                file.error(
                    extra.span().start,
                    format!("invalid extra name in `{key}`: {error}"),
                )
            })?;
            for (package, span) in file.strings(file.array(value, &key)?, &key)? {
                let package = package_name(file, package, span.start, &key)?;
                extras.entry(package).or_default().push(extra_name.clone());
            }
        }
        Ok(extras)
    }

    fn poetry_table(
        &mut self,
        table: &DeTable<'i>,
        key: &str,
        group: &Group,
        extras: &BTreeMap<PackageName, Vec<ExtraName>>,
    ) -> Result<(), SourceError> {
        let file = self.file;
        for (name, value) in entries(table) {
            if name.get_ref().eq_ignore_ascii_case("python") {
                continue;
            }
            let key = join(key, name.get_ref());
            let package = package_name(file, name.get_ref(), name.span().start, &key)?;
            let location = file.line_location(name.span().start);
            let alternatives: Vec<&Value<'i>> = match value.get_ref() {
                // Several constraints for one package, told apart by `python`/`markers`.
                DeValue::Array(array) => array.iter().collect(),
                _ => vec![value],
            };
            for alternative in alternatives {
                // Each alternative of an array sits on its own line.
                let location = if std::ptr::eq(alternative, value) {
                    location.clone()
                } else {
                    file.line_location(alternative.span().start)
                };
                let (mut declaration, optional) =
                    self.poetry_dependency(&package, alternative, &key, location.clone())?;
                if !optional || *group != Group::Main {
                    declaration.group = group.clone();
                    self.data.declarations.push(declaration);
                    continue;
                }
                // Poetry installs an optional dependency only through an extra naming it.
                match extras.get(&package) {
                    Some(names) => {
                        for extra in names {
                            let mut declaration = declaration.clone();
                            declaration.group = Group::Extra(extra.clone());
                            self.data.declarations.push(declaration);
                        }
                    }
                    None => self.data.diagnostics.push(
                        Diagnostic::new(
                            Code::SourceWarning,
                            Severity::Warning,
                            format!(
                                "`{key}` is optional but no `[tool.poetry.extras]` entry names \
                                 it, so Poetry never installs it; left out"
                            ),
                        )
                        .with_package(package.clone())
                        .with_location(location.clone()),
                    ),
                }
            }
        }
        Ok(())
    }

    /// One Poetry dependency value: a constraint string or a table. Returns whether it is
    /// `optional = true`.
    fn poetry_dependency(
        &mut self,
        package: &PackageName,
        value: &Value<'i>,
        key: &str,
        location: Location,
    ) -> Result<(Declaration, bool), SourceError> {
        let file = self.file;
        let mut declaration = Declaration::new(
            package.clone(),
            DeclarationKind::Requirement,
            SourceKind::Pyproject,
            location,
        );
        let table = match value.get_ref() {
            DeValue::String(constraint) => {
                declaration.specifier = self.poetry_version(package, constraint, value, key)?;
                return Ok((declaration, false));
            }
            DeValue::Table(table) => table,
            _ => return Err(file.expected(value, "a version string or a table", key)),
        };
        if let Some(version) = get(table, "version") {
            let constraint = file.string(version, &join(key, "version"))?;
            declaration.specifier = self.poetry_version(package, constraint, version, key)?;
        }
        if let Some(extras) = file.optional_array(table, "extras", key)? {
            let extras_key = join(key, "extras");
            for (extra, span) in file.strings(extras, &extras_key)? {
                let extra = ExtraName::from_str(extra).map_err(|error| {
                    file.error(
                        span.start,
                        format!("invalid extra in `{extras_key}`: {error}"),
                    )
                })?;
                declaration.extras.push(extra);
            }
        }
        let mut marker = MarkerTree::TRUE;
        if let Some(value) = get(table, "markers") {
            let text = file.string(value, &join(key, "markers"))?;
            marker.and(parse_marker(file, text, value, &join(key, "markers"))?);
        }
        if let Some(value) = get(table, "python") {
            let python_key = join(key, "python");
            let text = file.string(value, &python_key)?;
            marker.and(python_marker(file, text, value, &python_key)?);
        }
        if let Some(value) = get(table, "platform") {
            let platform_key = join(key, "platform");
            let text = file.string(value, &platform_key)?;
            let condition = format!("sys_platform == '{}'", text.replace('\'', ""));
            marker.and(parse_marker(file, &condition, value, &platform_key)?);
        }
        declaration.marker = marker;
        declaration.url = poetry_url(file, table, key)?;
        declaration.editable = file
            .optional_boolean(table, "develop", key)?
            .unwrap_or(false);
        let optional = file
            .optional_boolean(table, "optional", key)?
            .unwrap_or(false);
        Ok((declaration, optional))
    }

    /// A Poetry version constraint; a `||` union has no PEP 440 form, so it widens to any
    /// version with a warning rather than claiming a bound the project does not have.
    fn poetry_version(
        &mut self,
        package: &PackageName,
        constraint: &str,
        value: &Value<'i>,
        key: &str,
    ) -> Result<VersionSpecifiers, SourceError> {
        let file = self.file;
        let mut branches = poetry::translate(constraint).map_err(|error| {
            file.error(
                value.span().start,
                format!("invalid Poetry constraint `{constraint}` in `{key}`: {error}"),
            )
        })?;
        if branches.len() == 1 {
            return Ok(branches.pop().unwrap_or_else(VersionSpecifiers::empty));
        }
        let translated: Vec<String> = branches
            .iter()
            .map(|branch| format!("`{branch}`"))
            .collect();
        self.data.diagnostics.push(
            Diagnostic::new(
                Code::SourceWarning,
                Severity::Warning,
                format!(
                    "Poetry constraint `{constraint}` in `{key}` is a union, which PEP 440 cannot \
                     express; read as any version"
                ),
            )
            .with_package(package.clone())
            .with_location(file.line_location(value.span().start))
            .with_note(format!(
                "the union's branches are {}",
                translated.join(" or ")
            )),
        );
        Ok(VersionSpecifiers::empty())
    }
}

/// A PEP 508 requirement as a declaration of this file.
fn declaration_from_requirement(
    requirement: Requirement,
    group: Group,
    location: Location,
) -> Declaration {
    let mut declaration = Declaration::new(
        requirement.name,
        DeclarationKind::Requirement,
        SourceKind::Pyproject,
        location,
    );
    declaration.extras = requirement.extras;
    declaration.marker = requirement.marker;
    declaration.group = group;
    match requirement.version_or_url {
        Some(VersionOrUrl::VersionSpecifier(specifier)) => declaration.specifier = specifier,
        Some(VersionOrUrl::Url(url)) => {
            declaration.url = Some(url.given().map_or_else(|| url.to_string(), str::to_string));
        }
        None => {}
    }
    declaration
}

/// `git`, `path` or `url` of a Poetry dependency table, as one URL-or-path string.
fn poetry_url(
    file: TomlFile<'_>,
    table: &DeTable<'_>,
    key: &str,
) -> Result<Option<String>, SourceError> {
    let subdirectory = file.optional_string(table, "subdirectory", key)?;
    let fragment = subdirectory.map(|directory| format!("#subdirectory={directory}"));
    if let Some(git) = file.optional_string(table, "git", key)? {
        let mut url = if git.starts_with("git+") {
            git.to_string()
        } else {
            format!("git+{git}")
        };
        for reference in ["rev", "tag", "branch"] {
            if let Some(reference) = file.optional_string(table, reference, key)? {
                url = format!("{url}@{reference}");
                break;
            }
        }
        return Ok(Some(url + fragment.as_deref().unwrap_or("")));
    }
    if let Some(url) = file.optional_string(table, "url", key)? {
        return Ok(Some(url.to_string() + fragment.as_deref().unwrap_or("")));
    }
    Ok(file
        .optional_string(table, "path", key)?
        .map(str::to_string))
}

fn parse_marker(
    file: TomlFile<'_>,
    text: &str,
    value: &Value<'_>,
    key: &str,
) -> Result<MarkerTree, SourceError> {
    MarkerTree::from_str(text).map_err(|error| {
        file.error(
            value.span().start,
            format!("invalid marker `{text}` in `{key}`: {}", error.message),
        )
    })
}

/// Poetry's `python = "^3.8"` as a marker; a union becomes `or`, which markers can express.
fn python_marker(
    file: TomlFile<'_>,
    constraint: &str,
    value: &Value<'_>,
    key: &str,
) -> Result<MarkerTree, SourceError> {
    let branches = poetry::translate(constraint).map_err(|error| {
        file.error(
            value.span().start,
            format!("invalid Poetry constraint `{constraint}` in `{key}`: {error}"),
        )
    })?;
    let mut union = MarkerTree::FALSE;
    for branch in branches {
        // Rebuilt from each specifier's text, which keeps a wildcard such as `==3.8.*`.
        let conditions: Vec<String> = branch
            .iter()
            .map(|specifier| {
                let written = specifier.to_string();
                let split = written.find(|c: char| c.is_ascii_digit()).unwrap_or(0);
                let (operator, version) = written.split_at(split);
                format!("python_full_version {operator} '{version}'")
            })
            .collect();
        let text = if conditions.is_empty() {
            "python_full_version >= '0'".to_string()
        } else {
            conditions.join(" and ")
        };
        union.or(parse_marker(file, &text, value, key)?);
    }
    Ok(union)
}

fn package_name(
    file: TomlFile<'_>,
    name: &str,
    offset: usize,
    key: &str,
) -> Result<PackageName, SourceError> {
    PackageName::from_str(name).map_err(|error| {
        file.error(
            offset,
            format!("invalid package name `{name}` in `{key}`: {error}"),
        )
    })
}

/// PEP 735 compares group names normalised like package names (PEP 503).
fn normalise(name: &str) -> String {
    let mut normalised = String::with_capacity(name.len());
    let mut last_separator = false;
    for character in name.chars() {
        if matches!(character, '-' | '_' | '.') {
            if !last_separator {
                normalised.push('-');
            }
            last_separator = true;
        } else {
            normalised.push(character.to_ascii_lowercase());
            last_separator = false;
        }
    }
    normalised
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<SourceData, SourceError> {
        parse_pyproject(text, Path::new("pyproject.toml"))
    }

    #[test]
    fn include_group_cycle_is_an_error() {
        let text = "[dependency-groups]\na = [{include-group = \"B\"}]\nb = [\"x\", {include-group = \"a\"}]\n";
        let error = parse(text).unwrap_err();
        let message = error.to_string();
        assert!(message.contains("cycle"), "{message}");
        assert!(
            message.contains("a -> b -> a") || message.contains("b -> a -> b"),
            "{message}"
        );
        assert_eq!(error.location().unwrap().line, 3);
    }

    #[test]
    fn include_group_self_cycle_is_an_error() {
        let error = parse("[dependency-groups]\na = [{include-group = \"a\"}]\n").unwrap_err();
        assert!(error.to_string().contains("a -> a"), "{error}");
    }

    #[test]
    fn include_group_expands_with_original_lines() {
        let text = "[dependency-groups]\ntest = [\n  \"pytest>=8\",\n  {include-group = \"lint\"},\n]\nlint = [\"ruff==0.6.0\"]\n";
        let data = parse(text).unwrap();
        let found: Vec<(String, String, usize)> = data
            .declarations
            .iter()
            .map(|d| (d.name.to_string(), d.group.to_string(), d.location.line))
            .collect();
        assert_eq!(
            found,
            [
                ("pytest".to_string(), "group:test".to_string(), 3),
                ("ruff".to_string(), "group:test".to_string(), 6),
                ("ruff".to_string(), "group:lint".to_string(), 6),
            ]
        );
    }

    #[test]
    fn unknown_include_group_is_an_error() {
        let error = parse("[dependency-groups]\na = [{include-group = \"nope\"}]\n").unwrap_err();
        assert!(
            error.to_string().contains("unknown group `nope`"),
            "{error}"
        );
    }

    #[test]
    fn python_constraint_becomes_marker() {
        let text =
            "[tool.poetry.dependencies]\nfoo = { version = \"^1.2\", python = \"~2.7 || ^3.8\" }\n";
        let data = parse(text).unwrap();
        let declaration = &data.declarations[0];
        assert_eq!(declaration.specifier.to_string(), ">=1.2, <2.0");
        let marker = declaration.marker.try_to_string().unwrap();
        assert!(marker.contains("python_full_version >= '3.8'"), "{marker}");
        assert!(marker.contains(" or "), "{marker}");
    }
}
