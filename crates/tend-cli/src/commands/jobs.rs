//! Running one schedule's job, as `tend schedule run` and `tend daemon` do: the job is tend
//! itself, started as a child process on the same project, store, cache and policy (so a job
//! that fails or is killed cannot take the daemon with it), recorded as a schedule run, and
//! followed by the notifications its outcome calls for.
//!
//! The child runs in its own process group: a Ctrl-C meant for the daemon's terminal does not
//! cut an update in half; the daemon lets a running job finish before it stops.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result};
use jiff::Timestamp;
use serde_json::Value;
use tend_notify::{EventKind, Message};
use tend_policy::Policy;
use tend_schedule::{Job, Schedule};
use tend_store::{
    NewScheduleRun, RunFilter, RunId, RunKind, ScheduleRunEnd, ScheduleRunId, SqliteStore, Store,
};

/// What every job of one project shares.
pub struct JobContext<'a> {
    /// The tend binary that runs the jobs (this one).
    pub tend: PathBuf,
    /// Absolute.
    pub project: PathBuf,
    pub store: PathBuf,
    pub config: Option<&'a Path>,
    pub cache_dir: Option<&'a Path>,
    pub policy: &'a Policy,
}

/// How one job ended, and whom it told.
#[derive(Debug)]
pub struct JobOutcome {
    pub exit_code: Option<i32>,
    pub error: Option<String>,
    pub deliveries: Vec<tend_notify::Delivery>,
}

/// Runs `schedule`'s job once for the slot `due_at`, records it, and notifies.
pub fn run(
    context: &JobContext<'_>,
    store: &mut SqliteStore,
    schedule: &Schedule,
    due_at: Timestamp,
    caught_up: bool,
) -> Result<JobOutcome> {
    let started_at = crate::settings::now()?;
    let id = store.record_schedule_run(&NewScheduleRun {
        schedule: schedule.name.as_str().to_string(),
        job: job_text(&schedule.job),
        project: context.project.clone(),
        due_at,
        started_at,
        caught_up,
    })?;
    let mut deliveries = Vec::new();
    if caught_up {
        let message = base_message(
            context,
            EventKind::MissedSchedule,
            format!(
                "{} did not run at {}; running it now",
                schedule.name.as_str(),
                due_at.strftime("%Y-%m-%d %H:%M UTC")
            ),
        )
        .line(format!("job: {}", job_text(&schedule.job)));
        deliveries.extend(send(context, store, schedule, &message, Some(id), None));
    }

    let output = tempfile::Builder::new()
        .prefix("tend-job-")
        .suffix(".json")
        .tempfile()
        .context("could not create a file for the job's report")?;
    // With `[update] require-approval`, a scheduled update applies the newest approved plan
    // saved since the last update; without one there is nothing it may apply.
    let approved = match &schedule.job {
        Job::Update { .. } if context.policy.update.require_approval => {
            Some(approved_plan(store, &context.project)?)
        }
        _ => None,
    };
    let (exit_code, error) = if let Some(None) = approved {
        let message = base_message(
            context,
            EventKind::ApprovalNeeded,
            "the scheduled update waits for an approved plan".to_string(),
        )
        .line("no plan was approved since the last update: `tend plan --save`, then `tend approve PLAN`");
        deliveries.extend(send(context, store, schedule, &message, Some(id), None));
        (
            None,
            Some(
                "not run: no plan approved since the last update (`[update] require-approval`)"
                    .to_string(),
            ),
        )
    } else {
        let mut command = command(context, &schedule.job, output.path(), context.policy);
        if let Some(Some(plan)) = approved {
            command.arg("--plan").arg(plan.to_string());
        }
        match run_child(&mut command) {
            Ok((code, stderr)) => {
                let error = (code != Some(0) && code != Some(1))
                    .then(|| last_lines(&stderr))
                    .filter(|text| !text.is_empty());
                (code, error)
            }
            Err(error) => (None, Some(error)),
        }
    };
    let skipped = matches!(approved, Some(None));
    let report: Option<Value> = fs_err::read_to_string(output.path())
        .ok()
        .and_then(|text| serde_json::from_str(&text).ok());
    let run = recorded_run(store, &schedule.job, &context.project, started_at);
    store.finish_schedule_run(
        id,
        &ScheduleRunEnd {
            finished_at: crate::settings::now()?,
            exit_code,
            run,
            error: error.clone(),
        },
    )?;

    let previous = run.and_then(|run| previous_report(store, &schedule.job, &context.project, run));
    let messages = if skipped {
        Vec::new()
    } else {
        events(
            context,
            &schedule.job,
            exit_code,
            error.as_deref(),
            report.as_ref(),
            previous.as_ref(),
            run,
        )
    };
    for message in messages {
        deliveries.extend(send(context, store, schedule, &message, Some(id), run));
    }
    Ok(JobOutcome {
        exit_code,
        error,
        deliveries,
    })
}

/// The newest plan of `project` saved after its newest update run and approved by someone;
/// `None` when there is none.
fn approved_plan(store: &SqliteStore, project: &Path) -> Result<Option<RunId>> {
    let last_update = store
        .runs(&RunFilter {
            kind: Some(RunKind::Update),
            project: Some(project.to_path_buf()),
            limit: Some(1),
        })?
        .into_iter()
        .next()
        .map(|run| run.started_at);
    let plans = store.runs(&RunFilter {
        kind: Some(RunKind::Plan),
        project: Some(project.to_path_buf()),
        limit: Some(50),
    })?;
    for plan in plans {
        if last_update.is_some_and(|update| plan.started_at <= update) {
            break;
        }
        if store
            .run(plan.id)?
            .is_some_and(|detail| !detail.approvals.is_empty())
        {
            return Ok(Some(plan.id));
        }
    }
    Ok(None)
}

/// The job as the policy writes it, with `--apply` when the schedule applies: `audit`,
/// `update --phase critical --apply`.
pub fn job_text(job: &Job) -> String {
    job.args().join(" ")
}

/// The child's command line: the global options first, then the job with the project and a
/// JSON report written to `output`.
fn command(context: &JobContext<'_>, job: &Job, output: &Path, policy: &Policy) -> Command {
    let mut command = Command::new(&context.tend);
    if let Some(config) = context.config {
        command.arg("--config").arg(config);
    }
    if let Some(cache_dir) = context.cache_dir {
        command.arg("--cache-dir").arg(cache_dir);
    }
    command.arg("--store").arg(&context.store);
    command.args(job.args());
    let json = ["--format", "json", "--output"];
    match job {
        Job::Audit | Job::Outdated | Job::Plan | Job::Scan => {
            command.arg(&context.project).args(json).arg(output);
            if matches!(job, Job::Plan) && policy.update.require_approval {
                // A plan waiting for approval must be saved to be approved.
                command.arg("--save");
            }
        }
        Job::Update { .. } => {
            command
                .arg("--project")
                .arg(&context.project)
                .args(json)
                .arg(output);
        }
        Job::Gc => {
            command
                .arg("--project")
                .arg(&context.project)
                .args(["--format", "json"]);
        }
        Job::DbUpdate => {}
    }
    command.current_dir(&context.project);
    command
}

/// Runs the child in its own process group to the end: its exit code (`None` when a signal
/// ended it) and its standard error.
fn run_child(command: &mut Command) -> Result<(Option<i32>, String), String> {
    use std::os::unix::process::CommandExt as _;
    command
        .process_group(0)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped());
    let child = command
        .spawn()
        .map_err(|error| format!("could not start tend: {error}"))?;
    let output = child
        .wait_with_output()
        .map_err(|error| format!("lost the job: {error}"))?;
    Ok((
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    ))
}

fn last_lines(text: &str) -> String {
    let lines: Vec<&str> = text
        .lines()
        .filter(|line| !line.trim().is_empty())
        .collect();
    lines[lines.len().saturating_sub(3)..].join("\n")
}

fn run_kind(job: &Job) -> Option<RunKind> {
    match job {
        Job::Audit => Some(RunKind::Audit),
        Job::Outdated => Some(RunKind::Outdated),
        Job::Plan => Some(RunKind::Plan),
        Job::Scan => Some(RunKind::Scan),
        Job::Update { .. } => Some(RunKind::Update),
        Job::DbUpdate | Job::Gc => None,
    }
}

/// The run the job recorded: its kind, on this project, started after the job was.
fn recorded_run(
    store: &SqliteStore,
    job: &Job,
    project: &Path,
    started_at: Timestamp,
) -> Option<RunId> {
    let runs = store
        .runs(&RunFilter {
            kind: Some(run_kind(job)?),
            project: Some(project.to_path_buf()),
            limit: Some(1),
        })
        .ok()?;
    runs.into_iter()
        .find(|run| run.started_at >= started_at)
        .map(|run| run.id)
}

/// The report of the run of the same kind before `run`, to tell new findings from old ones.
fn previous_report(store: &SqliteStore, job: &Job, project: &Path, run: RunId) -> Option<Value> {
    let kind = run_kind(job)?;
    let runs = store
        .runs(&RunFilter {
            kind: Some(kind),
            project: Some(project.to_path_buf()),
            limit: Some(10),
        })
        .ok()?;
    let previous = runs.into_iter().find(|record| record.id < run)?;
    let detail = store.run(previous.id).ok()??;
    detail
        .reports
        .into_iter()
        .find(|report| report.kind == kind.as_str())
        .map(|report| report.document)
}

fn base_message(context: &JobContext<'_>, event: EventKind, title: String) -> Message {
    Message::new(
        event,
        title,
        context.project.display().to_string(),
        crate::settings::now().unwrap_or_else(|_| Timestamp::now()),
    )
}

/// The messages a job's outcome calls for.
fn events(
    context: &JobContext<'_>,
    job: &Job,
    exit_code: Option<i32>,
    error: Option<&str>,
    report: Option<&Value>,
    previous: Option<&Value>,
    run: Option<RunId>,
) -> Vec<Message> {
    let mut messages = Vec::new();
    let data = report.map(|report| report.get("data").unwrap_or(report));
    let link = |message: Message| -> Message {
        let message = match run {
            Some(run) => message.run(run.to_string()),
            None => message,
        };
        match (&context.policy.notify.report_url, run) {
            (Some(url), Some(run)) => message.link(url.replace("{run}", &run.to_string())),
            _ => message,
        }
    };
    match job {
        Job::Audit | Job::Scan => {
            let audit = data.and_then(|data| {
                if matches!(job, Job::Scan) {
                    data.get("audit").filter(|audit| !audit.is_null())
                } else {
                    Some(data)
                }
            });
            let before = previous.map(|previous| {
                let previous = previous.get("data").unwrap_or(previous);
                if matches!(job, Job::Scan) {
                    previous.get("audit").cloned().unwrap_or(Value::Null)
                } else {
                    previous.clone()
                }
            });
            if let Some(message) = audit.and_then(|audit| findings(context, audit, before.as_ref()))
            {
                messages.push(link(message));
            }
            if matches!(job, Job::Scan) {
                if let Some(plan) = data.and_then(|data| data.get("plan")) {
                    if let Some(message) = overdue(context, plan) {
                        messages.push(link(message));
                    }
                }
            }
        }
        Job::Plan => {
            if let Some(summary) = data.and_then(|data| data.get("summary")) {
                if let Some(message) = overdue(context, summary) {
                    messages.push(link(message));
                }
                if context.policy.update.require_approval
                    && summary.get("items").and_then(Value::as_u64).unwrap_or(0) > 0
                {
                    messages.push(link(
                        base_message(
                            context,
                            EventKind::ApprovalNeeded,
                            format!(
                                "a plan of {} updates waits for approval",
                                summary.get("items").and_then(Value::as_u64).unwrap_or(0)
                            ),
                        )
                        .line(match run {
                            Some(run) => format!("approve it with `tend approve {run}`"),
                            None => "approve it with `tend approve PLAN`".to_string(),
                        }),
                    ));
                }
            }
        }
        Job::Update { .. } => messages.extend(
            update_messages(context, exit_code, error, data)
                .into_iter()
                .map(link),
        ),
        Job::Outdated | Job::DbUpdate | Job::Gc => {}
    }
    messages
}

/// Findings of this audit not in the one before, at any severity (each channel's filter
/// applies its own threshold to the message's severity: the highest of the new ones).
fn findings(context: &JobContext<'_>, audit: &Value, before: Option<&Value>) -> Option<Message> {
    let keys = |audit: &Value| -> Vec<(String, String, String, String)> {
        let mut keys = Vec::new();
        for package in audit
            .get("vulnerable")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let name = package.pointer("/target/name");
            let version = package.pointer("/target/version");
            for finding in package
                .get("findings")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                keys.push((
                    name.and_then(Value::as_str).unwrap_or("?").to_string(),
                    version.and_then(Value::as_str).unwrap_or("?").to_string(),
                    finding
                        .get("id")
                        .and_then(Value::as_str)
                        .unwrap_or("?")
                        .to_string(),
                    finding
                        .pointer("/severity/rating")
                        .and_then(Value::as_str)
                        .unwrap_or("unknown")
                        .to_string(),
                ));
            }
        }
        keys
    };
    let old: Vec<(String, String)> = before
        .map(keys)
        .unwrap_or_default()
        .into_iter()
        .map(|(name, _, id, _)| (name, id))
        .collect();
    let new: Vec<(String, String, String, String)> = keys(audit)
        .into_iter()
        .filter(|(name, _, id, _)| !old.contains(&(name.clone(), id.clone())))
        .collect();
    if new.is_empty() {
        return None;
    }
    let rating = |text: &str| {
        tend_model::SeverityRating::ALL
            .iter()
            .copied()
            .find(|rating| rating.as_str() == text)
            .unwrap_or_default()
    };
    let highest = new
        .iter()
        .map(|(_, _, _, severity)| rating(severity))
        .max()
        .unwrap_or_default();
    let mut message = base_message(
        context,
        EventKind::Findings,
        format!(
            "{} new vulnerabilit{} (highest: {})",
            new.len(),
            if new.len() == 1 { "y" } else { "ies" },
            highest.as_str()
        ),
    )
    .severity(highest);
    for (name, version, id, severity) in &new {
        message = message.line(format!("{name} {version}: {id} ({severity})"));
    }
    Some(message)
}

/// Overdue plan items, from a plan summary or a scan's plan stage.
fn overdue(context: &JobContext<'_>, summary: &Value) -> Option<Message> {
    let count = summary.get("overdue").and_then(Value::as_u64)?;
    if count == 0 {
        return None;
    }
    let mut message = base_message(
        context,
        EventKind::Overdue,
        format!(
            "{count} planned update{} past {} deadline",
            if count == 1 { "" } else { "s" },
            if count == 1 { "its" } else { "their" }
        ),
    );
    for item in summary
        .get("most_overdue")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let text = |key: &str| item.get(key).and_then(Value::as_str).unwrap_or("?");
        let days = item
            .get("overdue_by_seconds")
            .and_then(Value::as_u64)
            .map_or(0, |seconds| seconds / 86_400);
        message = message.line(format!(
            "{} {} -> {} ({}): {days} days overdue",
            text("name"),
            text("from"),
            text("to"),
            text("category")
        ));
    }
    Some(message.line("see `tend plan` for the commands"))
}

fn update_messages(
    context: &JobContext<'_>,
    exit_code: Option<i32>,
    error: Option<&str>,
    data: Option<&Value>,
) -> Vec<Message> {
    let mut messages = Vec::new();
    let list = |key: &str| -> Vec<Value> {
        data.and_then(|data| data.get(key))
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    };
    let rolled_back = data
        .and_then(|data| data.pointer("/apply/outcome"))
        .and_then(Value::as_str)
        == Some("rolled-back");
    if rolled_back || !matches!(exit_code, Some(0 | 1)) {
        let mut message = base_message(
            context,
            if rolled_back {
                EventKind::Rollback
            } else {
                EventKind::UpdateFailed
            },
            if rolled_back {
                "the update was rolled back to its snapshot".to_string()
            } else {
                "the update failed".to_string()
            },
        );
        if let Some(failure) = data
            .and_then(|data| data.pointer("/apply/failure"))
            .and_then(Value::as_str)
        {
            message = message.line(failure.to_string());
        }
        if let Some(error) = error {
            message = message.line(error.to_string());
        }
        messages.push(message);
        return messages;
    }
    let kept = list("kept");
    if !kept.is_empty() {
        let mut message = base_message(
            context,
            EventKind::UpdateSucceeded,
            format!(
                "{} package{} updated",
                kept.len(),
                if kept.len() == 1 { "" } else { "s" }
            ),
        );
        for update in &kept {
            let text = |key: &str| update.get(key).and_then(Value::as_str).unwrap_or("?");
            message = message.line(format!(
                "{} {} -> {}",
                text("name"),
                text("from"),
                text("to")
            ));
        }
        messages.push(message);
    }
    let held = list("held_back");
    if !held.is_empty() {
        let mut message = base_message(
            context,
            EventKind::UpdateHeldBack,
            format!(
                "{} update{} held back",
                held.len(),
                if held.len() == 1 { "" } else { "s" }
            ),
        );
        for entry in &held {
            let update = entry.get("update").unwrap_or(entry);
            let text = |key: &str| update.get(key).and_then(Value::as_str).unwrap_or("?");
            message = message.line(format!(
                "{} {} -> {}: {}",
                text("name"),
                text("from"),
                text("to"),
                entry
                    .get("reason")
                    .and_then(Value::as_str)
                    .and_then(|reason| reason.lines().next())
                    .unwrap_or("a gate failed")
            ));
        }
        messages.push(message);
    }
    messages
}

/// Sends `message` to the schedule's channels (every channel when it names none) and records
/// each delivery.
fn send(
    context: &JobContext<'_>,
    store: &mut SqliteStore,
    schedule: &Schedule,
    message: &Message,
    schedule_run: Option<ScheduleRunId>,
    run: Option<RunId>,
) -> Vec<tend_notify::Delivery> {
    let channels: Vec<&tend_policy::ChannelPolicy> = context
        .policy
        .notify
        .channels
        .iter()
        .filter(|channel| schedule.notify.is_empty() || schedule.notify.contains(&channel.name))
        .collect();
    super::notify::deliver_and_record(store, &channels, message, schedule_run, run)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn context(policy: &Policy) -> JobContext<'_> {
        JobContext {
            tend: PathBuf::from("tend"),
            project: PathBuf::from("/srv/app"),
            store: PathBuf::from("history.sqlite3"),
            config: None,
            cache_dir: None,
            policy,
        }
    }

    fn summary(messages: &[Message]) -> Vec<(EventKind, String, Vec<String>)> {
        messages
            .iter()
            .map(|message| (message.event, message.title.clone(), message.lines.clone()))
            .collect()
    }

    fn update() -> Job {
        Job::Update {
            phase: None,
            apply: true,
        }
    }

    #[test]
    fn a_scheduled_update_takes_the_newest_plan_approved_since_the_last_update() {
        let directory = tempfile::tempdir().unwrap();
        let mut store = SqliteStore::open(&directory.path().join("history.sqlite3")).unwrap();
        let project = Path::new("/srv/app");
        let add = |store: &mut SqliteStore, kind: RunKind, at: &str, approved: bool| {
            let id = store
                .record_run(&tend_store::NewRun {
                    kind,
                    project: project.to_path_buf(),
                    started_at: at.parse().unwrap(),
                    tend_version: "0".to_string(),
                })
                .unwrap();
            if approved {
                store
                    .record_approval(&tend_store::NewApproval {
                        plan: id,
                        by: "alice".to_string(),
                        comment: None,
                        at: at.parse().unwrap(),
                    })
                    .unwrap();
            }
            id
        };
        add(&mut store, RunKind::Plan, "2026-10-01T00:00:00Z", true);
        add(&mut store, RunKind::Update, "2026-10-05T00:00:00Z", false);
        add(&mut store, RunKind::Plan, "2026-11-01T00:00:00Z", false);
        // Nothing approved since the last update: the older approved plan does not count.
        assert_eq!(approved_plan(&store, project).unwrap(), None);
        let approved = add(&mut store, RunKind::Plan, "2026-11-02T00:00:00Z", true);
        add(&mut store, RunKind::Plan, "2026-11-03T00:00:00Z", false);
        assert_eq!(approved_plan(&store, project).unwrap(), Some(approved));
        // Another project's plans are not this one's.
        assert_eq!(
            approved_plan(&store, Path::new("/srv/other")).unwrap(),
            None
        );
    }

    #[test]
    fn an_update_tells_what_it_kept_and_held_back_with_a_link() {
        let mut policy = Policy::default();
        policy.notify.report_url = Some("https://reports.example/tend/{run}".to_string());
        let context = context(&policy);
        let report = json!({
            "kind": "update",
            "kept": [{"name": "flask", "from": "2.2.3", "to": "2.3.3", "gates": ["tests"]}],
            "held_back": [{
                "update": {"name": "sqlalchemy", "from": "1.4.0", "to": "2.0.1"},
                "reason": "gate `tests` failed\nTraceback ..."
            }],
            "apply": {"outcome": "applied", "steps": []}
        });
        let messages = events(
            &context,
            &update(),
            Some(1),
            None,
            Some(&report),
            None,
            Some(RunId(7)),
        );
        assert_eq!(
            summary(&messages),
            [
                (
                    EventKind::UpdateSucceeded,
                    "1 package updated".to_string(),
                    vec!["flask 2.2.3 -> 2.3.3".to_string()]
                ),
                (
                    EventKind::UpdateHeldBack,
                    "1 update held back".to_string(),
                    vec!["sqlalchemy 1.4.0 -> 2.0.1: gate `tests` failed".to_string()]
                ),
            ]
        );
        for message in &messages {
            assert_eq!(
                message.link.as_deref(),
                Some("https://reports.example/tend/7")
            );
            assert_eq!(message.run.as_deref(), Some("7"));
        }
    }

    #[test]
    fn a_failed_or_rolled_back_update_says_so_and_nothing_else() {
        let policy = Policy::default();
        let context = context(&policy);
        let rolled_back = json!({
            "kept": [{"name": "flask", "from": "2.2.3", "to": "2.3.3"}],
            "held_back": [],
            "apply": {"outcome": "rolled-back", "failure": "the health URL answered 503"}
        });
        let messages = events(
            &context,
            &update(),
            Some(1),
            None,
            Some(&rolled_back),
            None,
            None,
        );
        assert_eq!(
            summary(&messages),
            [(
                EventKind::Rollback,
                "the update was rolled back to its snapshot".to_string(),
                vec!["the health URL answered 503".to_string()]
            )]
        );
        let messages = events(
            &context,
            &update(),
            Some(2),
            Some("error: another update of this environment is running"),
            None,
            None,
            None,
        );
        assert_eq!(
            summary(&messages),
            [(
                EventKind::UpdateFailed,
                "the update failed".to_string(),
                vec!["error: another update of this environment is running".to_string()]
            )]
        );
        // A job killed by a signal has no exit code: failed too.
        let killed = events(&context, &update(), None, None, None, None, None);
        assert_eq!(killed[0].event, EventKind::UpdateFailed);
    }

    #[test]
    fn a_plan_tells_what_is_overdue_and_that_it_waits_for_approval() {
        let mut policy = Policy::default();
        policy.update.require_approval = true;
        let context = context(&policy);
        let plan = json!({
            "kind": "plan",
            "summary": {
                "items": 3,
                "overdue": 1,
                "most_overdue": [{
                    "name": "werkzeug", "from": "2.2.3", "to": "3.0.6",
                    "category": "critical", "due": "2026-11-01T00:00:00Z",
                    "overdue_by_seconds": 1_900_800
                }]
            }
        });
        let messages = events(
            &context,
            &Job::Plan,
            Some(1),
            None,
            Some(&plan),
            None,
            Some(RunId(12)),
        );
        assert_eq!(
            summary(&messages),
            [
                (
                    EventKind::Overdue,
                    "1 planned update past its deadline".to_string(),
                    vec![
                        "werkzeug 2.2.3 -> 3.0.6 (critical): 22 days overdue".to_string(),
                        "see `tend plan` for the commands".to_string()
                    ]
                ),
                (
                    EventKind::ApprovalNeeded,
                    "a plan of 3 updates waits for approval".to_string(),
                    vec!["approve it with `tend approve 12`".to_string()]
                ),
            ]
        );
        // Without require-approval, no approval message; nothing overdue, no overdue message.
        let quiet = json!({"summary": {"items": 3, "overdue": 0}});
        let policy = Policy::default();
        let context = super::tests::context(&policy);
        assert!(events(
            &context,
            &Job::Plan,
            Some(0),
            None,
            Some(&quiet),
            None,
            None
        )
        .is_empty());
    }

    #[test]
    fn only_findings_the_previous_audit_did_not_have_are_told() {
        let policy = Policy::default();
        let context = context(&policy);
        let finding = |id: &str, rating: &str| json!({"id": id, "severity": {"rating": rating}});
        let audit = |findings: Vec<serde_json::Value>| {
            json!({"kind": "audit", "vulnerable": [
                {"target": {"name": "flask", "version": "2.2.3"}, "findings": findings}
            ]})
        };
        let before = audit(vec![finding("GHSA-old", "medium")]);
        let now = audit(vec![
            finding("GHSA-old", "medium"),
            finding("GHSA-new", "high"),
        ]);
        let messages = events(
            &context,
            &Job::Audit,
            Some(1),
            None,
            Some(&now),
            Some(&before),
            None,
        );
        assert_eq!(
            summary(&messages),
            [(
                EventKind::Findings,
                "1 new vulnerability (highest: high)".to_string(),
                vec!["flask 2.2.3: GHSA-new (high)".to_string()]
            )]
        );
        assert_eq!(messages[0].severity, Some(tend_model::SeverityRating::High));
        // The same findings again: nothing to tell.
        assert!(events(
            &context,
            &Job::Audit,
            Some(1),
            None,
            Some(&now),
            Some(&now),
            None
        )
        .is_empty());
    }
}
