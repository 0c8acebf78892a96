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
