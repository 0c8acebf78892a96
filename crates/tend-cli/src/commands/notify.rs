//! `tend notify test`, and what every notification goes through: the policy's channels made
//! into `tend-notify` channels (secrets read from their variables and files at the moment of
//! sending), the delivery, and its record in the history store.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::Result;
use jiff::Timestamp;
use tend_notify::{
    Channel, ChannelKind, Delivery, DeliveryOptions, EmailSettings, EventKind, Filter, Message,
    Outcome, Secret, Tls,
};
use tend_policy::{ChannelPolicy, ChannelPolicyKind, EmailTls, SecretSource};
use tend_store::{Notification, RunId, ScheduleRunId, SqliteStore, Store};

use crate::cli::{NotifyCommand, NotifyTestArgs};
use crate::diagnostics::{ExitStatus, UsageError};

/// The version of the JSON document `tend notify test --format json` prints.
const SCHEMA_VERSION: u32 = 1;

pub fn run(
    command: &NotifyCommand,
    config: Option<&Path>,
    store_flag: Option<&Path>,
) -> Result<ExitStatus> {
    match command {
        NotifyCommand::Test(args) => test(args, config, store_flag),
    }
}

fn test(
    args: &NotifyTestArgs,
    config: Option<&Path>,
    store_flag: Option<&Path>,
) -> Result<ExitStatus> {
    let project = args
        .project
        .clone()
        .unwrap_or_else(|| std::path::PathBuf::from("."));
    let policy = crate::settings::policy(&project, config)?;
    if policy.notify.channels.is_empty() {
        anyhow::bail!(UsageError(
            "the policy has no notification channels; add a [notify.channels.NAME] table \
             (docs/configuration.md)"
                .to_string()
        ));
    }
    let project = std::path::absolute(&project).unwrap_or(project);
    let mut message = Message::new(
        EventKind::Test,
        "test message from tend",
        project.display().to_string(),
        Timestamp::now(),
    )
    .line("If you can read this, tend can reach this channel.");
    if let Some(url) = &policy.notify.report_url {
        message = message.link(url.replace("{run}", "0"));
    }
    let channels: Vec<&ChannelPolicy> = policy.notify.channels.iter().collect();
    let path = crate::settings::store_path(store_flag)?;
    let mut store = SqliteStore::open(&path)?;
    let deliveries = deliver_and_record(&mut store, &channels, &message, None, None);
    let failed = deliveries
        .iter()
        .filter(|delivery| delivery.outcome.is_failed())
        .count();
    let text = if args.json {
        let mut text = serde_json::to_string_pretty(&serde_json::json!({
            "schema_version": SCHEMA_VERSION,
            "deliveries": deliveries,
        }))?;
        text.push('\n');
        text
    } else {
        table(&deliveries)
    };
    crate::output::write(None, &text)?;
    Ok(if failed == 0 {
        ExitStatus::Success
    } else {
        ExitStatus::Failure
    })
}

fn table(deliveries: &[Delivery]) -> String {
    let mut text = String::new();
    let width = deliveries
        .iter()
        .map(|delivery| delivery.channel.len())
        .max()
        .unwrap_or(0);
    for delivery in deliveries {
        let outcome = match &delivery.outcome {
            Outcome::Delivered => "delivered".to_string(),
            Outcome::Failed { reason } => format!("FAILED: {reason}"),
            Outcome::Skipped { .. } => "skipped".to_string(),
        };
        let _ = writeln!(
            text,
            "{:width$}  {:8}  {outcome} ({} attempt{})",
            delivery.channel,
            delivery.channel_type.as_str(),
            delivery.attempts,
            if delivery.attempts == 1 { "" } else { "s" },
        );
    }
    let delivered = deliveries
        .iter()
        .filter(|delivery| delivery.outcome.is_delivered())
        .count();
    let _ = writeln!(
        text,
        "\n{delivered} of {} channels reached",
        deliveries.len()
    );
    text
}

/// Sends `message` to `channels` and records every delivery (skipped ones too are left out of
/// the record: nothing was sent). A channel whose secret cannot be read fails alone, with the
/// reason, and is recorded like any failure.
pub fn deliver_and_record(
    store: &mut SqliteStore,
    channels: &[&ChannelPolicy],
    message: &Message,
    schedule_run: Option<ScheduleRunId>,
    run: Option<RunId>,
) -> Vec<Delivery> {
    let mut ready = Vec::new();
    let mut deliveries = Vec::new();
    for policy in channels {
        match channel(policy) {
            Ok(channel) => ready.push(channel),
            Err(reason) => deliveries.push(Delivery {
                channel: policy.name.clone(),
                channel_type: channel_type(&policy.kind),
                outcome: Outcome::Failed { reason },
                attempts: 0,
            }),
        }
    }
    let options = DeliveryOptions {
        user_agent: format!("tend/{}", env!("CARGO_PKG_VERSION")),
        ..DeliveryOptions::default()
    };
    deliveries.extend(tend_notify::deliver(&ready, message, &options));
    for delivery in &deliveries {
        let (outcome, error) = match &delivery.outcome {
            Outcome::Delivered => ("delivered", None),
            Outcome::Failed { reason } => ("failed", Some(reason.clone())),
            Outcome::Skipped { .. } => continue,
        };
        if let Some(reason) = &error {
            eprintln!(
                "warning: the notification to `{}` failed: {reason}",
                delivery.channel
            );
        }
        // A notification that cannot be recorded must not stop the job it reports on.
        if let Err(error) = store.record_notification(&Notification {
            at: Timestamp::now(),
            channel: delivery.channel.clone(),
            event: message.event.as_str().to_string(),
            title: message.title.clone(),
            outcome: outcome.to_string(),
            attempts: delivery.attempts,
            error,
            schedule_run,
            run,
        }) {
            eprintln!("warning: could not record the notification: {error}");
        }
    }
    deliveries
}

fn channel_type(kind: &ChannelPolicyKind) -> tend_notify::ChannelType {
    match kind {
        ChannelPolicyKind::Email(_) => tend_notify::ChannelType::Email,
        ChannelPolicyKind::Slack { .. } => tend_notify::ChannelType::Slack,
        ChannelPolicyKind::Discord { .. } => tend_notify::ChannelType::Discord,
        ChannelPolicyKind::Teams { .. } => tend_notify::ChannelType::Teams,
        ChannelPolicyKind::Webhook { .. } => tend_notify::ChannelType::Webhook,
    }
}

fn secret(source: &SecretSource, what: &str) -> Result<Secret, String> {
    source
        .read()
        .map(Secret::new)
        .map_err(|reason| format!("cannot read the {what} ({}): {reason}", source.describe()))
}

/// The policy's channel as `tend-notify` sends to it, with its secrets read now.
fn channel(policy: &ChannelPolicy) -> Result<Channel, String> {
    let kind = match &policy.kind {
        ChannelPolicyKind::Email(email) => {
            let mailbox = |text: &str| {
                text.parse::<tend_notify::Mailbox>()
                    .map_err(|error| error.to_string())
            };
            let tls = match email.tls {
                EmailTls::StartTls => Tls::StartTls,
                EmailTls::Implicit => Tls::Implicit,
                EmailTls::None => Tls::None,
            };
            ChannelKind::Email(EmailSettings {
                host: email.host.clone(),
                port: email.port.unwrap_or_else(|| email.tls.default_port()),
                tls,
                username: email.username.clone(),
                password: email
                    .password
                    .as_ref()
                    .map(|source| secret(source, "SMTP password"))
                    .transpose()?,
                from: mailbox(&email.from)?,
                to: email
                    .to
                    .iter()
                    .map(|address| mailbox(address))
                    .collect::<Result<_, _>>()?,
                ca_file: email.ca_file.clone(),
            })
        }
        ChannelPolicyKind::Slack { url } => ChannelKind::Slack {
            url: secret(url, "webhook URL")?,
        },
        ChannelPolicyKind::Discord { url } => ChannelKind::Discord {
            url: secret(url, "webhook URL")?,
        },
        ChannelPolicyKind::Teams { url } => ChannelKind::Teams {
            url: secret(url, "webhook URL")?,
        },
        ChannelPolicyKind::Webhook { url, secret: key } => ChannelKind::Webhook {
            url: secret(url, "webhook URL")?,
            secret: key
                .as_ref()
                .map(|source| secret(source, "signing key"))
                .transpose()?,
        },
    };
    let events = policy
        .events
        .iter()
        .filter_map(|event| event.parse::<EventKind>().ok());
    let mut filter = Filter::events(events);
    if let Some(severity) = policy.min_severity {
        filter = filter.min_severity(severity);
    }
    Ok(Channel::new(policy.name.clone(), kind).filter(filter))
}
