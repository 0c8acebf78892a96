use std::fmt;
use std::path::PathBuf;

use serde::Serialize;

/// A place in a file a user can open: the path as the user would name it and a 1-based line.
///
/// Every declaration and every parse error carries one, so that any finding can point at the
/// line that caused it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Location {
    pub path: PathBuf,
    /// 1-based line number; 0 when the whole file is meant.
    pub line: usize,
    /// 1-based column, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
}

impl Location {
    pub fn new(path: impl Into<PathBuf>, line: usize) -> Self {
        Self {
            path: path.into(),
            line,
            column: None,
        }
    }

    /// The whole file, for problems that have no better place.
    pub fn file(path: impl Into<PathBuf>) -> Self {
        Self::new(path, 0)
    }

    #[must_use]
    pub fn with_column(mut self, column: usize) -> Self {
        self.column = Some(column);
        self
    }

    /// 1-based line of a byte offset in `text`, for parsers that report byte spans.
    pub fn line_of_offset(text: &str, offset: usize) -> (usize, usize) {
        let offset = offset.min(text.len());
        let before = &text.as_bytes()[..offset];
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        let line_start = before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |p| p + 1);
        let column = text
            .get(line_start..offset)
            .map_or(1, |s| s.chars().count() + 1);
        (line, column)
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if self.line > 0 {
            write!(f, ":{}", self.line)?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_of_offset_counts_lines_and_columns() {
        let text = "a = 1\nbb = 2\n";
        assert_eq!(Location::line_of_offset(text, 0), (1, 1));
        assert_eq!(Location::line_of_offset(text, 6), (2, 1));
        assert_eq!(Location::line_of_offset(text, 9), (2, 4));
    }

    #[test]
    fn display_omits_line_zero() {
        assert_eq!(Location::file("x.txt").to_string(), "x.txt");
        assert_eq!(
            Location::new("x.txt", 3).with_column(2).to_string(),
            "x.txt:3:2"
        );
    }
}
