//! `[notify]`, `[[schedules]]` and `[retention]`: every key read, secrets only by reference,
//! defaults, and every problem reported with its line.

#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;
use std::time::Duration;

use common::{load, rendered_problems};
use tend_model::SeverityRating;
use tend_policy::{ChannelPolicyKind, EmailTls, SecretSource, DEFAULT_KEEP};

const EVERYTHING: &str = r#"
[notify]
report-url = "https://reports.bank.example/tend/{run}"

[notify.channels.ops-mail]
kind = "email"
host = "smtp.bank.example"
port = 2587
tls = "starttls"
username = "tend"
password-env = "TEND_SMTP_PASSWORD"
from = "tend@bank.example"
to = ["ops@bank.example", "security@bank.example"]
ca-file = "certs/internal-ca.pem"
events = ["findings", "update-failed"]
min-severity = "high"

[notify.channels.sec-slack]
kind = "slack"
url-env = "SLACK_WEBHOOK_URL"
min-severity = "critical"

[notify.channels.team-discord]
kind = "discord"
url-file = "/run/secrets/discord"

[notify.channels.teams]
kind = "teams"
url-env = "TEAMS_WORKFLOW_URL"

[notify.channels.siem]
kind = "webhook"
url = "https://siem.bank.example/hooks/tend"
secret-env = "TEND_WEBHOOK_SECRET"

[[schedules]]
name = "daily-audit"
cron = "0 6 * * *"
timezone = "Europe/Zurich"
job = "audit"
notify = ["sec-slack", "ops-mail"]

[[schedules]]
name = "monthly-update"
cron = "0 3 * * SUN#1"
job = "update --phase critical"
apply = true

[retention]
keep = "180d"
"#;

#[test]
fn reads_every_key_of_notify_schedules_and_retention() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tend.toml");
    fs_err::write(&path, EVERYTHING).unwrap();
    let policy = tend_policy::load_file(&path).unwrap();

    let notify = &policy.notify;
    assert_eq!(
        notify.report_url.as_deref(),
        Some("https://reports.bank.example/tend/{run}")
    );
    let names: Vec<&str> = notify.channels.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        ["ops-mail", "sec-slack", "siem", "team-discord", "teams"]
    );
    let mail = notify.channel("ops-mail").unwrap();
    assert_eq!(mail.events, ["findings", "update-failed"]);
    assert_eq!(mail.min_severity, Some(SeverityRating::High));
    assert_eq!(mail.location.as_ref().unwrap().line, 5);
    let ChannelPolicyKind::Email(email) = &mail.kind else {
        panic!("{:?}", mail.kind)
    };
    assert_eq!(email.host, "smtp.bank.example");
    assert_eq!(email.port, Some(2587));
    assert_eq!(email.tls, EmailTls::StartTls);
    assert_eq!(email.username.as_deref(), Some("tend"));
    assert_eq!(
        email.password,
        Some(SecretSource::Env("TEND_SMTP_PASSWORD".to_string()))
    );
    assert_eq!(email.from, "tend@bank.example");
    assert_eq!(email.to, ["ops@bank.example", "security@bank.example"]);
    // Relative to the policy file's directory.
    assert_eq!(
        email.ca_file.as_deref(),
        Some(dir.path().join("certs/internal-ca.pem").as_path())
    );

    let slack = notify.channel("sec-slack").unwrap();
    assert!(slack.events.is_empty());
    assert_eq!(
        slack.kind,
        ChannelPolicyKind::Slack {
            url: SecretSource::Env("SLACK_WEBHOOK_URL".to_string())
        }
    );
    assert_eq!(
        notify.channel("team-discord").unwrap().kind,
        ChannelPolicyKind::Discord {
            url: SecretSource::File(Path::new("/run/secrets/discord").to_path_buf())
        }
    );
    assert_eq!(notify.channel("teams").unwrap().kind.as_str(), "teams");
    assert_eq!(
        notify.channel("siem").unwrap().kind,
        ChannelPolicyKind::Webhook {
            url: SecretSource::Value("https://siem.bank.example/hooks/tend".to_string()),
            secret: Some(SecretSource::Env("TEND_WEBHOOK_SECRET".to_string())),
        }
    );

    let schedules = policy.schedules.as_ref().unwrap();
    assert_eq!(schedules.len(), 2);
    let audit = &schedules[0];
    assert_eq!(audit.name, "daily-audit");
    assert_eq!(audit.cron.value, "0 6 * * *");
    assert_eq!(audit.cron.location.as_ref().unwrap().line, 38);
    assert_eq!(audit.timezone.as_ref().unwrap().value, "Europe/Zurich");
    assert_eq!(audit.job.value, "audit");
    assert_eq!(audit.notify, ["sec-slack", "ops-mail"]);
    assert!(!audit.apply);
    let update = &schedules[1];
    assert_eq!(update.job.value, "update --phase critical");
    assert!(update.timezone.is_none());
    assert!(update.notify.is_empty());
    assert!(update.apply);
    assert_eq!(
        update.schedule.job,
        tend_schedule::Job::Update {
            phase: Some("critical".to_string()),
            apply: true
        }
    );
    assert_eq!(audit.schedule.timezone.iana_name(), Some("Europe/Zurich"));
    assert_eq!(audit.schedule.notify, ["sec-slack", "ops-mail"]);
    // Without `timezone`, the machine's zone, as cron and systemd read times.
    assert!(matches!(
        update.schedule.timezone,
        tend_schedule::Zone::Local(_)
    ));
    let names: Vec<String> = policy
        .schedules()
        .iter()
        .map(|schedule| schedule.name.as_str().to_string())
        .collect();
    assert_eq!(names, ["daily-audit", "monthly-update"]);

    assert_eq!(
        policy.retention.keep,
        Duration::from_secs(180 * 24 * 60 * 60)
    );
}

#[test]
fn without_the_tables_the_defaults_apply() {
    let policy = load("").unwrap();
    assert!(policy.notify.channels.is_empty());
    assert_eq!(policy.notify.report_url, None);
    // No `schedules` key: the default schedules, which tend-schedule provides.
    assert_eq!(policy.schedules, None);
    let defaults: Vec<String> = policy
        .schedules()
        .iter()
        .map(|schedule| format!("{} {}", schedule.name.as_str(), schedule.cron))
        .collect();
    assert_eq!(
        defaults,
        [
            "database-sync 30 5 * * *",
            "daily-audit 0 6 * * *",
            "weekly-security-check 0 2 * * MON",
            "monthly-update 0 3 * * SUN#1",
            "weekly-cleanup 0 23 * * SAT"
        ]
    );
    assert!(load("schedules = []\n").unwrap().schedules().is_empty());
    assert_eq!(policy.retention.keep, DEFAULT_KEEP);
    // An empty list turns every schedule off.
    assert_eq!(
        load("schedules = []\n").unwrap().schedules,
        Some(Vec::new())
    );
}

#[test]
fn a_secret_is_read_from_its_variable_or_file_and_never_shown() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("secret");
    fs_err::write(&file, "s3cret-from-file\n").unwrap();
    assert_eq!(
        SecretSource::File(file.clone()).read().unwrap(),
        "s3cret-from-file"
    );
    let missing = SecretSource::Env("TEND_TEST_NO_SUCH_VARIABLE_8".to_string())
        .read()
        .unwrap_err();
    assert_eq!(
        missing,
        "the environment variable `TEND_TEST_NO_SUCH_VARIABLE_8` is not set"
    );
    fs_err::write(&file, "\n").unwrap();
    let empty = SecretSource::File(file.clone()).read().unwrap_err();
    assert!(empty.contains("is empty"), "{empty}");
    assert_eq!(
        SecretSource::File(file.clone()).describe(),
        file.display().to_string()
    );
}

#[test]
fn every_notify_problem_is_reported_with_its_line() {
    insta::assert_snapshot!(rendered_problems(
        r#"[notify]
report-url = "reports.example/{run}"

[notify.channels.Ops_Mail]
kind = "email"

[notify.channels.mail]
kind = "email"
tls = "ssl"
port = 70000
password-env = "SMTP PASSWORD"
from = "tend"
to = []

[notify.channels.slack]
kind = "slack"
url = "https://hooks.slack.example/services/T000/B000/XXXX"
host = "smtp.example"

[notify.channels.discord]
kind = "discord"

[notify.channels.hook]
kind = "webhook"
url = "siem.example/hook"
url-env = "HOOK_URL"
events = ["findings", "everything"]
min-severity = "severe"

[notify.channels.pager]
kind = "pager"

[[schedules]]
name = "Daily Audit"
cron = "0 6 * * *"
job = "audit"

[[schedules]]
name = "daily"
cron = ""
job = "audit"
notify = ["slak"]

[[schedules]]
name = "daily"
cron = "0 6 * * *"
job = "audit"

[[schedules]]
name = "nightly"
cron = "0 25 * * *"
timezone = "Mars/Olympus"
job = "audit"
apply = true

[[schedules]]
name = "weekly"
cron = "@weekly"
job = "deploy"

[[schedules]]
name = "weekly--scan"
cron = "@weekly"
job = "scan"

[retention]
keep = "0d"
"#
    ));
}
