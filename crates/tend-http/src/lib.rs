//! The one HTTP client of tend: advisory database downloads, the OSV API, PyPI's JSON API,
//! and (next) the simple-index client.
//!
//! [`HttpClient`] owns what every caller would otherwise redo:
//!
//! - **Retries** of timeouts, connection errors, cut-short bodies, 429 and 5xx, with
//!   exponential backoff or the server's `Retry-After` (seconds or date), capped.
//! - **A bound on requests in flight** shared by every clone of the client, so callers may
//!   start hundreds of requests at once.
//! - **A disk cache** for GET ([`HttpClient::get`]) following HTTP's rules (`max-age`,
//!   `Expires`, `no-cache`, `no-store`, `ETag` / `Last-Modified` revalidation), with
//!   [`CacheMode::Refresh`] (`--refresh`) and [`CacheMode::Offline`] (`--offline`); POST answers
//!   cached for a lifetime the caller picks ([`HttpClient::post_json`], [`PostCache`]).
//! - **Streamed downloads** into a temporary file next to their destination, length-checked,
//!   conditional on the previous copy's [`Validators`] ([`HttpClient::download`]).
//! - **Credentials** from URL userinfo sent as basic auth and never shown: every URL in a
//!   [`Response`] or an [`HttpError`] is a [`RedactedUrl`].
//!
//! The library reads no environment variables and no clock of its own: the CLI fills
//! [`ClientOptions`] (user agent, timeouts, proxy, cache directory and mode, [`Clock`]).
//! TLS is rustls with the ring provider and the system's trust store.
//!
//! ```no_run
//! # async fn example() -> Result<(), tend_http::HttpError> {
//! use tend_http::{CacheMode, ClientOptions, HttpClient, Url};
//!
//! let mut options = ClientOptions::default();
//! options.cache_dir = Some("/home/me/.cache/tend".into());
//! options.cache_mode = CacheMode::Normal;
//! let client = HttpClient::new(options)?;
//! let url = Url::parse("https://pypi.org/pypi/flask/2.0.0/json").expect("valid URL");
//! let response = client.get(&url).await?;
//! let release: serde_json::Value = response.json()?;
//! # Ok(()) }
//! ```

mod cache;
mod client;
mod error;
mod freshness;
mod options;
mod redact;
mod response;

pub use client::{tls_config, HttpClient};
pub use error::HttpError;
pub use options::{CacheMode, ClientOptions, Clock};
pub use redact::RedactedUrl;
pub use response::{Download, GetOptions, PostCache, Response, Transform, TransformFn, Validators};

pub use reqwest::StatusCode;
pub use url::Url;
