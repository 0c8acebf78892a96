//! The short summary `tend scan` ends with: what the project has, what is wrong, what to run next.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;
use tend_model::{Code, Diagnostic, Inventory, Severity};

use crate::{DisplayOptions, SCHEMA_VERSION};

/// Counts behind the summary, shared by the text and JSON forms.
#[derive(Debug, Clone, Serialize)]
pub struct ScanSummary {
    pub distributions: Option<usize>,
    pub sources: usize,
    pub declarations: usize,
    pub packages: usize,
    pub errors: usize,
    pub warnings: usize,
    pub notes: usize,
    /// Findings per code, for the one-line overview.
    pub by_code: BTreeMap<Code, usize>,
}

impl ScanSummary {
    pub fn new(inventory: &Inventory, findings: &[Diagnostic]) -> Self {
        let count = |severity| {
            findings
                .iter()
                .filter(|finding| finding.severity == severity)
                .count()
        };
        let mut by_code = BTreeMap::new();
        for finding in findings {
            *by_code.entry(finding.code).or_insert(0) += 1;
        }
        Self {
            distributions: inventory
                .environment
                .as_ref()
                .map(|environment| environment.distributions.len()),
            sources: inventory.sources.len(),
            declarations: inventory.declarations.len(),
            packages: inventory.packages().len(),
            errors: count(Severity::Error),
            warnings: count(Severity::Warning),
            notes: count(Severity::Note),
            by_code,
        }
    }
}

/// How many findings the summary lists before pointing at `tend check`.
const LISTED: usize = 10;

pub fn scan_text(
    inventory: &Inventory,
    findings: &[Diagnostic],
    summary: &ScanSummary,
    next: &str,
    options: &DisplayOptions,
) -> String {
    let mut out = String::new();
    match &inventory.environment {
        Some(environment) => {
            let _ = writeln!(
                out,
                "environment  {}",
                crate::text::describe_environment(environment, options)
            );
        }
        None => out.push_str("environment  none found (declarations only)\n"),
    }
    let _ = writeln!(
        out,
        "declared     {} declarations in {} source{}",
        summary.declarations,
        summary.sources,
        if summary.sources == 1 { "" } else { "s" }
    );
    if findings.is_empty() {
        out.push_str("health       no problems\n");
    } else {
        let codes: Vec<String> = summary
            .by_code
            .iter()
            .map(|(code, count)| format!("{code} {count}"))
            .collect();
        let _ = writeln!(
            out,
            "health       {}, {}, {} ({})",
            crate::text::counted(summary.errors, "error"),
            crate::text::counted(summary.warnings, "warning"),
            crate::text::counted(summary.notes, "note"),
            codes.join(", ")
        );
        let mut sorted: Vec<&Diagnostic> = findings.iter().collect();
        sorted.sort_by_key(|finding| std::cmp::Reverse(finding.severity));
        for finding in sorted.iter().take(LISTED) {
            let package = finding
                .package
                .as_ref()
                .map(|p| format!("{p}: "))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "  {:<7} {package}{}",
                finding.severity.to_string(),
                finding.message
            );
        }
        if findings.len() > LISTED {
            let _ = writeln!(out, "  … and {} more", findings.len() - LISTED);
        }
    }
    out.push_str("advisories   not checked: the advisory stage is not part of this version yet\n");
    let _ = writeln!(out, "next         {next}");
    out
}

#[derive(Serialize)]
struct ScanDocument<'a> {
    schema_version: u32,
    kind: &'static str,
    summary: &'a ScanSummary,
    findings: &'a [Diagnostic],
    next: &'a str,
}

pub fn scan_json(findings: &[Diagnostic], summary: &ScanSummary, next: &str) -> serde_json::Value {
    serde_json::to_value(ScanDocument {
        schema_version: SCHEMA_VERSION,
        kind: "scan",
        summary,
        findings,
        next,
    })
    .unwrap_or_default()
}
