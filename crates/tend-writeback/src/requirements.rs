//! Pins in pip requirements files (`requirements*.txt`, constraints files).
//!
//! The file is read as pip reads it (a physical line ending in `\` continues on the next one,
//! `#` after whitespace starts a comment, option lines start with `-`), but written back
//! physical line by physical line: only the bytes of a pinned version and of its `--hash`
//! options change.

use std::path::Path;
use std::str::FromStr;

use pep440_rs::VersionSpecifiers;
use tend_model::PackageName;

use crate::{Edit, Kept, KeptReason, PinChange, Rewritten, WriteBackError};

/// One physical line: its content and its line ending (`\n`, `\r\n`, or empty on a last line
/// without one).
#[derive(Debug, Clone)]
struct Line<'a> {
    content: &'a str,
    ending: &'a str,
}

fn physical_lines(text: &str) -> Vec<Line<'_>> {
    let mut lines = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        let Some(index) = rest.find('\n') else {
            lines.push(Line {
                content: rest,
                ending: "",
            });
            break;
        };
        let (line, after) = rest.split_at(index + 1);
        let (content, ending) = match line.strip_suffix("\r\n") {
            Some(content) => (content, "\r\n"),
            None => (&line[..line.len() - 1], "\n"),
        };
        lines.push(Line { content, ending });
        rest = after;
    }
    lines
}

fn is_comment(content: &str) -> bool {
    content.trim_start().starts_with('#')
}

fn continues(content: &str) -> bool {
    !is_comment(content) && content.ends_with('\\')
}

/// Where a comment starts: `#` at the start or after whitespace (`#egg=` in a URL is not one).
fn comment_start(content: &str) -> Option<usize> {
    let mut previous: Option<char> = None;
    for (index, character) in content.char_indices() {
        if character == '#' && previous.is_none_or(char::is_whitespace) {
            return Some(index);
        }
        previous = Some(character);
    }
    None
}

/// A line without its comment.
fn code(content: &str) -> &str {
    match comment_start(content) {
        Some(index) => &content[..index],
        None => content,
    }
}

/// The parts of a requirement's first physical line, as byte ranges into it.
struct Declared<'a> {
    name: PackageName,
    /// The specifier as written, trimmed, with its range.
    specifier: &'a str,
    specifier_start: usize,
    /// A `@` follows the name: a direct reference.
    direct: bool,
}

fn is_name_char(character: char) -> bool {
    character.is_ascii_alphanumeric() || matches!(character, '-' | '_' | '.')
}

/// Reads `name[extras] specifier` at the start of a requirement line. `None` when the line does
/// not start with a name (a path, a URL, an option).
fn declared(content: &str) -> Option<Declared<'_>> {
    let start = content.len() - content.trim_start().len();
    let rest = &content[start..];
    let first = rest.chars().next()?;
    if !first.is_ascii_alphanumeric() {
        return None;
    }
    let name_len = rest.find(|c: char| !is_name_char(c)).unwrap_or(rest.len());
    let name_text = &rest[..name_len];
    // `./pkg`, `pkg/sub`, `https://…`: not a name.
    let after_name = &rest[name_len..];
    if after_name.starts_with('/') || after_name.starts_with(':') {
        return None;
    }
    let name = PackageName::from_str(name_text).ok()?;
    let mut offset = start + name_len;
    let mut tail = after_name;
    let trimmed = tail.trim_start();
    if trimmed.starts_with('[') {
        let close = trimmed.find(']')?;
        let skipped = tail.len() - trimmed.len() + close + 1;
        offset += skipped;
        tail = &tail[skipped..];
    }
    if tail.trim_start().starts_with('@') {
        return Some(Declared {
            name,
            specifier: "",
            specifier_start: offset,
            direct: true,
        });
    }
    // The specifier ends at a marker, a comment, an option or a continuation.
    let mut end = tail.len();
    if let Some(index) = tail.find(';') {
        end = end.min(index);
    }
    if let Some(index) = comment_start(tail) {
        end = end.min(index);
    }
    if let Some(index) = option_start(tail) {
        end = end.min(index);
    }
    if tail[..end].ends_with('\\') {
        end -= 1;
    }
    let raw = &tail[..end];
    let leading = raw.len() - raw.trim_start().len();
    Some(Declared {
        name,
        specifier: raw.trim(),
        specifier_start: offset + leading,
        direct: false,
    })
}

/// Where the first ` --option` starts (an option must follow whitespace).
fn option_start(text: &str) -> Option<usize> {
    let mut previous: Option<char> = None;
    for (index, character) in text.char_indices() {
        if character == '-'
            && text[index..].starts_with("--")
            && previous.is_some_and(char::is_whitespace)
        {
            return Some(index);
        }
        previous = Some(character);
    }
    None
}

/// The `--hash` options of one stretch of text, with the range they cover.
fn hash_span(text: &str) -> Option<(usize, usize, usize)> {
    let mut first = None;
    let mut last_end = 0;
    let mut count = 0;
    let mut search = 0;
    while let Some(found) = text[search..].find("--hash") {
        let start = search + found;
        let mut end = start + "--hash".len();
        let after = &text[end..];
        // `--hash=algo:digest` or `--hash algo:digest`.
        let value_start = if let Some(stripped) = after.strip_prefix('=') {
            end + 1 + (stripped.len() - stripped.trim_start().len())
        } else {
            end + (after.len() - after.trim_start().len())
        };
        end = value_start
            + text[value_start..]
                .find(|c: char| c.is_whitespace() || c == '\\')
                .unwrap_or(text.len() - value_start);
        first.get_or_insert(start);
        last_end = end;
        count += 1;
        search = end;
    }
    first.map(|first| (first, last_end, count))
}

/// The version of an exact pin (`==1.2.3`, `=== 1.2.3`), with its offset in `specifier`.
fn exact_pin(specifier: &str) -> Option<(usize, &str)> {
    let operator = if specifier.starts_with("===") {
        3
    } else if specifier.starts_with("==") {
        2
    } else {
        return None;
    };
    let rest = &specifier[operator..];
    let version = rest.trim_start();
    if version.is_empty() || version.contains([',', '*', ' ']) {
        return None;
    }
    Some((specifier.len() - version.len(), version))
}

/// Rewrites the pins of `changes` in a requirements file's text. `file` names the file in
/// errors. Every declaration of a changed package is handled: an exact pin is rewritten, a
/// range that allows the new version is kept, one that does not is an error.
pub fn rewrite_requirements(
    file: &Path,
    text: &str,
    changes: &[PinChange],
) -> Result<Rewritten, WriteBackError> {
    let lines = physical_lines(text);
    let mut out = String::with_capacity(text.len() + 64);
    let mut edits = Vec::new();
    let mut kept = Vec::new();
    let mut index = 0;
    while index < lines.len() {
        // The logical line: this physical line and its continuations.
        let first = index;
        let mut last = index;
        while continues(lines[last].content) && last + 1 < lines.len() {
            last += 1;
        }
        index = last + 1;
        let group = &lines[first..=last];
        let number = first + 1;
        // A byte-order mark belongs to the text, not to the first name.
        let (bom, head) = match group[0].content.strip_prefix('\u{feff}') {
            Some(rest) if first == 0 => ("\u{feff}", rest),
            _ => ("", group[0].content),
        };
        let change = if is_comment(head) || head.trim_start().starts_with('-') {
            None
        } else {
            declared(head).and_then(|declared| {
                changes
                    .iter()
                    .find(|change| change.name == declared.name)
                    .map(|change| (declared, change))
            })
        };
        let Some((declared, change)) = change else {
            for line in group {
                out.push_str(line.content);
                out.push_str(line.ending);
            }
            continue;
        };
        let name = change.name.clone();
        if declared.direct {
            kept.push(Kept {
                line: number,
                name,
                reason: KeptReason::DirectReference,
            });
            for line in group {
                out.push_str(line.content);
                out.push_str(line.ending);
            }
            continue;
        }
        let Some((version_offset, written)) = exact_pin(declared.specifier) else {
            // A range, a wildcard or nothing: fine when it allows the new version.
            let allows = declared.specifier.is_empty()
                || VersionSpecifiers::from_str(declared.specifier)
                    .is_ok_and(|specifiers| specifiers.contains(&change.to));
            if !allows {
                return Err(WriteBackError::Excludes {
                    file: file.to_path_buf(),
                    line: number,
                    name,
                    specifier: declared.specifier.to_string(),
                    to: change.to.clone(),
                });
            }
            kept.push(Kept {
                line: number,
                name,
                reason: KeptReason::Allows {
                    specifier: declared.specifier.to_string(),
                },
            });
            for line in group {
                out.push_str(line.content);
                out.push_str(line.ending);
            }
            continue;
        };
        let from = written.to_string();
        let version_start = declared.specifier_start + version_offset;
        let new_head = format!(
            "{}{}{}",
            &head[..version_start],
            change.to,
            &head[version_start + written.len()..]
        );
        let (hashes, new_lines) = rewrite_hashes(file, number, change, &new_head, &group[1..])?;
        out.push_str(bom);
        out.push_str(&new_lines.0);
        out.push_str(group[0].ending);
        for (content, ending) in new_lines.1 {
            out.push_str(&content);
            out.push_str(ending);
        }
        edits.push(Edit {
            line: number,
            name,
            from,
            to: change.to.clone(),
            hashes,
        });
    }
    Ok(Rewritten {
        text: out,
        edits,
        kept,
    })
}

type NewLines<'a> = (String, Vec<(String, &'a str)>);

/// Replaces the `--hash` options of one declaration, on its first line or on continuation
/// lines of their own (the layout pip-compile and uv write), and returns how many it has now.
fn rewrite_hashes<'a>(
    file: &Path,
    line: usize,
    change: &PinChange,
    head: &str,
    rest: &[Line<'a>],
) -> Result<(usize, NewLines<'a>), WriteBackError> {
    let layout = |what| WriteBackError::Layout {
        file: file.to_path_buf(),
        line,
        name: change.name.clone(),
        what,
    };
    let inline = hash_span(code(head));
    let hash_lines: Vec<usize> = rest
        .iter()
        .enumerate()
        .filter(|(_, line)| hash_span(code(line.content)).is_some())
        .map(|(index, _)| index)
        .collect();
    let kept_rest = || {
        rest.iter()
            .map(|line| (line.content.to_string(), line.ending))
            .collect::<Vec<_>>()
    };
    if inline.is_none() && hash_lines.is_empty() {
        return Ok((0, (head.to_string(), kept_rest())));
    }
    if change.hashes.is_empty() {
        return Err(WriteBackError::MissingHashes {
            file: file.to_path_buf(),
            line,
            name: change.name.clone(),
            to: change.to.clone(),
        });
    }
    let options: Vec<String> = change
        .hashes
        .iter()
        .map(|hash| format!("--hash={hash}"))
        .collect();
    if let Some((start, end, _)) = inline {
        if !hash_lines.is_empty() {
            return Err(layout(
                "--hash options both on the first line and on continuation lines",
            ));
        }
        let new_head = format!("{}{}{}", &head[..start], options.join(" "), &head[end..]);
        return Ok((options.len(), (new_head, kept_rest())));
    }
    // Every hash line must hold hash options only, and they must be one run.
    let (first, last) = (hash_lines[0], hash_lines[hash_lines.len() - 1]);
    if last - first + 1 != hash_lines.len() {
        return Err(layout("--hash lines separated by other lines"));
    }
    for &index in &hash_lines {
        let content = code(rest[index].content);
        let body = content.trim().trim_end_matches('\\').trim();
        let (start, end, _) = hash_span(body).unwrap_or((0, 0, 0));
        if start != 0 || end != body.len() {
            return Err(layout("a --hash line with other text on it"));
        }
        if rest[index].content.len() != content.len() {
            return Err(layout("a comment on a --hash line"));
        }
    }
    let template = rest[first].content;
    let indent = &template[..template.len() - template.trim_start().len()];
    let last_continues = rest[last].content.trim_end().ends_with('\\');
    let mut new_rest: Vec<(String, &'a str)> = Vec::new();
    for (index, line) in rest.iter().enumerate() {
        if index < first || index > last {
            new_rest.push((line.content.to_string(), line.ending));
            continue;
        }
        if index != first {
            continue;
        }
        for (position, option) in options.iter().enumerate() {
            let is_last = position + 1 == options.len();
            let continuation = if !is_last || last_continues {
                " \\"
            } else {
                ""
            };
            let ending = if is_last {
                rest[last].ending
            } else {
                line.ending
            };
            new_rest.push((format!("{indent}{option}{continuation}"), ending));
        }
    }
    Ok((options.len(), (head.to_string(), new_rest)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declared_reads_name_extras_and_specifier() {
        let found = declared("Flask[async] == 2.2.3 ; python_version < '3.12'  # web").unwrap();
        assert_eq!(found.name.as_ref(), "flask");
        assert_eq!(found.specifier, "== 2.2.3");
        assert_eq!(exact_pin(found.specifier), Some((3, "2.2.3")));
        assert!(declared("./local/pkg").is_none());
        assert!(declared("https://example.invalid/a.whl").is_none());
        assert!(
            declared("pkg @ https://example.invalid/a.whl")
                .unwrap()
                .direct
        );
        assert_eq!(declared("alpha==1.0 \\").unwrap().specifier, "==1.0");
        assert_eq!(
            declared("alpha==1.0 --hash=sha256:aa").unwrap().specifier,
            "==1.0"
        );
    }

    #[test]
    fn wildcards_and_ranges_are_not_exact_pins() {
        assert_eq!(exact_pin("==1.*"), None);
        assert_eq!(exact_pin(">=1.0"), None);
        assert_eq!(exact_pin("==1.0,<2"), None);
        assert_eq!(exact_pin("===1.0-custom"), Some((3, "1.0-custom")));
    }
}
