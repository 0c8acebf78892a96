//! Every run of `tend inventory`, `check`, `audit` and `outdated` recorded in a real history
//! store with its output in every format, and `tend report` printing a recorded run again
//! byte for byte; its errors; and a store that cannot be written, which changes nothing but a
//! warning. The runs are on `examples/flask-service`, which carries its venv, advisories and
//! index pages, so every command runs offline.

#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{run_json, tend};
use tend_store::{NewRun, RunKind, RunStatus, SqliteStore, Store};
use tend_test::TestContext;

const NOW: &str = "2026-11-23T12:00:00Z";

/// Each recorded command with every `--format` it has, in the order `--help` lists them.
const COMMANDS: [(&str, &[&str]); 4] = [
    ("inventory", &["table", "json", "markdown", "cyclonedx"]),
    ("check", &["table", "json", "markdown", "sarif"]),
    (
        "audit",
        &["table", "json", "markdown", "sarif", "cyclonedx"],
    ),
    ("outdated", &["table", "json", "markdown"]),
];

fn example() -> PathBuf {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/flask-service");
    fs_err::canonicalize(path).unwrap()
}

/// `tend --store STORE <args>` at the fixed time, with the example's own cache kept in the
/// sandbox.
fn with_store(context: &TestContext, store: &Path, args: &[&str]) -> Command {
    let mut command = tend(context, args);
    command
        .arg("--store")
        .arg(store)
        .arg("--cache-dir")
        .arg(context.root().join("cache"))
        .env("TEND_NOW", NOW);
    command
}

/// `tend COMMAND EXAMPLE --format FORMAT`, recorded in `store`.
fn command(context: &TestContext, store: &Path, name: &str, format: &str) -> Command {
    let example = example();
    let mut args = vec![name, example.to_str().unwrap(), "--format", format];
    if name == "outdated" {
        // The example's index is a directory of pages: nothing to fetch, and nothing cached.
        args.push("--offline");
    }
    with_store(context, store, &args)
}

fn output(command: &mut Command) -> Output {
    command.output().unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn each_command_keeps_its_output_in_every_format_and_report_prints_it_back() {
    let context = TestContext::new();
    let store = context.root().join("history.sqlite3");
    let mut id = 0;
    for (name, formats) in COMMANDS {
        // What the command prints in each format, each run recorded.
        let mut printed = Vec::new();
        for format in formats {
            let run = output(&mut command(&context, &store, name, format));
            assert!(
                !stderr(&run).contains("not recorded"),
                "{name} {format}: {}",
                stderr(&run)
            );
            assert_ne!(run.status.code(), Some(2), "{name}: {}", stderr(&run));
            printed.push((*format, run));
        }
        let first = id + 1;
        id += formats.len();

        for (offset, (format, run)) in printed.iter().enumerate() {
            let run_id = (first + offset).to_string();
            let shown = run_json(
                &mut with_store(
                    &context,
                    &store,
                    &["history", "show", &run_id, "--format", "json"],
                ),
                0,
            );
            assert_eq!(shown["kind"], name);
            assert_eq!(shown["project"], example().to_str().unwrap());
            assert_eq!(shown["started_at"], NOW);
            let status = match run.status.code() {
                Some(0) => "success",
                Some(1) => "findings",
                other => panic!("{name} --format {format} exited {other:?}"),
            };
            assert_eq!(shown["status"], status, "{name} --format {format}");
            assert_eq!(
                shown["renderings"],
                serde_json::json!(formats),
                "{name} --format {format}"
            );
            // The JSON report is the document `--format json` printed.
            let json_run = &printed[1].1;
            assert_eq!(shown["reports"][0]["kind"], name);
            assert_eq!(
                shown["reports"][0]["document"],
                serde_json::from_slice::<serde_json::Value>(&json_run.stdout).unwrap()
            );

            // Every format kept by this run is, byte for byte, what the command printed in
            // that format (the time is fixed, so the runs agree).
            for (other, other_run) in &printed {
                let reported = output(&mut with_store(
                    &context,
                    &store,
                    &["report", &run_id, "--format", other],
                ));
                assert_eq!(reported.status.code(), Some(0), "{}", stderr(&reported));
                assert_eq!(
                    String::from_utf8_lossy(&reported.stdout),
                    String::from_utf8_lossy(&other_run.stdout),
                    "run {run_id} ({name} --format {format}) reported as {other}"
                );
            }
        }
    }

    // The summaries hold the counts.
    let runs = run_json(
        &mut with_store(
            &context,
            &store,
            &["history", "--format", "json", "--limit", "100"],
        ),
        0,
    );
    let runs = runs["runs"].as_array().unwrap();
    assert_eq!(runs.len(), id);
    let summary = |kind: &str| {
        runs.iter()
            .find(|run| run["kind"] == kind)
            .map(|run| run["summary"].clone())
            .unwrap()
    };
    assert!(summary("inventory")["packages"].as_u64().unwrap() > 10);
    assert!(summary("check")["errors"].as_u64().unwrap() > 0);
    assert!(summary("audit")["vulnerable"].as_u64().unwrap() > 0);
    assert!(summary("outdated")["outdated"].as_u64().unwrap() > 0);
}

#[test]
fn report_picks_the_newest_run_and_writes_a_file() {
    let context = TestContext::new();
    let store = context.root().join("history.sqlite3");
    let inventory = output(&mut command(&context, &store, "inventory", "json"));
    let audit = output(&mut command(&context, &store, "audit", "table"));
    let audit_markdown = output(&mut command(&context, &store, "audit", "markdown"));
    assert_eq!(audit.status.code(), Some(1), "{}", stderr(&audit));

    // The newest run (the Markdown audit), in the default format: the table.
    let newest = output(&mut with_store(&context, &store, &["report"]));
    assert_eq!(newest.status.code(), Some(0), "{}", stderr(&newest));
    assert_eq!(newest.stdout, audit.stdout);

    let newest = output(&mut with_store(
        &context,
        &store,
        &["report", "--format", "markdown"],
    ));
    assert_eq!(newest.stdout, audit_markdown.stdout);

    // The newest of a kind, and on a project.
    let example = example();
    let newest = output(&mut with_store(
        &context,
        &store,
        &[
            "report",
            "--kind",
            "inventory",
            "--project",
            example.to_str().unwrap(),
            "--format",
            "json",
        ],
    ));
    assert_eq!(newest.status.code(), Some(0), "{}", stderr(&newest));
    assert_eq!(newest.stdout, inventory.stdout);

    // `-o` writes the file, and nothing on standard output.
    let file = context.root().join("audit.md");
    let written = output(&mut with_store(
        &context,
        &store,
        &[
            "report",
            "2",
            "--format",
            "markdown",
            "-o",
            file.to_str().unwrap(),
        ],
    ));
    assert_eq!(written.status.code(), Some(0), "{}", stderr(&written));
    assert!(written.stdout.is_empty());
    assert_eq!(fs_err::read(&file).unwrap(), audit_markdown.stdout);
}

#[test]
fn report_errors_name_the_store_and_what_it_has() {
    let context = TestContext::new();
    let store = context.root().join("history.sqlite3");
    let run = |args: &[&str]| context.run(&mut with_store(&context, &store, args));

    insta::assert_snapshot!("report_empty_store", run(&["report"]));

    let inventory = output(&mut command(&context, &store, "inventory", "table"));
    assert_eq!(inventory.status.code(), Some(0), "{}", stderr(&inventory));
    insta::assert_snapshot!("report_no_such_run", run(&["report", "9"]));
    insta::assert_snapshot!(
        "report_format_not_kept",
        run(&["report", "1", "--format", "sarif"])
    );
    insta::assert_snapshot!("report_no_run_of_kind", run(&["report", "--kind", "audit"]));

    // A run recorded by a tend that kept only JSON reports, and one that never finished.
    {
        let mut history = SqliteStore::open(&store).unwrap();
        let new_run = |kind| NewRun {
            kind,
            project: PathBuf::from("/srv/flask-service"),
            started_at: NOW.parse().unwrap(),
            tend_version: "0.1.0".to_string(),
        };
        let scan = history.record_run(&new_run(RunKind::Scan)).unwrap();
        history
            .attach_report(scan, "scan", r#"{"schema_version":1}"#)
            .unwrap();
        history
            .finish_run(scan, NOW.parse().unwrap(), RunStatus::Findings, None)
            .unwrap();
        history.record_run(&new_run(RunKind::Audit)).unwrap();
    }
    insta::assert_snapshot!("report_before_renderings", run(&["report", "2"]));
    insta::assert_snapshot!("report_unfinished", run(&["report", "3"]));
}

#[test]
fn a_store_that_cannot_be_written_changes_nothing_but_a_warning() {
    let context = TestContext::new();
    let store = context.root().join("history.sqlite3");
    // A directory where the file should be: SQLite cannot open it.
    let directory = context.root().join("not-a-file");
    fs_err::create_dir_all(&directory).unwrap();
    for (name, _) in COMMANDS {
        for format in ["table", "json"] {
            let recorded = output(&mut command(&context, &store, name, format));
            let unrecorded = output(&mut command(&context, &directory, name, format));
            assert_eq!(
                unrecorded.status.code(),
                recorded.status.code(),
                "{name} --format {format}: {}",
                stderr(&unrecorded)
            );
            assert_eq!(
                unrecorded.stdout, recorded.stdout,
                "{name} --format {format}"
            );
            let warning = context.filter(&stderr(&unrecorded));
            assert!(
                warning.contains(
                    "warning: this run was not recorded in the history: \
                     cannot open the history store `[TEMP]/not-a-file`"
                ),
                "{name} --format {format}: {warning}"
            );
            assert!(!stderr(&recorded).contains("warning: this run"));
        }
    }
    let runs = run_json(
        &mut with_store(
            &context,
            &store,
            &["history", "--format", "json", "--limit", "100"],
        ),
        0,
    );
    assert_eq!(runs["runs"].as_array().unwrap().len(), 8);
}

#[test]
fn bad_input_is_exit_2_and_not_recorded() {
    let context = TestContext::new();
    let store = context.root().join("history.sqlite3");
    let missing = context.root().join("no-such-project");
    for (name, _) in COMMANDS {
        let run = output(&mut with_store(
            &context,
            &store,
            &[name, missing.to_str().unwrap()],
        ));
        assert_eq!(run.status.code(), Some(2), "{name}");
        assert!(stderr(&run).contains("does not exist"), "{}", stderr(&run));
    }
    let runs = run_json(
        &mut with_store(&context, &store, &["history", "--format", "json"]),
        0,
    );
    assert_eq!(runs["runs"], serde_json::json!([]));
}

/// The Markdown of the two commands that just gained it, on the example service.
#[test]
fn inventory_and_check_markdown_of_the_example() {
    let context = TestContext::new();
    let store = context.root().join("history.sqlite3");
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(&regex_escape(example().to_str().unwrap()), "[EXAMPLE]");
    settings.bind(|| {
        insta::assert_snapshot!(
            "example_inventory_markdown",
            context.run(&mut command(&context, &store, "inventory", "markdown"))
        );
        insta::assert_snapshot!(
            "example_check_markdown",
            context.run(&mut command(&context, &store, "check", "markdown"))
        );
    });
}

fn regex_escape(text: &str) -> String {
    text.chars()
        .flat_map(|character| {
            let special = "\\.+*?()|[]{}^$#&-~".contains(character);
            special.then_some('\\').into_iter().chain([character])
        })
        .collect()
}
