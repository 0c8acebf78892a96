use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tend_http::{HttpClient, HttpError, StatusCode};
use tend_test::http::{Request, Response, Routes, Sequence, TestServer};

use crate::{chain, options, url};

#[tokio::test]
async fn server_error_then_success_is_retried() {
    let server = TestServer::start(Sequence::new([
        Response::status(500),
        Response::status(502),
        Response::ok("third time"),
    ]));
    let client = HttpClient::new(options()).unwrap();
    let response = client.get(&url(&server, "/flaky")).await.unwrap();
    assert_eq!(response.body, b"third time");
    assert_eq!(server.count("/flaky"), 3);
}

#[tokio::test]
async fn exhausted_retries_name_the_url_status_and_attempts() {
    let server = TestServer::start(Response::status(503));
    let client = HttpClient::new(options()).unwrap();
    let target = url(&server, "/down");
    let error = client.get(&target).await.unwrap_err();
    assert_eq!(error.status(), Some(StatusCode::SERVICE_UNAVAILABLE));
    assert!(error.is_unreachable());
    assert_eq!(
        error.to_string(),
        format!("{target} answered 503 Service Unavailable (after 3 attempts)")
    );
    assert_eq!(server.count("/down"), 3);
}

#[tokio::test]
async fn client_errors_are_not_retried() {
    let server = TestServer::start(Routes::new());
    let client = HttpClient::new(options()).unwrap();
    let target = url(&server, "/pypi/no-such/1.0/json");
    let error = client.get(&target).await.unwrap_err();
    assert_eq!(error.status(), Some(StatusCode::NOT_FOUND));
    assert!(!error.is_unreachable());
    assert_eq!(
        error.to_string(),
        format!("{target} answered 404 Not Found")
    );
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn too_many_requests_waits_for_retry_after_then_retries() {
    let server = TestServer::start(Sequence::new([
        Response::status(429).header("Retry-After", "1"),
        Response::ok("served"),
    ]));
    let mut options = options();
    options.max_retry_delay = Duration::from_secs(5);
    let client = HttpClient::new(options).unwrap();
    let response = client.get(&url(&server, "/limited")).await.unwrap();
    assert_eq!(response.body, b"served");
    assert_eq!(server.count("/limited"), 2);
}

#[tokio::test]
async fn retry_after_beyond_the_cap_is_capped() {
    let server = TestServer::start(Sequence::new([
        Response::status(429).header("Retry-After", "86400"),
        Response::ok("served"),
    ]));
    // With a one-day wait honoured, this test would never finish.
    let client = HttpClient::new(options()).unwrap();
    assert_eq!(
        client.get(&url(&server, "/limited")).await.unwrap().body,
        b"served"
    );
}

#[tokio::test]
async fn slow_server_with_a_short_read_timeout_is_a_timeout_error() {
    let server = TestServer::start(Response::ok("late").delayed(Duration::from_secs(3)));
    let mut options = options();
    options.read_timeout = Duration::from_millis(200);
    options.retries = 1;
    let client = HttpClient::new(options).unwrap();
    let target = url(&server, "/slow");
    let error = client.get(&target).await.unwrap_err();
    assert!(
        matches!(error, HttpError::Timeout { attempts: 2, .. }),
        "{error:?}"
    );
    assert!(error.is_unreachable());
    assert_eq!(
        error.to_string(),
        format!("request to {target} timed out (after 2 attempts)")
    );
    assert_eq!(server.count("/slow"), 2);
}

#[tokio::test]
async fn connection_refused_is_a_request_error_naming_the_url() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let client = HttpClient::new(options()).unwrap();
    let target = tend_http::Url::parse(&format!("http://127.0.0.1:{port}/gone")).unwrap();
    let error = client.get(&target).await.unwrap_err();
    assert!(
        matches!(error, HttpError::Request { attempts: 3, .. }),
        "{error:?}"
    );
    let text = chain(&error);
    assert!(
        text.starts_with(&format!(
            "request to {target} failed (after 3 attempts)\nCaused by: "
        )),
        "{text}"
    );
}

#[tokio::test]
async fn requests_in_flight_are_bounded() {
    const REQUESTS: usize = 8;
    // Each request is held until a second one is in the handler (or all have arrived), so an
    // unbounded client would pile them up; a bound of 2 must never be exceeded.
    let active = Arc::new(AtomicUsize::new(0));
    let arrived = Arc::new(AtomicUsize::new(0));
    let server = TestServer::start({
        let (active, arrived) = (Arc::clone(&active), Arc::clone(&arrived));
        move |_: &Request| {
            active.fetch_add(1, Ordering::SeqCst);
            arrived.fetch_add(1, Ordering::SeqCst);
            let deadline = Instant::now() + Duration::from_secs(5);
            while active.load(Ordering::SeqCst) < 2
                && arrived.load(Ordering::SeqCst) < REQUESTS
                && Instant::now() < deadline
            {
                std::thread::sleep(Duration::from_millis(2));
            }
            std::thread::sleep(Duration::from_millis(20));
            active.fetch_sub(1, Ordering::SeqCst);
            Response::ok("x")
        }
    });
    let mut options = options();
    options.max_in_flight = 2;
    let client = HttpClient::new(options).unwrap();
    let tasks: Vec<_> = (0..REQUESTS)
        .map(|index| {
            let client = client.clone();
            let target = url(&server, &format!("/item/{index}"));
            tokio::spawn(async move { client.get(&target).await })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.unwrap().unwrap().body, b"x");
    }
    assert_eq!(server.requests().len(), REQUESTS);
    assert_eq!(server.max_in_flight(), 2);
}
