//! `--service osv` and `--service pypi`: advisories fetched for the exact versions audited, and
//! the HTTP client and runtime every network command of the CLI shares.

use std::path::Path;

use anyhow::{Context as _, Result};
use tend_advisory::{AdvisoryData, AuditTargets, Query};
use tend_http::{CacheMode, ClientOptions, Clock, HttpClient, Url};

use crate::cli::{AdvisoryArgs, Service};
use crate::diagnostics::UsageError;

/// The HTTP cache's directory inside the cache directory.
pub fn http_cache_dir(cache_dir: &Path) -> std::path::PathBuf {
    cache_dir.join("http")
}

pub fn load(
    args: &AdvisoryArgs,
    cache_dir: &Path,
    targets: &AuditTargets,
    now: jiff::Timestamp,
) -> Result<AdvisoryData> {
    let (flag, text) = match args.service {
        Service::Osv => ("--osv-url", &args.osv_url),
        Service::Pypi => ("--pypi-url", &args.pypi_url),
        Service::Local => anyhow::bail!("the local database is not an online service"),
    };
    let base = parse_url(flag, text)?;
    let queries = Query::from_targets(&targets.targets);
    let client = client(Some(&http_cache_dir(cache_dir)), args.offline, now)?;
    let runtime = runtime()?;
    Ok(runtime.block_on(async {
        match args.service {
            Service::Pypi => tend_advisory::fetch_pypi(&client, &base, &queries).await,
            _ => tend_advisory::fetch_osv(&client, &base, &queries).await,
        }
    }))
}

/// An `http` or `https` URL given by the user; anything else is a usage error naming the flag.
pub fn parse_url(flag: &str, text: &str) -> Result<Url> {
    let url = Url::parse(text).map_err(|error| {
        UsageError(format!(
            "{flag} `{text}` is not a URL ({error}); expected e.g. `https://host/path`"
        ))
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        anyhow::bail!(UsageError(format!(
            "{flag} `{}` is not an HTTP URL; expected `http://` or `https://`",
            tend_http::RedactedUrl::new(&url)
        )));
    }
    Ok(url)
}

/// The run's HTTP client: cached under `cache_dir` (none for downloads, which keep their own
/// validators), offline when asked, and on the run's clock so that cached answers carry the
/// same time as the rest of the report (`TEND_NOW` in tests).
pub fn client(cache_dir: Option<&Path>, offline: bool, now: jiff::Timestamp) -> Result<HttpClient> {
    let mut options = ClientOptions::default();
    options.cache_dir = cache_dir.map(Path::to_path_buf);
    options.cache_mode = cache_mode(offline, false);
    options.clock = Clock::fixed(now);
    HttpClient::new(options).context("could not set up the HTTP client")
}

/// The cache mode `--offline` and `--refresh` ask for (clap keeps them apart).
pub fn cache_mode(offline: bool, refresh: bool) -> CacheMode {
    if offline {
        CacheMode::Offline
    } else if refresh {
        CacheMode::Refresh
    } else {
        CacheMode::Normal
    }
}

/// One thread is enough: the work is waiting on the network, and the client bounds how many
/// requests are in flight.
///
/// Blocking work (cache reads and writes, page parsing, DNS lookups) goes to a small pool:
/// tokio's default of 512 threads would start one thread per cached page on a warm run, which
/// costs more than the reads themselves, and parsing cannot use more threads than cores.
pub fn runtime() -> Result<tokio::runtime::Runtime> {
    let threads = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .max_blocking_threads(threads.max(2))
        .build()
        .context("could not start the async runtime for network requests")
}
