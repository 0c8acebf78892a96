//! `tend schedule run|export`, `tend daemon` and `tend status`: the policy's schedules (or the
//! defaults) run by tend itself, written out for cron, systemd, GitHub Actions and Dependabot,
//! and how each is doing.
//!
//! The daemon is one per history store (a lock beside it says who holds it). Each pass looks
//! at every schedule: a slot that passed after the schedule's last run is run once, however
//! many passed (as systemd's `Persistent=true`); a schedule that never ran counts from the
//! daemon's start (or from when it appeared in the policy). Jobs run one at a time, as child
//! processes ([`super::jobs`]). The policy is read again after every pass (at most ten seconds
//! apart), so edits take effect without a restart; a policy that no longer loads is a warning
//! and the schedules read before stay. SIGTERM or SIGINT stops the daemon after the running
//! job has finished: an update is never cut in half.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use jiff::Timestamp;
use tend_schedule::{ExportFormat, ExportOptions, Schedule};
use tend_store::{SqliteStore, Store};

use super::jobs::{self, JobContext};
use crate::cli::{
    DaemonArgs, ScheduleCommand, ScheduleExportArgs, ScheduleExportFormat, ScheduleRunArgs,
    StatusArgs, StatusFormat,
};
use crate::diagnostics::{ExitStatus, UsageError};

/// A slot run this much after its time counts as on time, not caught up.
const GRACE: Duration = Duration::from_secs(60);

/// The longest the daemon sleeps before looking again: the policy is read again after each
/// sleep (an edited schedule takes effect within this), and a clock that jumps is noticed.
const LONGEST_SLEEP: Duration = Duration::from_secs(10);

/// How far back `tend status` counts the notifications sent: a week.
const NOTIFICATION_HOURS: i64 = 7 * 24;

/// The version of the JSON document `tend status --format json` prints.
const SCHEMA_VERSION: u32 = 1;

pub fn run(
    command: &ScheduleCommand,
    config: Option<&Path>,
    cache_dir: Option<&Path>,
    store_flag: Option<&Path>,
) -> Result<ExitStatus> {
    match command {
        ScheduleCommand::Run(args) => run_one(args, config, cache_dir, store_flag),
        ScheduleCommand::Export(args) => export(args, config),
    }
}

struct Loaded {
    project: PathBuf,
    policy: tend_policy::Policy,
    schedules: Vec<Schedule>,
}

fn load(project: Option<&Path>, config: Option<&Path>) -> Result<Loaded> {
    let project = project.map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    if !project.is_dir() {
        anyhow::bail!(UsageError(format!(
            "the project directory `{}` does not exist",
            project.display()
        )));
    }
    let project = std::path::absolute(&project).unwrap_or(project);
    let policy = crate::settings::policy(&project, config)?;
    let schedules = policy.schedules();
    Ok(Loaded {
        project,
        policy,
        schedules,
    })
}

fn context<'a>(
    loaded: &'a Loaded,
    store: PathBuf,
    config: Option<&'a Path>,
    cache_dir: Option<&'a Path>,
) -> Result<JobContext<'a>> {
    Ok(JobContext {
        tend: std::env::current_exe().context("cannot find the tend binary to run jobs with")?,
        project: loaded.project.clone(),
        store,
        config,
        cache_dir,
        policy: &loaded.policy,
    })
}

fn run_one(
    args: &ScheduleRunArgs,
    config: Option<&Path>,
    cache_dir: Option<&Path>,
    store_flag: Option<&Path>,
) -> Result<ExitStatus> {
    let loaded = load(args.project.as_deref(), config)?;
    let Some(schedule) = loaded
        .schedules
        .iter()
        .find(|schedule| schedule.name.as_str() == args.name)
    else {
        let names: Vec<&str> = loaded
            .schedules
            .iter()
            .map(|schedule| schedule.name.as_str())
            .collect();
        anyhow::bail!(UsageError(format!(
            "no schedule named `{}`; the policy's schedules are: {}",
            args.name,
            if names.is_empty() {
                "none".to_string()
            } else {
                names.join(", ")
            }
        )));
    };
    let store_path = crate::settings::store_path(store_flag)?;
    let mut store = SqliteStore::open(&store_path)?;
    let context = context(&loaded, store_path, config, cache_dir)?;
    let now = crate::settings::now()?;
    // Run by hand or by cron: the slot is the one that has just passed, when there is one.
    let due = tend_schedule::last_due(schedule, now).unwrap_or(now);
    let outcome = jobs::run(&context, &mut store, schedule, due, false)?;
    eprintln!(
        "schedule {}: `{}` {}{}",
        schedule.name.as_str(),
        jobs::job_text(&schedule.job),
        describe_exit(outcome.exit_code, outcome.error.as_deref()),
        describe_deliveries(&outcome.deliveries)
    );
    match outcome.exit_code {
        Some(0) => Ok(ExitStatus::Success),
        Some(1) => Ok(ExitStatus::Failure),
        code => anyhow::bail!(
            "schedule {}: the job {}",
            schedule.name.as_str(),
            describe_exit(code, outcome.error.as_deref())
        ),
    }
}

/// `notified 2 of 3 channels (down failed)`, or nothing when nothing was sent.
fn describe_deliveries(deliveries: &[tend_notify::Delivery]) -> String {
    let sent: Vec<&tend_notify::Delivery> = deliveries
        .iter()
        .filter(|delivery| !matches!(delivery.outcome, tend_notify::Outcome::Skipped { .. }))
        .collect();
    if sent.is_empty() {
        return String::new();
    }
    let failed: Vec<&str> = sent
        .iter()
        .filter(|delivery| delivery.outcome.is_failed())
        .map(|delivery| delivery.channel.as_str())
        .collect();
    let mut text = format!(
        "; notified {} of {} channels",
        sent.len() - failed.len(),
        sent.len()
    );
    if !failed.is_empty() {
        let _ = write!(text, " ({} failed)", failed.join(", "));
    }
    text
}

fn describe_exit(code: Option<i32>, error: Option<&str>) -> String {
    let mut text = match (code, error) {
        (Some(code), _) => format!("exited {code}"),
        (None, Some(_)) => "did not finish".to_string(),
        (None, None) => "was stopped by a signal".to_string(),
    };
    if let Some(error) = error {
        let _ = write!(text, ": {}", error.replace('\n', " / "));
    }
    text
}

fn export(args: &ScheduleExportArgs, config: Option<&Path>) -> Result<ExitStatus> {
    let loaded = load(args.project.as_deref(), config)?;
    let tend = match &args.tend {
        Some(path) => std::path::absolute(path).unwrap_or_else(|_| path.clone()),
        None => std::env::current_exe().context("cannot find the tend binary")?,
    };
    let format = match args.format {
        ScheduleExportFormat::Crontab => ExportFormat::Crontab,
        ScheduleExportFormat::Systemd => ExportFormat::Systemd,
        ScheduleExportFormat::GithubActions => ExportFormat::GithubActions,
        ScheduleExportFormat::Dependabot => ExportFormat::Dependabot,
    };
    let options = ExportOptions {
        tend,
        project: loaded.project.clone(),
        reference: crate::settings::now()?,
        install_command: args.install_command.clone(),
        repository_directory: args.directory.clone(),
    };
    let files = tend_schedule::export(format, &loaded.schedules, &options)
        .map_err(|error| UsageError(error.to_string()))?;
    if let Some(directory) = &args.output {
        for file in &files {
            let path = directory.join(&file.name);
            if let Some(parent) = path.parent() {
                fs_err::create_dir_all(parent)?;
            }
            tend_writeback::write_file(&path, &file.contents)
                .with_context(|| format!("could not write `{}`", path.display()))?;
            eprintln!("wrote {}", path.display());
        }
    } else {
        let mut text = String::new();
        for (index, file) in files.iter().enumerate() {
            if files.len() > 1 {
                if index > 0 {
                    text.push('\n');
                }
                let _ = writeln!(text, "# ==> {} <==", file.name);
            }
            text.push_str(&file.contents);
        }
        crate::output::write(None, &text)?;
    }
    Ok(ExitStatus::Success)
}

/// The daemon's lock file: one daemon per history store.
fn daemon_lock_path(store: &Path) -> PathBuf {
    let mut name = store
        .file_name()
        .map(std::ffi::OsStr::to_os_string)
        .unwrap_or_default();
    name.push(".daemon.lock");
    store.with_file_name(name)
}

pub fn daemon(
    args: &DaemonArgs,
    config: Option<&Path>,
    cache_dir: Option<&Path>,
    store_flag: Option<&Path>,
) -> Result<ExitStatus> {
    let loaded = load(args.project.as_deref(), config)?;
    let store_path = crate::settings::store_path(store_flag)?;
    let mut store = SqliteStore::open(&store_path)?;
    let lock_path = daemon_lock_path(&store_path);
    let holder = format!(
        "tend daemon (pid {}) on {}",
        std::process::id(),
        loaded.project.display()
    );
    let _lock = match tend_update::lock::lock(&lock_path, &holder) {
        Ok(lock) => lock,
        Err(tend_update::lock::LockError::Held { holder, .. }) => {
            anyhow::bail!(UsageError(format!(
                "another daemon uses the history store `{}`: {holder}; one daemon per store",
                store_path.display()
            )))
        }
        Err(error) => return Err(error.into()),
    };
    let stop = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGTERM, signal_hook::consts::SIGINT] {
        signal_hook::flag::register(signal, Arc::clone(&stop))
            .context("could not handle SIGTERM")?;
    }
    let started = crate::settings::now()?;
    describe_schedules(&loaded, started);
    let mut loaded = loaded;
    // When each schedule was first seen: one added to the policy while the daemon runs counts
    // from then, not from the daemon's start.
    let mut first_seen: std::collections::BTreeMap<String, Timestamp> = loaded
        .schedules
        .iter()
        .map(|schedule| (schedule.name.as_str().to_string(), started))
        .collect();
    let mut reload_failed = false;
    while !stop.load(Ordering::SeqCst) {
        let mut ran = false;
        for schedule in &loaded.schedules {
            if stop.load(Ordering::SeqCst) {
                break;
            }
            let now = crate::settings::now()?;
            let since = first_seen
                .get(schedule.name.as_str())
                .copied()
                .unwrap_or(started);
            let Some(due) = due(&store, schedule, &loaded.project, since, now)? else {
                continue;
            };
            let late = now.duration_since(due).unsigned_abs() > GRACE;
            eprintln!(
                "tend daemon: running {} (`{}`, due {}{})",
                schedule.name.as_str(),
                jobs::job_text(&schedule.job),
                due.strftime("%Y-%m-%d %H:%M:%S UTC"),
                if late { ", caught up" } else { "" }
            );
            let context = context(&loaded, store_path.clone(), config, cache_dir)?;
            let outcome = jobs::run(&context, &mut store, schedule, due, late)?;
            eprintln!(
                "tend daemon: {} {}{}",
                schedule.name.as_str(),
                describe_exit(outcome.exit_code, outcome.error.as_deref()),
                describe_deliveries(&outcome.deliveries)
            );
            ran = true;
        }
        if args.once || stop.load(Ordering::SeqCst) {
            break;
        }
        if !ran {
            let now = crate::settings::now()?;
            let wake = loaded
                .schedules
                .iter()
                .filter_map(|schedule| tend_schedule::next_after(schedule, now))
                .min();
            let sleep = wake
                .map_or(LONGEST_SLEEP, |wake| {
                    wake.duration_since(now).unsigned_abs()
                })
                .min(LONGEST_SLEEP);
            sleep_unless(&stop, sleep);
        }
        // The policy is read again on every pass: an edited schedule takes effect without a
        // restart. A policy that no longer loads keeps the schedules read before.
        match load(args.project.as_deref(), config) {
            Ok(fresh) => {
                reload_failed = false;
                if fresh.schedules != loaded.schedules || fresh.policy != loaded.policy {
                    let now = crate::settings::now()?;
                    for schedule in &fresh.schedules {
                        first_seen
                            .entry(schedule.name.as_str().to_string())
                            .or_insert(now);
                    }
                    eprintln!("tend daemon: the policy changed");
                    describe_schedules(&fresh, now);
                    loaded = fresh;
                }
            }
            Err(error) => {
                if !reload_failed {
                    eprintln!(
                        "warning: the policy no longer loads, so the daemon keeps the schedules it \
                         read before: {error:#}"
                    );
                }
                reload_failed = true;
            }
        }
    }
    eprintln!("tend daemon: stopped");
    Ok(ExitStatus::Success)
}

/// The schedules and their next runs, on standard error.
fn describe_schedules(loaded: &Loaded, now: Timestamp) {
    eprintln!(
        "tend daemon: {} schedule{} for {}",
        loaded.schedules.len(),
        if loaded.schedules.len() == 1 { "" } else { "s" },
        loaded.project.display()
    );
    for schedule in &loaded.schedules {
        if let Some(next) = tend_schedule::next_after(schedule, now) {
            eprintln!(
                "  {:24} {:16} next {}",
                schedule.name.as_str(),
                schedule.cron.to_string(),
                next.strftime("%Y-%m-%d %H:%M:%S UTC")
            );
        }
    }
}

/// Sleeps `duration`, waking early when `stop` is set.
fn sleep_unless(stop: &AtomicBool, duration: Duration) {
    let step = Duration::from_millis(200);
    let mut left = duration;
    while !left.is_zero() && !stop.load(Ordering::SeqCst) {
        let nap = left.min(step);
        std::thread::sleep(nap);
        left = left.saturating_sub(nap);
    }
}

/// The slot to run now, if any: the newest one that passed after the schedule's last run (or,
/// for a schedule that never ran, after `since`).
fn due(
    store: &SqliteStore,
    schedule: &Schedule,
    project: &Path,
    since: Timestamp,
    now: Timestamp,
) -> Result<Option<Timestamp>> {
    let last = store
        .schedule_runs(Some(schedule.name.as_str()), Some(project), Some(1))?
        .into_iter()
        .next()
        .map_or(since, |run| run.due_at);
    Ok(tend_schedule::missed(schedule, Some(last), now))
}

pub fn status(
    args: &StatusArgs,
    config: Option<&Path>,
    store_flag: Option<&Path>,
) -> Result<ExitStatus> {
    let loaded = load(args.project.as_deref(), config)?;
    let store_path = crate::settings::store_path(store_flag)?;
    let store = SqliteStore::open(&store_path)?;
    let now = crate::settings::now()?;
    let mut rows = Vec::new();
    let mut late_count = 0;
    for schedule in &loaded.schedules {
        let last = store
            .schedule_runs(Some(schedule.name.as_str()), Some(&loaded.project), Some(1))?
            .into_iter()
            .next();
        let next = tend_schedule::next_after(schedule, now);
        // Late: a slot passed, beyond the grace, after the last run's slot.
        let late = last.as_ref().and_then(|last| {
            tend_schedule::missed(schedule, Some(last.due_at), now)
                .filter(|due| now.duration_since(*due).unsigned_abs() > GRACE)
        });
        if late.is_some() {
            late_count += 1;
        }
        rows.push((schedule, last, next, late));
    }
    // Deliveries of the last week, of every project in this store: a channel that stopped
    // working shows here before anyone misses a message.
    let since = now
        .checked_sub(jiff::SignedDuration::from_hours(NOTIFICATION_HOURS))
        .unwrap_or(now);
    let recent = store.notifications(Some(since), None)?;
    let delivered = recent
        .iter()
        .filter(|notification| notification.outcome == "delivered")
        .count();
    let failures: Vec<&tend_store::Notification> = recent
        .iter()
        .filter(|notification| notification.outcome != "delivered")
        .collect();
    let text = match args.format {
        StatusFormat::Json => {
            let schedules: Vec<serde_json::Value> = rows
                .iter()
                .map(|(schedule, last, next, late)| {
                    serde_json::json!({
                        "name": schedule.name.as_str(),
                        "cron": schedule.cron.to_string(),
                        "timezone": schedule.timezone.iana_name(),
                        "job": jobs::job_text(&schedule.job),
                        "last_run": last,
                        "next_run": next,
                        "late_since": late,
                    })
                })
                .collect();
            let mut text = serde_json::to_string_pretty(&serde_json::json!({
                "schema_version": SCHEMA_VERSION,
                "project": loaded.project,
                "store": store_path,
                "generated": now,
                "schedules": schedules,
                "notifications": {
                    "since": since,
                    "delivered": delivered,
                    "failed": failures.len(),
                    "latest_failures": failures.iter().take(5).collect::<Vec<_>>(),
                },
            }))?;
            text.push('\n');
            text
        }
        StatusFormat::Table => {
            let mut text = format!("Schedules of {}\n", loaded.project.display());
            if rows.is_empty() {
                text.push_str("  none (the policy has `schedules = []`)\n");
            }
            let when = |time: Timestamp| time.strftime("%Y-%m-%d %H:%M UTC").to_string();
            for (schedule, last, next, late) in &rows {
                let last_text = match last {
                    None => "never run".to_string(),
                    Some(run) => format!(
                        "last {} {}",
                        when(run.started_at),
                        match (run.finished_at, run.exit_code) {
                            (None, _) => "running or cut short".to_string(),
                            (Some(_), Some(0)) => "ok".to_string(),
                            (Some(_), Some(1)) => "findings".to_string(),
                            (Some(_), code) => format!(
                                "failed{}",
                                code.map(|code| format!(" (exit {code})"))
                                    .unwrap_or_default()
                            ),
                        }
                    ),
                };
                let _ = writeln!(
                    text,
                    "  {:24} {:18} {:26} {}; next {}{}",
                    schedule.name.as_str(),
                    schedule.cron.to_string(),
                    jobs::job_text(&schedule.job),
                    last_text,
                    next.map_or_else(|| "never".to_string(), when),
                    late.map(|due| format!("; LATE since {}", when(due)))
                        .unwrap_or_default()
                );
            }
            let _ = writeln!(
                text,
                "Notifications since {} (every project of the store): {delivered} delivered, {} \
                 failed",
                when(since),
                failures.len()
            );
            for failure in failures.iter().take(3) {
                let _ = writeln!(
                    text,
                    "  FAILED {} {} ({}): {}",
                    when(failure.at),
                    failure.channel,
                    failure.event,
                    failure.error.as_deref().unwrap_or("no reason recorded")
                );
            }
            text
        }
    };
    crate::output::write(None, &text)?;
    Ok(if late_count > 0 {
        ExitStatus::Failure
    } else {
        ExitStatus::Success
    })
}

/// Warns on standard error about each schedule of the project that has missed a slot (a run
/// is recorded, and a later slot passed more than a minute ago without one): the cron health
/// check of `tend scan`. Schedules that never ran are not late (nothing runs them yet).
/// Problems reading the store are not the caller's.
pub fn warn_if_late(store: &SqliteStore, project: &Path, policy: &tend_policy::Policy) {
    let Ok(now) = crate::settings::now() else {
        return;
    };
    let project = std::path::absolute(project).unwrap_or_else(|_| project.to_path_buf());
    for schedule in policy.schedules() {
        let Ok(runs) = store.schedule_runs(Some(schedule.name.as_str()), Some(&project), Some(1))
        else {
            return;
        };
        let Some(last) = runs.into_iter().next() else {
            continue;
        };
        if let Some(due) = tend_schedule::missed(&schedule, Some(last.due_at), now)
            .filter(|due| now.duration_since(*due).unsigned_abs() > GRACE)
        {
            eprintln!(
                "warning: schedule `{}` did not run at {} (last run {}); is `tend daemon` \
                 running? `tend status` shows every schedule",
                schedule.name.as_str(),
                due.strftime("%Y-%m-%d %H:%M UTC"),
                last.started_at.strftime("%Y-%m-%d %H:%M UTC")
            );
        }
    }
}
