//! What requests return: a whole response (from the network or the cache), a download left in
//! a temporary file, and the validators that make the next request conditional.

use std::collections::BTreeMap;

use jiff::{SignedDuration, Timestamp};
use reqwest::StatusCode;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::error::HttpError;
use crate::options::CacheMode;
use crate::redact::RedactedUrl;

/// A complete response with its body in memory.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Response {
    /// The URL asked for, credentials hidden (redirects are followed but not reported).
    pub url: RedactedUrl,
    /// The status of the stored or received response (200 for a 304-revalidated entry).
    pub status: StatusCode,
    /// Response headers with lower-case names. From the cache: the stored ones, updated by
    /// the last 304 (hop-by-hop headers, `Set-Cookie` and `Content-Length` are not kept).
    pub headers: BTreeMap<String, String>,
    /// Decoded body (gzip is undone by the client).
    pub body: Vec<u8>,
    /// The body came from the disk cache: served fresh, confirmed by a 304, or offline.
    pub from_cache: bool,
    /// When the body was received from the server or last confirmed by it.
    pub stored_at: Timestamp,
    /// `now - stored_at` by the client's clock when the response was returned.
    pub age: SignedDuration,
}

impl Response {
    /// A header by name, in any case.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(&name.to_ascii_lowercase())
            .map(String::as_str)
    }

    pub fn content_type(&self) -> Option<&str> {
        self.header("content-type")
    }

    pub fn validators(&self) -> Validators {
        Validators::from_headers(&self.headers)
    }

    /// The body parsed as JSON; the error names the URL.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, HttpError> {
        serde_json::from_slice(&self.body).map_err(|source| HttpError::Json {
            url: self.url.clone(),
            source,
        })
    }
}

/// `ETag` and `Last-Modified` of a resource, kept by the caller between downloads (in the
/// database's metadata, say) so that an unchanged resource is not fetched again.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Validators {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_modified: Option<String>,
}

impl Validators {
    pub fn is_empty(&self) -> bool {
        self.etag.is_none() && self.last_modified.is_none()
    }

    pub(crate) fn from_headers(headers: &BTreeMap<String, String>) -> Self {
        Self {
            etag: headers.get("etag").cloned(),
            last_modified: headers.get("last-modified").cloned(),
        }
    }
}

/// The result of [`HttpClient::download`](crate::HttpClient::download).
#[derive(Debug)]
pub enum Download {
    /// The server answered 304 to the validators given: the caller's copy is current.
    NotModified,
    /// The whole body, its length checked against `Content-Length`, in a temporary file in the
    /// destination directory. The caller checks it and moves it into place
    /// ([`tempfile::NamedTempFile::persist`]); dropping it deletes the file.
    Fetched {
        file: tempfile::NamedTempFile,
        /// The new resource's validators, to store for the next conditional download.
        validators: Validators,
        /// Bytes written.
        bytes: u64,
    },
}

/// Per-request settings of [`HttpClient::get_with`](crate::HttpClient::get_with).
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct GetOptions {
    /// `Accept` header; part of the cache key, since one URL may answer several formats.
    pub accept: Option<String>,
    /// Overrides the client's cache mode for this request (to refresh one package, say).
    pub cache_mode: Option<CacheMode>,
    /// Turns a 200's body into what is stored and returned; see [`Transform`].
    pub transform: Option<Transform>,
    /// How long an answer with neither `max-age` nor `Expires` counts as fresh (by default
    /// not at all: it is revalidated every time). For resources whose server is known to
    /// set a lifetime but may be reached through proxies that strip it.
    pub heuristic_freshness: Option<std::time::Duration>,
}

/// The function a [`Transform`] applies: the received body and its (lower-case) headers in,
/// the body to keep out, or a message saying why the body is unusable.
pub type TransformFn =
    dyn Fn(&[u8], &BTreeMap<String, String>) -> Result<Vec<u8>, String> + Send + Sync;

/// A function applied to a successful body before it is stored in the cache and returned, so
/// that the cache keeps a compact derived form (the releases of a large index page, say)
/// instead of bytes that would be parsed again on every hit.
///
/// The `id` is part of the cache key: change it whenever the output of the function changes,
/// and entries of the old form are no longer read. A 304 keeps the stored (derived) body. A
/// failing transform fails the request with [`HttpError::Transform`] and stores nothing.
#[derive(Clone)]
pub struct Transform {
    pub id: &'static str,
    pub apply: std::sync::Arc<TransformFn>,
}

impl Transform {
    pub fn new(
        id: &'static str,
        apply: impl Fn(&[u8], &BTreeMap<String, String>) -> Result<Vec<u8>, String>
            + Send
            + Sync
            + 'static,
    ) -> Self {
        Self {
            id,
            apply: std::sync::Arc::new(apply),
        }
    }
}

impl std::fmt::Debug for Transform {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("Transform")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

impl GetOptions {
    #[must_use]
    pub fn accept(mut self, accept: impl Into<String>) -> Self {
        self.accept = Some(accept.into());
        self
    }

    #[must_use]
    pub fn cache_mode(mut self, mode: CacheMode) -> Self {
        self.cache_mode = Some(mode);
        self
    }

    #[must_use]
    pub fn heuristic_freshness(mut self, lifetime: std::time::Duration) -> Self {
        self.heuristic_freshness = Some(lifetime);
        self
    }

    #[must_use]
    pub fn transform(mut self, transform: Transform) -> Self {
        self.transform = Some(transform);
        self
    }
}

/// How long the answer of a POST may be reused, which HTTP leaves to the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PostCache {
    /// Never stored nor read (offline mode then fails with `HttpError::Offline`).
    None,
    /// Stored; reused in normal mode while younger than this; always reused offline;
    /// ignored (and replaced) in refresh mode.
    For(std::time::Duration),
}
