#![allow(clippy::unwrap_used)]

use std::path::Path;

use tend_policy::{load, load_file, ConfigError, EnvironmentSetting};

fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    fs_err::write(&path, text).unwrap();
    path
}

fn problems(error: ConfigError) -> Vec<String> {
    match error {
        ConfigError::Invalid { problems, .. } => problems
            .into_iter()
            .map(|p| {
                let hint = p.hint.map(|h| format!(" (hint: {h})")).unwrap_or_default();
                format!("{}: {}{hint}", p.location.line, p.message)
            })
            .collect(),
        other => panic!("expected Invalid, got {other:?}"),
    }
}

#[test]
fn reads_every_key_of_tend_toml() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "tend.toml",
        r#"
[sources]
production = ["requirements.txt"]
development = ["requirements-dev.txt"]

[environment]
path = ".venv"

[check]
critical-imports = ["flask", "sqlalchemy.orm"]

[check.version-rules]
Flask = ">=2,<4"
"#,
    );
    let policy = load(dir.path()).unwrap();
    assert_eq!(
        policy.sources.production,
        vec![dir.path().join("requirements.txt")]
    );
    assert_eq!(
        policy.sources.development,
        vec![dir.path().join("requirements-dev.txt")]
    );
    assert_eq!(
        policy.environment,
        Some(EnvironmentSetting::Venv(dir.path().join(".venv")))
    );
    let imports: Vec<_> = policy
        .check
        .critical_imports
        .iter()
        .map(|i| i.value.as_str())
        .collect();
    assert_eq!(imports, ["flask", "sqlalchemy.orm"]);
    assert_eq!(
        policy.check.critical_imports[1]
            .location
            .as_ref()
            .unwrap()
            .line,
        10
    );
    let rule = &policy.check.version_rules[0];
    assert_eq!(rule.package.as_ref(), "flask");
    assert_eq!(rule.specifier.to_string(), ">=2, <4");
    assert_eq!(rule.location.as_ref().unwrap().line, 13);
}

#[test]
fn reads_tool_tend_from_pyproject_with_file_lines() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "pyproject.toml",
        "[project]\nname = \"svc\"\n\n[tool.tend.check]\ncritical-imports = [\"flask\"]\n",
    );
    let policy = load(dir.path()).unwrap();
    assert_eq!(
        policy.check.critical_imports[0]
            .location
            .as_ref()
            .unwrap()
            .line,
        5
    );
}

#[test]
fn pyproject_without_tool_tend_gives_defaults() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "pyproject.toml", "[project]\nname = \"svc\"\n");
    let policy = load(dir.path()).unwrap();
    assert!(policy.file.is_none());
    assert!(policy.check.critical_imports.is_empty());
}

#[test]
fn unknown_key_suggests_the_closest() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "tend.toml",
        "[check]\ncritical-import = [\"flask\"]\n",
    );
    let problems = problems(load_file(&path).unwrap_err());
    assert_eq!(problems.len(), 1);
    assert!(
        problems[0].starts_with("2: unknown field `critical-import`"),
        "{problems:?}"
    );
    assert!(
        problems[0].ends_with("(hint: did you mean `critical-imports`?)"),
        "{problems:?}"
    );
}

#[test]
fn reports_every_invalid_value_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "tend.toml",
        "[check]\ncritical-imports = [\"flask\", \"not a module\"]\n\n[check.version-rules]\nflask = \">=2,<<4\"\n\"bad name!\" = \">=1\"\n",
    );
    let problems = problems(load_file(&path).unwrap_err());
    assert_eq!(problems.len(), 3, "{problems:?}");
    assert!(problems[0].starts_with("2: `not a module` is not an importable module name"));
    assert!(problems[1].starts_with("5: `>=2,<<4` is not a PEP 440 version specifier"));
    assert!(problems[2].starts_with("6: `bad name!` is not a valid package name"));
}

#[test]
fn invalid_toml_names_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "tend.toml",
        "[check]\ncritical-imports = [\"flask\"\n",
    );
    let problems = problems(load_file(&path).unwrap_err());
    assert_eq!(problems.len(), 1);
    assert!(
        problems[0].starts_with("3:") || problems[0].starts_with("2:"),
        "{problems:?}"
    );
}

#[test]
fn both_path_and_python_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "tend.toml",
        "[environment]\npath = \".venv\"\npython = \"/usr/bin/python3\"\n",
    );
    let problems = problems(load_file(&path).unwrap_err());
    assert_eq!(
        problems,
        ["3: set either `environment.path` or `environment.python`, not both"]
    );
}

#[test]
fn non_utf8_is_an_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tend.toml");
    fs_err::write(&path, b"[check]\ncritical-imports = [\"\xff\"]\n").unwrap();
    assert!(matches!(load_file(&path), Err(ConfigError::NotUtf8 { .. })));
}

#[test]
fn reads_the_advisories_table() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "tend.toml",
        r#"
[advisories]
sources = ["advisories"]
max-age = "7d"
ignore = [
  { id = "PYSEC-2023-62", reason = "send_file is never called", owner = "web-team", until = 2026-12-31 },
  { id = "GHSA-m2qf-hxjv-5gpq", reason = "waiting for the vendor", until-fixed = true },
]
"#,
    );
    let policy = load(dir.path()).unwrap();
    let advisories = policy.advisories;
    assert_eq!(advisories.sources.len(), 1);
    assert_eq!(advisories.sources[0].value, dir.path().join("advisories"));
    assert_eq!(
        advisories.max_age.unwrap().value,
        std::time::Duration::from_secs(7 * 86_400)
    );
    assert_eq!(advisories.ignore.len(), 2);
    let first = &advisories.ignore[0];
    assert_eq!(first.id.as_str(), "PYSEC-2023-62");
    assert_eq!(first.owner.as_deref(), Some("web-team"));
    assert_eq!(first.until.unwrap().to_string(), "2026-12-31");
    assert!(!first.until_fixed);
    assert_eq!(first.location.as_ref().unwrap().line, 6);
    assert!(advisories.ignore[1].until_fixed);
    assert_eq!(advisories.ignore[1].until, None);
}

#[test]
fn bad_advisories_settings_are_all_reported() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "tend.toml",
        r#"[advisories]
max-age = "a week"
ignore = [
  { id = "PYSEC-2023-62" },
  { id = "not an id", reason = "x" },
  { id = "CVE-2023-1", reason = "  " },
  { id = "CVE-2023-2", reason = "x", until = 2026-12-31T10:00:00 },
]
"#,
    );
    let found = problems(load_file(&path).unwrap_err());
    assert_eq!(found.len(), 5, "{found:#?}");
    assert!(
        found[0].starts_with("2: `a week` is not a duration"),
        "{found:#?}"
    );
    assert!(
        found[1].starts_with("4: an ignore rule needs a `reason`"),
        "{found:#?}"
    );
    assert!(
        found[2].starts_with("5: `not an id` is not an advisory id"),
        "{found:#?}"
    );
    assert!(
        found[3].starts_with("6: `reason` must say why"),
        "{found:#?}"
    );
    assert!(
        found[4].starts_with("7: `until` must be a date like 2026-12-31"),
        "{found:#?}"
    );
}

#[test]
fn reads_the_index_table() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "tend.toml",
        r#"
[index]
url = "https://pypi.internal.example/simple/"
extra-urls = [
  "./wheelhouse",
  " https://mirror.example/simple ",
]
"#,
    );
    let policy = load(dir.path()).unwrap();
    let url = policy.index.url.unwrap();
    assert_eq!(url.value, "https://pypi.internal.example/simple/");
    assert_eq!(url.location.unwrap().line, 3);
    let extras: Vec<_> = policy
        .index
        .extra_urls
        .iter()
        .map(|extra| (extra.value.as_str(), extra.location.as_ref().unwrap().line))
        .collect();
    assert_eq!(
        extras,
        [("./wheelhouse", 5), ("https://mirror.example/simple", 6)]
    );
}

#[test]
fn no_index_table_means_no_index_settings() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "tend.toml", "[check]\ncritical-imports = []\n");
    let policy = load(dir.path()).unwrap();
    assert_eq!(policy.index, tend_policy::IndexPolicy::default());
}

#[test]
fn bad_index_settings_are_all_reported_without_credentials() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "tend.toml",
        r#"[index]
url = "https://a.example/simple https://alice:s3cret@b.example/simple"
extra-urls = [
  "",
  "ftp://mirror.example/simple",
]
"#,
    );
    let error = load_file(&path).unwrap_err();
    let rendered = format!("{error:?}");
    assert!(!rendered.contains("s3cret"), "{rendered}");
    assert!(rendered.contains("alice"), "{rendered}");
    assert_eq!(
        problems(error),
        [
            "2: `index.url` takes one URL or directory per string, found `https://a.example/simple https://alice:****@b.example/simple`",
            "4: `index.extra-urls` must not be empty",
            "5: `index.extra-urls`: the scheme `ftp` is not supported; expected an `https://`, `http://` or `file://` URL, or a directory",
        ]
    );
}

#[test]
fn unknown_index_key_suggests_extra_urls() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "tend.toml",
        "[index]\nextra-index-url = [\"https://x/\"]\n",
    );
    let problems = problems(load_file(&path).unwrap_err());
    assert_eq!(problems.len(), 1);
    assert!(
        problems[0].starts_with("2: unknown field `extra-index-url`"),
        "{problems:?}"
    );
    assert!(
        problems[0].ends_with("(hint: did you mean `extra-urls`?)"),
        "{problems:?}"
    );
}
