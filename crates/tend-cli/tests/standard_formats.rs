//! `--format sarif` (audit, check) and `--format cyclonedx` (audit, inventory) end to end: a
//! real venv, advisories written by the test, and the output validated against the published
//! schemas that tend-report vendors.

#![allow(clippy::unwrap_used)]

mod common;
#[path = "../../tend-report/tests/validate/mod.rs"]
mod validate;

use std::path::{Path, PathBuf};

use common::{run_json, tend};
use tend_test::{shared_wheelhouse, TestContext, Venv};

const NOW: &str = "2026-11-23T12:00:00Z";

/// `alpha` below 1.1.0 is affected (medium, CVSS 3.1 scoring 5.9), `gamma` in every version (no rating).
fn write_advisories(dir: &Path) -> PathBuf {
    let root = dir.join("advisories");
    fs_err::create_dir_all(root.join("alpha")).unwrap();
    fs_err::create_dir_all(root.join("gamma")).unwrap();
    fs_err::write(
        root.join("alpha/PYSEC-2026-1.yaml"),
        r#"id: PYSEC-2026-1
modified: 2026-11-01T00:00:00Z
published: 2026-10-30T00:00:00Z
aliases: [CVE-2026-1111]
summary: Alpha trusts its input
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
        root.join("gamma/GHSA-gggg-gggg-gggg.yaml"),
        r#"id: GHSA-gggg-gggg-gggg
modified: 2026-11-03T00:00:00Z
summary: Gamma runs code from its configuration
affected:
- package: {ecosystem: PyPI, name: gamma}
  ranges:
  - type: ECOSYSTEM
    events: [{introduced: "0"}]
"#,
    )
    .unwrap();
    root
}

/// A project declaring alpha on line 2 of its requirements; gamma is installed undeclared.
fn setup(context: &mut TestContext) -> (Venv, PathBuf, PathBuf) {
    let venv = context.create_venv();
    venv.pip_install(
        shared_wheelhouse(),
        ["--no-deps", "alpha==1.0.0", "beta==1.0.0", "gamma==0.5.0"],
    );
    let project = context.root().join("shop");
    fs_err::create_dir_all(&project).unwrap();
    fs_err::write(
        project.join("requirements.txt"),
        "beta==1.0.0\nalpha==1.0.0\n",
    )
    .unwrap();
    let advisories = write_advisories(context.root());
    (venv, project, advisories)
}

fn audit(
    context: &TestContext,
    venv: &Venv,
    project: &Path,
    advisories: &Path,
    format: &str,
) -> std::process::Command {
    let mut command = tend(context, &["audit"]);
    command
        .arg(project)
        .arg("--venv")
        .arg(&venv.root)
        .arg("--advisories")
        .arg(advisories)
        .args(["--format", format])
        .env("TEND_NOW", NOW);
    command
}

#[test]
fn audit_sarif_is_valid_and_points_at_the_requirement_line() {
    let mut context = TestContext::new();
    let (venv, project, advisories) = setup(&mut context);
    let log = run_json(
        &mut audit(&context, &venv, &project, &advisories, "sarif"),
        1,
    );
    validate::sarif(&log).unwrap();
    let run = &log["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "tend");
    let results = run["results"].as_array().unwrap();
    let alpha = results
        .iter()
        .find(|result| result["ruleId"] == "PYSEC-2026-1")
        .unwrap();
    // CVSS 5.9: medium, a warning.
    assert_eq!(alpha["level"], "warning");
    assert_eq!(
        alpha["locations"][0]["physicalLocation"],
        serde_json::json!({
            "artifactLocation": { "uri": "requirements.txt" },
            "region": { "startLine": 2 }
        })
    );
    // Installed but declared nowhere: the result points at the environment, here outside the
    // project, so by an absolute URI.
    let gamma = results
        .iter()
        .find(|result| result["ruleId"] == "GHSA-gggg-gggg-gggg")
        .unwrap();
    assert_eq!(gamma["level"], "note");
    let uri = gamma["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        .as_str()
        .unwrap();
    assert!(uri.starts_with("file:///") && uri.ends_with('/'), "{uri}");
}

#[test]
fn audit_cyclonedx_is_a_valid_sbom_of_the_venv() {
    let mut context = TestContext::new();
    let (venv, project, advisories) = setup(&mut context);
    let bom = run_json(
        &mut audit(&context, &venv, &project, &advisories, "cyclonedx"),
        1,
    );
    validate::cyclonedx(&bom).unwrap();
    assert_eq!(bom["metadata"]["timestamp"], NOW);
    let purls: Vec<&str> = bom["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|component| component["purl"].as_str().unwrap())
        .collect();
    for expected in [
        "pkg:pypi/alpha@1.0.0",
        "pkg:pypi/beta@1.0.0",
        "pkg:pypi/gamma@0.5.0",
    ] {
        assert!(
            purls.contains(&expected),
            "{expected} missing from {purls:?}"
        );
    }
    let alpha = bom["vulnerabilities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|vulnerability| vulnerability["id"] == "PYSEC-2026-1")
        .unwrap();
    assert_eq!(alpha["affects"][0]["ref"], "pkg:pypi/alpha@1.0.0");
    assert_eq!(alpha["ratings"][0]["method"], "CVSSv31");
    assert_eq!(alpha["recommendation"], "Upgrade alpha to 1.1.0 or later.");

    // The same inputs give the same document, serial number included.
    let again = run_json(
        &mut audit(&context, &venv, &project, &advisories, "cyclonedx"),
        1,
    );
    assert_eq!(again, bom);
}

#[test]
fn check_sarif_points_at_the_lines_of_the_findings() {
    let mut context = TestContext::new();
    let (venv, project, _) = setup(&mut context);
    // beta has no upper bound; the alpha pin differs from the installed 1.0.0.
    fs_err::write(
        project.join("requirements.txt"),
        "beta>=1.0\nalpha==0.9.0\n",
    )
    .unwrap();
    let mut command = tend(&context, &["check"]);
    command.arg(&project).arg("--venv").arg(&venv.root).args([
        "--fail-on",
        "never",
        "--format",
        "sarif",
    ]);
    let log = run_json(&mut command, 0);
    validate::sarif(&log).unwrap();
    let placed: Vec<(&str, &serde_json::Value)> = log["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|result| {
            (
                result["ruleId"].as_str().unwrap(),
                &result["locations"][0]["physicalLocation"],
            )
        })
        .collect();
    let at = |line: usize| {
        serde_json::json!({
            "artifactLocation": { "uri": "requirements.txt" },
            "region": { "startLine": line }
        })
    };
    assert!(
        placed.contains(&("unpinned", &at(1))),
        "no unpinned result at line 1: {placed:?}"
    );
    assert!(
        placed.contains(&("drift", &at(2))),
        "no drift result at line 2: {placed:?}"
    );
}

#[test]
fn inventory_cyclonedx_is_a_valid_sbom_without_vulnerabilities() {
    let mut context = TestContext::new();
    let (venv, project, _) = setup(&mut context);
    let mut command = tend(&context, &["inventory"]);
    command
        .arg(&project)
        .arg("--venv")
        .arg(&venv.root)
        .args(["--format", "cyclonedx"])
        .env("TEND_NOW", NOW);
    let bom = run_json(&mut command, 0);
    validate::cyclonedx(&bom).unwrap();
    assert_eq!(bom["metadata"]["timestamp"], NOW);
    assert!(bom.get("vulnerabilities").is_none());
    let names: Vec<&str> = bom["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|component| component["name"].as_str().unwrap())
        .collect();
    for expected in ["alpha", "beta", "gamma"] {
        assert!(
            names.contains(&expected),
            "{expected} missing from {names:?}"
        );
    }
}
