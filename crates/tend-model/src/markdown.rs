//! Markdown text made safe, for every crate that renders a Markdown report (the audit, outdated
//! and scan reports in tend-report, the plan in tend-plan): the escaping rules live here once,
//! below both.

use std::fmt::Write as _;

/// Text made safe for one table cell or one line: whitespace (newlines included) folded to
/// single spaces, `|` escaped, `<` written as an entity so that text from outside (an advisory
/// summary, a yank reason, an error message) is shown rather than taken as markup, and `*`
/// and `_` escaped so that a redacted URL (`https://ci:****@…`) or a name such as `__init__`
/// is not read as emphasis; `-` when empty.
pub fn markdown_cell(text: &str) -> String {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
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

/// `| a | b |` and a newline; cells already made safe with [`markdown_cell`].
pub fn markdown_row(out: &mut String, cells: &[&str]) {
    out.push('|');
    for cell in cells {
        let _ = write!(out, " {cell} |");
    }
    out.push('\n');
}

/// The `|---|---|` line under a header of `columns` cells.
pub fn markdown_rule(out: &mut String, columns: usize) {
    out.push('|');
    for _ in 0..columns {
        out.push_str("---|");
    }
    out.push('\n');
}

/// `text` verbatim in a fenced block tagged `info`, the fence one backtick longer than any run
/// of backticks inside, so that text from outside (a resolver's message) cannot close it.
pub fn markdown_fence(out: &mut String, info: &str, text: &str) {
    let mut longest = 0;
    let mut run = 0;
    for character in text.chars() {
        if character == '`' {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    let fence = "`".repeat((longest + 1).max(3));
    let _ = writeln!(out, "{fence}{info}");
    for line in text.lines() {
        let _ = writeln!(out, "{line}");
    }
    let _ = writeln!(out, "{fence}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_stay_on_one_line_and_escape_pipes_markup_and_emphasis() {
        assert_eq!(
            markdown_cell("broken | <b>wheel</b>\nmetadata >=2 & d"),
            "broken \\| &lt;b>wheel&lt;/b> metadata >=2 & d"
        );
        assert_eq!(markdown_cell(" \n"), "-");
        assert_eq!(
            markdown_cell("https://ci:****@host/simple __init__"),
            "https://ci:\\*\\*\\*\\*@host/simple \\_\\_init\\_\\_"
        );
        let mut out = String::new();
        markdown_row(&mut out, &["a", "b"]);
        markdown_rule(&mut out, 2);
        assert_eq!(out, "| a | b |\n|---|---|\n");
    }

    #[test]
    fn a_fence_is_longer_than_any_backticks_inside() {
        let mut out = String::new();
        markdown_fence(&mut out, "text", "plain\nlines");
        assert_eq!(out, "```text\nplain\nlines\n```\n");
        let mut out = String::new();
        markdown_fence(&mut out, "", "a ```` b");
        assert_eq!(out, "`````\na ```` b\n`````\n");
    }
}
