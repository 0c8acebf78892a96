//! `tend check` against venvs broken on purpose, compared with `pip check` line for line, and
//! a clean venv that passes.

#![allow(clippy::unwrap_used)]

mod common;

use common::{normalize, run_json, tend};
use tend_test::{shared_wheelhouse, TestContext, Venv, WheelSpec};

/// A line of `pip check` or a tend message with its leading distribution name normalised, so
/// that `Delta.Svc 2.0 requires ...` and `delta-svc 2.0 requires ...` compare equal.
fn normalize_leading_name(line: &str) -> String {
    match line.split_once(' ') {
        Some((name, rest)) => format!("{} {rest}", normalize(name)),
        None => line.to_string(),
    }
}

/// Installs, without their dependencies: `alpha` 1.0.0 under `beta` 1.1.0 (which needs
/// `alpha>=1.1,<3`), `gamma` (satisfied), a `Delta.Svc` wheel needing a missing `epsilon`,
/// and an egg-info distribution needing a missing `zeta`.
fn break_venv(context: &TestContext, venv: &Venv) {
    venv.pip_install(
        shared_wheelhouse(),
        ["--no-deps", "alpha==1.0.0", "beta==1.1.0"],
    );
    venv.pip_install(shared_wheelhouse(), ["--no-deps", "gamma==0.5.0"]);
    let wheels = context.root().join("wheels");
    let delta = WheelSpec::new("Delta.Svc", "2.0")
        .requires_dist("epsilon>=1")
        .requires_dist("alpha>=1.0")
        .module("delta_svc.py", "")
        .build(&wheels);
    venv.pip_install(
        &wheels,
        [std::ffi::OsStr::new("--no-deps"), delta.as_os_str()],
    );
    venv.install_egg_info("legacy-proj", "1.4", &["zeta", "", "[fast]", "epsilon"]);
}

#[test]
fn check_requirements_matches_pip_check() {
    let mut context = TestContext::new();
    let venv = context.create_venv();
    break_venv(&context, &venv);
    fs_err::write(
        context.project().join("requirements.txt"),
        "alpha==1.1.0\nbeta==1.1.0\ngamma>=0.5\n",
    )
    .unwrap();

    let (pip_code, pip_output) = venv.pip_check();
    assert_eq!(pip_code, 1, "pip check:\n{pip_output}");
    let mut expected: Vec<String> = pip_output
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(normalize_leading_name)
        .collect();
    expected.sort();
    // The comparison is worth something only if pip found all three kinds of breakage.
    assert_eq!(expected.len(), 3, "pip check:\n{pip_output}");

    let venv_argument = venv.root.to_string_lossy().into_owned();
    let json = run_json(
        &mut tend(
            &context,
            &[
                "check",
                "--venv",
                &venv_argument,
                "--select",
                "requirements",
                "--format",
                "json",
            ],
        ),
        1,
    );
    assert_eq!(json["kind"], "check");
    assert_eq!(
        json["summary"]["checks"],
        serde_json::json!(["requirements"])
    );
    let findings = json["findings"].as_array().unwrap();
    let mut messages: Vec<String> = findings
        .iter()
        .map(|finding| normalize_leading_name(finding["message"].as_str().unwrap()))
        .collect();
    messages.sort();
    assert_eq!(messages, expected);
    for finding in findings {
        assert_eq!(finding["severity"], "error", "{finding}");
    }
    let mut codes: Vec<&str> = findings
        .iter()
        .map(|finding| finding["code"].as_str().unwrap())
        .collect();
    codes.sort_unstable();
    codes.dedup();
    assert_eq!(codes, ["conflicting-dependency", "missing-dependency"]);

    // The tables of check and scan on the same broken project, every check on.
    insta::assert_snapshot!(
        "check_table_broken",
        context.run(&mut tend(&context, &["check"]))
    );
    // No index for the outdated stage: tests never reach the public one.
    insta::assert_snapshot!(
        "scan_table_broken",
        context.run(tend(&context, &["scan"]).env("PIP_NO_INDEX", "1"))
    );
}

#[test]
fn clean_venv_passes() {
    let mut context = TestContext::new();
    let venv = context.create_venv();
    venv.pip_install(shared_wheelhouse(), ["beta==1.0.0", "alpha==1.1.0"]);
    fs_err::write(
        context.project().join("requirements.txt"),
        "alpha==1.1.0\nbeta==1.0.0\n",
    )
    .unwrap();
    let (pip_code, pip_output) = venv.pip_check();
    assert_eq!(
        (pip_code, pip_output.as_str()),
        (0, "No broken requirements found.\n")
    );

    let json = run_json(
        &mut tend(
            &context,
            &["check", "--select", "requirements", "--format", "json"],
        ),
        0,
    );
    assert_eq!(json["findings"], serde_json::json!([]));
    assert_eq!(json["summary"]["distributions_checked"], 4);

    insta::assert_snapshot!(
        "check_table_clean",
        context.run(&mut tend(&context, &["check"]))
    );
}
