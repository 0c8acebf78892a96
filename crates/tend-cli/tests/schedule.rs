//! Notifications, schedules and the daemon end to end: `tend notify test` against a real SMTP
//! server and HTTP receivers on 127.0.0.1 (one channel down), scheduled audits that tell about
//! new findings once, the daemon catching up a missed run once, running on time in real time,
//! refusing a second daemon and stopping on SIGTERM, `tend status`, `tend gc` and
//! `tend schedule export`.

#![allow(clippy::unwrap_used)]

mod common;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{run_json, tend};
use tend_store::{SqliteStore, Store};
use tend_test::http::{Response, Routes, Sequence, TestServer};
use tend_test::smtp::{SmtpConfig, SmtpServer};
use tend_test::TestContext;

const HOOK_SECRET: &str = "hook-secret-that-must-not-leak";

fn example() -> PathBuf {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    fs_err::canonicalize(path).unwrap()
}

/// A receiver answering 200 to every webhook path the tests use.
fn receiver() -> TestServer {
    let ok = || Sequence::new([Response::ok("ok")]);
    TestServer::start(Routes::new().route("/hook", ok()).route("/slack", ok()))
}

/// The policy: the example's advisories and index, a signed webhook, a Slack channel, an
/// email channel, a Discord channel that is down, and the schedules the tests run.
fn policy(
    context: &TestContext,
    server: &TestServer,
    smtp: Option<&SmtpServer>,
    extra: &str,
) -> PathBuf {
    let examples = example();
    let mut text = format!(
        r#"[advisories]
sources = ["{advisories}"]

[index]
url = "{index}"

[notify.channels.hook]
kind = "webhook"
url = "{hook}"
secret-env = "TEND_TEST_HOOK_SECRET"

[notify.channels.chat]
kind = "slack"
url-env = "TEND_TEST_SLACK_URL"
events = ["findings", "missed-schedule"]
"#,
        advisories = examples.join("advisories").display(),
        index = examples.join("index").display(),
        hook = server.url_for("/hook"),
    );
    if let Some(smtp) = smtp {
        let _ = write!(
            text,
            r#"
[notify.channels.mail]
kind = "email"
host = "127.0.0.1"
port = {port}
tls = "none"
from = "tend@example.test"
to = ["ops@example.test", "security@example.test"]

[notify.channels.down]
kind = "discord"
url-env = "TEND_TEST_DOWN_URL"
"#,
            port = smtp.port()
        );
    }
    text.push_str(extra);
    let path = context.root().join("policy.toml");
    fs_err::write(&path, text).unwrap();
    path
}

const HOURLY_AUDIT: &str = r#"
[[schedules]]
name = "hourly-audit"
cron = "0 * * * *"
timezone = "UTC"
job = "audit"
"#;

/// `tend <args> --config P --store S` with the channels' secrets in the environment.
fn command(
    context: &TestContext,
    config: &Path,
    server: &TestServer,
    now: Option<&str>,
    args: &[&str],
) -> Command {
    let mut command = tend(context, args);
    command
        .arg("--config")
        .arg(config)
        .arg("--store")
        .arg(context.root().join("history.sqlite3"))
        .env("TEND_TEST_HOOK_SECRET", HOOK_SECRET)
        .env("TEND_TEST_SLACK_URL", server.url_for("/slack"))
        // Nothing listens on port 1: connection refused at once.
        .env(
            "TEND_TEST_DOWN_URL",
            "http://127.0.0.1:1/webhooks/123/token",
        );
    match now {
        Some(now) => command.env("TEND_NOW", now),
        None => command.env_remove("TEND_NOW"),
    };
    command
}

fn posts(server: &TestServer, path: &str) -> Vec<serde_json::Value> {
    server
        .requests_to(path)
        .iter()
        .filter(|request| request.method == "POST")
        .map(|request| serde_json::from_slice(&request.body).unwrap())
        .collect()
}

fn store(context: &TestContext) -> SqliteStore {
    SqliteStore::open(&context.root().join("history.sqlite3")).unwrap()
}

#[test]
fn notify_test_reaches_every_channel_and_reports_the_one_that_is_down() {
    let context = TestContext::new();
    let server = receiver();
    let smtp = SmtpServer::start(SmtpConfig::plain());
    let config = policy(&context, &server, Some(&smtp), "");
    let project = example().join("flask-service");
    let output = command(
        &context,
        &config,
        &server,
        None,
        &["notify", "test", "--project", project.to_str().unwrap()],
    )
    .output()
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    // One channel failed: exit 1, and the others still delivered.
    assert_eq!(output.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(stdout.contains("3 of 4 channels reached"), "{stdout}");
    let down = stdout
        .lines()
        .find(|line| line.starts_with("down"))
        .unwrap();
    assert!(down.contains("FAILED"), "{down}");
    for secret in [HOOK_SECRET, "token"] {
        assert!(
            !stdout.contains(secret) && !stderr.contains(secret),
            "{stdout}\n{stderr}"
        );
    }

    // The signed webhook: the body and a signature a receiver can check.
    let hook = server.requests_to("/hook");
    assert_eq!(hook.len(), 1);
    let body: serde_json::Value = serde_json::from_slice(&hook[0].body).unwrap();
    assert_eq!(body["event"], "test");
    assert_eq!(body["project"], project.to_str().unwrap());
    let timestamp: i64 = hook[0]
        .header(tend_notify::TIMESTAMP_HEADER)
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(
        hook[0].header(tend_notify::SIGNATURE_HEADER).unwrap(),
        tend_notify::signature(
            &tend_notify::Secret::new(HOOK_SECRET),
            timestamp,
            &hook[0].body
        )
    );
    // Slack got its own payload; the test event passes the channel's event filter.
    assert_eq!(posts(&server, "/slack").len(), 1);
    // The mail reached both recipients.
    let mails = smtp.mails();
    assert_eq!(mails.len(), 1);
    assert_eq!(
        mails[0].recipients,
        ["ops@example.test", "security@example.test"]
    );
    assert!(mails[0]
        .header("subject")
        .unwrap()
        .contains("test message from tend"));

    // Every delivery is recorded, the failure with its reason.
    let recorded = store(&context).notifications(None, None).unwrap();
    assert_eq!(recorded.len(), 4);
    let failed: Vec<_> = recorded.iter().filter(|n| n.outcome == "failed").collect();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].channel, "down");
    assert!(failed[0].attempts >= 1);
    assert!(!failed[0].error.as_deref().unwrap().contains("token"));

    // `tend status` counts the week's deliveries and shows the failure.
    let status = run_json(
        &mut command(
            &context,
            &config,
            &server,
            None,
            &[
                "status",
                "--project",
                project.to_str().unwrap(),
                "--format",
                "json",
            ],
        ),
        0,
    );
    let notifications = &status["notifications"];
    assert_eq!(notifications["delivered"], 3, "{status}");
    assert_eq!(notifications["failed"], 1);
    assert_eq!(notifications["latest_failures"][0]["channel"], "down");
    let table = context.run(&mut command(
        &context,
        &config,
        &server,
        None,
        &["status", "--project", project.to_str().unwrap()],
    ));
    assert!(table.contains("3 delivered, 1 failed"), "{table}");
    assert!(
        table.contains("FAILED") && table.contains("down (test)"),
        "{table}"
    );
}

#[test]
fn a_scheduled_audit_tells_about_new_findings_once() {
    let context = TestContext::new();
    let server = receiver();
    let config = policy(&context, &server, None, HOURLY_AUDIT);
    let project = example().join("flask-service");
    let run = |now: &str| {
        command(
            &context,
            &config,
            &server,
            Some(now),
            &[
                "schedule",
                "run",
                "hourly-audit",
                "--project",
                project.to_str().unwrap(),
            ],
        )
        .output()
        .unwrap()
    };
    let first = run("2026-11-23T09:10:00Z");
    // The audit's own exit code: the example has findings.
    assert_eq!(
        first.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let hooks = posts(&server, "/hook");
    assert_eq!(hooks.len(), 1, "{hooks:?}");
    assert_eq!(hooks[0]["event"], "findings");
    let lines = hooks[0]["lines"].as_array().unwrap();
    assert!(
        lines
            .iter()
            .any(|line| line.as_str().unwrap().starts_with("flask ")),
        "{lines:?}"
    );
    assert_eq!(posts(&server, "/slack").len(), 1);

    // The same findings the next hour: nothing new, nothing sent.
    let second = run("2026-11-23T10:10:00Z");
    assert_eq!(second.status.code(), Some(1));
    assert_eq!(posts(&server, "/hook").len(), 1);

    let runs = store(&context)
        .schedule_runs(Some("hourly-audit"), Some(&project), None)
        .unwrap();
    assert_eq!(runs.len(), 2);
    assert_eq!(runs[0].due_at.to_string(), "2026-11-23T10:00:00Z");
    assert_eq!(runs[0].exit_code, Some(1));
    assert!(runs[0].run.is_some(), "the audit's own run is linked");
    assert!(!runs[0].caught_up);
}

#[test]
fn the_daemon_catches_up_a_missed_run_once_and_status_tells() {
    let context = TestContext::new();
    let server = receiver();
    let config = policy(&context, &server, None, HOURLY_AUDIT);
    let project = example().join("flask-service");
    let project_arg = project.to_str().unwrap();
    let ran = command(
        &context,
        &config,
        &server,
        Some("2026-11-23T09:10:00Z"),
        &["schedule", "run", "hourly-audit", "--project", project_arg],
    )
    .status()
    .unwrap();
    assert_eq!(ran.code(), Some(1));
    let before = posts(&server, "/hook").len();

    // Down from 09:10 to 12:30: three slots passed; one run catches up, for 12:00.
    let status = run_json(
        &mut command(
            &context,
            &config,
            &server,
            Some("2026-11-23T12:30:00Z"),
            &["status", "--project", project_arg, "--format", "json"],
        ),
        1,
    );
    assert_eq!(status["schedules"][0]["late_since"], "2026-11-23T12:00:00Z");
    // `tend scan` says so too, on standard error.
    let scan = command(
        &context,
        &config,
        &server,
        Some("2026-11-23T12:30:00Z"),
        &["scan", project_arg],
    )
    .output()
    .unwrap();
    let warned = String::from_utf8_lossy(&scan.stderr);
    assert!(
        warned.contains("warning: schedule `hourly-audit` did not run at 2026-11-23 12:00 UTC"),
        "{warned}"
    );
    let daemon = command(
        &context,
        &config,
        &server,
        Some("2026-11-23T12:30:00Z"),
        &["daemon", "--once", "--project", project_arg],
    )
    .output()
    .unwrap();
    let stderr = String::from_utf8_lossy(&daemon.stderr);
    assert_eq!(daemon.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("caught up"), "{stderr}");
    let runs = store(&context)
        .schedule_runs(Some("hourly-audit"), Some(&project), None)
        .unwrap();
    assert_eq!(runs.len(), 2);
    assert!(runs[0].caught_up);
    assert_eq!(runs[0].due_at.to_string(), "2026-11-23T12:00:00Z");
    let events: Vec<String> = posts(&server, "/hook")[before..]
        .iter()
        .map(|body| body["event"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        events,
        ["missed-schedule"],
        "no new findings, one missed run"
    );

    // Nothing more is due at 12:45, and the schedule is no longer late.
    let again = command(
        &context,
        &config,
        &server,
        Some("2026-11-23T12:45:00Z"),
        &["daemon", "--once", "--project", project_arg],
    )
    .status()
    .unwrap();
    assert_eq!(again.code(), Some(0));
    assert_eq!(
        store(&context)
            .schedule_runs(Some("hourly-audit"), None, None)
            .unwrap()
            .len(),
        2
    );
    let status = run_json(
        &mut command(
            &context,
            &config,
            &server,
            Some("2026-11-23T12:45:00Z"),
            &["status", "--project", project_arg, "--format", "json"],
        ),
        0,
    );
    let schedule = &status["schedules"][0];
    assert_eq!(schedule["name"], "hourly-audit");
    assert!(schedule["late_since"].is_null());
    assert_eq!(schedule["next_run"], "2026-11-23T13:00:00Z");
    assert_eq!(schedule["last_run"]["due_at"], "2026-11-23T12:00:00Z");
}

#[test]
fn the_daemon_runs_on_time_refuses_a_second_one_and_lets_the_job_finish_on_sigterm() {
    let context = TestContext::new();
    // Every minute, `tend outdated` against an index that takes four seconds to answer: the
    // job is still running when SIGTERM comes.
    let page = serde_json::json!({
        "meta": {"api-version": "1.1"},
        "name": "alpha",
        "files": [{
            "filename": "alpha-1.1.0-py3-none-any.whl",
            "url": "../../files/alpha-1.1.0-py3-none-any.whl",
            "hashes": {"sha256": "0".repeat(64)},
            "upload-time": "2026-01-01T00:00:00Z",
        }],
    });
    let server = TestServer::start(
        Routes::new().route(
            "/simple/alpha/",
            Sequence::new([Response::json(&page)
                .header("content-type", "application/vnd.pypi.simple.v1+json")
                .delayed(Duration::from_secs(4))]),
        ),
    );
    let config = context.root().join("policy.toml");
    fs_err::write(
        &config,
        format!(
            "[index]\nurl = \"{}\"\n\n[[schedules]]\nname = \"every-minute\"\ncron = \"* * * * *\"\n\
             timezone = \"UTC\"\njob = \"outdated\"\n",
            server.url_for("/simple/")
        ),
    )
    .unwrap();
    let project = context.root().join("project");
    fs_err::create_dir_all(&project).unwrap();
    fs_err::write(project.join("requirements.txt"), "alpha==1.0.0\n").unwrap();
    let project_arg = project.to_str().unwrap();
    let daemon = command(
        &context,
        &config,
        &server,
        None,
        &["daemon", "--project", project_arg],
    )
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();

    // A second daemon on the same store is refused, naming the first (once the first has
    // taken the lock and written who it is).
    let lock = context.root().join("history.sqlite3.daemon.lock");
    let holder = format!("pid {}", daemon.id());
    let deadline = Instant::now() + Duration::from_secs(30);
    while !fs_err::read_to_string(&lock).is_ok_and(|text| text.contains(&holder)) {
        assert!(Instant::now() < deadline, "the daemon never took its lock");
        std::thread::sleep(Duration::from_millis(100));
    }
    let second = command(
        &context,
        &config,
        &server,
        None,
        &["daemon", "--once", "--project", project_arg],
    )
    .output()
    .unwrap();
    let refused = String::from_utf8_lossy(&second.stderr);
    assert_eq!(second.status.code(), Some(2), "{refused}");
    assert!(refused.contains(&holder), "{refused}");

    // The next minute's slot starts on time (at most about a minute away)...
    let deadline = Instant::now() + Duration::from_secs(90);
    let started = loop {
        let runs = store(&context)
            .schedule_runs(Some("every-minute"), None, None)
            .unwrap();
        if !runs.is_empty() || Instant::now() > deadline {
            break runs;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    assert_eq!(started.len(), 1, "{started:?}");
    assert!(!started[0].caught_up);
    assert_eq!(started[0].due_at.as_second() % 60, 0);
    // ...and is still waiting for the index when SIGTERM comes.
    assert!(started[0].finished_at.is_none(), "{started:?}");
    let killed = Command::new("kill")
        .args(["-TERM", &daemon.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let output = daemon.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    // The job ran to its end before the daemon stopped: recorded with the job's exit code.
    let finished = store(&context)
        .schedule_runs(Some("every-minute"), None, None)
        .unwrap();
    assert_eq!(finished.len(), 1);
    assert!(finished[0].finished_at.is_some(), "{finished:?}\n{stderr}");
    assert_eq!(finished[0].exit_code, Some(0), "{finished:?}\n{stderr}");
    assert!(finished[0].run.is_some(), "the job's own run is linked");
    let job_line = stderr.find("tend daemon: every-minute exited 0").unwrap();
    let stopped = stderr.find("tend daemon: stopped").unwrap();
    assert!(job_line < stopped, "{stderr}");
    // Stopped: the lock is free again, and a restarted daemon does not run the slot that
    // already ran (it runs a slot only once, whenever it was started).
    let after = command(
        &context,
        &config,
        &server,
        None,
        &["daemon", "--once", "--project", project_arg],
    )
    .output()
    .unwrap();
    assert_eq!(
        after.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&after.stderr)
    );
    let slots: Vec<_> = store(&context)
        .schedule_runs(Some("every-minute"), None, None)
        .unwrap()
        .into_iter()
        .map(|run| run.due_at)
        .collect();
    let mut unique = slots.clone();
    unique.dedup();
    assert_eq!(unique, slots, "a slot ran twice");
    assert!(slots.contains(&finished[0].due_at));
}

#[test]
fn gc_removes_old_runs_and_keeps_the_newest_snapshot() {
    let context = TestContext::new();
    let server = receiver();
    let config = policy(&context, &server, None, "\n[retention]\nkeep = \"30d\"\n");
    let project = example().join("flask-service");
    let project_arg = project.to_str().unwrap();
    for _ in 0..2 {
        command(
            &context,
            &config,
            &server,
            Some("2026-10-01T12:00:00Z"),
            &["audit", project_arg],
        )
        .output()
        .unwrap();
    }
    command(
        &context,
        &config,
        &server,
        Some("2026-11-20T12:00:00Z"),
        &["audit", project_arg],
    )
    .output()
    .unwrap();
    // The policy's 30 days: the two October runs go.
    let removed = run_json(
        &mut command(
            &context,
            &config,
            &server,
            Some("2026-11-23T12:00:00Z"),
            &["gc", "--project", project_arg, "--format", "json"],
        ),
        0,
    );
    assert_eq!(removed["removed"]["runs"], 2, "{removed}");
    assert_eq!(removed["before"], "2026-10-24T12:00:00Z");
    let left = store(&context)
        .runs(&tend_store::RunFilter::default())
        .unwrap();
    assert_eq!(left.len(), 1);
    // --keep wins over the policy; a bad one is exit 2.
    let removed = run_json(
        &mut command(
            &context,
            &config,
            &server,
            Some("2026-11-23T12:00:00Z"),
            &["gc", "--keep", "1d", "--format", "json"],
        ),
        0,
    );
    assert_eq!(removed["removed"]["runs"], 1);
    let bad = command(&context, &config, &server, None, &["gc", "--keep", "soon"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--keep `soon`"));
}

#[test]
fn schedule_export_prints_or_writes_every_file() {
    let context = TestContext::new();
    let server = receiver();
    let config = policy(&context, &server, None, HOURLY_AUDIT);
    let project = example().join("flask-service");
    let project_arg = project.to_str().unwrap();
    let printed = context.run(&mut command(
        &context,
        &config,
        &server,
        Some("2026-11-23T12:00:00Z"),
        &[
            "schedule",
            "export",
            "--format",
            "systemd",
            "--project",
            project_arg,
            "--tend",
            "/usr/local/bin/tend",
        ],
    ));
    assert!(
        printed.contains("# ==> tend-hourly-audit.timer <=="),
        "{printed}"
    );
    assert!(printed.contains("OnCalendar="), "{printed}");
    assert!(
        printed.contains(&format!(
            "/usr/local/bin/tend schedule run hourly-audit --project {project_arg}"
        )),
        "{printed}"
    );
    let out = context.root().join("units");
    context.run(&mut command(
        &context,
        &config,
        &server,
        Some("2026-11-23T12:00:00Z"),
        &[
            "schedule",
            "export",
            "--format",
            "crontab",
            "--project",
            project_arg,
            "--tend",
            "/usr/local/bin/tend",
            "-o",
            out.to_str().unwrap(),
        ],
    ));
    let crontab = fs_err::read_to_string(out.join("tend.crontab")).unwrap();
    assert!(crontab.contains("0 * * * *"), "{crontab}");
    // Dependabot needs an update schedule: a clear error, exit 2.
    let refused = command(
        &context,
        &config,
        &server,
        Some("2026-11-23T12:00:00Z"),
        &[
            "schedule",
            "export",
            "--format",
            "dependabot",
            "--project",
            project_arg,
        ],
    )
    .output()
    .unwrap();
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("update"));
}

/// Collects a child's standard error while it runs.
fn collect(stream: std::process::ChildStderr) -> std::sync::Arc<std::sync::Mutex<String>> {
    use std::io::BufRead as _;
    let text = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let sink = std::sync::Arc::clone(&text);
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stream)
            .lines()
            .map_while(Result::ok)
        {
            let mut text = sink.lock().unwrap();
            text.push_str(&line);
            text.push('\n');
        }
    });
    text
}

fn wait_for(text: &std::sync::Mutex<String>, wanted: &str, seconds: u64) {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    while !text.lock().unwrap().contains(wanted) {
        assert!(
            Instant::now() < deadline,
            "never saw {wanted:?} in:\n{}",
            text.lock().unwrap()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn the_daemon_follows_an_edited_policy_and_survives_a_broken_one() {
    let context = TestContext::new();
    let server = receiver();
    let yearly = "\n[[schedules]]\nname = \"yearly\"\ncron = \"0 0 1 1 *\"\ntimezone = \"UTC\"\njob = \"gc\"\n";
    let config = policy(&context, &server, None, yearly);
    let project = context.root().join("project");
    fs_err::create_dir_all(&project).unwrap();
    let project_arg = project.to_str().unwrap();
    let mut daemon = command(
        &context,
        &config,
        &server,
        None,
        &["daemon", "--project", project_arg],
    )
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    let stderr = collect(daemon.stderr.take().unwrap());
    wait_for(&stderr, "yearly", 30);

    // A broken edit: the daemon says so and keeps the schedules it had.
    let good = fs_err::read_to_string(&config).unwrap();
    fs_err::write(&config, "[[schedules]\n").unwrap();
    wait_for(&stderr, "warning: the policy no longer loads", 30);
    assert_eq!(daemon.try_wait().unwrap(), None, "the daemon stopped");

    // A good edit adds a schedule, which runs at its next slot, counted from when it appeared.
    let every_minute = "\n[[schedules]]\nname = \"every-minute\"\ncron = \"* * * * *\"\ntimezone = \"UTC\"\njob = \"gc\"\n";
    fs_err::write(&config, format!("{good}{every_minute}")).unwrap();
    wait_for(&stderr, "tend daemon: the policy changed", 30);
    wait_for(&stderr, "tend daemon: every-minute exited 0", 90);
    let runs = store(&context)
        .schedule_runs(Some("every-minute"), None, None)
        .unwrap();
    assert_eq!(runs.len(), 1, "{runs:?}");
    assert!(!runs[0].caught_up);

    let killed = Command::new("kill")
        .args(["-TERM", &daemon.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    assert_eq!(daemon.wait().unwrap().code(), Some(0));
    wait_for(&stderr, "tend daemon: stopped", 10);
    assert!(store(&context)
        .schedule_runs(Some("yearly"), None, None)
        .unwrap()
        .is_empty());
}

#[test]
fn a_scheduled_update_that_needs_approval_waits_for_an_approved_plan() {
    let context = TestContext::new();
    let server = receiver();
    let config = policy(
        &context,
        &server,
        None,
        "\n[update]\nrequire-approval = true\n\n[[schedules]]\nname = \"monthly-update\"\n\
         cron = \"0 3 * * SUN#1\"\ntimezone = \"UTC\"\njob = \"update\"\n",
    );
    let project = example().join("flask-service");
    let output = command(
        &context,
        &config,
        &server,
        Some("2026-12-06T03:05:00Z"),
        &[
            "schedule",
            "run",
            "monthly-update",
            "--project",
            project.to_str().unwrap(),
        ],
    )
    .output()
    .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("no plan approved since the last update"),
        "{stderr}"
    );
    // Whoever approves plans is told; nothing ran.
    let hooks = posts(&server, "/hook");
    assert_eq!(hooks.len(), 1, "{hooks:?}");
    assert_eq!(hooks[0]["event"], "approval");
    let runs = store(&context)
        .schedule_runs(Some("monthly-update"), None, None)
        .unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].due_at.to_string(), "2026-12-06T03:00:00Z");
    assert_eq!(runs[0].exit_code, None);
    assert!(runs[0].run.is_none());
    assert!(store(&context)
        .runs(&tend_store::RunFilter::default())
        .unwrap()
        .is_empty());
}
