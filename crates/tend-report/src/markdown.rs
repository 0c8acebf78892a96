//! Markdown table pieces shared by the reports that have a Markdown form.

use std::fmt::Write as _;

use crate::words::one_line;

/// A diagnostic's message with its notes in brackets, for one table cell.
pub(crate) fn message_with_notes(diagnostic: &tend_model::Diagnostic) -> String {
    let mut message = diagnostic.message.clone();
    for note in &diagnostic.notes {
        let _ = write!(message, " (note: {note})");
    }
    message
}

/// `| a | b |` and a newline; cells already made safe with [`cell`].
pub(crate) fn row(out: &mut String, cells: &[&str]) {
    out.push('|');
    for cell in cells {
        let _ = write!(out, " {cell} |");
    }
    out.push('\n');
}

/// The `|---|---|` line under a header of `columns` cells.
pub(crate) fn rule(out: &mut String, columns: usize) {
    out.push('|');
    for _ in 0..columns {
        out.push_str("---|");
    }
    out.push('\n');
}

/// Text made safe for one table cell or line: on one line, `|` escaped, `<` written as an
/// entity so that text from outside (an advisory summary, a yank reason, an error message) is
/// shown rather than taken as markup, and `*` and `_` escaped so that a redacted URL
/// (`https://ci:****@…`) or a name such as `__init__` is not read as emphasis; `-` when empty.
pub(crate) fn cell(text: &str) -> String {
    let text = one_line(text);
    if text.is_empty() {
        return "-".to_string();
    }
    let mut out = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '|' | '*' | '_' => {
                out.push('\\');
                out.push(character);
            }
            '<' => out.push_str("&lt;"),
            _ => out.push(character),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_stay_on_one_line_and_escape_pipes_markup_and_emphasis() {
        assert_eq!(
            cell("broken | <b>wheel</b>\nmetadata >=2 & d"),
            "broken \\| &lt;b>wheel&lt;/b> metadata >=2 & d"
        );
        assert_eq!(cell(" \n"), "-");
        assert_eq!(
            cell("https://ci:****@host/simple __init__"),
            "https://ci:\\*\\*\\*\\*@host/simple \\_\\_init\\_\\_"
        );
        let mut out = String::new();
        row(&mut out, &["a", "b"]);
        rule(&mut out, 2);
        assert_eq!(out, "| a | b |\n|---|---|\n");
    }
}
