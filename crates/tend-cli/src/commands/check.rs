use std::path::Path;

use anyhow::Result;
use tend_check::CheckReport;
use tend_model::{Diagnostic, Inventory, Severity};

use crate::cli::{CheckArgs, CheckFormat, FailOn};
use crate::diagnostics::{print_warnings, ExitStatus};
use crate::settings::ProjectSettings;

pub fn run(args: &CheckArgs, config: Option<&Path>, store: Option<&Path>) -> Result<ExitStatus> {
    let settings = ProjectSettings::resolve(&args.project, config)?;
    let now = crate::settings::now()?;
    let inventory = tend_inventory::load(&settings.inventory)?;
    let options = settings.check_options(&args.selection, &inventory);
    let report = tend_check::check(&inventory, &options);
    let format = args.output.format;
    if format == CheckFormat::Table {
        print_warnings(&inventory.diagnostics);
    }
    let render_as = |format| render(format, &inventory, &report, &settings);
    let text = render_as(format)?;
    crate::output::write(args.output.output.as_deref(), &text)?;
    let status = exit_status(&report.findings, args.selection.fail_on);

    let renderings = super::report::renderings(format, &text, render_as)?;
    let count = |severity| {
        report
            .findings
            .iter()
            .filter(|finding| finding.severity == severity)
            .count()
    };
    super::history::record(
        store,
        &super::history::Finished {
            kind: tend_store::RunKind::Check,
            project: &settings.project,
            started_at: now,
            status,
            summary: serde_json::json!({
                "errors": count(Severity::Error),
                "warnings": count(Severity::Warning),
                "notes": count(Severity::Note),
            }),
            reports: &renderings.report("check"),
            renderings: &renderings.pairs(),
        },
    );
    Ok(status)
}

fn render(
    format: CheckFormat,
    inventory: &Inventory,
    report: &CheckReport,
    settings: &ProjectSettings,
) -> Result<String> {
    Ok(match format {
        CheckFormat::Table => tend_report::check_table(&report.findings, &settings.display()),
        CheckFormat::Json => {
            let mut text = serde_json::to_string_pretty(&tend_report::check_json(
                &report.findings,
                &report.summary,
            ))?;
            text.push('\n');
            text
        }
        // The inventory's reading problems go with the findings: a document has no terminal
        // to warn on.
        CheckFormat::Markdown => tend_report::check_markdown(
            &report.findings,
            &inventory.diagnostics,
            &settings.display(),
        ),
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
                    inventory: Some(inventory),
                },
            )
        }
    })
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
