use std::path::Path;

use anyhow::Result;
use tend_report::DisplayOptions;

use crate::cli::{InventoryArgs, InventoryFormat};
use crate::diagnostics::{print_warnings, ExitStatus};
use crate::settings::ProjectSettings;

pub fn run(args: &InventoryArgs, config: Option<&Path>) -> Result<ExitStatus> {
    let settings = ProjectSettings::resolve(&args.project, config)?;
    let inventory = tend_inventory::load(&settings.inventory)?;
    let text = match args.output.format {
        InventoryFormat::Table => {
            print_warnings(&inventory.diagnostics);
            let options = DisplayOptions {
                project: Some(settings.project.clone()),
            };
            tend_report::inventory_table(&inventory, &options)
        }
        InventoryFormat::Json => {
            let mut text = serde_json::to_string_pretty(&tend_report::inventory_json(&inventory))?;
            text.push('\n');
            text
        }
        InventoryFormat::Cyclonedx => tend_report::cyclonedx_text(
            &inventory,
            None,
            &tend_report::CycloneDxContext {
                tool_version: env!("CARGO_PKG_VERSION"),
                generated: crate::settings::now()?,
            },
        ),
    };
    crate::output::write(args.output.output.as_deref(), &text)?;
    Ok(ExitStatus::Success)
}
