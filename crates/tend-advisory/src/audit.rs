//! The audit: which targets to check, matching them against the advisories a lookup returned,
//! merging aliases, applying ignore rules, and accounting for every package that could not be
//! checked. Pure: the caller gives the data, the date and the rules.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use jiff::civil::Date;
use jiff::Timestamp;
use rayon::prelude::*;
use tend_model::{
    AuditReport, AuditTarget, Code, DeclarationKind, Diagnostic, DistVersion, Finding, Fix,
    IgnoreRuleRef, IgnoredFinding, Inventory, NotAudited, NotAuditedReason, PackageFindings,
    PackageName, Severity, SpecifierKind, TargetOrigin,
};

use crate::matching::PackageMatcher;
use crate::merge::{merge_hits, Hit};
use crate::{AdvisoryData, Bound, Event};

/// What to audit: versions to check, and packages already known to be uncheckable.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditTargets {
    pub targets: Vec<AuditTarget>,
    pub not_audited: Vec<NotAudited>,
}

impl AuditTargets {
    /// The names to ask a lookup for.
    pub fn names(&self) -> Vec<PackageName> {
        let names: BTreeSet<&PackageName> =
            self.targets.iter().map(|target| &target.name).collect();
        names.into_iter().cloned().collect()
    }
}

/// Picks the versions to audit from an inventory.
///
/// Every installed distribution is audited at its installed version. Every exact pin in a
/// declaration source (requirements, `pyproject.toml`, constraints, lockfiles) is audited at
/// the pinned version, unless the same version is installed (it is then audited once, as
/// installed). A declaration that allows more than one version is reported as not audited
/// with the range it allows, unless the package is installed (the installed version is what
/// runs) — `--resolve` turns such declarations into pins before this step.
pub fn select_targets(inventory: &Inventory) -> AuditTargets {
    let mut targets = BTreeSet::new();
    let mut installed: BTreeMap<&PackageName, &DistVersion> = BTreeMap::new();
    if let Some(environment) = &inventory.environment {
        for distribution in &environment.distributions {
            installed.insert(&distribution.name, &distribution.version);
            targets.insert(AuditTarget {
                name: distribution.name.clone(),
                version: distribution.version.clone(),
                origin: TargetOrigin::Installed,
            });
        }
    }

    let mut pinned: BTreeMap<(PackageName, DistVersion), AuditTarget> = BTreeMap::new();
    let mut not_audited: BTreeMap<PackageName, NotAudited> = BTreeMap::new();
    for declaration in &inventory.declarations {
        if let Some(version) = declaration.pinned_version() {
            let version = DistVersion::Pep440(version.clone());
            if installed.get(&declaration.name) == Some(&&version) {
                continue;
            }
            pinned
                .entry((declaration.name.clone(), version.clone()))
                .or_insert_with(|| AuditTarget {
                    name: declaration.name.clone(),
                    version,
                    origin: TargetOrigin::Declared {
                        location: declaration.location.clone(),
                    },
                });
            continue;
        }
        // A constraint only limits what something else installs; on its own it is no target.
        if installed.contains_key(&declaration.name)
            || declaration.kind == DeclarationKind::Constraint
        {
            continue;
        }
        let reason = match declaration.specifier_kind() {
            SpecifierKind::Url => NotAuditedReason::NoVersion,
            _ => NotAuditedReason::Unpinned {
                specifier: if declaration.specifier.is_empty() {
                    "any version".to_string()
                } else {
                    declaration.specifier.to_string()
                },
            },
        };
        not_audited
            .entry(declaration.name.clone())
            .or_insert_with(|| NotAudited {
                name: declaration.name.clone(),
                reason,
                location: Some(declaration.location.clone()),
            });
    }
    // A package pinned somewhere is audited; another file's range for it is not a gap.
    for (name, _) in pinned.keys() {
        not_audited.remove(name);
    }
    targets.extend(pinned.into_values());
    AuditTargets {
        targets: targets.into_iter().collect(),
        not_audited: not_audited.into_values().collect(),
    }
}

/// What the audit needs besides the targets and the advisories.
#[derive(Debug, Clone)]
pub struct AuditOptions<'a> {
    /// Ignore rules from the policy.
    pub ignore: &'a [IgnoreRuleRef],
    /// The day ignore rules' `until` dates are compared with.
    pub today: Date,
    /// When the audit runs; stored in the report and used for the database's age.
    pub now: Timestamp,
    /// The policy's limit on the age of the newest advisory.
    pub max_age: Option<Duration>,
}

/// Matches every target against the advisories of its package and builds the report.
pub fn audit(
    targets: AuditTargets,
    data: &AdvisoryData,
    options: &AuditOptions<'_>,
) -> AuditReport {
    let AuditTargets {
        targets,
        mut not_audited,
    } = targets;
    // Targets are independent: they are matched in parallel, one package's targets together
    // (what does not depend on the version is worked out once per package), and their
    // outcomes gathered in the targets' order, so the report does not depend on scheduling.
    let mut indexed: Vec<(usize, AuditTarget)> = targets.into_iter().enumerate().collect();
    indexed.sort_by(|(_, a), (_, b)| a.name.cmp(&b.name));
    let mut packages: Vec<Vec<(usize, AuditTarget)>> = Vec::new();
    for (index, target) in indexed {
        match packages.last_mut() {
            Some(package) if package[0].1.name == target.name => package.push((index, target)),
            _ => packages.push(vec![(index, target)]),
        }
    }
    let mut outcomes: Vec<(usize, Outcome)> = packages
        .into_par_iter()
        .flat_map_iter(|package| audit_package(package, data))
        .collect();
    outcomes.sort_unstable_by_key(|(index, _)| *index);
    let outcomes = outcomes.into_iter().map(|(_, outcome)| outcome);
    let mut audited = 0;
    let mut vulnerable = Vec::new();
    for outcome in outcomes {
        match outcome {
            Outcome::NotAudited(package) => not_audited.push(package),
            Outcome::Audited(findings) => {
                audited += 1;
                vulnerable.extend(findings);
            }
        }
    }

    let mut diagnostics = data.diagnostics.clone();
    let ignored = apply_ignore_rules(&mut vulnerable, options, &mut diagnostics);
    for package in &mut vulnerable {
        package.findings.sort_by(|a, b| {
            b.severity
                .rating
                .cmp(&a.severity.rating)
                .then_with(|| a.id.cmp(&b.id))
        });
    }
    vulnerable.sort_by(|a, b| a.target.cmp(&b.target));
    not_audited.sort();

    let mut report = AuditReport {
        generated: options.now,
        sources: data.sources.clone(),
        audited,
        vulnerable,
        not_audited,
        ignored,
        diagnostics,
    };
    if let Some(diagnostic) = staleness(&report, options) {
        report.diagnostics.push(diagnostic);
    }
    report.diagnostics.sort();
    report
}

/// What the audit learned about one target.
enum Outcome {
    NotAudited(NotAudited),
    /// Audited; its findings when it has any.
    Audited(Option<PackageFindings>),
}

/// The outcomes of the targets of one package, each with its position.
fn audit_package(group: Vec<(usize, AuditTarget)>, data: &AdvisoryData) -> Vec<(usize, Outcome)> {
    let Some((_, first)) = group.first() else {
        return Vec::new();
    };
    let advisories = data
        .advisories
        .get(&first.name)
        .map_or(&[][..], Vec::as_slice);
    let name = first.name.clone();
    let mut matcher = PackageMatcher::new(&name, advisories);
    group
        .into_iter()
        .map(|(index, target)| (index, audit_target(target, data, &mut matcher)))
        .collect()
}

fn audit_target(
    target: AuditTarget,
    data: &AdvisoryData,
    matcher: &mut PackageMatcher<'_>,
) -> Outcome {
    if let Some(message) = data.unreachable.get(&target.name) {
        return Outcome::NotAudited(NotAudited {
            name: target.name.clone(),
            reason: NotAuditedReason::SourceUnreachable {
                message: message.clone(),
            },
            location: target_location(&target),
        });
    }
    let (hits, unorderable) = match_target(&target, matcher);
    if unorderable && hits.is_empty() {
        return Outcome::NotAudited(NotAudited {
            name: target.name.clone(),
            reason: NotAuditedReason::InvalidVersion {
                version: target.version.to_string(),
            },
            location: target_location(&target),
        });
    }
    if hits.is_empty() {
        return Outcome::Audited(None);
    }
    Outcome::Audited(Some(PackageFindings {
        target,
        findings: merge_hits(hits),
    }))
}

fn target_location(target: &AuditTarget) -> Option<tend_model::Location> {
    match &target.origin {
        TargetOrigin::Installed => None,
        TargetOrigin::Declared { location } | TargetOrigin::Resolved { location } => {
            Some(location.clone())
        }
    }
}

/// The hits of one target, and whether a non-PEP 440 version met ranges it cannot be
/// compared with (so the absence of a hit proves nothing).
fn match_target<'a>(
    target: &AuditTarget,
    matcher: &mut PackageMatcher<'a>,
) -> (Vec<Hit<'a>>, bool) {
    let mut hits = Vec::new();
    let mut unorderable = false;
    let advisories = matcher.advisories();
    for (index, advisory) in advisories.iter().enumerate() {
        if let Some(hit) = matcher.match_at(index, &target.version) {
            hits.push(hit);
        } else if matches!(target.version, DistVersion::Legacy(_))
            && !advisory.is_withdrawn()
            && advisory
                .affected
                .iter()
                .any(|affected| affected.package == target.name && has_ranges(affected))
        {
            unorderable = true;
        }
    }
    (hits, unorderable)
}

fn has_ranges(affected: &crate::Affected) -> bool {
    affected.ranges.iter().any(|range| {
        range
            .events
            .iter()
            .any(|event| matches!(event, Event::Introduced(Bound::Zero | Bound::Version(_))))
    })
}

/// Hides findings matched by a rule in force; reports expired and unused rules.
fn apply_ignore_rules(
    vulnerable: &mut Vec<PackageFindings>,
    options: &AuditOptions<'_>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<IgnoredFinding> {
    if options.ignore.is_empty() {
        // Nothing to hide or report: the findings stay where they are.
        return Vec::new();
    }
    let mut used = vec![false; options.ignore.len()];
    let mut ignored = Vec::new();
    for package in vulnerable.iter_mut() {
        let mut kept = Vec::new();
        for mut finding in std::mem::take(&mut package.findings) {
            let rule = options
                .ignore
                .iter()
                .enumerate()
                .find(|(_, rule)| finding.ids().any(|id| *id == rule.id));
            let Some((index, rule)) = rule else {
                kept.push(finding);
                continue;
            };
            used[index] = true;
            match expiry(rule, &finding, options.today) {
                None => ignored.push(IgnoredFinding {
                    target: package.target.clone(),
                    finding,
                    rule: rule.clone(),
                }),
                Some(why) => {
                    let mut diagnostic = Diagnostic::new(
                        Code::IgnoreExpired,
                        Severity::Warning,
                        format!(
                            "the ignore rule for {} no longer applies ({why}): {} {} is reported again",
                            rule.id, package.target.name, package.target.version
                        ),
                    )
                    .with_package(package.target.name.clone())
                    .with_note(format!("reason given: {}", rule.reason));
                    if let Some(owner) = &rule.owner {
                        diagnostic = diagnostic.with_note(format!("owner: {owner}"));
                    }
                    if let Some(location) = &rule.location {
                        diagnostic = diagnostic.with_location(location.clone());
                    }
                    diagnostics.push(diagnostic);
                    finding.expired_ignore = Some(rule.clone());
                    kept.push(finding);
                }
            }
        }
        package.findings = kept;
    }
    vulnerable.retain(|package| !package.findings.is_empty());

    for (rule, used) in options.ignore.iter().zip(used) {
        if !used {
            let mut diagnostic = Diagnostic::new(
                Code::IgnoreUnused,
                Severity::Note,
                format!(
                    "the ignore rule for {} matches no finding; remove it if the advisory no longer applies",
                    rule.id
                ),
            );
            if let Some(location) = &rule.location {
                diagnostic = diagnostic.with_location(location.clone());
            }
            diagnostics.push(diagnostic);
        }
    }
    ignored.sort_by(|a, b| {
        a.target
            .cmp(&b.target)
            .then_with(|| a.finding.id.cmp(&b.finding.id))
    });
    ignored
}

/// Why a rule no longer hides a finding, or `None` while it does.
fn expiry(rule: &IgnoreRuleRef, finding: &Finding, today: Date) -> Option<String> {
    if let Some(until) = rule.until {
        if today > until {
            return Some(format!("it expired on {until}"));
        }
    }
    if rule.until_fixed {
        if let Fix::Version { version } = &finding.fix {
            return Some(format!("a fix is available: {version}"));
        }
    }
    None
}

fn staleness(report: &AuditReport, options: &AuditOptions<'_>) -> Option<Diagnostic> {
    let max_age = options.max_age?;
    let max_age = jiff::SignedDuration::try_from(max_age).ok()?;
    let newest = report.newest_modified()?;
    let age = options.now.duration_since(newest);
    (age > max_age).then(|| {
        Diagnostic::new(
            Code::StaleDatabase,
            Severity::Warning,
            format!(
                "the newest advisory is {} days old, more than the policy's limit of {} days",
                age.as_hours() / 24,
                max_age.as_hours() / 24
            ),
        )
        .with_note("run `tend db update` to fetch current advisories")
    })
}
