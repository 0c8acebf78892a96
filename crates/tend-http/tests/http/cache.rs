use std::time::Duration;

use serde_json::json;
use tend_http::{CacheMode, GetOptions, HttpError, PostCache};
use tend_test::http::{Request, Resource, Response, Routes, TestServer};

use crate::{cached_client, url, TestClock};

fn index_resource() -> Resource {
    Resource::new("<html>flask</html>")
        .etag("\"v1\"")
        .cache_control("max-age=60")
        .content_type("text/html")
}

#[tokio::test]
async fn fresh_entry_is_served_without_a_request() {
    let server = TestServer::start(Routes::new().route("/simple/flask/", index_resource()));
    let cache = tempfile::tempdir().unwrap();
    let clock = TestClock::new();
    let client = cached_client(cache.path(), CacheMode::Normal, &clock);
    let target = url(&server, "/simple/flask/");

    let first = client.get(&target).await.unwrap();
    assert!(!first.from_cache);
    assert_eq!(first.body, b"<html>flask</html>");
    assert_eq!(first.content_type(), Some("text/html"));

    clock.advance(59);
    let second = client.get(&target).await.unwrap();
    assert!(second.from_cache);
    assert_eq!(second.body, b"<html>flask</html>");
    assert_eq!(second.age, jiff::SignedDuration::from_secs(59));
    assert_eq!(second.header("ETag"), Some("\"v1\""));
    assert_eq!(server.count("/simple/flask/"), 1);

    // Another client (another run of tend) on the same cache directory.
    let rerun = cached_client(cache.path(), CacheMode::Normal, &clock);
    assert!(rerun.get(&target).await.unwrap().from_cache);
    assert_eq!(server.count("/simple/flask/"), 1);
}

#[tokio::test]
async fn expired_entry_is_revalidated_and_a_304_serves_the_stored_body() {
    let server = TestServer::start(Routes::new().route("/simple/flask/", index_resource()));
    let cache = tempfile::tempdir().unwrap();
    let clock = TestClock::new();
    let client = cached_client(cache.path(), CacheMode::Normal, &clock);
    let target = url(&server, "/simple/flask/");
    client.get(&target).await.unwrap();

    clock.advance(61);
    let revalidated = client.get(&target).await.unwrap();
    assert!(revalidated.from_cache);
    assert_eq!(revalidated.status, 200);
    assert_eq!(revalidated.body, b"<html>flask</html>");
    assert_eq!(revalidated.age, jiff::SignedDuration::ZERO);
    let requests = server.requests_to("/simple/flask/");
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].header("if-none-match"), None);
    assert_eq!(requests[1].header("if-none-match"), Some("\"v1\""));

    // The 304 renewed the entry: fresh for another 60 seconds.
    clock.advance(30);
    assert!(client.get(&target).await.unwrap().from_cache);
    assert_eq!(server.count("/simple/flask/"), 2);
}

#[tokio::test]
async fn last_modified_alone_makes_an_if_modified_since_request() {
    let date = "Tue, 14 Nov 2023 20:00:00 GMT";
    let server = TestServer::start(Resource::new("body").last_modified(date));
    let cache = tempfile::tempdir().unwrap();
    let clock = TestClock::new();
    let client = cached_client(cache.path(), CacheMode::Normal, &clock);
    let target = url(&server, "/page");

    client.get(&target).await.unwrap();
    // No max-age: stale at once, so every get revalidates.
    let second = client.get(&target).await.unwrap();
    assert!(second.from_cache);
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[1].header("if-modified-since"), Some(date));
    assert_eq!(requests[1].header("if-none-match"), None);
}

#[tokio::test]
async fn changed_resource_replaces_the_entry() {
    let server = TestServer::start(|request: &Request| {
        if request.header("if-none-match") == Some("\"v1\"") {
            Response::ok("version two")
                .header("ETag", "\"v2\"")
                .header("Cache-Control", "max-age=60")
        } else {
            Response::ok("version one")
                .header("ETag", "\"v1\"")
                .header("Cache-Control", "max-age=60")
        }
    });
    let cache = tempfile::tempdir().unwrap();
    let clock = TestClock::new();
    let client = cached_client(cache.path(), CacheMode::Normal, &clock);
    let target = url(&server, "/doc");

    assert_eq!(client.get(&target).await.unwrap().body, b"version one");
    clock.advance(120);
    let changed = client.get(&target).await.unwrap();
    assert!(!changed.from_cache);
    assert_eq!(changed.body, b"version two");
    clock.advance(10);
    let cached = client.get(&target).await.unwrap();
    assert!(cached.from_cache);
    assert_eq!(cached.body, b"version two");
    assert_eq!(server.count("/doc"), 2);
}

#[tokio::test]
async fn no_cache_revalidates_every_time_and_no_store_is_never_stored() {
    let server = TestServer::start(
        Routes::new()
            .route(
                "/no-cache",
                Resource::new("a")
                    .etag("\"a\"")
                    .cache_control("max-age=600, no-cache"),
            )
            .route(
                "/no-store",
                Resource::new("b").etag("\"b\"").cache_control("no-store"),
            ),
    );
    let cache = tempfile::tempdir().unwrap();
    let clock = TestClock::new();
    let client = cached_client(cache.path(), CacheMode::Normal, &clock);

    for _ in 0..2 {
        client.get(&url(&server, "/no-cache")).await.unwrap();
        client.get(&url(&server, "/no-store")).await.unwrap();
    }
    let no_cache = server.requests_to("/no-cache");
    assert_eq!(no_cache.len(), 2);
    assert_eq!(no_cache[1].header("if-none-match"), Some("\"a\""));
    let no_store = server.requests_to("/no-store");
    assert_eq!(no_store.len(), 2);
    assert_eq!(no_store[1].header("if-none-match"), None);

    let offline = cached_client(cache.path(), CacheMode::Offline, &clock);
    assert!(
        offline
            .get(&url(&server, "/no-cache"))
            .await
            .unwrap()
            .from_cache
    );
    assert!(matches!(
        offline.get(&url(&server, "/no-store")).await,
        Err(HttpError::Offline { .. })
    ));
}

#[tokio::test]
async fn offline_answers_from_the_cache_whatever_its_age() {
    let server = TestServer::start(index_resource());
    let cache = tempfile::tempdir().unwrap();
    let clock = TestClock::new();
    let target = url(&server, "/simple/flask/");
    cached_client(cache.path(), CacheMode::Normal, &clock)
        .get(&target)
        .await
        .unwrap();

    clock.advance(86_400 * 30);
    let offline = cached_client(cache.path(), CacheMode::Offline, &clock);
    let response = offline.get(&target).await.unwrap();
    assert!(response.from_cache);
    assert_eq!(response.body, b"<html>flask</html>");
    assert_eq!(response.age, jiff::SignedDuration::from_secs(86_400 * 30));
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn offline_without_an_entry_names_the_url_and_sends_nothing() {
    let server = TestServer::start(index_resource());
    let cache = tempfile::tempdir().unwrap();
    let clock = TestClock::new();
    let offline = cached_client(cache.path(), CacheMode::Offline, &clock);
    let target = url(&server, "/simple/missing/");

    let error = offline.get(&target).await.unwrap_err();
    assert!(matches!(error, HttpError::Offline { .. }), "{error:?}");
    assert_eq!(
        error.to_string(),
        format!("{target} is not in the cache and the network is off (offline mode)")
    );
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn refresh_asks_again_conditionally_even_when_fresh() {
    let server = TestServer::start(index_resource());
    let cache = tempfile::tempdir().unwrap();
    let clock = TestClock::new();
    let target = url(&server, "/simple/flask/");
    cached_client(cache.path(), CacheMode::Normal, &clock)
        .get(&target)
        .await
        .unwrap();

    let refresh = cached_client(cache.path(), CacheMode::Refresh, &clock);
    let response = refresh.get(&target).await.unwrap();
    assert!(response.from_cache, "a 304 serves the stored body");
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[1].header("if-none-match"), Some("\"v1\""));
    assert_eq!(requests[1].header("cache-control"), Some("max-age=0"));

    // A per-request override does the same on a normal client.
    let normal = cached_client(cache.path(), CacheMode::Normal, &clock);
    let options = GetOptions::default().cache_mode(CacheMode::Refresh);
    normal.get_with(&target, &options).await.unwrap();
    assert_eq!(server.requests().len(), 3);
}

#[tokio::test]
async fn accept_header_is_sent_and_part_of_the_cache_key() {
    let server = TestServer::start(|request: &Request| {
        let json = request
            .header("accept")
            .is_some_and(|accept| accept.contains("json"));
        let body = if json {
            "{\"files\":[]}"
        } else {
            "<html></html>"
        };
        Response::ok(body).header("Cache-Control", "max-age=600")
    });
    let cache = tempfile::tempdir().unwrap();
    let clock = TestClock::new();
    let client = cached_client(cache.path(), CacheMode::Normal, &clock);
    let target = url(&server, "/simple/flask/");
    let json = GetOptions::default().accept("application/vnd.pypi.simple.v1+json");

    assert_eq!(
        client.get_with(&target, &json).await.unwrap().body,
        b"{\"files\":[]}"
    );
    assert_eq!(client.get(&target).await.unwrap().body, b"<html></html>");
    let again = client.get_with(&target, &json).await.unwrap();
    assert!(again.from_cache);
    assert_eq!(again.body, b"{\"files\":[]}");
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(
        requests[0].header("accept"),
        Some("application/vnd.pypi.simple.v1+json")
    );
}

#[tokio::test]
async fn post_answers_are_cached_by_body_for_the_callers_lifetime() {
    let server = TestServer::start(|request: &Request| {
        Response::json(&json!({ "echo": String::from_utf8_lossy(&request.body) }))
    });
    let cache = tempfile::tempdir().unwrap();
    let clock = TestClock::new();
    let client = cached_client(cache.path(), CacheMode::Normal, &clock);
    let target = url(&server, "/v1/querybatch");
    let hour = PostCache::For(Duration::from_secs(3600));
    let flask = json!({ "queries": [{ "package": { "name": "flask", "ecosystem": "PyPI" } }] });
    let jinja = json!({ "queries": [{ "package": { "name": "jinja2", "ecosystem": "PyPI" } }] });

    let first = client.post_json(&target, &flask, hour).await.unwrap();
    assert!(!first.from_cache);
    let echoed: serde_json::Value = first.json().unwrap();
    assert_eq!(echoed["echo"], flask.to_string());
    let request = &server.requests()[0];
    assert_eq!(request.method, "POST");
    assert_eq!(request.header("content-type"), Some("application/json"));

    assert!(
        client
            .post_json(&target, &flask, hour)
            .await
            .unwrap()
            .from_cache
    );
    assert!(
        !client
            .post_json(&target, &jinja, hour)
            .await
            .unwrap()
            .from_cache
    );
    assert_eq!(server.requests().len(), 2);

    clock.advance(3600);
    assert!(
        !client
            .post_json(&target, &flask, hour)
            .await
            .unwrap()
            .from_cache
    );
    assert!(
        !client
            .post_json(&target, &flask, PostCache::None)
            .await
            .unwrap()
            .from_cache
    );
    assert_eq!(server.requests().len(), 4);

    clock.advance(86_400);
    let offline = cached_client(cache.path(), CacheMode::Offline, &clock);
    assert!(
        offline
            .post_json(&target, &jinja, hour)
            .await
            .unwrap()
            .from_cache
    );
    let error = offline
        .post_json(&target, &json!({}), hour)
        .await
        .unwrap_err();
    assert!(matches!(error, HttpError::Offline { .. }), "{error:?}");
    assert_eq!(server.requests().len(), 4);
}

#[tokio::test]
async fn json_errors_name_the_url() {
    let server = TestServer::start(Response::ok("not json"));
    let cache = tempfile::tempdir().unwrap();
    let client = cached_client(cache.path(), CacheMode::Normal, &TestClock::new());
    let target = url(&server, "/pypi/flask/2.0.0/json");
    let error = client
        .get(&target)
        .await
        .unwrap()
        .json::<serde_json::Value>()
        .unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with(&format!("the response of {target} is not")),
        "{error}"
    );
}

/// `{"releases": "abcabc…"}` (6,016 bytes) gzipped to 61 bytes.
const GZIPPED_JSON: [u8; 61] = [
    31, 139, 8, 0, 0, 0, 0, 0, 2, 3, 237, 194, 177, 13, 0, 16, 16, 0, 192, 85, 228, 199, 176, 13,
    242, 157, 138, 82, 236, 110, 8, 237, 93, 238, 196, 202, 153, 109, 231, 142, 90, 162, 245, 161,
    170, 170, 170, 170, 170, 126, 142, 251, 0, 186, 189, 188, 70, 128, 23, 0, 0,
];

#[tokio::test]
async fn gzip_bodies_are_decoded_and_cached_decoded() {
    let server = TestServer::start(
        Response::ok(GZIPPED_JSON.to_vec())
            .header("Content-Encoding", "gzip")
            .header("Content-Type", "application/json")
            .header("Cache-Control", "max-age=60"),
    );
    let cache = tempfile::tempdir().unwrap();
    let clock = TestClock::new();
    let client = cached_client(cache.path(), CacheMode::Normal, &clock);
    let target = url(&server, "/pypi/flask/2.0.0/json");

    let response = client.get(&target).await.unwrap();
    let expected = format!("{{\"releases\": \"{}\"}}", "abc".repeat(2000));
    assert_eq!(String::from_utf8(response.body.clone()).unwrap(), expected);
    assert_eq!(response.header("content-encoding"), None);
    assert!(server.requests()[0]
        .header("accept-encoding")
        .is_some_and(|value| value.contains("gzip")));

    let cached = client.get(&target).await.unwrap();
    assert!(cached.from_cache);
    assert_eq!(cached.body.len(), expected.len());
}

#[tokio::test]
async fn unwritable_cache_is_an_error_naming_the_url_and_the_path() {
    let server = TestServer::start(index_resource());
    let directory = tempfile::tempdir().unwrap();
    let not_a_directory = directory.path().join("cache");
    fs_err::write(&not_a_directory, "a file").unwrap();
    let client = cached_client(&not_a_directory, CacheMode::Normal, &TestClock::new());
    let target = url(&server, "/simple/flask/");

    let error = client.get(&target).await.unwrap_err();
    assert!(matches!(error, HttpError::Cache { .. }), "{error:?}");
    let text = crate::chain(&error);
    assert!(
        text.starts_with(&format!(
            "could not update the HTTP cache entry of {target}\nCaused by: "
        )),
        "{text}"
    );
    assert!(
        text.contains(&not_a_directory.display().to_string()),
        "{text}"
    );
}

fn upper_case() -> tend_http::Transform {
    tend_http::Transform::new("upper-v1", |body, headers| {
        if headers.get("content-type").map(String::as_str) != Some("text/html") {
            return Err("expected an HTML page".to_string());
        }
        Ok(body.to_ascii_uppercase())
    })
}

#[tokio::test]
async fn a_transformed_body_is_what_is_stored_revalidated_and_returned() {
    let server = TestServer::start(Routes::new().route("/simple/flask/", index_resource()));
    let cache = tempfile::tempdir().unwrap();
    let clock = TestClock::new();
    let client = cached_client(cache.path(), CacheMode::Normal, &clock);
    let target = url(&server, "/simple/flask/");
    let options = GetOptions::default().transform(upper_case());

    let first = client.get_with(&target, &options).await.unwrap();
    assert_eq!(first.body, b"<HTML>FLASK</HTML>");
    let fresh = client.get_with(&target, &options).await.unwrap();
    assert!(fresh.from_cache);
    assert_eq!(fresh.body, b"<HTML>FLASK</HTML>");
    assert_eq!(server.count("/simple/flask/"), 1);

    // The raw body is kept under another key: a plain GET does not see the derived one.
    let raw = client.get(&target).await.unwrap();
    assert!(!raw.from_cache);
    assert_eq!(raw.body, b"<html>flask</html>");

    // After expiry a 304 keeps the derived body without running the transform again.
    clock.advance(61);
    let revalidated = client.get_with(&target, &options).await.unwrap();
    assert!(revalidated.from_cache);
    assert_eq!(revalidated.body, b"<HTML>FLASK</HTML>");
    assert_eq!(server.count("/simple/flask/"), 3);
}

#[tokio::test]
async fn a_failing_transform_fails_the_request_and_stores_nothing() {
    let server = TestServer::start(
        Routes::new().route(
            "/simple/flask/",
            Resource::new("{}")
                .cache_control("max-age=60")
                .content_type("application/json"),
        ),
    );
    let cache = tempfile::tempdir().unwrap();
    let clock = TestClock::new();
    let client = cached_client(cache.path(), CacheMode::Normal, &clock);
    let target = url(&server, "/simple/flask/");
    let options = GetOptions::default().transform(upper_case());

    let error = client.get_with(&target, &options).await.unwrap_err();
    assert!(matches!(error, HttpError::Transform { .. }), "{error:?}");
    assert!(
        error.to_string().contains("expected an HTML page"),
        "{error}"
    );
    client.get_with(&target, &options).await.unwrap_err();
    assert_eq!(server.count("/simple/flask/"), 2);
}

#[tokio::test]
async fn heuristic_freshness_covers_answers_without_a_lifetime() {
    let server = TestServer::start(Routes::new().route(
        "/simple/flask/",
        Resource::new("<html>flask</html>").content_type("text/html"),
    ));
    let cache = tempfile::tempdir().unwrap();
    let clock = TestClock::new();
    let client = cached_client(cache.path(), CacheMode::Normal, &clock);
    let target = url(&server, "/simple/flask/");
    let options = GetOptions::default().heuristic_freshness(Duration::from_secs(600));

    client.get_with(&target, &options).await.unwrap();
    clock.advance(599);
    assert!(client.get_with(&target, &options).await.unwrap().from_cache);
    assert_eq!(server.count("/simple/flask/"), 1);
    // Without the heuristic the same entry is fetched again.
    assert!(!client.get(&target).await.unwrap().from_cache);
    assert_eq!(server.count("/simple/flask/"), 2);
    clock.advance(601);
    client.get_with(&target, &options).await.unwrap();
    assert_eq!(server.count("/simple/flask/"), 3);
}
