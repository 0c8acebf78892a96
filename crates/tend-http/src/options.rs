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
/// change the fields you need.
#[derive(Debug, Clone)]
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
