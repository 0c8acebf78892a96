//! [`HttpClient`]: the retry loop, the in-flight bound, and the three kinds of request (cached
//! GET, POST with a caller-chosen lifetime, streamed download).

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use jiff::Timestamp;
use reqwest::header::{self, HeaderMap};
use reqwest::StatusCode;
use serde::Serialize;
use tokio::io::AsyncWriteExt;
use tokio::sync::Semaphore;
use url::Url;

use crate::cache::{CacheKey, DiskCache, Entry};
use crate::error::HttpError;
use crate::freshness::{self, CacheControl};
use crate::options::{CacheMode, ClientOptions};
use crate::redact::Target;
use crate::response::{Download, GetOptions, PostCache, Response, Validators};

/// The HTTP client of tend. Cheap to clone: clones share connections, the in-flight bound and
/// the cache, so one client serves every task of a run.
///
/// All methods need a Tokio runtime with I/O and time enabled.
#[derive(Debug, Clone)]
pub struct HttpClient {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    client: reqwest::Client,
    options: ClientOptions,
    in_flight: Semaphore,
    cache: Option<DiskCache>,
}

/// Where the body of a successful answer goes.
enum Sink<'a> {
    Memory,
    TempFileIn(&'a Path),
}

enum Body {
    /// A 304, or a body not read.
    Empty,
    Memory(Vec<u8>),
    File(tempfile::NamedTempFile, u64),
}

/// A final answer: success or 304, body read and length-checked.
struct Received {
    status: StatusCode,
    headers: BTreeMap<String, String>,
    body: Body,
}

/// A failure while reading a body; all but `Local` are worth another attempt.
enum ReadFailure {
    Timeout(reqwest::Error),
    Truncated { expected: u64, got: u64 },
    Broken(reqwest::Error),
    Local(HttpError),
}

impl HttpClient {
    pub fn new(options: ClientOptions) -> Result<Self, HttpError> {
        let mut builder = reqwest::Client::builder()
            .user_agent(options.user_agent.clone())
            .connect_timeout(options.connect_timeout)
            .read_timeout(options.read_timeout)
            // Proxies come from the options only: the library reads no environment.
            .no_proxy()
            .tls_backend_preconfigured(tls_config(options.ca_file.as_deref())?);
        if let Some(proxy) = &options.proxy {
            let proxy = reqwest::Proxy::all(proxy.as_str())
                .map_err(|source| HttpError::Client { source })?;
            builder = builder.proxy(proxy);
        }
        let client = builder
            .build()
            .map_err(|source| HttpError::Client { source })?;
        let cache = options.cache_dir.as_deref().map(DiskCache::new);
        Ok(Self {
            inner: Arc::new(Inner {
                client,
                in_flight: Semaphore::new(options.max_in_flight.max(1)),
                cache,
                options,
            }),
        })
    }

    pub fn options(&self) -> &ClientOptions {
        &self.inner.options
    }

    /// GET through the disk cache, with the client's cache mode. See [`HttpClient::get_with`].
    pub async fn get(&self, url: &Url) -> Result<Response, HttpError> {
        self.get_with(url, &GetOptions::default()).await
    }

    /// GET through the disk cache.
    ///
    /// - Normal mode: a fresh entry (`max-age`, or `Expires` against `Date`, minus `Age`) is
    ///   served with no request; a stale one is revalidated with `If-None-Match` /
    ///   `If-Modified-Since`, and a 304 serves the stored body and renews the entry.
    /// - Refresh mode: the same, every entry counting as stale.
    /// - Offline mode: the entry whatever its age, else [`HttpError::Offline`].
    ///
    /// A 200 is stored unless it says `no-store` (an entry without freshness or validators is
    /// still useful offline). Other successes are returned but not stored; any other status
    /// is [`HttpError::Status`]. Without a cache directory every request goes to the network
    /// and offline mode always fails. A stale entry is not served when the server cannot be
    /// reached: the error is returned, and the caller may retry in offline mode and say so.
    pub async fn get_with(&self, url: &Url, options: &GetOptions) -> Result<Response, HttpError> {
        let target = Target::new(url);
        let mode = options.cache_mode.unwrap_or(self.inner.options.cache_mode);
        let key = CacheKey::get_transformed(
            &target.url,
            options.accept.as_deref(),
            options.transform.as_ref().map(|transform| transform.id),
        );
        let cached = self.read_cache(&key).await;
        let now = self.now();

        match (mode, cached) {
            (CacheMode::Offline, Some(entry)) => Ok(cached_response(&target, entry, now)),
            (CacheMode::Offline, None) => Err(HttpError::Offline {
                url: target.redacted,
            }),
            (CacheMode::Normal, Some(entry))
                if freshness::is_fresh_or(
                    &entry.meta.headers,
                    entry.meta.stored_at,
                    now,
                    options
                        .heuristic_freshness
                        .and_then(|lifetime| jiff::SignedDuration::try_from(lifetime).ok()),
                ) =>
            {
                Ok(cached_response(&target, entry, now))
            }
            (_, cached) => self.get_from_network(&target, options, &key, cached).await,
        }
    }

    async fn get_from_network(
        &self,
        target: &Target,
        options: &GetOptions,
        key: &CacheKey,
        cached: Option<Entry>,
    ) -> Result<Response, HttpError> {
        let validators = cached
            .as_ref()
            .map(|entry| Validators::from_headers(&entry.meta.headers))
            .unwrap_or_default();
        let refresh =
            options.cache_mode.unwrap_or(self.inner.options.cache_mode) == CacheMode::Refresh;
        let build = || {
            let mut request = self.inner.client.get(target.url.clone());
            if let Some(accept) = &options.accept {
                request = request.header(header::ACCEPT, accept);
            }
            if refresh {
                // Asks caches between us and the origin to revalidate too.
                request = request.header(header::CACHE_CONTROL, "max-age=0");
            }
            conditional(request, &validators)
        };
        let received = self.execute(target, build, Sink::Memory).await?;
        let now = self.now();

        if received.status == StatusCode::NOT_MODIFIED {
            let Some(entry) = cached else {
                // A 304 to a request that had no validators: the server is confused.
                return Err(HttpError::Status {
                    url: target.redacted.clone(),
                    status: received.status,
                    attempts: 1,
                });
            };
            let entry = entry.revalidated(received.headers, now);
            self.write_cache(target, key, &entry).await?;
            return Ok(cached_response(target, entry, now));
        }

        let mut body = match received.body {
            Body::Memory(body) => body,
            Body::Empty | Body::File(..) => Vec::new(),
        };
        if let Some(transform) = &options.transform {
            if received.status == StatusCode::OK {
                // Off the async thread: a transform may parse megabytes, and the runtime may
                // have one thread that every other request is waiting on.
                let apply = std::sync::Arc::clone(&transform.apply);
                let headers = received.headers.clone();
                let transformed = tokio::task::spawn_blocking(move || apply(&body, &headers)).await;
                body = match transformed {
                    Ok(Ok(body)) => body,
                    Ok(Err(message)) => {
                        return Err(HttpError::Transform {
                            url: target.redacted.clone(),
                            message,
                        })
                    }
                    Err(error) => {
                        return Err(HttpError::Transform {
                            url: target.redacted.clone(),
                            message: format!("reading the answer failed: {error}"),
                        })
                    }
                };
            }
        }
        if CacheControl::from_headers(&received.headers).no_store {
            self.remove_cache(target, key).await?;
        } else if received.status == StatusCode::OK {
            let entry = Entry::new(
                &target.url,
                "GET",
                received.status.as_u16(),
                now,
                received.headers.clone(),
                body.clone(),
            );
            self.write_cache(target, key, &entry).await?;
        }
        Ok(Response {
            url: target.redacted.clone(),
            status: received.status,
            headers: received.headers,
            body,
            from_cache: false,
            stored_at: now,
            age: jiff::SignedDuration::ZERO,
        })
    }

    /// POST a JSON body (`Content-Type` and `Accept: application/json`), for query APIs such
    /// as OSV's `/v1/querybatch`.
    ///
    /// HTTP does not let a cache keep POST answers, so the caller says how long this one may
    /// be reused ([`PostCache`]); the entry is keyed by the URL and the sha256 of the exact
    /// body bytes, so serialise deterministically (sorted queries) to get hits. The request is
    /// retried like a GET: use it only for requests that change nothing on the server.
    pub async fn post_json<T: Serialize + ?Sized>(
        &self,
        url: &Url,
        body: &T,
        cache: PostCache,
    ) -> Result<Response, HttpError> {
        let target = Target::new(url);
        let body = serde_json::to_vec(body).map_err(|source| HttpError::Encode {
            url: target.redacted.clone(),
            source,
        })?;
        let mode = self.inner.options.cache_mode;
        let key = CacheKey::post(&target.url, &body);
        let ttl = match cache {
            PostCache::None => None,
            PostCache::For(ttl) => Some(ttl),
        };
        let now = self.now();
        if let Some(ttl) = ttl {
            if mode != CacheMode::Refresh {
                if let Some(entry) = self.read_cache(&key).await {
                    let age = now.duration_since(entry.meta.stored_at);
                    let young = jiff::SignedDuration::try_from(ttl).is_ok_and(|ttl| age < ttl);
                    if mode == CacheMode::Offline || young {
                        return Ok(cached_response(&target, entry, now));
                    }
                }
            }
        }
        if mode == CacheMode::Offline {
            return Err(HttpError::Offline {
                url: target.redacted,
            });
        }

        let build = || {
            self.inner
                .client
                .post(target.url.clone())
                .header(header::CONTENT_TYPE, "application/json")
                .header(header::ACCEPT, "application/json")
                .body(body.clone())
        };
        let received = self.execute(&target, build, Sink::Memory).await?;
        let now = self.now();
        let response_body = match received.body {
            Body::Memory(body) => body,
            Body::Empty | Body::File(..) => Vec::new(),
        };
        if let Some(ttl) = ttl {
            if received.status.is_success() {
                let mut entry = Entry::new(
                    &target.url,
                    "POST",
                    received.status.as_u16(),
                    now,
                    received.headers.clone(),
                    response_body.clone(),
                );
                entry.meta.ttl_seconds = Some(ttl.as_secs());
                self.write_cache(&target, &key, &entry).await?;
            }
        }
        Ok(Response {
            url: target.redacted.clone(),
            status: received.status,
            headers: received.headers,
            body: response_body,
            from_cache: false,
            stored_at: now,
            age: jiff::SignedDuration::ZERO,
        })
    }

    /// Downloads a large resource into a temporary file in `dest_dir` (created if missing),
    /// streaming, never holding the body in memory, and bypassing the disk cache.
    ///
    /// With `validators`, the request is conditional and a 304 gives
    /// [`Download::NotModified`]. A body shorter than its `Content-Length` is retried and
    /// then reported as [`HttpError::Truncated`]; on any error no file is left behind.
    /// Offline mode fails with [`HttpError::Offline`]; refresh mode changes nothing (drop
    /// the validators to force a full download).
    pub async fn download(
        &self,
        url: &Url,
        dest_dir: &Path,
        validators: Option<&Validators>,
    ) -> Result<Download, HttpError> {
        let target = Target::new(url);
        if self.inner.options.cache_mode == CacheMode::Offline {
            return Err(HttpError::Offline {
                url: target.redacted,
            });
        }
        tokio::fs::create_dir_all(dest_dir)
            .await
            .map_err(|source| HttpError::Write {
                url: target.redacted.clone(),
                path: dest_dir.to_path_buf(),
                source,
            })?;
        let validators = validators.cloned().unwrap_or_default();
        let build = || conditional(self.inner.client.get(target.url.clone()), &validators);
        let received = self
            .execute(&target, build, Sink::TempFileIn(dest_dir))
            .await?;
        match received.body {
            Body::File(file, bytes) => Ok(Download::Fetched {
                file,
                validators: Validators::from_headers(&received.headers),
                bytes,
            }),
            Body::Empty | Body::Memory(_) if received.status == StatusCode::NOT_MODIFIED => {
                Ok(Download::NotModified)
            }
            Body::Empty | Body::Memory(_) => Err(HttpError::Status {
                url: target.redacted,
                status: received.status,
                attempts: 1,
            }),
        }
    }

    /// Sends until a final answer: retries timeouts, connection errors, cut-short bodies,
    /// 429 and 5xx with backoff (or the server's `Retry-After`), each attempt holding one
    /// in-flight permit from sending to the end of its body.
    async fn execute(
        &self,
        target: &Target,
        build: impl Fn() -> reqwest::RequestBuilder,
        sink: Sink<'_>,
    ) -> Result<Received, HttpError> {
        let options = &self.inner.options;
        let attempts_allowed = options.retries.saturating_add(1);
        let mut attempt = 0;
        loop {
            attempt += 1;
            let can_retry = attempt < attempts_allowed;
            let permit = self
                .inner
                .in_flight
                .acquire()
                .await
                .expect("the in-flight semaphore is never closed");
            let sent = target.apply_credentials(build()).send().await;
            let response = match sent {
                Ok(response) => response,
                Err(error) => {
                    drop(permit);
                    let transient = error.is_timeout() || error.is_connect() || error.is_request();
                    if transient && can_retry {
                        self.pause(attempt, None).await;
                        continue;
                    }
                    return Err(send_error(target, attempt, error));
                }
            };

            let status = response.status();
            if status.is_success() || status == StatusCode::NOT_MODIFIED {
                let headers = header_map(response.headers());
                let body = if status == StatusCode::NOT_MODIFIED {
                    Ok(Body::Empty)
                } else {
                    read_body(response, &sink, target).await
                };
                drop(permit);
                match body {
                    Ok(body) => {
                        return Ok(Received {
                            status,
                            headers,
                            body,
                        })
                    }
                    Err(ReadFailure::Local(error)) => return Err(error),
                    Err(_) if can_retry => {
                        self.pause(attempt, None).await;
                    }
                    Err(failure) => return Err(read_error(target, attempt, failure)),
                }
                continue;
            }

            let retry_after = response
                .headers()
                .get(header::RETRY_AFTER)
                .and_then(|value| value.to_str().ok())
                .and_then(|value| freshness::retry_after(value, self.now()));
            drop(response);
            drop(permit);
            let transient = status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error();
            if transient && can_retry {
                self.pause(attempt, retry_after).await;
                continue;
            }
            return Err(HttpError::Status {
                url: target.redacted.clone(),
                status,
                attempts: attempt,
            });
        }
    }

    async fn pause(&self, attempt: u32, retry_after: Option<std::time::Duration>) {
        let options = &self.inner.options;
        let delay = freshness::retry_delay(
            attempt - 1,
            retry_after,
            options.backoff_base,
            options.max_retry_delay,
        );
        tokio::time::sleep(delay).await;
    }

    fn now(&self) -> Timestamp {
        self.inner.options.clock.now()
    }

    async fn read_cache(&self, key: &CacheKey) -> Option<Entry> {
        let cache = self.inner.cache.clone()?;
        let key = key.clone();
        tokio::task::spawn_blocking(move || cache.read(&key))
            .await
            .ok()
            .flatten()
    }

    async fn write_cache(
        &self,
        target: &Target,
        key: &CacheKey,
        entry: &Entry,
    ) -> Result<(), HttpError> {
        let Some(cache) = self.inner.cache.clone() else {
            return Ok(());
        };
        let (key, entry) = (key.clone(), entry.clone());
        let written = tokio::task::spawn_blocking(move || cache.write(&key, &entry))
            .await
            .unwrap_or_else(|join| Err(std::io::Error::other(join)));
        written.map_err(|source| HttpError::Cache {
            url: target.redacted.clone(),
            source,
        })
    }

    async fn remove_cache(&self, target: &Target, key: &CacheKey) -> Result<(), HttpError> {
        let Some(cache) = self.inner.cache.clone() else {
            return Ok(());
        };
        let key = key.clone();
        let removed = tokio::task::spawn_blocking(move || cache.remove(&key))
            .await
            .unwrap_or_else(|join| Err(std::io::Error::other(join)));
        removed.map_err(|source| HttpError::Cache {
            url: target.redacted.clone(),
            source,
        })
    }
}

fn cached_response(target: &Target, entry: Entry, now: Timestamp) -> Response {
    Response {
        url: target.redacted.clone(),
        status: StatusCode::from_u16(entry.meta.status).unwrap_or(StatusCode::OK),
        headers: entry.meta.headers,
        body: entry.body,
        from_cache: true,
        stored_at: entry.meta.stored_at,
        age: now.duration_since(entry.meta.stored_at),
    }
}

/// rustls with the ring provider and the platform's trust store (system certificates on
/// Linux) plus the CAs of `ca_file`, offering HTTP/2 then HTTP/1.1. Public so that every HTTP
/// client of tend (the notifications' too) trusts the same certificates the same way.
pub fn tls_config(ca_file: Option<&Path>) -> Result<rustls::ClientConfig, HttpError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let extra_roots = match ca_file {
        Some(path) => load_certificates(path)?,
        None => Vec::new(),
    };
    let verifier =
        rustls_platform_verifier::Verifier::new_with_extra_roots(extra_roots, provider.clone())
            .map_err(|source| HttpError::Tls { source })?;
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|source| HttpError::Tls { source })?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    // A preconfigured backend gets no ALPN from reqwest; without it, no HTTP/2.
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}

fn load_certificates(
    path: &Path,
) -> Result<Vec<rustls::pki_types::CertificateDer<'static>>, HttpError> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::CertificateDer;

    let failure = |source: std::io::Error| HttpError::CaFile {
        path: path.to_path_buf(),
        source,
    };
    let pem = fs_err::read(path).map_err(failure)?;
    let certificates = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|error| failure(std::io::Error::new(std::io::ErrorKind::InvalidData, error)))?;
    if certificates.is_empty() {
        return Err(failure(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "no PEM certificate in the file",
        )));
    }
    Ok(certificates)
}

fn conditional(
    mut request: reqwest::RequestBuilder,
    validators: &Validators,
) -> reqwest::RequestBuilder {
    if let Some(etag) = &validators.etag {
        request = request.header(header::IF_NONE_MATCH, etag);
    }
    if let Some(last_modified) = &validators.last_modified {
        request = request.header(header::IF_MODIFIED_SINCE, last_modified);
    }
    request
}

/// Lower-case names; repeated headers joined with ", " (RFC 9110 §5.3); values that are not
/// visible ASCII are dropped.
fn header_map(headers: &HeaderMap) -> BTreeMap<String, String> {
    let mut map: BTreeMap<String, String> = BTreeMap::new();
    for (name, value) in headers {
        let Ok(value) = value.to_str() else { continue };
        map.entry(name.as_str().to_string())
            .and_modify(|joined| {
                joined.push_str(", ");
                joined.push_str(value);
            })
            .or_insert_with(|| value.to_string());
    }
    map
}

async fn read_body(
    mut response: reqwest::Response,
    sink: &Sink<'_>,
    target: &Target,
) -> Result<Body, ReadFailure> {
    // Known only for bodies sent as they are (not decompressed by the client).
    let expected = response.content_length();
    let mut got: u64 = 0;
    let body_failure = |error: reqwest::Error, got: u64| {
        let error = error.without_url();
        if error.is_timeout() {
            ReadFailure::Timeout(error)
        } else if expected.is_some_and(|expected| got < expected) {
            ReadFailure::Truncated {
                expected: expected.unwrap_or_default(),
                got,
            }
        } else {
            ReadFailure::Broken(error)
        }
    };
    let checked = |got: u64| match expected {
        Some(expected) if got != expected => Err(ReadFailure::Truncated { expected, got }),
        _ => Ok(()),
    };

    match sink {
        Sink::Memory => {
            let capacity = expected.and_then(|length| usize::try_from(length).ok());
            let mut body = Vec::with_capacity(capacity.unwrap_or(0).min(64 << 20));
            loop {
                match response.chunk().await {
                    Ok(Some(chunk)) => {
                        got += chunk.len() as u64;
                        body.extend_from_slice(&chunk);
                    }
                    Ok(None) => break,
                    Err(error) => return Err(body_failure(error, got)),
                }
            }
            checked(got)?;
            Ok(Body::Memory(body))
        }
        Sink::TempFileIn(directory) => {
            let write_failure = |path: &Path, source: std::io::Error| {
                ReadFailure::Local(HttpError::Write {
                    url: target.redacted.clone(),
                    path: path.to_path_buf(),
                    source,
                })
            };
            let temp = tempfile::Builder::new()
                .prefix(".download-")
                .tempfile_in(directory)
                .map_err(|source| write_failure(directory, source))?;
            let std_file = temp
                .as_file()
                .try_clone()
                .map_err(|source| write_failure(temp.path(), source))?;
            let mut file = tokio::fs::File::from_std(std_file);
            loop {
                match response.chunk().await {
                    Ok(Some(chunk)) => {
                        got += chunk.len() as u64;
                        file.write_all(&chunk)
                            .await
                            .map_err(|source| write_failure(temp.path(), source))?;
                    }
                    Ok(None) => break,
                    // `temp` is dropped here, which deletes the partial file.
                    Err(error) => return Err(body_failure(error, got)),
                }
            }
            checked(got)?;
            file.flush()
                .await
                .map_err(|source| write_failure(temp.path(), source))?;
            // The caller renames this file over its previous copy: make it durable first.
            file.sync_all()
                .await
                .map_err(|source| write_failure(temp.path(), source))?;
            Ok(Body::File(temp, got))
        }
    }
}

fn send_error(target: &Target, attempts: u32, error: reqwest::Error) -> HttpError {
    let url = target.redacted.clone();
    let source = error.without_url();
    if source.is_timeout() {
        HttpError::Timeout {
            url,
            attempts,
            source,
        }
    } else {
        HttpError::Request {
            url,
            attempts,
            source,
        }
    }
}

fn read_error(target: &Target, attempts: u32, failure: ReadFailure) -> HttpError {
    let url = target.redacted.clone();
    match failure {
        ReadFailure::Timeout(source) => HttpError::Timeout {
            url,
            attempts,
            source,
        },
        ReadFailure::Truncated { expected, got } => HttpError::Truncated {
            url,
            expected,
            got,
            attempts,
        },
        ReadFailure::Broken(source) => HttpError::Body {
            url,
            attempts,
            source,
        },
        ReadFailure::Local(error) => error,
    }
}
