use std::path::Path;

use anyhow::Result;
use tend_report::{DisplayOptions, ScanSummary};

use crate::cli::{Format, ScanArgs};
use crate::diagnostics::{print_warnings, ExitStatus};
use crate::settings::ProjectSettings;

/// Every stage that exists, in data-flow order, then one short summary.
pub fn run(args: &ScanArgs, config: Option<&Path>) -> Result<ExitStatus> {
    let settings = ProjectSettings::resolve(&args.project, config)?;
    let inventory = tend_inventory::load(&settings.inventory)?;
    let options = settings.check_options(&args.selection, &inventory);
    let report = tend_check::check(&inventory, &options);
    let summary = ScanSummary::new(&inventory, &report.findings);

    let project = settings.project.display().to_string();
    let next = if report.findings.is_empty() {
        format!("nothing to fix; `tend inventory {project}` shows what was read")
    } else {
        format!("`tend check {project}` lists every finding with its file and line")
    };
    let text = match args.output.format {
        Format::Table => {
            print_warnings(&inventory.diagnostics);
            let display = DisplayOptions {
                project: Some(settings.project.clone()),
            };
            tend_report::scan_text(&inventory, &report.findings, &summary, &next, &display)
        }
        Format::Json => {
            let mut text = serde_json::to_string_pretty(&tend_report::scan_json(
                &report.findings,
                &summary,
                &next,
            ))?;
            text.push('\n');
            text
        }
    };
    crate::output::write(args.output.output.as_deref(), &text)?;
    Ok(super::check::exit_status(
        &report.findings,
        args.selection.fail_on,
    ))
}
