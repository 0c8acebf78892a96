//! The inventory as Markdown, to paste into a ticket, a pull request or a periodic report.

use std::fmt::Write as _;

use tend_model::Inventory;

use crate::markdown::{cell, row, rule};
use crate::text::{counted, declared, describe_environment, installed_text, pinned_text};
use crate::words::place;
use crate::DisplayOptions;

/// The inventory in GitHub-flavoured Markdown: a heading and a summary line, the environment
/// and the sources read, one table of packages (the columns of the table output, declarations
/// separated by `;`), and the problems met while reading, which the table prints on standard
/// error but a document has to carry itself.
pub fn inventory_markdown(inventory: &Inventory, options: &DisplayOptions) -> String {
    let packages = inventory.packages();
    let installed = packages
        .iter()
        .filter(|package| package.distribution.is_some())
        .count();
    let declared_count = packages
        .iter()
        .filter(|package| !package.declarations.is_empty())
        .count();
    let mut out = String::from("# Inventory\n\n");
    let _ = writeln!(
        out,
        "**{}: {installed} installed, {declared_count} declared**\n",
        counted(packages.len(), "package")
    );

    let environment = match &inventory.environment {
        Some(environment) => describe_environment(environment, options),
        None => "none found".to_string(),
    };
    let _ = writeln!(out, "- Environment: {}", cell(&environment));
    let sources: Vec<String> = inventory
        .sources
        .iter()
        .map(|source| options.path(&source.path))
        .collect();
    let _ = writeln!(
        out,
        "- Sources: {}\n",
        if sources.is_empty() {
            "none".to_string()
        } else {
            cell(&sources.join(", "))
        }
    );

    if !packages.is_empty() {
        out.push_str("## Packages\n\n");
        let header = ["Package", "Installed", "Declared", "Pinned"];
        row(&mut out, &header);
        rule(&mut out, header.len());
        for package in &packages {
            let declarations: Vec<String> = package
                .declarations
                .iter()
                .map(|declaration| declared(declaration, options))
                .collect();
            row(
                &mut out,
                &[
                    &cell(package.name.as_ref()),
                    &cell(&installed_text(package.distribution)),
                    &cell(&declarations.join("; ")),
                    &cell(pinned_text(package)),
                ],
            );
        }
        out.push('\n');
    }

    if !inventory.diagnostics.is_empty() {
        out.push_str("## Problems reading the project\n\n");
        let header = ["Severity", "Code", "Package", "Message", "Location"];
        row(&mut out, &header);
        rule(&mut out, header.len());
        for diagnostic in &inventory.diagnostics {
            row(
                &mut out,
                &[
                    &cell(&diagnostic.severity.to_string()),
                    &cell(diagnostic.code.as_str()),
                    &cell(diagnostic.package.as_ref().map_or("-", AsRef::as_ref)),
                    &cell(&crate::markdown::message_with_notes(diagnostic)),
                    &cell(
                        &diagnostic
                            .location
                            .as_ref()
                            .map_or_else(|| "-".to_string(), |location| place(location, options)),
                    ),
                ],
            );
        }
        out.push('\n');
    }
    out
}
