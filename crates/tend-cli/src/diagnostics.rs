//! The one renderer for errors and warnings on standard error, and the mapping from outcomes
//! to exit codes: 0 clean, 1 findings at or above `--fail-on`, 2 usage or input error.

use std::fmt::Write as _;
use std::process::ExitCode;

use tend_inventory::{InventoryError, SourceError};
use tend_model::{Diagnostic, Location};
use tend_policy::ConfigError;

/// A mistake in how tend was called, as opposed to a problem in a file.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// How a command ended, when it ran to the end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// Nothing at or above the failure threshold.
    Success,
    /// Findings at or above the failure threshold.
    Failure,
}

impl From<ExitStatus> for ExitCode {
    fn from(status: ExitStatus) -> Self {
        match status {
            ExitStatus::Success => ExitCode::SUCCESS,
            ExitStatus::Failure => ExitCode::from(1),
        }
    }
}

/// Prints the error with everything a user needs to fix it and returns exit code 2.
pub fn report_error(error: &anyhow::Error) -> ExitCode {
    eprint!("{}", render_error(error));
    ExitCode::from(2)
}

fn render_error(error: &anyhow::Error) -> String {
    let mut out = String::new();
    if let Some(ConfigError::Invalid { path, problems }) = error.downcast_ref::<ConfigError>() {
        for problem in problems {
            let _ = writeln!(out, "error: {}", problem.message);
            out.push_str(&snippet(&problem.location, problem.line_text.as_deref()));
            if let Some(hint) = &problem.hint {
                let _ = writeln!(out, "hint: {hint}");
            }
        }
        let _ = writeln!(
            out,
            "error: the policy in `{}` has {} problem{}",
            path.display(),
            problems.len(),
            if problems.len() == 1 { "" } else { "s" }
        );
        return out;
    }
    let source_error = error.downcast_ref::<SourceError>().or_else(|| {
        match error.downcast_ref::<InventoryError>() {
            Some(InventoryError::Source(source)) => Some(source),
            _ => None,
        }
    });
    if let Some(SourceError::Parse {
        location,
        message,
        line_text,
    }) = source_error
    {
        let _ = writeln!(out, "error: {message}");
        out.push_str(&snippet(location, line_text.as_deref()));
        return out;
    }
    let _ = writeln!(out, "error: {error}");
    for cause in error.chain().skip(1) {
        let _ = writeln!(out, "  Caused by: {cause}");
    }
    out
}

/// `  --> file:line:col`, the line itself and a marker under the column.
fn snippet(location: &Location, line_text: Option<&str>) -> String {
    let mut out = format!("  --> {location}\n");
    if let (Some(text), true) = (line_text, location.line > 0) {
        let number = location.line.to_string();
        let pad = " ".repeat(number.len());
        let _ = writeln!(out, "{pad} |");
        let _ = writeln!(out, "{number} | {text}");
        if let Some(column) = location.column {
            let indent: String = text
                .chars()
                .take(column.saturating_sub(1))
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            let _ = writeln!(out, "{pad} | {indent}^");
        }
    }
    out
}

/// Non-fatal problems met while reading (a broken distribution, an odd line), on standard error.
pub fn print_warnings(diagnostics: &[Diagnostic]) {
    let mut out = String::new();
    for diagnostic in diagnostics {
        let _ = writeln!(out, "{}: {}", diagnostic.severity, diagnostic.message);
        if let Some(location) = &diagnostic.location {
            let _ = writeln!(out, "  --> {location}");
        }
        for note in &diagnostic.notes {
            let _ = writeln!(out, "  note: {note}");
        }
    }
    eprint!("{out}");
}
