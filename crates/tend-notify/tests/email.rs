//! Email channels against a real SMTP server on 127.0.0.1 (tend_test::smtp): recipients,
//! subject and body as received, AUTH, STARTTLS and implicit TLS trusting the server's
//! self-signed certificate through `ca_file`, retries, and failures that name no secret.

#![allow(clippy::unwrap_used)]

use std::net::TcpListener;
use std::path::Path;
use std::time::Duration;

use tend_model::SeverityRating;
use tend_notify::{
    deliver, Channel, ChannelKind, DeliveryOptions, EmailSettings, EventKind, Message, Outcome,
    RetryPolicy, Secret, Tls,
};
use tend_test::smtp::{SmtpConfig, SmtpServer};

fn message() -> Message {
    Message::new(
        EventKind::UpdateHeldBack,
        "billing: 2 updated, 1 held back",
        "billing",
        "2026-11-24T01:00:00Z".parse().unwrap(),
    )
    .severity(SeverityRating::Medium)
    .line("flask 2.2.3 -> 2.3.3 (fixes GHSA-m2qf-hxjv-5gpq)")
    .line("requests 2.31.0 -> 2.32.3")
    .line("held back: urllib3 2.2.0 (tests failed)")
    .link("https://reports.example/runs/7")
    .run("7")
}

fn options() -> DeliveryOptions {
    DeliveryOptions {
        retry: RetryPolicy {
            attempts: 3,
            first_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(50),
        },
        timeout: Duration::from_secs(10),
        ..DeliveryOptions::default()
    }
}

fn settings(server: &SmtpServer, tls: Tls) -> EmailSettings {
    EmailSettings {
        host: server.host(),
        port: server.port(),
        tls,
        username: None,
        password: None,
        from: "tend <tend@example.com>".parse().unwrap(),
        to: vec![
            "ops@example.com".parse().unwrap(),
            "Security Team <security@example.com>".parse().unwrap(),
        ],
        ca_file: None,
    }
}

/// Writes the server's certificate where `ca_file` can name it.
fn trust(server: &SmtpServer, directory: &Path) -> std::path::PathBuf {
    let path = directory.join("smtp-ca.pem");
    fs_err::write(&path, server.certificate_pem()).unwrap();
    path
}

fn send(settings: EmailSettings) -> tend_notify::Delivery {
    let channel = Channel::new("mail", ChannelKind::Email(settings));
    deliver(&[channel], &message(), &options()).remove(0)
}

fn failure(delivery: &tend_notify::Delivery) -> &str {
    match &delivery.outcome {
        Outcome::Failed { reason } => reason,
        other => panic!("not a failure: {other:?}"),
    }
}

#[test]
fn plain_mail_reaches_every_recipient_with_subject_and_body() {
    let server = SmtpServer::start(SmtpConfig::plain());
    let delivery = send(settings(&server, Tls::None));
    assert_eq!(delivery.outcome, Outcome::Delivered, "{delivery:?}");
    assert_eq!(delivery.attempts, 1);

    let mails = server.mails();
    assert_eq!(mails.len(), 1);
    let mail = &mails[0];
    assert_eq!(mail.from, "tend@example.com");
    assert_eq!(mail.recipients, ["ops@example.com", "security@example.com"]);
    assert!(!mail.encrypted);
    assert_eq!(mail.authenticated, None);
    assert_eq!(
        mail.header("Subject").as_deref(),
        Some("[tend] billing: 2 updated, 1 held back")
    );
    assert_eq!(
        mail.header("To").as_deref(),
        Some("ops@example.com, \"Security Team\" <security@example.com>")
    );
    assert_eq!(
        mail.header("From").as_deref(),
        Some("tend <tend@example.com>")
    );
    assert!(mail
        .header("Content-Type")
        .is_some_and(|value| value.starts_with("text/plain")));
    assert_eq!(
        mail.body(),
        "billing: 2 updated, 1 held back\r\n\r\n\
         Project: billing\r\n\
         Event: Update held back\r\n\
         Severity: medium\r\n\r\n\
         - flask 2.2.3 -> 2.3.3 (fixes GHSA-m2qf-hxjv-5gpq)\r\n\
         - requests 2.31.0 -> 2.32.3\r\n\
         - held back: urllib3 2.2.0 (tests failed)\r\n\r\n\
         Report: https://reports.example/runs/7\r\n\
         Run: 7\r\n\
         Time: 2026-11-24T01:00:00Z\r\n\
         \r\n-- \r\nSent by tend.\r\n"
    );
}

#[test]
fn starttls_with_auth_trusting_the_servers_certificate() {
    let directory = tempfile::tempdir().unwrap();
    let server = SmtpServer::start(SmtpConfig::starttls().auth("tend-bot", "smtp-password-1"));
    let mut settings = settings(&server, Tls::StartTls);
    settings.username = Some("tend-bot".into());
    settings.password = Some(Secret::new("smtp-password-1"));
    settings.ca_file = Some(trust(&server, directory.path()));
    let delivery = send(settings);
    assert_eq!(delivery.outcome, Outcome::Delivered, "{delivery:?}");

    let mails = server.mails();
    assert_eq!(mails.len(), 1);
    assert!(mails[0].encrypted);
    assert_eq!(mails[0].authenticated.as_deref(), Some("tend-bot"));
    assert_eq!(mails[0].recipients.len(), 2);
}

#[test]
fn implicit_tls_trusting_the_servers_certificate() {
    let directory = tempfile::tempdir().unwrap();
    let server = SmtpServer::start(SmtpConfig::implicit_tls());
    let mut settings = settings(&server, Tls::Implicit);
    settings.ca_file = Some(trust(&server, directory.path()));
    let delivery = send(settings);
    assert_eq!(delivery.outcome, Outcome::Delivered, "{delivery:?}");
    let mails = server.mails();
    assert_eq!(mails.len(), 1);
    assert!(mails[0].encrypted);
    assert_eq!(
        mails[0].header("Subject").as_deref(),
        Some("[tend] billing: 2 updated, 1 held back")
    );
}

#[test]
fn an_untrusted_certificate_fails_without_sending() {
    let server = SmtpServer::start(SmtpConfig::starttls());
    let delivery = send(settings(&server, Tls::StartTls));
    let reason = failure(&delivery);
    assert_eq!(delivery.attempts, 1, "{reason}");
    assert!(reason.starts_with(&format!("smtp://127.0.0.1:{}: ", server.port())));
    assert!(reason.contains("invalid peer certificate"), "{reason}");
    assert!(server.mails().is_empty());
}

#[test]
fn a_wrong_password_fails_at_once_and_is_not_shown() {
    let directory = tempfile::tempdir().unwrap();
    let server = SmtpServer::start(SmtpConfig::implicit_tls().auth("tend-bot", "right"));
    let mut settings = settings(&server, Tls::Implicit);
    settings.username = Some("tend-bot".into());
    settings.password = Some(Secret::new("wrong-password-123"));
    settings.ca_file = Some(trust(&server, directory.path()));
    let channel = Channel::new("mail", ChannelKind::Email(settings));
    let delivery = deliver(std::slice::from_ref(&channel), &message(), &options()).remove(0);
    let reason = failure(&delivery);
    assert_eq!(delivery.attempts, 1, "{reason}");
    assert!(reason.contains("535"), "{reason}");
    assert!(server.failed_logins() >= 1);
    assert!(server.mails().is_empty());
    for text in [format!("{delivery:?}"), format!("{channel:?}")] {
        assert!(!text.contains("wrong-password-123"), "{text}");
    }
}

#[test]
fn a_server_going_down_is_retried() {
    let server = SmtpServer::start(SmtpConfig::plain().refuse_first(1));
    let delivery = send(settings(&server, Tls::None));
    assert_eq!(delivery.outcome, Outcome::Delivered, "{delivery:?}");
    assert_eq!(delivery.attempts, 2);
    assert_eq!(server.connections(), 2);
    assert_eq!(server.mails().len(), 1);
}

#[test]
fn a_mail_server_that_is_down_does_not_stop_the_webhook() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let hooks = tend_test::http::TestServer::start(tend_test::http::Response::ok("ok"));
    let mail_settings = EmailSettings {
        host: "127.0.0.1".into(),
        port,
        tls: Tls::None,
        username: None,
        password: None,
        from: "tend@example.com".parse().unwrap(),
        to: vec!["ops@example.com".parse().unwrap()],
        ca_file: None,
    };
    let channels = [
        Channel::new("mail", ChannelKind::Email(mail_settings)),
        Channel::new(
            "hook",
            ChannelKind::Webhook {
                url: Secret::new(hooks.url_for("/hook")),
                secret: None,
            },
        ),
    ];
    let deliveries = deliver(&channels, &message(), &options());
    assert_eq!(deliveries[0].attempts, 3);
    assert!(failure(&deliveries[0]).starts_with(&format!("smtp://127.0.0.1:{port}: ")));
    assert_eq!(deliveries[1].outcome, Outcome::Delivered);
    assert_eq!(hooks.count("/hook"), 1);
}
