//! `tend plan`: the inventory, the audit (offline, from the policy's sources and the local
//! database, as `tend scan` runs it), the outdated check (every passing release, so that each
//! category applies its own strategy and cooldown), then `tend-plan`'s rules and a renderer.

use std::path::Path;

use anyhow::Result;
use tend_http::CacheMode;
use tend_model::{AuditReport, Strategy};

use super::advisory_data::NoDatabase;
use crate::cli::{Format, PlanArgs};
use crate::diagnostics::{print_warnings, ExitStatus};
use crate::settings::ProjectSettings;

pub fn run(args: &PlanArgs, config: Option<&Path>, cache_dir: Option<&Path>) -> Result<ExitStatus> {
    let settings = ProjectSettings::resolve(&args.project, config)?;
    let now = crate::settings::now()?;
    let inventory = tend_inventory::load(&settings.inventory)?;
    let cache_dir = crate::settings::cache_dir(cache_dir)?;

    let targets = tend_advisory::select_targets(&inventory);
    let audit = match super::advisory_data::load_local(
        &[],
        &settings.policy,
        &cache_dir,
        &targets.names(),
        now,
    ) {
        Ok(data) => {
            tend_advisory::audit(targets, &data, &super::audit::audit_options(&settings, now))
        }
        // A plan without advisories still schedules ordinary updates; it says what it lacks.
        Err(error) if error.downcast_ref::<NoDatabase>().is_some() => {
            eprintln!(
                "warning: no advisory database, so the plan knows no advisories; run `tend db \
                 update` (or set `advisories.sources`)"
            );
            empty_audit(now)
        }
        Err(error) => return Err(error),
    };

    let cache_mode = if args.offline {
        CacheMode::Offline
    } else if args.refresh {
        CacheMode::Refresh
    } else {
        CacheMode::Normal
    };
    // No strategy and no minimum age here: the plan applies each category's own.
    let outdated = super::outdated::check(
        &settings,
        &inventory,
        &super::outdated::OutdatedRequest {
            index: &args.index,
            strategy: Strategy::Major,
            pre: false,
            min_age: None,
            cache_mode,
            cache_dir: &cache_dir,
            now,
        },
    )?;

    let plan = tend_plan::plan(&tend_plan::PlanInput {
        now,
        categories: &settings.policy.categories,
        audit: &audit,
        outdated: &outdated,
    });
    let text = match args.format {
        Format::Table => {
            print_warnings(&inventory.diagnostics);
            tend_plan::table(&plan)
        }
        Format::Json => tend_plan::json_text(&plan),
    };
    crate::output::write(args.output.as_deref(), &text)?;
    Ok(exit_status(&plan))
}

/// Exit 1 when an item is past its due date: the SLA is the promise the plan keeps.
pub fn exit_status(plan: &tend_plan::Plan) -> ExitStatus {
    if plan.summary.overdue > 0 {
        ExitStatus::Failure
    } else {
        ExitStatus::Success
    }
}

fn empty_audit(now: jiff::Timestamp) -> AuditReport {
    AuditReport {
        generated: now,
        sources: Vec::new(),
        audited: 0,
        vulnerable: Vec::new(),
        not_audited: Vec::new(),
        ignored: Vec::new(),
        diagnostics: Vec::new(),
    }
}
