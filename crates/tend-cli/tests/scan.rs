//! `tend scan` on the example service shipped in `examples/flask-service`, whose venv and
//! requirements carry one of each problem on purpose.

#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeMap;
use std::path::PathBuf;

use common::{run_json, tend};
use serde_json::Value;
use tend_test::TestContext;

fn example() -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/flask-service");
    let path = fs_err::canonicalize(path).unwrap();
    path.to_string_lossy().into_owned()
}

/// The findings with `code` for `package`.
fn findings<'a>(json: &'a Value, code: &str, package: &str) -> Vec<&'a Value> {
    json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|finding| finding["code"] == code && finding["package"] == package)
        .collect()
}

#[test]
fn example_service_has_one_of_each_problem() {
    let context = TestContext::new();
    let example = example();
    let json = run_json(
        &mut tend(&context, &["scan", &example, "--format", "json"]),
        1,
    );
    assert_eq!(json["kind"], "scan");

    let celery = findings(&json, "missing-dependency", "celery");
    assert_eq!(celery.len(), 1, "{json:#}");
    let message = celery[0]["message"].as_str().unwrap();
    assert!(
        message.starts_with("celery 5.2.7 requires click-didyoumean"),
        "{message}"
    );
    assert_eq!(celery[0]["severity"], "error");

    let requests = findings(&json, "drift", "requests");
    assert_eq!(requests.len(), 1, "{json:#}");
    let message = requests[0]["message"].as_str().unwrap();
    assert!(message.contains("==2.31.0"), "{message}");
    assert!(requests[0]["location"]["path"]
        .as_str()
        .unwrap()
        .ends_with("requirements.txt"));

    // `python-dotenv>=0.19` has no upper bound; `sentry-sdk~=1.5` allows a range.
    assert_eq!(
        findings(&json, "unpinned", "python-dotenv").len(),
        1,
        "{json:#}"
    );
    assert_eq!(
        findings(&json, "loose-pin", "sentry-sdk").len(),
        1,
        "{json:#}"
    );

    let itsdangerous = findings(&json, "modified-file", "itsdangerous");
    assert_eq!(itsdangerous.len(), 1, "{json:#}");
    assert_eq!(itsdangerous[0]["severity"], "error");

    let werkzeug = findings(&json, "version-rule", "werkzeug");
    assert_eq!(werkzeug.len(), 1, "{json:#}");
    let message = werkzeug[0]["message"].as_str().unwrap();
    assert!(message.contains(">=2.3"), "{message}");

    // The summary counts what the findings say.
    let mut by_code: BTreeMap<String, u64> = BTreeMap::new();
    for finding in json["findings"].as_array().unwrap() {
        *by_code
            .entry(finding["code"].as_str().unwrap().to_string())
            .or_default() += 1;
    }
    let summary: BTreeMap<String, u64> = json["summary"]["by_code"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(code, count)| (code.clone(), count.as_u64().unwrap()))
        .collect();
    assert_eq!(summary, by_code);
    let errors = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|finding| finding["severity"] == "error")
        .count();
    assert_eq!(json["summary"]["errors"].as_u64(), Some(errors as u64));

    // The advisory stage ran offline on the example's own records (its policy names them).
    let audit = &json["audit"];
    assert_eq!(audit["kind"], "audit");
    let vulnerable: Vec<(&str, &str, &str)> = audit["vulnerable"]
        .as_array()
        .unwrap()
        .iter()
        .map(|package| {
            (
                package["target"]["name"].as_str().unwrap(),
                package["findings"][0]["id"].as_str().unwrap(),
                package["findings"][0]["fix"]["version"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        vulnerable,
        [
            ("certifi", "PYSEC-2023-135", "2023.7.22"),
            ("flask", "PYSEC-2023-62", "2.2.5"),
            ("gunicorn", "GHSA-w3h3-4rj7-4ph4", "22.0.0"),
            ("jinja2", "GHSA-h5c8-rqwp-cp95", "3.1.3"),
            ("pillow", "PYSEC-2022-10", "9.0.1"),
            ("requests", "PYSEC-2023-74", "2.31.0"),
            ("werkzeug", "PYSEC-2023-221", "2.3.8"),
        ]
    );
    // Two records for Flask's one vulnerability are one finding listing every id.
    assert_eq!(
        audit["vulnerable"][1]["findings"][0]["aliases"],
        serde_json::json!(["CVE-2023-30861", "GHSA-m2qf-hxjv-5gpq"])
    );
    // setuptools is ignored by the example's policy, with its reason.
    assert_eq!(audit["ignored"][0]["target"]["name"], "setuptools");
    assert_eq!(audit["ignored"][0]["rule"]["owner"], "platform-team");
    assert!(json["next"].as_str().unwrap().contains("tend audit"));
}

#[test]
fn example_service_thresholds() {
    let context = TestContext::new();
    let example = example();
    // `--fail-on never` reports the same findings but exits 0.
    let json = run_json(
        &mut tend(
            &context,
            &["scan", &example, "--fail-on", "never", "--format", "json"],
        ),
        0,
    );
    assert!(!findings(&json, "version-rule", "werkzeug").is_empty());

    // Selecting only the rules leaves only the werkzeug rule.
    let json = run_json(
        &mut tend(
            &context,
            &["check", &example, "--select", "rules", "--format", "json"],
        ),
        1,
    );
    let codes: Vec<(&str, &str)> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|finding| {
            (
                finding["code"].as_str().unwrap(),
                finding["package"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(codes, [("version-rule", "werkzeug")]);
}

#[test]
fn example_service_scan_table() {
    let context = TestContext::new();
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut command = tend(&context, &["scan", "examples/flask-service"]);
    command
        .current_dir(fs_err::canonicalize(root).unwrap())
        .env("TEND_NOW", "2026-11-23T12:00:00Z");
    insta::assert_snapshot!(context.run(&mut command));
}

/// The HTML report of the example service, written with `-o`: nothing on standard output,
/// the exit status of the table form, and the page itself kept as a snapshot.
#[test]
fn example_service_scan_html() {
    let context = TestContext::new();
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let report = context.root().join("report.html");
    let mut command = tend(
        &context,
        &[
            "scan",
            "examples/flask-service",
            "--format",
            "html",
            "-o",
            report.to_str().unwrap(),
        ],
    );
    command
        .current_dir(fs_err::canonicalize(root).unwrap())
        .env("TEND_NOW", "2026-11-23T12:00:00Z");
    let output = command.output().unwrap();
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    assert!(output.stdout.is_empty(), "{output:?}");
    let html = fs_err::read_to_string(&report).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"), "{html}");
    assert!(html.ends_with("</html>\n"), "{html}");
    for id in [
        "summary",
        "vulnerabilities",
        "health",
        "outdated",
        "not-covered",
    ] {
        assert!(html.contains(&format!("<section id=\"{id}\">")), "no #{id}");
    }
    insta::assert_snapshot!(context.filter(&html));
}

/// The example as Markdown: the same stages as the table, one section each, ready for a ticket.
#[test]
fn example_service_scan_markdown() {
    let context = TestContext::new();
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut command = tend(
        &context,
        &["scan", "examples/flask-service", "--format", "markdown"],
    );
    command
        .current_dir(fs_err::canonicalize(root).unwrap())
        .env("TEND_NOW", "2026-11-23T12:00:00Z");
    let output = context.run(&mut command);
    for section in [
        "## Health",
        "## Advisories",
        "## Outdated",
        "## Plan",
        "## Next",
    ] {
        assert!(output.contains(section), "no {section}:\n{output}");
    }
    insta::assert_snapshot!(output);
}

/// A project whose policy gives `beta` a one-day SLA and `gamma` ninety days, and an index on
/// 127.0.0.1 where both have a newer release; no environment and no advisories, so only the
/// plan can fail the scan.
fn planned_project(context: &TestContext, server: &tend_test::http::TestServer, sla: &str) {
    let root = context.project();
    fs_err::write(root.join("requirements.txt"), "beta==1.0.0\ngamma==2.0.0\n").unwrap();
    fs_err::write(
        root.join("tend.toml"),
        format!(
            r#"[index]
url = "{}"

[[categories]]
name = "critical"
packages = ["beta"]
sla = "{sla}"

[fallback-category]
sla = "90d"
"#,
            server.url_for("/simple/")
        ),
    )
    .unwrap();
}

fn planned_index() -> tend_test::http::TestServer {
    use common::simple_page;
    use tend_test::http::{Routes, TestServer};
    TestServer::start(
        Routes::new()
            .route(
                "/simple/beta/",
                simple_page(
                    "beta",
                    &[
                        ("1.0.0", "2025-06-01T08:00:00Z"),
                        ("1.0.1", "2026-10-01T00:00:00Z"),
                    ],
                ),
            )
            .route(
                "/simple/gamma/",
                simple_page(
                    "gamma",
                    &[
                        ("2.0.0", "2025-06-01T08:00:00Z"),
                        ("2.1.0", "2026-11-01T00:00:00Z"),
                    ],
                ),
            ),
    )
}

fn scan_json_of(context: &TestContext, args: &[&str], code: i32) -> Value {
    let mut command = tend(context, &["scan", "--no-environment", "--format", "json"]);
    command
        .args(args)
        .arg(context.project())
        .env("TEND_NOW", "2026-11-23T12:00:00Z");
    run_json(&mut command, code)
}

#[test]
fn an_overdue_plan_item_fails_the_scan() {
    let context = TestContext::new();
    let server = planned_index();
    // beta 1.0.1 was uploaded 2026-10-01: one day later it was due, 52 days and 12 hours ago.
    planned_project(&context, &server, "24h");
    let json = scan_json_of(&context, &[], 1);
    assert_eq!(json["findings"], serde_json::json!([]), "{json:#}");
    let plan = &json["plan"];
    assert_eq!(plan["items"], 2, "{json:#}");
    assert_eq!(plan["overdue"], 1);
    assert_eq!(plan["deferred"], 0);
    assert_eq!(plan["most_overdue"][0]["name"], "beta");
    assert_eq!(plan["most_overdue"][0]["due"], "2026-10-02T00:00:00Z");
    assert_eq!(
        plan["most_overdue"][0]["overdue_by_seconds"],
        (52 * 24 + 12) * 3600
    );
    // gamma 2.1.0, uploaded 2026-11-01, is due 90 days later: the next deadline ahead.
    assert_eq!(plan["next_due"]["name"], "gamma");
    assert_eq!(plan["next_due"]["to"], "2.1.0");
    assert_eq!(plan["next_due"]["due"], "2027-01-30T00:00:00Z");
    assert!(plan["next_due"].get("overdue_by_seconds").is_none());
    let next = json["next"].as_str().unwrap();
    assert!(
        next.contains("`tend plan ") && next.contains("schedules 2 updates (1 overdue)"),
        "{next}"
    );

    // `--fail-on never` keeps the report and exits 0.
    let json = scan_json_of(&context, &["--fail-on", "never"], 0);
    assert_eq!(json["plan"]["overdue"], 1);

    // The table names the overdue item and by how long.
    let mut command = tend(&context, &["scan", "--no-environment"]);
    command
        .arg(context.project())
        .env("TEND_NOW", "2026-11-23T12:00:00Z");
    let table = context.filter(&context.run(&mut command));
    assert!(
        table.contains("plan         2 updates (0 security, 0 held, 1 overdue), 0 deferred"),
        "{table}"
    );
    assert!(
        table.contains("  overdue  beta 1.0.0 -> 1.0.1 (critical), by 52d 12h"),
        "{table}"
    );
    assert!(
        table.contains("  next due gamma 2.0.0 -> 2.1.0 (other), 2027-01-30 00:00 UTC"),
        "{table}"
    );

    // The Markdown summary has the same lines in its Plan section, and the status counts the
    // overdue update.
    let mut command = tend(
        &context,
        &["scan", "--no-environment", "--format", "markdown"],
    );
    command
        .arg(context.project())
        .env("TEND_NOW", "2026-11-23T12:00:00Z");
    let markdown = context.filter(&context.run(&mut command));
    assert!(
        markdown
            .contains("**Status:** no health problems; advisories not checked; 1 update overdue"),
        "{markdown}"
    );
    let plan_section = &markdown[markdown.find("## Plan").unwrap()..];
    assert!(
        plan_section.starts_with(
            "## Plan\n\n2 updates (0 security, 0 held, 1 overdue), 0 deferred; overall risk medium.\n\n\
             - Overdue: beta 1.0.0 -> 1.0.1 (critical), by 52d 12h\n\
             - Next due: gamma 2.0.0 -> 2.1.0 (other), 2027-01-30 00:00 UTC\n\n## Next\n"
        ),
        "{plan_section}"
    );

    // The HTML report has the plan's section, the overdue deadline in bold.
    let mut command = tend(&context, &["scan", "--no-environment", "--format", "html"]);
    command
        .arg(context.project())
        .env("TEND_NOW", "2026-11-23T12:00:00Z");
    let output = command.output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let html = String::from_utf8(output.stdout).unwrap();
    assert!(html.contains("<section id=\"plan\">"), "{html}");
    assert!(
        html.contains(
            "<td class=\"nowrap\"><strong>2026-10-02 00:00 UTC, overdue by 52d 12h</strong></td>"
        ),
        "{html}"
    );
    assert!(
        html.contains("<span class=\"badge error\">1 overdue</span>"),
        "{html}"
    );
}

#[test]
fn a_plan_within_its_deadlines_passes_the_scan() {
    let context = TestContext::new();
    let server = planned_index();
    // A year for beta: due 2027-10-01, after gamma's deadline.
    planned_project(&context, &server, "365d");
    let json = scan_json_of(&context, &[], 0);
    assert_eq!(json["plan"]["overdue"], 0, "{json:#}");
    assert_eq!(json["plan"]["most_overdue"], serde_json::json!([]));
    assert_eq!(json["plan"]["next_due"]["name"], "gamma");
    assert!(json.get("plan_not_run").is_none());
}

/// One scan keeps its output in every format it can print, and `tend report` prints each back
/// exactly as `tend scan --format FORMAT` prints it.
#[test]
fn a_scan_keeps_every_format_for_tend_report() {
    let context = TestContext::new();
    let store = context.root().join("history.sqlite3");
    let example = example();
    let with_store = |args: &[&str]| {
        let mut command = tend(&context, args);
        command
            .arg("--store")
            .arg(&store)
            .env("TEND_NOW", "2026-11-23T12:00:00Z");
        command
    };
    let recorded = with_store(&["scan", &example]).output().unwrap();
    assert_eq!(recorded.status.code(), Some(1), "{recorded:?}");
    let shown = run_json(
        &mut with_store(&["history", "show", "1", "--format", "json"]),
        0,
    );
    assert_eq!(
        shown["renderings"],
        serde_json::json!(["table", "json", "html", "markdown"])
    );
    assert_eq!(shown["reports"][0]["kind"], "scan");
    assert!(shown["reports"][0]["document"]["plan"]["items"].is_u64());
    for format in ["table", "json", "html", "markdown"] {
        let printed = with_store(&["scan", &example, "--format", format])
            .output()
            .unwrap();
        let reported = with_store(&["report", "1", "--format", format])
            .output()
            .unwrap();
        assert_eq!(reported.status.code(), Some(0), "{reported:?}");
        assert_eq!(
            String::from_utf8_lossy(&reported.stdout),
            String::from_utf8_lossy(&printed.stdout),
            "{format}"
        );
    }
}
