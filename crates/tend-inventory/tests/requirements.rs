//! Every file directly under `test-data/requirements/good/` is read and its result snapshotted;
//! every file under `bad/` must fail, and its error is snapshotted.

// A fixture that cannot be listed should fail the test loudly.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::json;
use tend_inventory::{ReadContext, RequirementsTxt, SourceError, SourceReader};

fn fixtures(kind: &str) -> Vec<PathBuf> {
    let directory = Path::new("test-data/requirements").join(kind);
    let mut files: Vec<PathBuf> = fs_err::read_dir(&directory)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|extension| extension == "txt"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no fixtures in {}", directory.display());
    files
}

fn context() -> ReadContext {
    ReadContext {
        variables: BTreeMap::from([
            (
                "DOWNLOAD_HOST".to_string(),
                "downloads.example.com".to_string(),
            ),
            ("INDEX_TOKEN".to_string(), "s3cr3t-token".to_string()),
            ("EMPTY_VARIABLE".to_string(), String::new()),
        ]),
    }
}

fn snapshot_name(path: &Path) -> String {
    path.file_stem().unwrap().to_string_lossy().into_owned()
}

#[test]
fn good_fixtures() {
    for path in fixtures("good") {
        let data = RequirementsTxt
            .read(&path, &context())
            .unwrap_or_else(|error| panic!("{}: {error}", path.display()));
        let value = json!({
            "sources": data.sources,
            "declarations": data.declarations,
            "diagnostics": data.diagnostics,
        });
        insta::assert_json_snapshot!(format!("good-{}", snapshot_name(&path)), value);
    }
}

#[test]
fn bad_fixtures() {
    for path in fixtures("bad") {
        let error = match RequirementsTxt.read(&path, &context()) {
            Ok(data) => panic!("{} should not parse: {data:?}", path.display()),
            Err(error) => error,
        };
        let line_text = match &error {
            SourceError::Parse { line_text, .. } => line_text.clone(),
            SourceError::Io { .. } | SourceError::NotUtf8 { .. } => None,
        };
        let value = json!({
            "error": error.to_string(),
            "location": error.location(),
            "line_text": line_text,
        });
        insta::assert_json_snapshot!(format!("bad-{}", snapshot_name(&path)), value);
    }
}

#[test]
fn matches_requirements_file_names() {
    for name in [
        "requirements.txt",
        "requirements-dev.txt",
        "dev-requirements.txt",
        "requirements.in",
        "constraints.txt",
        "requirements/base.txt",
        "requirements/prod.in",
        "Requirements_Test.TXT",
    ] {
        assert!(RequirementsTxt.matches(Path::new(name)), "{name}");
    }
    for name in [
        "MANIFEST.in",
        "notes.txt",
        "setup.cfg",
        "pyproject.toml",
        "requirements.txt.bak",
    ] {
        assert!(!RequirementsTxt.matches(Path::new(name)), "{name}");
    }
}
