//! `IndexClient` against a real simple index on 127.0.0.1 (`tend_test::http::TestServer`) and
//! a local directory index: content negotiation, the HTML fallback, yanks, pre-releases,
//! `requires-python`, upload times, 404, retries, timeouts, basic auth, several indexes, the
//! disk cache (fresh re-runs, conditional requests, offline, refresh) and the in-flight bound.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use jiff::Timestamp;
use pep440_rs::Version;
use pep508_rs::PackageName;
use tend_http::{CacheMode, ClientOptions, Clock, HttpClient, Url};
use tend_index::{IndexClient, IndexOrigin, IndexUrl, PageAnswer, ProjectAnswer, Release};
use tend_test::http::{Request, Resource, Response, Routes, Sequence, TestServer};

const JSON_TYPE: &str = "application/vnd.pypi.simple.v1+json";

/// The credentials of the private index, as `Authorization: Basic` carries `alice:s3cret`.
const PASSWORD: &str = "s3cret";
const BASIC_ALICE: &str = "Basic YWxpY2U6czNjcmV0";

/// A clock the test moves by hand, starting at 2023-11-14T22:13:20Z.
#[derive(Clone)]
struct TestClock(Arc<AtomicI64>);

impl TestClock {
    fn new() -> Self {
        Self(Arc::new(AtomicI64::new(1_700_000_000)))
    }

    fn advance(&self, seconds: i64) {
        self.0.fetch_add(seconds, Ordering::SeqCst);
    }

    fn now(&self) -> Timestamp {
        Timestamp::from_second(self.0.load(Ordering::SeqCst)).unwrap()
    }

    fn clock(&self) -> Clock {
        let now = Arc::clone(&self.0);
        Clock::from_fn(move || Timestamp::from_second(now.load(Ordering::SeqCst)).unwrap())
    }
}

/// Options for tests: no real waiting between retries, short timeouts.
fn options() -> ClientOptions {
    let mut options = ClientOptions::default();
    options.backoff_base = Duration::from_millis(1);
    options.max_retry_delay = Duration::from_millis(20);
    options.connect_timeout = Duration::from_secs(5);
    options.read_timeout = Duration::from_secs(5);
    options.retries = 2;
    options
}

fn index(url: &str) -> IndexUrl {
    IndexUrl {
        url: Url::parse(url).unwrap(),
        origin: IndexOrigin::Flag,
    }
}

fn client_with(options: ClientOptions, indexes: &[&str]) -> IndexClient {
    IndexClient::new(
        HttpClient::new(options).unwrap(),
        indexes.iter().map(|url| index(url)).collect(),
    )
}

fn client(indexes: &[&str]) -> IndexClient {
    client_with(options(), indexes)
}

fn cached_client(
    cache: &Path,
    mode: CacheMode,
    clock: &TestClock,
    indexes: &[&str],
) -> IndexClient {
    let mut options = options();
    options.cache_dir = Some(cache.to_path_buf());
    options.cache_mode = mode;
    options.clock = clock.clock();
    client_with(options, indexes)
}

fn name(text: &str) -> PackageName {
    PackageName::new(text.to_string()).unwrap()
}

/// The answer of the only index asked.
fn single(answer: &ProjectAnswer) -> &PageAnswer {
    assert_eq!(answer.answers.len(), 1, "{answer:?}");
    &answer.answers[0].1
}

fn found(answer: &PageAnswer) -> (&[Release], bool, Timestamp) {
    match answer {
        PageAnswer::Found {
            releases,
            from_cache,
            stored_at,
        } => (releases, *from_cache, *stored_at),
        other => panic!("expected a page, got {other:?}"),
    }
}

fn failed(answer: &PageAnswer) -> &str {
    match answer {
        PageAnswer::Failed { message } => message,
        other => panic!("expected a failure, got {other:?}"),
    }
}

/// Flask's page as PEP 691 JSON: a wheel with a relative URL, a yanked release, a
/// pre-release with a higher Python floor, upload times.
fn flask_json() -> String {
    serde_json::json!({
        "meta": {"api-version": "1.1"},
        "name": "flask",
        "versions": ["2.3.0", "3.0.0", "3.1.0rc1"],
        "files": [
            {
                "filename": "flask-2.3.0-py3-none-any.whl",
                "url": "../../files/flask-2.3.0-py3-none-any.whl",
                "hashes": {"sha256": "aa"},
                "requires-python": ">=3.8",
                "upload-time": "2023-04-25T18:00:00.123456Z",
                "yanked": false
            },
            {
                "filename": "flask-3.0.0-py3-none-any.whl",
                "url": "https://files.example/flask-3.0.0-py3-none-any.whl",
                "hashes": {"sha256": "bb"},
                "requires-python": ">=3.8",
                "upload-time": "2023-09-30T18:00:00Z",
                "yanked": "broken metadata"
            },
            {
                "filename": "flask-3.1.0rc1.tar.gz",
                "url": "https://files.example/flask-3.1.0rc1.tar.gz",
                "hashes": {"sha256": "cc"},
                "requires-python": ">=3.9",
                "upload-time": "2024-10-01T08:00:00Z",
                "yanked": false
            }
        ]
    })
    .to_string()
}

/// The same page as PEP 503 HTML (no upload times in that format).
fn flask_html() -> String {
    "<!DOCTYPE html>\n<html>\n<head><meta name=\"pypi:repository-version\" content=\"1.0\">\
     <title>Links for flask</title></head>\n<body>\n\
     <a href=\"../../files/flask-2.3.0-py3-none-any.whl#sha256=aa\" \
     data-requires-python=\"&gt;=3.8\">flask-2.3.0-py3-none-any.whl</a><br>\n\
     <a href=\"https://files.example/flask-3.0.0-py3-none-any.whl#sha256=bb\" \
     data-requires-python=\"&gt;=3.8\" data-yanked=\"broken metadata\">\
     flask-3.0.0-py3-none-any.whl</a><br>\n\
     <a href=\"https://files.example/flask-3.1.0rc1.tar.gz#sha256=cc\" \
     data-requires-python=\"&gt;=3.9\">flask-3.1.0rc1.tar.gz</a><br>\n\
     </body>\n</html>\n"
        .to_string()
}

/// A page with no files, for the many-projects tests.
fn empty_json(project: &str) -> String {
    serde_json::json!({"meta": {"api-version": "1.0"}, "name": project, "files": []}).to_string()
}

fn json_response(body: String) -> Response {
    Response::ok(body).header("Content-Type", JSON_TYPE)
}

fn html_response(body: String) -> Response {
    Response::ok(body).header("Content-Type", "text/html")
}

/// A server that speaks both formats of the API and picks one by `Accept`, as PEP 691 asks.
fn negotiating_flask(request: &Request) -> Response {
    let accept = request.header("accept").unwrap_or_default();
    if accept.contains("application/vnd.pypi.simple.v1+json") {
        json_response(flask_json())
    } else {
        html_response(flask_html())
    }
}

/// What both formats agree on: yanks with their reason, Python limits, and the pre-release as
/// a release of its own.
fn assert_flask_releases(releases: &[Release]) {
    let versions: Vec<String> = releases.iter().map(|r| r.version.to_string()).collect();
    assert_eq!(versions, ["2.3.0", "3.0.0", "3.1.0rc1"]);
    assert!(!releases[0].yanked);
    assert!(releases[1].yanked);
    assert_eq!(releases[1].yank_reason.as_deref(), Some("broken metadata"));
    assert!(releases[2].version.any_prerelease());
    let python38 = Version::new([3, 8]);
    assert!(releases[0].admits_python(&python38));
    assert!(!releases[2].admits_python(&python38));
}

#[tokio::test]
async fn json_variant_is_asked_for_first_and_read_with_upload_times() {
    let server = TestServer::start(Routes::new().route("/simple/flask/", negotiating_flask));
    let client = client(&[&server.url_for("/simple/")]);

    let answer = client.project(&name("Flask")).await;
    assert_eq!(answer.name, name("flask"));
    assert_eq!(answer.answers[0].0, server.url_for("/simple/"));
    let (releases, from_cache, _) = found(single(&answer));
    assert!(!from_cache);
    assert_flask_releases(releases);
    let uploaded: Vec<Option<Timestamp>> =
        releases.iter().map(|release| release.uploaded).collect();
    assert_eq!(
        uploaded,
        [
            Some("2023-04-25T18:00:00.123456Z".parse().unwrap()),
            Some("2023-09-30T18:00:00Z".parse().unwrap()),
            Some("2024-10-01T08:00:00Z".parse().unwrap()),
        ]
    );

    let requests = server.requests_to("/simple/flask/");
    assert_eq!(requests.len(), 1);
    let accept = requests[0].header("accept").unwrap();
    assert!(
        accept.starts_with("application/vnd.pypi.simple.v1+json,"),
        "{accept}"
    );
    assert!(accept.contains("text/html;q=0.01"), "{accept}");
}

#[tokio::test]
async fn html_only_server_is_read_whatever_was_accepted() {
    let server =
        TestServer::start(Routes::new().route("/simple/flask/", html_response(flask_html())));
    let client = client(&[&server.url_for("/simple/")]);

    let answer = client.project(&name("flask")).await;
    let (releases, _, _) = found(single(&answer));
    assert_flask_releases(releases);
    assert!(releases.iter().all(|release| release.uploaded.is_none()));
    assert_eq!(server.count("/simple/flask/"), 1);
}

#[tokio::test]
async fn not_found_and_gone_mean_the_index_does_not_know_the_project() {
    let server = TestServer::start(Routes::new().route("/simple/gone/", Response::status(410)));
    let client = client(&[&server.url_for("/simple/")]);

    let answers = client
        .projects(&[name("no-such-project"), name("gone")], &|_| {})
        .await;
    assert!(
        matches!(single(&answers[0]), PageAnswer::NotFound),
        "{answers:?}"
    );
    assert!(
        matches!(single(&answers[1]), PageAnswer::NotFound),
        "{answers:?}"
    );
    // Not worth a retry: one request each.
    assert_eq!(server.count("/simple/no-such-project/"), 1);
    assert_eq!(server.count("/simple/gone/"), 1);
}

#[tokio::test]
async fn server_error_that_succeeds_on_retry_gives_the_page() {
    let server = TestServer::start(Routes::new().route(
        "/simple/flask/",
        Sequence::new([Response::status(500), json_response(flask_json())]),
    ));
    let client = client(&[&server.url_for("/simple/")]);

    let answer = client.project(&name("flask")).await;
    let (releases, _, _) = found(single(&answer));
    assert_eq!(releases.len(), 3);
    assert_eq!(server.count("/simple/flask/"), 2);
}

#[tokio::test]
async fn server_error_on_every_attempt_is_a_failure_naming_the_url_and_status() {
    let server = TestServer::start(Routes::new().route("/simple/flask/", Response::status(503)));
    let client = client(&[&server.url_for("/simple/")]);

    let answer = client.project(&name("flask")).await;
    let message = failed(single(&answer));
    assert!(
        message.contains(&server.url_for("/simple/flask/")),
        "{message}"
    );
    assert!(message.contains("503"), "{message}");
    assert!(message.contains("after 3 attempts"), "{message}");
    assert_eq!(server.count("/simple/flask/"), 3);
}

#[tokio::test]
async fn slow_answer_beyond_the_read_timeout_is_a_timeout_failure() {
    let server = TestServer::start(Routes::new().route(
        "/simple/flask/",
        json_response(flask_json()).delayed(Duration::from_secs(3)),
    ));
    let mut options = options();
    options.read_timeout = Duration::from_millis(200);
    options.retries = 1;
    let client = client_with(options, &[&server.url_for("/simple/")]);

    let answer = client.project(&name("flask")).await;
    let message = failed(single(&answer));
    assert!(
        message.contains(&server.url_for("/simple/flask/")),
        "{message}"
    );
    assert!(message.contains("timed out"), "{message}");
    assert_eq!(server.count("/simple/flask/"), 2);
}

#[tokio::test]
async fn unreadable_page_is_a_failure_naming_the_url_and_line() {
    let server = TestServer::start(Routes::new().route(
        "/simple/flask/",
        json_response("{\n  \"meta\": {\"api-version\": \"1.0\"},\n  \"files\": [oops]\n}".into()),
    ));
    let client = client(&[&server.url_for("/simple/")]);

    let answer = client.project(&name("flask")).await;
    let message = failed(single(&answer));
    assert!(
        message.contains(&server.url_for("/simple/flask/")),
        "{message}"
    );
    assert!(message.contains("line 3"), "{message}");
}

/// Answers Flask's page to alice's credentials only, 401 otherwise.
fn private_index(request: &Request) -> Response {
    if request.header("authorization") == Some(BASIC_ALICE) {
        json_response(flask_json())
    } else {
        Response::status(401).header("WWW-Authenticate", "Basic realm=\"private\"")
    }
}

#[tokio::test]
async fn credentials_in_the_index_url_are_sent_and_never_shown() {
    let server = TestServer::start(Routes::new().route("/simple/flask/", private_index));
    let address = server.url().trim_start_matches("http://").to_string();
    let good = format!("http://alice:{PASSWORD}@{address}/simple/");
    let wrong = format!("http://alice:hunter2x@{address}/simple/");
    let missing = format!("http://{address}/simple/");
    let client = client(&[&good, &wrong, &missing]);

    let answer = client.project(&name("flask")).await;
    let labels: Vec<&str> = answer
        .answers
        .iter()
        .map(|(label, _)| label.as_str())
        .collect();
    assert_eq!(
        labels,
        [
            format!("http://alice:****@{address}/simple/"),
            format!("http://alice:****@{address}/simple/"),
            missing.clone(),
        ]
    );

    assert_flask_releases(found(&answer.answers[0].1).0);

    let refused = failed(&answer.answers[1].1);
    assert!(refused.contains("401"), "{refused}");
    assert!(
        refused.contains(&format!("alice:****@{address}")),
        "{refused}"
    );
    assert!(refused.contains("credentials"), "{refused}");
    let anonymous = failed(&answer.answers[2].1);
    assert!(anonymous.contains("401"), "{anonymous}");
    assert!(anonymous.contains("wants credentials"), "{anonymous}");

    let shown = format!("{answer:?} {client:?}");
    assert!(!shown.contains(PASSWORD), "{shown}");
    assert!(!shown.contains("hunter2x"), "{shown}");

    let authorizations: Vec<Option<String>> = server
        .requests_to("/simple/flask/")
        .iter()
        .map(|request| request.header("authorization").map(str::to_string))
        .collect();
    assert_eq!(authorizations.len(), 3);
    assert!(authorizations.contains(&Some(BASIC_ALICE.to_string())));
    assert!(authorizations.contains(&None));
}

#[tokio::test]
async fn every_index_is_asked_and_every_answer_kept_in_order() {
    let server =
        TestServer::start(Routes::new().route("/public/flask/", json_response(flask_json())));
    let private = server.url_for("/private/");
    let public = server.url_for("/public/");
    let client = client(&[&private, &public]);

    let answer = client.project(&name("flask")).await;
    assert_eq!(answer.answers.len(), 2);
    assert_eq!(answer.answers[0].0, private);
    assert!(
        matches!(answer.answers[0].1, PageAnswer::NotFound),
        "{answer:?}"
    );
    assert_eq!(answer.answers[1].0, public);
    assert_eq!(found(&answer.answers[1].1).0.len(), 3);
    assert_eq!(server.count("/private/flask/"), 1);
    assert_eq!(server.count("/public/flask/"), 1);
}

fn modified(path: &Path) -> Timestamp {
    Timestamp::try_from(fs_err::metadata(path).unwrap().modified().unwrap()).unwrap()
}

#[tokio::test]
async fn local_directory_index_needs_no_server() {
    let root = tempfile::tempdir().unwrap();
    let write = |relative: &str, text: &str| {
        let path = root.path().join(relative);
        fs_err::create_dir_all(path.parent().unwrap()).unwrap();
        fs_err::write(&path, text).unwrap();
        path
    };
    let flask = write("flask/index.json", &flask_json());
    write(
        "six/index.html",
        "<html><body><a href=\"six-1.16.0-py2.py3-none-any.whl\">six-1.16.0-py2.py3-none-any.whl</a></body></html>",
    );
    write(
        "broken/index.json",
        "{\n  \"meta\": {\"api-version\": \"1.0\"},\n  \"files\": [oops]\n}",
    );
    fs_err::create_dir_all(root.path().join("empty")).unwrap();
    let index_url = Url::from_directory_path(root.path()).unwrap();
    let local = client(&[index_url.as_str()]);

    let names = [
        name("flask"),
        name("six"),
        name("missing"),
        name("empty"),
        name("broken"),
    ];
    let answers = local.projects(&names, &|_| {}).await;

    let (releases, from_cache, stored_at) = found(single(&answers[0]));
    assert!(!from_cache);
    assert_eq!(stored_at, modified(&flask));
    assert_flask_releases(releases);
    assert_eq!(
        releases[0].uploaded,
        Some("2023-04-25T18:00:00.123456Z".parse().unwrap())
    );

    let (six, _, _) = found(single(&answers[1]));
    assert_eq!(six.len(), 1);
    assert_eq!(six[0].version, Version::new([1, 16, 0]));

    assert!(
        matches!(single(&answers[2]), PageAnswer::NotFound),
        "{answers:?}"
    );
    let empty = failed(single(&answers[3]));
    assert!(
        empty.contains("neither index.json nor index.html"),
        "{empty}"
    );
    let broken = failed(single(&answers[4]));
    assert!(broken.contains("broken"), "{broken}");
    assert!(broken.contains("line 3"), "{broken}");

    // A directory that is not there is a mistake in the settings, not a project unknown.
    let gone = Url::from_directory_path(root.path().join("nowhere")).unwrap();
    let answer = client(&[gone.as_str()]).project(&name("flask")).await;
    let message = failed(single(&answer));
    assert!(message.contains("does not exist"), "{message}");
}

fn cached_flask() -> Resource {
    Resource::new(flask_json())
        .etag("\"v1\"")
        .cache_control("max-age=600")
        .content_type(JSON_TYPE)
}

#[tokio::test]
async fn rerun_inside_the_freshness_window_sends_no_request_and_revalidates_after() {
    let server = TestServer::start(
        Routes::new().route("/simple/flask/", cached_flask()).route(
            "/simple/six/",
            Resource::new(empty_json("six"))
                .etag("\"s1\"")
                .cache_control("max-age=600")
                .content_type(JSON_TYPE),
        ),
    );
    let cache = tempfile::tempdir().unwrap();
    let clock = TestClock::new();
    let index = server.url_for("/simple/");
    let names = [name("flask"), name("six")];
    let first_run = clock.now();

    let first = cached_client(cache.path(), CacheMode::Normal, &clock, &[&index])
        .projects(&names, &|_| {})
        .await;
    for answer in &first {
        let (_, from_cache, stored_at) = found(single(answer));
        assert!(!from_cache);
        assert_eq!(stored_at, first_run);
    }
    assert_eq!(server.requests().len(), 2);

    // Another run of tend, five minutes later: everything from the cache, no request.
    clock.advance(300);
    let second = cached_client(cache.path(), CacheMode::Normal, &clock, &[&index])
        .projects(&names, &|_| {})
        .await;
    for answer in &second {
        let (_, from_cache, stored_at) = found(single(answer));
        assert!(from_cache);
        assert_eq!(stored_at, first_run);
    }
    assert_eq!(found(single(&second[0])).0, found(single(&first[0])).0);
    assert_eq!(server.requests().len(), 2);

    // Past max-age: one conditional request each, answered 304, the stored page served.
    clock.advance(400);
    let third = cached_client(cache.path(), CacheMode::Normal, &clock, &[&index])
        .projects(&names, &|_| {})
        .await;
    let (page, from_cache, stored_at) = found(single(&third[0]));
    assert!(from_cache);
    assert_eq!(stored_at, clock.now());
    assert_eq!(page.len(), 3);
    let flask = server.requests_to("/simple/flask/");
    assert_eq!(flask.len(), 2);
    assert_eq!(flask[0].header("if-none-match"), None);
    assert_eq!(flask[1].header("if-none-match"), Some("\"v1\""));
    let six = server.requests_to("/simple/six/");
    assert_eq!(six[1].header("if-none-match"), Some("\"s1\""));
    assert_eq!(server.requests().len(), 4);
}

#[tokio::test]
async fn page_without_caching_rules_is_fresh_for_the_page_lifetime() {
    let silent = Resource::new(flask_json())
        .etag("\"v1\"")
        .content_type(JSON_TYPE);
    let server = TestServer::start(
        Routes::new().route("/simple/flask/", silent).route(
            "/simple/six/",
            Resource::new(empty_json("six"))
                .etag("\"s1\"")
                .cache_control("no-cache")
                .content_type(JSON_TYPE),
        ),
    );
    let cache = tempfile::tempdir().unwrap();
    let clock = TestClock::new();
    let index = server.url_for("/simple/");
    let names = [name("flask"), name("six")];
    let run = |lifetime: Option<Duration>| {
        cached_client(cache.path(), CacheMode::Normal, &clock, &[&index]).page_lifetime(lifetime)
    };
    let default = Some(tend_index::client::DEFAULT_PAGE_LIFETIME);

    run(default).projects(&names, &|_| {}).await;
    assert_eq!(server.count("/simple/flask/"), 1);
    assert_eq!(server.count("/simple/six/"), 1);

    // Inside the default ten minutes: flask from the cache alone; six said no-cache, and an
    // explicit rule wins over the lifetime.
    clock.advance(300);
    let answers = run(default).projects(&names, &|_| {}).await;
    assert!(found(single(&answers[0])).1);
    assert!(found(single(&answers[1])).1);
    assert_eq!(server.count("/simple/flask/"), 1);
    assert_eq!(
        server.requests_to("/simple/six/")[1].header("if-none-match"),
        Some("\"s1\"")
    );

    // Without a lifetime, or past it, a conditional request.
    run(None).project(&name("flask")).await;
    assert_eq!(server.count("/simple/flask/"), 2);
    clock.advance(601);
    run(default).project(&name("flask")).await;
    let flask = server.requests_to("/simple/flask/");
    assert_eq!(flask.len(), 3);
    assert_eq!(flask[2].header("if-none-match"), Some("\"v1\""));
}

#[tokio::test]
async fn refresh_revalidates_a_fresh_page() {
    let server = TestServer::start(Routes::new().route("/simple/flask/", cached_flask()));
    let cache = tempfile::tempdir().unwrap();
    let clock = TestClock::new();
    let index = server.url_for("/simple/");
    cached_client(cache.path(), CacheMode::Normal, &clock, &[&index])
        .project(&name("flask"))
        .await;

    let answer = cached_client(cache.path(), CacheMode::Refresh, &clock, &[&index])
        .project(&name("flask"))
        .await;
    let (page, from_cache, _) = found(single(&answer));
    assert!(from_cache);
    assert_eq!(page.len(), 3);
    let requests = server.requests_to("/simple/flask/");
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[1].header("if-none-match"), Some("\"v1\""));
}

#[tokio::test]
async fn offline_answers_from_the_cache_alone_whatever_its_age() {
    let server = TestServer::start(Routes::new().route("/simple/flask/", cached_flask()));
    let cache = tempfile::tempdir().unwrap();
    let clock = TestClock::new();
    let index = server.url_for("/simple/");

    let empty = cached_client(cache.path(), CacheMode::Offline, &clock, &[&index])
        .project(&name("flask"))
        .await;
    assert!(matches!(single(&empty), PageAnswer::NotCached), "{empty:?}");
    assert_eq!(server.requests().len(), 0);

    let stored = clock.now();
    cached_client(cache.path(), CacheMode::Normal, &clock, &[&index])
        .project(&name("flask"))
        .await;
    assert_eq!(server.requests().len(), 1);

    // A year later, offline: the old page, saying when it was stored.
    clock.advance(365 * 24 * 3600);
    let answers = cached_client(cache.path(), CacheMode::Offline, &clock, &[&index])
        .projects(&[name("flask"), name("six")], &|_| {})
        .await;
    let (page, from_cache, stored_at) = found(single(&answers[0]));
    assert!(from_cache);
    assert_eq!(stored_at, stored);
    assert_eq!(page.len(), 3);
    assert!(
        matches!(single(&answers[1]), PageAnswer::NotCached),
        "{answers:?}"
    );
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn many_projects_stay_within_the_in_flight_bound_and_keep_their_order() {
    let server = TestServer::start(|request: &Request| {
        let project = request.path.trim_matches('/').rsplit('/').next().unwrap();
        json_response(empty_json(project)).delayed(Duration::from_millis(20))
    });
    let mut options = options();
    options.max_in_flight = 4;
    let client = client_with(options, &[&server.url_for("/simple/")]);
    let names: Vec<PackageName> = (0..30).map(|n| name(&format!("project-{n}"))).collect();
    let seen = Mutex::new(Vec::new());

    let answers = client
        .projects(&names, &|done| seen.lock().unwrap().push(done))
        .await;

    let answered: Vec<&PackageName> = answers.iter().map(|answer| &answer.name).collect();
    assert_eq!(answered, names.iter().collect::<Vec<_>>());
    assert!(answers
        .iter()
        .all(|answer| matches!(single(answer), PageAnswer::Found { .. })));
    assert_eq!(*seen.lock().unwrap(), (1..=30).collect::<Vec<usize>>());
    assert_eq!(server.requests().len(), 30);
    assert!(server.max_in_flight() <= 4, "{}", server.max_in_flight());
    // The projects were asked about at once, not one after another.
    assert!(server.max_in_flight() >= 2, "{}", server.max_in_flight());
}
