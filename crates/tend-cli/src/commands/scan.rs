use std::path::Path;

use anyhow::Result;
use tend_report::{AuditStage, ScanSummary};

use super::advisory_data::NoDatabase;
use crate::cli::FailOn;
use crate::cli::{Format, ScanArgs};
use crate::diagnostics::{print_warnings, ExitStatus};
use crate::settings::ProjectSettings;

/// Every stage that exists, in data-flow order, then one short summary.
pub fn run(args: &ScanArgs, config: Option<&Path>, cache_dir: Option<&Path>) -> Result<ExitStatus> {
    let settings = ProjectSettings::resolve(&args.project, config)?;
    let now = crate::settings::now()?;
    let inventory = tend_inventory::load(&settings.inventory)?;
    let options = settings.check_options(&args.selection, &inventory);
    let report = tend_check::check(&inventory, &options);
    let summary = ScanSummary::new(&inventory, &report.findings);

    // The advisory stage runs offline, from the policy's sources and the local database; with
    // neither, the scan says so rather than failing: the other stages still have news.
    let cache_dir = crate::settings::cache_dir(cache_dir)?;
    let targets = tend_advisory::select_targets(&inventory);
    let audit = match super::advisory_data::load_local(
        &[],
        &settings.policy,
        &cache_dir,
        &targets.names(),
        now,
    ) {
        Ok(data) => Some(tend_advisory::audit(
            targets,
            &data,
            &super::audit::audit_options(&settings, now),
        )),
        Err(error) if error.downcast_ref::<NoDatabase>().is_some() => None,
        Err(error) => return Err(error),
    };
    let stage = match &audit {
        Some(report) => AuditStage::Ran { report, now },
        None => AuditStage::NotRun {
            reason: "no advisory database; run `tend db update`",
        },
    };

    let project = settings.project.display().to_string();
    let next = match &audit {
        Some(audit) if !audit.vulnerable.is_empty() => {
            format!("`tend audit {project}` lists every vulnerability with its fix")
        }
        _ if !report.findings.is_empty() => {
            format!("`tend check {project}` lists every finding with its file and line")
        }
        None => "`tend db update` fetches the advisories, then run the scan again".to_string(),
        Some(_) => format!("nothing to fix; `tend inventory {project}` shows what was read"),
    };
    let text = match args.output.format {
        Format::Table => {
            print_warnings(&inventory.diagnostics);
            tend_report::scan_text(
                &inventory,
                &report.findings,
                &summary,
                stage,
                tend_report::OutdatedStage::NotRun {
                    reason: "not wired yet",
                },
                &next,
                &settings.display(),
            )
        }
        Format::Json => {
            let mut text = serde_json::to_string_pretty(&tend_report::scan_json(
                &report.findings,
                &summary,
                stage,
                tend_report::OutdatedStage::NotRun {
                    reason: "not wired yet",
                },
                &next,
            ))?;
            text.push('\n');
            text
        }
    };
    crate::output::write(args.output.output.as_deref(), &text)?;
    let check_status = super::check::exit_status(&report.findings, args.selection.fail_on);
    let audit_status = match &audit {
        Some(audit) if args.selection.fail_on != FailOn::Never => {
            super::audit::exit_status(audit, crate::cli::AuditFailOn::Any, false)
        }
        _ => ExitStatus::Success,
    };
    Ok(
        if check_status == ExitStatus::Failure || audit_status == ExitStatus::Failure {
            ExitStatus::Failure
        } else {
            ExitStatus::Success
        },
    )
}
