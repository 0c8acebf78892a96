//! The update plan behind `tend plan`: which packages move, to which version, in what order
//! and by when, and why. Owns the planning rules (target version, cooldown, SLA clock, risk,
//! deferral) and the plan's table and JSON renderings. Pure: the caller hands in the policy's
//! categories, the audit, the outdated report and the clock; nothing is read or fetched here.
//!
//! # Rules
//!
//! - **Work.** A package is planned when it has a newer release on its index (the outdated
//!   report's passing releases, [`OutdatedPackage::newer`]) or an open advisory with a known
//!   fixed version. Packages with no comparable current version are left out.
//! - **Category.** [`Categories::category_for`], with `vulnerable` set when the audit has an
//!   open (not ignored) advisory for the package; the plan shows why it matched.
//! - **Target.** The newest release the category's strategy allows
//!   ([`UpdateStrategy::ceiling`]), never below the smallest version that fixes every open
//!   advisory with a known fix. When the strategy allows no release that high, or the index
//!   lists none, the package is deferred with what it would fix; so is a vulnerable package
//!   the outdated report did not compare, with the fixed version its advisories name. Under `pin-major` a newer
//!   major release is listed as deferred too, with the advisories only it would fix.
//! - **Minimal fix.** A category written `target = "minimal-fix"` moves a security update to
//!   the smallest allowed release that fixes every open advisory (and passes the cooldown)
//!   instead of the newest; updates that fix nothing are unaffected. Each item says which
//!   target rule chose its version.
//! - **Cooldown.** An ordinary update proposes only releases at least the category's
//!   `min-age` old; an update that fixes an open advisory uses `security-min-age` instead. A
//!   release with no upload time never passes a minimum age. When no allowed release is old
//!   enough, the item is held, with the release that becomes eligible first and when.
//! - **Clock.** A security update's SLA clock starts at the earliest `published` date of the
//!   advisories it fixes; any other update's at the upload time of the first release newer
//!   than the current one. Due = start + the category's SLA; past due, the item says by how
//!   long. With no start or no SLA there is no due date (and the item says so).
//! - **Risk.** Patch (or smaller) change: low; minor: medium; major: high. An update that
//!   fixes an advisory is one level higher (at most critical): it is both urgent and a change.
//! - **Pre-flight.** [`plan`] does not resolve anything: the caller resolves the proposed
//!   set (with uv) and records the outcome with [`Plan::set_preflight`]; an item that cannot
//!   be resolved with the rest is moved to the deferred list by [`Plan::hold_back`], with the
//!   resolver's conflict as the reason.
//! - **Command.** `uv pip install 'name==version'`, the installer the rest of the update
//!   stage uses.
//!
//! Renderings: a terminal table and the JSON document (`render`), and Markdown for a ticket or
//! an update log (`markdown`).

mod markdown;
mod render;

use std::collections::BTreeMap;

use jiff::{SignedDuration, Timestamp};
use pep440_rs::Version;
use serde::Serialize;
use tend_model::{
    AdvisoryId, AuditReport, ChangeKind, Fix, OutdatedPackage, OutdatedReport, PackageName,
    ReleaseInfo, SeverityRating,
};
use tend_policy::{Categories, Category, MatchReason, Target, UpdateStrategy};

pub use markdown::markdown;
/// `3d 4h`: a duration as the plan's renderings write it (two largest units), for other
/// reports that show a plan's deadlines.
pub use render::duration as format_duration;
pub use render::{json_text, table};

/// The installer the plan's commands use.
pub const INSTALLER: &str = "uv pip install";

/// What a plan is made from.
#[derive(Debug, Clone, Copy)]
pub struct PlanInput<'a> {
    pub now: Timestamp,
    pub categories: &'a Categories,
    pub audit: &'a AuditReport,
    /// Compared with no minimum age and the `major` strategy, so that every passing newer
    /// release is in [`OutdatedPackage::newer`]; the plan applies each category's rules.
    pub outdated: &'a OutdatedReport,
}

/// The plan: phases in category order, deferred updates, and a summary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Plan {
    pub generated: Timestamp,
    pub installer: &'static str,
    pub phases: Vec<Phase>,
    pub deferred: Vec<Deferred>,
    /// Whether the proposed set resolves together.
    pub preflight: Preflight,
    pub summary: Summary,
}

/// The pre-flight resolution check of the items to apply now (held items are not applied, so
/// not resolved).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "kebab-case")]
pub enum Preflight {
    /// Not checked; `reason` says why (no resolver, turned off, no items, an error that is not
    /// a conflict).
    NotRun { reason: String },
    /// Every item to apply now resolved together with the project's other requirements.
    Passed {
        /// The resolver and its version, e.g. `uv 0.9.7`.
        resolver: String,
        /// How many items were resolved.
        items: usize,
    },
    /// Some items could not be resolved with the rest; they are deferred with reason
    /// [`DeferReason::Conflict`], and the others resolved together.
    HeldBack {
        resolver: String,
        items: usize,
        held_back: Vec<PackageName>,
    },
}

/// The updates of one category.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Phase {
    pub category: String,
    #[serde(
        rename = "sla_seconds",
        skip_serializing_if = "Option::is_none",
        serialize_with = "seconds"
    )]
    pub sla: Option<SignedDuration>,
    pub strategy: &'static str,
    pub items: Vec<Item>,
}

/// One package's update.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Item {
    pub name: PackageName,
    pub from: Version,
    pub to: Version,
    pub change: ChangeKind,
    pub category: String,
    pub matched: Matched,
    pub reasons: Vec<Reason>,
    pub clock: SlaClock,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due: Option<Timestamp>,
    #[serde(
        rename = "overdue_by_seconds",
        skip_serializing_if = "Option::is_none",
        serialize_with = "seconds"
    )]
    pub overdue_by: Option<SignedDuration>,
    /// Which target rule chose `to`: `newest` or `minimal-fix` (the category's `target`,
    /// which applies to security updates only).
    pub target: &'static str,
    pub cooldown: Cooldown,
    pub risk: Risk,
    pub command: String,
}

impl Item {
    /// Still inside its cooldown: shown, not yet to be applied.
    pub fn is_held(&self) -> bool {
        !self.cooldown.passed
    }

    fn is_security(&self) -> bool {
        self.cooldown.rule == CooldownRule::Security
    }
}

/// Why a package is in its category.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Matched {
    /// The category names it.
    Exact,
    /// A glob of the category matches it.
    Glob { glob: String },
    /// It has an open advisory; `marked`: the category is written `vulnerable = true` (else
    /// it is the most urgent by default).
    Vulnerable { marked: bool },
    /// No category names it.
    Fallback,
}

impl Matched {
    fn new(reason: &MatchReason) -> Self {
        match reason {
            MatchReason::Exact => Self::Exact,
            MatchReason::Glob(glob) => Self::Glob { glob: glob.clone() },
            MatchReason::Vulnerable { marked } => Self::Vulnerable { marked: *marked },
            MatchReason::Fallback => Self::Fallback,
        }
    }
}

/// One advisory an update fixes (or would fix).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AdvisoryRef {
    pub id: AdvisoryId,
    pub severity: SeverityRating,
    /// The smallest version that fixes it.
    pub fixed_in: Version,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub published: Option<Timestamp>,
}

/// Why an item is in the plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Reason {
    /// The target fixes an open advisory.
    Fixes { advisory: AdvisoryRef },
    /// A newer release is available; `latest` is the newest on the index.
    UpdateAvailable { latest: Version },
}

/// What started an item's SLA clock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum ClockStart {
    /// The earliest `published` date of the advisories the update fixes.
    AdvisoryPublished { id: AdvisoryId },
    /// The upload time of the first release newer than the current one.
    FirstNewerRelease { version: Version },
    /// Neither is known (an advisory without `published`, a release without upload time).
    Unknown,
}

/// The inputs of an item's due date, shown so that a reviewer can check it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SlaClock {
    pub start: ClockStart,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub started: Option<Timestamp>,
    /// The category's SLA; `None` for a fallback category without one.
    #[serde(
        rename = "sla_seconds",
        skip_serializing_if = "Option::is_none",
        serialize_with = "seconds"
    )]
    pub sla: Option<SignedDuration>,
}

/// Which minimum release age applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CooldownRule {
    /// The category's `min-age`.
    Ordinary,
    /// The category's `security-min-age`: the release fixes an open advisory.
    Security,
}

/// The cooldown check of an item's target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cooldown {
    pub rule: CooldownRule,
    #[serde(
        rename = "min_age_seconds",
        skip_serializing_if = "Option::is_none",
        serialize_with = "seconds"
    )]
    pub min_age: Option<SignedDuration>,
    /// The target's upload time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uploaded: Option<Timestamp>,
    /// The target is old enough; false: the item is held.
    pub passed: bool,
    /// When a held target becomes eligible; `None` when its upload time is unknown.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub eligible: Option<Timestamp>,
}

/// How risky (and urgent) an update is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Risk {
    Low,
    Medium,
    High,
    Critical,
}

impl Risk {
    pub const ALL: [Self; 4] = [Self::Low, Self::Medium, Self::High, Self::Critical];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
            Self::Critical => "critical",
        }
    }

    fn of(change: ChangeKind, security: bool) -> Self {
        let base = match change {
            ChangeKind::Other | ChangeKind::Patch => Self::Low,
            ChangeKind::Minor => Self::Medium,
            ChangeKind::Major => Self::High,
        };
        if !security {
            return base;
        }
        match base {
            Self::Low => Self::Medium,
            Self::Medium => Self::High,
            Self::High | Self::Critical => Self::Critical,
        }
    }
}

/// Why an update is not in the plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum DeferReason {
    /// `pin-major`: a newer major release is held back on purpose.
    PinMajor,
    /// Every release that fixes the open advisories is beyond the category's strategy.
    FixBeyondStrategy { strategy: &'static str },
    /// The index lists no passing release that fixes the open advisories.
    FixNotOnIndex,
    /// The package was not compared with an index (unknown to it, not cached offline, an
    /// index error, a direct reference), so no release can be proposed; the advisory's fixed
    /// version is shown.
    NotCompared,
    /// The pre-flight resolution could not install this update together with the rest of the
    /// plan and the project's requirements; `conflict` is the resolver's explanation.
    Conflict { conflict: String },
}

/// An update the plan does not make, and what it would fix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Deferred {
    pub name: PackageName,
    pub from: Version,
    pub to: Version,
    pub change: ChangeKind,
    pub category: String,
    pub reason: DeferReason,
    pub would_fix: Vec<AdvisoryRef>,
}

/// Items of one category.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CategoryCount {
    pub category: String,
    pub items: usize,
    pub held: usize,
    pub overdue: usize,
    pub deferred: usize,
}

/// Counts for the reader in a hurry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub items: usize,
    pub held: usize,
    pub overdue: usize,
    pub deferred: usize,
    pub security: usize,
    /// Categories with work, in category order.
    pub by_category: Vec<CategoryCount>,
    /// Items per risk level, every level listed.
    pub by_risk: BTreeMap<Risk, usize>,
    /// The highest risk of any item; `None` with no items.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub overall_risk: Option<Risk>,
}

/// Makes the plan.
pub fn plan(input: &PlanInput<'_>) -> Plan {
    let mut items: Vec<Item> = Vec::new();
    let mut deferred = Vec::new();
    for package in &input.outdated.packages {
        plan_package(input, package, &mut items, &mut deferred);
    }
    not_compared(input, &mut deferred);

    let mut phases = Vec::new();
    let categories = input
        .categories
        .iter()
        .chain(std::iter::once(input.categories.fallback()));
    for category in categories {
        let mut phase_items: Vec<Item> = items
            .iter()
            .filter(|item| item.category == category.name)
            .cloned()
            .collect();
        if phase_items.is_empty() {
            continue;
        }
        // Most pressing first: earliest due date, undated last, then by name.
        phase_items.sort_by(|a, b| {
            (a.due.is_none(), a.due, &a.name).cmp(&(b.due.is_none(), b.due, &b.name))
        });
        phases.push(Phase {
            category: category.name.clone(),
            sla: category.sla.and_then(signed),
            strategy: category.strategy.as_str(),
            items: phase_items,
        });
    }
    let summary = summarize(input.categories, &phases, &deferred);
    Plan {
        generated: input.now,
        installer: INSTALLER,
        phases,
        deferred,
        preflight: Preflight::NotRun {
            reason: "not checked".to_string(),
        },
        summary,
    }
}

impl Plan {
    /// The items to apply now, in phase order: every item whose cooldown has passed. These
    /// are what a pre-flight check resolves.
    pub fn ready_items(&self) -> impl Iterator<Item = &Item> {
        self.phases
            .iter()
            .flat_map(|phase| &phase.items)
            .filter(|item| !item.is_held())
    }

    /// Records the outcome of the pre-flight resolution check.
    pub fn set_preflight(&mut self, preflight: Preflight) {
        self.preflight = preflight;
    }

    /// Moves `name`'s item out of its phase into the deferred list, because the resolver could
    /// not fit it with the rest; the summary is counted again. Returns false when the plan has
    /// no item for `name`.
    pub fn hold_back(
        &mut self,
        categories: &Categories,
        name: &PackageName,
        conflict: &str,
    ) -> bool {
        let mut found = None;
        for phase in &mut self.phases {
            if let Some(index) = phase.items.iter().position(|item| &item.name == name) {
                found = Some(phase.items.remove(index));
                break;
            }
        }
        let Some(item) = found else {
            return false;
        };
        self.phases.retain(|phase| !phase.items.is_empty());
        let would_fix = item
            .reasons
            .iter()
            .filter_map(|reason| match reason {
                Reason::Fixes { advisory } => Some(advisory.clone()),
                Reason::UpdateAvailable { .. } => None,
            })
            .collect();
        self.deferred.push(Deferred {
            name: item.name,
            from: item.from,
            to: item.to,
            change: item.change,
            category: item.category,
            reason: DeferReason::Conflict {
                conflict: conflict.to_string(),
            },
            would_fix,
        });
        self.summary = summarize(categories, &self.phases, &self.deferred);
        true
    }
}

/// Durations in the JSON are whole seconds, as in the other documents.
#[allow(clippy::ref_option, clippy::trivially_copy_pass_by_ref)]
fn seconds<S: serde::Serializer>(
    value: &Option<SignedDuration>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match value {
        Some(duration) => serializer.serialize_i64(duration.as_secs()),
        None => serializer.serialize_none(),
    }
}

fn signed(duration: std::time::Duration) -> Option<SignedDuration> {
    SignedDuration::try_from(duration).ok()
}

/// The open advisories of a package with a known PEP 440 fix, once per id.
fn fixable_advisories(audit: &AuditReport, name: &PackageName) -> (bool, Vec<AdvisoryRef>) {
    let mut open = false;
    let mut found: Vec<AdvisoryRef> = Vec::new();
    for package in audit.vulnerable.iter().filter(|p| &p.target.name == name) {
        for finding in &package.findings {
            open = true;
            let Fix::Version { version } = &finding.fix else {
                continue;
            };
            let Some(fixed_in) = version.pep440() else {
                continue;
            };
            if found.iter().any(|known| known.id == finding.id) {
                continue;
            }
            found.push(AdvisoryRef {
                id: finding.id.clone(),
                severity: finding.severity.rating,
                fixed_in: fixed_in.clone(),
                published: finding.published,
            });
        }
    }
    found.sort_by(|a, b| a.id.as_str().cmp(b.id.as_str()));
    (open, found)
}

fn old_enough(release: &ReleaseInfo, min_age: Option<SignedDuration>, now: Timestamp) -> bool {
    match min_age {
        None => true,
        Some(min_age) => release.age(now).is_some_and(|age| age >= min_age),
    }
}

fn eligible_at(release: &ReleaseInfo, min_age: Option<SignedDuration>) -> Option<Timestamp> {
    let uploaded = release.uploaded?;
    match min_age {
        None => Some(uploaded),
        Some(min_age) => uploaded.checked_add(min_age).ok(),
    }
}

fn plan_package(
    input: &PlanInput<'_>,
    package: &OutdatedPackage,
    items: &mut Vec<Item>,
    deferred: &mut Vec<Deferred>,
) {
    let Some(current) = package.current.as_ref().and_then(|c| c.pep440()) else {
        return;
    };
    let (vulnerable, fixable) = fixable_advisories(input.audit, &package.name);
    if package.newer.is_empty() && fixable.is_empty() {
        return;
    }
    let matched = input.categories.category_for(&package.name, vulnerable);
    let category = matched.category;
    let ceiling = category.strategy.ceiling();
    let minimal_fix = fixable.iter().map(|a| &a.fixed_in).max();
    let defer = |to: &Version, reason: DeferReason, would_fix: Vec<AdvisoryRef>| Deferred {
        name: package.name.clone(),
        from: current.clone(),
        to: to.clone(),
        change: ChangeKind::between(current, to),
        category: category.name.clone(),
        reason,
        would_fix,
    };

    let allowed: Vec<&ReleaseInfo> = package
        .newer
        .iter()
        .filter(|release| ceiling.permits(current, &release.version))
        .filter(|release| minimal_fix.is_none_or(|fix| release.version >= *fix))
        .collect();

    let mut planned_to: Option<Version> = None;
    if allowed.is_empty() {
        if let Some(fix) = minimal_fix {
            let beyond = package.newer.iter().find(|release| release.version >= *fix);
            match beyond {
                Some(release) => deferred.push(defer(
                    &release.version,
                    DeferReason::FixBeyondStrategy {
                        strategy: category.strategy.as_str(),
                    },
                    fixable.clone(),
                )),
                None => deferred.push(defer(fix, DeferReason::FixNotOnIndex, fixable.clone())),
            }
            return;
        }
    } else {
        let item = item(input, package, current, &matched, &allowed, &fixable);
        planned_to = Some(item.to.clone());
        items.push(item);
    }

    if category.strategy == UpdateStrategy::PinMajor {
        if let Some(newest) = package.newer.last() {
            let major = ChangeKind::between(current, &newest.version) == ChangeKind::Major;
            if major && planned_to.as_ref() != Some(&newest.version) {
                let would_fix = fixable
                    .iter()
                    .filter(|a| a.fixed_in <= newest.version)
                    .filter(|a| planned_to.as_ref().is_none_or(|to| a.fixed_in > *to))
                    .cloned()
                    .collect();
                deferred.push(defer(&newest.version, DeferReason::PinMajor, would_fix));
            }
        }
    }
}

/// A vulnerable package the outdated report did not compare must not drop out of the plan
/// silently: it is deferred with the fix the advisories name.
fn not_compared(input: &PlanInput<'_>, deferred: &mut Vec<Deferred>) {
    let mut seen: Vec<&PackageName> = Vec::new();
    for vulnerable in &input.audit.vulnerable {
        let name = &vulnerable.target.name;
        let compared = input
            .outdated
            .packages
            .iter()
            .any(|package| &package.name == name);
        if compared || seen.contains(&name) {
            continue;
        }
        seen.push(name);
        let Some(current) = vulnerable.target.version.pep440() else {
            continue;
        };
        let (_, fixable) = fixable_advisories(input.audit, name);
        let Some(fix) = fixable.iter().map(|a| a.fixed_in.clone()).max() else {
            continue;
        };
        let category = input.categories.category_for(name, true).category;
        deferred.push(Deferred {
            name: name.clone(),
            from: current.clone(),
            change: ChangeKind::between(current, &fix),
            to: fix,
            category: category.name.clone(),
            reason: DeferReason::NotCompared,
            would_fix: fixable,
        });
    }
}

fn item(
    input: &PlanInput<'_>,
    package: &OutdatedPackage,
    current: &Version,
    matched: &tend_policy::CategoryMatch<'_>,
    allowed: &[&ReleaseInfo],
    fixable: &[AdvisoryRef],
) -> Item {
    let category: &Category = matched.category;
    let security = !fixable.is_empty();
    let (rule, min_age) = if security {
        (CooldownRule::Security, category.security_min_age)
    } else {
        (CooldownRule::Ordinary, category.min_age)
    };
    let min_age = min_age.and_then(signed);
    let minimal = security && category.target == Target::MinimalFix;
    // `allowed` is oldest first and starts at the minimal fix, so for a minimal fix the first
    // release old enough is the answer, else the last.
    let old = |release: &&&ReleaseInfo| old_enough(release, min_age, input.now);
    let ready = if minimal {
        allowed.iter().find(old)
    } else {
        allowed.iter().rev().find(old)
    };
    // Held: the allowed release that becomes eligible first (unknown upload times last).
    let (target, passed) = if let Some(release) = ready {
        (*release, true)
    } else {
        let first = allowed
            .iter()
            .min_by_key(|release| {
                let at = eligible_at(release, min_age);
                (at.is_none(), at)
            })
            .copied()
            .unwrap_or(allowed[allowed.len() - 1]);
        (first, false)
    };
    let cooldown = Cooldown {
        rule,
        min_age,
        uploaded: target.uploaded,
        passed,
        eligible: if passed {
            None
        } else {
            eligible_at(target, min_age)
        },
    };

    let mut reasons: Vec<Reason> = fixable
        .iter()
        .map(|advisory| Reason::Fixes {
            advisory: advisory.clone(),
        })
        .collect();
    if let Some(newest) = package.newer.last() {
        reasons.push(Reason::UpdateAvailable {
            latest: newest.version.clone(),
        });
    }

    let (start, started) = if security {
        let earliest = fixable
            .iter()
            .filter_map(|a| a.published.map(|published| (published, &a.id)))
            .min();
        match earliest {
            Some((published, id)) => (
                ClockStart::AdvisoryPublished { id: id.clone() },
                Some(published),
            ),
            None => (ClockStart::Unknown, None),
        }
    } else {
        match package.newer.first() {
            Some(first) if first.uploaded.is_some() => (
                ClockStart::FirstNewerRelease {
                    version: first.version.clone(),
                },
                first.uploaded,
            ),
            _ => (ClockStart::Unknown, None),
        }
    };
    let sla = category.sla.and_then(signed);
    let due = started
        .zip(sla)
        .and_then(|(started, sla)| started.checked_add(sla).ok());
    let overdue_by = due
        .filter(|due| input.now > *due)
        .map(|due| input.now.duration_since(due));
    let change = ChangeKind::between(current, &target.version);
    Item {
        name: package.name.clone(),
        from: current.clone(),
        to: target.version.clone(),
        change,
        category: category.name.clone(),
        matched: Matched::new(&matched.reason),
        reasons,
        clock: SlaClock {
            start,
            started,
            sla,
        },
        due,
        overdue_by,
        target: if minimal {
            Target::MinimalFix.as_str()
        } else {
            Target::Newest.as_str()
        },
        cooldown,
        risk: Risk::of(change, security),
        command: format!("{INSTALLER} '{}=={}'", package.name, target.version),
    }
}

fn summarize(categories: &Categories, phases: &[Phase], deferred: &[Deferred]) -> Summary {
    let all_items = || phases.iter().flat_map(|phase| &phase.items);
    let mut by_category = Vec::new();
    let names = categories
        .iter()
        .chain(std::iter::once(categories.fallback()))
        .map(|category| category.name.as_str());
    for name in names {
        let items: Vec<&Item> = all_items().filter(|item| item.category == name).collect();
        let deferred_here = deferred.iter().filter(|d| d.category == name).count();
        if items.is_empty() && deferred_here == 0 {
            continue;
        }
        by_category.push(CategoryCount {
            category: name.to_string(),
            items: items.len(),
            held: items.iter().filter(|item| item.is_held()).count(),
            overdue: items
                .iter()
                .filter(|item| item.overdue_by.is_some())
                .count(),
            deferred: deferred_here,
        });
    }
    let mut by_risk: BTreeMap<Risk, usize> = Risk::ALL.iter().map(|risk| (*risk, 0)).collect();
    for item in all_items() {
        *by_risk.entry(item.risk).or_default() += 1;
    }
    Summary {
        items: all_items().count(),
        held: all_items().filter(|item| item.is_held()).count(),
        overdue: all_items().filter(|item| item.overdue_by.is_some()).count(),
        deferred: deferred.len(),
        security: all_items().filter(|item| item.is_security()).count(),
        by_category,
        by_risk,
        overall_risk: all_items().map(|item| item.risk).max(),
    }
}
