//! `[notify]`, `[notify.channels.NAME]`, `[[schedules]]` and `[retention]`: who is told what,
//! when tend runs itself, and how long its history is kept. Owns their validation; the
//! channels' delivery is `tend-notify`'s, the cron arithmetic `tend-schedule`'s.
//!
//! Secrets (an SMTP password, a Slack, Discord or Teams webhook URL, which carries its token,
//! a webhook signing key) are never written in the policy file itself: the policy names an
//! environment variable (`password-env`) or a file (`password-file`) that holds them, so the
//! file can be committed and reviewed. A generic webhook's URL may be written out: it is an
//! address, and its signing key is what proves the sender.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use tend_model::{Location, SeverityRating};
use toml::Spanned;

use crate::raw::SourceText;
use crate::{ConfigProblem, Located};

/// The events a channel can ask for (`events = [...]`); all of them when it names none.
pub const EVENTS: [(&str, &str); 8] = [
    (
        "findings",
        "new findings at or above the channel's `min-severity`",
    ),
    ("overdue", "plan items past their deadline"),
    ("approval", "a saved plan waits for approval"),
    ("update-succeeded", "an update run kept its updates"),
    ("update-held-back", "an update run held updates back"),
    ("update-failed", "an update run failed or rolled back"),
    ("rollback", "an environment was rolled back to a snapshot"),
    ("missed-schedule", "a schedule did not run when it was due"),
];

/// How long the history is kept when `[retention] keep` is not set.
pub const DEFAULT_KEEP: Duration = Duration::from_secs(90 * 24 * 60 * 60);

/// `[notify]`, checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NotifyPolicy {
    /// A link put in every message; `{run}` is replaced by the history run's number.
    pub report_url: Option<String>,
    /// In name order.
    pub channels: Vec<ChannelPolicy>,
}

impl NotifyPolicy {
    pub fn channel(&self, name: &str) -> Option<&ChannelPolicy> {
        self.channels.iter().find(|channel| channel.name == name)
    }
}

/// `[notify.channels.NAME]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelPolicy {
    pub name: String,
    pub kind: ChannelPolicyKind,
    /// Event names from [`EVENTS`]; empty: every event.
    pub events: Vec<String>,
    /// Findings below this are not sent to the channel.
    pub min_severity: Option<SeverityRating>,
    pub location: Option<Location>,
}

/// Where a channel's messages go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChannelPolicyKind {
    Email(EmailPolicy),
    Slack {
        url: SecretSource,
    },
    Discord {
        url: SecretSource,
    },
    Teams {
        url: SecretSource,
    },
    Webhook {
        url: SecretSource,
        /// The HMAC-SHA256 signing key; unsigned when `None`.
        secret: Option<SecretSource>,
    },
}

impl ChannelPolicyKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            ChannelPolicyKind::Email(_) => "email",
            ChannelPolicyKind::Slack { .. } => "slack",
            ChannelPolicyKind::Discord { .. } => "discord",
            ChannelPolicyKind::Teams { .. } => "teams",
            ChannelPolicyKind::Webhook { .. } => "webhook",
        }
    }
}

/// A value the policy points at rather than contains.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretSource {
    /// Written in the policy (only where the value is not a secret).
    Value(String),
    /// The value of an environment variable, read when the channel is used.
    Env(String),
    /// The content of a file (trailing newline removed), read when the channel is used.
    File(PathBuf),
}

impl SecretSource {
    /// The value, or why it cannot be read (never the value itself).
    pub fn read(&self) -> Result<String, String> {
        match self {
            SecretSource::Value(value) => Ok(value.clone()),
            SecretSource::Env(name) => match std::env::var(name) {
                Ok(value) if !value.trim().is_empty() => Ok(value.trim().to_string()),
                Ok(_) => Err(format!("the environment variable `{name}` is empty")),
                Err(_) => Err(format!("the environment variable `{name}` is not set")),
            },
            SecretSource::File(path) => match fs_err::read_to_string(path) {
                Ok(value) if !value.trim().is_empty() => Ok(value.trim_end().to_string()),
                Ok(_) => Err(format!("the file `{}` is empty", path.display())),
                Err(error) => Err(error.to_string()),
            },
        }
    }

    /// Where the value comes from, for messages: `$SLACK_URL`, `/run/secrets/smtp`.
    pub fn describe(&self) -> String {
        match self {
            SecretSource::Value(_) => "the policy file".to_string(),
            SecretSource::Env(name) => format!("${name}"),
            SecretSource::File(path) => path.display().to_string(),
        }
    }
}

/// An email channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailPolicy {
    pub host: String,
    /// `None`: the port of `tls` (587 STARTTLS, 465 implicit TLS, 25 none).
    pub port: Option<u16>,
    pub tls: EmailTls,
    pub username: Option<String>,
    pub password: Option<SecretSource>,
    pub from: String,
    pub to: Vec<String>,
    /// A CA certificate (PEM) trusted besides the system's: an internal mail relay's.
    pub ca_file: Option<PathBuf>,
}

/// How an email channel secures its connection.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum EmailTls {
    /// Plain connection upgraded with STARTTLS (required, not optional).
    #[default]
    StartTls,
    /// TLS from the first byte (SMTPS).
    Implicit,
    /// No encryption: only for a relay on the same machine or network.
    None,
}

impl EmailTls {
    pub fn default_port(self) -> u16 {
        match self {
            EmailTls::StartTls => 587,
            EmailTls::Implicit => 465,
            EmailTls::None => 25,
        }
    }
}

/// `[[schedules]]`: one job run on a cron schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchedulePolicy {
    pub name: String,
    /// The schedule, parsed: cron expression, zone, job (with `apply`), channels.
    pub schedule: tend_schedule::Schedule,
    /// The cron expression as written.
    pub cron: Located<String>,
    /// `local`, `UTC` or an IANA zone, as written; `None`: the machine's local zone, as cron
    /// and systemd read times.
    pub timezone: Option<Located<String>>,
    /// What it runs, as written (`audit`, `update --phase critical`).
    pub job: Located<String>,
    /// Channel names; empty: every channel.
    pub notify: Vec<String>,
    /// An `update` job applies to the live environment too (`tend update --apply`).
    pub apply: bool,
    pub location: Option<Location>,
}

/// `[retention]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetentionPolicy {
    /// `tend gc` removes runs, schedule runs and notifications older than this.
    pub keep: Duration,
}

impl Default for RetentionPolicy {
    fn default() -> Self {
        Self { keep: DEFAULT_KEEP }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct RawNotify {
    report_url: Option<Spanned<String>>,
    #[serde(default)]
    channels: BTreeMap<Spanned<String>, Spanned<RawChannel>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct RawChannel {
    kind: Spanned<String>,
    #[serde(default)]
    events: Vec<Spanned<String>>,
    min_severity: Option<Spanned<String>>,
    // Webhooks.
    url: Option<Spanned<String>>,
    url_env: Option<Spanned<String>>,
    url_file: Option<Spanned<String>>,
    secret_env: Option<Spanned<String>>,
    secret_file: Option<Spanned<String>>,
    // Email.
    host: Option<Spanned<String>>,
    port: Option<Spanned<i64>>,
    tls: Option<Spanned<String>>,
    username: Option<Spanned<String>>,
    password_env: Option<Spanned<String>>,
    password_file: Option<Spanned<String>>,
    from: Option<Spanned<String>>,
    #[serde(default)]
    to: Vec<Spanned<String>>,
    ca_file: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct RawSchedule {
    name: Spanned<String>,
    cron: Spanned<String>,
    timezone: Option<Spanned<String>>,
    job: Spanned<String>,
    #[serde(default)]
    notify: Vec<Spanned<String>>,
    #[serde(default)]
    apply: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct RawRetention {
    keep: Option<Spanned<String>>,
}

/// Lower-case letters, digits and `-`, starting with a letter: names that are safe in a
/// systemd unit name, a file name and a message.
pub(crate) fn is_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

struct Check<'a, 'b> {
    source: &'a SourceText<'b>,
    problems: &'a mut Vec<ConfigProblem>,
}

impl Check<'_, '_> {
    fn problem(&mut self, span: std::ops::Range<usize>, message: impl Into<String>) {
        self.problems.push(self.source.problem(span, message));
    }

    fn text(&mut self, value: &Spanned<String>, key: &str) -> Option<String> {
        let text = value.get_ref().trim();
        if text.is_empty() {
            self.problem(value.span(), format!("`{key}` must not be empty"));
            return None;
        }
        Some(text.to_string())
    }

    /// A value that must be there: its text, or `missing` reported at `span` (the table).
    fn required(
        &mut self,
        value: Option<&Spanned<String>>,
        key: &str,
        span: std::ops::Range<usize>,
        missing: String,
    ) -> Option<String> {
        if let Some(value) = value {
            self.text(value, key)
        } else {
            self.problem(span, missing);
            None
        }
    }

    fn path(&mut self, value: &Spanned<String>, key: &str, base: &Path) -> Option<PathBuf> {
        self.text(value, key).map(|text| base.join(text))
    }

    /// `NAME`, `NAME-env` or `NAME-file`: exactly one of them (or none, when optional).
    #[allow(clippy::too_many_arguments)]
    fn secret(
        &mut self,
        channel: &Spanned<String>,
        key: &str,
        inline: Option<&Spanned<String>>,
        env: Option<&Spanned<String>>,
        file: Option<&Spanned<String>>,
        inline_allowed: bool,
        base: &Path,
    ) -> Option<SecretSource> {
        let given = [inline.is_some(), env.is_some(), file.is_some()]
            .iter()
            .filter(|given| **given)
            .count();
        if given > 1 {
            self.problem(
                channel.span(),
                format!("give one of `{key}`, `{key}-env` and `{key}-file`, not several"),
            );
            return None;
        }
        if let Some(value) = inline {
            if !inline_allowed {
                self.problem(
                    value.span(),
                    format!(
                        "`{key}` would put a secret in the policy file; name the environment \
                         variable (`{key}-env`) or the file (`{key}-file`) that holds it"
                    ),
                );
                return None;
            }
            return self.text(value, key).map(SecretSource::Value);
        }
        if let Some(value) = env {
            let name = self.text(value, &format!("{key}-env"))?;
            if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                self.problem(
                    value.span(),
                    format!("`{name}` is not an environment variable name (letters, digits, `_`)"),
                );
                return None;
            }
            return Some(SecretSource::Env(name));
        }
        if let Some(value) = file {
            return self
                .path(value, &format!("{key}-file"), base)
                .map(SecretSource::File);
        }
        None
    }
}

fn url_like(text: &str) -> bool {
    text.starts_with("https://") || text.starts_with("http://")
}

pub(crate) fn validate_notify(
    raw: &RawNotify,
    source: &SourceText<'_>,
    problems: &mut Vec<ConfigProblem>,
) -> NotifyPolicy {
    let base = source.path.parent().unwrap_or(Path::new(""));
    let mut check = Check { source, problems };
    let report_url = raw.report_url.as_ref().and_then(|url| {
        let text = check.text(url, "notify.report-url")?;
        if url_like(&text) {
            Some(text)
        } else {
            check.problem(
                url.span(),
                format!("`{text}` is not an http:// or https:// URL"),
            );
            None
        }
    });
    let mut channels = Vec::new();
    for (name, channel) in &raw.channels {
        if !is_name(name.get_ref()) {
            check.problem(
                name.span(),
                format!(
                    "`{}` is not a channel name (expected lower-case letters, digits and `-`, \
                     e.g. `ops-mail`)",
                    name.get_ref()
                ),
            );
            continue;
        }
        if let Some(checked) = validate_channel(name, channel, base, &mut check) {
            channels.push(checked);
        }
    }
    NotifyPolicy {
        report_url,
        channels,
    }
}

fn validate_channel(
    name: &Spanned<String>,
    channel: &Spanned<RawChannel>,
    base: &Path,
    check: &mut Check<'_, '_>,
) -> Option<ChannelPolicy> {
    let raw = channel.get_ref();
    let key = |field: &str| format!("notify.channels.{}.{field}", name.get_ref());
    let mut events = Vec::new();
    for event in &raw.events {
        let text = event.get_ref().trim();
        if EVENTS.iter().any(|(known, _)| *known == text) {
            events.push(text.to_string());
        } else {
            let known: Vec<&str> = EVENTS.iter().map(|(known, _)| *known).collect();
            check.problem(
                event.span(),
                format!(
                    "`{text}` is not an event; expected one of {}",
                    known.join(", ")
                ),
            );
        }
    }
    let min_severity = raw.min_severity.as_ref().and_then(|value| {
        let text = value.get_ref().trim();
        let found = SeverityRating::ALL
            .iter()
            .copied()
            .find(|rating| rating.as_str() == text && *rating != SeverityRating::Unknown);
        if found.is_none() {
            check.problem(
                value.span(),
                format!("`{text}` is not a severity; expected low, medium, high or critical"),
            );
        }
        found
    });
    let webhook_only = [
        ("url", raw.url.as_ref()),
        ("url-env", raw.url_env.as_ref()),
        ("url-file", raw.url_file.as_ref()),
        ("secret-env", raw.secret_env.as_ref()),
        ("secret-file", raw.secret_file.as_ref()),
    ];
    let email_only = [
        ("host", raw.host.as_ref()),
        ("tls", raw.tls.as_ref()),
        ("username", raw.username.as_ref()),
        ("password-env", raw.password_env.as_ref()),
        ("password-file", raw.password_file.as_ref()),
        ("from", raw.from.as_ref()),
        ("ca-file", raw.ca_file.as_ref()),
    ];
    let kind_text = raw.kind.get_ref().trim();
    let misplaced = |fields: &[(&str, Option<&Spanned<String>>)], check: &mut Check<'_, '_>| {
        for (field, value) in fields {
            if let Some(value) = value {
                check.problem(
                    value.span(),
                    format!("`{field}` does not apply to a `{kind_text}` channel"),
                );
            }
        }
    };
    let webhook_url = |inline_allowed: bool, check: &mut Check<'_, '_>| -> Option<SecretSource> {
        let url = check.secret(
            name,
            "url",
            raw.url.as_ref(),
            raw.url_env.as_ref(),
            raw.url_file.as_ref(),
            inline_allowed,
            base,
        );
        match &url {
            None if raw.url.is_none() && raw.url_env.is_none() && raw.url_file.is_none() => {
                check.problem(
                    channel.span(),
                    format!(
                        "the `{kind_text}` channel `{}` needs `url-env` or `url-file`{}",
                        name.get_ref(),
                        if inline_allowed { " (or `url`)" } else { "" }
                    ),
                );
            }
            Some(SecretSource::Value(text)) if !url_like(text) => {
                if let Some(value) = &raw.url {
                    check.problem(
                        value.span(),
                        format!("`{text}` is not an http:// or https:// URL"),
                    );
                }
                return None;
            }
            _ => {}
        }
        url
    };
    let kind = match kind_text {
        "email" => {
            misplaced(&webhook_only, check);
            let host = check.required(
                raw.host.as_ref(),
                &key("host"),
                channel.span(),
                format!("the email channel `{}` needs `host`", name.get_ref()),
            );
            let tls = match raw.tls.as_ref().map(|tls| (tls, tls.get_ref().trim())) {
                None | Some((_, "starttls")) => EmailTls::StartTls,
                Some((_, "tls")) => EmailTls::Implicit,
                Some((_, "none")) => EmailTls::None,
                Some((value, text)) => {
                    check.problem(
                        value.span(),
                        format!("`{text}` is not a TLS mode; expected starttls, tls or none"),
                    );
                    EmailTls::StartTls
                }
            };
            let port = raw.port.as_ref().and_then(|port| {
                let value = *port.get_ref();
                match u16::try_from(value) {
                    Ok(port) if port > 0 => Some(port),
                    _ => {
                        check.problem(port.span(), format!("`{value}` is not a port (1 to 65535)"));
                        None
                    }
                }
            });
            let from = check.required(
                raw.from.as_ref(),
                &key("from"),
                channel.span(),
                format!(
                    "the email channel `{}` needs `from` (the sender's address)",
                    name.get_ref()
                ),
            );
            if raw.to.is_empty() {
                check.problem(
                    channel.span(),
                    format!(
                        "the email channel `{}` needs `to` (a list of addresses)",
                        name.get_ref()
                    ),
                );
            }
            let to: Vec<String> = raw
                .to
                .iter()
                .filter_map(|address| check.text(address, &key("to")))
                .collect();
            for address in raw.to.iter().chain(&raw.from) {
                if !address.get_ref().contains('@') {
                    check.problem(
                        address.span(),
                        format!("`{}` is not an email address", address.get_ref().trim()),
                    );
                }
            }
            let password = check.secret(
                name,
                "password",
                None,
                raw.password_env.as_ref(),
                raw.password_file.as_ref(),
                false,
                base,
            );
            if password.is_some() && raw.username.is_none() {
                check.problem(
                    channel.span(),
                    format!(
                        "the email channel `{}` has a password but no `username`",
                        name.get_ref()
                    ),
                );
            }
            let username = raw
                .username
                .as_ref()
                .and_then(|user| check.text(user, &key("username")));
            let ca_file = raw
                .ca_file
                .as_ref()
                .and_then(|file| check.path(file, &key("ca-file"), base));
            ChannelPolicyKind::Email(EmailPolicy {
                host: host?,
                port,
                tls,
                username,
                password,
                from: from?,
                to,
                ca_file,
            })
        }
        "slack" | "discord" | "teams" => {
            misplaced(&email_only, check);
            misplaced(
                &[
                    ("secret-env", raw.secret_env.as_ref()),
                    ("secret-file", raw.secret_file.as_ref()),
                ],
                check,
            );
            if let Some(port) = &raw.port {
                check.problem(
                    port.span(),
                    format!("`port` does not apply to a `{kind_text}` channel"),
                );
            }
            let url = webhook_url(false, check)?;
            match kind_text {
                "slack" => ChannelPolicyKind::Slack { url },
                "discord" => ChannelPolicyKind::Discord { url },
                _ => ChannelPolicyKind::Teams { url },
            }
        }
        "webhook" => {
            misplaced(&email_only, check);
            let url = webhook_url(true, check)?;
            let secret = check.secret(
                name,
                "secret",
                None,
                raw.secret_env.as_ref(),
                raw.secret_file.as_ref(),
                false,
                base,
            );
            ChannelPolicyKind::Webhook { url, secret }
        }
        other => {
            check.problem(
                raw.kind.span(),
                format!(
                    "`{other}` is not a kind of channel; expected email, slack, discord, teams \
                     or webhook"
                ),
            );
            return None;
        }
    };
    Some(ChannelPolicy {
        name: name.get_ref().clone(),
        kind,
        events,
        min_severity,
        location: Some(check.source.location(channel.span())),
    })
}

pub(crate) fn validate_schedules(
    raw: Option<&Vec<Spanned<RawSchedule>>>,
    notify: &NotifyPolicy,
    source: &SourceText<'_>,
    problems: &mut Vec<ConfigProblem>,
) -> Option<Vec<SchedulePolicy>> {
    let raw = raw?;
    let mut check = Check { source, problems };
    let mut schedules: Vec<SchedulePolicy> = Vec::new();
    let mut seen: Vec<&str> = Vec::new();
    for entry in raw {
        let schedule = entry.get_ref();
        let name = schedule.name.get_ref().trim();
        // tend-schedule's rule: the name ends up in unit file names and workflow job ids.
        let schedule_name = match tend_schedule::ScheduleName::new(name) {
            Ok(valid) => valid,
            Err(error) => {
                check.problem(schedule.name.span(), error.to_string());
                continue;
            }
        };
        if seen.contains(&name) {
            check.problem(
                schedule.name.span(),
                format!("a schedule named `{name}` is already defined above"),
            );
            continue;
        }
        seen.push(name);
        let mut notify_names = Vec::new();
        for channel in &schedule.notify {
            let text = channel.get_ref().trim();
            if notify.channel(text).is_some() {
                notify_names.push(text.to_string());
            } else {
                let known: Vec<&str> = notify
                    .channels
                    .iter()
                    .map(|channel| channel.name.as_str())
                    .collect();
                check.problem(
                    channel.span(),
                    if known.is_empty() {
                        format!("`{text}` is not a channel; define it in [notify.channels.{text}]")
                    } else {
                        format!(
                            "`{text}` is not a channel; expected one of {}",
                            known.join(", ")
                        )
                    },
                );
            }
        }
        let (Some(cron), Some(job)) = (
            check.text(&schedule.cron, "cron"),
            check.text(&schedule.job, "job"),
        ) else {
            continue;
        };
        let timezone = schedule.timezone.as_ref().and_then(|zone| {
            check.text(zone, "timezone").map(|text| Located {
                value: text,
                location: Some(check.source.location(zone.span())),
            })
        });
        let parsed_cron = match tend_schedule::Cron::parse(&cron) {
            Ok(parsed) => Some(parsed),
            Err(error) => {
                // The span inside the expression, moved past the opening quote.
                let start = schedule.cron.span().start + 1 + error.span.start;
                check.problem(start..start + 1, error.to_string());
                None
            }
        };
        let zone = match &timezone {
            None => Some(tend_schedule::Zone::local(system_zone())),
            Some(zone) => match tend_schedule::Zone::parse(&zone.value, &system_zone()) {
                Ok(parsed) => Some(parsed),
                Err(error) => {
                    if let Some(value) = &schedule.timezone {
                        check.problem(value.span(), error.to_string());
                    }
                    None
                }
            },
        };
        let parsed_job = match tend_schedule::Job::parse(&job) {
            Ok(tend_schedule::Job::Update { phase, .. }) => Some(tend_schedule::Job::Update {
                phase,
                apply: schedule.apply,
            }),
            Ok(_) if schedule.apply => {
                check.problem(
                    schedule.job.span(),
                    format!(
                        "`apply = true` is for `update` jobs; `{job}` changes nothing to apply"
                    ),
                );
                None
            }
            Ok(parsed) => Some(parsed),
            Err(error) => {
                check.problem(schedule.job.span(), error.to_string());
                None
            }
        };
        let (Some(parsed_cron), Some(zone), Some(parsed_job)) = (parsed_cron, zone, parsed_job)
        else {
            continue;
        };
        schedules.push(SchedulePolicy {
            name: name.to_string(),
            schedule: tend_schedule::Schedule {
                name: schedule_name,
                cron: parsed_cron,
                timezone: zone,
                job: parsed_job,
                notify: notify_names.clone(),
            },
            cron: Located {
                value: cron,
                location: Some(check.source.location(schedule.cron.span())),
            },
            timezone,
            job: Located {
                value: job,
                location: Some(check.source.location(schedule.job.span())),
            },
            notify: notify_names,
            apply: schedule.apply,
            location: Some(check.source.location(entry.span())),
        });
    }
    Some(schedules)
}

/// The machine's zone, for schedules without `timezone` and for `timezone = "local"`.
pub fn system_zone() -> jiff::tz::TimeZone {
    jiff::tz::TimeZone::try_system().unwrap_or(jiff::tz::TimeZone::UTC)
}

pub(crate) fn validate_retention(
    raw: &RawRetention,
    source: &SourceText<'_>,
    problems: &mut Vec<ConfigProblem>,
) -> RetentionPolicy {
    let keep = crate::categories::duration(raw.keep.as_ref(), source, problems);
    match (keep, &raw.keep) {
        (Some(keep), Some(value)) if keep.is_zero() => {
            problems.push(source.problem(
                value.span(),
                "`retention.keep` must be longer than 0 (it would remove every run)",
            ));
            RetentionPolicy::default()
        }
        (Some(keep), _) => RetentionPolicy { keep },
        (None, _) => RetentionPolicy::default(),
    }
}
