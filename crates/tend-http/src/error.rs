//! The one error type of the client; every variant names the URL, with credentials hidden.

use std::io;
use std::path::PathBuf;

use reqwest::StatusCode;

use crate::redact::RedactedUrl;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HttpError {
    /// The TLS configuration could not be built (no usable root certificates, for example).
    #[error("could not set up TLS for the HTTP client")]
    Tls {
        #[source]
        source: rustls::Error,
    },
    /// The extra CA file could not be read or holds no PEM certificate.
    #[error("could not load CA certificates from {}", path.display())]
    CaFile {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    /// reqwest refused the settings (a bad proxy, for example).
    #[error("could not set up the HTTP client")]
    Client {
        #[source]
        source: reqwest::Error,
    },
    /// No response within the read or connect timeout, on every attempt.
    #[error("request to {url} timed out{}", attempts_note(*attempts))]
    Timeout {
        url: RedactedUrl,
        attempts: u32,
        #[source]
        source: reqwest::Error,
    },
    /// The request could not be sent or answered: connection refused, DNS, TLS, redirects.
    #[error("request to {url} failed{}", attempts_note(*attempts))]
    Request {
        url: RedactedUrl,
        attempts: u32,
        #[source]
        source: reqwest::Error,
    },
    /// The caller's [`Transform`](crate::Transform) found the body unusable.
    #[error("{url}: {message}")]
    Transform { url: RedactedUrl, message: String },
    /// The server answered with a status that is not a success (after retries for 429/5xx).
    #[error("{url} answered {status}{}", attempts_note(*attempts))]
    Status {
        url: RedactedUrl,
        status: StatusCode,
        attempts: u32,
    },
    /// The connection closed before the `Content-Length` announced was received.
    #[error("the body of {url} was cut short: expected {expected} bytes, received {got}{}", attempts_note(*attempts))]
    Truncated {
        url: RedactedUrl,
        expected: u64,
        got: u64,
        attempts: u32,
    },
    /// Reading the body failed for another reason than a short count.
    #[error("reading the body of {url} failed{}", attempts_note(*attempts))]
    Body {
        url: RedactedUrl,
        attempts: u32,
        #[source]
        source: reqwest::Error,
    },
    /// Offline mode and no cached answer for this URL (or, for a POST, this body).
    #[error("{url} is not in the cache and the network is off (offline mode)")]
    Offline { url: RedactedUrl },
    /// A cache entry could not be written or removed; the path is in the source's message.
    #[error("could not update the HTTP cache entry of {url}")]
    Cache {
        url: RedactedUrl,
        #[source]
        source: io::Error,
    },
    /// A download could not be written to its temporary file.
    #[error("could not write the download of {url} to {}", path.display())]
    Write {
        url: RedactedUrl,
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    /// A request body could not be encoded as JSON.
    #[error("could not encode the request body for {url} as JSON")]
    Encode {
        url: RedactedUrl,
        #[source]
        source: serde_json::Error,
    },
    /// A response body is not the JSON the caller expected.
    #[error("the response of {url} is not the expected JSON")]
    Json {
        url: RedactedUrl,
        #[source]
        source: serde_json::Error,
    },
}

impl HttpError {
    /// The URL the error is about, when there is one.
    pub fn url(&self) -> Option<&RedactedUrl> {
        match self {
            Self::Tls { .. } | Self::CaFile { .. } | Self::Client { .. } => None,
            Self::Timeout { url, .. }
            | Self::Request { url, .. }
            | Self::Status { url, .. }
            | Self::Truncated { url, .. }
            | Self::Body { url, .. }
            | Self::Offline { url }
            | Self::Cache { url, .. }
            | Self::Write { url, .. }
            | Self::Encode { url, .. }
            | Self::Json { url, .. }
            | Self::Transform { url, .. } => Some(url),
        }
    }

    /// The error and its causes on one line, each said once (reqwest repeats an inner error's
    /// text in its own), for a report's "why". URLs in it are redacted like the error's own;
    /// reqwest's causes carry none.
    pub fn with_causes(&self) -> String {
        let mut text = self.to_string();
        let mut source = std::error::Error::source(self);
        while let Some(cause) = source {
            let cause_text = cause.to_string();
            if !text.contains(&cause_text) {
                text.push_str(": ");
                text.push_str(&cause_text);
            }
            source = cause.source();
        }
        text
    }

    /// The status of a [`HttpError::Status`], to tell "404: no such release" from a failure.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Self::Status { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// True when the server could not be reached or gave no usable answer (timeouts,
    /// connection errors, 5xx, cut-short bodies): the kind of failure an audit reports as
    /// "source unreachable" rather than as a wrong answer.
    pub fn is_unreachable(&self) -> bool {
        match self {
            Self::Timeout { .. }
            | Self::Request { .. }
            | Self::Truncated { .. }
            | Self::Body { .. } => true,
            Self::Status { status, .. } => {
                status.is_server_error() || *status == StatusCode::TOO_MANY_REQUESTS
            }
            _ => false,
        }
    }
}

fn attempts_note(attempts: u32) -> String {
    if attempts > 1 {
        format!(" (after {attempts} attempts)")
    } else {
        String::new()
    }
}
