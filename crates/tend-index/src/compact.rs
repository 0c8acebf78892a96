//! The compact form of a project's releases that the HTTP cache keeps instead of the page.
//!
//! A large project's page is megabytes of JSON (every wheel of every release, with hashes and
//! URLs); `tend outdated` needs a few facts per release. The client asks tend-http to store
//! this form (a [`tend_http::Transform`]), so a cache hit reads and checks kilobytes, parses
//! each distinct `Requires-Python` limit once and no URL at all. Bump [`FORMAT`] whenever the
//! encoding or the meaning of [`Release`] changes: it is part of the cache key, so entries of
//! an older form are simply not found.

use std::str::FromStr;

use jiff::Timestamp;
use pep440_rs::{Version, VersionSpecifiers};
use serde::{Deserialize, Serialize};

use crate::release::Release;

/// The id of this encoding in cache keys.
pub const FORMAT: &str = "tend-releases-v1";

#[derive(Serialize, Deserialize)]
struct Compact {
    /// Every distinct `Requires-Python` limit of the project, written once.
    limits: Vec<String>,
    releases: Vec<CompactRelease>,
}

#[derive(Serialize, Deserialize)]
struct CompactRelease {
    #[serde(rename = "v")]
    version: String,
    #[serde(rename = "n")]
    files: usize,
    /// Absent when not yanked; `""` when yanked without a reason.
    #[serde(rename = "y", default, skip_serializing_if = "Option::is_none")]
    yanked: Option<String>,
    /// Microseconds since the Unix epoch.
    #[serde(rename = "t", default, skip_serializing_if = "Option::is_none")]
    uploaded: Option<i64>,
    /// Indexes into `limits`; -1 for a file with no (usable) limit.
    #[serde(rename = "p", default)]
    requires_python: Vec<i64>,
}

/// Encodes releases (as [`crate::releases`] made them) into the compact form.
pub fn encode(releases: &[Release]) -> Vec<u8> {
    let mut limits: Vec<String> = Vec::new();
    let releases: Vec<CompactRelease> = releases
        .iter()
        .map(|release| CompactRelease {
            version: release.version.to_string(),
            files: release.files,
            yanked: release
                .yanked
                .then(|| release.yank_reason.clone().unwrap_or_default()),
            uploaded: release.uploaded.map(Timestamp::as_microsecond),
            requires_python: release
                .requires_python
                .iter()
                .map(|limit| match limit {
                    None => -1,
                    Some(limit) => {
                        let text = limit.to_string();
                        let index =
                            if let Some(index) = limits.iter().position(|known| *known == text) {
                                index
                            } else {
                                limits.push(text);
                                limits.len() - 1
                            };
                        i64::try_from(index).unwrap_or(-1)
                    }
                })
                .collect(),
        })
        .collect();
    // Serialising plain strings and numbers cannot fail.
    serde_json::to_vec(&Compact { limits, releases }).unwrap_or_default()
}

/// Decodes the compact form. An entry that does not decode (damaged, or written by a tend
/// that used the same format id differently) is an error the caller treats like a bad page.
pub fn decode(bytes: &[u8]) -> Result<Vec<Release>, String> {
    let compact: Compact = serde_json::from_slice(bytes)
        .map_err(|error| format!("the cached releases could not be read: {error}"))?;
    let limits: Vec<Option<VersionSpecifiers>> = compact
        .limits
        .iter()
        .map(|limit| VersionSpecifiers::from_str(limit).ok())
        .collect();
    compact
        .releases
        .into_iter()
        .map(|release| {
            let version = Version::from_str(&release.version).map_err(|error| {
                format!(
                    "the cached releases hold `{}`, not a version: {error}",
                    release.version
                )
            })?;
            let uploaded = match release.uploaded {
                None => None,
                Some(micros) => Some(Timestamp::from_microsecond(micros).map_err(|error| {
                    format!("the cached releases hold a bad upload time: {error}")
                })?),
            };
            let requires_python = release
                .requires_python
                .iter()
                .map(|&index| {
                    usize::try_from(index)
                        .ok()
                        .and_then(|index| limits.get(index).cloned().flatten())
                })
                .collect();
            Ok(Release {
                version,
                files: release.files,
                yanked: release.yanked.is_some(),
                yank_reason: release.yanked.filter(|reason| !reason.is_empty()),
                uploaded,
                requires_python,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn release(version: &str) -> Release {
        Release {
            version: version.parse().unwrap(),
            files: 2,
            yanked: false,
            yank_reason: None,
            uploaded: None,
            requires_python: vec![None],
        }
    }

    #[test]
    fn releases_round_trip() {
        let mut yanked = release("1.1");
        yanked.yanked = true;
        yanked.yank_reason = Some("broken \"wheel\"".to_string());
        let mut silent = release("1.2rc1");
        silent.yanked = true;
        let mut dated = release("2.0.post1");
        dated.uploaded = Some("2024-02-29T23:59:59.123456Z".parse().unwrap());
        dated.requires_python = vec![
            Some(">=3.8".parse().unwrap()),
            None,
            Some(">=3.9, !=3.9.1".parse().unwrap()),
        ];
        let mut same_limit = release("3.0");
        same_limit.requires_python = vec![Some(">=3.8".parse().unwrap())];
        let releases = vec![release("1.0"), yanked, silent, dated, same_limit];

        let bytes = encode(&releases);
        assert_eq!(decode(&bytes).unwrap(), releases);
        // Each limit is written once.
        let text = String::from_utf8(bytes).unwrap();
        assert_eq!(text.matches(">=3.8").count(), 1, "{text}");
    }

    #[test]
    fn damaged_entries_are_errors() {
        assert!(decode(b"").is_err());
        assert!(
            decode(b"{\"limits\":[],\"releases\":[{\"v\":\"not a version\",\"n\":1}]}")
                .unwrap_err()
                .contains("not a version")
        );
        // A limit index out of range reads as no limit rather than failing.
        let releases =
            decode(b"{\"limits\":[],\"releases\":[{\"v\":\"1.0\",\"n\":1,\"p\":[7]}]}").unwrap();
        assert_eq!(releases[0].requires_python, [None]);
    }
}
