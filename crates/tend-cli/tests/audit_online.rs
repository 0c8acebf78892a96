//! `tend audit --service osv|pypi` and `tend db update --source URL` against real HTTP servers
//! on 127.0.0.1 and a real venv: findings, the cache and `--offline`, and failures that must
//! show as "not audited", never as "no known vulnerabilities".

#![allow(clippy::unwrap_used)]

mod common;

use std::io::Write as _;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use common::{run_json, tend};
use serde_json::{json, Value};
use tend_test::http::{Handler as _, Request, Resource, Response, TestServer};
use tend_test::{shared_wheelhouse, TestContext, Venv};

const NOW: &str = "2026-11-23T12:00:00Z";

/// alpha 1.0.0 (vulnerable, fixed in 1.1.0), beta 1.0.0 (clean), gamma 0.5.0 (no fix).
fn vulnerable_venv(context: &mut TestContext) -> Venv {
    let venv = context.create_venv();
    venv.pip_install(
        shared_wheelhouse(),
        ["--no-deps", "alpha==1.0.0", "beta==1.0.0", "gamma==0.5.0"],
    );
    venv
}

/// The project's own records for the fake services.
fn record(id: &str) -> Option<Value> {
    let record = match id {
        "PYSEC-2026-1" => json!({
            "id": "PYSEC-2026-1", "modified": "2026-11-01T00:00:00Z",
            "aliases": ["CVE-2026-1111"],
            "summary": "Alpha trusts its input",
            "affected": [{"package": {"ecosystem": "PyPI", "name": "alpha"},
                          "ranges": [{"type": "ECOSYSTEM",
                                      "events": [{"introduced": "0"}, {"fixed": "1.1.0"}]}]}],
            "severity": [{"type": "CVSS_V3",
                          "score": "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:N"}]
        }),
        "GHSA-gggg-gggg-gggg" => json!({
            "id": "GHSA-gggg-gggg-gggg", "modified": "2026-11-03T00:00:00Z",
            "summary": "Gamma runs code from its configuration",
            "affected": [{"package": {"ecosystem": "PyPI", "name": "gamma"},
                          "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}]}]}],
            "severity": [{"type": "CVSS_V3",
                          "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}]
        }),
        _ => return None,
    };
    Some(record)
}

fn ids_for(package: &str, version: &str) -> Vec<&'static str> {
    match (package, version) {
        ("alpha", "1.0.0") => vec!["PYSEC-2026-1"],
        ("gamma", "0.5.0") => vec!["GHSA-gggg-gggg-gggg"],
        _ => Vec::new(),
    }
}

/// An OSV API answering from [`ids_for`] and [`record`].
fn osv_api(request: &Request) -> Response {
    if request.path == "/v1/querybatch" {
        let body: Value = serde_json::from_slice(&request.body).unwrap();
        let results: Vec<Value> = body["queries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|query| {
                let vulns: Vec<Value> = ids_for(
                    query["package"]["name"].as_str().unwrap(),
                    query["version"].as_str().unwrap(),
                )
                .into_iter()
                .map(|id| json!({"id": id, "modified": record(id).unwrap()["modified"]}))
                .collect();
                if vulns.is_empty() {
                    json!({})
                } else {
                    json!({ "vulns": vulns })
                }
            })
            .collect();
        return Response::json(&json!({ "results": results }));
    }
    request
        .path
        .strip_prefix("/v1/vulns/")
        .and_then(record)
        .map_or_else(Response::not_found, |record| Response::json(&record))
}

fn service_audit(context: &TestContext, venv: &Venv, args: &[&str]) -> Command {
    let mut command = tend(context, &["audit", "--format", "json", "--venv"]);
    command.arg(&venv.root).args(args).env("TEND_NOW", NOW);
    command
}

/// `(name, id, fix)` of every finding in a JSON report.
fn findings(json: &Value) -> Vec<(String, String, String)> {
    json["vulnerable"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|package| {
            package["findings"]
                .as_array()
                .unwrap()
                .iter()
                .map(move |finding| {
                    (
                        package["target"]["name"].as_str().unwrap().to_string(),
                        finding["id"].as_str().unwrap().to_string(),
                        finding["fix"]["version"]
                            .as_str()
                            .unwrap_or("none")
                            .to_string(),
                    )
                })
        })
        .collect()
}

fn finding(name: &str, id: &str, fix: &str) -> (String, String, String) {
    (name.to_string(), id.to_string(), fix.to_string())
}

#[test]
fn osv_service_audits_a_venv_and_reruns_offline_from_the_cache() {
    let mut context = TestContext::new();
    let venv = vulnerable_venv(&mut context);
    let server = TestServer::start(osv_api);
    let url = server.url();

    let json = run_json(
        &mut service_audit(&context, &venv, &["--service", "osv", "--osv-url", &url]),
        1,
    );
    let expected = [
        finding("alpha", "PYSEC-2026-1", "1.1.0"),
        finding("gamma", "GHSA-gggg-gggg-gggg", "none"),
    ];
    assert_eq!(findings(&json), expected);
    assert_eq!(json["not_audited"], json!([]));
    assert_eq!(json["sources"][0]["kind"], "osv-api");
    assert_eq!(json["sources"][0]["records"], 2);
    // The whole venv in one batch: alpha, beta, gamma and the venv's own tools.
    assert_eq!(server.count("/v1/querybatch"), 1);
    let batch: Value =
        serde_json::from_slice(&server.requests_to("/v1/querybatch")[0].body).unwrap();
    let names: Vec<&str> = batch["queries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|query| query["package"]["name"].as_str().unwrap())
        .collect();
    for name in ["alpha", "beta", "gamma", "pip"] {
        assert!(names.contains(&name), "{name} not asked about: {names:?}");
    }
    assert_eq!(json["audited"], json!(names.len()));

    // Offline, the cached answers give the same report without a request.
    let requests = server.requests().len();
    let offline = run_json(
        &mut service_audit(
            &context,
            &venv,
            &["--service", "osv", "--osv-url", &url, "--offline"],
        ),
        1,
    );
    assert_eq!(server.requests().len(), requests);
    assert_eq!(findings(&offline), expected);
    assert_eq!(offline["not_audited"], json!([]));
}

#[test]
fn osv_service_failure_is_not_audited_never_clean() {
    let mut context = TestContext::new();
    let venv = vulnerable_venv(&mut context);
    let server = TestServer::start(Response::status(500).body("internal error"));
    let url = server.url();

    // Without --strict the exit code follows the findings: there are none.
    let json = run_json(
        &mut service_audit(&context, &venv, &["--service", "osv", "--osv-url", &url]),
        0,
    );
    assert_eq!(json["vulnerable"], json!([]));
    assert_eq!(json["audited"], 0);
    let not_audited = json["not_audited"].as_array().unwrap();
    let names: Vec<&str> = not_audited
        .iter()
        .map(|entry| entry["name"].as_str().unwrap())
        .collect();
    for name in ["alpha", "beta", "gamma"] {
        assert!(names.contains(&name), "{name} missing from {names:?}");
    }
    for entry in not_audited {
        assert_eq!(entry["reason"]["kind"], "source-unreachable");
        let message = entry["reason"]["message"].as_str().unwrap();
        assert!(
            message.contains("answered 500 Internal Server Error"),
            "{message}"
        );
    }

    // The table says so, and never that nothing was found.
    let mut table = tend(
        &context,
        &["audit", "--service", "osv", "--osv-url", &url, "--venv"],
    );
    table.arg(&venv.root).env("TEND_NOW", NOW);
    let output = table.output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("Nothing audited"), "{stdout}");
    assert!(stdout.contains("source unreachable"), "{stdout}");
    assert!(
        !stdout.to_lowercase().contains("no known vulnerabilities"),
        "{stdout}"
    );

    // --strict fails the run.
    let status = table.arg("--strict").output().unwrap().status;
    assert_eq!(status.code(), Some(1));
}

#[test]
fn pypi_service_finds_vulnerabilities_and_reports_missing_releases() {
    let mut context = TestContext::new();
    let venv = vulnerable_venv(&mut context);
    let server = TestServer::start(|request: &Request| {
        let parts: Vec<&str> = request.path.split('/').collect();
        let ["", "pypi", name, version, "json"] = parts.as_slice() else {
            return Response::not_found();
        };
        // beta is a private package this index does not have.
        if *name == "beta" {
            return Response::not_found();
        }
        let vulnerabilities: Vec<Value> = ids_for(name, version)
            .into_iter()
            .map(|id| {
                let record = record(id).unwrap();
                let fixed_in = if id == "PYSEC-2026-1" {
                    json!(["1.1.0"])
                } else {
                    json!([])
                };
                json!({"id": id, "aliases": record["aliases"], "summary": record["summary"],
                       "details": "", "fixed_in": fixed_in, "link": null, "source": "osv",
                       "withdrawn": null})
            })
            .collect();
        Response::json(&json!({"info": {"name": name}, "vulnerabilities": vulnerabilities}))
    });
    let url = server.url();
    let args = [
        "--service",
        "pypi",
        "--pypi-url",
        url.as_str(),
        "--fail-on",
        "never",
    ];

    let json = run_json(&mut service_audit(&context, &venv, &args), 0);
    assert_eq!(
        findings(&json),
        [
            finding("alpha", "PYSEC-2026-1", "1.1.0"),
            finding("gamma", "GHSA-gggg-gggg-gggg", "none"),
        ]
    );
    assert_eq!(json["sources"][0]["kind"], "pypi-json");
    let not_audited = json["not_audited"].as_array().unwrap();
    assert_eq!(not_audited.len(), 1, "{not_audited:#?}");
    assert_eq!(not_audited[0]["name"], "beta");
    assert_eq!(
        not_audited[0]["reason"]["message"],
        format!(
            "beta 1.0.0 is not on {url}/ (a private package, or a version never published \
             there), so it was not audited"
        )
    );
    assert_eq!(server.count("/pypi/alpha/1.0.0/json"), 1);

    let mut strict = service_audit(&context, &venv, &args);
    assert_eq!(
        strict.arg("--strict").output().unwrap().status.code(),
        Some(1)
    );
}

#[test]
fn bad_service_url_is_a_usage_error() {
    let context = TestContext::new();
    let mut command = tend(
        &context,
        &[
            "audit",
            "--no-environment",
            "--service",
            "osv",
            "--osv-url",
            "ftp://example.org",
        ],
    );
    fs_err::write(context.project().join("requirements.txt"), "alpha==1.0.0\n").unwrap();
    let output = command.env("TEND_NOW", NOW).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("--osv-url `ftp://example.org/` is not an HTTP URL"),
        "{stderr}"
    );
}

fn archive() -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for id in ["PYSEC-2026-1", "GHSA-gggg-gggg-gggg"] {
        writer
            .start_file(
                format!("{id}.json"),
                zip::write::SimpleFileOptions::default(),
            )
            .unwrap();
        writer
            .write_all(record(id).unwrap().to_string().as_bytes())
            .unwrap();
    }
    writer.finish().unwrap().into_inner()
}

#[test]
fn db_update_from_a_url_then_audit_offline() {
    let mut context = TestContext::new();
    let venv = vulnerable_venv(&mut context);
    let server = TestServer::start(Resource::new(archive()).etag("\"v1\""));
    let url = server.url_for("/PyPI/all.zip");

    let mut update = tend(&context, &["db", "update", "--source", &url]);
    update.env("TEND_NOW", NOW);
    let output = update.output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.starts_with(&format!("{url}: 2 records, 2 packages")),
        "{stderr}"
    );

    let json = run_json(&mut service_audit(&context, &venv, &["--offline"]), 1);
    assert_eq!(
        findings(&json),
        [
            finding("alpha", "PYSEC-2026-1", "1.1.0"),
            finding("gamma", "GHSA-gggg-gggg-gggg", "none"),
        ]
    );
    assert_eq!(json["sources"][0]["kind"], "download");
    assert_eq!(json["sources"][0]["location"], url.as_str());

    // Again: a conditional request, answered 304.
    let output = update.output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert_eq!(
        stderr,
        format!("{url}: not modified since the last download\n")
    );
    assert_eq!(server.requests()[1].header("if-none-match"), Some("\"v1\""));
    assert_eq!(server.count("/PyPI/all.zip"), 2);
}

#[test]
fn db_update_failure_keeps_the_previous_database() {
    let mut context = TestContext::new();
    let venv = vulnerable_venv(&mut context);
    // Serves the archive, then (once `damaged` is set) a damaged copy of the same length.
    let damaged = Arc::new(AtomicBool::new(false));
    let serve_damaged = Arc::clone(&damaged);
    let server = TestServer::start(move |request: &Request| {
        if serve_damaged.load(Ordering::SeqCst) {
            let mut body = archive();
            let middle = body.len() / 3;
            for byte in &mut body[middle..middle + 20] {
                *byte ^= 0x5a;
            }
            Response::ok(body).header("ETag", "\"v2\"")
        } else {
            Resource::new(archive()).etag("\"v1\"").handle(request)
        }
    });
    let url = server.url_for("/PyPI/all.zip");
    let mut update = tend(&context, &["db", "update", "--source", &url]);
    update.env("TEND_NOW", NOW);
    assert_eq!(update.output().unwrap().status.code(), Some(0));

    damaged.store(true, Ordering::SeqCst);
    let output = update.output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.starts_with(&format!(
            "error: could not install the advisory archive from {url}; the previous database is kept\n"
        )),
        "{stderr}"
    );
    assert_eq!(server.count("/PyPI/all.zip"), 2);

    let json = run_json(&mut service_audit(&context, &venv, &["--offline"]), 1);
    assert_eq!(findings(&json).len(), 2);
}
