//! What a caller decides about a client: identity, timeouts, retries, concurrency, cache and
//! clock. Filled by the CLI from its settings; the library reads no environment.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use url::Url;

/// How the disk cache answers a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CacheMode {
    /// HTTP caching: a fresh entry is served without a request, a stale one is revalidated
    /// with a conditional request.
    #[default]
    Normal,
    /// Every cached entry counts as stale (`--refresh`): always ask the server, but still
    /// conditionally, so an unchanged resource costs a 304 and no body.
    Refresh,
    /// Never touch the network (`--offline`): answer from the cache whatever the entry's age,
    /// and fail with [`HttpError::Offline`](crate::HttpError::Offline) naming the URL otherwise.
    Offline,
}

/// The source of "now" for cache freshness and `Retry-After` dates, so tests can move time.
#[derive(Clone)]
pub struct Clock(Arc<dyn Fn() -> Timestamp + Send + Sync>);

impl Clock {
    /// The system clock.
    pub fn system() -> Self {
        Self(Arc::new(Timestamp::now))
    }

    /// Always the same instant.
    pub fn fixed(now: Timestamp) -> Self {
        Self(Arc::new(move || now))
    }

    /// Any function, for a clock a test advances.
    pub fn from_fn(now: impl Fn() -> Timestamp + Send + Sync + 'static) -> Self {
        Self(Arc::new(now))
    }

    pub fn now(&self) -> Timestamp {
        (self.0)()
    }
}

impl fmt::Debug for Clock {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("Clock")
    }
}

impl Default for Clock {
    fn default() -> Self {
        Self::system()
    }
}

/// Settings of an [`HttpClient`](crate::HttpClient). Start from `ClientOptions::default()` and
/// change the fields you need. `Debug` shows the proxy without its credentials.
#[derive(Clone)]
#[non_exhaustive]
pub struct ClientOptions {
    /// Sent as `User-Agent`; defaults to `tend/<version>`.
    pub user_agent: String,
    /// Time allowed to open a connection (TCP and TLS). Default 10 s.
    pub connect_timeout: Duration,
    /// Time allowed between two reads of one response, headers included; it restarts with
    /// every chunk, so a large download that keeps flowing never times out. Default 30 s.
    pub read_timeout: Duration,
    /// Extra attempts after a timeout, a connection error, a cut-short body, 429 or 5xx.
    /// Default 3 (four attempts in all).
    pub retries: u32,
    /// Wait before retry `n` (from 0) is `backoff_base * 2^n`. Default 500 ms.
    pub backoff_base: Duration,
    /// Upper bound on any wait before a retry, `Retry-After` included. Default 30 s.
    pub max_retry_delay: Duration,
    /// Requests on the network at once, across every task sharing the client (cache hits do
    /// not count). Default 16; 0 is taken as 1.
    pub max_in_flight: usize,
    /// Directory of the disk cache (entries go under `http-v1/` in it); `None` disables it.
    pub cache_dir: Option<PathBuf>,
    pub cache_mode: CacheMode,
    /// Proxy for every scheme. No proxy variables are read by the library.
    pub proxy: Option<Url>,
    /// A PEM file of CA certificates trusted in addition to the system's (the CA of a private
    /// index, or of a proxy that inspects TLS).
    pub ca_file: Option<PathBuf>,
    pub clock: Clock,
}

impl fmt::Debug for ClientOptions {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("ClientOptions")
            .field("user_agent", &self.user_agent)
            .field("connect_timeout", &self.connect_timeout)
            .field("read_timeout", &self.read_timeout)
            .field("retries", &self.retries)
            .field("backoff_base", &self.backoff_base)
            .field("max_retry_delay", &self.max_retry_delay)
            .field("max_in_flight", &self.max_in_flight)
            .field("cache_dir", &self.cache_dir)
            .field("cache_mode", &self.cache_mode)
            .field(
                "proxy",
                &self
                    .proxy
                    .as_ref()
                    .map(|proxy| crate::RedactedUrl::new(proxy).to_string()),
            )
            .field("ca_file", &self.ca_file)
            .field("clock", &self.clock)
            .finish()
    }
}

impl Default for ClientOptions {
    fn default() -> Self {
        Self {
            user_agent: concat!("tend/", env!("CARGO_PKG_VERSION")).to_string(),
            connect_timeout: Duration::from_secs(10),
            read_timeout: Duration::from_secs(30),
            retries: 3,
            backoff_base: Duration::from_millis(500),
            max_retry_delay: Duration::from_secs(30),
            max_in_flight: 16,
            cache_dir: None,
            cache_mode: CacheMode::Normal,
            proxy: None,
            ca_file: None,
            clock: Clock::system(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_proxy_credentials() {
        let options = ClientOptions {
            proxy: Some(Url::parse("http://ops:hunter2@proxy.internal:3128").unwrap()),
            ..ClientOptions::default()
        };
        let shown = format!("{options:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("proxy.internal:3128"), "{shown}");
    }
}
