//! `tend history` against a real history database: the listing and one run as a user sees
//! them, where the file lives by default, and a damaged or newer file as exit 2.

#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};

use common::{run_json, tend};
use jiff::Timestamp;
use tend_store::{NewApproval, NewRun, RunKind, RunStatus, SqliteStore, Store, SCHEMA_VERSION};
use tend_test::TestContext;

fn time(text: &str) -> Timestamp {
    text.parse().unwrap()
}

/// Three runs as tend would have recorded them: a scan with findings and its report, an
/// unfinished audit, and an approved plan.
fn fill(path: &Path) {
    let mut store = SqliteStore::open(path).unwrap();
    let new_run = |kind, started_at| NewRun {
        kind,
        project: PathBuf::from("/srv/flask-service"),
        started_at: time(started_at),
        tend_version: "0.1.0".to_string(),
    };
    let scan = store
        .record_run(&new_run(RunKind::Scan, "2026-11-20T08:30:00Z"))
        .unwrap();
    store
        .attach_report(
            scan,
            "scan",
            r#"{"schema_version":1,"vulnerable":[{"package":"flask","installed":"2.0.1","advisories":["GHSA-m2qf-hxjv-5gpq"]}]}"#,
        )
        .unwrap();
    store
        .finish_run(
            scan,
            time("2026-11-20T08:30:02Z"),
            RunStatus::Findings,
            Some(&serde_json::json!({"vulnerable": 1, "outdated": 4})),
        )
        .unwrap();
    store
        .record_run(&new_run(RunKind::Audit, "2026-11-21T10:00:00Z"))
        .unwrap();
    let plan = store
        .record_run(&new_run(RunKind::Plan, "2026-11-22T09:15:00Z"))
        .unwrap();
    store
        .finish_run(plan, time("2026-11-22T09:15:04Z"), RunStatus::Success, None)
        .unwrap();
    store
        .record_approval(&NewApproval {
            plan,
            by: "ana".to_string(),
            comment: Some("critical phase first".to_string()),
            at: time("2026-11-22T11:00:00Z"),
        })
        .unwrap();
}

fn history(context: &TestContext, store: &Path, args: &[&str]) -> std::process::Command {
    let mut command = tend(context, args);
    command
        .arg("--store")
        .arg(store)
        .env("TEND_NOW", "2026-11-23T12:00:00Z");
    command
}

#[test]
fn history_lists_runs_newest_first() {
    let context = TestContext::new();
    let store = context.root().join("history.sqlite3");
    fill(&store);

    insta::assert_snapshot!(context.run(&mut history(&context, &store, &["history"])));
    insta::assert_snapshot!(
        "history_only_scans",
        context.run(&mut history(
            &context,
            &store,
            &["history", "--kind", "scan", "--limit", "1"]
        ))
    );

    let document = run_json(
        &mut history(&context, &store, &["history", "--format", "json"]),
        0,
    );
    assert_eq!(document["schema_version"], 1);
    let kinds: Vec<&str> = document["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|run| run["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["plan", "audit", "scan"]);
    assert_eq!(document["runs"][2]["summary"]["vulnerable"], 1);
    assert_eq!(document["runs"][1]["status"], serde_json::Value::Null);
}

#[test]
fn history_show_prints_a_run_with_its_report_and_approvals() {
    let context = TestContext::new();
    let store = context.root().join("history.sqlite3");
    fill(&store);

    insta::assert_snapshot!(
        "history_show_scan",
        context.run(&mut history(&context, &store, &["history", "show", "1"]))
    );
    insta::assert_snapshot!(
        "history_show_plan",
        context.run(&mut history(&context, &store, &["history", "show", "3"]))
    );

    let document = run_json(
        &mut history(
            &context,
            &store,
            &["history", "show", "1", "--format", "json"],
        ),
        0,
    );
    assert_eq!(document["schema_version"], 1);
    assert_eq!(document["id"], 1);
    assert_eq!(document["reports"][0]["kind"], "scan");
    assert_eq!(
        document["reports"][0]["document"]["vulnerable"][0]["package"],
        "flask"
    );

    let missing = context.run(&mut history(&context, &store, &["history", "show", "9"]));
    assert!(missing.contains("exit_code: 2"), "{missing}");
    assert!(missing.contains("has no run 9"), "{missing}");
}

#[test]
fn the_store_lives_in_the_state_directory_by_default() {
    let context = TestContext::new();
    let state = context.root().join("state");
    let output = context.run(
        tend(&context, &["history"])
            .env("XDG_STATE_HOME", &state)
            .env("TEND_NOW", "2026-11-23T12:00:00Z"),
    );
    assert!(output.contains("exit_code: 0"), "{output}");
    assert!(state.join("tend/history.sqlite3").is_file(), "{output}");

    // Without XDG_STATE_HOME (or with a relative one, which the XDG specification says to
    // ignore), the file is under HOME.
    let output = context.run(
        tend(&context, &["history"])
            .env("XDG_STATE_HOME", "relative/state")
            .env("TEND_NOW", "2026-11-23T12:00:00Z"),
    );
    assert!(output.contains("exit_code: 0"), "{output}");
    assert!(context
        .home()
        .join(".local/state/tend/history.sqlite3")
        .is_file());
    assert!(!context.project().join("relative").exists());
}

#[test]
fn a_damaged_store_is_exit_2_naming_the_file() {
    let context = TestContext::new();
    let store = context.root().join("history.sqlite3");
    let garbage: Vec<u8> = (0..4096_u32).map(|byte| (byte * 13 % 241) as u8).collect();
    fs_err::write(&store, &garbage).unwrap();

    insta::assert_snapshot!(
        "history_damaged_store",
        context.run(&mut history(&context, &store, &["history"]))
    );
    assert_eq!(fs_err::read(&store).unwrap(), garbage);
}

#[test]
fn a_store_from_a_newer_tend_is_exit_2() {
    let context = TestContext::new();
    let store = context.root().join("history.sqlite3");
    fill(&store);
    rusqlite::Connection::open(&store)
        .unwrap()
        .execute(
            "INSERT INTO schema_migrations (version, applied_at) VALUES (?1, 'later')",
            [SCHEMA_VERSION + 1],
        )
        .unwrap();

    let output = context.run(&mut history(&context, &store, &["history"]));
    assert!(output.contains("exit_code: 2"), "{output}");
    assert!(
        output.contains(&format!(
            "the history store `[TEMP]/history.sqlite3` has schema version {}",
            SCHEMA_VERSION + 1
        )),
        "{output}"
    );
}

fn example() -> PathBuf {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/flask-service");
    fs_err::canonicalize(path).unwrap()
}

#[test]
fn a_scan_is_recorded_with_its_json_document() {
    let context = TestContext::new();
    let store = context.root().join("history.sqlite3");
    let example = example();
    let printed = run_json(
        &mut history(
            &context,
            &store,
            &["scan", example.to_str().unwrap(), "--format", "json"],
        ),
        1,
    );
    // A table scan keeps the same JSON document.
    let output = context.run(&mut history(
        &context,
        &store,
        &["scan", example.to_str().unwrap()],
    ));
    assert!(output.contains("exit_code: 1"), "{output}");
    assert!(!output.contains("warning: this run"), "{output}");

    let runs = run_json(
        &mut history(&context, &store, &["history", "--format", "json"]),
        0,
    );
    let runs = runs["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 2);
    for run in runs {
        assert_eq!(run["kind"], "scan");
        assert_eq!(run["project"], example.to_str().unwrap());
        assert_eq!(run["status"], "findings");
        assert_eq!(run["started_at"], "2026-11-23T12:00:00Z");
        assert_eq!(run["finished_at"], "2026-11-23T12:00:00Z");
        assert_eq!(run["tend_version"], env!("CARGO_PKG_VERSION"));
        assert!(run["summary"]["errors"].as_u64().unwrap() > 0, "{run}");
    }
    for id in ["1", "2"] {
        let shown = run_json(
            &mut history(
                &context,
                &store,
                &["history", "show", id, "--format", "json"],
            ),
            0,
        );
        assert_eq!(shown["reports"][0]["kind"], "scan");
        assert_eq!(shown["reports"][0]["document"], printed, "run {id}");
    }
}

#[test]
fn a_store_that_fails_is_a_warning_and_the_scan_exit_code_stays() {
    let context = TestContext::new();
    let store = context.root().join("history.sqlite3");
    fs_err::write(&store, vec![0x5a_u8; 4096]).unwrap();

    let output = context.run(&mut history(
        &context,
        &store,
        &["scan", example().to_str().unwrap(), "--format", "json"],
    ));
    assert!(output.contains("exit_code: 1"), "{output}");
    assert!(
        output.contains(
            "warning: this run was not recorded in the history: the history store \
             `[TEMP]/history.sqlite3` is not a tend history database"
        ),
        "{output}"
    );
}
