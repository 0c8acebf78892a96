use std::fmt;

use pep440_rs::{Operator, Version, VersionSpecifiers};
use pep508_rs::{ExtraName, MarkerTree, PackageName};
use serde::{Serialize, Serializer};

use crate::{Hash, Location};

/// The kind of file a declaration was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SourceKind {
    /// A pip requirements file (`requirements.txt`, `-r`/`-c` includes).
    RequirementsTxt,
    /// `pyproject.toml`: PEP 621 `[project]`, PEP 735 `[dependency-groups]`, `[tool.poetry]`.
    Pyproject,
    UvLock,
    PoetryLock,
    PipfileLock,
    PdmLock,
    /// PEP 751 `pylock.toml` / `pylock.*.toml`.
    Pylock,
}

impl SourceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::RequirementsTxt => "requirements-txt",
            Self::Pyproject => "pyproject",
            Self::UvLock => "uv-lock",
            Self::PoetryLock => "poetry-lock",
            Self::PipfileLock => "pipfile-lock",
            Self::PdmLock => "pdm-lock",
            Self::Pylock => "pylock",
        }
    }

    pub fn is_lockfile(self) -> bool {
        !matches!(self, Self::RequirementsTxt | Self::Pyproject)
    }
}

impl fmt::Display for SourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a declaration asks of the environment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DeclarationKind {
    /// Something to install (a requirements line, a `[project]` dependency).
    Requirement,
    /// Limits a version if the package is installed for another reason (`-c` files).
    Constraint,
    /// An exact resolution recorded by a lockfile.
    Locked,
}

/// Which set of dependencies a declaration belongs to.
///
/// Serialised as one string: `main`, `dev`, `extra:<name>` or `group:<name>`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Group {
    /// What the project needs at run time.
    Main,
    /// Development-only (Poetry's and Pipenv's `dev`, PDM's dev groups, uv's `dev-dependencies`).
    Dev,
    /// A PEP 621 optional dependency set (an extra).
    Extra(ExtraName),
    /// A named group (PEP 735 `[dependency-groups]`, Poetry groups, lockfile groups).
    Group(String),
}

impl Group {
    pub fn is_main(&self) -> bool {
        matches!(self, Self::Main)
    }
}

impl fmt::Display for Group {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Main => f.write_str("main"),
            Self::Dev => f.write_str("dev"),
            Self::Extra(extra) => write!(f, "extra:{extra}"),
            Self::Group(group) => write!(f, "group:{group}"),
        }
    }
}

impl Serialize for Group {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// How tightly a declaration fixes the version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SpecifierKind {
    /// `==1.2.3`, `===1.2.3`, or a lockfile entry: exactly one version.
    Pinned,
    /// `~=`, `==1.2.*`, or a range with both bounds (`>=1.2,<2`).
    Bounded,
    /// A lower bound only (`>=1.2`), exclusions only, or nothing at all.
    Unbounded,
    /// A direct URL or path: the version is whatever that artefact holds.
    Url,
}

/// One package as one source declares it, with the file and line it came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Declaration {
    pub name: PackageName,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub extras: Vec<ExtraName>,
    /// The version specifiers; empty when any version will do (or a URL is given).
    pub specifier: VersionSpecifiers,
    /// A direct URL, VCS URL or local path, as written (credentials redacted on output).
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "serialize_redacted"
    )]
    pub url: Option<String>,
    #[serde(rename = "markers", serialize_with = "crate::serialize_marker")]
    pub marker: MarkerTree,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub hashes: Vec<Hash>,
    pub kind: DeclarationKind,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub editable: bool,
    pub group: Group,
    pub source: SourceKind,
    pub location: Location,
}

fn serialize_redacted<S: Serializer>(
    url: &Option<String>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match url {
        Some(url) => serializer.serialize_some(&redact_url(url)),
        None => serializer.serialize_none(),
    }
}

/// Hides the password (or token) in `scheme://user:secret@host/…`; the user name stays so that a
/// reader can tell which credential was used.
pub fn redact_url(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return url.to_string();
    };
    let rest = &url[scheme_end + 3..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    let Some(at) = authority.rfind('@') else {
        return url.to_string();
    };
    let userinfo = &authority[..at];
    let redacted = match userinfo.split_once(':') {
        Some((user, _)) => format!("{user}:****"),
        None => "****".to_string(),
    };
    format!("{}{}{}", &url[..scheme_end + 3], redacted, &rest[at..])
}

impl Declaration {
    /// A declaration with no specifier, no URL, no markers, in the main group.
    pub fn new(
        name: PackageName,
        kind: DeclarationKind,
        source: SourceKind,
        location: Location,
    ) -> Self {
        Self {
            name,
            extras: Vec::new(),
            specifier: VersionSpecifiers::empty(),
            url: None,
            marker: MarkerTree::TRUE,
            hashes: Vec::new(),
            kind,
            editable: false,
            group: Group::Main,
            source,
            location,
        }
    }

    /// The exact version this declaration allows, when it allows exactly one.
    pub fn pinned_version(&self) -> Option<&Version> {
        match self.specifier.iter().as_slice() {
            [only] if matches!(only.operator(), Operator::Equal | Operator::ExactEqual) => {
                Some(only.version())
            }
            _ => None,
        }
    }

    pub fn specifier_kind(&self) -> SpecifierKind {
        if self.url.is_some() {
            return SpecifierKind::Url;
        }
        if self.pinned_version().is_some() {
            return SpecifierKind::Pinned;
        }
        let mut lower = false;
        let mut upper = false;
        for specifier in self.specifier.iter() {
            match specifier.operator() {
                Operator::Equal
                | Operator::ExactEqual
                | Operator::EqualStar
                | Operator::TildeEqual => {
                    lower = true;
                    upper = true;
                }
                Operator::GreaterThan | Operator::GreaterThanEqual => lower = true,
                Operator::LessThan | Operator::LessThanEqual => upper = true,
                Operator::NotEqual | Operator::NotEqualStar => {}
            }
        }
        if lower && upper {
            SpecifierKind::Bounded
        } else {
            SpecifierKind::Unbounded
        }
    }
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;

    fn declaration(specifier: &str) -> Declaration {
        let mut declaration = Declaration::new(
            PackageName::from_str("flask").unwrap(),
            DeclarationKind::Requirement,
            SourceKind::RequirementsTxt,
            Location::new("requirements.txt", 1),
        );
        declaration.specifier = VersionSpecifiers::from_str(specifier).unwrap();
        declaration
    }

    #[test]
    fn specifier_kinds() {
        assert_eq!(
            declaration("==2.2.3").specifier_kind(),
            SpecifierKind::Pinned
        );
        assert_eq!(
            declaration("===2.2.3").specifier_kind(),
            SpecifierKind::Pinned
        );
        assert_eq!(
            declaration("==2.2.*").specifier_kind(),
            SpecifierKind::Bounded
        );
        assert_eq!(
            declaration("~=2.2").specifier_kind(),
            SpecifierKind::Bounded
        );
        assert_eq!(
            declaration(">=2,<3").specifier_kind(),
            SpecifierKind::Bounded
        );
        assert_eq!(
            declaration(">=2").specifier_kind(),
            SpecifierKind::Unbounded
        );
        assert_eq!(
            declaration("!=2.0").specifier_kind(),
            SpecifierKind::Unbounded
        );
        assert_eq!(declaration("").specifier_kind(), SpecifierKind::Unbounded);
        assert_eq!(
            declaration("==2.2.3").pinned_version(),
            Some(&Version::from_str("2.2.3").unwrap())
        );
        assert_eq!(declaration("==2.2.3,!=2.2.4").pinned_version(), None);
    }

    #[test]
    fn redacts_passwords_in_urls() {
        assert_eq!(
            redact_url("https://u:p@host/simple"),
            "https://u:****@host/simple"
        );
        assert_eq!(
            redact_url("https://token@host/x@y"),
            "https://****@host/x@y"
        );
        assert_eq!(redact_url("https://host/simple"), "https://host/simple");
        assert_eq!(redact_url("./local/path"), "./local/path");
    }
}
