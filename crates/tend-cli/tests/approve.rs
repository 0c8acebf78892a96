//! `tend plan --save` and `tend approve` end to end: a pinned project, advisories from a
//! directory the policy names, a package index served on 127.0.0.1, a history store in the
//! test's directory and a fixed clock. Between saving and approving, the tests change one
//! input and expect the approval to be refused, naming it.

#![allow(clippy::unwrap_used)]

mod common;

use std::path::PathBuf;
use std::process::{Command, Output};

use common::{run_json, simple_page, tend};
use serde_json::{json, Value};
use tend_store::{NewRun, RunKind, RunStatus, SqliteStore, Store};
use tend_test::http::{Routes, TestServer};
use tend_test::TestContext;

const SAVED: &str = "2026-11-23T12:00:00Z";
const APPROVED: &str = "2026-11-23T15:30:00Z";

/// `alpha` below 1.1.0 is vulnerable.
const ALPHA_ADVISORY: &str = r#"id: PYSEC-2026-1
modified: 2026-11-20T00:00:00Z
published: 2026-11-20T00:00:00Z
summary: Alpha trusts its input
affected:
- package: {ecosystem: PyPI, name: alpha}
  ranges:
  - type: ECOSYSTEM
    events: [{introduced: "0"}, {fixed: 1.1.0}]
"#;

/// `beta` below 1.0.1 is vulnerable: published after the plan was saved.
const BETA_ADVISORY: &str = r#"id: PYSEC-2026-2
modified: 2026-11-23T13:00:00Z
published: 2026-11-23T13:00:00Z
summary: Beta leaks
affected:
- package: {ecosystem: PyPI, name: beta}
  ranges:
  - type: ECOSYSTEM
    events: [{introduced: "0"}, {fixed: 1.0.1}]
"#;

fn index() -> TestServer {
    TestServer::start(
        Routes::new()
            .route(
                "/simple/alpha/",
                simple_page(
                    "alpha",
                    &[
                        ("1.0.0", "2025-06-01T08:00:00Z"),
                        ("1.1.0", "2026-10-01T00:00:00Z"),
                    ],
                ),
            )
            .route(
                "/simple/beta/",
                simple_page(
                    "beta",
                    &[
                        ("1.0.0", "2025-06-01T08:00:00Z"),
                        ("1.0.1", "2026-10-01T00:00:00Z"),
                    ],
                ),
            ),
    )
}

/// Every package in `other`, which has no SLA: the plan exits 0.
fn project(context: &TestContext) {
    let root = context.project();
    fs_err::write(root.join("requirements.txt"), "alpha==1.0.0\nbeta==1.0.0\n").unwrap();
    fs_err::write(
        root.join("tend.toml"),
        "[advisories]\nsources = [\"advisories\"]\n",
    )
    .unwrap();
    fs_err::create_dir_all(root.join("advisories")).unwrap();
    fs_err::write(root.join("advisories/PYSEC-2026-1.yaml"), ALPHA_ADVISORY).unwrap();
}

fn store(context: &TestContext) -> PathBuf {
    context.root().join("history.sqlite3")
}

fn tend_with_store(context: &TestContext, args: &[&str]) -> Command {
    let mut command = tend(context, args);
    command.arg("--store").arg(store(context));
    command
}

/// `tend plan --save` without the project's environment.
fn save(context: &TestContext, server: &TestServer) -> i64 {
    save_with(context, server, &["--no-environment"])
}

/// `tend plan --save`; returns the saved plan's id from the message on standard error.
fn save_with(context: &TestContext, server: &TestServer, flags: &[&str]) -> i64 {
    let output = tend_with_store(context, &["plan", "--save"])
        .args(flags)
        .arg("--index-url")
        .arg(server.url_for("/simple/"))
        .arg(context.project())
        .env("TEND_NOW", SAVED)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let line = stderr
        .lines()
        .find(|line| line.starts_with("saved as plan "))
        .unwrap_or_else(|| panic!("no `saved as plan` line in:\n{stderr}"));
    assert!(
        line.ends_with("approve with `tend approve 1 --by NAME`"),
        "{line}"
    );
    line["saved as plan ".len()..]
        .split(';')
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

/// `tend approve ID --by alice` with the plan's own flags, answering from the index cache.
fn approve(context: &TestContext, server: &TestServer, id: i64, extra: &[&str]) -> Output {
    let mut flags = vec!["--no-environment"];
    flags.extend_from_slice(extra);
    approve_with(context, server, id, &flags)
}

fn approve_with(context: &TestContext, server: &TestServer, id: i64, flags: &[&str]) -> Output {
    tend_with_store(context, &["approve", &id.to_string(), "--by", "alice"])
        .arg("--index-url")
        .arg(server.url_for("/simple/"))
        .arg("--offline")
        .args(flags)
        .arg(context.project())
        .env("TEND_NOW", APPROVED)
        .output()
        .unwrap()
}

fn show(context: &TestContext, id: i64) -> Value {
    run_json(
        &mut tend_with_store(
            context,
            &["history", "show", &id.to_string(), "--format", "json"],
        ),
        0,
    )
}

#[test]
fn save_then_approve_records_who_and_when() {
    let context = TestContext::new();
    project(&context);
    let server = index();
    let id = save(&context, &server);

    let saved = show(&context, id);
    assert_eq!(saved["kind"], "plan");
    let kinds: Vec<&str> = saved["reports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|report| report["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["plan", "plan-inputs"]);
    let inputs = &saved["reports"][1]["document"]["inputs"];
    assert_eq!(inputs["pins"]["entries"]["alpha"], "==1.0.0");
    assert_eq!(
        inputs["advisories"]["entries"]["alpha"], "PYSEC-2026-1",
        "{inputs:#}"
    );
    assert_eq!(
        inputs["index"]["entries"]["beta"],
        "latest 1.0.1, allowed 1.0.1"
    );
    // One digest per input, in the summary too.
    for part in ["environment", "pins", "advisories", "index"] {
        let digest = saved["summary"]["inputs"][part].as_str().unwrap();
        assert!(digest.starts_with("sha256:"), "{digest}");
        assert_eq!(inputs[part]["digest"], digest);
    }
    assert_eq!(saved["approvals"], json!([]));

    let output = approve(&context, &server, id, &["--comment", "ship it"]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains("approved by alice at 2026-11-23 15:30:00 UTC: ship it"),
        "{stdout}"
    );

    let approvals = &show(&context, id)["approvals"];
    assert_eq!(approvals.as_array().unwrap().len(), 1);
    assert_eq!(approvals[0]["by"], "alice");
    assert_eq!(approvals[0]["comment"], "ship it");
    assert_eq!(approvals[0]["at"], APPROVED);
    assert_eq!(approvals[0]["plan"], id);
}

fn assert_refused(context: &TestContext, server: &TestServer, id: i64, expected: &str) {
    assert_refused_with(context, server, id, &["--no-environment"], expected);
}

fn assert_refused_with(
    context: &TestContext,
    server: &TestServer,
    id: i64,
    flags: &[&str],
    expected: &str,
) {
    let output = approve_with(context, server, id, flags);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("was not approved"), "{stderr}");
    assert!(
        stderr.contains(expected),
        "expected `{expected}` in:\n{stderr}"
    );
    assert_eq!(show(context, id)["approvals"], json!([]));
}

#[test]
fn a_changed_environment_is_refused() {
    let mut context = TestContext::new();
    project(&context);
    let server = index();
    let venv = context.create_venv();
    let installed = venv.install_egg_info("alpha", "1.0.0", &[]);
    let id = save_with(&context, &server, &[]);

    // Someone upgrades alpha in place after the plan was saved.
    fs_err::remove_dir_all(installed).unwrap();
    venv.install_egg_info("alpha", "1.1.0", &[]);
    assert_refused_with(
        &context,
        &server,
        id,
        &[],
        "the environment changed: alpha 1.0.0 -> 1.1.0",
    );
}

#[test]
fn a_changed_pin_is_refused() {
    let context = TestContext::new();
    project(&context);
    let server = index();
    let id = save(&context, &server);

    fs_err::write(
        context.project().join("requirements.txt"),
        "alpha==1.1.0\nbeta==1.0.0\n",
    )
    .unwrap();
    assert_refused(
        &context,
        &server,
        id,
        "the declared pins changed: alpha ==1.0.0 -> ==1.1.0",
    );
}

#[test]
fn a_new_advisory_is_refused() {
    let context = TestContext::new();
    project(&context);
    let server = index();
    let id = save(&context, &server);

    fs_err::write(
        context.project().join("advisories/PYSEC-2026-2.yaml"),
        BETA_ADVISORY,
    )
    .unwrap();
    assert_refused(
        &context,
        &server,
        id,
        "the advisory data changed: beta PYSEC-2026-2 is new",
    );
}

#[test]
fn only_saved_plans_can_be_approved() {
    let context = TestContext::new();
    project(&context);
    let server = index();

    // A scan, recorded straight into the store: not a plan.
    let mut store = SqliteStore::open(&store(&context)).unwrap();
    let scan = store
        .record_run(&NewRun {
            kind: RunKind::Scan,
            project: context.project().to_path_buf(),
            started_at: SAVED.parse().unwrap(),
            tend_version: "0.0.0".to_string(),
        })
        .unwrap();
    store
        .finish_run(scan, SAVED.parse().unwrap(), RunStatus::Success, None)
        .unwrap();
    drop(store);

    let output = approve(&context, &server, scan.0, &[]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("is a scan run, not a plan"), "{stderr}");

    let output = approve(&context, &server, 99, &[]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("has no run 99"), "{stderr}");
    assert_eq!(show(&context, scan.0)["approvals"], json!([]));
}

#[test]
fn approve_reuses_the_flags_the_plan_was_saved_with() {
    let context = TestContext::new();
    project(&context);
    let server = index();
    // A requirements file outside the project, given by flag only.
    let elsewhere = context.root().join("pins.txt");
    fs_err::write(&elsewhere, "alpha==1.0.0\n").unwrap();
    let id = save_with(
        &context,
        &server,
        &["--no-environment", "-r", elsewhere.to_str().unwrap()],
    );
    let saved = show(&context, id);
    let source = &saved["reports"][1]["document"]["source"];
    assert_eq!(source["no_environment"], true, "{source:#}");
    assert_eq!(source["requirements"][0], elsewhere.display().to_string());
    assert_eq!(source["index_url"], server.url_for("/simple/"));

    // Flags given to approve win over the saved ones: the project's own file pins beta too.
    assert_refused_with(
        &context,
        &server,
        id,
        &["--no-environment"],
        "the declared pins changed",
    );

    // No flags at all: the saved ones are used. Without them the project's own
    // requirements.txt (alpha and beta) and its environment would be read instead.
    let output = tend_with_store(
        &context,
        &["approve", &id.to_string(), "--by", "bob", "--offline"],
    )
    .env("TEND_NOW", APPROVED)
    .output()
    .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(show(&context, id)["approvals"][0]["by"], "bob");

    // The saved plan is kept as every format prints it, for `tend report`.
    let report = run_json(
        &mut tend_with_store(&context, &["report", &id.to_string(), "--format", "json"]),
        0,
    );
    assert_eq!(report["kind"], "plan");
    assert_eq!(report["generated"], SAVED);
    let markdown = tend_with_store(
        &context,
        &["report", &id.to_string(), "--format", "markdown"],
    )
    .output()
    .unwrap();
    assert!(String::from_utf8_lossy(&markdown.stdout).starts_with("# "));
}
