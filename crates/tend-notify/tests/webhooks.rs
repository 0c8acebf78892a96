//! Webhook channels against a real HTTP server on 127.0.0.1: each payload's shape, the generic
//! webhook's HMAC signature (checked here independently), retries of a channel that is down
//! while the others deliver, filters, and secrets kept out of every text.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::time::Duration;

use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;
use tend_model::SeverityRating;
use tend_notify::{
    deliver, Channel, ChannelKind, ChannelType, Delivery, DeliveryOptions, EventKind, Filter,
    Message, Outcome, RetryPolicy, Secret, SkipReason,
};
use tend_test::http::{Request, Response, Routes, Sequence, TestServer};

const LINK: &str = "https://reports.example/runs/42";

fn message() -> Message {
    Message::new(
        EventKind::Findings,
        "2 new findings in billing",
        "billing",
        "2026-11-24T01:00:00Z".parse().unwrap(),
    )
    .severity(SeverityRating::High)
    .line("1 critical, 1 high")
    .line("flask 2.2.3 -> 2.3.3 (fixes GHSA-m2qf-hxjv-5gpq)")
    .line("typing_extensions 4.0.0 -> 4.12.2")
    .link(LINK)
    .run("42")
}

/// Tiny waits, so retries cost nothing; the test never looks at time.
fn options() -> DeliveryOptions {
    DeliveryOptions {
        retry: RetryPolicy {
            attempts: 3,
            first_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(50),
        },
        connect_timeout: Duration::from_secs(5),
        timeout: Duration::from_secs(10),
        ..DeliveryOptions::default()
    }
}

fn by_name(deliveries: Vec<Delivery>) -> BTreeMap<String, Delivery> {
    deliveries
        .into_iter()
        .map(|delivery| (delivery.channel.clone(), delivery))
        .collect()
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;

    bytes.iter().fold(String::new(), |mut text, byte| {
        write!(text, "{byte:02x}").unwrap();
        text
    })
}

fn body(request: &Request) -> Value {
    serde_json::from_slice(&request.body).unwrap()
}

/// A URL on 127.0.0.1 where nothing listens: connections are refused.
fn refused_url(path: &str) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("http://127.0.0.1:{port}{path}")
}

fn failure(delivery: &Delivery) -> &str {
    match &delivery.outcome {
        Outcome::Failed { reason } => reason,
        other => panic!("{} was not a failure: {other:?}", delivery.channel),
    }
}

#[test]
fn every_payload_has_its_shape_and_the_webhook_is_signed() {
    let server = TestServer::start(
        Routes::new()
            .route("/slack", Response::ok("ok"))
            .route("/discord", Response::status(204))
            .route("/teams", Response::status(202))
            .route("/hook", Response::ok(""))
            .route("/unsigned", Response::ok("")),
    );
    let url = |path: &str| Secret::new(server.url_for(path));
    let channels = [
        Channel::new("slack", ChannelKind::Slack { url: url("/slack") }),
        Channel::new(
            "discord",
            ChannelKind::Discord {
                url: url("/discord"),
            },
        ),
        Channel::new("teams", ChannelKind::Teams { url: url("/teams") }),
        Channel::new(
            "hook",
            ChannelKind::Webhook {
                url: url("/hook"),
                secret: Some(Secret::new("hmac-key-1")),
            },
        ),
        Channel::new(
            "unsigned",
            ChannelKind::Webhook {
                url: url("/unsigned"),
                secret: None,
            },
        ),
    ];
    let deliveries = deliver(&channels, &message(), &options());
    for delivery in &deliveries {
        assert_eq!(delivery.outcome, Outcome::Delivered, "{delivery:?}");
        assert_eq!(delivery.attempts, 1);
    }
    let types: Vec<ChannelType> = deliveries.iter().map(|d| d.channel_type).collect();
    assert_eq!(
        types,
        [
            ChannelType::Slack,
            ChannelType::Discord,
            ChannelType::Teams,
            ChannelType::Webhook,
            ChannelType::Webhook
        ]
    );

    // Slack: fallback text, header, context, bullets in escaped mrkdwn, the link.
    let slack = &server.requests_to("/slack")[0];
    assert_eq!(slack.method, "POST");
    assert_eq!(slack.header("content-type"), Some("application/json"));
    let slack = body(slack);
    assert_eq!(slack["text"], "[tend] billing: 2 new findings in billing");
    let blocks = slack["blocks"].as_array().unwrap();
    assert_eq!(blocks[0]["type"], "header");
    assert_eq!(blocks[0]["text"]["text"], "2 new findings in billing");
    assert_eq!(
        blocks[1]["elements"][0]["text"],
        "billing · New findings · high"
    );
    assert_eq!(
        blocks[2]["text"]["text"],
        "• 1 critical, 1 high\n• flask 2.2.3 -&gt; 2.3.3 (fixes GHSA-m2qf-hxjv-5gpq)\n\
         • typing_extensions 4.0.0 -&gt; 4.12.2"
    );
    assert_eq!(
        blocks[3]["text"]["text"],
        format!("<{LINK}|Open the report> · run `42`")
    );

    // Discord: one embed within the limits, markdown escaped, no mentions.
    let discord = body(&server.requests_to("/discord")[0]);
    assert_eq!(discord["allowed_mentions"]["parse"], Value::Array(vec![]));
    assert!(discord.get("content").is_none());
    let embed = &discord["embeds"][0];
    assert_eq!(embed["title"], "2 new findings in billing");
    assert_eq!(embed["url"], LINK);
    assert_eq!(embed["color"], 0x00E6_5100);
    assert_eq!(embed["timestamp"], "2026-11-24T01:00:00Z");
    assert_eq!(embed["footer"]["text"], "tend · run 42");
    let description = embed["description"].as_str().unwrap();
    assert!(description.starts_with("**billing · New findings · high**\n\n- 1 critical, 1 high\n"));
    assert!(description.contains("- typing\\_extensions 4.0.0 -> 4.12.2"));
    assert!(description.ends_with(&format!("[Open the report]({LINK})")));

    // Teams: a message with one Adaptive Card 1.4.
    let teams = body(&server.requests_to("/teams")[0]);
    assert_eq!(teams["type"], "message");
    let attachment = &teams["attachments"][0];
    assert_eq!(
        attachment["contentType"],
        "application/vnd.microsoft.card.adaptive"
    );
    let card = &attachment["content"];
    assert_eq!(card["type"], "AdaptiveCard");
    assert_eq!(card["version"], "1.4");
    let texts: Vec<&str> = card["body"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|element| element["type"] == "TextBlock")
        .map(|element| element["text"].as_str().unwrap())
        .collect();
    assert_eq!(
        texts,
        [
            "2 new findings in billing",
            "billing · New findings · high",
            "• 1 critical, 1 high",
            "• flask 2.2.3 -> 2.3.3 (fixes GHSA-m2qf-hxjv-5gpq)",
            "• typing_extensions 4.0.0 -> 4.12.2"
        ]
    );
    assert_eq!(card["body"][0]["color"], "Attention");
    assert_eq!(card["actions"][0]["type"], "Action.OpenUrl");
    assert_eq!(card["actions"][0]["url"], LINK);

    // Generic webhook: the versioned body, the event header, a signature that verifies.
    let hook = &server.requests_to("/hook")[0];
    assert_eq!(
        body(hook),
        serde_json::json!({
            "schema_version": 1,
            "kind": "notification",
            "event": "findings",
            "title": "2 new findings in billing",
            "project": "billing",
            "lines": [
                "1 critical, 1 high",
                "flask 2.2.3 -> 2.3.3 (fixes GHSA-m2qf-hxjv-5gpq)",
                "typing_extensions 4.0.0 -> 4.12.2"
            ],
            "severity": "high",
            "link": LINK,
            "run": "42",
            "time": "2026-11-24T01:00:00Z"
        })
    );
    assert_eq!(hook.header("x-tend-event"), Some("findings"));
    let timestamp = hook.header("x-tend-timestamp").unwrap();
    assert!(timestamp.parse::<i64>().unwrap() > 1_700_000_000);
    let mut mac = Hmac::<Sha256>::new_from_slice(b"hmac-key-1").unwrap();
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(&hook.body);
    let expected = hex(&mac.finalize().into_bytes());
    assert_eq!(
        hook.header("x-tend-signature"),
        Some(format!("sha256={expected}").as_str())
    );
    // The same body under another key does not verify.
    let mut other = Hmac::<Sha256>::new_from_slice(b"hmac-key-2").unwrap();
    other.update(format!("{timestamp}.").as_bytes());
    other.update(&hook.body);
    let other_hex = hex(&other.finalize().into_bytes());
    assert_ne!(other_hex, expected);

    let unsigned = &server.requests_to("/unsigned")[0];
    assert_eq!(unsigned.header("x-tend-event"), Some("findings"));
    assert_eq!(unsigned.header("x-tend-signature"), None);
    assert_eq!(unsigned.header("x-tend-timestamp"), None);
}

#[test]
fn a_channel_that_is_down_is_retried_and_reported_while_the_others_deliver() {
    let server = TestServer::start(
        Routes::new()
            .route("/unavailable", Response::status(503).body("maintenance"))
            .route(
                "/flaky",
                Sequence::new([Response::status(500), Response::ok("ok")]),
            )
            .route("/fine", Response::ok("ok")),
    );
    let channels = [
        Channel::new(
            "refused",
            ChannelKind::Slack {
                url: Secret::new(refused_url("/services/T1/B1/refused-token")),
            },
        ),
        Channel::new(
            "unavailable",
            ChannelKind::Discord {
                url: Secret::new(server.url_for("/unavailable")),
            },
        ),
        Channel::new(
            "flaky",
            ChannelKind::Teams {
                url: Secret::new(server.url_for("/flaky")),
            },
        ),
        Channel::new(
            "fine",
            ChannelKind::Webhook {
                url: Secret::new(server.url_for("/fine")),
                secret: None,
            },
        ),
    ];
    let deliveries = by_name(deliver(&channels, &message(), &options()));

    let refused = &deliveries["refused"];
    assert_eq!(refused.attempts, 3);
    let reason = failure(refused);
    assert!(reason.starts_with("http://127.0.0.1:"), "{reason}");
    assert!(!reason.contains("refused-token"), "{reason}");

    let unavailable = &deliveries["unavailable"];
    assert_eq!(unavailable.attempts, 3);
    assert_eq!(server.count("/unavailable"), 3);
    let reason = failure(unavailable);
    assert!(
        reason.ends_with("answered HTTP 503 Service Unavailable: maintenance"),
        "{reason}"
    );

    assert_eq!(deliveries["flaky"].outcome, Outcome::Delivered);
    assert_eq!(deliveries["flaky"].attempts, 2);
    assert_eq!(server.count("/flaky"), 2);

    assert_eq!(deliveries["fine"].outcome, Outcome::Delivered);
    assert_eq!(deliveries["fine"].attempts, 1);
}

#[test]
fn client_errors_are_not_retried_and_retry_after_is_honoured_when_small() {
    let server = TestServer::start(
        Routes::new()
            .route("/gone", Response::status(404).body("no_service"))
            .route(
                "/limited",
                Sequence::new([
                    Response::status(429).header("Retry-After", "0"),
                    Response::ok("ok"),
                ]),
            )
            .route(
                "/slow-down",
                Response::status(429).header("Retry-After", "3600"),
            ),
    );
    let slack = |name: &str, path: &str| {
        Channel::new(
            name,
            ChannelKind::Slack {
                url: Secret::new(server.url_for(path)),
            },
        )
    };
    let channels = [
        slack("gone", "/gone"),
        slack("limited", "/limited"),
        slack("slow-down", "/slow-down"),
    ];
    let deliveries = by_name(deliver(&channels, &message(), &options()));

    assert_eq!(deliveries["gone"].attempts, 1);
    assert_eq!(server.count("/gone"), 1);
    assert!(failure(&deliveries["gone"]).ends_with("answered HTTP 404 Not Found: no_service"));

    assert_eq!(deliveries["limited"].outcome, Outcome::Delivered);
    assert_eq!(deliveries["limited"].attempts, 2);

    assert_eq!(deliveries["slow-down"].attempts, 1);
    assert!(
        failure(&deliveries["slow-down"])
            .ends_with("the server asked to wait 3600 s before trying again"),
        "{:?}",
        deliveries["slow-down"]
    );
}

#[test]
fn filters_skip_channels_by_event_and_severity() {
    let server = TestServer::start(Response::ok("ok"));
    let channel = |name: &str, filter: Filter| {
        Channel::new(
            name,
            ChannelKind::Slack {
                url: Secret::new(server.url_for(&format!("/{name}"))),
            },
        )
        .filter(filter)
    };
    let channels = [
        channel("everything", Filter::default()),
        channel(
            "failures-only",
            Filter::events([EventKind::UpdateFailed, EventKind::Rollback]),
        ),
        channel(
            "critical-only",
            Filter::default().min_severity(SeverityRating::Critical),
        ),
        channel(
            "high-findings",
            Filter::events([EventKind::Findings]).min_severity(SeverityRating::High),
        ),
    ];
    let deliveries = by_name(deliver(&channels, &message(), &options()));
    assert_eq!(deliveries["everything"].outcome, Outcome::Delivered);
    assert_eq!(deliveries["high-findings"].outcome, Outcome::Delivered);
    assert_eq!(
        deliveries["failures-only"].outcome,
        Outcome::Skipped {
            reason: SkipReason::Event
        }
    );
    assert_eq!(
        deliveries["critical-only"].outcome,
        Outcome::Skipped {
            reason: SkipReason::Severity
        }
    );
    assert_eq!(deliveries["critical-only"].attempts, 0);
    assert_eq!(server.count("/failures-only"), 0);
    assert_eq!(server.count("/critical-only"), 0);
    assert_eq!(server.count("/everything"), 1);

    // A test message reaches every channel, whatever its filter.
    let test = Message::new(
        EventKind::Test,
        "Test message",
        "billing",
        "2026-11-24T01:00:00Z".parse().unwrap(),
    );
    let deliveries = deliver(&channels, &test, &options());
    assert!(deliveries.iter().all(|d| d.outcome == Outcome::Delivered));
    assert_eq!(server.count("/failures-only"), 1);
}

#[test]
fn secrets_never_appear_in_deliveries_or_debug_output() {
    // A server that quotes the request's path back, as some error pages do.
    let server = TestServer::start(|request: &Request| {
        Response::status(403).body(format!("invalid token in {}", request.path))
    });
    let token = "XXXXsecret-token-1234";
    let channels = [
        Channel::new(
            "echo",
            ChannelKind::Slack {
                url: Secret::new(server.url_for(&format!("/services/T0/B0/{token}"))),
            },
        ),
        Channel::new(
            "refused",
            ChannelKind::Webhook {
                url: Secret::new(refused_url(&format!("/hook?token={token}"))),
                secret: Some(Secret::new("hmac-key-secret")),
            },
        ),
        Channel::new(
            "not-a-url",
            ChannelKind::Teams {
                url: Secret::new(format!("{token} is not a URL")),
            },
        ),
    ];
    let deliveries = deliver(&channels, &message(), &options());
    let texts = [
        format!("{deliveries:?}"),
        serde_json::to_string(&deliveries).unwrap(),
        format!("{channels:?}"),
    ];
    for text in &texts {
        assert!(!text.contains(token), "{text}");
        assert!(!text.contains("hmac-key-secret"), "{text}");
        assert!(!text.contains("/services/"), "{text}");
    }
    let by_name = by_name(deliveries);
    assert_eq!(
        failure(&by_name["echo"]),
        format!(
            "{} answered HTTP 403 Forbidden: invalid token in ****",
            server.url()
        )
    );
    assert_eq!(by_name["refused"].attempts, 3);
    assert!(failure(&by_name["not-a-url"]).starts_with("the webhook URL is not a valid URL"));
    assert_eq!(by_name["not-a-url"].attempts, 0);
}

#[test]
fn a_webhook_that_never_answers_times_out_and_is_retried() {
    let server = TestServer::start(
        Routes::new()
            .route(
                "/hangs",
                Response::ok("late").delayed(Duration::from_secs(5)),
            )
            .route("/fine", Response::ok("ok")),
    );
    let options = DeliveryOptions {
        retry: RetryPolicy {
            attempts: 2,
            first_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(50),
        },
        timeout: Duration::from_millis(300),
        ..options()
    };
    let channels = [
        Channel::new(
            "hangs",
            ChannelKind::Discord {
                url: Secret::new(server.url_for("/hangs")),
            },
        ),
        Channel::new(
            "fine",
            ChannelKind::Slack {
                url: Secret::new(server.url_for("/fine")),
            },
        ),
    ];
    let deliveries = by_name(deliver(&channels, &message(), &options));
    assert_eq!(deliveries["hangs"].attempts, 2);
    assert_eq!(server.count("/hangs"), 2);
    let reason = failure(&deliveries["hangs"]);
    assert!(reason.contains("timed out"), "{reason}");
    assert_eq!(deliveries["fine"].outcome, Outcome::Delivered);
}
