//! `Pipfile.lock` (JSON): `default` is the main group, `develop` the development one. Each
//! entry has `"version": "==1.2.3"` and `hashes`, or a VCS/path/file source instead.
//!
//! serde_json keeps no positions, so the line of each package comes from a small scan of the
//! text that tracks strings and nesting depth and records where each key of the two sections
//! starts (`key_lines`). The scan only reads the text serde_json already accepted.

use std::collections::BTreeMap;
use std::path::Path;
use std::str::FromStr;

use serde_json::Value;
use tend_model::{ExtraName, Group, Location, MarkerTree, SourceKind, VersionSpecifiers};

use super::{data_for, file_name_is, hash, locked, package_name, tidy};
use crate::{read_text, ReadContext, SourceData, SourceError, SourceReader};

#[derive(Debug, Clone, Copy, Default)]
pub struct PipfileLockReader;

impl SourceReader for PipfileLockReader {
    fn kind(&self) -> SourceKind {
        SourceKind::PipfileLock
    }

    fn matches(&self, path: &Path) -> bool {
        file_name_is(path, "Pipfile.lock")
    }

    fn read(&self, path: &Path, _context: &ReadContext) -> Result<SourceData, SourceError> {
        parse_pipfile_lock(&read_text(path)?, path)
    }
}

pub fn parse_pipfile_lock(text: &str, path: &Path) -> Result<SourceData, SourceError> {
    let error_at = |line: usize, message: String| {
        let line_text = text.lines().nth(line.saturating_sub(1));
        SourceError::parse(Location::new(path, line), message, line_text)
    };
    let root: Value = serde_json::from_str(text).map_err(|error| {
        let line_text = text.lines().nth(error.line().saturating_sub(1));
        SourceError::parse(
            Location::new(path, error.line()).with_column(error.column()),
            format!("invalid JSON: {error}"),
            line_text,
        )
    })?;
    let Value::Object(root) = root else {
        return Err(error_at(
            1,
            "expected a JSON object at the top of the file".to_string(),
        ));
    };
    let lines = key_lines(text);
    let mut data = data_for(path, SourceKind::PipfileLock);
    for (section, group) in [("default", Group::Main), ("develop", Group::Dev)] {
        let Some(packages) = root.get(section) else {
            continue;
        };
        let section_line = lines
            .get(&(section.to_string(), None))
            .copied()
            .unwrap_or(1);
        let Value::Object(packages) = packages else {
            return Err(error_at(
                section_line,
                format!("expected an object in `{section}`"),
            ));
        };
        for (name_text, entry) in packages {
            let line = lines
                .get(&(section.to_string(), Some(name_text.clone())))
                .copied()
                .unwrap_or(section_line);
            let key = format!("{section}.{name_text}");
            let fail = |message: String| error_at(line, message);
            let name = package_name(name_text).map_err(fail)?;
            let Value::Object(entry) = entry else {
                return Err(fail(format!("expected an object in `{key}`")));
            };
            let string = |field: &str| -> Result<Option<&str>, SourceError> {
                match entry.get(field) {
                    None => Ok(None),
                    Some(Value::String(text)) => Ok(Some(text)),
                    Some(_) => Err(fail(format!("expected a string in `{key}.{field}`"))),
                }
            };
            let mut declaration = locked(name, SourceKind::PipfileLock, Location::new(path, line));
            declaration.group = group.clone();
            let url = match (string("git")?, string("path")?, string("file")?) {
                (Some(git), _, _) => Some(match string("ref")? {
                    Some(reference) => format!("git+{git}@{reference}"),
                    None => format!("git+{git}"),
                }),
                (None, Some(path), _) => Some(path.to_string()),
                (None, None, Some(file)) => Some(file.to_string()),
                (None, None, None) => None,
            };
            match string("version")? {
                Some(version) => {
                    declaration.specifier = VersionSpecifiers::from_str(version)
                        .map_err(|error| fail(format!("invalid `{key}.version`: {error}")))?;
                }
                None if url.is_some() => {}
                None => return Err(fail(format!("missing `version` in `{key}`"))),
            }
            declaration.url = url;
            if let Some(marker) = string("markers")? {
                declaration.marker = MarkerTree::from_str(marker).map_err(|error| {
                    fail(format!(
                        "invalid marker in `{key}.markers`: {}",
                        error.message
                    ))
                })?;
            }
            for (field, target) in [("hashes", true), ("extras", false)] {
                let Some(values) = entry.get(field) else {
                    continue;
                };
                let Value::Array(values) = values else {
                    return Err(fail(format!("expected an array in `{key}.{field}`")));
                };
                for value in values {
                    let Value::String(text) = value else {
                        return Err(fail(format!("expected a string in `{key}.{field}`")));
                    };
                    if target {
                        declaration.hashes.push(hash(text).map_err(&fail)?);
                    } else {
                        declaration
                            .extras
                            .push(ExtraName::from_str(text).map_err(|error| {
                                fail(format!("invalid extra in `{key}.extras`: {error}"))
                            })?);
                    }
                }
            }
            declaration.editable = match entry.get("editable") {
                None => false,
                Some(Value::Bool(editable)) => *editable,
                Some(_) => return Err(fail(format!("expected a boolean in `{key}.editable`"))),
            };
            tidy(&mut declaration);
            data.declarations.push(declaration);
        }
    }
    Ok(data)
}

/// The 1-based line of each key at depth 1 (`(section, None)`) and depth 2
/// (`(section, Some(package))`) of a JSON document.
fn key_lines(text: &str) -> BTreeMap<(String, Option<String>), usize> {
    let mut lines = BTreeMap::new();
    let mut depth = 0usize;
    let mut line = 1;
    let mut section = String::new();
    // Whether the next string at this depth is a key: after `{` or `,` inside an object.
    let mut expecting_key = false;
    let mut in_object = Vec::new();
    let mut characters = text.chars();
    while let Some(character) = characters.next() {
        match character {
            '\n' => line += 1,
            '{' | '[' => {
                depth += 1;
                in_object.push(character == '{');
                expecting_key = character == '{';
            }
            '}' | ']' => {
                depth = depth.saturating_sub(1);
                in_object.pop();
                expecting_key = false;
            }
            ',' => expecting_key = in_object.last().copied().unwrap_or(false),
            '"' => {
                let start_line = line;
                let mut string = String::new();
                while let Some(inner) = characters.next() {
                    match inner {
                        '"' => break,
                        '\\' => {
                            if let Some(escaped) = characters.next() {
                                string.push(escaped);
                            }
                        }
                        '\n' => {
                            line += 1;
                            string.push(inner);
                        }
                        _ => string.push(inner),
                    }
                }
                if expecting_key {
                    if depth == 1 {
                        section.clone_from(&string);
                        lines.insert((string, None), start_line);
                    } else if depth == 2 {
                        lines.insert((section.clone(), Some(string)), start_line);
                    }
                    expecting_key = false;
                }
            }
            _ => {}
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_lines_skip_nested_keys_and_strings() {
        let text = "{\n \"default\": {\n  \"a\": {\"version\": \"==1\", \"markers\": \"x, {\"},\n  \"markers\": {}\n },\n \"develop\": {\"b\": {}}\n}\n";
        let lines = key_lines(text);
        assert_eq!(lines.get(&("default".into(), Some("a".into()))), Some(&3));
        assert_eq!(
            lines.get(&("default".into(), Some("markers".into()))),
            Some(&4)
        );
        assert_eq!(lines.get(&("default".into(), Some("version".into()))), None);
        assert_eq!(lines.get(&("develop".into(), Some("b".into()))), Some(&6));
    }
}
