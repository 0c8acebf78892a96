//! Version rules from the policy (`flask = ">=2,<4"`): the installed version must be inside the
//! rule's specifier, pre-releases allowed, legacy versions only matched by `===`. A rule for a
//! package that is not installed is reported as a note, since it may be stale.

use tend_model::{Code, Diagnostic, Environment, Severity};

use crate::requirements::{installed_by_name, satisfies};
use crate::{CheckReport, VersionRule};

pub(crate) fn check(
    environment: Option<&Environment>,
    rules: &[VersionRule],
    report: &mut CheckReport,
) {
    let Some(environment) = environment else {
        return;
    };
    let installed = installed_by_name(environment);
    for rule in rules {
        report.summary.rules_checked += 1;
        let installed = installed.get(&rule.package).copied();
        let finding = match installed {
            Some(distribution) => {
                if satisfies(&distribution.version, Some(&rule.specifier)) {
                    continue;
                }
                let mut finding = Diagnostic::new(
                    Code::VersionRule,
                    Severity::Error,
                    format!(
                        "{} {} is installed but the version rule requires {}",
                        rule.package, distribution.version, rule.specifier
                    ),
                );
                if distribution.version.pep440().is_none() {
                    finding = finding.with_note(format!(
                        "`{}` is not a PEP 440 version; only `===` can match it",
                        distribution.version
                    ));
                }
                finding
            }
            None => Diagnostic::new(
                Code::VersionRule,
                Severity::Note,
                format!(
                    "the version rule for {} ({}) does not apply: {} is not installed",
                    rule.package, rule.specifier, rule.package
                ),
            ),
        };
        let mut finding = finding.with_package(rule.package.clone());
        if let Some(location) = &rule.location {
            finding = finding.with_location(location.clone());
        }
        report.findings.push(finding);
    }
}
