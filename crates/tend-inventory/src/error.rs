use std::path::PathBuf;

use tend_model::Location;

/// A source file the user named (or that one of theirs includes) could not be read.
///
/// Parse problems carry the location and the offending line so the CLI can show it with a marker
/// under the column.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("{location}: {message}")]
    Parse {
        location: Location,
        message: String,
        /// The text of the offending line, without its line ending.
        line_text: Option<String>,
    },
    #[error("failed to read `{}`", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}:{line}: the file is not valid UTF-8", path.display())]
    NotUtf8 { path: PathBuf, line: usize },
}

impl SourceError {
    pub fn parse(location: Location, message: impl Into<String>, line_text: Option<&str>) -> Self {
        Self::Parse {
            location,
            message: message.into(),
            line_text: line_text.map(str::to_string),
        }
    }

    /// The location to point at, when the error has one.
    pub fn location(&self) -> Option<&Location> {
        match self {
            Self::Parse { location, .. } => Some(location),
            Self::Io { .. } | Self::NotUtf8 { .. } => None,
        }
    }
}

/// Reads a source file as UTF-8 text, dropping a leading byte-order mark and naming the first
/// line that is not UTF-8.
pub fn read_text(path: &std::path::Path) -> Result<String, SourceError> {
    let bytes = fs_err::read(path).map_err(|source| SourceError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(text.to_string()),
        Err(error) => {
            let line = bytes[..error.valid_up_to()]
                .iter()
                .filter(|&&b| b == b'\n')
                .count()
                + 1;
            Err(SourceError::NotUtf8 {
                path: path.to_path_buf(),
                line,
            })
        }
    }
}
