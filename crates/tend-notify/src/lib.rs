//! Notifications: short messages about tend's runs (new findings, overdue SLA items, a plan
//! awaiting approval, an update that succeeded, was held back, failed or was rolled back, a
//! missed schedule) delivered to the channels a policy names.
//!
//! Plain data in and out; the library reads neither the policy file nor the environment:
//!
//! - A [`Message`] says what happened ([`EventKind`]), in a title, a few lines of facts
//!   (at most [`MAX_LINES`] shown), a severity, a link to the report and the run id.
//! - A [`Channel`] is a name, a [`ChannelKind`] (email over SMTP, Slack, Discord, Microsoft
//!   Teams, a generic signed webhook) and a [`Filter`] (events, minimum severity).
//! - [`deliver`] sends one message to every channel that accepts it, all at once, each with
//!   its own retries ([`RetryPolicy`]) and time limits ([`DeliveryOptions`]), and returns one
//!   [`Delivery`] per channel: delivered, failed (with a reason to record) or skipped. One
//!   failing channel never blocks the others.
//!
//! Webhook URLs, SMTP passwords and HMAC keys are [`Secret`]s: hidden by `Debug` and
//! `Display`, and removed from every failure reason. Payloads, the generic webhook's body and
//! its signature ([`signature`]) are described in docs/notify.md.
//!
//! ```no_run
//! use tend_notify::{deliver, Channel, ChannelKind, DeliveryOptions, EventKind, Message, Secret};
//!
//! let channels = [Channel::new(
//!     "ops-slack",
//!     ChannelKind::Slack { url: Secret::new("https://hooks.slack.com/services/T/B/x") },
//! )];
//! let message = Message::new(EventKind::UpdateSucceeded, "12 packages updated", "billing", jiff::Timestamp::now())
//!     .line("flask 2.2.3 -> 2.3.3 (fixes GHSA-m2qf-hxjv-5gpq)");
//! for delivery in deliver(&channels, &message, &DeliveryOptions::default()) {
//!     if let tend_notify::Outcome::Failed { reason } = &delivery.outcome {
//!         eprintln!("{}: {reason}", delivery.channel);
//!     }
//! }
//! ```

mod channel;
mod deliver;
mod discord;
mod email;
mod http;
mod message;
mod secret;
mod slack;
mod teams;
mod webhook;

pub use channel::{
    Channel, ChannelKind, ChannelType, EmailSettings, Filter, Mailbox, MailboxError, SkipReason,
    Tls,
};
pub use deliver::{deliver, Delivery, DeliveryOptions, Outcome, RetryPolicy};
pub use email::SUBJECT_PREFIX;
pub use message::{EventKind, Message, UnknownEvent, MAX_LINES, MAX_LINE_CHARS};
pub use secret::Secret;
pub use webhook::{
    signature, EVENT_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, WEBHOOK_SCHEMA_VERSION,
};
