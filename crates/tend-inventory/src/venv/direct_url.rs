//! PEP 610 `direct_url.json`: where a distribution came from when not from an index.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use tend_model::{Code, Diagnostic, DirectUrl, Location, Severity, VcsKind, VerbatimUrl};

#[derive(Deserialize)]
struct RawDirectUrl {
    url: String,
    dir_info: Option<RawDirInfo>,
    archive_info: Option<RawArchiveInfo>,
    vcs_info: Option<RawVcsInfo>,
}

#[derive(Deserialize)]
struct RawDirInfo {
    #[serde(default)]
    editable: bool,
}

#[derive(Deserialize)]
struct RawArchiveInfo {
    /// Deprecated single `algorithm=hex` form.
    hash: Option<String>,
    hashes: Option<BTreeMap<String, String>>,
}

#[derive(Deserialize)]
struct RawVcsInfo {
    vcs: String,
    commit_id: String,
    requested_revision: Option<String>,
}

/// Reads `direct_url.json` when present. A file that exists but does not follow PEP 610 gives
/// the reason, for a diagnostic: the distribution itself is still read.
pub fn read_direct_url(path: &Path) -> Result<Option<DirectUrl>, String> {
    let bytes = match fs_err::read(path) {
        Ok(bytes) => bytes,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(error) => return Err(error.to_string()),
    };
    parse_direct_url(&bytes).map(Some)
}

/// The diagnostic for a `direct_url.json` that could not be used.
pub fn direct_url_warning(path: &Path, message: &str) -> Diagnostic {
    Diagnostic::new(
        Code::SourceWarning,
        Severity::Warning,
        format!("ignored direct_url.json: {message}"),
    )
    .with_location(Location::file(path))
}

/// Parses the JSON of a `direct_url.json`.
pub fn parse_direct_url(bytes: &[u8]) -> Result<DirectUrl, String> {
    let raw: RawDirectUrl = serde_json::from_slice(bytes).map_err(|error| error.to_string())?;
    let url = raw.url;
    if let Some(vcs_info) = raw.vcs_info {
        let vcs = match vcs_info.vcs.as_str() {
            "git" => VcsKind::Git,
            "hg" => VcsKind::Hg,
            "bzr" => VcsKind::Bzr,
            "svn" => VcsKind::Svn,
            other => return Err(format!("unknown VCS `{other}`")),
        };
        return Ok(DirectUrl::Vcs {
            url,
            vcs,
            commit_id: vcs_info.commit_id,
            requested_revision: vcs_info.requested_revision,
        });
    }
    if let Some(archive_info) = raw.archive_info {
        // `hashes` supersedes `hash`; sha256 is the one tools agree on, then any other.
        let hash = archive_info
            .hashes
            .as_ref()
            .and_then(|hashes| {
                hashes
                    .get_key_value("sha256")
                    .or_else(|| hashes.iter().next())
                    .map(|(algorithm, digest)| format!("{algorithm}:{digest}"))
            })
            .or_else(|| archive_info.hash.map(|hash| hash.replacen('=', ":", 1)));
        return Ok(DirectUrl::Archive { url, hash });
    }
    if let Some(dir_info) = raw.dir_info {
        return Ok(if dir_info.editable {
            DirectUrl::Editable { url }
        } else {
            DirectUrl::Directory { url }
        });
    }
    Err("none of `dir_info`, `archive_info` or `vcs_info` is present".to_string())
}

/// The local path of a `file://` URL (percent-decoded), or `None` for any other URL.
pub fn file_url_to_path(url: &str) -> Option<PathBuf> {
    let url = VerbatimUrl::parse_url(url).ok()?;
    if url.scheme() != "file" {
        return None;
    }
    url.to_file_path().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_each_kind() {
        assert_eq!(
            parse_direct_url(br#"{"url": "file:///src/demo", "dir_info": {"editable": true}}"#),
            Ok(DirectUrl::Editable {
                url: "file:///src/demo".to_string()
            })
        );
        assert_eq!(
            parse_direct_url(br#"{"url": "file:///src/demo", "dir_info": {}}"#),
            Ok(DirectUrl::Directory {
                url: "file:///src/demo".to_string()
            })
        );
        assert_eq!(
            parse_direct_url(
                br#"{"url": "https://x/a.whl", "archive_info": {"hash": "sha256=ab", "hashes": {"md5": "cd", "sha256": "ef"}}}"#
            ),
            Ok(DirectUrl::Archive {
                url: "https://x/a.whl".to_string(),
                hash: Some("sha256:ef".to_string())
            })
        );
        assert_eq!(
            parse_direct_url(
                br#"{"url": "https://x/a.whl", "archive_info": {"hash": "sha256=ab"}}"#
            ),
            Ok(DirectUrl::Archive {
                url: "https://x/a.whl".to_string(),
                hash: Some("sha256:ab".to_string())
            })
        );
        assert_eq!(
            parse_direct_url(
                br#"{"url": "https://g/r.git", "vcs_info": {"vcs": "git", "commit_id": "abc", "requested_revision": "main"}}"#
            ),
            Ok(DirectUrl::Vcs {
                url: "https://g/r.git".to_string(),
                vcs: VcsKind::Git,
                commit_id: "abc".to_string(),
                requested_revision: Some("main".to_string())
            })
        );
        assert!(parse_direct_url(br#"{"url": "x"}"#).is_err());
        assert!(parse_direct_url(b"not json").is_err());
    }

    #[test]
    fn file_urls_become_paths() {
        assert_eq!(
            file_url_to_path("file:///home/me/my%20project"),
            Some(PathBuf::from("/home/me/my project"))
        );
        assert_eq!(file_url_to_path("https://example.com/x"), None);
    }
}
