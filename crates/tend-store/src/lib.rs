//! The history store: a record of every run of tend — what kind of run, on which project, when
//! it started and ended, how it ended, the JSON reports it produced, and who approved which
//! plan — so that `tend history` can say what happened.
//!
//! Stages talk to the [`Store`] trait, not to SQLite: [`SqliteStore`] (one file, for a single
//! machine) is the first backend, and a shared server backend can be added beside it without
//! changing the stages. This crate owns the schema and its migrations ([`SCHEMA_VERSION`]).

mod sqlite;

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use jiff::Timestamp;
use serde::Serialize;

pub use sqlite::{SqliteStore, BUSY_TIMEOUT, SCHEMA_VERSION};

pub(crate) use record_parts as record_complete_parts;

/// The report kind of an update run's journal: `{"state", "snapshot": RUN, "environment"}`.
/// The store reads it too: [`Store::prune`] keeps the snapshot an unfinished update names.
pub const JOURNAL_REPORT: &str = "journal";

/// What every backend of the history store can do. Writes take `&mut self`: one store handle
/// belongs to one run of tend; two processes share the data through the backend, not a handle.
pub trait Store {
    /// Records the start of a run; [`Store::finish_run`] records its end.
    fn record_run(&mut self, run: &NewRun) -> Result<RunId, StoreError>;

    /// Keeps a report the run produced: `kind` names the document (`scan`, `audit`, …) and
    /// `document` is its JSON text, as tend renders it (with its `schema_version`).
    fn attach_report(&mut self, run: RunId, kind: &str, document: &str) -> Result<(), StoreError>;

    /// Keeps the run's output in one format (`table`, `markdown`, `html`, `sarif`…) exactly as
    /// it was rendered, for `tend report`. One rendering per format and run.
    fn attach_rendering(&mut self, run: RunId, format: &str, body: &str) -> Result<(), StoreError>;

    /// The run's output in `format`, or `None` when it was not kept in that format.
    fn rendering(&self, run: RunId, format: &str) -> Result<Option<String>, StoreError>;

    /// Records how a run ended and its summary (small JSON: counts, the headline).
    fn finish_run(
        &mut self,
        run: RunId,
        finished_at: Timestamp,
        status: RunStatus,
        summary: Option<&serde_json::Value>,
    ) -> Result<(), StoreError>;

    /// Runs matching `filter`, newest first, without their reports.
    fn runs(&self, filter: &RunFilter) -> Result<Vec<RunRecord>, StoreError>;

    /// One run with its reports and approvals, or `None` when there is no run `id`.
    fn run(&self, id: RunId) -> Result<Option<RunDetail>, StoreError>;

    /// Records a run that has already ended, with its reports and renderings, all at once:
    /// the commands that record themselves after the fact use this. A backend may do it in one
    /// transaction (SQLite does), so that a run is kept whole or not at all.
    fn record_complete(&mut self, run: &CompleteRun<'_>) -> Result<RunId, StoreError> {
        record_parts(self, run)
    }

    /// Records that someone approved a plan. The run must exist and be a [`RunKind::Plan`].
    fn record_approval(&mut self, approval: &NewApproval) -> Result<ApprovalId, StoreError>;

    /// Records the start of a schedule's run (by `tend daemon` or `tend schedule run`);
    /// [`Store::finish_schedule_run`] records its end.
    fn record_schedule_run(&mut self, run: &NewScheduleRun) -> Result<ScheduleRunId, StoreError>;

    /// Records how a schedule's run ended.
    fn finish_schedule_run(
        &mut self,
        id: ScheduleRunId,
        end: &ScheduleRunEnd,
    ) -> Result<(), StoreError>;

    /// Schedule runs, newest first: of one schedule (`Some(name)`) or of all, of one project or
    /// of all.
    fn schedule_runs(
        &self,
        schedule: Option<&str>,
        project: Option<&std::path::Path>,
        limit: Option<usize>,
    ) -> Result<Vec<ScheduleRunRecord>, StoreError>;

    /// Records one notification's delivery to one channel, delivered or not.
    fn record_notification(&mut self, notification: &Notification) -> Result<(), StoreError>;

    /// Notifications sent at or after `since` (all when `None`), newest first.
    fn notifications(
        &self,
        since: Option<Timestamp>,
        limit: Option<usize>,
    ) -> Result<Vec<Notification>, StoreError>;

    /// Removes what started before `before` (runs with their reports, renderings and
    /// approvals; schedule runs; notifications), except what a later `tend rollback` or an
    /// interrupted update still needs: runs that never finished, the snapshots their journals
    /// name, and the newest snapshot of each project.
    fn prune(&mut self, before: Timestamp) -> Result<Pruned, StoreError>;
}

/// The number of a schedule's run in the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct ScheduleRunId(pub i64);

impl fmt::Display for ScheduleRunId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// The start of a schedule's run.
#[derive(Debug, Clone)]
pub struct NewScheduleRun {
    /// The schedule's name in the policy.
    pub schedule: String,
    /// What it runs, as the policy writes it (`audit`, `update --phase critical`).
    pub job: String,
    pub project: PathBuf,
    /// The time the schedule was due: a run started late (caught up after the daemon was
    /// down) keeps the slot it stands for.
    pub due_at: Timestamp,
    pub started_at: Timestamp,
    /// Started late, for a slot that passed while nothing was running.
    pub caught_up: bool,
}

/// How a schedule's run ended.
#[derive(Debug, Clone)]
pub struct ScheduleRunEnd {
    pub finished_at: Timestamp,
    /// The job's exit code; `None` when it did not exit (killed, could not start).
    pub exit_code: Option<i32>,
    /// The history run the job recorded, when it recorded one.
    pub run: Option<RunId>,
    /// Why it did not run or did not exit, in words.
    pub error: Option<String>,
}

/// A schedule's run as recorded.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScheduleRunRecord {
    pub id: ScheduleRunId,
    pub schedule: String,
    pub job: String,
    pub project: PathBuf,
    pub due_at: Timestamp,
    pub started_at: Timestamp,
    pub caught_up: bool,
    /// `None` while it runs, or when it never finished.
    pub finished_at: Option<Timestamp>,
    pub exit_code: Option<i32>,
    pub run: Option<RunId>,
    pub error: Option<String>,
}

/// One notification sent (or not) to one channel, as recorded and as read back.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Notification {
    pub at: Timestamp,
    pub channel: String,
    /// The event's name (`findings`, `update-failed`, …).
    pub event: String,
    pub title: String,
    /// `delivered` or `failed`.
    pub outcome: String,
    pub attempts: u32,
    /// Why it failed, without secrets.
    pub error: Option<String>,
    pub schedule_run: Option<ScheduleRunId>,
    pub run: Option<RunId>,
}

/// What [`Store::prune`] removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Pruned {
    pub runs: usize,
    pub schedule_runs: usize,
    pub notifications: usize,
    /// Runs older than the limit kept because a rollback may still need them.
    pub kept_for_rollback: usize,
}

/// A run that has ended, with what it produced ([`Store::record_complete`]).
#[derive(Debug, Clone)]
pub struct CompleteRun<'a> {
    pub run: NewRun,
    /// `(kind, JSON document)` pairs.
    pub reports: &'a [(&'a str, &'a str)],
    /// `(format, text)` pairs.
    pub renderings: &'a [(&'a str, &'a str)],
    pub finished_at: Timestamp,
    pub status: RunStatus,
    pub summary: Option<&'a serde_json::Value>,
}

/// [`Store::record_complete`] as the separate writes it is made of.
fn record_parts<S: Store + ?Sized>(
    store: &mut S,
    run: &CompleteRun<'_>,
) -> Result<RunId, StoreError> {
    let id = store.record_run(&run.run)?;
    for (kind, document) in run.reports {
        store.attach_report(id, kind, document)?;
    }
    for (format, text) in run.renderings {
        store.attach_rendering(id, format, text)?;
    }
    store.finish_run(id, run.finished_at, run.status, run.summary)?;
    Ok(id)
}

/// The number of a run in the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct RunId(pub i64);

impl fmt::Display for RunId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// The number of an approval in the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct ApprovalId(pub i64);

/// Which command a run was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RunKind {
    Inventory,
    Check,
    Audit,
    Outdated,
    Scan,
    Plan,
    Approval,
    Snapshot,
    Update,
    Rollback,
}

impl RunKind {
    pub const ALL: [RunKind; 10] = [
        RunKind::Inventory,
        RunKind::Check,
        RunKind::Audit,
        RunKind::Outdated,
        RunKind::Scan,
        RunKind::Plan,
        RunKind::Approval,
        RunKind::Snapshot,
        RunKind::Update,
        RunKind::Rollback,
    ];

    /// The name stored in the database and shown to users.
    pub fn as_str(self) -> &'static str {
        match self {
            RunKind::Inventory => "inventory",
            RunKind::Check => "check",
            RunKind::Audit => "audit",
            RunKind::Outdated => "outdated",
            RunKind::Scan => "scan",
            RunKind::Plan => "plan",
            RunKind::Approval => "approval",
            RunKind::Snapshot => "snapshot",
            RunKind::Update => "update",
            RunKind::Rollback => "rollback",
        }
    }
}

impl fmt::Display for RunKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for RunKind {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        RunKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == text)
            .ok_or_else(|| {
                let names: Vec<&str> = RunKind::ALL.iter().map(|kind| kind.as_str()).collect();
                format!(
                    "`{text}` is not a kind of run; expected one of {}",
                    names.join(", ")
                )
            })
    }
}

/// How a run ended: the meaning of tend's exit codes 0, 1 and 2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RunStatus {
    /// Nothing at or above the failure threshold (exit 0).
    Success,
    /// Findings at or above the failure threshold (exit 1).
    Findings,
    /// A usage or input error stopped the run (exit 2).
    Error,
}

impl RunStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Success => "success",
            RunStatus::Findings => "findings",
            RunStatus::Error => "error",
        }
    }

    /// The exit code tend ends with for this status.
    pub fn exit_code(self) -> u8 {
        match self {
            RunStatus::Success => 0,
            RunStatus::Findings => 1,
            RunStatus::Error => 2,
        }
    }

    fn parse(text: &str) -> Option<Self> {
        [RunStatus::Success, RunStatus::Findings, RunStatus::Error]
            .into_iter()
            .find(|status| status.as_str() == text)
    }
}

impl fmt::Display for RunStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The start of a run.
#[derive(Debug, Clone)]
pub struct NewRun {
    pub kind: RunKind,
    /// The project directory, best made absolute so that runs from different working
    /// directories compare equal.
    pub project: PathBuf,
    pub started_at: Timestamp,
    /// The version of tend that ran (`CARGO_PKG_VERSION` of the binary).
    pub tend_version: String,
}

/// Which runs [`Store::runs`] returns.
#[derive(Debug, Clone, Default)]
pub struct RunFilter {
    pub kind: Option<RunKind>,
    pub project: Option<PathBuf>,
    /// At most this many (the newest); all when `None`.
    pub limit: Option<usize>,
}

/// One run as recorded.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunRecord {
    pub id: RunId,
    pub kind: RunKind,
    pub project: PathBuf,
    pub started_at: Timestamp,
    /// `None` while the run is going on, or when it never finished (it was killed).
    pub finished_at: Option<Timestamp>,
    pub status: Option<RunStatus>,
    pub tend_version: String,
    pub summary: Option<serde_json::Value>,
}

/// A report a run produced.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportRecord {
    pub kind: String,
    /// The JSON document, parsed.
    pub document: serde_json::Value,
}

/// One run with what was kept about it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunDetail {
    #[serde(flatten)]
    pub run: RunRecord,
    pub reports: Vec<ReportRecord>,
    /// The formats the run's output was kept in ([`Store::rendering`]), in the order kept.
    pub renderings: Vec<String>,
    pub approvals: Vec<ApprovalRecord>,
}

/// Someone's approval of a plan.
#[derive(Debug, Clone)]
pub struct NewApproval {
    pub plan: RunId,
    pub by: String,
    pub comment: Option<String>,
    pub at: Timestamp,
}

/// An approval as recorded.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ApprovalRecord {
    pub id: ApprovalId,
    pub plan: RunId,
    pub by: String,
    pub comment: Option<String>,
    pub at: Timestamp,
}

/// What went wrong with the store. Every variant names the database file.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot create the directory of the history store `{}`", path.display())]
    CreateDirectory {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("cannot open the history store `{}`", path.display())]
    Open {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },

    #[error(
        "the history store `{}` is not a tend history database (it may be corrupt, or another \
         program's file); move it away and tend will start a new one",
        path.display()
    )]
    // SQLite's own words ("file is not a database") add nothing to this message.
    NotAStore { path: PathBuf },

    #[error(
        "the history store `{}` has schema version {found}, newer than this tend knows \
         ({known}); upgrade tend, or use another file with --store",
        path.display()
    )]
    TooNew {
        path: PathBuf,
        found: i64,
        known: i64,
    },

    #[error("the history store `{}` failed", path.display())]
    Sqlite {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },

    #[error("the history store `{}` has no run {run}", path.display())]
    NoSuchRun { path: PathBuf, run: RunId },

    #[error("run {run} in the history store `{}` is a {kind} run, not a plan", path.display())]
    NotAPlan {
        path: PathBuf,
        run: RunId,
        kind: RunKind,
    },

    #[error("the {what} given to the history store `{}` is not JSON", path.display())]
    InvalidJson {
        path: PathBuf,
        what: String,
        #[source]
        source: serde_json::Error,
    },

    #[error(
        "the history store `{}` has an unreadable value in {table} row {row}: {message}",
        path.display()
    )]
    BadValue {
        path: PathBuf,
        table: &'static str,
        row: i64,
        message: String,
    },
}
