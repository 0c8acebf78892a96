//! The SQLite backend: one database file, its schema and migrations, and the mapping between
//! rows and the store's types.
//!
//! Timestamps are RFC 3339 text in UTC with nine fractional digits: fixed width, so that text
//! order is time order and `ORDER BY started_at` needs no conversion.

use std::path::{Path, PathBuf};
use std::time::Duration;

use jiff::Timestamp;
use rusqlite::{params, Connection, ErrorCode, OptionalExtension, Row, TransactionBehavior};

use crate::{
    ApprovalId, ApprovalRecord, NewApproval, NewRun, NewScheduleRun, Notification, Pruned,
    ReportRecord, RunDetail, RunFilter, RunId, RunKind, RunRecord, RunStatus, ScheduleRunEnd,
    ScheduleRunId, ScheduleRunRecord, Store, StoreError,
};

/// How long a write waits for another tend process to finish its own before giving up.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// The schema version this tend writes: the number of [`MIGRATIONS`].
// A handful of migrations; the count cannot wrap.
#[allow(clippy::cast_possible_wrap)]
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// The migrations in order; migration `n` (from 1) brings the schema to version `n`. A
/// migration, once released, is never edited: a change is a new entry.
const MIGRATIONS: &[&str] = &[
    // 1: runs, the reports they produced, and approvals of plans.
    "CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        project TEXT NOT NULL,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        status TEXT,
        tend_version TEXT NOT NULL,
        summary TEXT
    ) STRICT;
    CREATE INDEX runs_by_start ON runs (started_at, id);
    CREATE INDEX runs_by_kind ON runs (kind, started_at);
    CREATE TABLE reports (
        id INTEGER PRIMARY KEY,
        run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        kind TEXT NOT NULL,
        document TEXT NOT NULL
    ) STRICT;
    CREATE INDEX reports_by_run ON reports (run_id);
    CREATE TABLE approvals (
        id INTEGER PRIMARY KEY,
        plan_run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        approved_by TEXT NOT NULL,
        comment TEXT,
        approved_at TEXT NOT NULL
    ) STRICT;
    CREATE INDEX approvals_by_plan ON approvals (plan_run_id);",
    // 2: each run's reports as the user saw them (table, Markdown, HTML, SARIF…), kept so that
    // `tend report` prints a past run exactly as it was produced.
    "CREATE TABLE renderings (
        id INTEGER PRIMARY KEY,
        run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        format TEXT NOT NULL,
        body TEXT NOT NULL,
        UNIQUE (run_id, format)
    ) STRICT;",
    // 3: the runs of the policy's schedules (`tend daemon`, `tend schedule run`) and the
    // notifications sent, delivered or not.
    "CREATE TABLE schedule_runs (
        id INTEGER PRIMARY KEY,
        schedule TEXT NOT NULL,
        job TEXT NOT NULL,
        project TEXT NOT NULL,
        due_at TEXT NOT NULL,
        started_at TEXT NOT NULL,
        caught_up INTEGER NOT NULL,
        finished_at TEXT,
        exit_code INTEGER,
        run_id INTEGER REFERENCES runs (id) ON DELETE SET NULL,
        error TEXT
    ) STRICT;
    CREATE INDEX schedule_runs_by_schedule ON schedule_runs (schedule, project, started_at);
    CREATE TABLE notifications (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        channel TEXT NOT NULL,
        event TEXT NOT NULL,
        title TEXT NOT NULL,
        outcome TEXT NOT NULL,
        attempts INTEGER NOT NULL,
        error TEXT,
        schedule_run_id INTEGER REFERENCES schedule_runs (id) ON DELETE SET NULL,
        run_id INTEGER REFERENCES runs (id) ON DELETE SET NULL
    ) STRICT;
    CREATE INDEX notifications_by_time ON notifications (at);",
];

/// The history store in one SQLite file.
#[derive(Debug)]
pub struct SqliteStore {
    path: PathBuf,
    connection: Connection,
}

impl SqliteStore {
    /// Opens the database at `path`, creating it and its directory when missing, and brings
    /// its schema up to [`SCHEMA_VERSION`]. A database from a newer tend is refused rather than
    /// written to with a schema this tend does not know.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        Self::open_at(path, Timestamp::now())
    }

    /// [`SqliteStore::open`] with the time recorded for any migration applied.
    pub fn open_at(path: &Path, now: Timestamp) -> Result<Self, StoreError> {
        if let Some(parent) = path
            .parent()
            .filter(|parent| !parent.as_os_str().is_empty())
        {
            fs_err::create_dir_all(parent).map_err(|source| StoreError::CreateDirectory {
                path: path.to_path_buf(),
                source,
            })?;
        }
        let mut connection = Connection::open(path).map_err(|source| StoreError::Open {
            path: path.to_path_buf(),
            source,
        })?;
        let failed = sql_error(path);
        connection.busy_timeout(BUSY_TIMEOUT).map_err(&failed)?;
        // WAL lets `tend history` read while another process writes; the setting is kept in
        // the file, so only the first open changes it. This is also the first statement that
        // reads the file, so a file that is not a database fails here.
        enable_wal(&connection).map_err(&failed)?;
        connection
            .execute_batch("PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;")
            .map_err(&failed)?;
        migrate(&mut connection, path, now)?;
        Ok(Self {
            path: path.to_path_buf(),
            connection,
        })
    }

    /// Makes every later commit of this handle durable (`synchronous = FULL`: the WAL is synced
    /// at each commit), for records that must survive a power loss, such as an update's journal.
    /// By default commits are only safe against a crash of tend itself.
    pub fn make_durable(&self) -> Result<(), StoreError> {
        self.connection
            .execute_batch("PRAGMA synchronous = FULL;")
            .map_err(sql_error(&self.path))
    }

    /// The `synchronous` setting of this handle (0 off, 1 normal, 2 full, 3 extra).
    pub fn synchronous(&self) -> Result<i64, StoreError> {
        self.connection
            .query_row("PRAGMA synchronous", [], |row| row.get(0))
            .map_err(sql_error(&self.path))
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The schema version recorded in the file.
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        current_version(&self.connection, &self.path)
    }

    fn read_run(&self, row: &Row<'_>) -> Result<RunRecord, StoreError> {
        let failed = sql_error(&self.path);
        let id: i64 = row.get("id").map_err(&failed)?;
        let bad = |message: String| StoreError::BadValue {
            path: self.path.clone(),
            table: "runs",
            row: id,
            message,
        };
        let kind: String = row.get("kind").map_err(&failed)?;
        let kind: RunKind = kind.parse().map_err(bad)?;
        let project: String = row.get("project").map_err(&failed)?;
        let started_at: String = row.get("started_at").map_err(&failed)?;
        let started_at = parse_time(&started_at).map_err(bad)?;
        let finished_at: Option<String> = row.get("finished_at").map_err(&failed)?;
        let finished_at = finished_at
            .as_deref()
            .map(parse_time)
            .transpose()
            .map_err(bad)?;
        let status: Option<String> = row.get("status").map_err(&failed)?;
        let status = status
            .map(|status| {
                RunStatus::parse(&status).ok_or_else(|| {
                    bad(format!(
                        "status `{status}` is not one of success, findings, error"
                    ))
                })
            })
            .transpose()?;
        let tend_version: String = row.get("tend_version").map_err(&failed)?;
        let summary: Option<String> = row.get("summary").map_err(&failed)?;
        let summary = summary
            .map(|summary| {
                serde_json::from_str(&summary)
                    .map_err(|error| bad(format!("the summary is not JSON: {error}")))
            })
            .transpose()?;
        Ok(RunRecord {
            id: RunId(id),
            kind,
            project: PathBuf::from(project),
            started_at,
            finished_at,
            status,
            tend_version,
            summary,
        })
    }

    fn reports(&self, run: RunId) -> Result<Vec<ReportRecord>, StoreError> {
        let failed = sql_error(&self.path);
        let mut statement = self
            .connection
            .prepare("SELECT id, kind, document FROM reports WHERE run_id = ?1 ORDER BY id")
            .map_err(&failed)?;
        let rows = statement
            .query_map([run.0], |row| {
                Ok((
                    row.get::<_, i64>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                ))
            })
            .map_err(&failed)?;
        let mut reports = Vec::new();
        for row in rows {
            let (id, kind, document) = row.map_err(&failed)?;
            let document =
                serde_json::from_str(&document).map_err(|error| StoreError::BadValue {
                    path: self.path.clone(),
                    table: "reports",
                    row: id,
                    message: format!("the document is not JSON: {error}"),
                })?;
            reports.push(ReportRecord { kind, document });
        }
        Ok(reports)
    }

    /// Runs an `INSERT … SELECT id, ?2, ?3 FROM runs WHERE id = ?1`: inserted from the run's
    /// own row, so that a missing run is a clear error rather than a foreign-key failure.
    fn insert_for_run(
        &mut self,
        sql: &str,
        run: RunId,
        first: &str,
        second: &str,
    ) -> Result<(), StoreError> {
        let inserted = self
            .connection
            .execute(sql, params![run.0, first, second])
            .map_err(sql_error(&self.path))?;
        if inserted == 0 {
            return Err(StoreError::NoSuchRun {
                path: self.path.clone(),
                run,
            });
        }
        Ok(())
    }

    fn rendering_formats(&self, run: RunId) -> Result<Vec<String>, StoreError> {
        let failed = sql_error(&self.path);
        let mut statement = self
            .connection
            .prepare("SELECT format FROM renderings WHERE run_id = ?1 ORDER BY id")
            .map_err(&failed)?;
        let rows = statement
            .query_map([run.0], |row| row.get::<_, String>(0))
            .map_err(&failed)?;
        rows.collect::<Result<Vec<_>, _>>().map_err(&failed)
    }

    fn approvals(&self, run: RunId) -> Result<Vec<ApprovalRecord>, StoreError> {
        let failed = sql_error(&self.path);
        let mut statement = self
            .connection
            .prepare(
                "SELECT id, approved_by, comment, approved_at FROM approvals \
                 WHERE plan_run_id = ?1 ORDER BY id",
            )
            .map_err(&failed)?;
        let rows = statement
            .query_map([run.0], |row| {
                Ok((
                    row.get::<_, i64>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, Option<String>>(2)?,
                    row.get::<_, String>(3)?,
                ))
            })
            .map_err(&failed)?;
        let mut approvals = Vec::new();
        for row in rows {
            let (id, by, comment, at) = row.map_err(&failed)?;
            let at = parse_time(&at).map_err(|message| StoreError::BadValue {
                path: self.path.clone(),
                table: "approvals",
                row: id,
                message,
            })?;
            approvals.push(ApprovalRecord {
                id: ApprovalId(id),
                plan: run,
                by,
                comment,
                at,
            });
        }
        Ok(approvals)
    }
}

impl Store for SqliteStore {
    fn record_complete(&mut self, run: &crate::CompleteRun<'_>) -> Result<RunId, StoreError> {
        // One transaction: a run is kept whole or not at all, and one commit costs less than
        // one per row.
        self.connection
            .execute_batch("BEGIN IMMEDIATE")
            .map_err(sql_error(&self.path))?;
        match crate::record_complete_parts(self, run) {
            Ok(id) => {
                self.connection
                    .execute_batch("COMMIT")
                    .map_err(sql_error(&self.path))?;
                Ok(id)
            }
            Err(error) => {
                let _ = self.connection.execute_batch("ROLLBACK");
                Err(error)
            }
        }
    }

    fn record_run(&mut self, run: &NewRun) -> Result<RunId, StoreError> {
        self.connection
            .execute(
                "INSERT INTO runs (kind, project, started_at, tend_version) \
                 VALUES (?1, ?2, ?3, ?4)",
                params![
                    run.kind.as_str(),
                    run.project.to_string_lossy(),
                    format_time(run.started_at),
                    run.tend_version,
                ],
            )
            .map_err(sql_error(&self.path))?;
        Ok(RunId(self.connection.last_insert_rowid()))
    }

    fn attach_report(&mut self, run: RunId, kind: &str, document: &str) -> Result<(), StoreError> {
        serde_json::from_str::<serde::de::IgnoredAny>(document).map_err(|source| {
            StoreError::InvalidJson {
                path: self.path.clone(),
                what: format!("`{kind}` report"),
                source,
            }
        })?;
        self.insert_for_run(
            "INSERT INTO reports (run_id, kind, document) SELECT id, ?2, ?3 FROM runs \
             WHERE id = ?1",
            run,
            kind,
            document,
        )
    }

    fn attach_rendering(&mut self, run: RunId, format: &str, body: &str) -> Result<(), StoreError> {
        self.insert_for_run(
            "INSERT INTO renderings (run_id, format, body) SELECT id, ?2, ?3 FROM runs \
             WHERE id = ?1",
            run,
            format,
            body,
        )
    }

    fn rendering(&self, run: RunId, format: &str) -> Result<Option<String>, StoreError> {
        self.connection
            .query_row(
                "SELECT body FROM renderings WHERE run_id = ?1 AND format = ?2",
                params![run.0, format],
                |row| row.get::<_, String>(0),
            )
            .optional()
            .map_err(sql_error(&self.path))
    }

    fn finish_run(
        &mut self,
        run: RunId,
        finished_at: Timestamp,
        status: RunStatus,
        summary: Option<&serde_json::Value>,
    ) -> Result<(), StoreError> {
        let summary = summary.map(serde_json::Value::to_string);
        let updated = self
            .connection
            .execute(
                "UPDATE runs SET finished_at = ?2, status = ?3, summary = ?4 WHERE id = ?1",
                params![run.0, format_time(finished_at), status.as_str(), summary],
            )
            .map_err(sql_error(&self.path))?;
        if updated == 0 {
            return Err(StoreError::NoSuchRun {
                path: self.path.clone(),
                run,
            });
        }
        Ok(())
    }

    fn runs(&self, filter: &RunFilter) -> Result<Vec<RunRecord>, StoreError> {
        let failed = sql_error(&self.path);
        // SQLite reads a negative LIMIT as "no limit".
        let limit = filter
            .limit
            .map_or(-1, |limit| i64::try_from(limit).unwrap_or(i64::MAX));
        let mut statement = self
            .connection
            .prepare(
                "SELECT * FROM runs WHERE (?1 IS NULL OR kind = ?1) \
                 AND (?2 IS NULL OR project = ?2) ORDER BY started_at DESC, id DESC LIMIT ?3",
            )
            .map_err(&failed)?;
        let project = filter
            .project
            .as_ref()
            .map(|project| project.to_string_lossy().into_owned());
        let mut rows = statement
            .query(params![filter.kind.map(RunKind::as_str), project, limit])
            .map_err(&failed)?;
        let mut runs = Vec::new();
        while let Some(row) = rows.next().map_err(&failed)? {
            runs.push(self.read_run(row)?);
        }
        Ok(runs)
    }

    fn run(&self, id: RunId) -> Result<Option<RunDetail>, StoreError> {
        let failed = sql_error(&self.path);
        let mut statement = self
            .connection
            .prepare("SELECT * FROM runs WHERE id = ?1")
            .map_err(&failed)?;
        let mut rows = statement.query([id.0]).map_err(&failed)?;
        let Some(row) = rows.next().map_err(&failed)? else {
            return Ok(None);
        };
        let run = self.read_run(row)?;
        Ok(Some(RunDetail {
            reports: self.reports(id)?,
            renderings: self.rendering_formats(id)?,
            approvals: self.approvals(id)?,
            run,
        }))
    }

    fn record_approval(&mut self, approval: &NewApproval) -> Result<ApprovalId, StoreError> {
        let failed = sql_error(&self.path);
        // Immediate: the check of the plan and the insert see the same database.
        let transaction = self
            .connection
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(&failed)?;
        let kind: Option<String> = transaction
            .query_row(
                "SELECT kind FROM runs WHERE id = ?1",
                [approval.plan.0],
                |row| row.get(0),
            )
            .optional()
            .map_err(&failed)?;
        let Some(kind) = kind else {
            return Err(StoreError::NoSuchRun {
                path: self.path.clone(),
                run: approval.plan,
            });
        };
        let kind: RunKind = kind.parse().map_err(|message| StoreError::BadValue {
            path: self.path.clone(),
            table: "runs",
            row: approval.plan.0,
            message,
        })?;
        if kind != RunKind::Plan {
            return Err(StoreError::NotAPlan {
                path: self.path.clone(),
                run: approval.plan,
                kind,
            });
        }
        transaction
            .execute(
                "INSERT INTO approvals (plan_run_id, approved_by, comment, approved_at) \
                 VALUES (?1, ?2, ?3, ?4)",
                params![
                    approval.plan.0,
                    approval.by,
                    approval.comment,
                    format_time(approval.at)
                ],
            )
            .map_err(&failed)?;
        let id = transaction.last_insert_rowid();
        transaction.commit().map_err(&failed)?;
        Ok(ApprovalId(id))
    }

    fn record_schedule_run(&mut self, run: &NewScheduleRun) -> Result<ScheduleRunId, StoreError> {
        self.connection
            .execute(
                "INSERT INTO schedule_runs (schedule, job, project, due_at, started_at, caught_up) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    run.schedule,
                    run.job,
                    run.project.to_string_lossy(),
                    format_time(run.due_at),
                    format_time(run.started_at),
                    run.caught_up,
                ],
            )
            .map_err(sql_error(&self.path))?;
        Ok(ScheduleRunId(self.connection.last_insert_rowid()))
    }

    fn finish_schedule_run(
        &mut self,
        id: ScheduleRunId,
        end: &ScheduleRunEnd,
    ) -> Result<(), StoreError> {
        // The job's run may have been pruned meanwhile, or recorded in another store: link it
        // only when it is here.
        self.connection
            .execute(
                "UPDATE schedule_runs SET finished_at = ?2, exit_code = ?3, \
                 run_id = (SELECT id FROM runs WHERE id = ?4), error = ?5 WHERE id = ?1",
                params![
                    id.0,
                    format_time(end.finished_at),
                    end.exit_code,
                    end.run.map(|run| run.0),
                    end.error,
                ],
            )
            .map_err(sql_error(&self.path))?;
        Ok(())
    }

    fn schedule_runs(
        &self,
        schedule: Option<&str>,
        project: Option<&Path>,
        limit: Option<usize>,
    ) -> Result<Vec<ScheduleRunRecord>, StoreError> {
        let failed = sql_error(&self.path);
        let limit = limit.map_or(-1, |limit| i64::try_from(limit).unwrap_or(i64::MAX));
        let mut statement = self
            .connection
            .prepare(
                "SELECT * FROM schedule_runs WHERE (?1 IS NULL OR schedule = ?1) \
                 AND (?2 IS NULL OR project = ?2) ORDER BY started_at DESC, id DESC LIMIT ?3",
            )
            .map_err(&failed)?;
        let project = project.map(|project| project.to_string_lossy().into_owned());
        let mut rows = statement
            .query(params![schedule, project, limit])
            .map_err(&failed)?;
        let mut runs = Vec::new();
        while let Some(row) = rows.next().map_err(&failed)? {
            runs.push(self.read_schedule_run(row)?);
        }
        Ok(runs)
    }

    fn record_notification(&mut self, notification: &Notification) -> Result<(), StoreError> {
        self.connection
            .execute(
                "INSERT INTO notifications (at, channel, event, title, outcome, attempts, error, \
                 schedule_run_id, run_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, \
                 (SELECT id FROM schedule_runs WHERE id = ?8), (SELECT id FROM runs WHERE id = ?9))",
                params![
                    format_time(notification.at),
                    notification.channel,
                    notification.event,
                    notification.title,
                    notification.outcome,
                    notification.attempts,
                    notification.error,
                    notification.schedule_run.map(|run| run.0),
                    notification.run.map(|run| run.0),
                ],
            )
            .map_err(sql_error(&self.path))?;
        Ok(())
    }

    fn notifications(
        &self,
        since: Option<Timestamp>,
        limit: Option<usize>,
    ) -> Result<Vec<Notification>, StoreError> {
        let failed = sql_error(&self.path);
        let limit = limit.map_or(-1, |limit| i64::try_from(limit).unwrap_or(i64::MAX));
        let mut statement = self
            .connection
            .prepare(
                "SELECT * FROM notifications WHERE (?1 IS NULL OR at >= ?1) \
                 ORDER BY at DESC, id DESC LIMIT ?2",
            )
            .map_err(&failed)?;
        let mut rows = statement
            .query(params![since.map(format_time), limit])
            .map_err(&failed)?;
        let mut notifications = Vec::new();
        while let Some(row) = rows.next().map_err(&failed)? {
            let id: i64 = row.get("id").map_err(&failed)?;
            let at: String = row.get("at").map_err(&failed)?;
            let at = parse_time(&at).map_err(|message| StoreError::BadValue {
                path: self.path.clone(),
                table: "notifications",
                row: id,
                message,
            })?;
            notifications.push(Notification {
                at,
                channel: row.get("channel").map_err(&failed)?,
                event: row.get("event").map_err(&failed)?,
                title: row.get("title").map_err(&failed)?,
                outcome: row.get("outcome").map_err(&failed)?,
                attempts: row.get("attempts").map_err(&failed)?,
                error: row.get("error").map_err(&failed)?,
                schedule_run: row
                    .get::<_, Option<i64>>("schedule_run_id")
                    .map_err(&failed)?
                    .map(ScheduleRunId),
                run: row
                    .get::<_, Option<i64>>("run_id")
                    .map_err(&failed)?
                    .map(RunId),
            });
        }
        Ok(notifications)
    }

    fn prune(&mut self, before: Timestamp) -> Result<Pruned, StoreError> {
        let failed = sql_error(&self.path);
        let cutoff = format_time(before);
        let transaction = self
            .connection
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(&failed)?;
        // What a rollback may still need: unfinished runs (an interrupted update, or one going
        // on), the snapshots their journals name, the newest snapshot of each project.
        transaction
            .execute_batch(&format!(
                "CREATE TEMP TABLE IF NOT EXISTS kept (id INTEGER PRIMARY KEY);
                 DELETE FROM temp.kept;
                 INSERT OR IGNORE INTO temp.kept SELECT id FROM runs WHERE finished_at IS NULL;
                 INSERT OR IGNORE INTO temp.kept
                     SELECT json_extract(reports.document, '$.snapshot') FROM reports
                     JOIN runs ON runs.id = reports.run_id
                     WHERE runs.finished_at IS NULL AND reports.kind = '{journal}'
                     AND json_valid(reports.document)
                     AND json_extract(reports.document, '$.snapshot') IS NOT NULL;
                 INSERT OR IGNORE INTO temp.kept
                     SELECT (SELECT newest.id FROM runs AS newest
                             WHERE newest.kind = 'snapshot' AND newest.project = runs.project
                             ORDER BY newest.started_at DESC, newest.id DESC LIMIT 1)
                     FROM runs WHERE kind = 'snapshot' GROUP BY project;",
                journal = crate::JOURNAL_REPORT
            ))
            .map_err(&failed)?;
        let kept_for_rollback = transaction
            .query_row(
                "SELECT count(*) FROM runs WHERE started_at < ?1 AND id IN temp.kept",
                [&cutoff],
                |row| row.get::<_, i64>(0),
            )
            .map_err(&failed)?;
        let notifications = transaction
            .execute("DELETE FROM notifications WHERE at < ?1", [&cutoff])
            .map_err(&failed)?;
        let schedule_runs = transaction
            .execute(
                "DELETE FROM schedule_runs WHERE started_at < ?1 AND finished_at IS NOT NULL",
                [&cutoff],
            )
            .map_err(&failed)?;
        let runs = transaction
            .execute(
                "DELETE FROM runs WHERE started_at < ?1 AND id NOT IN temp.kept",
                [&cutoff],
            )
            .map_err(&failed)?;
        transaction
            .execute_batch("DROP TABLE temp.kept;")
            .map_err(&failed)?;
        transaction.commit().map_err(&failed)?;
        Ok(Pruned {
            runs,
            schedule_runs,
            notifications,
            kept_for_rollback: usize::try_from(kept_for_rollback).unwrap_or(0),
        })
    }
}

impl SqliteStore {
    fn read_schedule_run(&self, row: &Row<'_>) -> Result<ScheduleRunRecord, StoreError> {
        let failed = sql_error(&self.path);
        let id: i64 = row.get("id").map_err(&failed)?;
        let bad = |message: String| StoreError::BadValue {
            path: self.path.clone(),
            table: "schedule_runs",
            row: id,
            message,
        };
        let time = |column: &str| -> Result<Option<Timestamp>, StoreError> {
            let text: Option<String> = row.get(column).map_err(&failed)?;
            text.as_deref().map(parse_time).transpose().map_err(bad)
        };
        let required = |column: &str| -> Result<Timestamp, StoreError> {
            time(column)?.ok_or_else(|| bad(format!("{column} is empty")))
        };
        let project: String = row.get("project").map_err(&failed)?;
        Ok(ScheduleRunRecord {
            id: ScheduleRunId(id),
            schedule: row.get("schedule").map_err(&failed)?,
            job: row.get("job").map_err(&failed)?,
            project: PathBuf::from(project),
            due_at: required("due_at")?,
            started_at: required("started_at")?,
            caught_up: row.get("caught_up").map_err(&failed)?,
            finished_at: time("finished_at")?,
            exit_code: row.get("exit_code").map_err(&failed)?,
            run: row
                .get::<_, Option<i64>>("run_id")
                .map_err(&failed)?
                .map(RunId),
            error: row.get("error").map_err(&failed)?,
        })
    }
}

/// Switches the file to WAL unless it is already. Changing the journal mode needs the file to
/// itself, and SQLite answers `SQLITE_BUSY` at once, without the busy handler, when another
/// connection is using it (two tend processes opening a new store together): so wait here, up
/// to the busy timeout, as every other statement does.
fn enable_wal(connection: &Connection) -> rusqlite::Result<()> {
    let mode: String = connection.query_row("PRAGMA journal_mode", [], |row| row.get(0))?;
    if mode.eq_ignore_ascii_case("wal") {
        return Ok(());
    }
    let deadline = std::time::Instant::now() + BUSY_TIMEOUT;
    loop {
        match connection.query_row("PRAGMA journal_mode = WAL", [], |row| {
            row.get::<_, String>(0)
        }) {
            Err(rusqlite::Error::SqliteFailure(error, _))
                if error.code == rusqlite::ErrorCode::DatabaseBusy
                    && std::time::Instant::now() < deadline =>
            {
                std::thread::sleep(Duration::from_millis(5));
            }
            result => return result.map(drop),
        }
    }
}

/// Applies the migrations the file lacks, all in one transaction: a failure leaves the file as
/// it was, and two processes opening a new file at once migrate it once.
fn migrate(connection: &mut Connection, path: &Path, now: Timestamp) -> Result<(), StoreError> {
    let failed = sql_error(path);
    // The common case, an up-to-date file, takes no write lock.
    if has_migrations_table(connection, path)? {
        let current = current_version(connection, path)?;
        check_version(current, path)?;
        if current == SCHEMA_VERSION {
            return Ok(());
        }
    }
    let transaction = connection
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(&failed)?;
    if !has_migrations_table(&transaction, path)? {
        let tables: i64 = transaction
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table'",
                [],
                |row| row.get(0),
            )
            .map_err(&failed)?;
        // A database with tables of its own is another program's: never write into it.
        if tables > 0 {
            return Err(StoreError::NotAStore {
                path: path.to_path_buf(),
            });
        }
        transaction
            .execute_batch(
                "CREATE TABLE schema_migrations (
                    version INTEGER PRIMARY KEY,
                    applied_at TEXT NOT NULL
                ) STRICT;",
            )
            .map_err(&failed)?;
    }
    let current = current_version(&transaction, path)?;
    check_version(current, path)?;
    for (index, migration) in MIGRATIONS.iter().enumerate() {
        let version = i64::try_from(index).unwrap_or(i64::MAX) + 1;
        if version <= current {
            continue;
        }
        transaction.execute_batch(migration).map_err(&failed)?;
        transaction
            .execute(
                "INSERT INTO schema_migrations (version, applied_at) VALUES (?1, ?2)",
                params![version, format_time(now)],
            )
            .map_err(&failed)?;
    }
    transaction.commit().map_err(&failed)
}

fn check_version(found: i64, path: &Path) -> Result<(), StoreError> {
    if found > SCHEMA_VERSION {
        return Err(StoreError::TooNew {
            path: path.to_path_buf(),
            found,
            known: SCHEMA_VERSION,
        });
    }
    Ok(())
}

fn has_migrations_table(connection: &Connection, path: &Path) -> Result<bool, StoreError> {
    connection
        .query_row(
            "SELECT EXISTS (SELECT 1 FROM sqlite_master \
             WHERE type = 'table' AND name = 'schema_migrations')",
            [],
            |row| row.get(0),
        )
        .map_err(sql_error(path))
}

fn current_version(connection: &Connection, path: &Path) -> Result<i64, StoreError> {
    connection
        .query_row(
            "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
            [],
            |row| row.get(0),
        )
        .map_err(sql_error(path))
}

/// Names the file in every SQLite error, and tells a file that is not a database (or is
/// damaged) apart from a failed statement.
fn sql_error(path: &Path) -> impl Fn(rusqlite::Error) -> StoreError + '_ {
    move |source| match source.sqlite_error_code() {
        Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => StoreError::NotAStore {
            path: path.to_path_buf(),
        },
        _ => StoreError::Sqlite {
            path: path.to_path_buf(),
            source,
        },
    }
}

fn format_time(time: Timestamp) -> String {
    format!("{time:.9}")
}

fn parse_time(text: &str) -> Result<Timestamp, String> {
    text.parse()
        .map_err(|error| format!("`{text}` is not an RFC 3339 time: {error}"))
}
