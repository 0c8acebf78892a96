//! Lockfile fixtures in `test-data/lock/`: good files are snapshotted whole, malformed ones
//! must fail with the file, line and what was expected.

#![allow(clippy::unwrap_used)] // Test helpers: a failure should stop the test.

use std::path::Path;

use tend_inventory::{
    parse_pdm_lock, parse_pipfile_lock, parse_poetry_lock, parse_pylock, parse_uv_lock, SourceData,
    SourceError,
};
use tend_model::{DeclarationKind, Group, SourceKind};

type Parse = fn(&str, &Path) -> Result<SourceData, SourceError>;

fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("test-data/lock")
        .join(name);
    fs_err::read_to_string(path).unwrap()
}

fn parsed(parse: Parse, name: &str) -> serde_json::Value {
    let data = parse(&fixture(name), Path::new(name)).unwrap();
    assert!(data
        .declarations
        .iter()
        .all(|d| d.kind == DeclarationKind::Locked));
    serde_json::json!({
        "declarations": data.declarations,
        "diagnostics": data.diagnostics,
    })
}

fn error(parse: Parse, name: &str) -> String {
    let error = parse(&fixture(name), Path::new(name)).unwrap_err();
    let line_text = match &error {
        SourceError::Parse { line_text, .. } => line_text.clone(),
        _ => None,
    };
    format!("{error}\n  | {}", line_text.unwrap_or_default())
}

#[test]
fn uv_lock_generated_by_uv() {
    let data = parse_uv_lock(&fixture("uv.lock"), Path::new("uv.lock")).unwrap();
    let groups: Vec<(String, String, String)> = data
        .declarations
        .iter()
        .map(|d| {
            (
                d.name.to_string(),
                d.specifier.to_string(),
                d.group.to_string(),
            )
        })
        .collect();
    // `demo` is the project itself; `beta` is reachable from main and from the extra.
    assert_eq!(
        groups,
        [
            ("alpha", "==1.0", "main"),
            ("beta", "==2.1", "main"),
            ("devtool", "==0.1", "dev"),
            ("gamma", "==3.0", "dev"),
            ("speedup", "==1.5", "extra:fast"),
        ]
        .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
    );
    assert!(data
        .declarations
        .iter()
        .all(|d| d.hashes.len() == 1 && d.source == SourceKind::UvLock));
    insta::assert_json_snapshot!(parsed(parse_uv_lock, "uv.lock"));
}

#[test]
fn poetry_lock_groups_and_files() {
    let value = parsed(parse_poetry_lock, "poetry.lock");
    insta::assert_json_snapshot!(value);
}

#[test]
fn poetry_lock_old_category_and_metadata_files() {
    let data = parse_poetry_lock(&fixture("poetry-1.1.lock"), Path::new("poetry.lock")).unwrap();
    let click = &data.declarations[0];
    assert_eq!(click.group, Group::Main);
    assert_eq!(click.hashes.len(), 2);
    assert_eq!(click.location.line, 2);
    assert_eq!(data.declarations[1].group, Group::Dev);
    insta::assert_json_snapshot!(parsed(parse_poetry_lock, "poetry-1.1.lock"));
}

#[test]
fn pipfile_lock_sections() {
    let value = parsed(parse_pipfile_lock, "Pipfile.lock");
    insta::assert_json_snapshot!(value);
}

#[test]
fn pdm_lock_groups() {
    let value = parsed(parse_pdm_lock, "pdm.lock");
    insta::assert_json_snapshot!(value);
}

#[test]
fn pylock_artefacts_and_marker_groups() {
    let value = parsed(parse_pylock, "pylock.toml");
    insta::assert_json_snapshot!(value);
}

#[test]
fn malformed_lockfiles_name_file_line_and_expectation() {
    let cases: [(Parse, &str); 9] = [
        (parse_uv_lock, "uv-invalid-toml.lock"),
        (parse_uv_lock, "uv-missing-version.lock"),
        (parse_poetry_lock, "poetry-wrong-type.lock"),
        (parse_poetry_lock, "poetry-bad-hash.lock"),
        (parse_pdm_lock, "pdm-missing-version.lock"),
        (parse_pipfile_lock, "Pipfile-invalid-json.lock"),
        (parse_pipfile_lock, "Pipfile-wrong-type.lock"),
        (parse_pylock, "pylock-missing-lock-version.toml"),
        (parse_pylock, "pylock-wrong-type.toml"),
    ];
    insta::assert_snapshot!(cases.map(|(parse, name)| error(parse, name)).join("\n\n"));
}
