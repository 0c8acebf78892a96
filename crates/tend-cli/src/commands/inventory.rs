use std::path::Path;

use anyhow::Result;
use tend_report::DisplayOptions;

use crate::cli::{Format, InventoryArgs};
use crate::diagnostics::{print_warnings, ExitStatus};
use crate::settings::ProjectSettings;

pub fn run(args: &InventoryArgs, config: Option<&Path>) -> Result<ExitStatus> {
    let settings = ProjectSettings::resolve(&args.project, config)?;
    let inventory = tend_inventory::load(&settings.inventory)?;
    let text = match args.output.format {
        Format::Table => {
            print_warnings(&inventory.diagnostics);
            let options = DisplayOptions {
                project: Some(settings.project.clone()),
            };
            tend_report::inventory_table(&inventory, &options)
        }
        Format::Json => {
            let mut text = serde_json::to_string_pretty(&tend_report::inventory_json(&inventory))?;
            text.push('\n');
            text
        }
    };
    crate::output::write(args.output.output.as_deref(), &text)?;
    Ok(ExitStatus::Success)
}
