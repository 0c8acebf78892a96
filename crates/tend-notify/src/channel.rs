//! Where notifications go: [`Channel`]s, their settings and their [`Filter`]s.

use std::collections::BTreeSet;
use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use serde::Serialize;
use tend_model::SeverityRating;

use crate::message::{EventKind, Message};
use crate::secret::Secret;

/// One destination, named in the policy file (`[notify.channels.<name>]`).
#[derive(Debug, Clone)]
pub struct Channel {
    pub name: String,
    pub kind: ChannelKind,
    pub filter: Filter,
}

impl Channel {
    /// A channel that accepts every event.
    pub fn new(name: impl Into<String>, kind: ChannelKind) -> Self {
        Self {
            name: name.into(),
            kind,
            filter: Filter::default(),
        }
    }

    #[must_use]
    pub fn filter(mut self, filter: Filter) -> Self {
        self.filter = filter;
        self
    }
}

/// How a channel is reached. Webhook URLs are [`Secret`]s: Slack, Discord and Teams URLs carry
/// the token that lets anyone post.
#[derive(Debug, Clone)]
pub enum ChannelKind {
    Email(EmailSettings),
    /// A Slack incoming webhook (`https://hooks.slack.com/services/…`).
    Slack {
        url: Secret,
    },
    /// A Discord webhook (`https://discord.com/api/webhooks/…`).
    Discord {
        url: Secret,
    },
    /// A Microsoft Teams Workflows webhook ("Post to a channel when a webhook request is
    /// received"), which takes an Adaptive Card.
    Teams {
        url: Secret,
    },
    /// Any HTTP endpoint taking tend's JSON body (docs/notify.md); with a `secret`, every
    /// request is signed with HMAC-SHA256.
    Webhook {
        url: Secret,
        secret: Option<Secret>,
    },
}

impl ChannelKind {
    pub fn channel_type(&self) -> ChannelType {
        match self {
            Self::Email(_) => ChannelType::Email,
            Self::Slack { .. } => ChannelType::Slack,
            Self::Discord { .. } => ChannelType::Discord,
            Self::Teams { .. } => ChannelType::Teams,
            Self::Webhook { .. } => ChannelType::Webhook,
        }
    }

    /// Every secret of the channel, for redaction.
    pub(crate) fn secrets(&self) -> Vec<&Secret> {
        match self {
            Self::Email(settings) => settings.password.iter().collect(),
            Self::Slack { url } | Self::Discord { url } | Self::Teams { url } => vec![url],
            Self::Webhook { url, secret } => std::iter::once(url).chain(secret).collect(),
        }
    }
}

/// The kind of a channel, without its settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChannelType {
    Email,
    Slack,
    Discord,
    Teams,
    Webhook,
}

impl ChannelType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::Slack => "slack",
            Self::Discord => "discord",
            Self::Teams => "teams",
            Self::Webhook => "webhook",
        }
    }
}

impl fmt::Display for ChannelType {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// How the SMTP connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Tls {
    /// Plain connection upgraded with STARTTLS, which is required (usually port 587).
    StartTls,
    /// TLS from the first byte, "SMTPS" (usually port 465).
    Implicit,
    /// No encryption: only for a relay on the same machine.
    None,
}

/// An SMTP server and the envelope of the mails sent through it.
#[derive(Debug, Clone)]
pub struct EmailSettings {
    pub host: String,
    pub port: u16,
    pub tls: Tls,
    /// AUTH (PLAIN or LOGIN, whichever the server offers) when set.
    pub username: Option<String>,
    pub password: Option<Secret>,
    pub from: Mailbox,
    /// Every recipient gets the same mail (one SMTP transaction, one `To:` header).
    pub to: Vec<Mailbox>,
    /// A PEM file of CA certificates trusted in addition to the system's, for a server whose
    /// certificate an internal CA issued.
    pub ca_file: Option<PathBuf>,
}

/// An email address with an optional display name: `ops@example.com` or
/// `Ops <ops@example.com>`. Checked when parsed, so a bad address is a policy error, not a
/// failed delivery.
#[derive(Clone, PartialEq, Eq)]
pub struct Mailbox(pub(crate) lettre::message::Mailbox);

impl FromStr for Mailbox {
    type Err = MailboxError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        text.parse::<lettre::message::Mailbox>()
            .map(Self)
            .map_err(|error| MailboxError {
                text: text.to_string(),
                reason: error.to_string(),
            })
    }
}

impl fmt::Display for Mailbox {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, formatter)
    }
}

impl fmt::Debug for Mailbox {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "Mailbox({:?})", self.0.to_string())
    }
}

/// Text that is not an email address.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{text}` is not an email address: {reason}")]
pub struct MailboxError {
    pub text: String,
    pub reason: String,
}

/// Which messages a channel wants; the default takes every event and every severity.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Filter {
    /// The events sent to the channel; empty means every event.
    pub events: BTreeSet<EventKind>,
    /// Messages with a severity below this one are not sent. Messages without a severity (an
    /// update that succeeded, a missed schedule) are not affected.
    pub min_severity: Option<SeverityRating>,
}

impl Filter {
    /// Only these events.
    pub fn events(events: impl IntoIterator<Item = EventKind>) -> Self {
        Self {
            events: events.into_iter().collect(),
            min_severity: None,
        }
    }

    #[must_use]
    pub fn min_severity(mut self, severity: SeverityRating) -> Self {
        self.min_severity = Some(severity);
        self
    }

    /// `Ok` when the channel takes the message, else why not. A [`EventKind::Test`] message
    /// passes every filter: `tend notify test` checks that each channel works.
    pub fn check(&self, message: &Message) -> Result<(), SkipReason> {
        if message.event == EventKind::Test {
            return Ok(());
        }
        if !self.events.is_empty() && !self.events.contains(&message.event) {
            return Err(SkipReason::Event);
        }
        if let (Some(minimum), Some(severity)) = (self.min_severity, message.severity) {
            if severity < minimum {
                return Err(SkipReason::Severity);
            }
        }
        Ok(())
    }
}

/// Why a channel's filter turned a message down.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SkipReason {
    /// The channel does not take this event.
    Event,
    /// The message's severity is below the channel's minimum.
    Severity,
}

impl fmt::Display for SkipReason {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(match self {
            Self::Event => "event not selected by the channel's filter",
            Self::Severity => "severity below the channel's minimum",
        })
    }
}

#[cfg(test)]
mod tests {
    use jiff::Timestamp;

    use super::*;

    fn message(event: EventKind, severity: Option<SeverityRating>) -> Message {
        let mut message = Message::new(event, "title", "project", Timestamp::UNIX_EPOCH);
        message.severity = severity;
        message
    }

    #[test]
    fn filter_by_event_and_severity() {
        let filter = Filter::events([EventKind::Findings, EventKind::UpdateFailed])
            .min_severity(SeverityRating::High);
        let high = Some(SeverityRating::High);
        let medium = Some(SeverityRating::Medium);
        assert_eq!(filter.check(&message(EventKind::Findings, high)), Ok(()));
        assert_eq!(
            filter.check(&message(EventKind::Findings, medium)),
            Err(SkipReason::Severity)
        );
        assert_eq!(
            filter.check(&message(EventKind::UpdateFailed, None)),
            Ok(())
        );
        assert_eq!(
            filter.check(&message(EventKind::Rollback, None)),
            Err(SkipReason::Event)
        );
        assert_eq!(filter.check(&message(EventKind::Test, medium)), Ok(()));
        assert_eq!(
            Filter::default().check(&message(EventKind::Overdue, medium)),
            Ok(())
        );
    }

    #[test]
    fn mailboxes_parse_with_and_without_a_name() {
        let plain: Mailbox = "ops@example.com".parse().unwrap();
        assert_eq!(plain.to_string(), "ops@example.com");
        let named: Mailbox = "Ops Team <ops@example.com>".parse().unwrap();
        assert!(named.to_string().contains("<ops@example.com>"));
        let error = "not an address".parse::<Mailbox>().unwrap_err();
        assert!(error
            .to_string()
            .starts_with("`not an address` is not an email address"));
    }

    #[test]
    fn secrets_of_a_webhook() {
        let kind = ChannelKind::Webhook {
            url: Secret::new("https://example.invalid/hook"),
            secret: Some(Secret::new("key")),
        };
        assert_eq!(kind.secrets().len(), 2);
        assert_eq!(kind.channel_type(), ChannelType::Webhook);
    }
}
