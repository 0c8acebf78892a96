//! `IndexClient::release_hashes` against a real simple index on 127.0.0.1
//! (`tend_test::http::TestServer`) and a local directory index: hashes from PEP 691 JSON and
//! from PEP 503 link fragments, several indexes merged, a version no index has, files without
//! a usable hash, a failing index, credentials kept out of errors, and the cache: its own entry
//! beside the outdated check's compact one, offline and refresh.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use pep440_rs::Version;
use pep508_rs::PackageName;
use tend_http::{CacheMode, ClientOptions, Clock, HttpClient, Url};
use tend_index::{
    DistKind, IndexClient, IndexOrigin, IndexUrl, PageAnswer, ReleaseHashes, ReleaseHashesError,
};
use tend_test::http::{Request, Resource, Response, Routes, TestServer};

const JSON_TYPE: &str = "application/vnd.pypi.simple.v1+json";
const PASSWORD: &str = "s3cret";
const BASIC_ALICE: &str = "Basic YWxpY2U6czNjcmV0";

/// A 64-digit sha256 digest made of one repeated hex digit, so a test names it by the digit.
fn sha256(digit: char) -> String {
    digit.to_string().repeat(64)
}

fn md5(digit: char) -> String {
    digit.to_string().repeat(32)
}

fn options() -> ClientOptions {
    let mut options = ClientOptions::default();
    options.backoff_base = Duration::from_millis(1);
    options.max_retry_delay = Duration::from_millis(20);
    options.connect_timeout = Duration::from_secs(5);
    options.read_timeout = Duration::from_secs(5);
    options.retries = 1;
    options
}

fn client_with(options: ClientOptions, indexes: &[&str]) -> IndexClient {
    IndexClient::new(
        HttpClient::new(options).unwrap(),
        indexes
            .iter()
            .map(|url| IndexUrl {
                url: Url::parse(url).unwrap(),
                origin: IndexOrigin::Flag,
            })
            .collect(),
    )
}

fn client(indexes: &[&str]) -> IndexClient {
    client_with(options(), indexes)
}

/// A clock the test moves by hand.
#[derive(Clone)]
struct TestClock(Arc<AtomicI64>);

impl TestClock {
    fn new() -> Self {
        Self(Arc::new(AtomicI64::new(1_700_000_000)))
    }

    fn advance(&self, seconds: i64) {
        self.0.fetch_add(seconds, Ordering::SeqCst);
    }

    fn clock(&self) -> Clock {
        let now = Arc::clone(&self.0);
        Clock::from_fn(move || Timestamp::from_second(now.load(Ordering::SeqCst)).unwrap())
    }
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

fn version(text: &str) -> Version {
    text.parse().unwrap()
}

/// Each file as `filename hash hash…`, the whole release in one comparable value.
fn summary(release: &ReleaseHashes) -> Vec<String> {
    release
        .files
        .iter()
        .map(|file| {
            let mut line = file.filename.clone();
            for hash in &file.hashes {
                line.push(' ');
                line.push_str(&hash.to_string());
            }
            if file.yanked {
                line.push_str(" (yanked)");
            }
            line
        })
        .collect()
}

fn pip_hashes(release: &ReleaseHashes) -> Vec<String> {
    release
        .pip_hashes()
        .iter()
        .map(ToString::to_string)
        .collect()
}

/// foo's page as PEP 691 JSON: 1.0 as an sdist and two wheels (one also with an md5, one
/// yanked), 1.1 as an sdist.
fn foo_json() -> String {
    serde_json::json!({
        "meta": {"api-version": "1.1"},
        "name": "foo",
        "files": [
            {"filename": "foo-1.0.tar.gz", "url": "../../files/foo-1.0.tar.gz",
             "hashes": {"sha256": sha256('a')}},
            {"filename": "foo-1.0-py3-none-any.whl", "url": "../../files/foo-1.0-py3-none-any.whl",
             "hashes": {"sha256": sha256('b'), "md5": md5('c')}},
            {"filename": "foo-1.0-cp312-cp312-win_amd64.whl",
             "url": "../../files/foo-1.0-cp312-cp312-win_amd64.whl",
             "hashes": {"sha256": sha256('d').to_uppercase()}, "yanked": "bad build"},
            {"filename": "foo-1.1.tar.gz", "url": "../../files/foo-1.1.tar.gz",
             "hashes": {"sha256": sha256('e')}},
            {"filename": "foo-1.0.win32.exe", "url": "../../files/foo-1.0.win32.exe",
             "hashes": {"sha256": sha256('f')}}
        ]
    })
    .to_string()
}

/// The same release as PEP 503 HTML, hashes in the links' fragments.
fn foo_html() -> String {
    format!(
        "<!DOCTYPE html>\n<html><body>\n\
         <a href=\"../../files/foo-1.0.0.tar.gz#sha256={}\">foo-1.0.0.tar.gz</a><br>\n\
         <a href=\"../../files/foo-1.0.0-py3-none-any.whl#egg=foo&amp;sha256={}\">\
         foo-1.0.0-py3-none-any.whl</a><br>\n\
         <a href=\"../../files/foo-1.1.tar.gz#sha256={}\">foo-1.1.tar.gz</a><br>\n\
         </body></html>\n",
        sha256('a'),
        sha256('b'),
        sha256('e')
    )
}

fn json_response(body: String) -> Response {
    Response::ok(body).header("Content-Type", JSON_TYPE)
}

#[tokio::test]
async fn json_page_gives_every_file_of_the_version_with_its_hashes() {
    let server = TestServer::start(Routes::new().route("/simple/foo/", json_response(foo_json())));
    let index = server.url_for("/simple/");

    let release = client(&[&index])
        .release_hashes(&name("Foo"), &version("1.0"))
        .await
        .unwrap();

    assert_eq!(release.name, name("foo"));
    assert_eq!(release.version, version("1.0"));
    assert_eq!(
        summary(&release),
        [
            format!(
                "foo-1.0-cp312-cp312-win_amd64.whl sha256:{} (yanked)",
                sha256('d')
            ),
            format!(
                "foo-1.0-py3-none-any.whl md5:{} sha256:{}",
                md5('c'),
                sha256('b')
            ),
            format!("foo-1.0.tar.gz sha256:{}", sha256('a')),
        ]
    );
    let kinds: Vec<DistKind> = release.files.iter().map(|file| file.kind).collect();
    assert_eq!(kinds, [DistKind::Wheel, DistKind::Wheel, DistKind::Sdist]);
    assert!(release
        .files
        .iter()
        .all(|file| file.indexes == [index.clone()]));
    assert_eq!(release.without_pip_hash().count(), 0);
    assert_eq!(
        pip_hashes(&release),
        [
            format!("sha256:{}", sha256('a')),
            format!("sha256:{}", sha256('b')),
            format!("sha256:{}", sha256('d')),
        ]
    );
    let requests = server.requests_to("/simple/foo/");
    assert_eq!(requests.len(), 1);
    assert!(requests[0]
        .header("accept")
        .unwrap()
        .starts_with("application/vnd.pypi.simple.v1+json"));
}

#[tokio::test]
async fn html_page_gives_the_hashes_of_its_link_fragments() {
    let server = TestServer::start(Routes::new().route(
        "/simple/foo/",
        Response::ok(foo_html()).header("Content-Type", "text/html"),
    ));

    // `1.0` and `1.0.0` are one version, as pip compares them.
    let release = client(&[&server.url_for("/simple/")])
        .release_hashes(&name("foo"), &version("1.0"))
        .await
        .unwrap();

    assert_eq!(
        summary(&release),
        [
            format!("foo-1.0.0-py3-none-any.whl sha256:{}", sha256('b')),
            format!("foo-1.0.0.tar.gz sha256:{}", sha256('a')),
        ]
    );
}

#[tokio::test]
async fn every_index_is_asked_and_their_files_merged() {
    let private = serde_json::json!({
        "meta": {"api-version": "1.0"},
        "files": [
            // A platform wheel only the private index builds.
            {"filename": "foo-1.0-cp312-cp312-manylinux_2_28_x86_64.whl",
             "url": "foo-1.0-cp312-cp312-manylinux_2_28_x86_64.whl",
             "hashes": {"sha256": sha256('7')}},
            // The public sdist, rebuilt by the mirror: pip accepts either.
            {"filename": "foo-1.0.tar.gz", "url": "foo-1.0.tar.gz",
             "hashes": {"sha256": sha256('8')}}
        ]
    })
    .to_string();
    let server = TestServer::start(
        Routes::new()
            .route("/private/foo/", json_response(private))
            .route("/public/foo/", json_response(foo_json())),
    );
    let private = server.url_for("/private/");
    let empty = server.url_for("/empty/");
    let public = server.url_for("/public/");

    let release = client(&[&private, &empty, &public])
        .release_hashes(&name("foo"), &version("1.0"))
        .await
        .unwrap();

    assert_eq!(
        summary(&release),
        [
            format!(
                "foo-1.0-cp312-cp312-manylinux_2_28_x86_64.whl sha256:{}",
                sha256('7')
            ),
            format!(
                "foo-1.0-cp312-cp312-win_amd64.whl sha256:{} (yanked)",
                sha256('d')
            ),
            format!(
                "foo-1.0-py3-none-any.whl md5:{} sha256:{}",
                md5('c'),
                sha256('b')
            ),
            format!(
                "foo-1.0.tar.gz sha256:{} sha256:{}",
                sha256('8'),
                sha256('a')
            ),
        ]
    );
    let sdist = &release.files[3];
    assert_eq!(sdist.indexes, [private.clone(), public.clone()]);
    assert_eq!(release.files[0].indexes, [private]);
    assert_eq!(pip_hashes(&release).len(), 5);
    // The index that does not know the project was asked all the same.
    assert_eq!(server.count("/empty/foo/"), 1);
}

#[tokio::test]
async fn a_version_no_index_has_is_an_error_naming_package_version_and_indexes() {
    let server = TestServer::start(Routes::new().route("/simple/foo/", |request: &Request| {
        if request.header("authorization") == Some(BASIC_ALICE) {
            json_response(foo_json())
        } else {
            Response::status(401)
        }
    }));
    let address = server.url().trim_start_matches("http://").to_string();
    let private = format!("http://alice:{PASSWORD}@{address}/simple/");
    let other = server.url_for("/other/");
    let client = client(&[&private, &other]);

    let error = client
        .release_hashes(&name("foo"), &version("9.9"))
        .await
        .unwrap_err();

    assert!(
        matches!(error, ReleaseHashesError::VersionNotFound { .. }),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        format!(
            "no index has a file of foo 9.9 (asked http://alice:****@{address}/simple/, {other})"
        )
    );
    let shown = format!("{error} {error:?} {client:?}");
    assert!(!shown.contains(PASSWORD), "{shown}");
}

#[tokio::test]
async fn files_without_a_usable_hash_are_reported() {
    let page = serde_json::json!({
        "files": [
            {"filename": "foo-2.0.tar.gz", "url": "foo-2.0.tar.gz", "hashes": {"sha256": sha256('1')}},
            {"filename": "foo-2.0-py3-none-any.whl", "url": "foo-2.0-py3-none-any.whl", "hashes": {}},
            {"filename": "foo-2.0-cp312-cp312-win32.whl", "url": "foo-2.0-cp312-cp312-win32.whl",
             "hashes": {"md5": md5('2')}},
            {"filename": "foo-2.0-cp312-cp312-win_amd64.whl",
             "url": "foo-2.0-cp312-cp312-win_amd64.whl", "hashes": {"sha256": "not a digest"}}
        ]
    })
    .to_string();
    let server = TestServer::start(Routes::new().route("/simple/foo/", json_response(page)));

    let release = client(&[&server.url_for("/simple/")])
        .release_hashes(&name("foo"), &version("2.0"))
        .await
        .unwrap();

    let without: Vec<&str> = release
        .without_pip_hash()
        .map(|file| file.filename.as_str())
        .collect();
    assert_eq!(
        without,
        [
            "foo-2.0-cp312-cp312-win32.whl",
            "foo-2.0-cp312-cp312-win_amd64.whl",
            "foo-2.0-py3-none-any.whl",
        ]
    );
    assert_eq!(release.files.len(), 4);
    assert_eq!(pip_hashes(&release), [format!("sha256:{}", sha256('1'))]);
}

#[tokio::test]
async fn a_failing_index_is_an_error_not_a_shorter_list() {
    let server = TestServer::start(
        Routes::new()
            .route("/good/foo/", json_response(foo_json()))
            .route("/bad/foo/", Response::status(503)),
    );
    let address = server.url().trim_start_matches("http://").to_string();
    let bad = format!("http://alice:{PASSWORD}@{address}/bad/");

    let error = client(&[&server.url_for("/good/"), &bad])
        .release_hashes(&name("foo"), &version("1.0"))
        .await
        .unwrap_err();

    let ReleaseHashesError::IndexFailed { failures, .. } = &error else {
        panic!("{error:?}");
    };
    assert_eq!(failures.len(), 1);
    assert_eq!(
        failures[0].index,
        format!("http://alice:****@{address}/bad/")
    );
    let message = error.to_string();
    assert!(
        message.starts_with("the hashes of foo 1.0 cannot be complete: "),
        "{message}"
    );
    assert!(message.contains("503"), "{message}");
    assert!(
        !format!("{message} {error:?}").contains(PASSWORD),
        "{message}"
    );
}

#[tokio::test]
async fn an_unreadable_page_is_a_failure_naming_the_url_and_line() {
    let server = TestServer::start(Routes::new().route(
        "/simple/foo/",
        json_response("{\n  \"files\": [\n    {\"filename\": \"foo-1.0.tar.gz\",\n     \"url\": \"x\", \"hashes\": {\"sha256\": 5}}]}".into()),
    ));
    let url = server.url_for("/simple/foo/");

    let error = client(&[&server.url_for("/simple/")])
        .release_hashes(&name("foo"), &version("1.0"))
        .await
        .unwrap_err();

    let message = error.to_string();
    assert!(message.contains(&url), "{message}");
    assert!(message.contains("line 4"), "{message}");
    assert!(message.contains("files[0].hashes.sha256"), "{message}");
}

fn cached_foo() -> Resource {
    Resource::new(foo_json())
        .etag("\"v1\"")
        .cache_control("max-age=600")
        .content_type(JSON_TYPE)
}

#[tokio::test]
async fn hashes_have_their_own_cache_entry_beside_the_outdated_checks() {
    let server = TestServer::start(Routes::new().route("/simple/foo/", cached_foo()));
    let cache = tempfile::tempdir().unwrap();
    let clock = TestClock::new();
    let index = server.url_for("/simple/");
    let run = |mode| cached_client(cache.path(), mode, &clock, &[&index]);

    // The outdated check caches its compact releases.
    let answer = run(CacheMode::Normal).project(&name("foo")).await;
    let PageAnswer::Found { releases, .. } = &answer.answers[0].1 else {
        panic!("{answer:?}");
    };
    let releases = releases.clone();
    assert_eq!(server.count("/simple/foo/"), 1);

    // Those hold no hashes: offline, the lookup finds nothing to answer from.
    let error = run(CacheMode::Offline)
        .release_hashes(&name("foo"), &version("1.0"))
        .await
        .unwrap_err();
    let message = error.to_string();
    assert!(
        matches!(error, ReleaseHashesError::IndexFailed { .. }),
        "{error:?}"
    );
    assert!(message.contains("offline"), "{message}");
    assert!(message.contains("cached apart"), "{message}");
    assert_eq!(server.count("/simple/foo/"), 1);

    // Online, the hashes are fetched into an entry of their own.
    let online = run(CacheMode::Normal)
        .release_hashes(&name("foo"), &version("1.0"))
        .await
        .unwrap();
    assert_eq!(online.files.len(), 3);
    assert_eq!(server.count("/simple/foo/"), 2);

    // Both entries now answer without a request, the outdated check's unchanged.
    let again = run(CacheMode::Normal).project(&name("foo")).await;
    let PageAnswer::Found {
        releases: cached,
        from_cache,
        ..
    } = &again.answers[0].1
    else {
        panic!("{again:?}");
    };
    assert!(from_cache);
    assert_eq!(*cached, releases);
    let cached_hashes = run(CacheMode::Normal)
        .release_hashes(&name("foo"), &version("1.1"))
        .await
        .unwrap();
    assert_eq!(
        summary(&cached_hashes),
        [format!("foo-1.1.tar.gz sha256:{}", sha256('e'))]
    );
    assert_eq!(server.count("/simple/foo/"), 2);

    // A year later, offline: the stored hashes, still no request.
    clock.advance(365 * 24 * 3600);
    let offline = run(CacheMode::Offline)
        .release_hashes(&name("foo"), &version("1.0"))
        .await
        .unwrap();
    assert_eq!(offline, online);
    assert_eq!(server.count("/simple/foo/"), 2);
}

#[tokio::test]
async fn refresh_revalidates_the_hashes_entry() {
    let server = TestServer::start(Routes::new().route("/simple/foo/", cached_foo()));
    let cache = tempfile::tempdir().unwrap();
    let clock = TestClock::new();
    let index = server.url_for("/simple/");
    let first = cached_client(cache.path(), CacheMode::Normal, &clock, &[&index])
        .release_hashes(&name("foo"), &version("1.0"))
        .await
        .unwrap();

    let refreshed = cached_client(cache.path(), CacheMode::Refresh, &clock, &[&index])
        .release_hashes(&name("foo"), &version("1.0"))
        .await
        .unwrap();

    assert_eq!(refreshed, first);
    let requests = server.requests_to("/simple/foo/");
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[1].header("if-none-match"), Some("\"v1\""));
}

#[tokio::test]
async fn local_directory_index_gives_hashes_from_json_and_html_pages() {
    let root = tempfile::tempdir().unwrap();
    let write = |relative: &str, text: &str| {
        let path = root.path().join(relative);
        fs_err::create_dir_all(path.parent().unwrap()).unwrap();
        fs_err::write(&path, text).unwrap();
    };
    write("foo/index.json", &foo_json());
    write("bar/index.html", &foo_html().replace("foo-", "bar-"));
    let index = Url::from_directory_path(root.path()).unwrap();
    let local = client(&[index.as_str()]);

    let foo = local
        .release_hashes(&name("foo"), &version("1.1"))
        .await
        .unwrap();
    assert_eq!(
        summary(&foo),
        [format!("foo-1.1.tar.gz sha256:{}", sha256('e'))]
    );
    assert_eq!(foo.files[0].indexes, [index.to_string()]);

    let bar = local
        .release_hashes(&name("bar"), &version("1.0.0"))
        .await
        .unwrap();
    assert_eq!(
        summary(&bar),
        [
            format!("bar-1.0.0-py3-none-any.whl sha256:{}", sha256('b')),
            format!("bar-1.0.0.tar.gz sha256:{}", sha256('a')),
        ]
    );

    let missing = local
        .release_hashes(&name("missing"), &version("1.0"))
        .await
        .unwrap_err();
    assert_eq!(
        missing.to_string(),
        format!("no index has a file of missing 1.0 (asked {index})")
    );
}
