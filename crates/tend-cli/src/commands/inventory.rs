use std::path::Path;

use anyhow::Result;
use tend_model::Inventory;
use tend_report::DisplayOptions;

use crate::cli::{InventoryArgs, InventoryFormat};
use crate::diagnostics::{print_warnings, ExitStatus};
use crate::settings::ProjectSettings;

pub fn run(
    args: &InventoryArgs,
    config: Option<&Path>,
    store: Option<&Path>,
) -> Result<ExitStatus> {
    let settings = ProjectSettings::resolve(&args.project, config)?;
    let now = crate::settings::now()?;
    let inventory = tend_inventory::load(&settings.inventory)?;
    let format = args.output.format;
    if format == InventoryFormat::Table {
        print_warnings(&inventory.diagnostics);
    }
    let render_as = |format| render(format, &inventory, &settings, now);
    let text = render_as(format)?;
    crate::output::write(args.output.output.as_deref(), &text)?;

    let renderings = super::report::renderings(format, &text, render_as)?;
    let packages = inventory.packages();
    super::history::record(
        store,
        &super::history::Finished {
            kind: tend_store::RunKind::Inventory,
            project: &settings.project,
            started_at: now,
            status: ExitStatus::Success,
            summary: serde_json::json!({
                "packages": packages.len(),
                "installed": packages.iter().filter(|package| package.distribution.is_some()).count(),
                "declared": packages.iter().filter(|package| !package.declarations.is_empty()).count(),
                "sources": inventory.sources.len(),
            }),
            reports: &renderings.report("inventory"),
            renderings: &renderings.pairs(),
        },
    );
    Ok(ExitStatus::Success)
}

fn render(
    format: InventoryFormat,
    inventory: &Inventory,
    settings: &ProjectSettings,
    now: jiff::Timestamp,
) -> Result<String> {
    Ok(match format {
        InventoryFormat::Table => {
            let options = DisplayOptions {
                project: Some(settings.project.clone()),
            };
            tend_report::inventory_table(inventory, &options)
        }
        InventoryFormat::Json => {
            let mut text = serde_json::to_string_pretty(&tend_report::inventory_json(inventory))?;
            text.push('\n');
            text
        }
        InventoryFormat::Markdown => {
            tend_report::inventory_markdown(inventory, &settings.display())
        }
        InventoryFormat::Cyclonedx => tend_report::cyclonedx_text(
            inventory,
            None,
            &tend_report::CycloneDxContext {
                tool_version: env!("CARGO_PKG_VERSION"),
                generated: now,
            },
        ),
    })
}
