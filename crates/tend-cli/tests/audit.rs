//! `tend audit` and `tend db` on real venvs and advisory directories written by the tests.

#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};

use common::{run_json, tend};
use tend_test::{shared_wheelhouse, TestContext, Venv};

const NOW: &str = "2026-11-23T12:00:00Z";

/// Three records, JSON and YAML: `alpha` below 1.1.0 (high, with a GHSA record aliasing the
/// PYSEC one), `gamma` with no fix (critical), and `beta` fixed long ago (so 1.0.0 is clean).
fn write_advisories(dir: &Path) -> PathBuf {
    let root = dir.join("advisories");
    fs_err::create_dir_all(root.join("alpha")).unwrap();
    fs_err::create_dir_all(root.join("gamma")).unwrap();
    fs_err::create_dir_all(root.join("beta")).unwrap();
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
        root.join("alpha/GHSA-aaaa-bbbb-cccc.json"),
        r#"{"id": "GHSA-aaaa-bbbb-cccc", "modified": "2026-11-02T00:00:00Z",
            "aliases": ["CVE-2026-1111"],
            "affected": [{"package": {"ecosystem": "PyPI", "name": "Alpha"},
                          "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.1.0"}]}]}],
            "database_specific": {"severity": "HIGH"}}"#,
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
severity:
- {type: CVSS_V3, score: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}
"#,
    )
    .unwrap();
    fs_err::write(
        root.join("beta/PYSEC-2010-1.yaml"),
        r"id: PYSEC-2010-1
modified: 2010-01-01T00:00:00Z
affected:
- package: {ecosystem: PyPI, name: beta}
  ranges:
  - type: ECOSYSTEM
    events: [{introduced: '0'}, {fixed: '0.5'}]
",
    )
    .unwrap();
    root
}

/// alpha 1.0.0 (vulnerable), beta 1.0.0 (clean), gamma 0.5.0 (vulnerable, no fix).
fn vulnerable_venv(context: &mut TestContext) -> Venv {
    let venv = context.create_venv();
    venv.pip_install(
        shared_wheelhouse(),
        ["--no-deps", "alpha==1.0.0", "beta==1.0.0", "gamma==0.5.0"],
    );
    venv
}

fn audit(
    context: &TestContext,
    venv: &Venv,
    advisories: &Path,
    extra: &[&str],
) -> std::process::Command {
    let mut command = tend(context, &["audit"]);
    command
        .arg("--venv")
        .arg(&venv.root)
        .arg("--advisories")
        .arg(advisories)
        .args(extra)
        .env("TEND_NOW", NOW);
    command
}

#[test]
fn audit_table_of_a_vulnerable_venv() {
    let mut context = TestContext::new();
    let venv = vulnerable_venv(&mut context);
    let advisories = write_advisories(context.root());
    let output = context.run(&mut audit(&context, &venv, &advisories, &[]));
    insta::assert_snapshot!(output);
}

#[test]
fn audit_json_lists_every_id_severity_and_fix() {
    let mut context = TestContext::new();
    let venv = vulnerable_venv(&mut context);
    let advisories = write_advisories(context.root());
    let json = run_json(
        &mut audit(&context, &venv, &advisories, &["--format", "json"]),
        1,
    );
    assert_eq!(json["kind"], "audit");
    assert_eq!(json["schema_version"], 1);
    let vulnerable = json["vulnerable"].as_array().unwrap();
    let summary: Vec<(String, String, String, String)> = vulnerable
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
                        finding["severity"]["rating"].as_str().unwrap().to_string(),
                        finding["fix"]["version"]
                            .as_str()
                            .unwrap_or("none")
                            .to_string(),
                    )
                })
        })
        .collect();
    assert_eq!(
        summary,
        [
            (
                "alpha".into(),
                "PYSEC-2026-1".into(),
                "high".into(),
                "1.1.0".into()
            ),
            (
                "gamma".into(),
                "GHSA-gggg-gggg-gggg".into(),
                "critical".into(),
                "none".into()
            ),
        ]
    );
    let aliases = &vulnerable[0]["findings"][0]["aliases"];
    assert_eq!(
        aliases,
        &serde_json::json!(["CVE-2026-1111", "GHSA-aaaa-bbbb-cccc"])
    );
    // Every installed distribution was audited (alpha, beta, gamma, and the venv's pip).
    assert!(json["audited"].as_u64().unwrap() >= 3);
}

#[test]
fn fail_on_sets_the_threshold() {
    let mut context = TestContext::new();
    let venv = vulnerable_venv(&mut context);
    let advisories = write_advisories(context.root());
    for (threshold, code) in [("critical", 1), ("never", 0)] {
        let status = audit(&context, &venv, &advisories, &["--fail-on", threshold])
            .output()
            .unwrap()
            .status;
        assert_eq!(status.code(), Some(code), "--fail-on {threshold}");
    }
    // Without gamma only a high finding is left: `--fail-on critical` passes.
    fs_err::remove_dir_all(venv.dist_info("gamma")).unwrap();
    let status = audit(&context, &venv, &advisories, &["--fail-on", "critical"])
        .output()
        .unwrap()
        .status;
    assert_eq!(status.code(), Some(0));
}

#[test]
fn markdown_is_ready_for_a_ticket() {
    let mut context = TestContext::new();
    let venv = vulnerable_venv(&mut context);
    let advisories = write_advisories(context.root());
    let output = context.run(&mut audit(
        &context,
        &venv,
        &advisories,
        &["--format", "markdown"],
    ));
    insta::assert_snapshot!(output);
}

#[test]
fn unpinned_declarations_are_not_audited_and_strict_fails() {
    let context = TestContext::new();
    let advisories = write_advisories(context.root());
    fs_err::write(
        context.project().join("requirements.txt"),
        "beta==1.0.0\nrequests>=2.0\n",
    )
    .unwrap();
    let mut command = tend(&context, &["audit", "--no-environment", "--advisories"]);
    command.arg(&advisories).env("TEND_NOW", NOW);
    let output = context.run(&mut command);
    insta::assert_snapshot!(output);
    let status = command.arg("--strict").output().unwrap().status;
    assert_eq!(status.code(), Some(1));
}

#[test]
fn db_update_then_audit_from_the_local_database() {
    let mut context = TestContext::new();
    let venv = vulnerable_venv(&mut context);
    let advisories = write_advisories(context.root());

    // No database yet: an input error with what to run.
    let mut command = tend(&context, &["audit", "--venv"]);
    command.arg(&venv.root);
    let output = context.run(&mut command);
    assert!(output.contains("exit_code: 2"), "{output}");
    assert!(output.contains("tend db update"), "{output}");

    let mut update = tend(&context, &["db", "update", "--source"]);
    update.arg(&advisories).env("TEND_NOW", NOW);
    let output = context.run(&mut update);
    assert!(output.contains("exit_code: 0"), "{output}");

    let json = run_json(
        tend(&context, &["audit", "--format", "json", "--venv"])
            .arg(&venv.root)
            .env("TEND_NOW", NOW),
        1,
    );
    let ids: Vec<&str> = json["vulnerable"]
        .as_array()
        .unwrap()
        .iter()
        .map(|package| package["findings"][0]["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["PYSEC-2026-1", "GHSA-gggg-gggg-gggg"]);

    let status = run_json(
        tend(&context, &["db", "status", "--format", "json"]).env("TEND_NOW", NOW),
        0,
    );
    assert_eq!(status["sources"][0]["records"], 4);
}

#[test]
fn a_bad_record_is_reported_and_the_rest_still_used() {
    let mut context = TestContext::new();
    let venv = vulnerable_venv(&mut context);
    let advisories = write_advisories(context.root());
    fs_err::write(
        advisories.join("alpha/PYSEC-2026-9.yaml"),
        "id: [unclosed\n",
    )
    .unwrap();
    let json = run_json(
        &mut audit(&context, &venv, &advisories, &["--format", "json"]),
        1,
    );
    let diagnostics = json["diagnostics"].as_array().unwrap();
    assert_eq!(diagnostics.len(), 1, "{diagnostics:#?}");
    assert_eq!(diagnostics[0]["code"], "bad-advisory");
    assert!(diagnostics[0]["location"]["path"]
        .as_str()
        .unwrap()
        .ends_with("alpha/PYSEC-2026-9.yaml"));
    assert!(diagnostics[0]["message"]
        .as_str()
        .unwrap()
        .contains("invalid YAML"));
    assert_eq!(json["vulnerable"].as_array().unwrap().len(), 2);
}

#[test]
fn policy_ignore_rules_hide_findings_by_alias() {
    let mut context = TestContext::new();
    let venv = vulnerable_venv(&mut context);
    let advisories = write_advisories(context.root());
    fs_err::write(
        context.project().join("tend.toml"),
        r#"[advisories]
ignore = [
  { id = "CVE-2026-1111", reason = "alpha is only used in tests", until = 2027-01-31 },
  { id = "GHSA-zzzz-zzzz-zzzz", reason = "left over" },
]
"#,
    )
    .unwrap();
    let json = run_json(
        &mut audit(&context, &venv, &advisories, &["--format", "json"]),
        1,
    );
    assert_eq!(json["ignored"][0]["finding"]["id"], "PYSEC-2026-1");
    assert_eq!(
        json["ignored"][0]["rule"]["reason"],
        "alpha is only used in tests"
    );
    let vulnerable: Vec<&str> = json["vulnerable"]
        .as_array()
        .unwrap()
        .iter()
        .map(|package| package["target"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(vulnerable, ["gamma"]);
    assert_eq!(json["diagnostics"][0]["code"], "ignore-unused");
    assert_eq!(json["diagnostics"][0]["location"]["line"], 4);
}

#[test]
fn a_stale_database_is_reported_and_fails_strict() {
    let mut context = TestContext::new();
    let venv = vulnerable_venv(&mut context);
    let advisories = write_advisories(context.root());
    // The newest record is from 2026-11-03; twenty days later a one-week limit is exceeded.
    fs_err::write(
        context.project().join("tend.toml"),
        "[advisories]\nmax-age = \"7d\"\n",
    )
    .unwrap();
    let json = run_json(
        &mut audit(
            &context,
            &venv,
            &advisories,
            &["--format", "json", "--fail-on", "never"],
        ),
        0,
    );
    assert_eq!(json["diagnostics"][0]["code"], "stale-database");
    let status = audit(
        &context,
        &venv,
        &advisories,
        &["--fail-on", "never", "--strict"],
    )
    .output()
    .unwrap()
    .status;
    assert_eq!(status.code(), Some(1));
    // Within the limit, --strict has nothing to object to.
    fs_err::write(
        context.project().join("tend.toml"),
        "[advisories]\nmax-age = \"30d\"\n",
    )
    .unwrap();
    let status = audit(
        &context,
        &venv,
        &advisories,
        &["--fail-on", "never", "--strict"],
    )
    .output()
    .unwrap()
    .status;
    assert_eq!(status.code(), Some(0));
}

#[test]
fn db_update_names_unreadable_records() {
    let context = TestContext::new();
    let advisories = write_advisories(context.root());
    fs_err::write(
        advisories.join("beta/GHSA-bad.json"),
        "{\"id\": \"GHSA-bad\",\n",
    )
    .unwrap();
    let output = context.run(tend(&context, &["db", "update", "--source"]).arg(&advisories));
    assert!(output.contains("exit_code: 0"), "{output}");
    assert!(
        output.contains("--> [TEMP]/advisories/beta/GHSA-bad.json:2"),
        "{output}"
    );
    assert!(output.contains("4 records, 3 packages"), "{output}");
    assert!(output.contains("1 unreadable"), "{output}");
}
