//! Drift between what the sources declare and what is installed.
//!
//! - `drift`: a requirement or lockfile entry that allows exactly one version (`==X`, `===X`),
//!   whose marker is true for the environment, while another version is installed. `==1.0`
//!   accepts `1.0+local`, as pip would install it.
//! - `not-installed`: a requirement (not a `-c` constraint) from a requirements file, or from
//!   the main group of a `pyproject.toml` or lockfile, whose marker is true, with nothing of
//!   that name installed. Development groups and extras are optional, so they are not reported.
//!
//! Markers are evaluated with no extras active; when the environment's marker values are
//! unknown, a marker is assumed true and the finding says so.

use tend_model::{
    Code, Declaration, DeclarationKind, Diagnostic, Environment, Severity, SourceKind,
};

use crate::markers::MarkerContext;
use crate::requirements::{installed_by_name, satisfies};
use crate::CheckReport;

pub(crate) fn check(
    environment: &Environment,
    declarations: &[Declaration],
    markers: &MarkerContext<'_>,
    report: &mut CheckReport,
) {
    let installed = installed_by_name(environment);
    for declaration in declarations {
        if declaration.kind == DeclarationKind::Constraint {
            continue;
        }
        let outcome = markers.evaluate(&declaration.marker);
        if !outcome.applies() {
            continue;
        }
        report.summary.declarations_checked += 1;
        let installed = installed.get(&declaration.name).copied();
        let finding = if let Some(distribution) = installed {
            if declaration.pinned_version().is_none()
                || satisfies(&distribution.version, Some(&declaration.specifier))
            {
                continue;
            }
            Diagnostic::new(
                Code::Drift,
                Severity::Warning,
                format!(
                    "{} is pinned to {} in {} but {} is installed",
                    declaration.name,
                    declaration.specifier,
                    declaration.location,
                    distribution.version
                ),
            )
        } else {
            let expected =
                declaration.source == SourceKind::RequirementsTxt || declaration.group.is_main();
            if !expected {
                continue;
            }
            let what = if declaration.specifier.is_empty() {
                String::new()
            } else {
                format!(" ({})", declaration.specifier)
            };
            Diagnostic::new(
                Code::NotInstalled,
                Severity::Warning,
                format!(
                    "{}{what} is declared in {} but not installed",
                    declaration.name, declaration.location
                ),
            )
        };
        let mut finding = finding
            .with_package(declaration.name.clone())
            .with_location(declaration.location.clone());
        if let Some(note) = outcome.note() {
            finding = finding.with_note(note);
        }
        report.findings.push(finding);
    }
}
