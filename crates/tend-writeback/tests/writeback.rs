//! Write-back against golden files: each rewrite must produce the expected file byte for byte,
//! and every refusal must name the file, the line and what was expected.

#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::str::FromStr;

use pep440_rs::Version;
use tend_model::{Hash, PackageName};
use tend_writeback::{
    rewrite_pyproject, rewrite_requirements, KeptReason, PinChange, WriteBackError,
};

fn golden(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    fs_err::read_to_string(path).unwrap()
}

fn change(name: &str, to: &str, hashes: &[&str]) -> PinChange {
    PinChange {
        name: PackageName::from_str(name).unwrap(),
        to: Version::from_str(to).unwrap(),
        hashes: hashes
            .iter()
            .map(|hash| Hash::from_str(hash).unwrap())
            .collect(),
    }
}

fn digest(prefix: &str, n: u8) -> String {
    format!("sha256:{prefix}{}{n}", "0".repeat(64 - prefix.len() - 1))
}

fn requirements_changes() -> Vec<PinChange> {
    vec![
        change(
            "flask",
            "2.3.3",
            &[&digest("dddd", 1), &digest("dddd", 2), &digest("dddd", 3)],
        ),
        change("werkzeug", "2.3.8", &[&digest("eeee", 1)]),
        change("requests", "2.32.5", &[]),
        change("jinja2", "3.1.6", &[&digest("ffff", 1)]),
        change("itsdangerous", "2.2.0", &[]),
    ]
}

#[test]
fn a_compiled_requirements_file_changes_only_versions_and_hashes() {
    let before = golden("requirements-before.txt");
    let rewritten = rewrite_requirements(
        Path::new("requirements.txt"),
        &before,
        &requirements_changes(),
    )
    .unwrap();
    assert_eq!(rewritten.text, golden("requirements-after.txt"));
    let edits: Vec<(usize, &str, &str, String, usize)> = rewritten
        .edits
        .iter()
        .map(|edit| {
            (
                edit.line,
                edit.name.as_ref(),
                edit.from.as_str(),
                edit.to.to_string(),
                edit.hashes,
            )
        })
        .collect();
    assert_eq!(
        edits,
        [
            (7, "flask", "2.2.3", "2.3.3".to_string(), 3),
            (11, "werkzeug", "2.2.3", "2.3.8".to_string(), 1),
            (15, "jinja2", "3.1.2", "3.1.6".to_string(), 1),
            (16, "itsdangerous", "2.1.2", "2.2.0".to_string(), 0),
        ]
    );
    assert_eq!(rewritten.kept.len(), 1);
    assert_eq!(rewritten.kept[0].line, 14);
    assert_eq!(
        rewritten.kept[0].reason,
        KeptReason::Allows {
            specifier: ">=2.28,<3".to_string()
        }
    );
}

#[test]
fn crlf_a_byte_order_mark_and_a_missing_last_newline_are_kept() {
    let before = "\u{feff}alpha==1.0\r\n# note\r\nbeta==2.0 \\\r\n    --hash=sha256:ab \\\r\n    --hash=sha256:cd";
    let changes = [
        change("alpha", "1.1", &[]),
        change("beta", "2.1", &["sha256:ef"]),
    ];
    let rewritten = rewrite_requirements(Path::new("r.txt"), before, &changes).unwrap();
    assert_eq!(
        rewritten.text,
        "\u{feff}alpha==1.1\r\n# note\r\nbeta==2.1 \\\r\n    --hash=sha256:ef"
    );
}

#[test]
fn a_file_without_the_changed_packages_is_byte_identical() {
    let before = golden("requirements-before.txt").replace('\n', "\r\n");
    let rewritten = rewrite_requirements(
        Path::new("requirements.txt"),
        &before,
        &[change("numpy", "2.0.0", &[])],
    )
    .unwrap();
    assert_eq!(rewritten.text, before);
    assert!(rewritten.edits.is_empty());
    let changes = [change("numpy", "2.0.0", &[])];
    assert_eq!(rewritten.not_declared(&changes).len(), 1);
}

#[test]
fn a_range_that_excludes_the_new_version_is_refused_with_its_line() {
    let before = "alpha==1.0\nbeta<2.0  # held below 2\n";
    let error = rewrite_requirements(
        Path::new("requirements.txt"),
        before,
        &[change("alpha", "1.1", &[]), change("beta", "2.1", &[])],
    )
    .unwrap_err();
    assert_eq!(
        error.to_string(),
        "requirements.txt:2: `beta` is declared `<2.0`, which does not allow 2.1; only `==` pins \
         are rewritten: change the specifier by hand"
    );
}

#[test]
fn hashed_pins_need_the_new_hashes() {
    let before = "alpha==1.0 \\\n    --hash=sha256:ab\n";
    let error = rewrite_requirements(
        Path::new("requirements.txt"),
        before,
        &[change("alpha", "1.1", &[])],
    )
    .unwrap_err();
    assert!(matches!(
        error,
        WriteBackError::MissingHashes { line: 1, .. }
    ));
    assert!(error
        .to_string()
        .starts_with("requirements.txt:1: `alpha` is pinned with --hash"));
}

#[test]
fn unusual_hash_layouts_are_refused_not_mangled() {
    let mixed = "alpha==1.0 --hash=sha256:ab \\\n    --hash=sha256:cd\n";
    let commented = "alpha==1.0 \\\n    --hash=sha256:ab  # why\n";
    for before in [mixed, commented] {
        let error = rewrite_requirements(
            Path::new("requirements.txt"),
            before,
            &[change("alpha", "1.1", &["sha256:ef"])],
        )
        .unwrap_err();
        assert!(
            matches!(error, WriteBackError::Layout { line: 1, .. }),
            "{before:?}: {error}"
        );
    }
}

#[test]
fn direct_references_and_options_are_left_alone() {
    let before =
        "-e ./local\nalpha @ https://example.invalid/alpha-1.0.whl\n--constraint alpha==1.0\n";
    let rewritten = rewrite_requirements(
        Path::new("requirements.txt"),
        before,
        &[change("alpha", "1.1", &[])],
    )
    .unwrap();
    assert_eq!(rewritten.text, before);
    assert_eq!(rewritten.kept[0].reason, KeptReason::DirectReference);
}

#[test]
fn pyproject_strings_change_only_their_version() {
    let before = golden("pyproject-before.toml");
    let changes = [
        change("flask", "2.3.3", &[]),
        change("werkzeug", "2.3.8", &[]),
        change("requests", "2.32.5", &[]),
        change("psycopg2-binary", "2.9.11", &[]),
        change("pytest", "8.3.4", &[]),
        change("coverage", "7.6.1", &[]),
    ];
    let rewritten = rewrite_pyproject(Path::new("pyproject.toml"), &before, &changes).unwrap();
    assert_eq!(rewritten.text, golden("pyproject-after.toml"));
    let lines: Vec<(usize, &str)> = rewritten
        .edits
        .iter()
        .map(|edit| (edit.line, edit.name.as_ref()))
        .collect();
    assert_eq!(
        lines,
        [
            (5, "flask"),
            (6, "werkzeug"),
            (12, "psycopg2-binary"),
            (15, "pytest"),
            (16, "coverage")
        ]
    );
    assert_eq!(rewritten.kept.len(), 1);
}

#[test]
fn pyproject_refusals_name_the_line() {
    let escaped = "[project]\nname = \"a\"\ndependencies = [\n  \"alpha\\u003d=1.0\",\n]\n";
    let error = rewrite_pyproject(
        Path::new("pyproject.toml"),
        escaped,
        &[change("alpha", "1.1", &[])],
    )
    .unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("pyproject.toml:4: the declaration of `alpha`"),
        "{error}"
    );
    let broken = "[project\nname = 1\n";
    let error = rewrite_pyproject(Path::new("pyproject.toml"), broken, &[]).unwrap_err();
    assert!(error.to_string().starts_with("pyproject.toml: "), "{error}");
}

/// Every cut and every one-character deletion of the golden file: never a panic, and a file
/// whose changed packages are not rewritten comes back byte for byte.
#[test]
fn damaged_files_never_panic_and_untouched_text_is_kept() {
    let text = golden("requirements-before.txt").replace("\n#", "\r\n#");
    let changes = requirements_changes();
    let boundaries: Vec<usize> = text
        .char_indices()
        .map(|(index, _)| index)
        .chain(std::iter::once(text.len()))
        .collect();
    for window in boundaries.windows(2) {
        let (at, next) = (window[0], window[1]);
        let cut = &text[..at];
        let deleted = format!("{}{}", &text[..at], &text[next..]);
        for sample in [cut, deleted.as_str()] {
            if let Ok(rewritten) = rewrite_requirements(Path::new("r.txt"), sample, &changes) {
                if rewritten.edits.is_empty() {
                    assert_eq!(rewritten.text, sample);
                }
            }
            let untouched =
                rewrite_requirements(Path::new("r.txt"), sample, &[change("numpy", "1", &[])])
                    .unwrap();
            assert_eq!(untouched.text, sample);
        }
    }
}

#[cfg(unix)]
#[test]
fn a_replaced_file_keeps_its_permissions_and_leaves_no_temporary() {
    use std::os::unix::fs::PermissionsExt as _;
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("requirements.txt");
    fs_err::write(&path, "alpha==1.0\n").unwrap();
    fs_err::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
    tend_writeback::replace_file(&path, "alpha==1.1\n").unwrap();
    assert_eq!(fs_err::read_to_string(&path).unwrap(), "alpha==1.1\n");
    let mode = fs_err::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o640);
    let names: Vec<String> = fs_err::read_dir(directory.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["requirements.txt"]);
    // A leftover of a killed write is replaced, not an obstacle.
    let leftover = tend_writeback::temporary_path(&path);
    assert_eq!(
        leftover,
        directory.path().join(".requirements.txt.tend-new")
    );
    fs_err::write(&leftover, "half").unwrap();
    tend_writeback::replace_file(&path, "alpha==1.2\n").unwrap();
    assert_eq!(fs_err::read_to_string(&path).unwrap(), "alpha==1.2\n");
    assert!(!leftover.exists());
    // A file that does not exist is an error, not a new file.
    assert!(tend_writeback::replace_file(&directory.path().join("missing.txt"), "x").is_err());
    // write_file creates what replace_file refuses to, and replaces like it.
    let created = directory.path().join("created.txt");
    tend_writeback::write_file(&created, "one\n").unwrap();
    assert_eq!(fs_err::read_to_string(&created).unwrap(), "one\n");
    tend_writeback::write_file(&created, "two\n").unwrap();
    assert_eq!(fs_err::read_to_string(&created).unwrap(), "two\n");
    assert!(!tend_writeback::temporary_path(&created).exists());
}
