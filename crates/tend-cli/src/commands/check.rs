use std::path::Path;

use anyhow::Result;
use tend_model::{Diagnostic, Severity};
use tend_report::DisplayOptions;

use crate::cli::{CheckArgs, CheckFormat, FailOn};
use crate::diagnostics::{print_warnings, ExitStatus};
use crate::settings::ProjectSettings;

pub fn run(args: &CheckArgs, config: Option<&Path>) -> Result<ExitStatus> {
    let settings = ProjectSettings::resolve(&args.project, config)?;
    let inventory = tend_inventory::load(&settings.inventory)?;
    let options = settings.check_options(&args.selection, &inventory);
    let report = tend_check::check(&inventory, &options);
    let text = match args.output.format {
        CheckFormat::Table => {
            print_warnings(&inventory.diagnostics);
            let display = DisplayOptions {
                project: Some(settings.project.clone()),
            };
            tend_report::check_table(&report.findings, &display)
        }
        CheckFormat::Json => {
            let mut text = serde_json::to_string_pretty(&tend_report::check_json(
                &report.findings,
                &report.summary,
            ))?;
            text.push('\n');
            text
        }
        // The inventory's reading problems go into the log with the findings: a code-scanning
        // upload has no terminal to warn on.
        CheckFormat::Sarif => {
            let mut diagnostics = inventory.diagnostics.clone();
            diagnostics.extend(report.findings.iter().cloned());
            tend_report::sarif_text(
                &diagnostics,
                None,
                &tend_report::SarifContext {
                    tool_version: env!("CARGO_PKG_VERSION"),
                    project_root: &settings.project,
                    inventory: Some(&inventory),
                },
            )
        }
    };
    crate::output::write(args.output.output.as_deref(), &text)?;
    Ok(exit_status(&report.findings, args.selection.fail_on))
}

/// Exit 1 when a finding reaches the threshold.
pub fn exit_status(findings: &[Diagnostic], fail_on: FailOn) -> ExitStatus {
    let threshold = match fail_on {
        FailOn::Never => return ExitStatus::Success,
        FailOn::Note => Severity::Note,
        FailOn::Warning => Severity::Warning,
        FailOn::Error => Severity::Error,
    };
    if findings.iter().any(|finding| finding.severity >= threshold) {
        ExitStatus::Failure
    } else {
        ExitStatus::Success
    }
}
