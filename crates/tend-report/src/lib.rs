//! Renderers: one module per output format, all fed the same plain data.
//!
//! Reporters see only model types; they never read files or the environment. The JSON
//! documents carry a `schema_version` and are described in `docs/json-schema.md`.

mod json;
mod scan;
mod table;
mod text;

pub use json::{check_json, inventory_json, SCHEMA_VERSION};
pub use scan::{scan_json, scan_text, ScanSummary};
pub use table::Table;
pub use text::{check_table, inventory_table, DisplayOptions};
