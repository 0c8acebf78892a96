//! [`deliver`]: one message to every channel that wants it, each on its own thread with its own
//! retries, so a channel that is down never holds up or hides the others.

use std::path::PathBuf;
use std::thread;
use std::time::Duration;

use serde::Serialize;

use crate::channel::{Channel, ChannelKind, ChannelType, SkipReason};
use crate::message::Message;
use crate::secret::{redact, Secret};
use crate::{email, http};

/// How often and how long to try a channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included; 0 is taken as 1.
    pub attempts: u32,
    /// The wait after the first failed attempt; it doubles after each further one.
    pub first_delay: Duration,
    /// The longest wait between two attempts. A server asking (`Retry-After`) for a longer
    /// wait is not tried again.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    /// Three attempts, waiting 1 s then 2 s.
    fn default() -> Self {
        Self {
            attempts: 3,
            first_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(10),
        }
    }
}

impl RetryPolicy {
    /// The wait after the `failed`-th failed attempt (from 1), before `Retry-After`.
    pub fn delay(&self, failed: u32) -> Duration {
        let factor = 2_u32.saturating_pow(failed.saturating_sub(1));
        self.first_delay.saturating_mul(factor).min(self.max_delay)
    }
}

/// Everything about delivering that is not a channel: retries, time limits, network.
#[derive(Debug, Clone)]
pub struct DeliveryOptions {
    pub retry: RetryPolicy,
    /// Time allowed to open a connection (TCP and TLS) to a webhook. Default 5 s.
    pub connect_timeout: Duration,
    /// Time allowed for one attempt: a whole HTTP request, or each read and write of an SMTP
    /// session. Default 15 s.
    pub timeout: Duration,
    /// A proxy for webhook requests (`http://user:password@proxy:3128`); none by default, and
    /// no proxy variable is read. Email never goes through it.
    pub proxy: Option<Secret>,
    /// A PEM file of CA certificates trusted for webhooks in addition to the system's (each
    /// email channel has its own).
    pub ca_file: Option<PathBuf>,
    /// Sent as `User-Agent` to webhooks.
    pub user_agent: String,
}

impl Default for DeliveryOptions {
    fn default() -> Self {
        Self {
            retry: RetryPolicy::default(),
            connect_timeout: Duration::from_secs(5),
            timeout: Duration::from_secs(15),
            proxy: None,
            ca_file: None,
            user_agent: concat!("tend/", env!("CARGO_PKG_VERSION")).to_string(),
        }
    }
}

/// What happened to the message on one channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Delivery {
    /// The channel's name.
    pub channel: String,
    #[serde(rename = "type")]
    pub channel_type: ChannelType,
    pub outcome: Outcome,
    /// Attempts made; 0 when skipped.
    pub attempts: u32,
}

/// The end of one channel's delivery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "kebab-case")]
pub enum Outcome {
    Delivered,
    /// Given up: the last attempt's error, without any secret in it.
    Failed {
        reason: String,
    },
    /// The channel's filter turned the message down.
    Skipped {
        reason: SkipReason,
    },
}

impl Outcome {
    pub fn is_delivered(&self) -> bool {
        matches!(self, Self::Delivered)
    }

    pub fn is_failed(&self) -> bool {
        matches!(self, Self::Failed { .. })
    }
}

/// Sends `message` to every channel whose filter accepts it, all channels at once (one thread
/// each), and returns one [`Delivery`] per channel in the order given. Never fails as a whole:
/// each channel's failure is in its own [`Outcome::Failed`], for the caller to record.
///
/// Blocks until every channel is done; the longest a channel can take is about
/// `attempts × (connect_timeout + timeout)` plus the waits between attempts. Call it from a
/// thread that may block (`spawn_blocking` in async code).
pub fn deliver(
    channels: &[Channel],
    message: &Message,
    options: &DeliveryOptions,
) -> Vec<Delivery> {
    thread::scope(|scope| {
        let running: Vec<_> = channels
            .iter()
            .map(|channel| match channel.filter.check(message) {
                Err(reason) => Err(Delivery {
                    channel: channel.name.clone(),
                    channel_type: channel.kind.channel_type(),
                    outcome: Outcome::Skipped { reason },
                    attempts: 0,
                }),
                Ok(()) => Ok(scope.spawn(move || deliver_one(channel, message, options))),
            })
            .collect();
        running
            .into_iter()
            .zip(channels)
            .map(|(running, channel)| match running {
                Err(skipped) => skipped,
                Ok(handle) => handle.join().unwrap_or_else(|_| Delivery {
                    channel: channel.name.clone(),
                    channel_type: channel.kind.channel_type(),
                    outcome: Outcome::Failed {
                        reason: "internal error: the delivery thread panicked".to_string(),
                    },
                    attempts: 0,
                }),
            })
            .collect()
    })
}

fn deliver_one(channel: &Channel, message: &Message, options: &DeliveryOptions) -> Delivery {
    let (outcome, attempts) = match &channel.kind {
        ChannelKind::Email(settings) => email::send(settings, message, options),
        ChannelKind::Slack { url } => {
            http::send(url, &crate::slack::payload(message), &[], None, options)
        }
        ChannelKind::Discord { url } => {
            http::send(url, &crate::discord::payload(message), &[], None, options)
        }
        ChannelKind::Teams { url } => {
            http::send(url, &crate::teams::payload(message), &[], None, options)
        }
        ChannelKind::Webhook { url, secret } => {
            let headers = [(crate::webhook::EVENT_HEADER, message.event.as_str())];
            http::send(
                url,
                &crate::webhook::payload(message),
                &headers,
                secret.as_ref(),
                options,
            )
        }
    };
    // Other libraries' errors may quote a URL or a server's echo of a credential.
    let mut secrets = channel.kind.secrets();
    secrets.extend(&options.proxy);
    let outcome = match outcome {
        Outcome::Failed { reason } => Outcome::Failed {
            reason: redact(&reason, &secrets),
        },
        other => other,
    };
    Delivery {
        channel: channel.name.clone(),
        channel_type: channel.kind.channel_type(),
        outcome,
        attempts,
    }
}

/// The end of one attempt.
pub(crate) enum Attempt {
    Done,
    /// Worth another attempt (connection refused, timeout, 429, 5xx, SMTP 4xx), after the
    /// server's `Retry-After` if it gave one.
    Retry {
        reason: String,
        retry_after: Option<Duration>,
    },
    /// Trying again would fail the same way (400, 404, a rejected address, a bad certificate).
    Fail(String),
}

/// Runs `attempt` until it succeeds, fails for good, or the policy's attempts are spent.
pub(crate) fn with_retries(
    policy: &RetryPolicy,
    mut attempt: impl FnMut() -> Attempt,
) -> (Outcome, u32) {
    let allowed = policy.attempts.max(1);
    let mut made = 0;
    loop {
        made += 1;
        let (reason, retry_after) = match attempt() {
            Attempt::Done => return (Outcome::Delivered, made),
            Attempt::Fail(reason) => return (Outcome::Failed { reason }, made),
            Attempt::Retry {
                reason,
                retry_after,
            } => (reason, retry_after),
        };
        if made >= allowed {
            return (Outcome::Failed { reason }, made);
        }
        let delay = match retry_after {
            Some(wanted) if wanted > policy.max_delay => {
                let reason = format!(
                    "{reason}; the server asked to wait {} s before trying again",
                    wanted.as_secs()
                );
                return (Outcome::Failed { reason }, made);
            }
            Some(wanted) => wanted,
            None => policy.delay(made),
        };
        thread::sleep(delay);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(attempts: u32) -> RetryPolicy {
        RetryPolicy {
            attempts,
            first_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(50),
        }
    }

    #[test]
    fn deliveries_serialise_for_the_history() {
        let deliveries = [
            Delivery {
                channel: "ops-slack".into(),
                channel_type: ChannelType::Slack,
                outcome: Outcome::Failed {
                    reason: "https://hooks.slack.com answered HTTP 404 Not Found".into(),
                },
                attempts: 1,
            },
            Delivery {
                channel: "ops-mail".into(),
                channel_type: ChannelType::Email,
                outcome: Outcome::Skipped {
                    reason: SkipReason::Severity,
                },
                attempts: 0,
            },
        ];
        assert_eq!(
            serde_json::to_value(deliveries).unwrap(),
            serde_json::json!([
                {
                    "channel": "ops-slack",
                    "type": "slack",
                    "outcome": {
                        "status": "failed",
                        "reason": "https://hooks.slack.com answered HTTP 404 Not Found"
                    },
                    "attempts": 1
                },
                {
                    "channel": "ops-mail",
                    "type": "email",
                    "outcome": {"status": "skipped", "reason": "severity"},
                    "attempts": 0
                }
            ])
        );
    }

    #[test]
    fn delays_double_up_to_the_maximum() {
        let policy = RetryPolicy::default();
        assert_eq!(policy.delay(1), Duration::from_secs(1));
        assert_eq!(policy.delay(2), Duration::from_secs(2));
        assert_eq!(policy.delay(5), Duration::from_secs(10));
        assert_eq!(policy.delay(100), Duration::from_secs(10));
    }

    #[test]
    fn retries_until_success_or_the_last_attempt() {
        let mut calls = 0;
        let (outcome, attempts) = with_retries(&policy(3), || {
            calls += 1;
            if calls < 2 {
                Attempt::Retry {
                    reason: "down".into(),
                    retry_after: None,
                }
            } else {
                Attempt::Done
            }
        });
        assert_eq!((outcome, attempts), (Outcome::Delivered, 2));

        let (outcome, attempts) = with_retries(&policy(3), || Attempt::Retry {
            reason: "down".into(),
            retry_after: None,
        });
        assert_eq!(
            (outcome, attempts),
            (
                Outcome::Failed {
                    reason: "down".into()
                },
                3
            )
        );
    }

    #[test]
    fn permanent_failures_and_long_retry_after_stop_at_once() {
        let (outcome, attempts) = with_retries(&policy(3), || Attempt::Fail("404".into()));
        assert_eq!(attempts, 1);
        assert!(outcome.is_failed());

        let (outcome, attempts) = with_retries(&policy(3), || Attempt::Retry {
            reason: "HTTP 429".into(),
            retry_after: Some(Duration::from_secs(3600)),
        });
        assert_eq!(attempts, 1);
        assert_eq!(
            outcome,
            Outcome::Failed {
                reason: "HTTP 429; the server asked to wait 3600 s before trying again".into()
            }
        );
    }
}
