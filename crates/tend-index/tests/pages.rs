//! Project pages from `tests/fixtures/pages/`, written in the shape real indexes serve: each
//! page's parsed files with their hashes and releases (or its error) are snapshotted, and the
//! JSON and HTML pages of one project must describe the same releases and hashes.
#![allow(clippy::unwrap_used)] // Fixtures are ours; a panic is the failure report.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use pep508_rs::PackageName;
use tend_http::RedactedUrl;
use tend_index::{parse_page, releases, PageError, PageFormat, ProjectPage, Release};
use url::Url;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pages")
}

/// The project a fixture belongs to: its name, or `acme-tools` for the broken pages.
fn project_of(stem: &str) -> &'static str {
    if stem.starts_with("fancy-parser") || stem == "truncated" {
        "fancy-parser"
    } else {
        "acme-tools"
    }
}

/// Reads a fixture as an index would serve it, from a URL with credentials in it (which no
/// error may show).
fn read(file: &str) -> (Result<ProjectPage, PageError>, PackageName) {
    let path = fixtures().join(file);
    let body = fs_err::read(&path).unwrap();
    let stem = path.file_stem().unwrap().to_str().unwrap();
    let project = project_of(stem);
    let content_type = match path.extension().and_then(|extension| extension.to_str()) {
        Some("json") => "application/vnd.pypi.simple.v1+json",
        Some("html") => "text/html; charset=utf-8",
        other => panic!("fixture {file} has extension {other:?}"),
    };
    let url = Url::parse(&format!(
        "https://ci-bot:s3cret@index.example/simple/{project}/"
    ))
    .unwrap();
    (
        parse_page(&body, Some(content_type), &url),
        PackageName::from_str(project).unwrap(),
    )
}

fn render(page: &ProjectPage, project: &PackageName) -> String {
    let mut out = String::new();
    writeln!(out, "api-version: {:?}", page.api_version).unwrap();
    writeln!(out, "versions: {:?}", page.versions).unwrap();
    writeln!(out, "files:").unwrap();
    for file in &page.files {
        writeln!(out, "  {}", file.filename).unwrap();
        // Relative links keep the page's credentials (downloads need them); shown, they are not.
        writeln!(out, "    url: {}", RedactedUrl::new(&file.url)).unwrap();
        if let Some(limit) = &file.requires_python {
            writeln!(out, "    requires-python: {limit}").unwrap();
        }
        if file.yanked {
            writeln!(out, "    yanked: {:?}", file.yank_reason).unwrap();
        }
        if let Some(time) = file.upload_time {
            writeln!(out, "    uploaded: {time}").unwrap();
        }
        for hash in &file.hashes {
            writeln!(out, "    hash: {hash}").unwrap();
        }
    }
    writeln!(out, "releases:").unwrap();
    for release in releases(page, project) {
        write!(out, "  {}: files {}", release.version, release.files).unwrap();
        if release.yanked {
            write!(out, ", yanked: {:?}", release.yank_reason).unwrap();
        }
        if let Some(time) = release.uploaded {
            write!(out, ", uploaded {time}").unwrap();
        }
        let limits: Vec<String> = release
            .requires_python
            .iter()
            .map(|limit| {
                limit
                    .as_ref()
                    .map_or_else(|| "none".to_owned(), ToString::to_string)
            })
            .collect();
        writeln!(out, ", requires-python [{}]", limits.join("; ")).unwrap();
    }
    out
}

fn render_error(error: &PageError) -> String {
    format!(
        "{error}\nformat: {:?}, line: {:?}, column: {:?}\n",
        error.format, error.line, error.column
    )
}

#[test]
fn every_fixture_page() {
    let mut names: Vec<String> = fs_err::read_dir(fixtures())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert!(names.len() >= 11, "{names:?}");
    for name in names {
        let (parsed, project) = read(&name);
        let rendered = match &parsed {
            Ok(page) => render(page, &project),
            Err(error) => {
                assert!(!error.to_string().contains("s3cret"), "{error}");
                render_error(error)
            }
        };
        insta::assert_snapshot!(name.clone(), rendered);
    }
}

#[test]
fn json_and_html_pages_of_one_project_agree() {
    let project = PackageName::from_str("fancy-parser").unwrap();
    let json = read("fancy-parser.json").0.unwrap();
    let html = read("fancy-parser.html").0.unwrap();
    assert_eq!(json.api_version, html.api_version);
    assert_eq!(json.files.len(), html.files.len());
    for (from_json, from_html) in json.files.iter().zip(&html.files) {
        assert_eq!(from_json.filename, from_html.filename);
        let mut url = from_html.url.clone();
        url.set_fragment(None);
        assert_eq!(from_json.url, url);
        assert_eq!(from_json.requires_python, from_html.requires_python);
        assert_eq!(from_json.yanked, from_html.yanked);
        assert_eq!(from_json.yank_reason, from_html.yank_reason);
        assert_eq!(from_json.hashes.len(), 1, "{}", from_json.filename);
        assert_eq!(from_json.hashes, from_html.hashes);
        assert!(from_json.upload_time.is_some());
        assert_eq!(from_html.upload_time, None);
    }
    // HTML pages carry no upload times; everything else about the releases is the same.
    let without_times = |releases: Vec<Release>| -> Vec<Release> {
        releases
            .into_iter()
            .map(|release| Release {
                uploaded: None,
                ..release
            })
            .collect()
    };
    let from_json = releases(&json, &project);
    assert_eq!(from_json.len(), 6);
    assert_eq!(
        without_times(from_json),
        without_times(releases(&html, &project))
    );
}

#[test]
fn errors_point_at_the_line_and_column() {
    let cases = [
        ("bad-syntax.json", PageFormat::Json, Some(13), Some(7)),
        ("bad-shape.json", PageFormat::Json, Some(9), Some(17)),
        ("api-version-2.json", PageFormat::Json, Some(2), Some(28)),
        ("api-version-2.html", PageFormat::Html, Some(4), Some(51)),
        ("not-utf8.html", PageFormat::Html, Some(5), Some(27)),
        ("truncated.html", PageFormat::Html, Some(17), Some(13)),
    ];
    for (file, format, line, column) in cases {
        let error = read(file).0.unwrap_err();
        assert_eq!(
            (error.format, error.line, error.column),
            (format, line, column),
            "{file}: {error}"
        );
        assert!(
            error
                .url
                .starts_with("https://ci-bot:****@index.example/simple/"),
            "{file}: {}",
            error.url
        );
    }
}
