//! The short summary `tend scan` ends with: what the project has, what is wrong, what to run next.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;
use tend_model::jiff::{SignedDuration, Timestamp};
use tend_model::{AuditReport, Code, Diagnostic, Fix, Inventory, Severity};

use crate::{AuditSummary, DisplayOptions, SCHEMA_VERSION};

mod markdown;
pub use markdown::scan_markdown;

/// The advisory stage of a scan: its report, or why it did not run.
#[derive(Debug, Clone, Copy)]
pub enum AuditStage<'a> {
    Ran {
        report: &'a AuditReport,
        now: Timestamp,
    },
    NotRun {
        reason: &'a str,
    },
}

/// The outdated stage of a scan: its report, or why it did not run.
/// OWNER of the rendering: helper "outdated-report".
#[derive(Debug, Clone, Copy)]
pub enum OutdatedStage<'a> {
    Ran {
        report: &'a tend_model::OutdatedReport,
    },
    NotRun {
        reason: &'a str,
    },
}

/// The plan stage of a scan: the update plan made from the audit and outdated stages (without
/// the pre-flight resolution, which `tend plan` runs), or why it was not made.
#[derive(Debug, Clone, Copy)]
pub enum PlanStage<'a> {
    Ran { plan: &'a tend_plan::Plan },
    NotRun { reason: &'a str },
}

/// Said when [`PlanOverview::without_deadlines`].
pub(crate) const NO_DEADLINES: &str = "no due dates: no category with work sets an SLA";

/// How many overdue items the scan names, most overdue first.
pub(crate) const OVERDUE_LISTED: usize = 3;

/// One item of the plan as the scan names it: a deadline and, past it, by how long.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct DueItem {
    pub name: tend_model::PackageName,
    pub from: tend_model::Version,
    pub to: tend_model::Version,
    pub category: String,
    pub due: Timestamp,
    #[serde(rename = "overdue_by_seconds", skip_serializing_if = "Option::is_none")]
    pub overdue_by: Option<i64>,
}

impl DueItem {
    fn new(item: &tend_plan::Item, due: Timestamp) -> Self {
        Self {
            name: item.name.clone(),
            from: item.from.clone(),
            to: item.to.clone(),
            category: item.category.clone(),
            due,
            overdue_by: item.overdue_by.map(|late| late.as_secs()),
        }
    }

    /// `flask 2.2.3 -> 2.2.5 (critical)`.
    pub(crate) fn describe(&self) -> String {
        format!(
            "{} {} -> {} ({})",
            self.name, self.from, self.to, self.category
        )
    }

    /// `52d 12h`, for an overdue item.
    pub(crate) fn late(&self) -> String {
        self.overdue_by
            .map(|seconds| tend_plan::format_duration(SignedDuration::from_secs(seconds)))
            .unwrap_or_default()
    }
}

/// What the scan shows of the plan, in every format: the counts, the next deadline not yet
/// passed, and the items most overdue.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct PlanOverview {
    pub items: usize,
    pub security: usize,
    pub held: usize,
    pub overdue: usize,
    pub deferred: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub overall_risk: Option<tend_plan::Risk>,
    /// The item with the earliest due date still ahead; `None` when no item has one.
    pub next_due: Option<DueItem>,
    /// Overdue items, most overdue first, at most [`OVERDUE_LISTED`].
    pub most_overdue: Vec<DueItem>,
}

impl PlanOverview {
    pub(crate) fn new(plan: &tend_plan::Plan) -> Self {
        let items = || plan.phases.iter().flat_map(|phase| &phase.items);
        let next_due = items()
            .filter(|item| item.overdue_by.is_none())
            .filter_map(|item| item.due.map(|due| (due, item)))
            .min_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.name.cmp(&b.1.name)))
            .map(|(due, item)| DueItem::new(item, due));
        let mut overdue: Vec<(&tend_plan::Item, Timestamp)> = items()
            .filter(|item| item.overdue_by.is_some())
            .filter_map(|item| item.due.map(|due| (item, due)))
            .collect();
        overdue.sort_by(|a, b| {
            b.0.overdue_by
                .cmp(&a.0.overdue_by)
                .then_with(|| a.0.name.cmp(&b.0.name))
        });
        let summary = &plan.summary;
        Self {
            items: summary.items,
            security: summary.security,
            held: summary.held,
            overdue: summary.overdue,
            deferred: summary.deferred,
            overall_risk: summary.overall_risk,
            next_due,
            most_overdue: overdue
                .into_iter()
                .take(OVERDUE_LISTED)
                .map(|(item, due)| DueItem::new(item, due))
                .collect(),
        }
    }

    /// Work is planned but no item has a due date (its category sets no SLA).
    pub(crate) fn without_deadlines(&self) -> bool {
        self.items > 0 && self.next_due.is_none() && self.most_overdue.is_empty()
    }

    /// `5 updates (2 security, 1 held, 3 overdue), 2 deferred; overall risk high`.
    pub(crate) fn message(&self) -> String {
        if self.items == 0 && self.deferred == 0 {
            return "nothing to update".to_string();
        }
        let risk = self
            .overall_risk
            .map(|risk| format!("; overall risk {}", risk.as_str()))
            .unwrap_or_default();
        format!(
            "{} ({} security, {} held, {} overdue), {} deferred{risk}",
            crate::text::counted(self.items, "update"),
            self.security,
            self.held,
            self.overdue,
            self.deferred
        )
    }
}

/// Counts behind the summary, shared by the text and JSON forms.
#[derive(Debug, Clone, Serialize)]
pub struct ScanSummary {
    pub distributions: Option<usize>,
    pub sources: usize,
    pub declarations: usize,
    pub packages: usize,
    pub errors: usize,
    pub warnings: usize,
    pub notes: usize,
    /// Findings per code, for the one-line overview.
    pub by_code: BTreeMap<Code, usize>,
}

impl ScanSummary {
    pub fn new(inventory: &Inventory, findings: &[Diagnostic]) -> Self {
        let count = |severity| {
            findings
                .iter()
                .filter(|finding| finding.severity == severity)
                .count()
        };
        let mut by_code = BTreeMap::new();
        for finding in findings {
            *by_code.entry(finding.code).or_insert(0) += 1;
        }
        Self {
            distributions: inventory
                .environment
                .as_ref()
                .map(|environment| environment.distributions.len()),
            sources: inventory.sources.len(),
            declarations: inventory.declarations.len(),
            packages: inventory.packages().len(),
            errors: count(Severity::Error),
            warnings: count(Severity::Warning),
            notes: count(Severity::Note),
            by_code,
        }
    }
}

/// How many findings the summary lists before pointing at `tend check`.
const LISTED: usize = 10;

// One argument per stage, as every scan renderer takes them.
#[allow(clippy::too_many_arguments)]
pub fn scan_text(
    inventory: &Inventory,
    findings: &[Diagnostic],
    summary: &ScanSummary,
    audit: AuditStage<'_>,
    outdated: OutdatedStage<'_>,
    plan: PlanStage<'_>,
    next: &str,
    options: &DisplayOptions,
) -> String {
    let mut out = String::new();
    match &inventory.environment {
        Some(environment) => {
            let _ = writeln!(
                out,
                "environment  {}",
                crate::text::describe_environment(environment, options)
            );
        }
        None => out.push_str("environment  none found (declarations only)\n"),
    }
    let _ = writeln!(
        out,
        "declared     {} declarations in {} source{}",
        summary.declarations,
        summary.sources,
        if summary.sources == 1 { "" } else { "s" }
    );
    if findings.is_empty() {
        out.push_str("health       no problems\n");
    } else {
        let codes: Vec<String> = summary
            .by_code
            .iter()
            .map(|(code, count)| format!("{code} {count}"))
            .collect();
        let _ = writeln!(
            out,
            "health       {}, {}, {} ({})",
            crate::text::counted(summary.errors, "error"),
            crate::text::counted(summary.warnings, "warning"),
            crate::text::counted(summary.notes, "note"),
            codes.join(", ")
        );
        let mut sorted: Vec<&Diagnostic> = findings.iter().collect();
        sorted.sort_by_key(|finding| std::cmp::Reverse(finding.severity));
        for finding in sorted.iter().take(LISTED) {
            let package = finding
                .package
                .as_ref()
                .map(|p| format!("{p}: "))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "  {:<7} {package}{}",
                finding.severity.to_string(),
                finding.message
            );
        }
        if findings.len() > LISTED {
            let _ = writeln!(out, "  … and {} more", findings.len() - LISTED);
        }
    }
    match audit {
        AuditStage::NotRun { reason } => {
            let _ = writeln!(out, "advisories   not checked: {reason}");
        }
        AuditStage::Ran { report, now } => audit_lines(&mut out, report, now),
    }
    match outdated {
        OutdatedStage::NotRun { reason } => {
            let _ = writeln!(out, "outdated     not run: {reason}");
        }
        OutdatedStage::Ran { report } => outdated_lines(&mut out, report),
    }
    match plan {
        PlanStage::NotRun { reason } => {
            let _ = writeln!(out, "plan         not made: {reason}");
        }
        PlanStage::Ran { plan } => plan_lines(&mut out, &PlanOverview::new(plan)),
    }
    let _ = writeln!(out, "next         {next}");
    out
}

/// The advisory lines: the audit's one-line summary, the most severe findings, the data's age.
fn audit_lines(out: &mut String, report: &AuditReport, now: Timestamp) {
    let summary = AuditSummary::new(report, now);
    let _ = writeln!(out, "advisories   {}", summary.message);
    let rows = audit_rows(report);
    for (rating, row) in rows.iter().take(LISTED) {
        let _ = writeln!(out, "  {:<8} {row}", rating.to_string());
    }
    if rows.len() > LISTED {
        let _ = writeln!(out, "  … and {} more", rows.len() - LISTED);
    }
    let _ = writeln!(out, "             {}", advisory_data_line(report, &summary));
}

/// `9 advisory records from 1 source, newest record 793 days old`.
pub(crate) fn advisory_data_line(report: &AuditReport, summary: &AuditSummary) -> String {
    let records: usize = report.sources.iter().map(|source| source.records).sum();
    let age = summary
        .database_age_days
        .map(|days| format!(", newest record {days} days old"))
        .unwrap_or_default();
    format!(
        "{} from {}{age}",
        crate::text::counted(records, "advisory record"),
        crate::text::counted(report.sources.len(), "source"),
    )
}

/// One row per finding, `certifi 2022.12.7: PYSEC-2023-135 (fix 2023.7.22)`, most severe first.
pub(crate) fn audit_rows(report: &AuditReport) -> Vec<(tend_model::SeverityRating, String)> {
    let mut rows: Vec<(tend_model::SeverityRating, String)> = Vec::new();
    for package in &report.vulnerable {
        for finding in &package.findings {
            let fix = match &finding.fix {
                Fix::Version { version } => format!("fix {version}"),
                Fix::None => "no fix".to_string(),
            };
            rows.push((
                finding.severity.rating,
                format!(
                    "{} {}: {} ({fix})",
                    package.target.name, package.target.version, finding.id
                ),
            ));
        }
    }
    rows.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    rows
}

/// How many packages the outdated lines name before pointing at `tend outdated`.
const OUTDATED_LISTED: usize = 5;
/// How many characters of a yank reason the outdated lines show.
const YANK_REASON_WIDTH: usize = 60;

/// The outdated lines: the report's one-line summary, then the packages that most need a look
/// (unknown to the index, yanked, the major updates furthest behind), then the data's age,
/// counted to when the report was made.
fn outdated_lines(out: &mut String, report: &tend_model::OutdatedReport) {
    let summary = crate::OutdatedSummary::new(report);
    let _ = writeln!(out, "outdated     {}", summary.message);
    let rows = outdated_rows(report);
    for (label, row) in rows.iter().take(OUTDATED_LISTED) {
        let _ = writeln!(out, "  {label:<8} {row}");
    }
    if rows.len() > OUTDATED_LISTED {
        let _ = writeln!(out, "  … and {} more", rows.len() - OUTDATED_LISTED);
    }
    if let Some(line) = index_data_line(report) {
        let _ = writeln!(out, "             {line}");
    }
}

/// The packages that most need a look, labelled: unknown to the index, yanked, then the major
/// updates furthest behind.
pub(crate) fn outdated_rows(report: &tend_model::OutdatedReport) -> Vec<(&'static str, String)> {
    let mut rows: Vec<(&str, String)> = Vec::new();
    let mut unknown: Vec<&tend_model::UnknownPackage> = report.unknown.iter().collect();
    unknown.sort_by(|a, b| a.name.cmp(&b.name));
    for package in unknown {
        let current = package
            .current
            .as_ref()
            .map(|version| format!(" {version}"))
            .unwrap_or_default();
        rows.push((
            "unknown",
            format!(
                "{}{current}: no index knows it (typo or dependency confusion?)",
                package.name
            ),
        ));
    }
    let mut packages: Vec<&tend_model::OutdatedPackage> = report.packages.iter().collect();
    packages.sort_by(|a, b| a.name.cmp(&b.name));
    for package in &packages {
        let Some(release) = package
            .current_release
            .as_ref()
            .filter(|release| release.yanked)
        else {
            continue;
        };
        let reason = release
            .yank_reason
            .as_deref()
            .map(|reason| format!(" ({})", crate::words::truncate(reason, YANK_REASON_WIDTH)))
            .unwrap_or_default();
        rows.push((
            "yanked",
            format!(
                "{} {}: yanked from the index{reason}",
                package.name, release.version
            ),
        ));
    }
    let mut major: Vec<&&tend_model::OutdatedPackage> = packages
        .iter()
        .filter(|package| package.change == Some(tend_model::ChangeKind::Major))
        .collect();
    major.sort_by(|a, b| b.behind.cmp(&a.behind).then_with(|| a.name.cmp(&b.name)));
    for package in major {
        let (Some(current), Some(latest)) = (&package.current, &package.latest) else {
            continue;
        };
        rows.push((
            "major",
            format!(
                "{} {current} -> {}, {} behind",
                package.name,
                latest.version,
                crate::text::counted(package.behind, "release")
            ),
        ));
    }
    rows
}

/// Where the index data came from and how old it is, counted to when the report was made;
/// `None` when nothing was looked up (the summary line has said so).
pub(crate) fn index_data_line(report: &tend_model::OutdatedReport) -> Option<String> {
    let data = &report.data;
    let age = report
        .data
        .oldest
        .map(|oldest| crate::outdated::long_age(report.generated.duration_since(oldest)));
    if data.requests == 0 && data.from_cache == 0 {
        // Nothing was looked up: the summary line has said so.
        return None;
    }
    let line = if report.settings.offline {
        match age {
            Some(age) => format!("index data from the cache (--offline), the oldest {age} old"),
            None => "index data from the cache (--offline)".to_string(),
        }
    } else {
        let age = age
            .map(|age| format!(", the oldest {age} old"))
            .unwrap_or_default();
        format!(
            "index data: {} requested, {} from the cache{age}",
            crate::text::counted(data.requests, "page"),
            data.from_cache
        )
    };
    Some(line)
}

/// The plan lines: the counts, the most overdue items and by how long, the next deadline.
fn plan_lines(out: &mut String, overview: &PlanOverview) {
    let _ = writeln!(out, "plan         {}", overview.message());
    for item in &overview.most_overdue {
        let _ = writeln!(out, "  overdue  {}, by {}", item.describe(), item.late());
    }
    if overview.overdue > overview.most_overdue.len() {
        let _ = writeln!(
            out,
            "  … and {} more overdue",
            overview.overdue - overview.most_overdue.len()
        );
    }
    match &overview.next_due {
        Some(item) => {
            let _ = writeln!(
                out,
                "  next due {}, {}",
                item.describe(),
                crate::words::minute(item.due)
            );
        }
        None if overview.without_deadlines() => {
            let _ = writeln!(out, "  {NO_DEADLINES}");
        }
        None => {}
    }
}

#[derive(Serialize)]
struct ScanDocument<'a> {
    schema_version: u32,
    kind: &'static str,
    summary: &'a ScanSummary,
    findings: &'a [Diagnostic],
    /// The audit document (`kind: "audit"`), or `null` when the stage did not run.
    audit: Option<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    audit_not_run: Option<&'a str>,
    /// The outdated stage: a `kind: "outdated"` document listing only the outdated packages,
    /// or `null` when it did not run.
    outdated: Option<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    outdated_not_run: Option<&'a str>,
    /// The plan's counts, next deadline and most overdue items, or `null` when it was not made.
    plan: Option<PlanOverview>,
    #[serde(skip_serializing_if = "Option::is_none")]
    plan_not_run: Option<&'a str>,
    next: &'a str,
}

pub fn scan_json(
    findings: &[Diagnostic],
    summary: &ScanSummary,
    audit: AuditStage<'_>,
    outdated: OutdatedStage<'_>,
    plan: PlanStage<'_>,
    next: &str,
) -> serde_json::Value {
    let (audit, audit_not_run) = match audit {
        AuditStage::Ran { report, now } => (Some(crate::audit_json(report, now)), None),
        AuditStage::NotRun { reason } => (None, Some(reason)),
    };
    let (outdated, outdated_not_run) = match outdated {
        OutdatedStage::Ran { report } => (Some(crate::outdated::outdated_scan_json(report)), None),
        OutdatedStage::NotRun { reason } => (None, Some(reason)),
    };
    let (plan, plan_not_run) = match plan {
        PlanStage::Ran { plan } => (Some(PlanOverview::new(plan)), None),
        PlanStage::NotRun { reason } => (None, Some(reason)),
    };
    serde_json::to_value(ScanDocument {
        schema_version: SCHEMA_VERSION,
        kind: "scan",
        summary,
        findings,
        audit,
        audit_not_run,
        outdated,
        outdated_not_run,
        plan,
        plan_not_run,
        next,
    })
    .unwrap_or_default()
}
