//! `tend plan` end to end: a pinned project, advisories from a directory the policy names, a
//! package index served on 127.0.0.1, categories with SLAs, strategies and cooldowns, and a
//! fixed clock.

#![allow(clippy::unwrap_used)]

mod common;

use std::process::Command;

use common::{run_json, simple_page, tend};

use tend_test::http::{Routes, TestServer};
use tend_test::TestContext;

const NOW: &str = "2026-11-23T12:00:00Z";

/// `alpha` below 1.1.0 is vulnerable (high), published 2026-11-20.
const ALPHA_ADVISORY: &str = r#"id: PYSEC-2026-1
modified: 2026-11-20T00:00:00Z
published: 2026-11-20T00:00:00Z
summary: Alpha trusts its input
affected:
- package: {ecosystem: PyPI, name: alpha}
  ranges:
  - type: ECOSYSTEM
    events: [{introduced: "0"}, {fixed: 1.1.0}]
severity:
- {type: CVSS_V3, score: "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:N"}
"#;

const POLICY: &str = r#"[advisories]
sources = ["advisories"]

[[categories]]
name = "critical"
packages = ["beta"]
sla = "24h"
strategy = "minor"
min-age = "7d"
security-min-age = "1d"
vulnerable = true

[[categories]]
name = "standard"
packages = ["gamma-*"]
sla = "30d"
strategy = "pin-major"
min-age = "7d"

[fallback-category]
sla = "90d"
strategy = "patch"
min-age = "14d"
"#;

fn index() -> TestServer {
    TestServer::start(
        Routes::new()
            // Vulnerable, so critical: 1.1.0 fixes it and is past the security cooldown (1d),
            // 1.2.0 is not; 2.0.0 is beyond `minor`.
            .route(
                "/simple/alpha/",
                simple_page(
                    "alpha",
                    &[
                        ("1.0.0", "2025-06-01T08:00:00Z"),
                        ("1.1.0", "2026-11-21T00:00:00Z"),
                        ("1.2.0", "2026-11-23T06:00:00Z"),
                        ("2.0.0", "2025-12-01T00:00:00Z"),
                    ],
                ),
            )
            // Critical by name: 1.1.0 is inside the 7 day min-age, so 1.0.1.
            .route(
                "/simple/beta/",
                simple_page(
                    "beta",
                    &[
                        ("1.0.0", "2025-06-01T08:00:00Z"),
                        ("1.0.1", "2026-10-01T00:00:00Z"),
                        ("1.1.0", "2026-11-20T00:00:00Z"),
                    ],
                ),
            )
            // Standard by glob, pin-major: 3.0.1 planned, 4.0.0 deferred.
            .route(
                "/simple/gamma-lib/",
                simple_page(
                    "gamma-lib",
                    &[
                        ("3.0.0", "2025-06-01T08:00:00Z"),
                        ("3.0.1", "2026-11-01T00:00:00Z"),
                        ("4.0.0", "2026-11-02T00:00:00Z"),
                    ],
                ),
            )
            // Fallback, 14 day min-age: held.
            .route(
                "/simple/delta/",
                simple_page(
                    "delta",
                    &[
                        ("0.1.0", "2025-06-01T08:00:00Z"),
                        ("0.1.1", "2026-11-20T00:00:00Z"),
                    ],
                ),
            ),
    )
}

fn project(context: &TestContext) {
    let root = context.project();
    fs_err::write(
        root.join("requirements.txt"),
        "alpha==1.0.0\nbeta==1.0.0\ngamma-lib==3.0.0\ndelta==0.1.0\n",
    )
    .unwrap();
    fs_err::write(root.join("tend.toml"), POLICY).unwrap();
    fs_err::create_dir_all(root.join("advisories/alpha")).unwrap();
    fs_err::write(
        root.join("advisories/alpha/PYSEC-2026-1.yaml"),
        ALPHA_ADVISORY,
    )
    .unwrap();
}

fn plan(context: &TestContext, server: &TestServer, args: &[&str]) -> Command {
    // The pre-flight resolution has its own tests (plan_preflight.rs); here it would depend on
    // whether uv is installed.
    let mut command = tend(
        context,
        &["plan", "--no-preflight", "--no-environment", "--index-url"],
    );
    command
        .arg(server.url_for("/simple/"))
        .args(args)
        .arg(context.project())
        .env("TEND_NOW", NOW);
    command
}

#[test]
fn plan_table_and_json_of_a_pinned_project() {
    let context = TestContext::new();
    project(&context);
    let server = index();

    let table = context.filter(&context.run(&mut plan(&context, &server, &[])));
    insta::assert_snapshot!("table", table);

    // The JSON from the cache, offline: the same plan, and the overdue items exit 1.
    let json = run_json(
        &mut plan(&context, &server, &["--offline", "--format", "json"]),
        1,
    );
    assert_eq!(json["kind"], "plan");
    assert_eq!(json["schema_version"], 1);
    let phases: Vec<&str> = json["phases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|phase| phase["category"].as_str().unwrap())
        .collect();
    assert_eq!(phases, ["critical", "standard", "other"]);
    let alpha = &json["phases"][0]["items"][1];
    assert_eq!(alpha["name"], "alpha");
    assert_eq!(alpha["to"], "1.1.0");
    assert_eq!(alpha["matched"]["kind"], "vulnerable");
    assert_eq!(alpha["cooldown"]["rule"], "security");
    assert_eq!(alpha["clock"]["started"], "2026-11-20T00:00:00Z");
    assert_eq!(alpha["due"], "2026-11-21T00:00:00Z");
    assert_eq!(alpha["command"], "uv pip install 'alpha==1.1.0'");
    assert_eq!(json["deferred"][0]["name"], "gamma-lib");
    assert_eq!(json["summary"]["overdue"], 2);
}

#[test]
fn plan_exit_codes() {
    let context = TestContext::new();
    project(&context);
    let server = index();
    // Without categories every package is in `other`, which has no SLA: nothing is overdue.
    fs_err::write(
        context.project().join("tend.toml"),
        "[advisories]\nsources = [\"advisories\"]\n",
    )
    .unwrap();
    let json = run_json(&mut plan(&context, &server, &["--format", "json"]), 0);
    assert_eq!(json["summary"]["items"], 4);
    assert_eq!(json["summary"]["overdue"], 0);
    assert!(json["phases"][0]["items"][0].get("due").is_none());

    // Bad input: exit 2, naming what was wrong.
    let output = plan(&context, &server, &[])
        .env("TEND_NOW", "yesterday")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("TEND_NOW"));
}

/// The Markdown form: the same plan as the table, as an update summary with the commands; the
/// exit code is the table's (two items overdue).
#[test]
fn plan_markdown_of_a_pinned_project() {
    let context = TestContext::new();
    project(&context);
    let server = index();
    let output = context.run(&mut plan(&context, &server, &["--format", "markdown"]));
    let markdown = context.filter(&output);
    assert!(markdown.contains("exit_code: 1"), "{markdown}");
    assert!(
        markdown.contains("| alpha | 1.0.0 | 1.1.0 | minor | high |"),
        "{markdown}"
    );
    assert!(
        markdown.contains("$ uv pip install 'alpha==1.1.0'"),
        "{markdown}"
    );
    insta::assert_snapshot!("markdown", markdown);
}
