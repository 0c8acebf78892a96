//! `tend outdated` (and the outdated stage of `tend scan`) against a package index served on
//! 127.0.0.1 by the test, with JSON pages for some projects and HTML for others: yanked files,
//! pre-releases, `Requires-Python` limits, upload times, 404, 500, basic auth; the server
//! counts requests so the cache behaviour is asserted, not assumed.

#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::process::Command;

use common::{run_json, tend};
use serde_json::{json, Value};
use tend_test::http::{Handler, Request, Resource, Response, Routes, Sequence, TestServer};
use tend_test::{shared_wheelhouse, TestContext, Venv, WheelSpec};

/// The clock of every run: upload times below are placed around it.
const NOW: &str = "2026-11-23T12:00:00Z";

/// alpha's latest release when no environment is read: with no Python to check
/// `Requires-Python` against, 3.0.0 (for Python 4 only) is not skipped.
const ALPHA_LATEST_WITHOUT_PYTHON: &str = "3.0.0";

/// `tester:hunter2-secret`, as a basic auth header carries it.
const BASIC_AUTH: &str = "Basic dGVzdGVyOmh1bnRlcjItc2VjcmV0";
const PASSWORD: &str = "hunter2-secret";

/// One file of a project page.
struct File {
    version: &'static str,
    /// `None`: the page gives no upload time.
    uploaded: Option<&'static str>,
    /// `Some("")`: yanked with no reason.
    yanked: Option<&'static str>,
    requires_python: Option<&'static str>,
}

const fn file(version: &'static str, uploaded: &'static str) -> File {
    File {
        version,
        uploaded: Some(uploaded),
        yanked: None,
        requires_python: None,
    }
}

const fn html_file(version: &'static str) -> File {
    File {
        version,
        uploaded: None,
        yanked: None,
        requires_python: None,
    }
}

/// `alpha`: installed 1.0.0; newer patch, minor and major releases; a yanked 2.0.1, a
/// pre-release, a 3.0.0 for Python 4 only; 2.0.0 uploaded a day before [`NOW`].
fn alpha_files() -> Vec<File> {
    vec![
        file("0.9.0", "2025-01-10T08:00:00Z"),
        file("1.0.0", "2025-06-01T08:00:00Z"),
        file("1.0.1", "2025-07-01T08:00:00Z"),
        file("1.1.0", "2025-09-15T08:00:00Z"),
        file("2.0.0", "2026-11-22T12:00:00Z"),
        File {
            yanked: Some("broken build"),
            ..file("2.0.1", "2026-11-22T18:00:00Z")
        },
        file("2.1.0rc1", "2026-11-23T06:00:00Z"),
        File {
            requires_python: Some(">=4"),
            ..file("3.0.0", "2026-11-19T08:00:00Z")
        },
    ]
}

/// `beta` (served as HTML, no upload times): the installed 1.0.0 is yanked.
fn beta_files() -> Vec<File> {
    vec![
        File {
            yanked: Some("security issue"),
            ..html_file("1.0.0")
        },
        html_file("1.0.1"),
        html_file("1.1.0"),
    ]
}

/// `gamma`: up to date but for a pre-release.
fn gamma_files() -> Vec<File> {
    vec![
        file("0.4.0", "2025-02-01T08:00:00Z"),
        file("0.5.0", "2025-03-01T08:00:00Z"),
        file("0.6.0rc1", "2026-10-01T08:00:00Z"),
    ]
}

/// `epsilon` (HTML): pinned in requirements.txt, not installed; 3.1 is for Python 4 only.
fn epsilon_files() -> Vec<File> {
    vec![
        html_file("2.0"),
        html_file("2.1"),
        html_file("3.0"),
        File {
            requires_python: Some(">=4"),
            ..html_file("3.1")
        },
    ]
}

fn wheel_name(project: &str, version: &str) -> String {
    format!("{}-{version}-py3-none-any.whl", project.replace('-', "_"))
}

/// A PEP 691 JSON page.
fn json_page(project: &str, files: &[File]) -> String {
    let entries: Vec<Value> = files
        .iter()
        .map(|file| {
            let name = wheel_name(project, file.version);
            let mut entry = json!({
                "filename": name,
                "url": format!("../../files/{name}"),
                "hashes": {"sha256": "0".repeat(64)},
                "yanked": match file.yanked {
                    Some("") => json!(true),
                    Some(reason) => json!(reason),
                    None => json!(false),
                },
            });
            if let Some(uploaded) = file.uploaded {
                entry["upload-time"] = json!(uploaded);
            }
            if let Some(requires_python) = file.requires_python {
                entry["requires-python"] = json!(requires_python);
            }
            entry
        })
        .collect();
    let versions: Vec<&str> = files.iter().map(|file| file.version).collect();
    json!({
        "meta": {"api-version": "1.1"},
        "name": project,
        "files": entries,
        "versions": versions,
    })
    .to_string()
}

/// A PEP 503 HTML page with PEP 592 yanks and `data-requires-python`.
fn html_page(project: &str, files: &[File]) -> String {
    let mut page = format!(
        "<!DOCTYPE html>\n<html><head><title>Links for {project}</title></head><body>\n\
         <h1>Links for {project}</h1>\n"
    );
    for file in files {
        let name = wheel_name(project, file.version);
        let mut attributes = String::new();
        if let Some(requires_python) = file.requires_python {
            let escaped = requires_python.replace('>', "&gt;").replace('<', "&lt;");
            let _ = write!(attributes, " data-requires-python=\"{escaped}\"");
        }
        if let Some(reason) = file.yanked {
            let _ = write!(attributes, " data-yanked=\"{reason}\"");
        }
        let _ = writeln!(
            page,
            "<a href=\"../../files/{name}#sha256={}\"{attributes}>{name}</a><br/>",
            "0".repeat(64)
        );
    }
    page.push_str("</body></html>\n");
    page
}

const JSON_TYPE: &str = "application/vnd.pypi.simple.v1+json";

/// Pages as cacheable resources: fresh for ten minutes, with an ETag for revalidation.
fn json_resource(project: &str, files: &[File]) -> Resource {
    Resource::new(json_page(project, files))
        .content_type(JSON_TYPE)
        .etag(&format!("\"{project}-v1\""))
        .cache_control("max-age=600")
}

fn html_resource(project: &str, files: &[File]) -> Resource {
    Resource::new(html_page(project, files))
        .content_type("text/html; charset=utf-8")
        .etag(&format!("\"{project}-v1\""))
        .cache_control("max-age=600")
}

/// The index of most tests: alpha and gamma as JSON, beta and epsilon as HTML, anything else
/// (delta) 404.
fn index_routes() -> Routes {
    Routes::new()
        .route("/simple/alpha/", json_resource("alpha", &alpha_files()))
        .route("/simple/beta/", html_resource("beta", &beta_files()))
        .route("/simple/gamma/", json_resource("gamma", &gamma_files()))
        .route(
            "/simple/epsilon/",
            html_resource("epsilon", &epsilon_files()),
        )
}

fn start_index() -> TestServer {
    TestServer::start(index_routes())
}

fn index_url(server: &TestServer) -> String {
    server.url_for("/simple/")
}

/// Requests for project pages the index has (`/simple/...`). A 404 carries no cache headers
/// and is asked again on every run, so delta's are not counted.
fn page_requests(server: &TestServer) -> Vec<Request> {
    server
        .requests()
        .into_iter()
        .filter(|request| request.path.starts_with("/simple/") && request.path != "/simple/delta/")
        .collect()
}

/// The venv of the report tests: alpha 1.0.0, beta 1.0.0, gamma 0.5.0 from the shared
/// wheelhouse and delta 0.1.0, a name no index here knows; pip and setuptools removed so the
/// report holds only packages the test controls.
fn report_venv(context: &mut TestContext) -> Venv {
    let venv = context.create_venv();
    let wheels = context.root().join("wheels");
    fs_err::create_dir_all(&wheels).unwrap();
    WheelSpec::new("delta", "0.1.0")
        .module("delta/__init__.py", "")
        .build(&wheels);
    venv.pip_install(
        shared_wheelhouse(),
        [
            "--no-deps",
            "--find-links",
            wheels.to_str().unwrap(),
            "alpha==1.0.0",
            "beta==1.0.0",
            "gamma==0.5.0",
            "delta==0.1.0",
        ],
    );
    venv.pip(["uninstall", "--yes", "pip", "setuptools"]);
    venv
}

/// `tend outdated <args>` on the clock of the tests.
fn outdated(context: &TestContext, args: &[&str]) -> Command {
    let mut command = tend(context, &["outdated"]);
    command.args(args).env("TEND_NOW", NOW);
    command
}

/// The harness's filters, then the server's changing port.
fn filtered(context: &TestContext, text: &str) -> String {
    let mut text = context.filter(text);
    while let Some(start) = text.find("127.0.0.1:") {
        let digits = text[start + 10..]
            .find(|c: char| !c.is_ascii_digit())
            .map_or(text.len(), |end| start + 10 + end);
        text.replace_range(start..digits, "[SERVER]");
    }
    text
}

/// Exit code, stdout and stderr as one filtered text.
fn run(context: &TestContext, command: &mut Command) -> String {
    filtered(context, &context.run(command))
}

/// `name -> package` of a JSON report's compared packages.
fn packages(json: &Value) -> BTreeMap<String, Value> {
    json["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|package| {
            (
                package["name"].as_str().unwrap().to_string(),
                package.clone(),
            )
        })
        .collect()
}

fn version_of<'a>(package: &'a Value, field: &str) -> Option<&'a str> {
    package[field]["version"].as_str()
}

fn names(list: &Value) -> Vec<&str> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|entry| entry["name"].as_str().unwrap())
        .collect()
}

/// A project with only a requirements file, read with `--no-environment`: for tests about the
/// settings and the cache, which need no venv.
fn write_requirements(context: &TestContext, text: &str) {
    fs_err::write(context.project().join("requirements.txt"), text).unwrap();
}

#[test]
fn outdated_reports_a_real_venv_in_every_format() {
    let mut context = TestContext::new();
    let venv = report_venv(&mut context);
    write_requirements(
        &context,
        "alpha==1.0.0\nbeta==1.0.0\ngamma==0.5.0\nepsilon==2.0\n",
    );
    let server = start_index();
    let index = index_url(&server);

    let table = run(&context, &mut outdated(&context, &["--index-url", &index]));
    insta::assert_snapshot!("table", table);
    // Every project asked once.
    assert_eq!(page_requests(&server).len(), 4, "{:?}", server.requests());
    assert_eq!(server.count("/simple/delta/"), 1);

    // JSON and Markdown from the cache: no more requests.
    let mut command = outdated(&context, &["--index-url", &index, "--format", "json"]);
    let output = command.output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    let json: Value = serde_json::from_slice(&output.stdout).unwrap();
    // The JSON gives the interpreter's full version; the harness filters only "Python 3.x".
    let python = json["settings"]["python"].as_str().unwrap().to_string();
    assert!(python.starts_with(&venv.python_version), "{python}");
    insta::assert_snapshot!(
        "json",
        filtered(&context, &String::from_utf8_lossy(&output.stdout))
            .replace(&format!("\"{python}\""), "\"[PYTHON]\"")
    );
    let markdown = run(
        &context,
        &mut outdated(&context, &["--index-url", &index, "--format", "markdown"]),
    );
    insta::assert_snapshot!("markdown", markdown);
    assert_eq!(page_requests(&server).len(), 4);

    let by_name = packages(&json);
    let alpha = &by_name["alpha"];
    // 2.0.1 is yanked, 2.1.0rc1 a pre-release, 3.0.0 needs Python 4.
    assert_eq!(version_of(alpha, "latest"), Some("2.0.0"), "{alpha:#}");
    assert_eq!(version_of(alpha, "allowed"), Some("2.0.0"));
    assert_eq!(alpha["change"], "major");
    assert_eq!(alpha["behind"], 3);
    assert_eq!(alpha["skipped"]["yanked"], 1);
    assert_eq!(alpha["skipped"]["pre"], 1);
    assert_eq!(alpha["skipped"]["requires_python"], 1);
    assert_eq!(alpha["current_release"]["uploaded"], "2025-06-01T08:00:00Z");
    // beta's installed release is yanked, with its reason, from an HTML page.
    let beta = &by_name["beta"];
    assert_eq!(beta["current_release"]["yanked"], true, "{beta:#}");
    assert_eq!(beta["current_release"]["yank_reason"], "security issue");
    assert_eq!(version_of(beta, "latest"), Some("1.1.0"));
    // gamma's only newer release is a pre-release: up to date.
    let gamma = &by_name["gamma"];
    assert!(gamma.get("change").is_none(), "{gamma:#}");
    assert_eq!(gamma["skipped"]["pre"], 1);
    // epsilon is pinned, not installed.
    assert_eq!(by_name["epsilon"]["origin"]["kind"], "pinned");
    // An HTML page's data-requires-python counts as a JSON page's requires-python does.
    assert_eq!(version_of(&by_name["epsilon"], "latest"), Some("3.0"));
    assert_eq!(by_name["epsilon"]["skipped"]["requires_python"], 1);
    // delta is a name no index knows: a finding of its own.
    assert_eq!(names(&json["unknown"]), ["delta"]);

    // --strategy patch: latest stays the newest release, allowed is the newest 1.0.x.
    let json = run_json(
        &mut outdated(
            &context,
            &[
                "--index-url",
                &index,
                "--format",
                "json",
                "--strategy",
                "patch",
            ],
        ),
        0,
    );
    let by_name = packages(&json);
    assert_eq!(json["settings"]["strategy"], "patch");
    assert_eq!(version_of(&by_name["alpha"], "latest"), Some("2.0.0"));
    assert_eq!(version_of(&by_name["alpha"], "allowed"), Some("1.0.1"));
    assert_eq!(version_of(&by_name["beta"], "allowed"), Some("1.0.1"));
    let json = run_json(
        &mut outdated(
            &context,
            &[
                "--index-url",
                &index,
                "--format",
                "json",
                "--strategy",
                "minor",
            ],
        ),
        0,
    );
    assert_eq!(
        version_of(&packages(&json)["alpha"], "allowed"),
        Some("1.1.0")
    );

    // --pre: pre-releases count for every package.
    let json = run_json(
        &mut outdated(
            &context,
            &["--index-url", &index, "--format", "json", "--pre"],
        ),
        0,
    );
    let by_name = packages(&json);
    assert_eq!(version_of(&by_name["alpha"], "latest"), Some("2.1.0rc1"));
    assert_eq!(version_of(&by_name["gamma"], "latest"), Some("0.6.0rc1"));
    // Pre-releases do not count as releases behind.
    assert_eq!(by_name["alpha"]["behind"], 3);

    // --min-age 3d: 2.0.0, a day old, is too new to trust.
    let json = run_json(
        &mut outdated(
            &context,
            &["--index-url", &index, "--format", "json", "--min-age", "3d"],
        ),
        0,
    );
    let alpha = &packages(&json)["alpha"];
    assert_eq!(version_of(alpha, "latest"), Some("1.1.0"), "{alpha:#}");
    assert!(alpha["skipped"]["too_new"].as_u64().unwrap() >= 1);
    assert_eq!(alpha["change"], "minor");

    // --strict: delta is unknown, so the run fails.
    let json = run_json(
        &mut outdated(
            &context,
            &["--index-url", &index, "--format", "json", "--strict"],
        ),
        1,
    );
    assert_eq!(names(&json["unknown"]), ["delta"]);
    assert_eq!(
        page_requests(&server).len(),
        4,
        "every later run came from the cache"
    );
}

#[test]
fn cache_fresh_rerun_offline_and_refresh() {
    let context = TestContext::new();
    write_requirements(&context, "alpha==1.0.0\nbeta==1.0.0\n");
    let server = start_index();
    let index = index_url(&server);
    let json_run = |extra: &[&str], now: &str| {
        let mut command = outdated(
            &context,
            &[
                "--no-environment",
                "--index-url",
                &index,
                "--format",
                "json",
            ],
        );
        command.args(extra).env("TEND_NOW", now);
        run_json(&mut command, 0)
    };

    // Offline with nothing cached: not checked, and no request.
    let json = json_run(&["--offline"], NOW);
    assert_eq!(names(&json["not_checked"]), ["alpha", "beta"], "{json:#}");
    assert_eq!(json["not_checked"][0]["reason"]["kind"], "not-cached");
    assert!(page_requests(&server).is_empty());

    let json = json_run(&[], NOW);
    assert_eq!(page_requests(&server).len(), 2);
    assert_eq!(json["data"]["requests"], 2, "{json:#}");

    // Inside the ten minutes of max-age: no request at all.
    let json = json_run(&[], "2026-11-23T12:05:00Z");
    assert_eq!(page_requests(&server).len(), 2);
    assert_eq!(json["data"]["requests"], 0);
    assert_eq!(json["data"]["from_cache"], 2);

    // --offline two days later: the stale cache answers, and the report says how old it is.
    let json = json_run(&["--offline"], "2026-11-25T12:00:00Z");
    assert_eq!(page_requests(&server).len(), 2);
    assert_eq!(json["data"]["oldest"], NOW, "{json:#}");
    assert_eq!(json["settings"]["offline"], true);
    assert_eq!(
        version_of(&packages(&json)["alpha"], "latest"),
        Some(ALPHA_LATEST_WITHOUT_PYTHON)
    );
    let mut command = outdated(&context, &["--no-environment", "--index-url", &index]);
    command
        .args(["--offline"])
        .env("TEND_NOW", "2026-11-25T12:00:00Z");
    let table = run(&context, &mut command);
    assert!(table.contains("2 days"), "{table}");

    // --refresh inside the freshness window still asks, conditionally: 304s, no bodies.
    json_run(&["--refresh"], "2026-11-23T12:06:00Z");
    let requests = page_requests(&server);
    assert_eq!(requests.len(), 4);
    for request in &requests[2..] {
        assert!(
            request.header("if-none-match").is_some(),
            "not conditional: {request:?}"
        );
    }

    // After max-age the next run revalidates conditionally as well.
    let json = json_run(&[], "2026-11-23T13:00:00Z");
    let requests = page_requests(&server);
    assert_eq!(requests.len(), 6);
    assert!(requests[4..]
        .iter()
        .all(|request| request.header("if-none-match").is_some()));
    assert_eq!(
        version_of(&packages(&json)["beta"], "latest"),
        Some("1.1.0")
    );
}

/// Answers only requests that carry [`BASIC_AUTH`].
struct RequireAuth(Routes);

impl Handler for RequireAuth {
    fn handle(&self, request: &Request) -> Response {
        if request.header("authorization") == Some(BASIC_AUTH) {
            self.0.handle(request)
        } else {
            Response::status(401).header("WWW-Authenticate", "Basic realm=\"index\"")
        }
    }
}

#[test]
fn credentials_in_the_index_url_are_used_and_never_printed() {
    let context = TestContext::new();
    write_requirements(&context, "alpha==1.0.0\n");
    let server = TestServer::start(RequireAuth(
        index_routes().route("/simple/zeta/", Response::status(500)),
    ));
    let with_credentials =
        index_url(&server).replace("http://", &format!("http://tester:{PASSWORD}@"));
    for format in ["table", "json", "markdown"] {
        let mut command = outdated(
            &context,
            &[
                "--no-environment",
                "--index-url",
                &with_credentials,
                "--format",
                format,
            ],
        );
        let output = command.output().unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(0), "{stdout}\n{stderr}");
        assert!(
            !stdout.contains(PASSWORD) && !stderr.contains(PASSWORD),
            "{format}: the password was printed:\n{stdout}\n{stderr}"
        );
        assert!(stdout.contains("alpha"), "{stdout}");
    }
    // The failing package's message names the index without the password too.
    write_requirements(&context, "alpha==1.0.0\nzeta==1.0\n");
    let json = run_json(
        &mut outdated(
            &context,
            &[
                "--no-environment",
                "--index-url",
                &with_credentials,
                "--format",
                "json",
            ],
        ),
        0,
    );
    assert_eq!(names(&json["not_checked"]), ["zeta"]);
    assert_eq!(
        version_of(&packages(&json)["alpha"], "latest"),
        Some(ALPHA_LATEST_WITHOUT_PYTHON)
    );

    // Without credentials the index refuses, and the message says what it wants.
    let json = run_json(
        &mut outdated(
            &context,
            &[
                "--no-environment",
                "--index-url",
                &index_url(&server),
                "--format",
                "json",
            ],
        ),
        0,
    );
    let message = json["not_checked"][0]["reason"]["message"]
        .as_str()
        .unwrap();
    assert!(message.contains("credentials"), "{message}");
}

#[test]
fn netrc_credentials_are_used() {
    let context = TestContext::new();
    write_requirements(&context, "alpha==1.0.0\n");
    let server = TestServer::start(RequireAuth(index_routes()));
    let netrc = context.root().join("netrc");
    fs_err::write(
        &netrc,
        format!("machine 127.0.0.1\n  login tester\n  password {PASSWORD}\n"),
    )
    .unwrap();
    let mut command = outdated(
        &context,
        &[
            "--no-environment",
            "--index-url",
            &index_url(&server),
            "--format",
            "json",
        ],
    );
    command.env("NETRC", &netrc);
    let output = command.output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(!stdout.contains(PASSWORD), "{stdout}");
    let json: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(
        version_of(&packages(&json)["alpha"], "latest"),
        Some(ALPHA_LATEST_WITHOUT_PYTHON),
        "{json:#}"
    );
}

/// The one index URL a JSON report says it asked.
fn asked(json: &Value) -> Vec<&str> {
    json["settings"]["indexes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|index| index.as_str().unwrap())
        .collect()
}

#[test]
fn index_settings_pip_and_uv_users_already_have() {
    let server = start_index();
    let index = index_url(&server);

    // PIP_INDEX_URL.
    let context = TestContext::new();
    write_requirements(&context, "alpha==1.0.0\n");
    let mut command = outdated(&context, &["--no-environment", "--format", "json"]);
    command.env("PIP_INDEX_URL", &index);
    let json = run_json(&mut command, 0);
    assert_eq!(asked(&json), [index.as_str()]);
    assert_eq!(
        version_of(&packages(&json)["alpha"], "latest"),
        Some(ALPHA_LATEST_WITHOUT_PYTHON)
    );

    // UV_INDEX_URL wins over PIP_INDEX_URL.
    let mut command = outdated(&context, &["--no-environment", "--format", "json"]);
    command
        .env("PIP_INDEX_URL", "http://127.0.0.1:9/elsewhere/")
        .env("UV_INDEX_URL", &index);
    assert_eq!(asked(&run_json(&mut command, 0)), [index.as_str()]);

    // pip.conf under XDG_CONFIG_HOME of a temporary home.
    let context = TestContext::new();
    write_requirements(&context, "alpha==1.0.0\n");
    let pip_dir = context.home().join(".config").join("pip");
    fs_err::create_dir_all(&pip_dir).unwrap();
    fs_err::write(
        pip_dir.join("pip.conf"),
        format!("[global]\ntimeout = 60\nindex-url = {index}\n"),
    )
    .unwrap();
    let json = run_json(
        &mut outdated(&context, &["--no-environment", "--format", "json"]),
        0,
    );
    assert_eq!(asked(&json), [index.as_str()]);
    assert_eq!(
        version_of(&packages(&json)["alpha"], "latest"),
        Some(ALPHA_LATEST_WITHOUT_PYTHON)
    );

    // `--index-url` inside a requirements file.
    let context = TestContext::new();
    write_requirements(&context, &format!("--index-url {index}\nalpha==1.0.0\n"));
    let json = run_json(
        &mut outdated(&context, &["--no-environment", "--format", "json"]),
        0,
    );
    assert_eq!(asked(&json), [index.as_str()]);
    assert_eq!(
        version_of(&packages(&json)["alpha"], "latest"),
        Some(ALPHA_LATEST_WITHOUT_PYTHON)
    );

    // --extra-index-url adds a second index after the first.
    let other = TestServer::start(Routes::new().route(
        "/simple/alpha/",
        json_resource("alpha", &[file("9.0.0", "2025-01-01T00:00:00Z")]),
    ));
    let json = run_json(
        &mut outdated(
            &context,
            &[
                "--no-environment",
                "--format",
                "json",
                "--extra-index-url",
                &index_url(&other),
            ],
        ),
        0,
    );
    assert_eq!(asked(&json), [index.as_str(), index_url(&other).as_str()]);
}

#[test]
fn local_directory_index() {
    let context = TestContext::new();
    write_requirements(&context, "alpha==1.0.0\nbeta==1.0.0\n");
    let root = context.root().join("index");
    fs_err::create_dir_all(root.join("alpha")).unwrap();
    fs_err::create_dir_all(root.join("beta")).unwrap();
    fs_err::write(
        root.join("alpha/index.json"),
        json_page("alpha", &alpha_files()),
    )
    .unwrap();
    fs_err::write(
        root.join("beta/index.html"),
        html_page("beta", &beta_files()),
    )
    .unwrap();
    let json = run_json(
        &mut outdated(
            &context,
            &[
                "--no-environment",
                "--index-url",
                "../index",
                "--format",
                "json",
            ],
        ),
        0,
    );
    let by_name = packages(&json);
    assert_eq!(
        version_of(&by_name["alpha"], "latest"),
        Some(ALPHA_LATEST_WITHOUT_PYTHON),
        "{json:#}"
    );
    assert_eq!(by_name["beta"]["current_release"]["yanked"], true);
}

#[test]
fn a_failing_package_is_listed_not_checked_and_the_rest_reported() {
    let context = TestContext::new();
    write_requirements(
        &context,
        "alpha==1.0.0\nbeta==1.0.0\nzeta==1.0\nflaky==1.0\n",
    );
    let server = TestServer::start(
        index_routes()
            .route("/simple/zeta/", Response::status(500).body("index on fire"))
            .route(
                "/simple/flaky/",
                Sequence::new([
                    Response::status(503),
                    Response::ok(json_page("flaky", &[file("1.1", "2025-01-01T00:00:00Z")]))
                        .header("Content-Type", JSON_TYPE),
                ]),
            ),
    );
    let index = index_url(&server);
    let json = run_json(
        &mut outdated(
            &context,
            &[
                "--no-environment",
                "--index-url",
                &index,
                "--format",
                "json",
            ],
        ),
        0,
    );
    let by_name = packages(&json);
    assert_eq!(
        version_of(&by_name["alpha"], "latest"),
        Some(ALPHA_LATEST_WITHOUT_PYTHON)
    );
    // A 503 then a page: retried, then reported.
    assert_eq!(
        version_of(&by_name["flaky"], "latest"),
        Some("1.1"),
        "{json:#}"
    );
    assert_eq!(server.count("/simple/flaky/"), 2);
    // zeta failed on every attempt: not checked, with the status and the URL.
    assert_eq!(names(&json["not_checked"]), ["zeta"]);
    let reason = &json["not_checked"][0]["reason"];
    assert_eq!(reason["kind"], "index-error");
    let message = reason["message"].as_str().unwrap();
    assert!(message.contains("500"), "{message}");
    assert!(message.contains("/simple/zeta/"), "{message}");
    assert!(server.count("/simple/zeta/") > 1, "5xx answers are retried");

    // --strict turns "could not be checked" into exit 1. (The 500 comes from the cache? No:
    // errors are not cached, so zeta is asked again and fails again.)
    run_json(
        &mut outdated(
            &context,
            &[
                "--no-environment",
                "--index-url",
                &index,
                "--format",
                "json",
                "--strict",
            ],
        ),
        1,
    );
}

#[test]
fn bad_input_exits_2_with_a_clear_message() {
    let context = TestContext::new();
    write_requirements(&context, "alpha==1.0.0\n");
    let server = start_index();
    let index = index_url(&server);

    let output = run(
        &context,
        &mut outdated(
            &context,
            &["--no-environment", "--index-url", &index, "--min-age", "3x"],
        ),
    );
    insta::assert_snapshot!("bad_min_age", output);

    let output = run(
        &context,
        &mut outdated(&context, &["--no-environment", "--offline", "--refresh"]),
    );
    assert!(output.contains("exit_code: 2"), "{output}");

    let mut command = outdated(&context, &["--no-environment"]);
    command.env("PIP_INDEX_URL", "not a url");
    let output = run(&context, &mut command);
    insta::assert_snapshot!("bad_pip_index_url", output);

    let pip_conf = context.root().join("pip.conf");
    fs_err::write(
        &pip_conf,
        "[global]\nindex-url = https://example.invalid/simple/\nthis line is not an option\n",
    )
    .unwrap();
    let mut command = outdated(&context, &["--no-environment"]);
    command.env("PIP_CONFIG_FILE", &pip_conf);
    let output = run(&context, &mut command);
    assert!(output.contains("exit_code: 2"), "{output}");
    assert!(output.contains("[TEMP]/pip.conf:3"), "{output}");

    // A flag variable that is no boolean names the variable.
    let mut command = outdated(&context, &["--no-environment", "--index-url", &index]);
    command.env("UV_NO_INDEX", "maybe");
    let output = run(&context, &mut command);
    assert!(output.contains("exit_code: 2"), "{output}");
    assert!(output.contains("UV_NO_INDEX"), "{output}");

    // A .netrc that cannot be read names its file and line, and shows no password.
    let netrc = context.root().join("netrc");
    fs_err::write(
        &netrc,
        format!("machine 127.0.0.1 login tester password {PASSWORD}\nmachine\n"),
    )
    .unwrap();
    let mut command = outdated(&context, &["--no-environment", "--index-url", &index]);
    command.env("NETRC", &netrc);
    let output = run(&context, &mut command);
    assert!(output.contains("exit_code: 2"), "{output}");
    assert!(output.contains("[TEMP]/netrc:2"), "{output}");
    assert!(!output.contains(PASSWORD), "{output}");

    // No index at all.
    let output = run(
        &context,
        &mut outdated(&context, &["--no-environment", "--no-index"]),
    );
    insta::assert_snapshot!("no_index", output);
    assert!(page_requests(&server).is_empty());
}

#[test]
fn scan_includes_the_outdated_stage() {
    let context = TestContext::new();
    write_requirements(&context, "alpha==1.0.0\nbeta==1.0.0\ndelta==0.1.0\n");
    let server = start_index();
    let mut command = tend(&context, &["scan", "--no-environment", "--format", "json"]);
    command
        .env("TEND_NOW", NOW)
        .env("PIP_INDEX_URL", index_url(&server));
    let json = run_json(&mut command, 0);
    let stage = &json["outdated"];
    assert_eq!(stage["kind"], "outdated", "{json:#}");
    assert_eq!(names(&stage["unknown"]), ["delta"]);
    // An unknown package and a yanked pin send the reader to `tend outdated`.
    let next = json["next"].as_str().unwrap();
    assert!(next.contains("tend outdated"), "{next}");

    // No index reachable: the stage lists every package as not checked, the scan goes on.
    let unreachable = TestContext::new();
    write_requirements(&unreachable, "alpha==1.0.0\n");
    let mut command = tend(
        &unreachable,
        &["scan", "--no-environment", "--format", "json"],
    );
    command
        .env("TEND_NOW", NOW)
        .env("PIP_INDEX_URL", "http://127.0.0.1:9/simple/");
    let json = run_json(&mut command, 0);
    assert_eq!(
        names(&json["outdated"]["not_checked"]),
        ["alpha"],
        "{json:#}"
    );

    // Every index turned off by the environment: the stage did not run, and says why.
    let mut command = tend(&context, &["scan", "--no-environment", "--format", "json"]);
    command.env("TEND_NOW", NOW).env("PIP_NO_INDEX", "1");
    let json = run_json(&mut command, 0);
    assert!(json["outdated"].is_null(), "{json:#}");
    let reason = json["outdated_not_run"].as_str().unwrap();
    assert!(reason.contains("PIP_NO_INDEX"), "{reason}");

    let mut command = tend(&context, &["scan", "--no-environment"]);
    command
        .env("TEND_NOW", NOW)
        .env("PIP_INDEX_URL", index_url(&server));
    insta::assert_snapshot!("scan_table", run(&context, &mut command));
}

/// The quick start stays offline: the example's policy names its own index directory, and the
/// scan reads every page from there.
#[test]
fn example_scan_reads_the_examples_own_index() {
    let context = TestContext::new();
    let example = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let example = fs_err::canonicalize(example).unwrap();
    let mut command = tend(
        &context,
        &[
            "scan",
            example.join("flask-service").to_str().unwrap(),
            "--format",
            "json",
        ],
    );
    command.env("TEND_NOW", NOW);
    let json = run_json(&mut command, 1);
    let stage = &json["outdated"];
    let index = format!("file://{}/index/", example.display());
    assert_eq!(stage["settings"]["indexes"], json!([index]), "{stage:#}");
    assert_eq!(stage["not_checked"], json!([]), "{stage:#}");
    assert_eq!(stage["unknown"], json!([]), "{stage:#}");
    assert!(
        stage["summary"]["outdated"].as_u64().unwrap() > 0,
        "{stage:#}"
    );
}

#[test]
fn help_lists_every_flag() {
    let context = TestContext::new();
    let output = run(&context, &mut tend(&context, &["outdated", "--help"]));
    insta::assert_snapshot!("help", output);
}

#[test]
fn without_strategy_each_package_follows_its_category() {
    let context = TestContext::new();
    write_requirements(&context, "alpha==1.0.0\nbeta==1.0.0\n");
    // alpha may move within 1.0.x only; beta falls back to `major`.
    fs_err::write(
        context.project().join("tend.toml"),
        "[[categories]]\nname = \"critical\"\npackages = [\"alpha\"]\nsla = \"24h\"\nstrategy = \"patch\"\n\n[fallback-category]\nstrategy = \"major\"\n",
    )
    .unwrap();
    let server = start_index();
    let url = index_url(&server);
    let json = run_json(
        &mut outdated(
            &context,
            &["--no-environment", "--index-url", &url, "--format", "json"],
        ),
        0,
    );
    assert_eq!(json["settings"]["by_category"], true, "{json:#}");
    let by_name = packages(&json);
    assert_eq!(version_of(&by_name["alpha"], "allowed"), Some("1.0.1"));
    assert_eq!(by_name["alpha"]["strategy"], "patch");
    assert_eq!(version_of(&by_name["beta"], "allowed"), Some("1.1.0"));
    assert_eq!(by_name["beta"]["strategy"], "major");
    let table = run(
        &context,
        &mut outdated(&context, &["--no-environment", "--index-url", &url]),
    );
    assert!(
        table.contains("each package's category's strategy"),
        "{table}"
    );

    // The flag decides for every package.
    let json = run_json(
        &mut outdated(
            &context,
            &[
                "--no-environment",
                "--index-url",
                &url,
                "--strategy",
                "minor",
                "--format",
                "json",
            ],
        ),
        0,
    );
    assert!(json["settings"].get("by_category").is_none(), "{json:#}");
    let by_name = packages(&json);
    assert_eq!(version_of(&by_name["alpha"], "allowed"), Some("1.1.0"));
    assert!(by_name["alpha"].get("strategy").is_none());
}
