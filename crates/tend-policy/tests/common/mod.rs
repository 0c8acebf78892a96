//! What the policy tests share: loading a policy from text, and its problems as a user reads
//! them.

#![allow(dead_code)]

use tend_policy::{load_file, ConfigError, Policy};

/// Loads `text` as a `tend.toml` in a fresh directory.
pub fn load(text: &str) -> Result<Policy, ConfigError> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tend.toml");
    fs_err::write(&path, text).unwrap();
    load_file(&path)
}

/// Every problem as `line:column: message (hint)` with the offending line, the way a user
/// reads them.
pub fn rendered_problems(text: &str) -> String {
    match load(text).unwrap_err() {
        ConfigError::Invalid { problems, .. } => problems
            .into_iter()
            .map(|p| {
                let hint = p
                    .hint
                    .map(|h| format!("\n    hint: {h}"))
                    .unwrap_or_default();
                format!(
                    "{}:{}: {}\n    | {}{hint}",
                    p.location.line,
                    p.location.column.unwrap_or(0),
                    p.message,
                    p.line_text.unwrap_or_default()
                )
            })
            .collect::<Vec<_>>()
            .join("\n"),
        other => panic!("expected Invalid, got {other:?}"),
    }
}
