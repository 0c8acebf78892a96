//! Finding and reading the policy file of a project.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::raw::{deserialize_problem, RawConfig, SourceText};
use crate::{ConfigError, Policy};

/// The file a policy was read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigFile {
    /// A `tend.toml`.
    Tend(PathBuf),
    /// The `[tool.tend]` table of a `pyproject.toml`.
    Pyproject(PathBuf),
}

impl ConfigFile {
    pub fn path(&self) -> &Path {
        match self {
            Self::Tend(path) | Self::Pyproject(path) => path,
        }
    }
}

/// Reads the project's policy: `tend.toml` in `project`, else `[tool.tend]` in its
/// `pyproject.toml`, else the defaults.
pub fn load(project: &Path) -> Result<Policy, ConfigError> {
    let tend = project.join("tend.toml");
    if tend.is_file() {
        return load_file(&tend);
    }
    let pyproject = project.join("pyproject.toml");
    if pyproject.is_file() {
        return load_file(&pyproject);
    }
    Ok(Policy::default())
}

/// Reads a policy file named by the user: a `tend.toml`, or a `pyproject.toml` whose
/// `[tool.tend]` table is used.
pub fn load_file(path: &Path) -> Result<Policy, ConfigError> {
    let text = read(path)?;
    let is_pyproject = path
        .file_name()
        .is_some_and(|name| name == "pyproject.toml");
    parse(path, &text, is_pyproject)
}

fn read(path: &Path) -> Result<String, ConfigError> {
    let bytes = fs_err::read(path).map_err(|source| ConfigError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    String::from_utf8(bytes).map_err(|_| ConfigError::NotUtf8 {
        path: path.to_path_buf(),
    })
}

fn parse(path: &Path, text: &str, is_pyproject: bool) -> Result<Policy, ConfigError> {
    let source = SourceText {
        path,
        text: text.strip_prefix('\u{feff}').unwrap_or(text),
    };
    let invalid = |problems| ConfigError::Invalid {
        path: path.to_path_buf(),
        problems,
    };
    let raw: RawConfig = if is_pyproject {
        // Deserialise the whole document so that spans stay relative to the file.
        #[derive(Deserialize)]
        struct Document {
            tool: Option<DocumentTool>,
        }
        #[derive(Deserialize)]
        struct DocumentTool {
            tend: Option<RawConfig>,
        }
        let document: Document = toml::from_str(source.text)
            .map_err(|error| invalid(vec![deserialize_problem(&source, &error)]))?;
        match document.tool.and_then(|tool| tool.tend) {
            Some(raw) => raw,
            // A pyproject.toml without `[tool.tend]` is no policy file: the defaults apply.
            None => return Ok(Policy::default()),
        }
    } else {
        toml::from_str(source.text)
            .map_err(|error| invalid(vec![deserialize_problem(&source, &error)]))?
    };
    let mut policy = raw.validate(&source).map_err(invalid)?;
    policy.file = Some(if is_pyproject {
        ConfigFile::Pyproject(path.to_path_buf())
    } else {
        ConfigFile::Tend(path.to_path_buf())
    });
    Ok(policy)
}
