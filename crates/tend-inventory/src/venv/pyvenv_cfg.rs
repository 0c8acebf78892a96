//! `pyvenv.cfg`: the file that makes a directory a virtual environment.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use tend_model::{Code, Diagnostic, Location, Severity, Version};

use crate::{read_text, SourceError};

/// The keys of `pyvenv.cfg` tend uses. Keys are read as `site.py` reads them: `key = value`,
/// key without case, value trimmed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PyvenvCfg {
    /// The directory of the base interpreter (`home`).
    pub home: Option<PathBuf>,
    pub include_system_site_packages: bool,
    /// `version` (venv, uv) or `version_info` (virtualenv), as PEP 440.
    pub version: Option<Version>,
    /// `implementation` (virtualenv, uv: `CPython`, `PyPy`).
    pub implementation: Option<String>,
    pub diagnostics: Vec<Diagnostic>,
}

impl PyvenvCfg {
    pub fn read(path: &Path) -> Result<Self, SourceError> {
        Ok(Self::parse(&read_text(path)?, path))
    }

    pub fn parse(text: &str, path: &Path) -> Self {
        let mut cfg = Self::default();
        for (index, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let Some((key, value)) = line.split_once('=') else {
                // site.py skips such lines; say so rather than drop it silently.
                cfg.diagnostics.push(
                    Diagnostic::new(
                        Code::SourceWarning,
                        Severity::Warning,
                        format!("ignored line `{line}`: expected `key = value`"),
                    )
                    .with_location(Location::new(path, index + 1)),
                );
                continue;
            };
            let value = value.trim();
            match key.trim().to_ascii_lowercase().as_str() {
                "home" => cfg.home = Some(PathBuf::from(value)),
                "include-system-site-packages" => {
                    cfg.include_system_site_packages = value.eq_ignore_ascii_case("true");
                }
                "version" | "version_info" => {
                    if let Some(version) = python_version(value) {
                        // `version` is the interpreter's own; virtualenv writes both.
                        if cfg.version.is_none() || key.trim().eq_ignore_ascii_case("version") {
                            cfg.version = Some(version);
                        }
                    } else {
                        cfg.diagnostics.push(
                            Diagnostic::new(
                                Code::SourceWarning,
                                Severity::Warning,
                                format!(
                                    "ignored `{}`: `{value}` is not a Python version",
                                    key.trim()
                                ),
                            )
                            .with_location(Location::new(path, index + 1)),
                        );
                    }
                }
                "implementation" => cfg.implementation = Some(value.to_string()),
                _ => {}
            }
        }
        cfg
    }
}

/// Reads `3.11.7` or `3.12.1.final.0` / `3.13.0.candidate.1` (`sys.version_info` joined by
/// dots) as a PEP 440 version.
pub fn python_version(text: &str) -> Option<Version> {
    let parts: Vec<&str> = text.trim().split('.').collect();
    let text = match parts.as_slice() {
        [major, minor, micro, level, serial] => {
            let suffix = match *level {
                "final" => String::new(),
                "alpha" => format!("a{serial}"),
                "beta" => format!("b{serial}"),
                "candidate" => format!("rc{serial}"),
                _ => return None,
            };
            format!("{major}.{minor}.{micro}{suffix}")
        }
        _ => text.trim().to_string(),
    };
    let version = Version::from_str(&text).ok()?;
    (version.release().len() >= 2).then_some(version)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_venv_and_virtualenv_files() {
        let cfg = PyvenvCfg::parse(
            "home = /usr/bin\ninclude-system-site-packages = True\nversion = 3.11.7\n\
             executable = /usr/bin/python3.11\n",
            Path::new("pyvenv.cfg"),
        );
        assert_eq!(cfg.home, Some(PathBuf::from("/usr/bin")));
        assert!(cfg.include_system_site_packages);
        assert_eq!(cfg.version.unwrap().to_string(), "3.11.7");
        let cfg = PyvenvCfg::parse(
            "home = /opt/pypy/bin\nimplementation = PyPy\nversion_info = 3.10.14.final.0\n\
             include-system-site-packages = false\nbroken line\n",
            Path::new("pyvenv.cfg"),
        );
        assert!(!cfg.include_system_site_packages);
        assert_eq!(cfg.implementation.as_deref(), Some("PyPy"));
        assert_eq!(cfg.version.unwrap().to_string(), "3.10.14");
        assert_eq!(
            cfg.diagnostics[0].location,
            Some(Location::new("pyvenv.cfg", 5))
        );
    }

    #[test]
    fn version_info_pre_releases() {
        assert_eq!(
            python_version("3.13.0.candidate.1").unwrap().to_string(),
            "3.13.0rc1"
        );
        assert_eq!(
            python_version("3.14.0.alpha.2").unwrap().to_string(),
            "3.14.0a2"
        );
        assert_eq!(python_version("3"), None);
        assert_eq!(python_version("x.y"), None);
    }
}
