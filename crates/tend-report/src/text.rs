//! Tables and summaries for people.

use std::fmt::Write as _;
use std::path::Path;

use tend_model::{
    Declaration, Diagnostic, DistFormat, Distribution, Environment, Inventory, Package, Severity,
    SpecifierKind,
};

use crate::Table;

/// How paths are shown: relative to the project when they are inside it.
#[derive(Debug, Clone, Default)]
pub struct DisplayOptions {
    pub project: Option<std::path::PathBuf>,
}

impl DisplayOptions {
    pub fn path(&self, path: &Path) -> String {
        let shown = self
            .project
            .as_deref()
            .and_then(|project| path.strip_prefix(project).ok())
            .filter(|relative| !relative.as_os_str().is_empty())
            .unwrap_or(path);
        shown.display().to_string()
    }
}

/// `.venv, Python 3.11.7, 58 distributions`: the environment in one line, for headers.
pub(crate) fn describe_environment(environment: &Environment, options: &DisplayOptions) -> String {
    let version = environment
        .python_version
        .as_ref()
        .map(|version| format!(", Python {version}"))
        .unwrap_or_default();
    format!(
        "{}{version}, {} distributions",
        options.path(&environment.prefix),
        environment.distributions.len()
    )
}

/// `1 error`, `2 errors`.
pub(crate) fn counted(count: usize, noun: &str) -> String {
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{count} {noun}s")
    }
}

/// The installed version, marked when editable or an egg-info; `-` when not installed.
pub(crate) fn installed_text(distribution: Option<&Distribution>) -> String {
    match distribution {
        Some(distribution) => {
            let mut text = distribution.version.to_string();
            if distribution.is_editable() {
                text.push_str(" (editable)");
            } else if distribution.format == DistFormat::EggInfo {
                text.push_str(" (egg-info)");
            }
            text
        }
        None => "-".to_string(),
    }
}

/// `yes`, `no`, `url` (declared by URL), or empty when the package is not declared.
pub(crate) fn pinned_text(package: &Package<'_>) -> &'static str {
    if package.pinned {
        "yes"
    } else if package.declarations.is_empty() {
        ""
    } else if package
        .declarations
        .iter()
        .any(|declaration| declaration.specifier_kind() == SpecifierKind::Url)
    {
        "url"
    } else {
        "no"
    }
}

/// One declaration: extras, specifier, file and line, and what sets it apart.
pub(crate) fn declared(declaration: &Declaration, options: &DisplayOptions) -> String {
    // The password in a URL stays out of every output, as it does in the JSON.
    let what = if let Some(url) = declaration.url.as_deref().map(tend_model::redact_url) {
        if declaration.editable {
            format!("-e {url}")
        } else {
            format!("@ {url}")
        }
    } else if declaration.specifier.is_empty() {
        "*".to_string()
    } else {
        declaration.specifier.to_string().replace(", ", ",")
    };
    let extras = if declaration.extras.is_empty() {
        String::new()
    } else {
        let names: Vec<String> = declaration.extras.iter().map(ToString::to_string).collect();
        format!("[{}]", names.join(","))
    };
    let mut text = format!(
        "{extras}{what} {}:{}",
        options.path(&declaration.location.path),
        declaration.location.line
    );
    match declaration.kind {
        tend_model::DeclarationKind::Constraint => text.push_str(" (constraint)"),
        tend_model::DeclarationKind::Locked | tend_model::DeclarationKind::Requirement => {}
    }
    if !declaration.group.is_main() {
        let _ = write!(text, " [{}]", declaration.group);
    }
    if let Some(marker) = declaration.marker.try_to_string() {
        let _ = write!(text, " ; {marker}");
    }
    text
}

/// The merged inventory as a table, with a header naming the environment and the sources.
pub fn inventory_table(inventory: &Inventory, options: &DisplayOptions) -> String {
    let mut out = String::new();
    match &inventory.environment {
        Some(environment) => {
            let _ = writeln!(
                out,
                "Environment: {}",
                describe_environment(environment, options)
            );
        }
        None => out.push_str("Environment: none found\n"),
    }
    if inventory.sources.is_empty() {
        out.push_str("Sources: none\n");
    } else {
        let names: Vec<String> = inventory
            .sources
            .iter()
            .map(|source| options.path(&source.path))
            .collect();
        let _ = writeln!(out, "Sources: {}", names.join(", "));
    }
    out.push('\n');

    let mut table = Table::new(["Package", "Installed", "Declared", "Pinned"]);
    for package in inventory.packages() {
        let installed = installed_text(package.distribution);
        let declared: Vec<String> = package
            .declarations
            .iter()
            .map(|declaration| declared(declaration, options))
            .collect();
        let pinned = pinned_text(&package);
        table.push([
            package.name.to_string(),
            installed,
            if declared.is_empty() {
                "-".to_string()
            } else {
                declared.join("\n")
            },
            pinned.to_string(),
        ]);
    }
    out.push_str(&table.render());
    out
}

/// Findings grouped by package, then a one-line count.
pub fn check_table(findings: &[Diagnostic], options: &DisplayOptions) -> String {
    let mut out = String::new();
    if findings.is_empty() {
        out.push_str("No problems found.\n");
        return out;
    }
    let mut table = Table::new(["Severity", "Kind", "Package", "Message"]);
    for finding in findings {
        let mut message = finding.message.clone();
        if let Some(location) = &finding.location {
            let mut place = options.path(&location.path);
            if location.line > 0 {
                let _ = write!(place, ":{}", location.line);
            }
            let _ = write!(message, "\n  at {place}");
        }
        for note in &finding.notes {
            let _ = write!(message, "\n  note: {note}");
        }
        table.push([
            finding.severity.to_string(),
            finding.code.to_string(),
            finding
                .package
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            message,
        ]);
    }
    out.push_str(&table.render());
    let count = |severity| {
        findings
            .iter()
            .filter(|finding| finding.severity == severity)
            .count()
    };
    let _ = writeln!(
        out,
        "\n{}: {}, {}, {}",
        counted(findings.len(), "problem"),
        counted(count(Severity::Error), "error"),
        counted(count(Severity::Warning), "warning"),
        counted(count(Severity::Note), "note")
    );
    out
}
