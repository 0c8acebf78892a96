use std::cmp::Ordering;
use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use pep440_rs::{Version, VersionSpecifiers};
use pep508_rs::{ExtraName, PackageName, Requirement};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An installed version: PEP 440 when it parses, otherwise the text as the metadata gives it.
///
/// Legacy versions occur in real environments (old sdists, vendored builds); they are carried
/// through rather than rejected, and compare as unequal to every PEP 440 version.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum DistVersion {
    Pep440(Version),
    Legacy(String),
}

impl DistVersion {
    pub fn parse(text: &str) -> Self {
        match Version::from_str(text.trim()) {
            Ok(version) => Self::Pep440(version),
            Err(_) => Self::Legacy(text.trim().to_string()),
        }
    }

    pub fn pep440(&self) -> Option<&Version> {
        match self {
            Self::Pep440(version) => Some(version),
            Self::Legacy(_) => None,
        }
    }
}

impl PartialOrd for DistVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for DistVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Self::Pep440(a), Self::Pep440(b)) => a.cmp(b),
            (Self::Legacy(a), Self::Legacy(b)) => a.cmp(b),
            (Self::Legacy(_), Self::Pep440(_)) => Ordering::Less,
            (Self::Pep440(_), Self::Legacy(_)) => Ordering::Greater,
        }
    }
}

impl fmt::Display for DistVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Pep440(version) => version.fmt(f),
            Self::Legacy(text) => f.write_str(text),
        }
    }
}

impl Serialize for DistVersion {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for DistVersion {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Ok(Self::parse(&text))
    }
}

/// How a distribution's metadata is laid out on disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DistFormat {
    /// `name-version.dist-info/` (wheels, every modern installer).
    DistInfo,
    /// `name-version.egg-info/` or a single `.egg-info` file (legacy `setup.py install`).
    EggInfo,
    /// `name.egg-link` pointing at a development checkout (legacy `setup.py develop`).
    EggLink,
}

/// The version-control system of a VCS install.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum VcsKind {
    Git,
    Hg,
    Bzr,
    Svn,
}

/// Where a distribution was installed from when it did not come from an index (PEP 610
/// `direct_url.json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum DirectUrl {
    /// A local directory, installed in editable mode (`pip install -e`).
    Editable {
        #[serde(serialize_with = "serialize_redacted")]
        url: String,
    },
    /// A local directory installed normally.
    Directory {
        #[serde(serialize_with = "serialize_redacted")]
        url: String,
    },
    /// A wheel or sdist from a URL or a path.
    Archive {
        #[serde(serialize_with = "serialize_redacted")]
        url: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        hash: Option<String>,
    },
    /// A version-control checkout.
    Vcs {
        #[serde(serialize_with = "serialize_redacted")]
        url: String,
        vcs: VcsKind,
        commit_id: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        requested_revision: Option<String>,
    },
}

fn serialize_redacted<S: Serializer>(url: &str, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&crate::declaration::redact_url(url))
}

impl DirectUrl {
    pub fn url(&self) -> &str {
        match self {
            Self::Editable { url }
            | Self::Directory { url }
            | Self::Archive { url, .. }
            | Self::Vcs { url, .. } => url,
        }
    }

    pub fn is_editable(&self) -> bool {
        matches!(self, Self::Editable { .. })
    }
}

/// One installed distribution, read from its metadata directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Distribution {
    pub name: PackageName,
    /// The name as the metadata spells it (`Flask-Login`), for output that users compare with pip.
    pub display_name: String,
    pub version: DistVersion,
    pub format: DistFormat,
    /// The metadata directory (or file) the distribution was read from.
    pub path: PathBuf,
    /// The site-packages directory holding it.
    pub site_packages: PathBuf,
    /// True when it comes from the base interpreter's site-packages (`include-system-site-packages`).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub system: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub installer: Option<String>,
    /// `Requires-Dist`, markers included; extras appear as `extra == "…"` markers.
    #[serde(serialize_with = "serialize_requirements")]
    pub requires_dist: Vec<Requirement>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requires_python: Option<VersionSpecifiers>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub provides_extra: Vec<ExtraName>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub direct_url: Option<DirectUrl>,
    /// The checkout an egg-link or editable install points at.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub editable_location: Option<PathBuf>,
}

fn serialize_requirements<S: Serializer>(
    requirements: &[Requirement],
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.collect_seq(requirements.iter().map(ToString::to_string))
}

impl Distribution {
    /// Installed in development mode: a PEP 660 editable wheel or a legacy egg-link.
    pub fn is_editable(&self) -> bool {
        self.format == DistFormat::EggLink
            || self.direct_url.as_ref().is_some_and(DirectUrl::is_editable)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legacy_versions_are_kept_verbatim() {
        assert_eq!(
            DistVersion::parse("1.0-custom_build").to_string(),
            "1.0-custom_build"
        );
        assert!(DistVersion::parse("1.0-custom_build").pep440().is_none());
        assert_eq!(
            DistVersion::parse(" 2.0 ").pep440(),
            Some(&Version::from_str("2.0").unwrap())
        );
    }
}
