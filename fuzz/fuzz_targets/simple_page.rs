//! Bytes into the project-page reader as PEP 691 JSON, as PEP 503 HTML and with no content type:
//! it must never panic, a line it reports lies inside the page, errors never show the page's
//! password, every file URL is absolute, and the releases of what it accepts can be worked out.
//! An HTML page it accepts, written back out as links, reads back as the same files.
#![no_main]

use std::fmt::Write as _;
use std::str::FromStr;

use libfuzzer_sys::fuzz_target;
use pep508_rs::PackageName;
use tend_index::{parse_page, releases, IndexFile};
use url::Url;

const CONTENT_TYPES: [Option<&str>; 3] = [
    Some("application/vnd.pypi.simple.v1+json"),
    Some("text/html"),
    None,
];

fuzz_target!(|data: &[u8]| {
    let url = Url::parse("https://fuzz:s3cret@index.example/simple/foo/").unwrap();
    let project = PackageName::from_str("foo").unwrap();
    for content_type in CONTENT_TYPES {
        match parse_page(data, content_type, &url) {
            Ok(page) => {
                for file in &page.files {
                    assert!(file.url.has_host() || file.url.scheme() != "https");
                }
                let _ = releases(&page, &project);
                if content_type == Some("text/html") {
                    let written = write_html(&page.files);
                    let again = parse_page(written.as_bytes(), content_type, &url)
                        .unwrap_or_else(|error| panic!("{error}\n{written}"));
                    assert_eq!(page.files, again.files, "{written}");
                }
            }
            Err(error) => {
                assert!(!error.to_string().contains("s3cret"), "{error}");
                if let Some(line) = error.line {
                    let lines = data.iter().filter(|&&byte| byte == b'\n').count() + 1;
                    assert!(line >= 1 && line <= lines, "line {line} of {lines}");
                }
                if let Some(column) = error.column {
                    assert!(column >= 1);
                }
            }
        }
    }
});

/// The files as an index would write them, every value escaped.
fn write_html(files: &[IndexFile]) -> String {
    let mut html = String::from("<!DOCTYPE html>\n<html><body>\n");
    for file in files {
        write!(html, "<a href=\"{}\"", escape(file.url.as_str())).unwrap();
        if let Some(limit) = &file.requires_python {
            write!(html, " data-requires-python=\"{}\"", escape(limit)).unwrap();
        }
        if file.yanked {
            let reason = file.yank_reason.as_deref().unwrap_or_default();
            write!(html, " data-yanked=\"{}\"", escape(reason)).unwrap();
        }
        writeln!(html, ">{}</a><br/>", escape(&file.filename)).unwrap();
    }
    html.push_str("</body></html>\n");
    html
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
