//! Pins in `pyproject.toml`: PEP 621 `[project] dependencies`, `[project.optional-dependencies]`
//! and PEP 735 `[dependency-groups]`. Each requirement is a TOML string; only the version
//! inside the string changes, byte for byte where it was written.

use std::collections::BTreeMap;
use std::path::Path;
use std::str::FromStr;

use pep440_rs::VersionSpecifiers;
use serde::Deserialize;
use toml::Spanned;

use crate::{Edit, Kept, KeptReason, PinChange, Rewritten, WriteBackError};

#[derive(Deserialize)]
struct Document {
    project: Option<Project>,
    #[serde(rename = "dependency-groups", default)]
    dependency_groups: BTreeMap<String, Vec<Spanned<toml::Value>>>,
}

#[derive(Deserialize)]
struct Project {
    #[serde(default)]
    dependencies: Vec<Spanned<String>>,
    #[serde(rename = "optional-dependencies", default)]
    optional_dependencies: BTreeMap<String, Vec<Spanned<String>>>,
}

/// Rewrites the pins of `changes` in a `pyproject.toml`'s text, with the same rules as
/// [`crate::rewrite_requirements`]. A requirement string written with escapes or as a
/// multi-line string is not rewritten (an error names it).
pub fn rewrite_pyproject(
    file: &Path,
    text: &str,
    changes: &[PinChange],
) -> Result<Rewritten, WriteBackError> {
    let document: Document = toml::from_str(text).map_err(|error| WriteBackError::Toml {
        file: file.to_path_buf(),
        message: error.to_string(),
    })?;
    // (the string, its span with the quotes)
    let mut strings: Vec<(&str, std::ops::Range<usize>)> = Vec::new();
    if let Some(project) = &document.project {
        let lists =
            std::iter::once(&project.dependencies).chain(project.optional_dependencies.values());
        for list in lists {
            strings.extend(list.iter().map(|s| (s.get_ref().as_str(), s.span())));
        }
    }
    // A dependency group holds requirement strings and `{include-group = "…"}` tables.
    for group in document.dependency_groups.values() {
        for entry in group {
            if let toml::Value::String(requirement) = entry.get_ref() {
                strings.push((requirement.as_str(), entry.span()));
            }
        }
    }
    strings.sort_by_key(|(_, span)| span.start);

    // Replacements as (byte range, new text), applied back to front.
    let mut replacements: Vec<(std::ops::Range<usize>, String)> = Vec::new();
    let mut edits = Vec::new();
    let mut kept = Vec::new();
    for (value, span) in strings {
        // The inventory reports bad requirements; write-back leaves them alone.
        let Ok(requirement) = pep508_rs::Requirement::<pep508_rs::VerbatimUrl>::from_str(value)
        else {
            continue;
        };
        let Some(change) = changes
            .iter()
            .find(|change| change.name.as_ref() == requirement.name.as_ref())
        else {
            continue;
        };
        let line = text[..span.start].matches('\n').count() + 1;
        let layout = |what| WriteBackError::Layout {
            file: file.to_path_buf(),
            line,
            name: change.name.clone(),
            what,
        };
        let raw = &text[span.clone()];
        // Only a one-line basic or literal string whose text is the value itself.
        let quote = raw.chars().next().unwrap_or('"');
        if raw.len() < 2 || raw.starts_with("\"\"\"") || raw.starts_with("'''") {
            return Err(layout("a multi-line string"));
        }
        let inner = &raw[1..raw.len() - 1];
        if inner != value || !matches!(quote, '"' | '\'') {
            return Err(layout("a string with escapes"));
        }
        let specifier = match &requirement.version_or_url {
            None => String::new(),
            Some(pep508_rs::VersionOrUrl::Url(_)) => {
                kept.push(Kept {
                    line,
                    name: change.name.clone(),
                    reason: KeptReason::DirectReference,
                });
                continue;
            }
            Some(pep508_rs::VersionOrUrl::VersionSpecifier(specifiers)) => specifiers.to_string(),
        };
        let exact = match &requirement.version_or_url {
            Some(pep508_rs::VersionOrUrl::VersionSpecifier(specifiers))
                if specifiers.len() == 1 =>
            {
                let only = specifiers.iter().next();
                only.filter(|specifier| {
                    matches!(
                        specifier.operator(),
                        pep440_rs::Operator::Equal | pep440_rs::Operator::ExactEqual
                    )
                })
                .map(|specifier| specifier.version().clone())
            }
            _ => None,
        };
        let Some(old) = exact else {
            let allows = specifier.is_empty()
                || VersionSpecifiers::from_str(&specifier)
                    .is_ok_and(|specifiers| specifiers.contains(&change.to));
            if !allows {
                return Err(WriteBackError::Excludes {
                    file: file.to_path_buf(),
                    line,
                    name: change.name.clone(),
                    specifier,
                    to: change.to.clone(),
                });
            }
            kept.push(Kept {
                line,
                name: change.name.clone(),
                reason: KeptReason::Allows { specifier },
            });
            continue;
        };
        // The version as written inside the string: after the `==`/`===` operator.
        let Some(operator_at) = inner.find("==") else {
            return Err(layout("no `==` in the requirement"));
        };
        let after = &inner[operator_at..];
        let operator_len = if after.starts_with("===") { 3 } else { 2 };
        let version_text = after[operator_len..].trim_start();
        let version_start =
            operator_at + operator_len + (after.len() - operator_len - version_text.len());
        let version_len = version_text
            .find(|c: char| c.is_whitespace() || matches!(c, ';' | ',' | ')'))
            .unwrap_or(version_text.len());
        let written = &inner[version_start..version_start + version_len];
        if pep440_rs::Version::from_str(written).ok().as_ref() != Some(&old) {
            return Err(layout(
                "the pinned version could not be found in the string",
            ));
        }
        let start = span.start + 1 + version_start;
        replacements.push((start..start + version_len, change.to.to_string()));
        edits.push(Edit {
            line,
            name: change.name.clone(),
            from: written.to_string(),
            to: change.to.clone(),
            hashes: 0,
        });
    }
    let mut out = text.to_string();
    for (range, new) in replacements.into_iter().rev() {
        out.replace_range(range, &new);
    }
    Ok(Rewritten {
        text: out,
        edits,
        kept,
    })
}
