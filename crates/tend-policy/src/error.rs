use std::path::PathBuf;

use tend_model::Location;

/// One problem in a policy file, pointing at the line that causes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigProblem {
    pub location: Location,
    pub message: String,
    /// The offending line, for rendering with a marker.
    pub line_text: Option<String>,
    pub hint: Option<String>,
}

/// The policy file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("failed to read `{}`", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("`{}` is not valid UTF-8", path.display())]
    NotUtf8 { path: PathBuf },
    /// Every problem found, in file order.
    #[error("invalid policy in `{}`: {}", path.display(), problems.first().map_or("", |p| p.message.as_str()))]
    Invalid {
        path: PathBuf,
        problems: Vec<ConfigProblem>,
    },
}
