//! `pyproject.toml` fixtures in `test-data/pyproject/`: good files are snapshotted whole,
//! malformed ones must fail with the file, line and what was expected.

#![allow(clippy::unwrap_used)] // Test helpers: a failure should stop the test.

use std::path::Path;

use tend_inventory::{parse_pyproject, PyprojectReader, ReadContext, SourceReader};

fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("test-data/pyproject")
        .join(name);
    fs_err::read_to_string(path).unwrap()
}

fn parsed(name: &str) -> serde_json::Value {
    let data = parse_pyproject(&fixture(name), Path::new(name)).unwrap();
    serde_json::json!({
        "declarations": data.declarations,
        "diagnostics": data.diagnostics,
    })
}

fn error(name: &str) -> String {
    let error = parse_pyproject(&fixture(name), Path::new(name)).unwrap_err();
    let line_text = match &error {
        tend_inventory::SourceError::Parse { line_text, .. } => line_text.clone(),
        _ => None,
    };
    format!("{error}\n  | {}", line_text.unwrap_or_default())
}

#[test]
fn pep621_groups_and_uv() {
    let value = parsed("pep621.pyproject.toml");
    insta::assert_json_snapshot!(value);
}

#[test]
fn poetry_tables() {
    let value = parsed("poetry.pyproject.toml");
    insta::assert_json_snapshot!(value);
}

#[test]
fn reader_matches_and_reads_from_disk() {
    let reader = PyprojectReader;
    assert!(reader.matches(Path::new("a/pyproject.toml")));
    assert!(!reader.matches(Path::new("pyproject.toml.bak")));
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("test-data/pyproject/pep621.pyproject.toml");
    let data = reader.read(&path, &ReadContext::default()).unwrap();
    assert_eq!(data.sources.len(), 1);
    let flask = &data.declarations[0];
    assert_eq!(flask.name.as_ref(), "flask");
    assert_eq!(flask.location.line, 10);
    assert_eq!(flask.specifier.to_string(), ">=2.2, <3");
}

#[test]
fn malformed_files_name_file_line_and_expectation() {
    insta::assert_snapshot!([
        "invalid-toml.pyproject.toml",
        "wrong-type.pyproject.toml",
        "wrong-table.pyproject.toml",
        "bad-requirement.pyproject.toml",
        "include-cycle.pyproject.toml",
        "bad-poetry-constraint.pyproject.toml",
        "poetry-wrong-type.pyproject.toml",
    ]
    .map(error)
    .join("\n\n"));
}
