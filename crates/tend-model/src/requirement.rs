//! A panic-free way into pep508_rs.
//!
//! pep508_rs 0.9 panics (an `expect` in `parse_name` and `parse_extras_cursor`) on a package or
//! extra name that ends in `-`, `_` or `.` and is followed by more text (`foo- ==1`,
//! `foo[bar-]`). Every reader parses requirements from files that may be wrong or hostile, so
//! such names are refused here first, with the error pep508_rs would give.

use std::str::FromStr;

use pep508_rs::{Pep508Url, Requirement};

/// Why a PEP 508 requirement did not parse: a message and the byte offset it points at.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct RequirementParseError {
    pub message: String,
    pub start: usize,
}

/// Refuses the names pep508_rs would panic on; everything else is left to pep508_rs.
pub fn check_requirement_names(text: &str) -> Result<(), RequirementParseError> {
    fn name_run(text: &str, start: usize) -> usize {
        text[start..]
            .bytes()
            .take_while(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.'))
            .count()
    }
    fn skip_whitespace(text: &str, start: usize) -> usize {
        start + (text[start..].len() - text[start..].trim_start().len())
    }
    fn check(text: &str, start: usize, what: &str) -> Result<usize, RequirementParseError> {
        let end = start + name_run(text, start);
        if end > start && text[..end].ends_with(['-', '_', '.']) {
            return Err(RequirementParseError {
                message: format!(
                    "{what} must end with an alphanumeric character, not `{}`",
                    &text[end - 1..end]
                ),
                start: end - 1,
            });
        }
        Ok(end)
    }
    let mut position = check(text, skip_whitespace(text, 0), "Package name")?;
    position = skip_whitespace(text, position);
    if text[position..].starts_with('[') {
        position += 1;
        loop {
            position = check(text, skip_whitespace(text, position), "Extra name")?;
            position = skip_whitespace(text, position);
            if !text[position..].starts_with(',') {
                break;
            }
            position += 1;
        }
    }
    Ok(())
}

/// Parses a PEP 508 requirement without ever panicking.
pub fn parse_requirement<T: Pep508Url>(
    text: &str,
) -> Result<Requirement<T>, RequirementParseError> {
    check_requirement_names(text)?;
    Requirement::<T>::from_str(text).map_err(|error| RequirementParseError {
        message: error.message.to_string(),
        start: error.start,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_pep508_rs_would_panic_on_are_errors() {
        for text in ["foo- ==1", "foo[bar-]", "foo. >=1", "foo[a, b_ ]"] {
            let error = parse_requirement::<pep508_rs::VerbatimUrl>(text).unwrap_err();
            assert!(
                error
                    .message
                    .contains("must end with an alphanumeric character"),
                "{text}: {error}"
            );
        }
        assert!(
            parse_requirement::<pep508_rs::VerbatimUrl>("foo[bar]>=1; python_version>'3'").is_ok()
        );
        assert!(parse_requirement::<pep508_rs::VerbatimUrl>("foo >=").is_err());
    }
}
