//! Bad input ends with exit code 2 and a message naming the file and line, never a panic or a
//! half-written output file.

#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;

use common::tend;
use tend_test::TestContext;

fn write(path: &Path, contents: impl AsRef<[u8]>) {
    fs_err::write(path, contents).unwrap();
}

/// `tend inventory --no-environment` in a project holding `files`.
fn inventory_with(files: &[(&str, &[u8])]) -> String {
    let context = TestContext::new();
    for (name, contents) in files {
        write(&context.project().join(name), contents);
    }
    context.run(&mut tend(&context, &["inventory", "--no-environment"]))
}

#[test]
fn invalid_requirement_line() {
    insta::assert_snapshot!(inventory_with(&[(
        "requirements.txt",
        b"alpha==1.0\nbeta>=>1\n"
    )]));
}

#[test]
fn unknown_option_in_requirements_file() {
    insta::assert_snapshot!(inventory_with(&[(
        "requirements.txt",
        b"alpha==1.0\n--frobnicate x\n"
    )]));
}

#[test]
fn include_cycle() {
    insta::assert_snapshot!(inventory_with(&[
        ("requirements.txt", b"-r other.txt\n"),
        ("other.txt", b"alpha\n-r requirements.txt\n"),
    ]));
}

#[test]
fn missing_included_file() {
    insta::assert_snapshot!(inventory_with(&[(
        "requirements.txt",
        b"alpha\n-r missing.txt\n"
    )]));
}

#[test]
fn requirements_file_not_utf8() {
    insta::assert_snapshot!(inventory_with(&[(
        "requirements.txt",
        b"alpha==1.0\nbeta==\xff1\n"
    )]));
}

#[test]
fn invalid_toml_in_pyproject() {
    insta::assert_snapshot!(inventory_with(&[(
        "pyproject.toml",
        b"[project]\nname = \"x\"\ndependencies = [\n"
    )]));
}

#[test]
fn unknown_key_in_policy_has_hint() {
    insta::assert_snapshot!(inventory_with(&[
        ("requirements.txt", b"alpha==1.0\n"),
        (
            "tend.toml",
            b"[sources]\nproducton = [\"requirements.txt\"]\n"
        ),
    ]));
}

#[test]
fn venv_option_naming_a_plain_directory() {
    let context = TestContext::new();
    fs_err::create_dir(context.project().join("not-a-venv")).unwrap();
    insta::assert_snapshot!(
        context.run(&mut tend(&context, &["inventory", "--venv", "not-a-venv"]))
    );
}

#[test]
fn nonexistent_project_directory() {
    let context = TestContext::new();
    insta::assert_snapshot!(context.run(&mut tend(&context, &["check", "no-such-project"])));
}

#[test]
fn unknown_command_line_option() {
    let context = TestContext::new();
    insta::assert_snapshot!(context.run(&mut tend(&context, &["inventory", "--frobnicate"])));
}

/// The names in `directory`, sorted.
fn listing(directory: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs_err::read_dir(directory)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn output_file_is_untouched_when_the_command_fails() {
    let context = TestContext::new();
    let project = context.project();
    write(&project.join("requirements.txt"), "alpha==1.0\nbeta>=>1\n");
    let out = context.root().join("out");
    fs_err::create_dir(&out).unwrap();

    // No file appears...
    let output = tend(
        &context,
        &[
            "inventory",
            "--no-environment",
            "--format",
            "json",
            "--output",
            "../out/new.json",
        ],
    )
    .output()
    .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    assert_eq!(listing(&out), Vec::<String>::new());

    // ...and an existing one keeps its content.
    write(&out.join("old.json"), "previous\n");
    let output = tend(
        &context,
        &[
            "check",
            "--no-environment",
            "--format",
            "json",
            "-o",
            "../out/old.json",
        ],
    )
    .output()
    .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(listing(&out), ["old.json"]);
    assert_eq!(
        fs_err::read_to_string(out.join("old.json")).unwrap(),
        "previous\n"
    );
}

#[test]
fn output_file_is_written_when_the_command_succeeds() {
    let context = TestContext::new();
    let project = context.project();
    write(&project.join("requirements.txt"), "alpha==1.0\n");
    write(&project.join("report.json"), "previous\n");

    let output = tend(
        &context,
        &[
            "inventory",
            "--no-environment",
            "--format",
            "json",
            "--output",
            "report.json",
        ],
    )
    .output()
    .unwrap();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert!(output.stdout.is_empty());
    let written = fs_err::read_to_string(project.join("report.json")).unwrap();
    let json: serde_json::Value = serde_json::from_str(&written).unwrap();
    assert_eq!(json["kind"], "inventory");
    assert_eq!(json["packages"][0]["name"], "alpha");
    assert_eq!(json["packages"][0]["declarations"][0]["specifier"], "==1.0");
    // No temporary file is left beside it.
    assert_eq!(listing(project), ["report.json", "requirements.txt"]);

    // A check that finds problems (exit 1) still writes its report.
    write(&project.join("requirements.txt"), "alpha\n");
    let output = tend(
        &context,
        &[
            "check",
            "--no-environment",
            "--fail-on",
            "warning",
            "--format",
            "json",
            "-o",
            "report.json",
        ],
    )
    .output()
    .unwrap();
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let written = fs_err::read_to_string(project.join("report.json")).unwrap();
    let json: serde_json::Value = serde_json::from_str(&written).unwrap();
    assert_eq!(json["kind"], "check");
    assert_eq!(json["findings"][0]["code"], "unpinned");
    assert_eq!(json["findings"][0]["package"], "alpha");
}

/// `tend <args> --store S` in a project with an empty venv and a one-category policy.
fn update_command(context: &TestContext, args: &[&str]) -> (i32, String) {
    let mut command = tend(context, args);
    command
        .arg("--store")
        .arg(context.root().join("history.sqlite3"))
        .arg("--cache-dir")
        .arg(context.root().join("cache"));
    let output = command.output().unwrap();
    (
        output.status.code().unwrap(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn update_project() -> TestContext {
    let mut context = TestContext::new();
    context.create_venv();
    write(
        &context.project().join("tend.toml"),
        "[[categories]]\nname = \"critical\"\npackages = [\"flask\"]\nsla = \"24h\"\n",
    );
    write(
        &context.project().join("requirements.txt"),
        "flask==2.0.0\n",
    );
    context
}

#[test]
fn rollback_without_a_snapshot_is_exit_2_and_changes_nothing() {
    let context = update_project();
    let before = fs_err::read_to_string(context.project().join("requirements.txt")).unwrap();
    let project = context.project().to_str().unwrap().to_string();
    let (code, stderr) = update_command(&context, &["rollback", "--project", &project]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("has no snapshot of this project"),
        "{stderr}"
    );
    assert_eq!(
        fs_err::read_to_string(context.project().join("requirements.txt")).unwrap(),
        before
    );
}

#[test]
fn update_of_an_unknown_phase_is_exit_2_naming_the_categories() {
    let context = update_project();
    let project = context.project().to_str().unwrap().to_string();
    let (code, stderr) = update_command(
        &context,
        &[
            "update",
            "--phase",
            "critcal",
            "--offline",
            "--project",
            &project,
        ],
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("`critcal` is not a category of the policy (expected one of critical, "),
        "{stderr}"
    );
    // Refused before anything was snapshot or changed.
    assert_eq!(
        fs_err::read_to_string(context.project().join("requirements.txt")).unwrap(),
        "flask==2.0.0\n"
    );
    let (code, stderr) = update_command(&context, &["rollback", "--project", &project]);
    assert_eq!(code, 2, "no snapshot was taken: {stderr}");
}
