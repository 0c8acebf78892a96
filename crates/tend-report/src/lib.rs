//! Renderers: one module per output format, all fed the same plain data.
//!
//! Reporters see only model types; they never read files or the environment. The JSON
//! documents carry a `schema_version` and are described in `docs/json-schema.md`.

// The audit report (issue 4).
mod audit;
mod json;
mod markdown;
mod scan;
mod table;
mod text;
mod words;

pub use json::{check_json, inventory_json, SCHEMA_VERSION};
pub use scan::{scan_json, scan_text, AuditStage, OutdatedStage, ScanSummary};
// The plan stage of the scan and its Markdown form (issue 6). OWNER: helper "scan-plan".
pub use scan::{scan_markdown, PlanStage};
pub use table::Table;
pub use text::{check_table, inventory_table, DisplayOptions};

// The audit report (issue 4).
pub use audit::{
    audit_json, audit_json_text, audit_markdown, audit_table, AuditSummary, RatingCounts,
};

// The outdated report (issue 5). OWNER: helper "outdated-report".
mod outdated;
pub use outdated::{
    outdated_json, outdated_json_text, outdated_markdown, outdated_table, ChangeCounts,
    OutdatedSummary,
};

// SARIF and CycloneDX (issue 6). OWNER: helper "sarif-cyclonedx".
mod cyclonedx;
mod sarif;
pub use cyclonedx::{cyclonedx, cyclonedx_text, purl, CycloneDxContext};
pub use sarif::{advisory_level, sarif, sarif_text, SarifContext, SARIF_SCHEMA_URI};

// The HTML scan report (issue 6). OWNER: helper "html-report".
mod html;
pub use html::scan_html;

// Markdown for the inventory and the check (issue 6). OWNER: helper "history-reports".
mod check_markdown;
mod inventory_markdown;
pub use check_markdown::check_markdown;
pub use inventory_markdown::inventory_markdown;
