//! The SQLite history store against real database files: migrations, reopening, refusal of a
//! newer schema or a file that is not a store, two writers at once, and round trips.

#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use jiff::Timestamp;
use rusqlite::Connection;
use tend_store::{
    NewApproval, NewRun, NewScheduleRun, Notification, RunFilter, RunId, RunKind, RunStatus,
    ScheduleRunEnd, SqliteStore, Store, StoreError, SCHEMA_VERSION,
};

fn time(text: &str) -> Timestamp {
    text.parse().unwrap()
}

fn new_run(kind: RunKind, project: &str, started_at: &str) -> NewRun {
    NewRun {
        kind,
        project: PathBuf::from(project),
        started_at: time(started_at),
        tend_version: "0.1.0".to_string(),
    }
}

#[test]
fn a_new_file_is_created_with_its_directory_and_every_migration() {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("state/tend/history.sqlite3");
    let store = SqliteStore::open_at(&path, time("2026-11-23T12:00:00Z")).unwrap();
    assert!(path.is_file());
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    drop(store);

    let connection = Connection::open(&path).unwrap();
    let mode: String = connection
        .query_row("PRAGMA journal_mode", [], |row| row.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    let applied: Vec<(i64, String)> = connection
        .prepare("SELECT version, applied_at FROM schema_migrations ORDER BY version")
        .unwrap()
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let expected: Vec<(i64, String)> = (1..=SCHEMA_VERSION)
        .map(|version| (version, "2026-11-23T12:00:00.000000000Z".to_string()))
        .collect();
    assert_eq!(applied, expected);
    for table in ["runs", "reports", "approvals"] {
        let exists: bool = connection
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1)",
                [table],
                |row| row.get(0),
            )
            .unwrap();
        assert!(exists, "no table {table}");
    }
}

#[test]
fn reopening_keeps_the_runs_and_applies_nothing_again() {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("history.sqlite3");
    let mut store = SqliteStore::open_at(&path, time("2026-11-23T12:00:00Z")).unwrap();
    let id = store
        .record_run(&new_run(RunKind::Scan, "/srv/app", "2026-11-23T12:00:00Z"))
        .unwrap();
    drop(store);

    let store = SqliteStore::open_at(&path, time("2026-11-24T12:00:00Z")).unwrap();
    assert_eq!(store.run(id).unwrap().unwrap().run.kind, RunKind::Scan);
    let migrations: i64 = Connection::open(&path)
        .unwrap()
        .query_row(
            "SELECT count(*) FROM schema_migrations WHERE applied_at LIKE '2026-11-24%'",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(migrations, 0);
}

#[test]
fn a_schema_newer_than_this_tend_is_refused_and_left_alone() {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("history.sqlite3");
    drop(SqliteStore::open(&path).unwrap());
    let future = SCHEMA_VERSION + 1;
    Connection::open(&path)
        .unwrap()
        .execute(
            "INSERT INTO schema_migrations (version, applied_at) VALUES (?1, 'later')",
            [future],
        )
        .unwrap();

    let error = SqliteStore::open(&path).unwrap_err();
    assert!(
        matches!(error, StoreError::TooNew { found, known, .. } if found == future && known == SCHEMA_VERSION),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(message.contains(&path.display().to_string()), "{message}");
    assert!(message.contains("newer than this tend knows"), "{message}");
}

#[test]
fn a_file_that_is_not_a_database_is_a_clear_error() {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("history.sqlite3");
    let garbage: Vec<u8> = (0..8192_u32).map(|byte| (byte * 7 % 251) as u8).collect();
    fs_err::write(&path, &garbage).unwrap();

    let error = SqliteStore::open(&path).unwrap_err();
    assert!(matches!(error, StoreError::NotAStore { .. }), "{error:?}");
    assert!(error.to_string().contains(&path.display().to_string()));
    // The file is left as it was for whoever wants to look at it.
    assert_eq!(fs_err::read(&path).unwrap(), garbage);
}

#[test]
fn another_programs_database_is_not_written_to() {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("other.sqlite3");
    Connection::open(&path)
        .unwrap()
        .execute_batch("CREATE TABLE notes (text TEXT)")
        .unwrap();

    let error = SqliteStore::open(&path).unwrap_err();
    assert!(matches!(error, StoreError::NotAStore { .. }), "{error:?}");
    let tables: i64 = Connection::open(&path)
        .unwrap()
        .query_row("SELECT count(*) FROM sqlite_master", [], |row| row.get(0))
        .unwrap();
    assert_eq!(tables, 1);
}

#[test]
fn runs_reports_and_approvals_round_trip() {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("history.sqlite3");
    let mut store = SqliteStore::open(&path).unwrap();

    let scan = store
        .record_run(&new_run(RunKind::Scan, "/srv/app", "2026-11-23T12:00:00Z"))
        .unwrap();
    let document = r#"{"schema_version":1,"findings":[{"id":"GHSA-xxxx"}]}"#;
    store.attach_report(scan, "scan", document).unwrap();
    let summary = serde_json::json!({"vulnerable": 1});
    store
        .finish_run(
            scan,
            time("2026-11-23T12:00:03.25Z"),
            RunStatus::Findings,
            Some(&summary),
        )
        .unwrap();
    let plan = store
        .record_run(&new_run(RunKind::Plan, "/srv/app", "2026-11-23T13:00:00Z"))
        .unwrap();
    let approval = NewApproval {
        plan,
        by: "ana".to_string(),
        comment: Some("ship it before Friday".to_string()),
        at: time("2026-11-23T14:00:00Z"),
    };
    store.record_approval(&approval).unwrap();
    drop(store);

    let store = SqliteStore::open(&path).unwrap();
    let detail = store.run(scan).unwrap().unwrap();
    assert_eq!(detail.run.id, scan);
    assert_eq!(detail.run.project, Path::new("/srv/app"));
    assert_eq!(detail.run.started_at, time("2026-11-23T12:00:00Z"));
    assert_eq!(
        detail.run.finished_at,
        Some(time("2026-11-23T12:00:03.25Z"))
    );
    assert_eq!(detail.run.status, Some(RunStatus::Findings));
    assert_eq!(detail.run.tend_version, "0.1.0");
    assert_eq!(detail.run.summary, Some(summary));
    assert_eq!(detail.reports.len(), 1);
    assert_eq!(detail.reports[0].kind, "scan");
    assert_eq!(
        detail.reports[0].document,
        serde_json::from_str::<serde_json::Value>(document).unwrap()
    );
    assert!(detail.approvals.is_empty());

    let plan_detail = store.run(plan).unwrap().unwrap();
    assert_eq!(plan_detail.run.finished_at, None);
    assert_eq!(plan_detail.run.status, None);
    assert_eq!(plan_detail.approvals.len(), 1);
    assert_eq!(plan_detail.approvals[0].by, "ana");
    assert_eq!(
        plan_detail.approvals[0].comment.as_deref(),
        Some("ship it before Friday")
    );
    assert_eq!(plan_detail.approvals[0].at, time("2026-11-23T14:00:00Z"));

    assert!(store.run(RunId(999)).unwrap().is_none());
}

#[test]
fn runs_are_listed_newest_first_and_filtered() {
    let directory = tempfile::tempdir().unwrap();
    let mut store = SqliteStore::open(&directory.path().join("history.sqlite3")).unwrap();
    // Recorded out of time order: the list follows the start time, not the insertion.
    let runs = [
        (RunKind::Audit, "/srv/a", "2026-11-23T12:00:00.5Z"),
        (RunKind::Scan, "/srv/a", "2026-11-23T12:00:00Z"),
        (RunKind::Scan, "/srv/b", "2026-11-23T12:00:01Z"),
        (RunKind::Scan, "/srv/a", "2026-11-22T09:00:00Z"),
    ];
    let ids: Vec<RunId> = runs
        .iter()
        .map(|(kind, project, at)| store.record_run(&new_run(*kind, project, at)).unwrap())
        .collect();

    let listed = |filter: &RunFilter| -> Vec<RunId> {
        store
            .runs(filter)
            .unwrap()
            .into_iter()
            .map(|run| run.id)
            .collect()
    };
    assert_eq!(
        listed(&RunFilter::default()),
        [ids[2], ids[0], ids[1], ids[3]]
    );
    let scans = RunFilter {
        kind: Some(RunKind::Scan),
        ..RunFilter::default()
    };
    assert_eq!(listed(&scans), [ids[2], ids[1], ids[3]]);
    let scans_of_a = RunFilter {
        kind: Some(RunKind::Scan),
        project: Some(PathBuf::from("/srv/a")),
        limit: Some(1),
    };
    assert_eq!(listed(&scans_of_a), [ids[1]]);
    let none = RunFilter {
        limit: Some(0),
        ..RunFilter::default()
    };
    assert!(listed(&none).is_empty());
}

#[test]
fn writes_about_a_missing_run_or_a_non_plan_are_refused() {
    let directory = tempfile::tempdir().unwrap();
    let mut store = SqliteStore::open(&directory.path().join("history.sqlite3")).unwrap();
    let scan = store
        .record_run(&new_run(RunKind::Scan, "/srv/a", "2026-11-23T12:00:00Z"))
        .unwrap();

    let missing = RunId(scan.0 + 1);
    assert!(matches!(
        store.attach_report(missing, "scan", "{}"),
        Err(StoreError::NoSuchRun { run, .. }) if run == missing
    ));
    assert!(matches!(
        store.finish_run(
            missing,
            time("2026-11-23T12:00:00Z"),
            RunStatus::Success,
            None
        ),
        Err(StoreError::NoSuchRun { .. })
    ));
    assert!(matches!(
        store.attach_report(scan, "scan", "{not json"),
        Err(StoreError::InvalidJson { .. })
    ));
    let approval = NewApproval {
        plan: scan,
        by: "ana".to_string(),
        comment: None,
        at: time("2026-11-23T12:00:00Z"),
    };
    let error = store.record_approval(&approval).unwrap_err();
    assert!(
        matches!(
            error,
            StoreError::NotAPlan {
                kind: RunKind::Scan,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(store.run(scan).unwrap().unwrap().reports.is_empty());
}

#[test]
fn a_bad_value_in_a_row_names_the_table_and_row() {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("history.sqlite3");
    let mut store = SqliteStore::open(&path).unwrap();
    let id = store
        .record_run(&new_run(RunKind::Scan, "/srv/a", "2026-11-23T12:00:00Z"))
        .unwrap();
    Connection::open(&path)
        .unwrap()
        .execute(
            "UPDATE runs SET started_at = 'yesterday' WHERE id = ?1",
            [id.0],
        )
        .unwrap();

    let error = store.runs(&RunFilter::default()).unwrap_err();
    let message = error.to_string();
    assert!(
        message.contains(&format!("runs row {id}")) && message.contains("yesterday"),
        "{message}"
    );
}

#[test]
fn two_writers_share_the_file() {
    const EACH: usize = 200;
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("history.sqlite3");
    // Both threads open their own connection, as two tend processes would; neither sees the
    // other's lock as an error because each waits up to the busy timeout.
    let writers: Vec<_> = ["/srv/a", "/srv/b"]
        .into_iter()
        .map(|project| {
            let path = path.clone();
            std::thread::spawn(move || {
                let mut store = SqliteStore::open(&path).unwrap();
                for _ in 0..EACH {
                    let id = store
                        .record_run(&new_run(RunKind::Scan, project, "2026-11-23T12:00:00Z"))
                        .unwrap();
                    store
                        .attach_report(id, "scan", r#"{"schema_version":1}"#)
                        .unwrap();
                    store
                        .finish_run(id, time("2026-11-23T12:00:01Z"), RunStatus::Success, None)
                        .unwrap();
                }
            })
        })
        .collect();
    for writer in writers {
        writer.join().unwrap();
    }

    let store = SqliteStore::open(&path).unwrap();
    for project in ["/srv/a", "/srv/b"] {
        let runs = store
            .runs(&RunFilter {
                project: Some(PathBuf::from(project)),
                ..RunFilter::default()
            })
            .unwrap();
        assert_eq!(runs.len(), EACH, "{project}");
        assert!(runs
            .iter()
            .all(|run| run.status == Some(RunStatus::Success)));
    }
}

#[test]
fn renderings_are_kept_per_format_exactly() {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("history.sqlite3");
    let mut store = SqliteStore::open(&path).unwrap();
    let run = store
        .record_run(&new_run(RunKind::Audit, "/srv/app", "2026-11-23T12:00:00Z"))
        .unwrap();
    // Bytes a terminal table and a Markdown file really contain: alignment, a pipe, a BOM-free
    // UTF-8 arrow, a trailing newline.
    let table = "Package  Version\nflask    2.2.3 → 2.3.3\n";
    let markdown = "| Package | Fix |\n|---|---|\n| flask \\| x | 2.3.3 |\n";
    store.attach_rendering(run, "table", table).unwrap();
    store.attach_rendering(run, "markdown", markdown).unwrap();
    // One rendering per format: a second table is a mistake, not an update.
    assert!(store.attach_rendering(run, "table", "other").is_err());
    assert!(matches!(
        store.attach_rendering(RunId(999), "table", table),
        Err(StoreError::NoSuchRun {
            run: RunId(999),
            ..
        })
    ));
    drop(store);

    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(
        store.rendering(run, "table").unwrap().as_deref(),
        Some(table)
    );
    assert_eq!(
        store.rendering(run, "markdown").unwrap().as_deref(),
        Some(markdown)
    );
    assert_eq!(store.rendering(run, "sarif").unwrap(), None);
    assert_eq!(
        store.run(run).unwrap().unwrap().renderings,
        ["table", "markdown"]
    );
}

#[test]
fn a_version_one_file_gains_the_renderings_table() {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("history.sqlite3");
    // The first schema as version 1 wrote it, with one run in it.
    {
        let connection = Connection::open(&path).unwrap();
        connection
            .execute_batch(
                "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL) STRICT;
                 INSERT INTO schema_migrations VALUES (1, '2026-11-01T00:00:00Z');
                 CREATE TABLE runs (id INTEGER PRIMARY KEY, kind TEXT NOT NULL, project TEXT NOT NULL,
                     started_at TEXT NOT NULL, finished_at TEXT, status TEXT,
                     tend_version TEXT NOT NULL, summary TEXT) STRICT;
                 CREATE TABLE reports (id INTEGER PRIMARY KEY, run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
                     kind TEXT NOT NULL, document TEXT NOT NULL) STRICT;
                 CREATE TABLE approvals (id INTEGER PRIMARY KEY, plan_run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
                     approved_by TEXT NOT NULL, comment TEXT, approved_at TEXT NOT NULL) STRICT;
                 INSERT INTO runs (kind, project, started_at, tend_version) VALUES ('scan', '/srv/app', '2026-11-01T00:00:00Z', '0.1.0');",
            )
            .unwrap();
    }
    let mut store = SqliteStore::open(&path).unwrap();
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    let old = store.runs(&RunFilter::default()).unwrap();
    assert_eq!(old.len(), 1);
    assert!(store.run(old[0].id).unwrap().unwrap().renderings.is_empty());
    store
        .attach_rendering(old[0].id, "table", "kept\n")
        .unwrap();
    assert_eq!(
        store.rendering(old[0].id, "table").unwrap().as_deref(),
        Some("kept\n")
    );
}

#[test]
fn a_complete_run_is_kept_whole_or_not_at_all() {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("history.sqlite3");
    let mut store = SqliteStore::open(&path).unwrap();
    let summary = serde_json::json!({"vulnerable": 0});
    let complete = |reports| tend_store::CompleteRun {
        run: new_run(RunKind::Audit, "/srv/app", "2026-11-23T12:00:00Z"),
        reports,
        renderings: &[("table", "nothing found\n"), ("markdown", "# Audit\n")],
        finished_at: time("2026-11-23T12:00:01Z"),
        status: RunStatus::Success,
        summary: Some(&summary),
    };
    let id = store
        .record_complete(&complete(&[("audit", r#"{"schema_version":1}"#)]))
        .unwrap();
    let detail = store.run(id).unwrap().unwrap();
    assert_eq!(detail.run.status, Some(RunStatus::Success));
    assert_eq!(detail.renderings, ["table", "markdown"]);
    assert_eq!(detail.reports.len(), 1);

    // A report that is not JSON fails the whole run: no half-recorded row is left.
    let error = store
        .record_complete(&complete(&[("audit", "not json")]))
        .unwrap_err();
    assert!(matches!(error, StoreError::InvalidJson { .. }), "{error}");
    assert_eq!(store.runs(&RunFilter::default()).unwrap().len(), 1);
}

#[test]
fn a_durable_handle_syncs_every_commit() {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("history.sqlite3");
    let store = SqliteStore::open(&path).unwrap();
    // The pragma is per connection: read through the handle's own.
    let setting = |store: &SqliteStore| -> i64 { store.synchronous().unwrap() };
    assert_eq!(setting(&store), 1, "NORMAL by default");
    store.make_durable().unwrap();
    assert_eq!(setting(&store), 2, "FULL once durable");
}

#[test]
fn schedule_runs_and_notifications_round_trip() {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("history.sqlite3");
    let mut store = SqliteStore::open(&path).unwrap();
    let audit = store
        .record_run(&new_run(RunKind::Audit, "/srv/app", "2026-11-23T06:00:01Z"))
        .unwrap();
    let first = store
        .record_schedule_run(&NewScheduleRun {
            schedule: "daily-audit".to_string(),
            job: "audit".to_string(),
            project: PathBuf::from("/srv/app"),
            due_at: time("2026-11-23T06:00:00Z"),
            started_at: time("2026-11-23T06:00:01Z"),
            caught_up: false,
        })
        .unwrap();
    store
        .finish_schedule_run(
            first,
            &ScheduleRunEnd {
                finished_at: time("2026-11-23T06:00:03Z"),
                exit_code: Some(1),
                run: Some(audit),
                error: None,
            },
        )
        .unwrap();
    let second = store
        .record_schedule_run(&NewScheduleRun {
            schedule: "weekly-scan".to_string(),
            job: "scan".to_string(),
            project: PathBuf::from("/srv/app"),
            due_at: time("2026-11-23T02:00:00Z"),
            started_at: time("2026-11-23T07:00:00Z"),
            caught_up: true,
        })
        .unwrap();
    // A run the job never recorded (another store, say) is not linked.
    store
        .finish_schedule_run(
            second,
            &ScheduleRunEnd {
                finished_at: time("2026-11-23T07:00:02Z"),
                exit_code: None,
                run: Some(RunId(999)),
                error: Some("could not start `tend`".to_string()),
            },
        )
        .unwrap();

    let all = store.schedule_runs(None, None, None).unwrap();
    assert_eq!(
        all.iter().map(|run| run.id).collect::<Vec<_>>(),
        vec![second, first]
    );
    let audit_runs = store
        .schedule_runs(Some("daily-audit"), Some(Path::new("/srv/app")), None)
        .unwrap();
    assert_eq!(audit_runs.len(), 1);
    let recorded = &audit_runs[0];
    assert_eq!(recorded.job, "audit");
    assert_eq!(recorded.due_at, time("2026-11-23T06:00:00Z"));
    assert_eq!(recorded.finished_at, Some(time("2026-11-23T06:00:03Z")));
    assert_eq!(recorded.exit_code, Some(1));
    assert_eq!(recorded.run, Some(audit));
    assert!(!recorded.caught_up);
    let caught_up = &all[0];
    assert!(caught_up.caught_up);
    assert_eq!(caught_up.run, None);
    assert_eq!(caught_up.exit_code, None);
    assert_eq!(caught_up.error.as_deref(), Some("could not start `tend`"));
    assert!(store
        .schedule_runs(Some("daily-audit"), Some(Path::new("/srv/other")), None)
        .unwrap()
        .is_empty());

    for (channel, outcome, error) in [
        ("ops-mail", "delivered", None),
        (
            "slack",
            "failed",
            Some("503 Service Unavailable after 3 attempts"),
        ),
    ] {
        store
            .record_notification(&Notification {
                at: time("2026-11-23T06:00:04Z"),
                channel: channel.to_string(),
                event: "findings".to_string(),
                title: "2 new findings".to_string(),
                outcome: outcome.to_string(),
                attempts: if error.is_some() { 3 } else { 1 },
                error: error.map(str::to_string),
                schedule_run: Some(first),
                run: Some(audit),
            })
            .unwrap();
    }
    let notifications = store.notifications(None, None).unwrap();
    assert_eq!(notifications.len(), 2);
    assert_eq!(
        store
            .notifications(Some(time("2026-11-23T06:00:04Z")), None)
            .unwrap()
            .len(),
        2
    );
    assert!(store
        .notifications(Some(time("2026-11-23T06:00:05Z")), None)
        .unwrap()
        .is_empty());
    let failed = notifications
        .iter()
        .find(|notification| notification.channel == "slack")
        .unwrap();
    assert_eq!(failed.outcome, "failed");
    assert_eq!(failed.attempts, 3);
    assert_eq!(failed.schedule_run, Some(first));
    assert_eq!(failed.run, Some(audit));
}

#[test]
fn pruning_keeps_what_a_rollback_needs() {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("history.sqlite3");
    let mut store = SqliteStore::open(&path).unwrap();
    let finished = |store: &mut SqliteStore, kind, project, at: &str| {
        let id = store.record_run(&new_run(kind, project, at)).unwrap();
        store
            .attach_report(id, kind.as_str(), "{\"schema_version\": 1}")
            .unwrap();
        store
            .finish_run(id, time(at), RunStatus::Success, None)
            .unwrap();
        id
    };
    let old_audit = finished(&mut store, RunKind::Audit, "/a", "2026-01-01T00:00:00Z");
    let older_snapshot = finished(&mut store, RunKind::Snapshot, "/a", "2026-01-02T00:00:00Z");
    let newest_snapshot_a = finished(&mut store, RunKind::Snapshot, "/a", "2026-01-03T00:00:00Z");
    let journal_snapshot_b = finished(&mut store, RunKind::Snapshot, "/b", "2026-01-04T00:00:00Z");
    let newest_snapshot_b = finished(&mut store, RunKind::Snapshot, "/b", "2026-01-05T00:00:00Z");
    // An update on /b that never finished, whose journal names the older snapshot.
    let interrupted = store
        .record_run(&new_run(RunKind::Update, "/b", "2026-01-04T00:00:01Z"))
        .unwrap();
    store
        .attach_report(
            interrupted,
            tend_store::JOURNAL_REPORT,
            &format!(
                "{{\"state\": \"applying\", \"snapshot\": {}}}",
                journal_snapshot_b.0
            ),
        )
        .unwrap();
    let recent_audit = finished(&mut store, RunKind::Audit, "/a", "2026-11-01T00:00:00Z");
    let old_schedule_run = store
        .record_schedule_run(&NewScheduleRun {
            schedule: "daily-audit".to_string(),
            job: "audit".to_string(),
            project: PathBuf::from("/a"),
            due_at: time("2026-01-01T00:00:00Z"),
            started_at: time("2026-01-01T00:00:00Z"),
            caught_up: false,
        })
        .unwrap();
    store
        .finish_schedule_run(
            old_schedule_run,
            &ScheduleRunEnd {
                finished_at: time("2026-01-01T00:00:01Z"),
                exit_code: Some(0),
                run: Some(old_audit),
                error: None,
            },
        )
        .unwrap();
    store
        .record_notification(&Notification {
            at: time("2026-01-01T00:00:02Z"),
            channel: "slack".to_string(),
            event: "findings".to_string(),
            title: "t".to_string(),
            outcome: "delivered".to_string(),
            attempts: 1,
            error: None,
            schedule_run: Some(old_schedule_run),
            run: Some(old_audit),
        })
        .unwrap();

    let pruned = store.prune(time("2026-08-25T00:00:00Z")).unwrap();
    assert_eq!(pruned.runs, 2, "{pruned:?}");
    assert_eq!(pruned.schedule_runs, 1);
    assert_eq!(pruned.notifications, 1);
    assert_eq!(pruned.kept_for_rollback, 4);

    let left: Vec<RunId> = store
        .runs(&RunFilter::default())
        .unwrap()
        .into_iter()
        .map(|run| run.id)
        .collect();
    let mut expected = vec![
        recent_audit,
        interrupted,
        newest_snapshot_b,
        journal_snapshot_b,
        newest_snapshot_a,
    ];
    expected.sort_by_key(|id| std::cmp::Reverse(*id));
    let mut left_sorted = left.clone();
    left_sorted.sort_by_key(|id| std::cmp::Reverse(*id));
    assert_eq!(left_sorted, expected);
    assert!(!left.contains(&old_audit) && !left.contains(&older_snapshot));
    // The reports of removed runs went with them.
    assert!(store.run(old_audit).unwrap().is_none());
    assert!(store.schedule_runs(None, None, None).unwrap().is_empty());
    assert!(store.notifications(None, None).unwrap().is_empty());
    // Pruning twice removes nothing more.
    let again = store.prune(time("2026-08-25T00:00:00Z")).unwrap();
    assert_eq!(
        (again.runs, again.schedule_runs, again.notifications),
        (0, 0, 0)
    );
}
