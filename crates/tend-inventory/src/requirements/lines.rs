//! Turns the text of a requirements file into logical lines the way pip's `preprocess` does:
//! split into lines, join continuations, drop comments and blank lines, expand `${VAR}`.
//!
//! The order matters and follows pip: continuations are joined before comments are removed, so
//! `foo \` followed by `# note` ends the logical line, and a `\` at the end of a comment line
//! continues nothing.

use std::collections::BTreeMap;

/// One line as pip sees it after preprocessing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct LogicalLine {
    /// 1-based number of the physical line the logical line starts on.
    pub line: usize,
    /// Continuations joined, comment removed, trimmed, variables expanded.
    pub content: String,
    /// The first physical line as written, to show in errors.
    pub first_physical: String,
    /// Byte offset of `content` inside `first_physical`, when `content` is a verbatim slice of it
    /// (one physical line, nothing expanded); errors can then point at an exact column.
    pub offset_in_physical: Option<usize>,
}

impl LogicalLine {
    /// The text an error should show, and the 1-based file column of byte `offset` of `content`
    /// when there is one.
    pub fn display(&self, offset: Option<usize>) -> (String, Option<usize>) {
        match self.offset_in_physical {
            Some(base) => {
                let column = offset.and_then(|offset| {
                    self.first_physical
                        .get(..base + offset)
                        .map(|before| before.chars().count() + 1)
                });
                (self.first_physical.clone(), column)
            }
            // A joined or expanded line has no single column in the file; the message has to
            // say what was found instead.
            None => (self.content.clone(), None),
        }
    }
}

/// Splits like Python's `str.splitlines()`, which pip uses: besides `\n`, `\r\n` and `\r`, a few
/// control and Unicode separators also end a line, and line numbers must agree with pip's.
pub(super) fn split_lines(text: &str) -> Vec<&str> {
    let mut lines = Vec::new();
    let mut start = 0;
    let mut chars = text.char_indices().peekable();
    while let Some((index, character)) = chars.next() {
        let is_break = matches!(
            character,
            '\n' | '\r'
                | '\u{0b}'
                | '\u{0c}'
                | '\u{1c}'
                | '\u{1d}'
                | '\u{1e}'
                | '\u{85}'
                | '\u{2028}'
                | '\u{2029}'
        );
        if !is_break {
            continue;
        }
        lines.push(&text[start..index]);
        let mut end = index + character.len_utf8();
        if character == '\r' {
            if let Some(&(next_index, '\n')) = chars.peek() {
                chars.next();
                end = next_index + 1;
            }
        }
        start = end;
    }
    if start < text.len() {
        lines.push(&text[start..]);
    }
    lines
}

/// pip's `COMMENT_RE.match`: the line is a comment once leading whitespace is skipped.
fn is_comment_line(line: &str) -> bool {
    line.trim_start().starts_with('#')
}

/// Byte offset where a comment starts: a `#` at the start of the line or after whitespace. A `#`
/// glued to other text (`…#egg=name`, `…#sha256=…`) is part of a URL, not a comment.
fn comment_start(line: &str) -> Option<usize> {
    let mut previous: Option<char> = None;
    for (index, character) in line.char_indices() {
        if character == '#' && previous.is_none_or(char::is_whitespace) {
            return Some(index);
        }
        previous = Some(character);
    }
    None
}

/// A physical line ending in `\` continues on the next one; the joined line keeps the number of
/// its first physical line. pip strips every `\` at both ends of a continued line and nothing
/// else, so indentation of the next line is kept.
struct Joined<'a> {
    line: usize,
    text: String,
    first_physical: &'a str,
    physical_lines: usize,
}

fn join_lines<'a>(lines: &[&'a str]) -> Vec<Joined<'a>> {
    let mut joined = Vec::new();
    let mut pending: Option<Joined<'a>> = None;
    for (index, &line) in lines.iter().enumerate() {
        let number = index + 1;
        if !line.ends_with('\\') || is_comment_line(line) {
            // pip prefixes comment lines with a space so that the comment pattern (which needs
            // whitespace before `#`) still matches once the line is glued to a continuation.
            let text = if is_comment_line(line) {
                format!(" {line}")
            } else {
                line.to_string()
            };
            match pending.take() {
                Some(mut open) => {
                    open.text.push_str(&text);
                    open.physical_lines += 1;
                    joined.push(open);
                }
                None => joined.push(Joined {
                    line: number,
                    text,
                    first_physical: line,
                    physical_lines: 1,
                }),
            }
        } else {
            let open = pending.get_or_insert_with(|| Joined {
                line: number,
                text: String::new(),
                first_physical: line,
                physical_lines: 0,
            });
            open.text.push_str(line.trim_matches('\\'));
            open.physical_lines += 1;
        }
    }
    // A continuation at the end of the file is accepted, as pip does.
    if let Some(open) = pending {
        joined.push(open);
    }
    joined
}

/// Replaces `${NAME}` (upper-case letters, digits and `_` only) with the variable's value. As in
/// pip, a variable that is undefined or empty is left as written, and `$NAME` or `${lower}` are
/// never touched.
pub(super) fn expand_variables(text: &str, variables: &BTreeMap<String, String>) -> String {
    let mut expanded = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        let (before, from_dollar) = rest.split_at(start);
        expanded.push_str(before);
        let after_brace = &from_dollar[2..];
        let name_length = after_brace
            .bytes()
            .take_while(|byte| byte.is_ascii_uppercase() || byte.is_ascii_digit() || *byte == b'_')
            .count();
        let name = &after_brace[..name_length];
        let closed = after_brace[name_length..].starts_with('}');
        match variables.get(name) {
            Some(value) if closed && !name.is_empty() && !value.is_empty() => {
                expanded.push_str(value);
                rest = &after_brace[name_length + 1..];
            }
            _ => {
                expanded.push_str("${");
                rest = after_brace;
            }
        }
    }
    expanded.push_str(rest);
    expanded
}

/// The logical lines of a requirements file, comments and blank lines removed.
pub(super) fn logical_lines(text: &str, variables: &BTreeMap<String, String>) -> Vec<LogicalLine> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let physical = split_lines(text);
    let mut logical = Vec::new();
    for joined in join_lines(&physical) {
        let without_comment = match comment_start(&joined.text) {
            Some(start) => &joined.text[..start],
            None => joined.text.as_str(),
        };
        let content = without_comment.trim();
        if content.is_empty() {
            continue;
        }
        let expanded = expand_variables(content, variables);
        let verbatim = joined.physical_lines == 1 && expanded == content;
        let leading = without_comment.len() - without_comment.trim_start().len();
        logical.push(LogicalLine {
            line: joined.line,
            content: expanded,
            first_physical: joined.first_physical.to_string(),
            offset_in_physical: verbatim.then_some(leading),
        });
    }
    logical
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contents(text: &str) -> Vec<(usize, String)> {
        logical_lines(text, &BTreeMap::new())
            .into_iter()
            .map(|line| (line.line, line.content))
            .collect()
    }

    #[test]
    fn splits_like_python_splitlines() {
        assert_eq!(split_lines("a\r\nb\rc\nd"), ["a", "b", "c", "d"]);
        assert_eq!(split_lines("a\n\nb\n"), ["a", "", "b"]);
        assert_eq!(split_lines("a\u{0c}b\u{2028}c"), ["a", "b", "c"]);
        assert!(split_lines("").is_empty());
    }

    #[test]
    fn crlf_and_bom_do_not_leak_into_content() {
        assert_eq!(
            contents("\u{feff}flask==2.0\r\n\r\n# comment\r\nrequests\r\n"),
            [(1, "flask==2.0".to_string()), (4, "requests".to_string())]
        );
    }

    #[test]
    fn comments_need_whitespace_before_the_hash() {
        assert_eq!(
            contents("flask==2.0  # pinned for reasons\n#whole line\n   # indented\n"),
            [(1, "flask==2.0".to_string())]
        );
        assert_eq!(
            contents("git+https://example.com/repo.git#egg=thing\n"),
            [(1, "git+https://example.com/repo.git#egg=thing".to_string())]
        );
        assert_eq!(
            contents("https://example.com/x-1.0.tar.gz#sha256=ab # trailing\n"),
            [(1, "https://example.com/x-1.0.tar.gz#sha256=ab".to_string())]
        );
    }

    #[test]
    fn continuations_keep_the_first_line_number() {
        let text = "a\nflask==2.0 \\\n    --hash=sha256:aa \\\n    --hash=sha256:bb\nnext\n";
        assert_eq!(
            contents(text),
            [
                (1, "a".to_string()),
                (
                    2,
                    "flask==2.0     --hash=sha256:aa     --hash=sha256:bb".to_string()
                ),
                (5, "next".to_string()),
            ]
        );
    }

    #[test]
    fn comment_line_ends_a_continuation_and_does_not_continue() {
        assert_eq!(
            contents("foo \\\n# comment \\\nbar\n"),
            [(1, "foo".to_string()), (3, "bar".to_string())]
        );
    }

    #[test]
    fn dangling_continuation_at_end_of_file_is_accepted() {
        assert_eq!(contents("foo==1 \\"), [(1, "foo==1".to_string())]);
        assert_eq!(contents("\\\n"), Vec::<(usize, String)>::new());
    }

    #[test]
    fn expands_only_braced_upper_case_variables() {
        let variables = BTreeMap::from([
            ("TOKEN".to_string(), "s3cr3t".to_string()),
            ("EMPTY".to_string(), String::new()),
            ("lower".to_string(), "no".to_string()),
        ]);
        assert_eq!(
            expand_variables(
                "https://${TOKEN}@h/${TOKEN}/${MISSING}/$TOKEN/${lower}/${EMPTY}/${",
                &variables
            ),
            "https://s3cr3t@h/s3cr3t/${MISSING}/$TOKEN/${lower}/${EMPTY}/${"
        );
    }

    #[test]
    fn column_is_exact_only_for_verbatim_lines() {
        let lines = logical_lines("  flask=>2\nx \\\n y\n", &BTreeMap::new());
        assert_eq!(
            lines[0].display(Some(5)),
            ("  flask=>2".to_string(), Some(8))
        );
        assert_eq!(lines[1].display(Some(2)), ("x  y".to_string(), None));
    }
}
