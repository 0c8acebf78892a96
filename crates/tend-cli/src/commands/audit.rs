use std::path::Path;

use anyhow::Result;
use tend_advisory::AuditOptions;
use tend_model::{AuditReport, Inventory, SeverityRating};

use crate::cli::{AuditArgs, AuditFailOn, AuditFormat};
use crate::diagnostics::{print_warnings, ExitStatus};
use crate::settings::ProjectSettings;

pub fn run(
    args: &AuditArgs,
    config: Option<&Path>,
    cache_dir: Option<&Path>,
    store: Option<&Path>,
) -> Result<ExitStatus> {
    let settings = ProjectSettings::resolve(&args.project, config)?;
    let now = crate::settings::now()?;
    let inventory = tend_inventory::load(&settings.inventory)?;
    let mut targets = tend_advisory::select_targets(&inventory);
    if args.resolve {
        super::resolve::resolve_unpinned_with(
            &inventory,
            &mut targets,
            &super::resolve::ResolveOptions {
                offline: args.advisories.offline,
                ..super::resolve::ResolveOptions::default()
            },
        )?;
    }
    let cache_dir = crate::settings::cache_dir(cache_dir)?;
    let data = super::advisory_data::load(
        &args.advisories,
        &settings.policy,
        &cache_dir,
        &targets,
        now,
    )?;
    let report = tend_advisory::audit(targets, &data, &audit_options(&settings, now));

    if args.format == AuditFormat::Table {
        print_warnings(&inventory.diagnostics);
    }
    let render_as = |format| Ok(render(format, &inventory, &report, &settings, now));
    let text = render_as(args.format)?;
    crate::output::write(args.output.as_deref(), &text)?;
    let status = exit_status(&report, args.fail_on, args.strict);

    let renderings = super::report::renderings(args.format, &text, render_as)?;
    let summary = tend_report::AuditSummary::new(&report, now);
    super::history::record(
        store,
        &super::history::Finished {
            kind: tend_store::RunKind::Audit,
            project: &settings.project,
            started_at: now,
            status,
            summary: serde_json::json!({
                "audited": summary.audited_packages,
                "vulnerable": summary.vulnerable_packages,
                "findings": summary.findings,
                "highest": summary.highest.map(|rating| rating.to_string()),
                "ignored": summary.ignored_findings,
                "not_audited": summary.not_audited_packages,
            }),
            reports: &renderings.report("audit"),
            renderings: &renderings.pairs(),
        },
    );
    // The process ends right after: freeing every decoded advisory one by one would cost more
    // than the rest of a large audit's matching, and the OS reclaims it all at once anyway.
    std::mem::forget(data);
    std::mem::forget(report);
    std::mem::forget(inventory);
    Ok(status)
}

fn render(
    format: AuditFormat,
    inventory: &Inventory,
    report: &AuditReport,
    settings: &ProjectSettings,
    now: jiff::Timestamp,
) -> String {
    match format {
        AuditFormat::Table => tend_report::audit_table(report, now, &settings.display()),
        AuditFormat::Json => tend_report::audit_json_text(report, now),
        AuditFormat::Markdown => tend_report::audit_markdown(report, now, &settings.display()),
        // The inventory's own diagnostics (sources that could not be read in full) go into the
        // log with the findings: a code-scanning upload has no terminal to warn on.
        AuditFormat::Sarif => tend_report::sarif_text(
            &inventory.diagnostics,
            Some(report),
            &tend_report::SarifContext {
                tool_version: env!("CARGO_PKG_VERSION"),
                project_root: &settings.project,
                inventory: Some(inventory),
            },
        ),
        AuditFormat::Cyclonedx => tend_report::cyclonedx_text(
            inventory,
            Some(report),
            &tend_report::CycloneDxContext {
                tool_version: env!("CARGO_PKG_VERSION"),
                generated: now,
            },
        ),
    }
}

pub fn audit_options(settings: &ProjectSettings, now: jiff::Timestamp) -> AuditOptions<'_> {
    AuditOptions {
        ignore: &settings.policy.advisories.ignore,
        today: jiff::tz::Offset::UTC.to_datetime(now).date(),
        now,
        max_age: settings
            .policy
            .advisories
            .max_age
            .as_ref()
            .map(|max_age| max_age.value),
    }
}

/// Exit 1 when a finding reaches the threshold, or, with `--strict`, when anything was not
/// audited or the advisory database is older than the policy allows.
pub fn exit_status(report: &AuditReport, fail_on: AuditFailOn, strict: bool) -> ExitStatus {
    // A stale database is a gap in coverage like a package that was not audited.
    let stale = report
        .diagnostics
        .iter()
        .any(|diagnostic| diagnostic.code == tend_model::Code::StaleDatabase);
    if strict && (!report.not_audited.is_empty() || stale) {
        return ExitStatus::Failure;
    }
    let threshold = match fail_on {
        AuditFailOn::Never => return ExitStatus::Success,
        AuditFailOn::Any => SeverityRating::Unknown,
        AuditFailOn::Low => SeverityRating::Low,
        AuditFailOn::Medium => SeverityRating::Medium,
        AuditFailOn::High => SeverityRating::High,
        AuditFailOn::Critical => SeverityRating::Critical,
    };
    match report.highest() {
        Some(highest) if highest >= threshold => ExitStatus::Failure,
        _ => ExitStatus::Success,
    }
}
