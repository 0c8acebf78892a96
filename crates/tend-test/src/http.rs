//! A real HTTP/1.1 server on 127.0.0.1 for tests of HTTP clients, advisory downloads, the OSV
//! and JSON APIs and webhooks.
//!
//! [`TestServer::start`] takes a [`Handler`] (any `Fn(&Request) -> Response`, or one of the
//! ready-made ones: [`Response`] itself for a fixed answer, [`Routes`] by path, [`Sequence`]
//! for "500 then 200", [`Resource`] for ETag / Last-Modified revalidation) and serves it from a
//! thread per connection, with HTTP/1.1 keep-alive, until dropped. The server records every
//! request ([`TestServer::requests`], [`TestServer::count`]) and the most requests it handled
//! at once ([`TestServer::max_in_flight`]), so tests can assert "no request on a fresh
//! re-run", "one conditional request after expiry", or a concurrency bound.
//!
//! Faults on purpose: [`Response::delayed`] sleeps before answering (timeouts),
//! [`Response::truncated`] announces the whole body in `Content-Length` but closes the
//! connection after part of it.
//!
//! ```no_run
//! use tend_test::http::{Resource, Response, Routes, Sequence, TestServer};
//!
//! let server = TestServer::start(
//!     Routes::new()
//!         .route("/all.zip", Resource::new(b"PK...".to_vec()).etag("\"v1\""))
//!         .route("/flaky", Sequence::new([Response::status(500), Response::ok("fine")])),
//! );
//! let url = server.url_for("/flaky");
//! // ... run the client against `url` ...
//! assert_eq!(server.count("/flaky"), 2);
//! ```

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use crate::listener::{lock, Listener};
use std::thread;
use std::time::Duration;

/// A request as the server received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub method: String,
    /// The path without the query string, as sent (not percent-decoded).
    pub path: String,
    pub query: Option<String>,
    /// Names in lower case, in the order received.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    /// The first header of that name, in any case.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(header, _)| header.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }
}

/// An answer. `Content-Length` is added by the server (not for 204 / 304).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    delay: Option<Duration>,
    truncate_at: Option<usize>,
}

impl Response {
    pub fn status(status: u16) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: Vec::new(),
            delay: None,
            truncate_at: None,
        }
    }

    /// 200 with this body.
    pub fn ok(body: impl Into<Vec<u8>>) -> Self {
        Self::status(200).body(body)
    }

    /// 200 with a JSON body and `Content-Type: application/json`.
    pub fn json(value: &serde_json::Value) -> Self {
        Self::ok(value.to_string()).header("Content-Type", "application/json")
    }

    pub fn not_found() -> Self {
        Self::status(404).body("not found")
    }

    #[must_use]
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    #[must_use]
    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self
    }

    /// Waits this long before sending anything (the request is recorded at once).
    #[must_use]
    pub fn delayed(mut self, delay: Duration) -> Self {
        self.delay = Some(delay);
        self
    }

    /// Sends `Content-Length` for the whole body but only its first `sent` bytes, then closes
    /// the connection.
    #[must_use]
    pub fn truncated(mut self, sent: usize) -> Self {
        self.truncate_at = Some(sent);
        self
    }
}

/// Something that answers requests. Every `Fn(&Request) -> Response` is one.
pub trait Handler: Send + Sync + 'static {
    fn handle(&self, request: &Request) -> Response;
}

impl<F> Handler for F
where
    F: Fn(&Request) -> Response + Send + Sync + 'static,
{
    fn handle(&self, request: &Request) -> Response {
        self(request)
    }
}

/// Always the same answer.
impl Handler for Response {
    fn handle(&self, _request: &Request) -> Response {
        self.clone()
    }
}

/// Handlers by exact path (query ignored); 404 elsewhere.
#[derive(Default)]
pub struct Routes {
    routes: BTreeMap<String, Box<dyn Handler>>,
}

impl Routes {
    pub fn new() -> Self {
        Self::default()
    }

    #[must_use]
    pub fn route(mut self, path: &str, handler: impl Handler) -> Self {
        self.routes.insert(path.to_string(), Box::new(handler));
        self
    }
}

impl Handler for Routes {
    fn handle(&self, request: &Request) -> Response {
        match self.routes.get(&request.path) {
            Some(handler) => handler.handle(request),
            None => Response::not_found(),
        }
    }
}

/// Answers in order, then repeats the last answer: `[500, 200]` fails once, then succeeds.
pub struct Sequence {
    responses: Vec<Response>,
    next: AtomicUsize,
}

impl Sequence {
    pub fn new(responses: impl IntoIterator<Item = Response>) -> Self {
        let responses: Vec<Response> = responses.into_iter().collect();
        assert!(
            !responses.is_empty(),
            "a Sequence needs at least one response"
        );
        Self {
            responses,
            next: AtomicUsize::new(0),
        }
    }
}

impl Handler for Sequence {
    fn handle(&self, _request: &Request) -> Response {
        let index = self.next.fetch_add(1, Ordering::SeqCst);
        self.responses[index.min(self.responses.len() - 1)].clone()
    }
}

/// A cacheable resource: 200 with its validators and `Cache-Control`, or 304 when the request's
/// `If-None-Match` lists its ETag (or `*`) or its `If-Modified-Since` is its `Last-Modified`
/// (compared as text, which is what a client echoing the header sends).
#[derive(Debug, Clone)]
pub struct Resource {
    body: Vec<u8>,
    etag: Option<String>,
    last_modified: Option<String>,
    cache_control: Option<String>,
    content_type: Option<String>,
}

impl Resource {
    pub fn new(body: impl Into<Vec<u8>>) -> Self {
        Self {
            body: body.into(),
            etag: None,
            last_modified: None,
            cache_control: None,
            content_type: None,
        }
    }

    /// The ETag as sent, quotes included (`"\"v1\""`).
    #[must_use]
    pub fn etag(mut self, etag: &str) -> Self {
        self.etag = Some(etag.to_string());
        self
    }

    #[must_use]
    pub fn last_modified(mut self, date: &str) -> Self {
        self.last_modified = Some(date.to_string());
        self
    }

    #[must_use]
    pub fn cache_control(mut self, value: &str) -> Self {
        self.cache_control = Some(value.to_string());
        self
    }

    #[must_use]
    pub fn content_type(mut self, value: &str) -> Self {
        self.content_type = Some(value.to_string());
        self
    }

    fn not_modified(&self, request: &Request) -> bool {
        if let (Some(etag), Some(wanted)) = (&self.etag, request.header("if-none-match")) {
            return wanted
                .split(',')
                .map(str::trim)
                .any(|candidate| candidate == "*" || candidate == etag);
        }
        matches!(
            (&self.last_modified, request.header("if-modified-since")),
            (Some(date), Some(since)) if date == since.trim()
        )
    }
}

impl Handler for Resource {
    fn handle(&self, request: &Request) -> Response {
        let mut response = if self.not_modified(request) {
            Response::status(304)
        } else {
            Response::ok(self.body.clone())
        };
        let headers = [
            ("ETag", &self.etag),
            ("Last-Modified", &self.last_modified),
            ("Cache-Control", &self.cache_control),
        ];
        for (name, value) in headers {
            if let Some(value) = value {
                response = response.header(name, value);
            }
        }
        if let (Some(content_type), 200) = (&self.content_type, response.status) {
            response = response.header("Content-Type", content_type);
        }
        response
    }
}

struct Shared {
    handler: Box<dyn Handler>,
    log: Mutex<Vec<Request>>,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
}

/// The running server; stops accepting and closes its connections when dropped.
pub struct TestServer {
    shared: Arc<Shared>,
    listener: Listener,
}

impl TestServer {
    pub fn start(handler: impl Handler) -> Self {
        let shared = Arc::new(Shared {
            handler: Box::new(handler),
            log: Mutex::new(Vec::new()),
            in_flight: AtomicUsize::new(0),
            max_in_flight: AtomicUsize::new(0),
        });
        let serving = Arc::clone(&shared);
        let listener = Listener::start("test server", move |stream, _, shutdown| {
            serve_connection(&serving, stream, shutdown);
        });
        Self { shared, listener }
    }

    /// `http://127.0.0.1:<port>`, no trailing slash.
    pub fn url(&self) -> String {
        format!("http://{}", self.listener.address())
    }

    /// The server's URL for a path starting with `/`.
    pub fn url_for(&self, path: &str) -> String {
        format!("{}{path}", self.url())
    }

    /// Every request received so far, in order of arrival.
    pub fn requests(&self) -> Vec<Request> {
        lock(&self.shared.log).clone()
    }

    /// The requests received for one path (query ignored).
    pub fn requests_to(&self, path: &str) -> Vec<Request> {
        lock(&self.shared.log)
            .iter()
            .filter(|request| request.path == path)
            .cloned()
            .collect()
    }

    /// How many requests a path received.
    pub fn count(&self, path: &str) -> usize {
        lock(&self.shared.log)
            .iter()
            .filter(|request| request.path == path)
            .count()
    }

    /// The most requests that were being handled at the same moment.
    pub fn max_in_flight(&self) -> usize {
        self.shared.max_in_flight.load(Ordering::SeqCst)
    }
}

/// Serves requests on one connection until the client closes it, asks to, or an answer
/// requires closing.
fn serve_connection(shared: &Shared, stream: TcpStream, shutdown: &AtomicBool) {
    let Ok(write_half) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(stream);
    let mut writer = write_half;
    while !shutdown.load(Ordering::SeqCst) {
        let Some(request) = read_request(&mut reader) else {
            return;
        };
        lock(&shared.log).push(request.clone());
        let now = shared.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        shared.max_in_flight.fetch_max(now, Ordering::SeqCst);
        let response = shared.handler.handle(&request);
        if let Some(delay) = response.delay {
            thread::sleep(delay);
        }
        let client_closes = request
            .header("connection")
            .is_some_and(|value| value.eq_ignore_ascii_case("close"));
        let keep_open = write_response(&mut writer, &request, &response) && !client_closes;
        shared.in_flight.fetch_sub(1, Ordering::SeqCst);
        if !keep_open {
            let _ = writer.shutdown(Shutdown::Both);
            return;
        }
    }
}

/// One request, or `None` when the connection is closed or the request unreadable.
fn read_request(reader: &mut BufReader<TcpStream>) -> Option<Request> {
    let mut line = String::new();
    if reader.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_string();
    let target = parts.next()?;
    let (path, query) = match target.split_once('?') {
        Some((path, query)) => (path.to_string(), Some(query.to_string())),
        None => (target.to_string(), None),
    };
    let mut headers = Vec::new();
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).ok()? == 0 {
            return None;
        }
        let header = header.trim_end_matches(['\r', '\n']);
        if header.is_empty() {
            break;
        }
        let (name, value) = header.split_once(':')?;
        headers.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
    }
    let mut request = Request {
        method,
        path,
        query,
        headers,
        body: Vec::new(),
    };
    if request
        .header("transfer-encoding")
        .is_some_and(|value| value.eq_ignore_ascii_case("chunked"))
    {
        request.body = read_chunked(reader)?;
    } else if let Some(length) = request.header("content-length") {
        let length: usize = length.parse().ok()?;
        let mut body = vec![0; length];
        reader.read_exact(&mut body).ok()?;
        request.body = body;
    }
    Some(request)
}

fn read_chunked(reader: &mut BufReader<TcpStream>) -> Option<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let mut size_line = String::new();
        reader.read_line(&mut size_line).ok()?;
        let size_text = size_line.trim().split(';').next()?;
        let size = usize::from_str_radix(size_text, 16).ok()?;
        if size == 0 {
            // Trailers, then the blank line.
            loop {
                let mut trailer = String::new();
                if reader.read_line(&mut trailer).ok()? == 0 || trailer.trim().is_empty() {
                    return Some(body);
                }
            }
        }
        let start = body.len();
        body.resize(start + size, 0);
        reader.read_exact(&mut body[start..]).ok()?;
        let mut crlf = [0; 2];
        reader.read_exact(&mut crlf).ok()?;
    }
}

/// Writes the answer; false when the connection must close (truncated, or a write failed).
fn write_response(writer: &mut TcpStream, request: &Request, response: &Response) -> bool {
    use std::fmt::Write as _;

    let mut head = format!(
        "HTTP/1.1 {} {}\r\n",
        response.status,
        reason(response.status)
    );
    for (name, value) in &response.headers {
        let _ = write!(head, "{name}: {value}\r\n");
    }
    let bodyless = matches!(response.status, 204 | 304) || (100..200).contains(&response.status);
    if !bodyless {
        let _ = write!(head, "Content-Length: {}\r\n", response.body.len());
    }
    head.push_str("\r\n");
    let mut bytes = head.into_bytes();
    let send_body = !bodyless && request.method != "HEAD";
    if send_body {
        let end = response
            .truncate_at
            .unwrap_or(response.body.len())
            .min(response.body.len());
        bytes.extend_from_slice(&response.body[..end]);
    }
    let written = writer
        .write_all(&bytes)
        .and_then(|()| writer.flush())
        .is_ok();
    written && !(send_body && response.truncate_at.is_some())
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        304 => "Not Modified",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Status",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Sends raw requests on one connection and reads raw answers, the way a keep-alive client
    /// does.
    fn exchange(server: &TestServer, raw: &str, answers: usize) -> Vec<String> {
        let mut stream = TcpStream::connect(server.listener.address()).unwrap();
        stream.write_all(raw.as_bytes()).unwrap();
        let mut reader = BufReader::new(stream);
        (0..answers)
            .map(|_| {
                let mut head = String::new();
                let mut length = 0;
                loop {
                    let mut line = String::new();
                    reader.read_line(&mut line).unwrap();
                    if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                        length = value.trim().parse().unwrap();
                    }
                    head.push_str(&line);
                    if line == "\r\n" {
                        break;
                    }
                }
                let mut body = vec![0; length];
                reader.read_exact(&mut body).unwrap();
                head + &String::from_utf8(body).unwrap()
            })
            .collect()
    }

    #[test]
    fn keep_alive_routes_sequences_and_recording() {
        let server = TestServer::start(
            Routes::new()
                .route("/a", Response::ok("alpha").header("X-Kind", "static"))
                .route(
                    "/seq",
                    Sequence::new([Response::status(500), Response::ok("ok")]),
                ),
        );
        let answers = exchange(
            &server,
            "GET /a?x=1 HTTP/1.1\r\nHost: t\r\nX-Test: yes\r\n\r\n\
             POST /seq HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabc\
             GET /seq HTTP/1.1\r\nHost: t\r\n\r\n\
             GET /missing HTTP/1.1\r\nHost: t\r\n\r\n",
            4,
        );
        assert!(
            answers[0].starts_with("HTTP/1.1 200 OK\r\n"),
            "{}",
            answers[0]
        );
        assert!(answers[0].contains("X-Kind: static\r\n"));
        assert!(answers[0].ends_with("\r\n\r\nalpha"));
        assert!(answers[1].starts_with("HTTP/1.1 500 "));
        assert!(answers[2].ends_with("\r\n\r\nok"));
        assert!(answers[3].starts_with("HTTP/1.1 404 "));

        let first = &server.requests()[0];
        assert_eq!(first.path, "/a");
        assert_eq!(first.query.as_deref(), Some("x=1"));
        assert_eq!(first.header("x-test"), Some("yes"));
        assert_eq!(server.requests_to("/seq")[0].body, b"abc");
        assert_eq!(server.count("/seq"), 2);
        assert_eq!(server.max_in_flight(), 1);
    }

    #[test]
    fn resource_answers_304_to_its_validators() {
        let server = TestServer::start(
            Resource::new("data")
                .etag("\"v1\"")
                .last_modified("Tue, 14 Nov 2023 22:13:20 GMT")
                .cache_control("max-age=60"),
        );
        let answers = exchange(
            &server,
            "GET /r HTTP/1.1\r\nIf-None-Match: \"v0\", \"v1\"\r\n\r\n\
             GET /r HTTP/1.1\r\nIf-None-Match: \"v0\"\r\n\r\n\
             GET /r HTTP/1.1\r\nIf-Modified-Since: Tue, 14 Nov 2023 22:13:20 GMT\r\n\r\n",
            3,
        );
        assert!(answers[0].starts_with("HTTP/1.1 304 "), "{}", answers[0]);
        assert!(answers[0].contains("ETag: \"v1\"\r\n"));
        assert!(!answers[0].to_ascii_lowercase().contains("content-length"));
        assert!(answers[1].starts_with("HTTP/1.1 200 ") && answers[1].ends_with("data"));
        assert!(answers[2].starts_with("HTTP/1.1 304 "));
    }

    #[test]
    fn truncated_answer_closes_after_part_of_the_body() {
        let server = TestServer::start(Response::ok("0123456789").truncated(4));
        let mut stream = TcpStream::connect(server.listener.address()).unwrap();
        stream.write_all(b"GET / HTTP/1.1\r\n\r\n").unwrap();
        let mut received = String::new();
        stream.read_to_string(&mut received).unwrap();
        assert!(received.contains("Content-Length: 10\r\n"));
        assert!(received.ends_with("\r\n\r\n0123"), "{received}");
    }
}
