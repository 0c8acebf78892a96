use std::path::Path;

use anyhow::Result;
use tend_http::CacheMode;
use tend_model::{OutdatedReport, Strategy};
use tend_report::{AuditStage, OutdatedStage, PlanStage, ScanSummary};

use crate::cli::FailOn;
use crate::cli::{IndexArgs, ScanArgs, ScanFormat};
use crate::diagnostics::{print_warnings, ExitStatus};
use crate::settings::{NoIndex, ProjectSettings};

/// Every stage that exists, in data-flow order, then one short summary.
pub fn run(
    args: &ScanArgs,
    config: Option<&Path>,
    cache_dir: Option<&Path>,
    store: Option<&Path>,
) -> Result<ExitStatus> {
    let settings = ProjectSettings::resolve(&args.project, config)?;
    let now = crate::settings::now()?;
    let inventory = tend_inventory::load(&settings.inventory)?;
    // One look at the history for both warnings; the handle is closed before the scan runs.
    if let Some(history) = crate::settings::open_existing_store(store) {
        super::update::warn_if_interrupted(&history, &inventory);
        super::schedule::warn_if_late(&history, &settings.project, &settings.policy);
    }
    let options = settings.check_options(&args.selection, &inventory);
    let report = tend_check::check(&inventory, &options);
    let summary = ScanSummary::new(&inventory, &report.findings);

    // The advisory stage runs offline, from the policy's sources and the local database; with
    // neither, the scan says so rather than failing: the other stages still have news.
    let cache_dir = crate::settings::cache_dir(cache_dir)?;
    let audit = super::advisory_data::audit_offline(&settings, &inventory, &cache_dir, now)?;
    let stage = match &audit {
        Some(report) => AuditStage::Ran { report, now },
        None => AuditStage::NotRun {
            reason: "no advisory database; run `tend db update`",
        },
    };

    // The outdated stage asks the indexes the project already uses (policy, environment,
    // pip.conf, requirements files) with the normal cache. An index that cannot be reached
    // leaves its packages "not checked" in the stage; the scan still goes on. It asks as
    // `tend plan` does (every passing newer release, no minimum age) so that the plan stage
    // can apply each category's strategy and cooldown; the stage's own lines count against
    // the latest release, which these settings do not change.
    let outdated = match super::outdated::check(
        &settings,
        &inventory,
        &super::outdated::OutdatedRequest {
            index: &IndexArgs::default(),
            strategy: Some(Strategy::Major),
            pre: false,
            min_age: None,
            cache_mode: CacheMode::Normal,
            cache_dir: &cache_dir,
            now,
        },
    ) {
        Ok(report) => Ok(report),
        Err(error) => match error.downcast_ref::<NoIndex>() {
            // The settings turn every index off: the stage says which one, the scan goes on.
            Some(NoIndex { origin, .. }) => {
                Err(format!("no index to ask: `no-index` is set by {origin}"))
            }
            None => return Err(error),
        },
    };
    let outdated_stage = match &outdated {
        Ok(report) => OutdatedStage::Ran { report },
        Err(reason) => OutdatedStage::NotRun { reason },
    };

    // The plan stage: `tend plan`'s rules on the two reports above, with the policy's
    // categories. No pre-flight resolution here: the scan stays fast and works offline. Without
    // advisories the plan still schedules ordinary updates (the advisory line says what is
    // missing); without the outdated report there are no releases to plan.
    let plan = outdated.as_ref().ok().map(|report| {
        let no_audit;
        let audit_report = if let Some(audit) = &audit {
            audit
        } else {
            no_audit = super::plan::empty_audit(now);
            &no_audit
        };
        tend_plan::plan(&tend_plan::PlanInput {
            now,
            categories: &settings.policy.categories,
            audit: audit_report,
            outdated: report,
        })
    });
    let plan_stage = match &plan {
        Some(plan) => PlanStage::Ran { plan },
        None => PlanStage::NotRun {
            reason: "the outdated stage did not run, so there are no releases to plan",
        },
    };

    let project = settings.project.display().to_string();
    let mut next = match &audit {
        Some(audit) if !audit.vulnerable.is_empty() => {
            format!("`tend audit {project}` lists every vulnerability with its fix")
        }
        _ if !report.findings.is_empty() => {
            format!("`tend check {project}` lists every finding with its file and line")
        }
        None => "`tend db update` fetches the advisories, then run the scan again".to_string(),
        Some(_) => String::new(),
    };
    if let Some(news) = outdated.as_ref().ok().and_then(outdated_news) {
        let outdated_next = format!("`tend outdated {project}` shows {news}");
        next = if next.is_empty() {
            outdated_next
        } else {
            format!("{next}; {outdated_next}")
        };
    }
    if let Some(work) = plan.as_ref().and_then(plan_news) {
        let plan_next = format!("`tend plan {project}` schedules {work}");
        next = if next.is_empty() {
            plan_next
        } else {
            format!("{next}; {plan_next}")
        };
    }
    if next.is_empty() {
        next = format!("nothing to fix; `tend inventory {project}` shows what was read");
    }
    if args.output.format != ScanFormat::Json {
        print_warnings(&inventory.diagnostics);
    }
    let display = settings.display();
    let render_as = |format: ScanFormat| -> Result<String> {
        Ok(match format {
            ScanFormat::Table => tend_report::scan_text(
                &inventory,
                &report.findings,
                &summary,
                stage,
                outdated_stage,
                plan_stage,
                &next,
                &display,
            ),
            ScanFormat::Html => tend_report::scan_html(
                &inventory,
                &report.findings,
                &summary,
                stage,
                outdated_stage,
                plan_stage,
                &next,
                &display,
            ),
            ScanFormat::Markdown => tend_report::scan_markdown(
                &inventory,
                &report.findings,
                &summary,
                stage,
                outdated_stage,
                plan_stage,
                &next,
                &display,
            ),
            ScanFormat::Json => {
                let mut text = serde_json::to_string_pretty(&tend_report::scan_json(
                    &report.findings,
                    &summary,
                    stage,
                    outdated_stage,
                    plan_stage,
                    &next,
                ))?;
                text.push('\n');
                text
            }
        })
    };
    let text = render_as(args.output.format)?;
    crate::output::write(args.output.output.as_deref(), &text)?;
    let check_status = super::check::exit_status(&report.findings, args.selection.fail_on);
    let audit_status = match &audit {
        Some(audit) if args.selection.fail_on != FailOn::Never => {
            super::audit::exit_status(audit, crate::cli::AuditFailOn::Any, false)
        }
        _ => ExitStatus::Success,
    };
    // An overdue plan item fails the scan as it fails `tend plan`: the SLA is the promise.
    let plan_status = match &plan {
        Some(plan) if args.selection.fail_on != FailOn::Never => super::plan::exit_status(plan),
        _ => ExitStatus::Success,
    };
    let status = if [check_status, audit_status, plan_status].contains(&ExitStatus::Failure) {
        ExitStatus::Failure
    } else {
        ExitStatus::Success
    };

    // The history keeps the JSON document and the output in every format (each rendered once;
    // the printed one as printed), whatever format was asked for.
    let renderings = super::report::renderings(args.output.format, &text, render_as)?;
    super::history::record(
        store,
        &super::history::Finished {
            kind: tend_store::RunKind::Scan,
            project: &settings.project,
            started_at: now,
            status,
            summary: serde_json::json!({
                "errors": summary.errors,
                "warnings": summary.warnings,
                "notes": summary.notes,
                "vulnerabilities": audit.as_ref().map(|audit| audit.vulnerable.len()),
            }),
            reports: &renderings.report("scan"),
            renderings: &renderings.pairs(),
        },
    );
    Ok(status)
}

/// The plan's work for the "next" hint: `5 updates (3 overdue)`; `None` with nothing planned.
fn plan_news(plan: &tend_plan::Plan) -> Option<String> {
    let summary = &plan.summary;
    if summary.items == 0 {
        return None;
    }
    let count = if summary.items == 1 {
        "1 update".to_string()
    } else {
        format!("{} updates", summary.items)
    };
    Some(if summary.overdue > 0 {
        format!("{count} ({} overdue)", summary.overdue)
    } else {
        count
    })
}

/// What in the outdated stage deserves a look before the next scan: packages no index knows (a
/// typo, or a name someone could register) and installed releases that were yanked. Newer
/// releases alone are not a reason: the plan schedules those.
fn outdated_news(report: &OutdatedReport) -> Option<String> {
    let yanked = report
        .packages
        .iter()
        .filter(|package| {
            package
                .current_release
                .as_ref()
                .is_some_and(|release| release.yanked)
        })
        .count();
    let unknown = report.unknown.len();
    let mut parts = Vec::new();
    if unknown > 0 {
        parts.push(format!(
            "{unknown} package{} no index knows",
            if unknown == 1 { "" } else { "s" }
        ));
    }
    if yanked > 0 {
        parts.push(format!(
            "{yanked} yanked release{} in use",
            if yanked == 1 { "" } else { "s" }
        ));
    }
    (!parts.is_empty()).then(|| parts.join(" and "))
}
