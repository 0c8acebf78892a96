use tend_http::{CacheMode, Download, HttpClient, HttpError, Validators};
use tend_test::http::{Resource, Response, TestServer};

use crate::{options, url};

fn archive() -> Vec<u8> {
    (0..200_000u32).flat_map(u32::to_le_bytes).collect()
}

fn files_in(directory: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = fs_err::read_dir(directory)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn download_streams_to_a_temporary_file_with_its_validators() {
    let date = "Tue, 14 Nov 2023 20:00:00 GMT";
    let server = TestServer::start(
        Resource::new(archive())
            .etag("\"zip-1\"")
            .last_modified(date),
    );
    let destination = tempfile::tempdir().unwrap();
    let client = HttpClient::new(options()).unwrap();

    let Download::Fetched {
        file,
        validators,
        bytes,
    } = client
        .download(&url(&server, "/PyPI/all.zip"), destination.path(), None)
        .await
        .unwrap()
    else {
        panic!("expected a fetched download");
    };
    assert_eq!(bytes, 800_000);
    assert_eq!(fs_err::read(file.path()).unwrap(), archive());
    assert_eq!(file.path().parent(), Some(destination.path()));
    assert_eq!(
        validators,
        Validators {
            etag: Some("\"zip-1\"".into()),
            last_modified: Some(date.into())
        }
    );

    let kept = destination.path().join("all.zip");
    file.persist(&kept).unwrap();
    assert_eq!(files_in(destination.path()), ["all.zip"]);
    assert_eq!(server.requests()[0].header("if-none-match"), None);
}

#[tokio::test]
async fn unchanged_resource_is_not_downloaded_again() {
    let server = TestServer::start(Resource::new(archive()).etag("\"zip-1\""));
    let destination = tempfile::tempdir().unwrap();
    let client = HttpClient::new(options()).unwrap();
    let validators = Validators {
        etag: Some("\"zip-1\"".into()),
        last_modified: None,
    };

    let download = client
        .download(
            &url(&server, "/all.zip"),
            destination.path(),
            Some(&validators),
        )
        .await
        .unwrap();
    assert!(matches!(download, Download::NotModified), "{download:?}");
    assert_eq!(
        server.requests()[0].header("if-none-match"),
        Some("\"zip-1\"")
    );
    assert!(files_in(destination.path()).is_empty());
}

#[tokio::test]
async fn truncated_download_is_an_error_and_leaves_no_file() {
    let body = archive();
    let server = TestServer::start(Response::ok(body.clone()).truncated(300_000));
    let destination = tempfile::tempdir().unwrap();
    let client = HttpClient::new(options()).unwrap();
    let target = url(&server, "/all.zip");

    let error = client
        .download(&target, destination.path(), None)
        .await
        .unwrap_err();
    let HttpError::Truncated {
        expected,
        got,
        attempts,
        ..
    } = &error
    else {
        panic!("expected a truncation, got {error:?}");
    };
    assert_eq!((*expected, *got, *attempts), (800_000, 300_000, 3));
    assert_eq!(
        error.to_string(),
        format!("the body of {target} was cut short: expected 800000 bytes, received 300000 (after 3 attempts)")
    );
    assert_eq!(server.count("/all.zip"), 3);
    assert!(files_in(destination.path()).is_empty());
}

#[tokio::test]
async fn truncated_body_of_a_get_is_an_error_too() {
    let server = TestServer::start(Response::ok("0123456789").truncated(4));
    let mut options = options();
    options.retries = 0;
    let client = HttpClient::new(options).unwrap();
    let error = client.get(&url(&server, "/page")).await.unwrap_err();
    assert!(
        matches!(
            error,
            HttpError::Truncated {
                expected: 10,
                got: 4,
                attempts: 1,
                ..
            }
        ),
        "{error:?}"
    );
}

#[tokio::test]
async fn failed_download_leaves_no_file() {
    let server = TestServer::start(Response::status(500));
    let destination = tempfile::tempdir().unwrap();
    let client = HttpClient::new(options()).unwrap();
    let error = client
        .download(&url(&server, "/all.zip"), destination.path(), None)
        .await
        .unwrap_err();
    assert_eq!(
        error.status(),
        Some(tend_http::StatusCode::INTERNAL_SERVER_ERROR)
    );
    assert!(files_in(destination.path()).is_empty());
}

#[tokio::test]
async fn offline_download_fails_without_a_request() {
    let server = TestServer::start(Resource::new(archive()));
    let destination = tempfile::tempdir().unwrap();
    let mut options = options();
    options.cache_mode = CacheMode::Offline;
    let client = HttpClient::new(options).unwrap();
    let error = client
        .download(&url(&server, "/all.zip"), destination.path(), None)
        .await
        .unwrap_err();
    assert!(matches!(error, HttpError::Offline { .. }), "{error:?}");
    assert!(server.requests().is_empty());
}
