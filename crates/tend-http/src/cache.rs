//! The disk cache: one file per entry under `<cache_dir>/http-v1/<2 hex>/<64 hex>`.
//!
//! An entry file is one line of JSON metadata (URL, method, status, time stored, response
//! headers, body length and sha256, TTL for POST answers), a newline, then the body bytes.
//! Metadata and body live in one file so that one rename replaces both: a reader never sees
//! the metadata of one response with the body of another, even with several tend processes
//! sharing the cache. Entries are written to a temporary file in the same directory and renamed.
//!
//! An entry that cannot be read, parsed, or whose body does not match its recorded length and
//! hash counts as absent: it is fetched again and overwritten.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Bumped when the entry format changes; old entries are then ignored, not misread.
const LAYOUT: &str = "http-v1";

/// Response headers that describe the connection or carry secrets, never stored.
const UNSTORED_HEADERS: &[&str] = &[
    "connection",
    "keep-alive",
    "transfer-encoding",
    "content-length",
    "content-encoding",
    "set-cookie",
    "proxy-authenticate",
    "www-authenticate",
    "authorization",
];

/// The sha256 (hex) naming one entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CacheKey(String);

impl CacheKey {
    /// Key of a GET: the URL without credentials or fragment, and the `Accept` header when the
    /// caller negotiates a format (the simple API answers HTML or JSON at one URL).
    #[cfg(test)]
    pub(crate) fn get(url: &url::Url, accept: Option<&str>) -> Self {
        Self::get_transformed(url, accept, None)
    }

    /// Key of a GET whose body is stored through a transform: the transform's id is part of
    /// the key, so raw and derived bodies (or two versions of a derivation) never mix.
    pub(crate) fn get_transformed(
        url: &url::Url,
        accept: Option<&str>,
        transform: Option<&str>,
    ) -> Self {
        let mut hasher = Sha256::new();
        hasher.update(b"GET ");
        hasher.update(url.as_str().as_bytes());
        if let Some(accept) = accept {
            hasher.update(b"\naccept: ");
            hasher.update(accept.as_bytes());
        }
        if let Some(transform) = transform {
            hasher.update(b"\ntransform: ");
            hasher.update(transform.as_bytes());
        }
        Self(hex(&hasher.finalize()))
    }

    /// Key of a POST: the URL and the hash of the exact body sent.
    pub(crate) fn post(url: &url::Url, body: &[u8]) -> Self {
        let mut hasher = Sha256::new();
        hasher.update(b"POST ");
        hasher.update(url.as_str().as_bytes());
        hasher.update(b"\nbody-sha256: ");
        hasher.update(hex(&Sha256::digest(body)).as_bytes());
        Self(hex(&hasher.finalize()))
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct EntryMeta {
    /// For people inspecting the cache; lookups go by key only.
    pub(crate) url: String,
    pub(crate) method: String,
    pub(crate) status: u16,
    /// When the body was received or last confirmed by a 304.
    pub(crate) stored_at: Timestamp,
    /// Lower-case names.
    pub(crate) headers: BTreeMap<String, String>,
    pub(crate) body_len: u64,
    pub(crate) body_sha256: String,
    /// For POST answers, which HTTP does not let a cache keep: how long the caller trusts them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) ttl_seconds: Option<u64>,
}

#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub(crate) meta: EntryMeta,
    pub(crate) body: Vec<u8>,
}

impl Entry {
    pub(crate) fn new(
        url: &url::Url,
        method: &str,
        status: u16,
        stored_at: Timestamp,
        headers: BTreeMap<String, String>,
        body: Vec<u8>,
    ) -> Self {
        Self {
            meta: EntryMeta {
                url: url.to_string(),
                method: method.to_string(),
                status,
                stored_at,
                headers: storable_headers(headers),
                body_len: body.len() as u64,
                body_sha256: hex(&Sha256::digest(&body)),
                ttl_seconds: None,
            },
            body,
        }
    }

    /// Applies a 304: its headers replace the stored ones of the same name (RFC 9111 §4.3.4)
    /// and the entry counts as received now.
    pub(crate) fn revalidated(mut self, headers: BTreeMap<String, String>, now: Timestamp) -> Self {
        for (name, value) in storable_headers(headers) {
            self.meta.headers.insert(name, value);
        }
        self.meta.stored_at = now;
        self
    }
}

fn storable_headers(headers: BTreeMap<String, String>) -> BTreeMap<String, String> {
    headers
        .into_iter()
        .filter(|(name, _)| !UNSTORED_HEADERS.contains(&name.as_str()))
        .collect()
}

#[derive(Debug, Clone)]
pub(crate) struct DiskCache {
    root: PathBuf,
}

impl DiskCache {
    pub(crate) fn new(cache_dir: &Path) -> Self {
        Self {
            root: cache_dir.join(LAYOUT),
        }
    }

    fn path(&self, key: &CacheKey) -> PathBuf {
        self.root.join(&key.0[..2]).join(&key.0)
    }

    /// The entry, or `None` when it is missing or unusable (see the module docs).
    pub(crate) fn read(&self, key: &CacheKey) -> Option<Entry> {
        let bytes = fs_err::read(self.path(key)).ok()?;
        let newline = bytes.iter().position(|&byte| byte == b'\n')?;
        let meta: EntryMeta = serde_json::from_slice(&bytes[..newline]).ok()?;
        let body = bytes[newline + 1..].to_vec();
        if body.len() as u64 != meta.body_len || hex(&Sha256::digest(&body)) != meta.body_sha256 {
            return None;
        }
        Some(Entry { meta, body })
    }

    pub(crate) fn write(&self, key: &CacheKey, entry: &Entry) -> io::Result<()> {
        let path = self.path(key);
        let directory = path.parent().unwrap_or(&self.root);
        fs_err::create_dir_all(directory)?;
        let mut file = tempfile::NamedTempFile::new_in(directory).map_err(|error| {
            io::Error::new(
                error.kind(),
                format!(
                    "failed to create a temporary file in {}: {error}",
                    directory.display()
                ),
            )
        })?;
        let meta = serde_json::to_vec(&entry.meta).map_err(io::Error::other)?;
        file.write_all(&meta)?;
        file.write_all(b"\n")?;
        file.write_all(&entry.body)?;
        file.persist(&path).map_err(|error| {
            io::Error::new(
                error.error.kind(),
                format!(
                    "failed to rename a temporary file to {}: {}",
                    path.display(),
                    error.error
                ),
            )
        })?;
        Ok(())
    }

    pub(crate) fn remove(&self, key: &CacheKey) -> io::Result<()> {
        match fs_err::remove_file(self.path(key)) {
            Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(()),
            other => other,
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut text, byte| {
            let _ = write!(text, "{byte:02x}");
            text
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> url::Url {
        url::Url::parse(text).unwrap()
    }

    #[test]
    fn keys_separate_accept_and_post_bodies() {
        let index = url("https://host/simple/flask/");
        assert_eq!(CacheKey::get(&index, None), CacheKey::get(&index, None));
        assert_ne!(
            CacheKey::get(&index, None),
            CacheKey::get(&index, Some("application/vnd.pypi.simple.v1+json"))
        );
        assert_ne!(
            CacheKey::post(&index, b"{\"a\":1}"),
            CacheKey::post(&index, b"{\"a\":2}")
        );
        assert_eq!(CacheKey::get(&index, None).0.len(), 64);
    }

    #[test]
    fn entry_round_trips_and_a_damaged_body_is_a_miss() {
        let dir = tempfile::tempdir().unwrap();
        let cache = DiskCache::new(dir.path());
        let key = CacheKey::get(&url("https://host/a"), None);
        let headers = BTreeMap::from([
            ("etag".to_string(), "\"v1\"".to_string()),
            ("set-cookie".to_string(), "session=1".to_string()),
        ]);
        let entry = Entry::new(
            &url("https://host/a"),
            "GET",
            200,
            Timestamp::UNIX_EPOCH,
            headers,
            b"line one\nline two".to_vec(),
        );
        cache.write(&key, &entry).unwrap();
        let read = cache.read(&key).unwrap();
        assert_eq!(read.body, b"line one\nline two");
        assert_eq!(
            read.meta.headers.get("etag").map(String::as_str),
            Some("\"v1\"")
        );
        assert!(!read.meta.headers.contains_key("set-cookie"));

        let path = cache.path(&key);
        let mut bytes = fs_err::read(&path).unwrap();
        let last = bytes.len() - 1;
        bytes[last] = b'X';
        fs_err::write(&path, bytes).unwrap();
        assert!(cache.read(&key).is_none());

        cache.remove(&key).unwrap();
        cache.remove(&key).unwrap();
        assert!(!path.exists());
    }
}
