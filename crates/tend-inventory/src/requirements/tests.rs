//! Reader-level tests of the tricky parts; whole-file fixtures are in `tests/requirements.rs`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use tend_model::{Code, DeclarationKind, HashAlgorithm, Severity};

use super::*;

/// Files by path, for includes; anything else is missing, like on a real file system.
fn parse_with(
    text: &str,
    files: &[(&str, &str)],
    variables: &[(&str, &str)],
) -> Result<SourceData, SourceError> {
    let files: BTreeMap<PathBuf, String> = files
        .iter()
        .map(|(path, text)| (PathBuf::from(path), (*text).to_string()))
        .collect();
    let context = ReadContext {
        variables: variables
            .iter()
            .map(|(name, value)| ((*name).to_string(), (*value).to_string()))
            .collect(),
    };
    let mut loader = |path: &Path| {
        files
            .get(&requirement::normalize_lexically(path))
            .cloned()
            .ok_or_else(|| SourceError::Io {
                path: path.to_path_buf(),
                source: std::io::Error::new(std::io::ErrorKind::NotFound, "not found"),
            })
    };
    parse_requirements(text, Path::new("requirements.txt"), &context, &mut loader)
}

fn parse(text: &str) -> SourceData {
    parse_with(text, &[], &[]).unwrap()
}

fn parse_error(text: &str) -> (String, Option<String>) {
    match parse_with(text, &[], &[]) {
        Err(SourceError::Parse {
            location,
            message,
            line_text,
        }) => (format!("{location}: {message}"), line_text),
        other => panic!("expected a parse error, got {other:?}"),
    }
}

#[test]
fn hashes_across_continuation_lines() {
    let data =
        parse("certifi==2024.2.2 \\\n    --hash=sha256:AA \\\n    --hash=sha512:bb\nidna==3.6\n");
    let [certifi, idna] = data.declarations.as_slice() else {
        panic!("{data:?}")
    };
    assert_eq!(certifi.location.line, 1);
    assert_eq!(
        certifi.pinned_version().map(ToString::to_string).as_deref(),
        Some("2024.2.2")
    );
    let hashes: Vec<String> = certifi.hashes.iter().map(ToString::to_string).collect();
    assert_eq!(hashes, ["sha256:aa", "sha512:bb"]);
    assert_eq!(certifi.hashes[1].algorithm, HashAlgorithm::Sha512);
    assert_eq!(idna.location.line, 4);
    assert!(idna.hashes.is_empty());
}

#[test]
fn marker_between_requirement_and_hash_on_continued_lines() {
    let data = parse("urllib3==2.2.1 \\\n  ; python_version >= \"3.8\" \\\n  --hash=sha256:00\n");
    let [urllib3] = data.declarations.as_slice() else {
        panic!("{data:?}")
    };
    assert!(!urllib3.marker.is_true());
    assert_eq!(urllib3.hashes.len(), 1);
}

#[test]
fn egg_fragment_is_not_a_comment_but_spaced_hash_is() {
    let data = parse(
        "-e git+https://example.com/repo.git#egg=from-egg # a comment\n\
         https://example.com/a/thing-1.0.tar.gz#sha256=abc  #comment\n",
    );
    let [editable, archive] = data.declarations.as_slice() else {
        panic!("{data:?}")
    };
    assert_eq!(editable.name.as_ref(), "from-egg");
    assert!(editable.editable);
    assert_eq!(
        editable.url.as_deref(),
        Some("git+https://example.com/repo.git#egg=from-egg")
    );
    assert_eq!(archive.name.as_ref(), "thing");
    assert_eq!(
        archive.url.as_deref(),
        Some("https://example.com/a/thing-1.0.tar.gz#sha256=abc")
    );
}

#[test]
fn crlf_and_bom() {
    let data = parse("\u{feff}flask==2.2.3\r\n\r\nrequests \\\r\n  >=2\r\n");
    let names: Vec<(&str, usize, String)> = data
        .declarations
        .iter()
        .map(|d| (d.name.as_ref(), d.location.line, d.specifier.to_string()))
        .collect();
    assert_eq!(
        names,
        [
            ("flask", 1, "==2.2.3".to_string()),
            ("requests", 3, ">=2".to_string())
        ]
    );
}

#[test]
fn variables_expand_from_the_context_only() {
    let data = parse_with(
        "-i https://${USER_NAME}:${TOKEN}@host/simple\n\
         pkg @ https://${HOST}/pkg-1.0.tar.gz\n\
         other @ https://${UNSET}/o.tar.gz\n",
        &[],
        &[
            ("USER_NAME", "me"),
            ("TOKEN", "t0k"),
            ("HOST", "files.example.com"),
        ],
    )
    .unwrap();
    assert_eq!(
        data.sources[0].options.index_url.as_deref(),
        Some("https://me:t0k@host/simple")
    );
    assert_eq!(
        data.declarations[0].url.as_deref(),
        Some("https://files.example.com/pkg-1.0.tar.gz")
    );
    assert_eq!(
        data.declarations[1].url.as_deref(),
        Some("https://${UNSET}/o.tar.gz")
    );
}

#[test]
fn global_options_are_kept_per_file() {
    let data = parse_with(
        "--index-url https://a/simple\n--pre\n-r inc/other.txt\n-i https://b/simple\n",
        &[(
            "inc/other.txt",
            "--extra-index-url https://c/simple\n--only-binary=:all:\n",
        )],
        &[],
    )
    .unwrap();
    let [top, other] = data.sources.as_slice() else {
        panic!("{data:?}")
    };
    assert_eq!(
        top.options.index_url.as_deref(),
        Some("https://b/simple"),
        "the last -i wins"
    );
    assert!(top.options.pre);
    assert!(top.options.extra_index_urls.is_empty());
    assert_eq!(other.path, PathBuf::from("inc/other.txt"));
    assert_eq!(
        other.included_from.as_deref(),
        Some(Path::new("requirements.txt"))
    );
    assert_eq!(other.options.extra_index_urls, ["https://c/simple"]);
    assert_eq!(other.options.other, ["--only-binary=:all:"]);
}

#[test]
fn includes_are_relative_to_the_including_file_and_constraints_are_marked() {
    let data = parse_with(
        "-r reqs/base.txt\n",
        &[
            ("reqs/base.txt", "flask\n-c ../constraints.txt\n"),
            ("constraints.txt", "werkzeug<3\n-r reqs/again.txt\n"),
            ("reqs/again.txt", "click\n"),
        ],
        &[],
    )
    .unwrap();
    let seen: Vec<(&str, DeclarationKind, String, usize)> = data
        .declarations
        .iter()
        .map(|d| {
            (
                d.name.as_ref(),
                d.kind,
                d.location.path.display().to_string(),
                d.location.line,
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            (
                "flask",
                DeclarationKind::Requirement,
                "reqs/base.txt".to_string(),
                1
            ),
            (
                "werkzeug",
                DeclarationKind::Constraint,
                "reqs/../constraints.txt".to_string(),
                1
            ),
            // pip decides by the option: `-r` inside a constraints file includes requirements.
            (
                "click",
                DeclarationKind::Requirement,
                "reqs/../reqs/again.txt".to_string(),
                1
            ),
        ]
    );
}

#[test]
fn include_cycle_names_the_closing_include() {
    let error = parse_with(
        "-r a.txt\n",
        &[
            ("a.txt", "x\n-r sub/b.txt\n"),
            ("sub/b.txt", "\n\n-r ../a.txt\n"),
        ],
        &[],
    )
    .unwrap_err();
    assert_eq!(
        error.to_string(),
        "sub/b.txt:3: include cycle: `-r ../a.txt` includes a file that is already being read \
         (a.txt -> sub/b.txt -> sub/../a.txt)"
    );
    let self_include = parse_with("-r requirements.txt\n", &[], &[]).unwrap_err();
    assert!(self_include
        .to_string()
        .starts_with("requirements.txt:1: include cycle"));
}

#[test]
fn missing_include_names_the_including_line() {
    let error = parse_with("flask\n-c missing.txt\n", &[], &[]).unwrap_err();
    assert_eq!(
        error.to_string(),
        "requirements.txt:2: cannot read `missing.txt`, included here: the file does not exist"
    );
}

#[test]
fn errors_carry_line_column_and_text() {
    let (message, line_text) = parse_error("ok\n  flask=>2.0  # comment\n");
    assert!(
        message.starts_with("requirements.txt:2:8: invalid requirement: "),
        "{message}"
    );
    assert!(
        message.contains("expected a PEP 508 requirement"),
        "{message}"
    );
    assert_eq!(line_text.as_deref(), Some("  flask=>2.0  # comment"));

    let (message, line_text) = parse_error("flask \\\n  =>2\n");
    assert!(message.starts_with("requirements.txt:1: "), "{message}");
    assert_eq!(
        line_text.as_deref(),
        Some("flask   =>2"),
        "a joined line is shown joined"
    );

    let (message, _) = parse_error("flask==1 --hash=sha256\n");
    assert!(
        message.contains("expected `--hash=<algorithm>:<hex digest>`"),
        "{message}"
    );
    let (message, _) = parse_error("flask==1 --hash=sha256:xyz\n");
    assert!(message.contains("not hexadecimal"), "{message}");
    let (message, _) = parse_error("--frobnicate\n");
    assert!(
        message.starts_with("requirements.txt:1:1: unknown option `--frobnicate`"),
        "{message}"
    );
    let (message, _) = parse_error("-e\n");
    assert!(message.contains("`-e` expects a value"), "{message}");
}

#[test]
fn unnamed_lines_become_warnings_not_silence() {
    let data = parse("-e git+https://example.com/repo.git\nhttps://example.com/download?id=1\n");
    assert!(data.declarations.is_empty());
    assert_eq!(data.diagnostics.len(), 2);
    for diagnostic in &data.diagnostics {
        assert_eq!(diagnostic.code, Code::SourceWarning);
        assert_eq!(diagnostic.severity, Severity::Warning);
        assert!(
            diagnostic.message.ends_with("the line is left out"),
            "{diagnostic:?}"
        );
    }
    assert_eq!(
        data.diagnostics[1].location.as_ref().map(|l| l.line),
        Some(2)
    );
}

#[test]
fn ignored_options_are_reported() {
    let data = parse("--hash=sha256:00\nflask -i https://x\n--pre stray\n");
    let messages: Vec<&str> = data
        .diagnostics
        .iter()
        .map(|d| d.message.as_str())
        .collect();
    assert_eq!(
        messages,
        [
            "`--hash` applies to a requirement on the same line, and this line has none; pip \
             ignores it",
            "`--index-url` on the same line as a requirement; pip ignores it there",
            "`stray` after the options is not an option; pip ignores it",
        ]
    );
    assert_eq!(data.declarations.len(), 1);
    assert!(data.sources[0].options.pre);
}

#[test]
fn a_file_included_twice_is_read_once() {
    let data = parse_with(
        "-r base.txt\n-r base.txt\n-c base.txt\n",
        &[("base.txt", "flask\n")],
        &[],
    )
    .unwrap();
    let kinds: Vec<DeclarationKind> = data.declarations.iter().map(|d| d.kind).collect();
    assert_eq!(
        kinds,
        [DeclarationKind::Requirement, DeclarationKind::Constraint]
    );
    assert_eq!(data.sources.len(), 3);
}

#[test]
fn split_arguments_like_pip() {
    assert_eq!(
        split_arguments("flask==1 --hash=x"),
        ("flask==1", "--hash=x")
    );
    assert_eq!(
        split_arguments("a ; b == 'x-y' -r f"),
        ("a ; b == 'x-y'", "-r f")
    );
    assert_eq!(split_arguments("-r f"), ("", "-r f"));
    assert_eq!(split_arguments("a  b"), ("a  b", ""));
    assert_eq!(split_arguments("a\t--hash=x"), ("a\t--hash=x", ""));
}

/// A stable-toolchain stand-in for the fuzz target (`fuzz/fuzz_targets/requirements_txt.rs`):
/// lines glued from awkward fragments, in many orders, must never panic.
#[test]
fn awkward_fragments_never_panic() {
    const FRAGMENTS: &[&str] = &[
        "flask",
        "==",
        "2.0",
        " ",
        "\\",
        "\n",
        "\r\n",
        "\r",
        "#",
        " #",
        "-e",
        " -r x.txt",
        "--hash=",
        "sha256:",
        "ab",
        "[",
        "]",
        ";",
        "; ",
        "python_version",
        " < '3'",
        "@",
        " https://h/p-1.0.tar.gz",
        "git+",
        "#egg=",
        "&",
        "./",
        "..",
        "${",
        "TOKEN",
        "}",
        "'",
        "\"",
        "--",
        "-",
        "é",
        "\u{feff}",
        "\u{2028}",
        ".whl",
        "-c",
        "=",
        "--index-url",
        "\t",
        "file:",
        "/",
        "(",
        ")",
        "~=",
        "===",
        "*",
        ",",
        "--pre",
        "-rfile",
        "--no",
        ":all:",
    ];
    let mut state: u64 = 0x0005_DEEC_E66D;
    let mut next = || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        usize::try_from(state >> 33).unwrap_or(0)
    };
    for _ in 0..20_000 {
        let length = next() % 24;
        let text: String = (0..length)
            .map(|_| FRAGMENTS[next() % FRAGMENTS.len()])
            .collect();
        let _ = parse_with(&text, &[("x.txt", "flask\n-r x.txt\n")], &[("TOKEN", "t")]);
    }
}
