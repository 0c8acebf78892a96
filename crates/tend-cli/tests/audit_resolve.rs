//! `tend audit --resolve`: unpinned requirements resolved by the real uv (installed by
//! `scripts/test`, found through `TEND_TEST_UV`) against the test wheelhouse, offline.

#![allow(clippy::unwrap_used, clippy::print_stderr)]

mod common;

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{run_json, tend};
use serde_json::Value;
use tend_test::{shared_wheelhouse, TestContext};

const NOW: &str = "2026-11-23T12:00:00Z";

/// The folder holding uv, or `None` (with a note) when the suite was not started by
/// `scripts/test`.
fn uv_folder() -> Option<PathBuf> {
    let Some(uv) = std::env::var_os("TEND_TEST_UV") else {
        eprintln!("note: skipped, TEND_TEST_UV is not set (scripts/test sets it)");
        return None;
    };
    let uv = fs_err::canonicalize(PathBuf::from(uv)).unwrap();
    Some(uv.parent().unwrap().to_path_buf())
}

/// `PATH` with `folder` first.
fn path_with(folder: &Path) -> OsString {
    let rest = std::env::var_os("PATH").unwrap_or_default();
    std::env::join_paths(std::iter::once(folder.to_path_buf()).chain(std::env::split_paths(&rest)))
        .unwrap()
}

/// `alpha` below 1.1.0 (high), `beta` below 1.1.0 (unrated) and every `gamma` (critical, no
/// fix), in the PyPA layout.
fn write_advisories(dir: &Path) -> PathBuf {
    let root = dir.join("advisories");
    fs_err::create_dir_all(root.join("alpha")).unwrap();
    fs_err::create_dir_all(root.join("beta")).unwrap();
    fs_err::create_dir_all(root.join("gamma")).unwrap();
    fs_err::write(
        root.join("alpha/PYSEC-2026-21.yaml"),
        r#"id: PYSEC-2026-21
modified: 2026-11-01T00:00:00Z
summary: Alpha reads past the end of its buffer
affected:
- package: {ecosystem: PyPI, name: alpha}
  ranges:
  - type: ECOSYSTEM
    events: [{introduced: "0"}, {fixed: 1.1.0}]
severity:
- {type: CVSS_V3, score: "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:N"}
"#,
    )
    .unwrap();
    fs_err::write(
        root.join("beta/PYSEC-2026-23.yaml"),
        r#"id: PYSEC-2026-23
modified: 2026-11-01T00:00:00Z
summary: Beta logs secrets
affected:
- package: {ecosystem: PyPI, name: beta}
  ranges:
  - type: ECOSYSTEM
    events: [{introduced: "1.0.0"}, {fixed: 1.1.0}]
"#,
    )
    .unwrap();
    fs_err::write(
        root.join("gamma/PYSEC-2026-22.yaml"),
        r#"id: PYSEC-2026-22
modified: 2026-11-02T00:00:00Z
summary: Gamma evaluates its configuration
affected:
- package: {ecosystem: PyPI, name: gamma}
  ranges:
  - type: ECOSYSTEM
    events: [{introduced: "0"}]
severity:
- {type: CVSS_V3, score: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}
"#,
    )
    .unwrap();
    root
}

/// Copies the shared wheels into `<project>/wheels`, so the requirements file can name them
/// by a relative `--find-links` (resolved next to the file, as pip does).
fn copy_wheels(context: &TestContext) {
    let wheels = context.project().join("wheels");
    fs_err::create_dir_all(&wheels).unwrap();
    for entry in fs_err::read_dir(shared_wheelhouse()).unwrap() {
        let entry = entry.unwrap();
        fs_err::copy(entry.path(), wheels.join(entry.file_name())).unwrap();
    }
}

/// `tend audit --no-environment --advisories <dir> --format json <extra>` with uv on PATH.
fn audit(context: &TestContext, uv_folder: &Path, extra: &[&str]) -> Command {
    let advisories = write_advisories(context.root());
    let mut command = tend(context, &["audit", "--no-environment", "--format", "json"]);
    command
        .arg("--advisories")
        .arg(advisories)
        .args(extra)
        .env("TEND_NOW", NOW)
        .env("PATH", path_with(uv_folder))
        // Belt and braces: uv must never fetch an interpreter in a test.
        .env("UV_PYTHON_DOWNLOADS", "never");
    command
}

/// `(name, version, origin kind, origin line)` of every vulnerable package.
fn vulnerable(json: &Value) -> Vec<(String, String, String, u64)> {
    json["vulnerable"]
        .as_array()
        .unwrap()
        .iter()
        .map(|package| {
            let target = &package["target"];
            (
                target["name"].as_str().unwrap().to_string(),
                target["version"].as_str().unwrap().to_string(),
                target["origin"]["kind"].as_str().unwrap().to_string(),
                target["origin"]["location"]["line"].as_u64().unwrap_or(0),
            )
        })
        .collect()
}

/// alpha is declared with a range that only 1.0.0 meets; gamma pulls in beta, which can only be
/// 1.0.0 next to that alpha (beta 1.1.0 needs alpha>=1.1).
const REQUIREMENTS: &str = "--no-index\n--find-links wheels\nalpha>=1.0,<1.1\ngamma>=0.5\n";

#[test]
fn resolve_audits_unpinned_declarations_and_what_they_pull_in() {
    let Some(uv_folder) = uv_folder() else { return };
    let context = TestContext::new();
    copy_wheels(&context);
    fs_err::write(context.project().join("requirements.txt"), REQUIREMENTS).unwrap();

    let json = run_json(&mut audit(&context, &uv_folder, &["--resolve"]), 1);
    assert_eq!(
        vulnerable(&json),
        [
            ("alpha".into(), "1.0.0".into(), "resolved".into(), 3),
            // Pulled in by gamma: it points at gamma's line.
            ("beta".into(), "1.0.0".into(), "resolved".into(), 4),
            ("gamma".into(), "0.5.0".into(), "resolved".into(), 4),
        ]
    );
    let location = &json["vulnerable"][0]["target"]["origin"]["location"];
    assert!(
        location["path"]
            .as_str()
            .unwrap()
            .ends_with("requirements.txt"),
        "{location}"
    );
    assert_eq!(json["vulnerable"][0]["findings"][0]["id"], "PYSEC-2026-21");
    assert_eq!(
        json["vulnerable"][0]["findings"][0]["fix"]["version"],
        "1.1.0"
    );
    // Everything the resolution holds was audited; nothing is left.
    assert_eq!(json["audited"], 3);
    assert_eq!(json["not_audited"], serde_json::json!([]));
}

#[test]
fn without_resolve_the_same_declarations_are_not_audited_with_their_ranges() {
    let Some(uv_folder) = uv_folder() else { return };
    let context = TestContext::new();
    copy_wheels(&context);
    fs_err::write(context.project().join("requirements.txt"), REQUIREMENTS).unwrap();

    let json = run_json(&mut audit(&context, &uv_folder, &[]), 0);
    assert_eq!(json["vulnerable"], serde_json::json!([]));
    assert_eq!(json["audited"], 0);
    let not_audited: Vec<(String, String, String, u64)> = json["not_audited"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| {
            (
                entry["name"].as_str().unwrap().to_string(),
                entry["reason"]["kind"].as_str().unwrap().to_string(),
                entry["reason"]["specifier"].as_str().unwrap().to_string(),
                entry["location"]["line"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        not_audited,
        [
            ("alpha".into(), "unpinned".into(), ">=1.0, <1.1".into(), 3),
            ("gamma".into(), "unpinned".into(), ">=0.5".into(), 4),
        ]
    );
}

#[test]
fn the_projects_pins_constrain_the_resolution() {
    let Some(uv_folder) = uv_folder() else { return };
    let context = TestContext::new();
    copy_wheels(&context);
    // Left alone, uv would pick beta 1.1.0 (and alpha 1.1.0 with it); the pin on alpha holds
    // beta at 1.0.0.
    fs_err::write(
        context.project().join("requirements.txt"),
        "--no-index\n--find-links wheels\nalpha==1.0.0\nbeta>=1.0\n",
    )
    .unwrap();

    let json = run_json(&mut audit(&context, &uv_folder, &["--resolve"]), 1);
    assert_eq!(
        vulnerable(&json),
        [
            ("alpha".into(), "1.0.0".into(), "declared".into(), 3),
            ("beta".into(), "1.0.0".into(), "resolved".into(), 4),
        ]
    );
    assert_eq!(json["audited"], 2);
    assert_eq!(json["not_audited"], serde_json::json!([]));
}

#[test]
fn an_unsatisfiable_requirement_is_an_input_error_with_uvs_reason() {
    let Some(uv_folder) = uv_folder() else { return };
    let context = TestContext::new();
    copy_wheels(&context);
    fs_err::write(
        context.project().join("requirements.txt"),
        "--no-index\n--find-links wheels\nalpha<1.1\nbeta>=1.1\n",
    )
    .unwrap();

    let output = context.run(&mut audit(&context, &uv_folder, &["--resolve"]));
    assert!(output.contains("exit_code: 2"), "{output}");
    assert!(
        output.contains("error: uv could not resolve the declarations"),
        "{output}"
    );
    // uv's own explanation, and the lines it was given with where they came from.
    assert!(output.contains("No solution found"), "{output}");
    assert!(
        output.contains("beta>=1.1 (requirements.txt:4)"),
        "{output}"
    );
    assert!(
        output.contains("alpha<1.1 (requirements.txt:3)"),
        "{output}"
    );
    // Nothing on stdout: no report that looks clean.
    let stdout = output
        .split("----- stdout -----\n")
        .nth(1)
        .and_then(|rest| rest.split("----- stderr -----").next())
        .unwrap();
    assert_eq!(stdout.trim(), "", "{output}");
}

#[test]
fn a_missing_uv_is_an_input_error_saying_how_to_install_it() {
    let context = TestContext::new();
    let empty = context.root().join("no-tools");
    fs_err::create_dir_all(&empty).unwrap();
    fs_err::write(
        context.project().join("requirements.txt"),
        "alpha==1.0.0\nbeta>=1.0\n",
    )
    .unwrap();
    let mut command = audit(&context, &empty, &["--resolve"]);
    command.env("PATH", &empty);
    let output = context.run(&mut command);
    assert!(output.contains("exit_code: 2"), "{output}");
    assert!(output.contains("error: `uv` was not found"), "{output}");
    assert!(output.contains("hint: install uv"), "{output}");

    // With nothing unpinned there is nothing to resolve, and uv is not needed.
    fs_err::write(context.project().join("requirements.txt"), "alpha==1.0.0\n").unwrap();
    let json = run_json(&mut command, 1);
    assert_eq!(
        vulnerable(&json),
        [("alpha".into(), "1.0.0".into(), "declared".into(), 1)]
    );
}
