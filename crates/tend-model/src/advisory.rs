//! Advisory identifiers and severities: the parts of an advisory that findings, reports and
//! plans talk about. The OSV record itself (ranges, events) belongs to `tend-advisory`.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The identifier of a published advisory (`PYSEC-2023-62`, `GHSA-xxxx-xxxx-xxxx`,
/// `CVE-2023-30861`, …).
///
/// Identifiers are compared exactly as published; the kind is derived from the prefix.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AdvisoryId(String);

/// Where an advisory identifier comes from, by its prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AdvisoryIdKind {
    /// The Python Packaging Advisory Database (`PYSEC-`).
    Pysec,
    /// GitHub's advisory database (`GHSA-`).
    Ghsa,
    /// The CVE list (`CVE-`).
    Cve,
    /// OSV's own identifiers (`OSV-`), e.g. malicious package reports (`MAL-`) and others.
    Other,
}

/// Why a text is not an advisory identifier.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AdvisoryIdError {
    #[error("an advisory id cannot be empty")]
    Empty,
    #[error("an advisory id is at most 128 characters, found {0}")]
    TooLong(usize),
    #[error("an advisory id contains `{0}`; expected letters, digits, `-`, `_`, `.` or `:`")]
    InvalidCharacter(char),
}

impl AdvisoryId {
    pub fn new(text: &str) -> Result<Self, AdvisoryIdError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(AdvisoryIdError::Empty);
        }
        if text.len() > 128 {
            return Err(AdvisoryIdError::TooLong(text.len()));
        }
        if let Some(bad) = text
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':')))
        {
            return Err(AdvisoryIdError::InvalidCharacter(bad));
        }
        Ok(Self(text.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn kind(&self) -> AdvisoryIdKind {
        let prefix = self.0.split('-').next().unwrap_or_default();
        if prefix.eq_ignore_ascii_case("PYSEC") {
            AdvisoryIdKind::Pysec
        } else if prefix.eq_ignore_ascii_case("GHSA") {
            AdvisoryIdKind::Ghsa
        } else if prefix.eq_ignore_ascii_case("CVE") {
            AdvisoryIdKind::Cve
        } else {
            AdvisoryIdKind::Other
        }
    }
}

impl FromStr for AdvisoryId {
    type Err = AdvisoryIdError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::new(text)
    }
}

impl fmt::Display for AdvisoryId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for AdvisoryId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for AdvisoryId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Self::new(&text).map_err(serde::de::Error::custom)
    }
}

/// The qualitative severity of an advisory (the CVSS rating scale, plus `unknown` when the
/// advisory gives neither a vector nor a rating). Ordered from least to most severe.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "kebab-case")]
pub enum SeverityRating {
    #[default]
    Unknown,
    /// CVSS 0.0 ("none") is reported as low: an advisory was still published.
    Low,
    Medium,
    High,
    Critical,
}

impl SeverityRating {
    pub const ALL: &'static [Self] = &[
        Self::Unknown,
        Self::Low,
        Self::Medium,
        Self::High,
        Self::Critical,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unknown => "unknown",
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
            Self::Critical => "critical",
        }
    }

    /// The rating of a CVSS base score (v3.x and v4 share the scale).
    pub fn from_score(score: f64) -> Self {
        if score >= 9.0 {
            Self::Critical
        } else if score >= 7.0 {
            Self::High
        } else if score >= 4.0 {
            Self::Medium
        } else {
            Self::Low
        }
    }
}

impl fmt::Display for SeverityRating {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where an advisory's severity came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SeveritySource {
    /// A `CVSS_V3` vector (3.0 or 3.1), scored by the `cvss` crate.
    CvssV3,
    /// A `CVSS_V4` vector, scored by the `cvss` crate.
    CvssV4,
    /// The database's own rating (`database_specific.severity`), no vector given.
    Database,
    /// Nothing usable: the rating is `unknown`.
    None,
}

/// An advisory's severity: the rating always, the score and vector when a CVSS vector was given.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdvisorySeverity {
    pub rating: SeverityRating,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub score: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub vector: Option<String>,
    pub source: SeveritySource,
}

impl AdvisorySeverity {
    pub fn unknown() -> Self {
        Self {
            rating: SeverityRating::Unknown,
            score: None,
            vector: None,
            source: SeveritySource::None,
        }
    }
}

impl Default for AdvisorySeverity {
    fn default() -> Self {
        Self::unknown()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_follow_the_prefix() {
        let kind = |text: &str| AdvisoryId::new(text).unwrap().kind();
        assert_eq!(kind("PYSEC-2023-62"), AdvisoryIdKind::Pysec);
        assert_eq!(kind("GHSA-m2qf-hxjv-5gpq"), AdvisoryIdKind::Ghsa);
        assert_eq!(kind("CVE-2023-30861"), AdvisoryIdKind::Cve);
        assert_eq!(kind("MAL-2024-1"), AdvisoryIdKind::Other);
    }

    #[test]
    fn ids_reject_spaces_and_empty_text() {
        assert_eq!(AdvisoryId::new(" "), Err(AdvisoryIdError::Empty));
        assert_eq!(
            AdvisoryId::new("CVE 2023"),
            Err(AdvisoryIdError::InvalidCharacter(' '))
        );
        assert!(AdvisoryId::new(&"A".repeat(129)).is_err());
    }

    #[test]
    fn ratings_follow_the_cvss_scale() {
        assert_eq!(SeverityRating::from_score(0.0), SeverityRating::Low);
        assert_eq!(SeverityRating::from_score(3.9), SeverityRating::Low);
        assert_eq!(SeverityRating::from_score(4.0), SeverityRating::Medium);
        assert_eq!(SeverityRating::from_score(7.0), SeverityRating::High);
        assert_eq!(SeverityRating::from_score(9.8), SeverityRating::Critical);
        assert!(SeverityRating::Critical > SeverityRating::Unknown);
    }
}
