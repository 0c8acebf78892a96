//! The deprecation-warning gate: which deprecation warnings a test run shows, which installed
//! package each comes from, and which ones an update introduced.
//!
//! Python prints a warning as `path:line: Category: message` (pytest's warnings summary keeps
//! that form, indented). A warning counts when its category is `DeprecationWarning`,
//! `PendingDeprecationWarning` or `FutureWarning`, or a subclass named `…DeprecationWarning`
//! (`SADeprecationWarning`, `RemovedInDjango60Warning` does not end so and is matched by its
//! `Removed…Warning` form too). Its package is the distribution whose files hold `path`: the
//! first path component under site-packages, looked up in every `*.dist-info/RECORD`.
//!
//! Two runs are compared by (package, category, message): line numbers move between versions
//! and are not part of the identity. Warnings the baseline run (the current versions) showed
//! already are not the update's doing.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::str::FromStr;

use tend_model::PackageName;

/// One deprecation warning of a run.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Warning {
    /// The distribution whose code warned; `None` for the project's own code or a file tend
    /// could not place.
    pub package: Option<PackageName>,
    pub category: String,
    pub message: String,
    /// `path:line` as printed.
    pub location: String,
}

fn is_deprecation(category: &str) -> bool {
    let category = category.rsplit('.').next().unwrap_or(category);
    category.ends_with("DeprecationWarning")
        || category == "FutureWarning"
        || (category.starts_with("RemovedIn") && category.ends_with("Warning"))
}

/// Maps the first path component of every installed file to its distribution, from the
/// RECORD files of `site_packages`.
pub fn owners(site_packages: &Path) -> BTreeMap<String, PackageName> {
    let mut owners = BTreeMap::new();
    let Ok(entries) = fs_err::read_dir(site_packages) else {
        return owners;
    };
    for entry in entries.flatten() {
        let file_name = entry.file_name().to_string_lossy().into_owned();
        let Some(stem) = file_name.strip_suffix(".dist-info") else {
            continue;
        };
        let Some(name) = stem
            .split_once('-')
            .and_then(|(name, _)| PackageName::from_str(name).ok())
        else {
            continue;
        };
        let Ok(record) = fs_err::read_to_string(entry.path().join("RECORD")) else {
            continue;
        };
        for line in record.lines() {
            let path = line.split(',').next().unwrap_or_default();
            let first = path.split('/').next().unwrap_or_default();
            // `.dist-info` itself, scripts (`../../bin/x`) and bytecode caches own nothing.
            if first.is_empty() || first == ".." || first.ends_with(".dist-info") {
                continue;
            }
            let first = first.strip_suffix(".py").unwrap_or(first);
            owners
                .entry(first.to_string())
                .or_insert_with(|| name.clone());
        }
    }
    owners
}

/// The deprecation warnings in `output`, each placed with `owners` when its file is under
/// `site_packages`.
pub fn parse(
    output: &str,
    site_packages: &Path,
    owners: &BTreeMap<String, PackageName>,
) -> Vec<Warning> {
    let prefix = site_packages.to_string_lossy();
    let mut warnings = Vec::new();
    for line in output.lines() {
        let line = line.trim_start();
        // `path:line: Category: message`; the path may itself hold colons only on Windows.
        let Some((path, rest)) = line.split_once(".py:") else {
            continue;
        };
        let Some((number, rest)) = rest.split_once(": ") else {
            continue;
        };
        if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        let Some((category, message)) = rest.split_once(": ") else {
            continue;
        };
        if category.contains(' ') || !is_deprecation(category) {
            continue;
        }
        let file = format!("{path}.py");
        let package = file
            .strip_prefix(prefix.as_ref())
            .map(|relative| relative.trim_start_matches('/'))
            .and_then(|relative| {
                let first = relative.split('/').next().unwrap_or_default();
                owners.get(first.strip_suffix(".py").unwrap_or(first))
            })
            .cloned();
        warnings.push(Warning {
            package,
            category: category.to_string(),
            message: message.trim().to_string(),
            location: format!("{file}:{number}"),
        });
    }
    warnings.sort();
    warnings.dedup_by(|a, b| {
        a.package == b.package && a.category == b.category && a.message == b.message
    });
    warnings
}

/// The warnings of `trial` the `baseline` run did not show, per package (the project's own
/// code under `None`).
pub fn introduced<'a>(
    baseline: &[Warning],
    trial: &'a [Warning],
) -> BTreeMap<Option<PackageName>, Vec<&'a Warning>> {
    let known: BTreeSet<(&Option<PackageName>, &str, &str)> = baseline
        .iter()
        .map(|w| (&w.package, w.category.as_str(), w.message.as_str()))
        .collect();
    let mut new: BTreeMap<Option<PackageName>, Vec<&Warning>> = BTreeMap::new();
    for warning in trial {
        let key = (
            &warning.package,
            warning.category.as_str(),
            warning.message.as_str(),
        );
        if !known.contains(&key) {
            new.entry(warning.package.clone())
                .or_default()
                .push(warning);
        }
    }
    new
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(text: &str) -> PackageName {
        PackageName::from_str(text).unwrap()
    }

    #[test]
    fn warnings_are_parsed_and_placed() {
        let owners: BTreeMap<String, PackageName> = [
            ("alpha".to_string(), name("alpha")),
            ("six".to_string(), name("six")),
        ]
        .into();
        let output = "\
============================= warnings summary =============================
tests/test_app.py::test_home
  /venv/lib/python3.11/site-packages/alpha/api.py:12: DeprecationWarning: old_call() is deprecated; use new_call()
    warnings.warn(
/venv/lib/python3.11/site-packages/six.py:8: FutureWarning: six will stop working
app/views.py:3: PendingDeprecationWarning: our own
/venv/lib/python3.11/site-packages/alpha/api.py:40: UserWarning: not a deprecation
/venv/lib/python3.11/site-packages/alpha/api.py:13: DeprecationWarning: old_call() is deprecated; use new_call()
/venv/lib/python3.11/site-packages/sqlalchemy/orm.py:1: sqlalchemy.exc.SADeprecationWarning: legacy
-- Docs: https://docs.pytest.org/en/stable/how-to/capture-warnings.html
";
        let warnings = parse(
            output,
            Path::new("/venv/lib/python3.11/site-packages"),
            &owners,
        );
        let summary: Vec<(Option<&str>, &str, &str)> = warnings
            .iter()
            .map(|w| {
                (
                    w.package.as_ref().map(AsRef::as_ref),
                    w.category.as_str(),
                    w.message.as_str(),
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                (None, "PendingDeprecationWarning", "our own"),
                (None, "sqlalchemy.exc.SADeprecationWarning", "legacy"),
                (
                    Some("alpha"),
                    "DeprecationWarning",
                    "old_call() is deprecated; use new_call()"
                ),
                (Some("six"), "FutureWarning", "six will stop working"),
            ]
        );
    }

    #[test]
    fn only_new_warnings_count() {
        let warning = |package: &str, message: &str, line: u32| Warning {
            package: Some(name(package)),
            category: "DeprecationWarning".to_string(),
            message: message.to_string(),
            location: format!("x.py:{line}"),
        };
        let baseline = [warning("alpha", "old", 10)];
        // The same warning on another line is not new; another message is.
        let trial = [warning("alpha", "old", 12), warning("alpha", "newer", 3)];
        let new = introduced(&baseline, &trial);
        assert_eq!(new.len(), 1);
        let alpha = &new[&Some(name("alpha"))];
        assert_eq!(alpha.len(), 1);
        assert_eq!(alpha[0].message, "newer");
    }
}
