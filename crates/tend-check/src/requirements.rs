//! Unmet and conflicting requirements of installed distributions: exactly what `pip check`
//! (pip 23.2, `pip/_internal/operations/check.py`) reports, no more and no fewer.
//!
//! pip's rules, followed here:
//! - A distribution's dependencies are its `Requires-Dist` entries whose marker is true for the
//!   environment with `extra == ""`; requirements only an extra asks for are never checked, and
//!   the extras a dependency is required with (`requests[socks]`) are not followed.
//! - A dependency is missing when no distribution of that (normalised) name is installed; the
//!   message names the dependency without its specifier, as pip does.
//! - A dependency conflicts when the installed version is outside its specifier, pre-releases
//!   allowed. A legacy (non-PEP 440) installed version satisfies only an empty specifier or a
//!   matching `===`, as with pip's vendored `packaging` 21.3.
//! - The same requirement listed twice is reported twice (pip keeps both).
//! - Nothing else: pip 23.2 does not check wheel tags or `Requires-Python` in `pip check`.
//!
//! Messages use pip's wording with normalised names (pip prints the dependency's name as the
//! metadata spells it in the "has requirement" part; tend prints the normalised one). A marker
//! in that part is printed in `pep508_rs`'s canonical form, which can differ from the text in
//! the metadata (`python_version >= "3.8"` reads `python_full_version >= "3.8"`).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use tend_model::{
    Code, Diagnostic, DistFormat, DistVersion, Distribution, Environment, Location, Operator,
    PackageName, Requirement, Severity, Version, VersionOrUrl, VersionSpecifier, VersionSpecifiers,
};

use crate::markers::MarkerContext;
use crate::CheckReport;

pub(crate) fn check(
    environment: &Environment,
    markers: &MarkerContext<'_>,
    report: &mut CheckReport,
) {
    let installed = installed_by_name(environment);
    for distribution in installed.values() {
        report.summary.distributions_checked += 1;
        for requirement in &distribution.requires_dist {
            let outcome = markers.evaluate(&requirement.marker);
            if !outcome.applies() {
                continue;
            }
            report.summary.requirements_checked += 1;
            let finding = match installed.get(&requirement.name) {
                None => Diagnostic::new(
                    Code::MissingDependency,
                    Severity::Error,
                    format!(
                        "{} {} requires {}, which is not installed.",
                        distribution.name, distribution.version, requirement.name
                    ),
                ),
                Some(dependency) => {
                    if satisfies(&dependency.version, specifier_of(requirement)) {
                        continue;
                    }
                    Diagnostic::new(
                        Code::ConflictingDependency,
                        Severity::Error,
                        format!(
                            "{} {} has requirement {}, but you have {} {}.",
                            distribution.name,
                            distribution.version,
                            pip_requirement_string(requirement),
                            dependency.name,
                            dependency.version
                        ),
                    )
                }
            };
            let mut finding = finding
                .with_package(distribution.name.clone())
                .with_location(Location::file(metadata_path(distribution)));
            if let Some(note) = outcome.note() {
                finding = finding.with_note(note);
            }
            report.findings.push(finding);
        }
    }
}

/// The installed distributions by name. pip keeps the first distribution of each name on the
/// path; the inventory already drops shadowed ones, but its order is not relied on here.
pub(crate) fn installed_by_name(
    environment: &Environment,
) -> BTreeMap<&PackageName, &Distribution> {
    let mut installed = BTreeMap::new();
    for distribution in &environment.distributions {
        installed.entry(&distribution.name).or_insert(distribution);
    }
    installed
}

fn specifier_of(requirement: &Requirement) -> Option<&VersionSpecifiers> {
    match &requirement.version_or_url {
        Some(VersionOrUrl::VersionSpecifier(specifiers)) => Some(specifiers),
        Some(VersionOrUrl::Url(_)) | None => None,
    }
}

/// The file `Requires-Dist` (or its legacy equivalent) was read from.
fn metadata_path(distribution: &Distribution) -> std::path::PathBuf {
    match distribution.format {
        DistFormat::DistInfo => distribution.path.join("METADATA"),
        DistFormat::EggInfo if distribution.path.is_dir() => distribution.path.join("requires.txt"),
        DistFormat::EggInfo | DistFormat::EggLink => distribution.path.clone(),
    }
}

/// Whether `version` is inside `specifiers` as pip 23.2 decides it: pre-releases allowed,
/// legacy versions only matched by `===`.
pub(crate) fn satisfies(version: &DistVersion, specifiers: Option<&VersionSpecifiers>) -> bool {
    let Some(specifiers) = specifiers else {
        return true;
    };
    match version {
        DistVersion::Pep440(version) => specifiers
            .iter()
            .all(|specifier| specifier_contains(specifier, version)),
        DistVersion::Legacy(text) => specifiers.iter().all(|specifier| {
            *specifier.operator() == Operator::ExactEqual
                && specifier.version().to_string().eq_ignore_ascii_case(text)
        }),
    }
}

fn specifier_contains(specifier: &VersionSpecifier, version: &Version) -> bool {
    match specifier.operator() {
        Operator::EqualStar => prefix_matches(specifier.version(), version),
        Operator::NotEqualStar => !prefix_matches(specifier.version(), version),
        _ => specifier.contains(version),
    }
}

/// `==X.*` as `packaging` compares it: the candidate's release is padded with zeros up to the
/// prefix's length (so `1` matches `==1.0.*`), unless the candidate has pre-, post- or
/// development segments that would take those places (so `1rc1` does not match `==1.0.*`).
fn prefix_matches(prefix: &Version, version: &Version) -> bool {
    if prefix.epoch() != version.epoch() {
        return false;
    }
    let wanted = prefix.release();
    let release = version.release();
    if release.len() >= wanted.len() {
        return release.iter().zip(wanted).all(|(have, want)| have == want);
    }
    if version.pre().is_some() || version.post().is_some() || version.dev().is_some() {
        return false;
    }
    wanted
        .iter()
        .enumerate()
        .all(|(index, want)| release.get(index).copied().unwrap_or(0) == *want)
}

/// A requirement as `packaging` 21.3 prints it: sorted extras, specifiers sorted and joined by
/// commas, `@ url`, and the marker with double quotes.
fn pip_requirement_string(requirement: &Requirement) -> String {
    let mut text = requirement.name.to_string();
    if !requirement.extras.is_empty() {
        let mut extras: Vec<String> = requirement.extras.iter().map(ToString::to_string).collect();
        extras.sort();
        let _ = write!(text, "[{}]", extras.join(","));
    }
    let marker = requirement
        .marker
        .contents()
        .map(|marker| marker.to_string().replace('\'', "\""));
    match &requirement.version_or_url {
        Some(VersionOrUrl::VersionSpecifier(specifiers)) => {
            let mut parts: Vec<String> = specifiers.iter().map(ToString::to_string).collect();
            parts.sort();
            text.push_str(&parts.join(","));
        }
        Some(VersionOrUrl::Url(url)) => {
            let _ = write!(
                text,
                "@ {}",
                url.given().map_or_else(|| url.to_string(), str::to_string)
            );
            if marker.is_some() {
                text.push(' ');
            }
        }
        None => {}
    }
    if let Some(marker) = marker {
        let _ = write!(text, "; {marker}");
    }
    text
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;

    fn version(text: &str) -> DistVersion {
        DistVersion::parse(text)
    }

    fn specifiers(text: &str) -> VersionSpecifiers {
        VersionSpecifiers::from_str(text).unwrap()
    }

    #[test]
    fn prereleases_are_allowed() {
        assert!(satisfies(&version("2.0rc1"), Some(&specifiers(">=1.0"))));
        assert!(!satisfies(&version("2.0rc1"), Some(&specifiers(">=2.0"))));
        assert!(satisfies(&version("1.0.dev3"), Some(&specifiers("<2"))));
    }

    #[test]
    fn legacy_versions_only_match_empty_or_exact_arbitrary() {
        assert!(satisfies(&version("1.0-custom_build"), None));
        assert!(satisfies(
            &version("1.0-custom_build"),
            Some(&VersionSpecifiers::empty())
        ));
        assert!(!satisfies(
            &version("1.0-custom_build"),
            Some(&specifiers(">=0.1"))
        ));
    }

    #[test]
    fn wildcards_pad_like_packaging() {
        assert!(satisfies(&version("1"), Some(&specifiers("==1.0.*"))));
        assert!(!satisfies(&version("1"), Some(&specifiers("==1.2.*"))));
        assert!(satisfies(&version("1.2rc1"), Some(&specifiers("==1.2.*"))));
        assert!(!satisfies(&version("1rc1"), Some(&specifiers("==1.0.*"))));
        assert!(satisfies(&version("1.3"), Some(&specifiers("!=1.2.*"))));
        assert!(satisfies(
            &version("1.2.5+local"),
            Some(&specifiers("==1.2.*"))
        ));
    }

    #[test]
    fn requirement_strings_match_packaging() {
        let requirement = Requirement::from_str(
            "Werkzeug[watchdog,dotenv] <3, >=2.2.2 ; python_version >= '3.8'",
        )
        .unwrap();
        assert_eq!(
            pip_requirement_string(&requirement),
            // pep508_rs keeps markers in a canonical form: `python_version` becomes
            // `python_full_version`, so this part of the text can differ from pip's.
            "werkzeug[dotenv,watchdog]<3,>=2.2.2; python_full_version >= \"3.8\""
        );
    }
}
