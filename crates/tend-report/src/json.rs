//! Versioned JSON documents. The layout is documented in `docs/json-schema.md`; bump
//! [`SCHEMA_VERSION`] on any change that is not purely additive.

use std::path::PathBuf;

use serde::Serialize;
use tend_model::{
    Declaration, Diagnostic, DirectUrl, DistFormat, DistVersion, Environment, Inventory,
    PackageName, SourceFile,
};

/// The version of every JSON document tend writes.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Serialize)]
struct InventoryDocument<'a> {
    schema_version: u32,
    kind: &'static str,
    environment: Option<EnvironmentView<'a>>,
    sources: &'a [SourceFile],
    packages: Vec<PackageView<'a>>,
    diagnostics: &'a [Diagnostic],
}

#[derive(Serialize)]
struct EnvironmentView<'a> {
    prefix: &'a PathBuf,
    python: Option<&'a PathBuf>,
    python_version: Option<String>,
    site_packages: &'a [PathBuf],
    include_system_site_packages: bool,
    distributions: usize,
}

impl<'a> EnvironmentView<'a> {
    fn new(environment: &'a Environment) -> Self {
        Self {
            prefix: &environment.prefix,
            python: environment.python.as_ref(),
            python_version: environment.python_version.as_ref().map(ToString::to_string),
            site_packages: &environment.site_packages,
            include_system_site_packages: environment.include_system_site_packages,
            distributions: environment.distributions.len(),
        }
    }
}

#[derive(Serialize)]
struct PackageView<'a> {
    name: &'a PackageName,
    installed: Option<InstalledView<'a>>,
    declarations: &'a [&'a Declaration],
    pinned: bool,
}

#[derive(Serialize)]
struct InstalledView<'a> {
    /// The name as the distribution's metadata spells it.
    display_name: &'a str,
    version: &'a DistVersion,
    format: DistFormat,
    path: &'a PathBuf,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    system: bool,
    installer: Option<&'a str>,
    editable: bool,
    direct_url: Option<&'a DirectUrl>,
}

/// The inventory as a JSON document (`kind: "inventory"`).
pub fn inventory_json(inventory: &Inventory) -> serde_json::Value {
    let packages = inventory.packages();
    let views: Vec<PackageView<'_>> = packages
        .iter()
        .map(|package| PackageView {
            name: package.name,
            installed: package.distribution.map(|distribution| InstalledView {
                display_name: &distribution.display_name,
                version: &distribution.version,
                format: distribution.format,
                path: &distribution.path,
                system: distribution.system,
                installer: distribution.installer.as_deref(),
                editable: distribution.is_editable(),
                direct_url: distribution.direct_url.as_ref(),
            }),
            declarations: &package.declarations,
            pinned: package.pinned,
        })
        .collect();
    let document = InventoryDocument {
        schema_version: SCHEMA_VERSION,
        kind: "inventory",
        environment: inventory.environment.as_ref().map(EnvironmentView::new),
        sources: &inventory.sources,
        packages: views,
        diagnostics: &inventory.diagnostics,
    };
    serde_json::to_value(document).unwrap_or_default()
}

#[derive(Serialize)]
struct CheckDocument<'a, S: Serialize> {
    schema_version: u32,
    kind: &'static str,
    summary: &'a S,
    findings: &'a [Diagnostic],
}

/// Findings of `tend check` as a JSON document (`kind: "check"`).
pub fn check_json<S: Serialize>(findings: &[Diagnostic], summary: &S) -> serde_json::Value {
    let document = CheckDocument {
        schema_version: SCHEMA_VERSION,
        kind: "check",
        summary,
        findings,
    };
    serde_json::to_value(document).unwrap_or_default()
}
