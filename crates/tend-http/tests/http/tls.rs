//! HTTPS through the client's own TLS setup (rustls, ring, platform verifier plus `ca_file`),
//! against a one-connection-at-a-time TLS server on 127.0.0.1 whose certificate is signed by
//! the test CA in `tls/` (valid until 2126).

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tend_http::{HttpClient, HttpError, Url};

use crate::{chain, options};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/http/tls")
        .join(name)
}

/// Serves `body` over HTTPS to every connection until the test ends; returns the base URL.
fn start_tls_server(body: &'static str) -> Url {
    let chain = CertificateDer::pem_file_iter(fixture("server.pem"))
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    let key = PrivateKeyDer::from_pem_file(fixture("server.key")).unwrap();
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(chain, key)
    .unwrap();
    let config = Arc::new(config);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let connection = rustls::ServerConnection::new(Arc::clone(&config)).unwrap();
            let mut tls = rustls::StreamOwned::new(connection, stream);
            // Reads the request head; a failed handshake ends here.
            let mut reader = BufReader::new(&mut tls);
            loop {
                let mut line = String::new();
                match reader.read_line(&mut line) {
                    Ok(0) | Err(_) => break,
                    Ok(_) if line == "\r\n" => break,
                    Ok(_) => {}
                }
            }
            let answer = format!(
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = tls.write_all(answer.as_bytes());
            let _ = tls.flush();
            tls.conn.send_close_notify();
            let _ = tls.flush();
        }
    });
    Url::parse(&format!("https://127.0.0.1:{port}/secure")).unwrap()
}

#[tokio::test]
async fn https_with_the_servers_ca_in_ca_file() {
    let url = start_tls_server("secure body");
    let mut options = options();
    options.ca_file = Some(fixture("ca.pem"));
    let client = HttpClient::new(options).unwrap();
    let response = client.get(&url).await.unwrap();
    assert_eq!(response.body, b"secure body");
}

#[tokio::test]
async fn https_with_an_unknown_ca_is_refused() {
    let url = start_tls_server("secure body");
    let mut options = options();
    options.retries = 0;
    let client = HttpClient::new(options).unwrap();
    let error = client.get(&url).await.unwrap_err();
    assert!(matches!(error, HttpError::Request { .. }), "{error:?}");
    let text = chain(&error);
    assert!(text.contains("certificate"), "{text}");
}

#[test]
fn ca_file_without_certificates_is_an_error_naming_it() {
    let mut options = options();
    options.ca_file = Some(fixture("server.key"));
    let error = HttpClient::new(options).unwrap_err();
    assert!(matches!(error, HttpError::CaFile { .. }), "{error:?}");
    assert_eq!(
        error.to_string(),
        format!(
            "could not load CA certificates from {}",
            fixture("server.key").display()
        )
    );
}
