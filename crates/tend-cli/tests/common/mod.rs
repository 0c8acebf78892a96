//! Helpers shared by the CLI integration tests: the binary under test, JSON output, and the
//! PEP 503 names used to compare tend's view of a venv with pip's.

#![allow(dead_code, clippy::unwrap_used)]

use std::collections::BTreeSet;
use std::process::Command;

use tend_test::TestContext;

/// `tend <args>` in the test's sandbox.
pub fn tend(context: &TestContext, args: &[&str]) -> Command {
    let mut command = context.command(env!("CARGO_BIN_EXE_tend"));
    command.args(args);
    command
}

/// Runs `command`, insists on `expected_code`, and parses its stdout as JSON.
pub fn run_json(command: &mut Command, expected_code: i32) -> serde_json::Value {
    let output = command.output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        output.status.code(),
        Some(expected_code),
        "{command:?}\n--- stdout ---\n{stdout}\n--- stderr ---\n{stderr}"
    );
    serde_json::from_str(&stdout)
        .unwrap_or_else(|error| panic!("stdout is not JSON ({error}):\n{stdout}"))
}

/// PEP 503: lowercase, each run of `-`, `_` and `.` becomes one `-`.
pub fn normalize(name: &str) -> String {
    let mut normalized = String::with_capacity(name.len());
    let mut in_run = false;
    for character in name.chars() {
        if matches!(character, '-' | '_' | '.') {
            if !in_run {
                normalized.push('-');
            }
            in_run = true;
        } else {
            normalized.extend(character.to_lowercase());
            in_run = false;
        }
    }
    normalized
}

/// The `(normalised name, version)` pairs in `pip freeze --all` output, as pip 23 prints them:
/// `name==version` lines, and for an editable install a comment
/// `# Editable install with no version control (name==version)` followed by `-e <path>`.
pub fn parse_freeze(freeze: &str) -> BTreeSet<(String, String)> {
    let mut pairs = BTreeSet::new();
    for line in freeze.lines().map(str::trim) {
        let requirement = if let Some(comment) = line.strip_prefix('#') {
            // `# Editable install with no version control (name==version)`
            match comment.rsplit_once('(') {
                Some((_, rest)) if comment.contains("Editable install") => {
                    rest.trim_end_matches(')')
                }
                _ => continue,
            }
        } else if line.is_empty() || line.starts_with("-e ") || line.starts_with("-e\t") {
            continue;
        } else {
            line
        };
        let (name, version) = requirement
            .split_once("==")
            .unwrap_or_else(|| panic!("unexpected pip freeze line: {line:?}"));
        pairs.insert((normalize(name.trim()), version.trim().to_string()));
    }
    pairs
}

/// A PEP 691 project page served with `max-age=600`: one wheel per `(version, upload time)`.
pub fn simple_page(project: &str, releases: &[(&str, &str)]) -> tend_test::http::Resource {
    let files: Vec<serde_json::Value> = releases
        .iter()
        .map(|(version, uploaded)| {
            let name = format!("{}-{version}-py3-none-any.whl", project.replace('-', "_"));
            serde_json::json!({
                "filename": name,
                "url": format!("../../files/{name}"),
                "hashes": {"sha256": "0".repeat(64)},
                "upload-time": uploaded,
            })
        })
        .collect();
    let versions: Vec<&str> = releases.iter().map(|(version, _)| *version).collect();
    let body = serde_json::json!({
        "meta": {"api-version": "1.1"},
        "name": project,
        "files": files,
        "versions": versions,
    });
    tend_test::http::Resource::new(body.to_string())
        .content_type("application/vnd.pypi.simple.v1+json")
        .cache_control("max-age=600")
}

/// Builds the wheels into `folder` and serves them: a PEP 691 page per project, with upload
/// times and true hashes, and the files themselves.
pub fn wheel_index(
    folder: &std::path::Path,
    specs: &[(tend_test::WheelSpec, &str)],
) -> tend_test::http::TestServer {
    fs_err::create_dir_all(folder).unwrap();
    let mut routes = tend_test::http::Routes::new();
    let mut pages: Vec<(String, Vec<serde_json::Value>)> = Vec::new();
    for (spec, uploaded) in specs {
        let path = spec.build(folder);
        let bytes = fs_err::read(&path).unwrap();
        let filename = spec.wheel_file_name();
        let mut hash = String::new();
        for byte in <sha2::Sha256 as sha2::Digest>::digest(&bytes) {
            let _ = std::fmt::Write::write_fmt(&mut hash, format_args!("{byte:02x}"));
        }
        let file = serde_json::json!({
            "filename": filename,
            "url": format!("../../files/{filename}"),
            "hashes": {"sha256": hash},
            "upload-time": uploaded,
        });
        match pages.iter_mut().find(|(name, _)| name == spec.name()) {
            Some((_, files)) => files.push(file),
            None => pages.push((spec.name().to_string(), vec![file])),
        }
        routes = routes.route(
            &format!("/files/{filename}"),
            tend_test::http::Resource::new(bytes),
        );
    }
    for (name, files) in pages {
        let versions: Vec<&str> = specs
            .iter()
            .filter(|(spec, _)| spec.name() == name)
            .map(|(spec, _)| spec.version())
            .collect();
        let body = serde_json::json!({
            "meta": {"api-version": "1.1"},
            "name": name,
            "files": files,
            "versions": versions,
        });
        routes = routes.route(
            &format!("/simple/{name}/"),
            tend_test::http::Resource::new(body.to_string())
                .content_type("application/vnd.pypi.simple.v1+json"),
        );
    }
    tend_test::http::TestServer::start(routes)
}

/// A wheel with one module, `name/__init__.py`, holding `__version__` and `body`.
pub fn module(name: &str, version: &str, body: &str) -> tend_test::WheelSpec {
    tend_test::WheelSpec::new(name, version).module(
        format!("{name}/__init__.py"),
        format!("__version__ = {version:?}\n{body}"),
    )
}

/// uv when `scripts/test` installed one (`TEND_TEST_UV`), else a path that does not exist:
/// tend then installs with pip (slower, same result). For `TEND_UV`.
pub fn uv() -> std::path::PathBuf {
    std::env::var_os("TEND_TEST_UV").map_or_else(
        || std::path::PathBuf::from("/nonexistent/uv"),
        |uv| fs_err::canonicalize(std::path::PathBuf::from(uv)).unwrap(),
    )
}
