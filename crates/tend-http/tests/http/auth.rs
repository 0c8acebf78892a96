use tend_http::{HttpClient, Url};
use tend_test::http::{Response, Routes, TestServer};

use crate::{chain, options};

const SECRET: &str = "s3cret";

fn with_credentials(server: &TestServer, path: &str) -> Url {
    let mut url = Url::parse(&server.url_for(path)).unwrap();
    url.set_username("alice").unwrap();
    url.set_password(Some(SECRET)).unwrap();
    url
}

#[tokio::test]
async fn userinfo_is_sent_as_basic_auth_and_not_in_the_url() {
    let server = TestServer::start(Response::ok("private"));
    let client = HttpClient::new(options()).unwrap();
    let response = client
        .get(&with_credentials(&server, "/simple/"))
        .await
        .unwrap();
    assert_eq!(
        response.url.to_string(),
        format!("http://alice:****@{}/simple/", &server.url()[7..])
    );
    let request = &server.requests()[0];
    // base64("alice:s3cret")
    assert_eq!(
        request.header("authorization"),
        Some("Basic YWxpY2U6czNjcmV0")
    );
    assert_eq!(request.path, "/simple/");
}

#[tokio::test]
async fn credentials_never_appear_in_errors() {
    let server = TestServer::start(Response::status(500));
    let client = HttpClient::new(options()).unwrap();
    let error = client
        .get(&with_credentials(&server, "/simple/"))
        .await
        .unwrap_err();
    let shown = format!("{}\n{error:?}", chain(&error));
    assert!(!shown.contains(SECRET), "{shown}");
    assert!(shown.contains("alice:****@127.0.0.1"), "{shown}");

    // A connection error carries reqwest's own error as its cause.
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let refused = Url::parse(&format!("http://alice:{SECRET}@127.0.0.1:{port}/x")).unwrap();
    let error = client.get(&refused).await.unwrap_err();
    let shown = format!("{}\n{error:?}", chain(&error));
    assert!(!shown.contains(SECRET), "{shown}");
    assert!(shown.contains("alice:****@127.0.0.1"), "{shown}");
}

#[tokio::test]
async fn credentials_are_not_forwarded_to_another_origin_on_redirect() {
    let mirror = TestServer::start(Response::ok("mirrored"));
    let origin = TestServer::start(Routes::new().route(
        "/simple/",
        Response::status(302).header("Location", &mirror.url_for("/files/")),
    ));
    let client = HttpClient::new(options()).unwrap();
    let response = client
        .get(&with_credentials(&origin, "/simple/"))
        .await
        .unwrap();
    assert_eq!(response.body, b"mirrored");
    assert!(origin.requests()[0].header("authorization").is_some());
    assert_eq!(mirror.requests()[0].header("authorization"), None);
}
