//! Markdown table pieces shared by the reports that have a Markdown form.

use std::fmt::Write as _;

/// A diagnostic's message with its notes in brackets, for one table cell.
pub(crate) fn message_with_notes(diagnostic: &tend_model::Diagnostic) -> String {
    let mut message = diagnostic.message.clone();
    for note in &diagnostic.notes {
        let _ = write!(message, " (note: {note})");
    }
    message
}

// The escaping and table pieces live in tend-model, shared with the plan's Markdown.
pub(crate) use tend_model::{markdown_cell as cell, markdown_row as row, markdown_rule as rule};
