//! `tend plan`'s pre-flight resolution check end to end: real wheels served by a package index on
//! 127.0.0.1, a real venv with the old versions installed, and the real uv (installed by
//! `scripts/test`, found through `TEND_TEST_UV` and handed to tend as `TEND_UV`).

#![allow(clippy::unwrap_used, clippy::print_stderr)]

mod common;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{run_json, tend, wheel_index as index};
use serde_json::Value;
use tend_test::http::TestServer;
use tend_test::{TestContext, WheelSpec};

const NOW: &str = "2026-11-23T12:00:00Z";

/// Installed versions: uploaded long ago.
const OLD: &str = "2025-01-01T00:00:00Z";
/// Planned versions: old enough for every category's cooldown.
const NEW: &str = "2026-11-01T00:00:00Z";

/// alpha is critical (major updates allowed), beta and gamma standard: alpha comes first.
const POLICY: &str = r#"[[categories]]
name = "critical"
packages = ["alpha"]
sla = "24h"
strategy = "major"
min-age = "7d"

[[categories]]
name = "standard"
packages = ["beta", "gamma"]
sla = "30d"
strategy = "minor"
min-age = "7d"
"#;

/// uv, or `None` (with a note) when the suite was not started by `scripts/test`.
fn uv() -> Option<PathBuf> {
    let Some(uv) = std::env::var_os("TEND_TEST_UV") else {
        eprintln!("note: skipped, TEND_TEST_UV is not set (scripts/test sets it)");
        return None;
    };
    Some(fs_err::canonicalize(PathBuf::from(uv)).unwrap())
}

/// alpha 1.0.0 -> 2.0.0, beta 1.0.0 -> 1.1.0, gamma 1.0.0 -> 1.0.1; with `conflict`, beta 1.1.0
/// needs alpha<2, so alpha 2.0.0 and beta 1.1.0 cannot be installed together.
fn wheels(conflict: bool) -> Vec<(WheelSpec, &'static str)> {
    let beta = WheelSpec::new("beta", "1.1.0");
    let beta = if conflict {
        beta.requires_dist("alpha<2")
    } else {
        beta.requires_dist("alpha>=1")
    };
    vec![
        (WheelSpec::new("alpha", "1.0.0"), OLD),
        (WheelSpec::new("alpha", "2.0.0"), NEW),
        (WheelSpec::new("beta", "1.0.0"), OLD),
        (beta, NEW),
        (WheelSpec::new("gamma", "1.0.0"), OLD),
        (WheelSpec::new("gamma", "1.0.1"), NEW),
    ]
}

/// A project with the old versions installed in `.venv`, the policy, and (with `pinned`) a
/// requirements file pinning them.
fn project(context: &mut TestContext, wheel_folder: &Path, pinned: bool) {
    let venv = context.create_venv();
    venv.pip_install(
        wheel_folder,
        ["--no-deps", "alpha==1.0.0", "beta==1.0.0", "gamma==1.0.0"],
    );
    fs_err::write(context.project().join("tend.toml"), POLICY).unwrap();
    if pinned {
        fs_err::write(
            context.project().join("requirements.txt"),
            "alpha==1.0.0\nbeta==1.0.0\ngamma==1.0.0\n",
        )
        .unwrap();
    }
}

/// `tend plan --index-url <server> <args>` with uv as `uv`.
fn plan(context: &TestContext, server: &TestServer, uv: &Path, args: &[&str]) -> Command {
    let mut command = tend(context, &["plan", "--index-url"]);
    command
        .arg(server.url_for("/simple/"))
        .args(args)
        .env("TEND_NOW", NOW)
        .env("TEND_UV", uv)
        // uv must never fetch an interpreter in a test, nor read a cache outside the sandbox
        // (HOME and XDG_CACHE_HOME are the sandbox's).
        .env("UV_PYTHON_DOWNLOADS", "never");
    command
}

/// `(name, to)` of every item in the phases, in plan order.
fn planned(json: &Value) -> Vec<(String, String)> {
    json["phases"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|phase| phase["items"].as_array().unwrap())
        .map(|item| {
            (
                item["name"].as_str().unwrap().to_string(),
                item["to"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    expected
        .iter()
        .map(|(name, to)| ((*name).to_string(), (*to).to_string()))
        .collect()
}

/// The table with the resolver's version (which `scripts/test` pins, but a developer's may
/// differ) hidden.
fn filtered_table(context: &TestContext, command: &mut Command, resolver: &str) -> String {
    context.run(command).replace(resolver, "uv [VERSION]")
}

#[test]
fn a_real_conflict_holds_back_the_less_urgent_item() {
    let Some(uv) = uv() else { return };
    let mut context = TestContext::new();
    let wheel_folder = context.root().join("wheels");
    let server = index(&wheel_folder, &wheels(true));
    project(&mut context, &wheel_folder, true);

    let json = run_json(&mut plan(&context, &server, &uv, &["--format", "json"]), 1);
    let preflight = &json["preflight"];
    assert_eq!(preflight["status"], "held-back", "{preflight}");
    assert!(
        preflight["resolver"].as_str().unwrap().starts_with("uv "),
        "{preflight}"
    );
    assert_eq!(preflight["items"], 2, "{preflight}");
    assert_eq!(preflight["held_back"], serde_json::json!(["beta"]));
    // alpha (critical) went first and stays; gamma has nothing to do with either and passes.
    assert_eq!(
        planned(&json),
        pairs(&[("alpha", "2.0.0"), ("gamma", "1.0.1")])
    );
    let deferred = json["deferred"].as_array().unwrap();
    assert_eq!(deferred.len(), 1, "{deferred:?}");
    let beta = &deferred[0];
    assert_eq!(beta["name"], "beta");
    assert_eq!(beta["to"], "1.1.0");
    assert_eq!(beta["category"], "standard");
    assert_eq!(beta["reason"]["kind"], "conflict");
    let conflict = beta["reason"]["conflict"].as_str().unwrap();
    assert!(
        conflict.contains("depends on alpha<2 and you require alpha==2.0.0"),
        "{conflict}"
    );
    assert!(!conflict.contains('\u{1b}'), "colours in {conflict:?}");
    assert_eq!(json["summary"]["items"], 2);
    assert_eq!(json["summary"]["deferred"], 1);
    // Only the all-at-once and the base-alone runs asked the index (this server sends no
    // caching headers, so every online run asks again); the halving that found beta answered
    // from what those two fetched.
    let asked_by_uv = server
        .requests_to("/simple/alpha/")
        .iter()
        .filter(|request| {
            request
                .header("user-agent")
                .is_some_and(|agent| agent.starts_with("uv/"))
        })
        .count();
    let paths: Vec<String> = server.requests().iter().map(|r| r.path.clone()).collect();
    assert_eq!(asked_by_uv, 2, "{paths:?}");

    let table = filtered_table(
        &context,
        &mut plan(&context, &server, &uv, &["--format", "table"]),
        preflight["resolver"].as_str().unwrap(),
    );
    insta::assert_snapshot!("conflict_table", table);

    // Offline, uv answers from the cache the runs above filled, and finds the same conflict
    // without asking the index.
    let asked = server.requests().len();
    let json = run_json(
        &mut plan(&context, &server, &uv, &["--offline", "--format", "json"]),
        1,
    );
    assert_eq!(server.requests().len(), asked);
    assert_eq!(json["preflight"]["status"], "held-back", "{json:#}");
    assert_eq!(json["preflight"]["held_back"], serde_json::json!(["beta"]));
}

#[test]
fn a_plan_that_resolves_passes() {
    let Some(uv) = uv() else { return };
    let mut context = TestContext::new();
    let wheel_folder = context.root().join("wheels");
    let server = index(&wheel_folder, &wheels(false));
    // Nothing declared: the environment's installed versions are the base (pip and setuptools,
    // which the index does not know, are left out).
    project(&mut context, &wheel_folder, false);

    let json = run_json(&mut plan(&context, &server, &uv, &["--format", "json"]), 1);
    let preflight = &json["preflight"];
    assert_eq!(preflight["status"], "passed", "{preflight}");
    assert_eq!(preflight["items"], 3, "{preflight}");
    assert!(preflight["resolver"].as_str().unwrap().starts_with("uv "));
    assert_eq!(
        planned(&json),
        pairs(&[("alpha", "2.0.0"), ("beta", "1.1.0"), ("gamma", "1.0.1")])
    );
    assert!(json["deferred"].as_array().unwrap().is_empty());
    // uv asked the plan's index (the test's server) for the planned releases.
    let asked_by_uv = server.requests_to("/simple/beta/").iter().any(|request| {
        request
            .header("user-agent")
            .is_some_and(|agent| agent.starts_with("uv/"))
    });
    assert!(asked_by_uv, "{:?}", server.requests());
}

#[test]
fn without_uv_or_with_no_preflight_the_plan_is_unchanged() {
    let Some(uv) = uv() else { return };
    let mut context = TestContext::new();
    let wheel_folder = context.root().join("wheels");
    let server = index(&wheel_folder, &wheels(true));
    project(&mut context, &wheel_folder, true);
    let missing = context.root().join("no-such-uv");
    let all = pairs(&[("alpha", "2.0.0"), ("beta", "1.1.0"), ("gamma", "1.0.1")]);

    // uv missing: a warning, and the plan as it would be without the check; the exit status
    // is the plan's (1: alpha is overdue), not an error.
    let output = plan(&context, &server, &missing, &["--format", "json"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    let json: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["preflight"]["status"], "not-run");
    let reason = json["preflight"]["reason"].as_str().unwrap();
    assert!(reason.starts_with("uv not found; "), "{reason}");
    assert!(reason.contains("TEND_UV"), "{reason}");
    assert!(
        stderr.contains("warning: the pre-flight resolution check did not run: uv not found"),
        "{stderr}"
    );
    assert_eq!(planned(&json), all);
    assert!(json["deferred"].as_array().unwrap().is_empty());

    // --no-preflight: uv is not even looked for (no warning although it is missing).
    let output = plan(
        &context,
        &server,
        &missing,
        &["--format", "json", "--no-preflight"],
    )
    .output()
    .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(!stderr.contains("pre-flight"), "{stderr}");
    let json: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        json["preflight"],
        serde_json::json!({"status": "not-run", "reason": "turned off (--no-preflight)"})
    );
    assert_eq!(planned(&json), all);

    // With uv, the same project holds beta back: the two runs above did skip the check.
    let json = run_json(&mut plan(&context, &server, &uv, &["--format", "json"]), 1);
    assert_eq!(json["preflight"]["held_back"], serde_json::json!(["beta"]));
}

/// A directory index whose pages list wheels it does not hold (the examples' index is one):
/// uv cannot resolve, which is not a conflict, so nothing is held back.
#[test]
fn an_index_without_the_files_is_not_a_conflict() {
    let Some(uv) = uv() else { return };
    let context = TestContext::new();
    let root = context.root().join("index");
    for (name, versions) in [
        ("alpha", ["1.0.0", "2.0.0"]),
        ("beta", ["1.0.0", "1.1.0"]),
        ("gamma", ["1.0.0", "1.0.1"]),
    ] {
        let mut page = String::from("<!DOCTYPE html>\n<html><body>\n");
        for version in versions {
            let _ = writeln!(
                page,
                "<a href=\"../../files/{name}-{version}-py3-none-any.whl\">{name}-{version}-py3-none-any.whl</a><br/>"
            );
        }
        page.push_str("</body></html>\n");
        fs_err::create_dir_all(root.join(name)).unwrap();
        fs_err::write(root.join(name).join("index.html"), page).unwrap();
    }
    // HTML pages have no upload times: no minimum age, or every item would be held.
    fs_err::write(
        context.project().join("tend.toml"),
        POLICY.replace("min-age = \"7d\"\n", ""),
    )
    .unwrap();
    fs_err::write(
        context.project().join("requirements.txt"),
        "alpha==1.0.0\nbeta==1.0.0\ngamma==1.0.0\n",
    )
    .unwrap();

    let mut command = tend(
        &context,
        &[
            "plan",
            "--no-environment",
            "--format",
            "json",
            "--index-url",
        ],
    );
    command
        .arg(&root)
        .env("TEND_NOW", NOW)
        .env("TEND_UV", &uv)
        .env("UV_PYTHON_DOWNLOADS", "never");
    let output = command.output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    // No upload times, so no clock and nothing overdue: the plan's exit status is 0.
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let json: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["preflight"]["status"], "not-run", "{json:#}");
    let reason = json["preflight"]["reason"].as_str().unwrap();
    assert!(reason.starts_with("uv could not"), "{reason}");
    assert!(
        stderr.contains("warning: the pre-flight resolution check did not run: uv could not"),
        "{stderr}"
    );
    assert_eq!(
        planned(&json),
        pairs(&[("alpha", "2.0.0"), ("beta", "1.1.0"), ("gamma", "1.0.1")])
    );
    assert!(json["deferred"].as_array().unwrap().is_empty());
}
