//! `HttpClient` against a real HTTP/1.1 server on 127.0.0.1 (`tend_test::http::TestServer`):
//! the disk cache and its modes, retries, timeouts, downloads, credentials, the in-flight bound.
#![allow(clippy::unwrap_used)]

mod auth;
mod cache;
mod download;
mod retry;
mod tls;

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use tend_http::{CacheMode, ClientOptions, Clock, HttpClient, Url};
use tend_test::http::TestServer;

/// A clock the test moves by hand, starting at 2023-11-14T22:13:20Z.
#[derive(Clone)]
pub struct TestClock(Arc<AtomicI64>);

impl Default for TestClock {
    fn default() -> Self {
        Self(Arc::new(AtomicI64::new(1_700_000_000)))
    }
}

impl TestClock {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn advance(&self, seconds: i64) {
        self.0.fetch_add(seconds, Ordering::SeqCst);
    }

    pub fn clock(&self) -> Clock {
        let now = Arc::clone(&self.0);
        Clock::from_fn(move || Timestamp::from_second(now.load(Ordering::SeqCst)).unwrap())
    }
}

/// Options for tests: no real waiting between retries, short timeouts.
pub fn options() -> ClientOptions {
    let mut options = ClientOptions::default();
    options.backoff_base = Duration::from_millis(1);
    options.max_retry_delay = Duration::from_millis(20);
    options.connect_timeout = Duration::from_secs(5);
    options.read_timeout = Duration::from_secs(5);
    options.retries = 2;
    options
}

/// A client caching in `cache_dir` with `mode`, on the test clock.
pub fn cached_client(
    cache_dir: &std::path::Path,
    mode: CacheMode,
    clock: &TestClock,
) -> HttpClient {
    let mut options = options();
    options.cache_dir = Some(cache_dir.to_path_buf());
    options.cache_mode = mode;
    options.clock = clock.clock();
    HttpClient::new(options).unwrap()
}

pub fn url(server: &TestServer, path: &str) -> Url {
    Url::parse(&server.url_for(path)).unwrap()
}

/// The error and all its causes, as the CLI prints them.
pub fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str("\nCaused by: ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
