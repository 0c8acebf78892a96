//! A uv.lock written by the real uv (installed by `scripts/test`, found through `TEND_TEST_UV`)
//! from wheels the test builds, read back by tend: versions, hashes and groups must agree with
//! what uv resolved.

#![allow(clippy::unwrap_used)]

use std::path::PathBuf;
use std::process::Command;

use tend_inventory::{parse_uv_lock, SourceReader, UvLockReader};
use tend_model::{DeclarationKind, Group};

fn uv() -> PathBuf {
    let uv = std::env::var_os("TEND_TEST_UV").map_or_else(|| PathBuf::from("uv"), PathBuf::from);
    let found = Command::new(&uv)
        .arg("--version")
        .output()
        .is_ok_and(|output| output.status.success());
    assert!(
        found,
        "uv not found at `{}`: run the suite with scripts/test, which installs it",
        uv.display()
    );
    uv
}

#[test]
fn reads_a_lockfile_written_by_uv() {
    let wheelhouse = tend_test::shared_wheelhouse();
    let project = tempfile::tempdir().unwrap();
    fs_err::write(
        project.path().join("pyproject.toml"),
        "[project]\nname = \"service\"\nversion = \"0.1.0\"\nrequires-python = \">=3.8\"\ndependencies = [\"beta\"]\n\n[dependency-groups]\ndev = [\"gamma\"]\n",
    )
    .unwrap();
    let cache = project.path().join(".uv-cache");
    let mut command = Command::new(uv());
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("UV_") || key.to_string_lossy().starts_with("PIP_") {
            command.env_remove(key);
        }
    }
    let output = command
        .args(["lock", "--offline", "--no-index", "--find-links"])
        .arg(wheelhouse)
        .arg("--directory")
        .arg(project.path())
        .env("UV_CACHE_DIR", &cache)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "uv lock failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );

    let path = project.path().join("uv.lock");
    assert!(UvLockReader.matches(&path));
    let text = fs_err::read_to_string(&path).unwrap();
    let data = parse_uv_lock(&text, &path).unwrap();
    let mut found: Vec<(String, String, Group)> = data
        .declarations
        .iter()
        .map(|declaration| {
            assert_eq!(declaration.kind, DeclarationKind::Locked);
            (
                declaration.name.to_string(),
                declaration.pinned_version().unwrap().to_string(),
                declaration.group.clone(),
            )
        })
        .collect();
    found.sort();
    assert_eq!(
        found,
        [
            ("alpha".to_string(), "2.0.0".to_string(), Group::Main),
            ("beta".to_string(), "1.1.0".to_string(), Group::Main),
            ("gamma".to_string(), "0.5.0".to_string(), Group::Dev),
        ]
    );

    // The hashes are the ones uv recorded (read here independently with the toml crate; uv
    // records none for a plain find-links folder, so the wheel paths are checked as well).
    let document: toml::Table = toml::from_str(&text).unwrap();
    let packages = document["package"].as_array().unwrap();
    for declaration in &data.declarations {
        let entry = packages
            .iter()
            .find(|package| package["name"].as_str() == Some(declaration.name.as_ref()))
            .unwrap();
        let wheels = entry["wheels"].as_array().unwrap();
        let expected: Vec<String> = wheels
            .iter()
            .filter_map(|wheel| {
                wheel
                    .get("hash")
                    .and_then(toml::Value::as_str)
                    .map(str::to_string)
            })
            .collect();
        let hashes: Vec<String> = declaration.hashes.iter().map(ToString::to_string).collect();
        assert_eq!(hashes, expected, "{}", declaration.name);
        let version = declaration.pinned_version().unwrap().to_string();
        let wheel = wheels[0]["path"].as_str().unwrap();
        assert!(
            wheel.ends_with(&format!("/{}-{version}-py3-none-any.whl", declaration.name)),
            "{wheel}"
        );
        // Every line points at the `[[package]]` entry of that package.
        let line = text
            .lines()
            .nth(declaration.location.line - 1)
            .unwrap_or_default();
        let next = text
            .lines()
            .nth(declaration.location.line)
            .unwrap_or_default();
        assert!(
            line.contains(&format!("\"{}\"", declaration.name))
                || next.contains(&format!("\"{}\"", declaration.name)),
            "line {} of uv.lock is not {}'s entry: {line}",
            declaration.location.line,
            declaration.name
        );
    }
}
