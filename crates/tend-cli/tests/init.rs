//! `tend init`: the file it writes loads back, an existing policy is kept unless `--force`.

#![allow(clippy::unwrap_used)]

mod common;

use common::tend;
use tend_test::TestContext;

fn run(context: &TestContext, args: &[&str]) -> (Option<i32>, String, String) {
    let output = tend(context, args).output().unwrap();
    (
        output.status.code(),
        context.filter(&String::from_utf8_lossy(&output.stdout)),
        context.filter(&String::from_utf8_lossy(&output.stderr)),
    )
}

#[test]
fn writes_a_starting_policy_that_loads_back() {
    let context = TestContext::new();
    let (code, stdout, stderr) = run(&context, &["init"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(
        stdout,
        "Wrote `./tend.toml`: no categories yet; every package is in `other`.\n"
    );
    let path = context.project().join("tend.toml");
    let text = fs_err::read_to_string(&path).unwrap();
    assert_eq!(text, tend_policy::Preset::Starter.text());
    let policy = tend_policy::load(context.project()).unwrap();
    assert!(policy.categories.is_empty());
    // No temporary file is left beside it.
    let entries: Vec<_> = fs_err::read_dir(context.project())
        .unwrap()
        .map(|entry| entry.unwrap().file_name())
        .collect();
    assert_eq!(entries, ["tend.toml"]);
}

#[test]
fn the_web_service_preset_writes_the_categories() {
    let context = TestContext::new();
    let (code, stdout, stderr) = run(&context, &["init", "--preset", "web-service", "."]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(
        stdout,
        "Wrote `./tend.toml`: categories `critical`, `high`, `banking-specific`, `standard`, then `other` for every other package.\n"
    );
    let policy = tend_policy::load(context.project()).unwrap();
    let flask_cors = "flask-cors".parse().unwrap();
    assert_eq!(
        policy
            .categories
            .category_for(&flask_cors, false)
            .category
            .name,
        "high"
    );
}

#[test]
fn refuses_to_replace_a_policy_without_force() {
    let context = TestContext::new();
    let path = context.project().join("tend.toml");
    fs_err::write(&path, "# ours\n").unwrap();
    let (code, stdout, stderr) = run(&context, &["init", "--preset", "web-service"]);
    assert_eq!(code, Some(2));
    assert_eq!(stdout, "");
    assert_eq!(
        stderr,
        "error: `./tend.toml` already exists; pass `--force` to replace it\n"
    );
    assert_eq!(fs_err::read_to_string(&path).unwrap(), "# ours\n");

    let (code, _, stderr) = run(&context, &["init", "--preset", "web-service", "--force"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(
        fs_err::read_to_string(&path).unwrap(),
        tend_policy::Preset::WebService.text()
    );
}

#[test]
fn a_missing_project_directory_is_an_error() {
    let context = TestContext::new();
    let (code, _, stderr) = run(&context, &["init", "nowhere"]);
    assert_eq!(code, Some(2));
    assert_eq!(
        stderr,
        "error: the directory `nowhere` does not exist or is not a directory\n"
    );
}

#[test]
fn an_unknown_preset_lists_the_known_ones() {
    let context = TestContext::new();
    let (code, _, stderr) = run(&context, &["init", "--preset", "web"]);
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("[possible values: web-service]"),
        "{stderr}"
    );
    assert!(!context.project().join("tend.toml").exists());
}

#[test]
fn config_names_the_file_to_write() {
    let context = TestContext::new();
    fs_err::create_dir(context.project().join("ci")).unwrap();
    let (code, stdout, stderr) = run(
        &context,
        &[
            "--config",
            "ci/policy.toml",
            "init",
            "--preset",
            "web-service",
        ],
    );
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.starts_with("Wrote `ci/policy.toml`: "), "{stdout}");
    assert!(!context.project().join("tend.toml").exists());
    let policy = tend_policy::load_file(&context.project().join("ci/policy.toml")).unwrap();
    assert_eq!(policy.categories.iter().count(), 4);
}

#[test]
fn config_naming_a_pyproject_is_refused() {
    let context = TestContext::new();
    let pyproject = context.project().join("pyproject.toml");
    fs_err::write(&pyproject, "[project]\nname = \"svc\"\n").unwrap();
    let (code, _, stderr) = run(&context, &["--config", "pyproject.toml", "init", "--force"]);
    assert_eq!(code, Some(2));
    assert!(
        stderr.starts_with(
            "error: `tend init` writes a policy file of its own, not `pyproject.toml`"
        ),
        "{stderr}"
    );
    assert_eq!(
        fs_err::read_to_string(&pyproject).unwrap(),
        "[project]\nname = \"svc\"\n"
    );
}
