//! Project pages of the simple repository API: PEP 691 JSON and PEP 503 HTML.
//!
//! This module owns the choice of format (from the `Content-Type`, by sniffing when the type
//! says nothing useful), the PEP 629 API version check, the one error type both readers
//! report with, and what a file's hashes are; [`simple_json`] and [`simple_html`] own the two
//! formats.
//!
//! # Hashes
//!
//! [`IndexFile::hashes`] holds the digests an index publishes for a file: PEP 691's `hashes`
//! object (`{"sha256": "<hex>"}`) and, in both formats, the URL fragment PEP 503 defines
//! (`#sha256=<hex>`; `&` separates several), the fragment winning for an algorithm named in
//! both, as pip merges them. Only the algorithms [`HashAlgorithm`] knows count, under their
//! `hashlib` names written in lower case; others (`blake2s`, `sha3_256`) are skipped, and a
//! fragment that is not a hash (`#egg=foo`, `#main`) is ignored. A digest that is not hex, or
//! not as long as its algorithm's, is skipped rather than failing the page: pip never checks
//! a digest when it reads a page (it compares it with the downloaded file's, which can then
//! never match), and a page whose hash is damaged still says which releases exist. A file left
//! with no hash shows as such where hashes are needed ([`crate::ReleaseHashes`]).

use std::fmt;

use jiff::Timestamp;
use tend_http::RedactedUrl;
use tend_model::{Hash, HashAlgorithm};
use url::Url;

mod simple_html;
mod simple_json;

/// The format a page was written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageFormat {
    /// `application/vnd.pypi.simple.v1+json` (PEP 691).
    Json,
    /// `application/vnd.pypi.simple.v1+html` or `text/html` (PEP 503).
    Html,
}

impl fmt::Display for PageFormat {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(match self {
            Self::Json => "JSON",
            Self::Html => "HTML",
        })
    }
}

/// One file listed on a project page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexFile {
    pub filename: String,
    /// Absolute URL of the file (relative links resolved against the page's URL).
    pub url: Url,
    /// `requires-python` / `data-requires-python`, as written (HTML entities decoded).
    pub requires_python: Option<String>,
    /// PEP 592: yanked, with or without a reason.
    pub yanked: bool,
    pub yank_reason: Option<String>,
    /// PEP 700 `upload-time` (JSON only).
    pub upload_time: Option<Timestamp>,
    /// The file's digests, one per algorithm, ordered by algorithm (see the module docs for
    /// where they come from and which are skipped).
    pub hashes: Vec<Hash>,
}

/// A project page, parsed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ProjectPage {
    pub files: Vec<IndexFile>,
    /// PEP 700 `versions` (JSON, API 1.1+), as written; empty otherwise.
    pub versions: Vec<String>,
    /// `meta.api-version` (JSON) or `pypi:repository-version` (HTML), when given.
    pub api_version: Option<String>,
}

/// A page that could not be read: the format, where (line and column when known) and what was
/// expected.
#[derive(Debug, thiserror::Error)]
#[error("{url}: {format} page{}: {message}", location(.line, .column))]
pub struct PageError {
    /// The page's URL, credentials removed.
    pub url: String,
    pub format: PageFormat,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub message: String,
}

impl PageError {
    /// The error without the URL, for a caller that names the URL itself.
    pub fn detail(&self) -> String {
        format!(
            "{} page{}: {}",
            self.format,
            location(&self.line, &self.column),
            self.message
        )
    }
}

fn location(line: &Option<usize>, column: &Option<usize>) -> String {
    match (line, column) {
        (Some(line), Some(column)) => format!(", line {line}, column {column}"),
        (Some(line), None) => format!(", line {line}"),
        _ => String::new(),
    }
}

/// Parses a page. The format comes from `content_type` (`application/vnd.pypi.simple.v1+json`
/// and `application/json` are JSON; `…+html`, `text/html` and a missing type are HTML); a major
/// API version other than 1 is an error, as PEP 629 asks. `url` resolves relative links and
/// names the page in errors (credentials removed by the caller's redaction).
///
/// A missing or unhelpful type (`text/plain`, `application/octet-stream`, as static file servers
/// send) is settled by the body: a page starting with `{` is JSON, anything else HTML. Reading a
/// JSON body as HTML would find no links and report a project without releases, silently.
pub fn parse_page(
    body: &[u8],
    content_type: Option<&str>,
    url: &Url,
) -> Result<ProjectPage, PageError> {
    let format = match content_type.map(media_type) {
        Some(MediaType::Json) => PageFormat::Json,
        Some(MediaType::Html) => PageFormat::Html,
        Some(MediaType::Unsupported { format, version }) => {
            return Err(PageError {
                url: RedactedUrl::new(url).to_string(),
                format,
                line: None,
                column: None,
                message: format!(
                    "the index answered with simple API version {version}; expected version 1 \
                     (PEP 691)"
                ),
            });
        }
        Some(MediaType::Other) | None => sniff(body),
    };
    let error = |located: Located, text: &str| {
        let (line, column) = match located.offset {
            Some(offset) => {
                let (line, column) = tend_model::Location::line_of_offset(text, offset);
                (Some(line), Some(column))
            }
            None => (located.line, located.column),
        };
        PageError {
            url: RedactedUrl::new(url).to_string(),
            format,
            line,
            column,
            message: located.message,
        }
    };
    let text = match std::str::from_utf8(body) {
        Ok(text) => text,
        Err(utf8) => {
            let valid = utf8.valid_up_to();
            // Everything before `valid_up_to` is UTF-8 by its definition.
            let before =
                std::str::from_utf8(body.get(..valid).unwrap_or_default()).unwrap_or_default();
            let byte = body.get(valid).copied().unwrap_or_default();
            let located = Located::at(
                valid,
                format!("byte 0x{byte:02X} is not UTF-8; expected a UTF-8 page"),
            );
            return Err(error(located, before));
        }
    };
    // Editors on Windows start files with a byte-order mark; static indexes keep it.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let parsed = match format {
        PageFormat::Json => simple_json::parse(text, url),
        PageFormat::Html => simple_html::parse(text, url),
    };
    parsed.map_err(|located| error(located, text))
}

/// What a `Content-Type` says about the page's format.
enum MediaType {
    Json,
    Html,
    /// A simple API media type of a version other than 1.
    Unsupported {
        format: PageFormat,
        version: String,
    },
    Other,
}

fn media_type(content_type: &str) -> MediaType {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    match essence.as_str() {
        "application/json" => return MediaType::Json,
        "text/html" | "application/xhtml+xml" => return MediaType::Html,
        _ => {}
    }
    let Some(rest) = essence.strip_prefix("application/vnd.pypi.simple.") else {
        return MediaType::Other;
    };
    let (version, format) = if let Some(version) = rest.strip_suffix("+json") {
        (version, PageFormat::Json)
    } else if let Some(version) = rest.strip_suffix("+html") {
        (version, PageFormat::Html)
    } else {
        return MediaType::Other;
    };
    match version {
        // `latest` is for requests; a server answering with it still means the newest version
        // it knows, which is read like version 1 and checked against the page's own version.
        "v1" | "latest" => match format {
            PageFormat::Json => MediaType::Json,
            PageFormat::Html => MediaType::Html,
        },
        other => MediaType::Unsupported {
            format,
            version: other.trim_start_matches('v').to_owned(),
        },
    }
}

fn sniff(body: &[u8]) -> PageFormat {
    let body = body.strip_prefix("\u{feff}".as_bytes()).unwrap_or(body);
    match body.iter().find(|byte| !byte.is_ascii_whitespace()) {
        Some(b'{') => PageFormat::Json,
        _ => PageFormat::Html,
    }
}

/// The algorithm a `hashlib` name stands for, written as pip and PEP 503/691 write it (lower
/// case); `None` for algorithms [`HashAlgorithm`] does not know.
fn algorithm_named(name: &str) -> Option<HashAlgorithm> {
    Some(match name {
        "md5" => HashAlgorithm::Md5,
        "sha1" => HashAlgorithm::Sha1,
        "sha224" => HashAlgorithm::Sha224,
        "sha256" => HashAlgorithm::Sha256,
        "sha384" => HashAlgorithm::Sha384,
        "sha512" => HashAlgorithm::Sha512,
        "blake2b" => HashAlgorithm::Blake2b,
        _ => return None,
    })
}

/// Hex digits in a digest of `algorithm` (`hashlib.new(name).hexdigest()`).
fn digest_length(algorithm: HashAlgorithm) -> usize {
    match algorithm {
        HashAlgorithm::Md5 => 32,
        HashAlgorithm::Sha1 => 40,
        HashAlgorithm::Sha224 => 56,
        HashAlgorithm::Sha256 => 64,
        HashAlgorithm::Sha384 => 96,
        HashAlgorithm::Sha512 | HashAlgorithm::Blake2b => 128,
    }
}

/// A digest as an index writes it, or `None` when the algorithm is unknown or the digest is
/// not a hex digest of the algorithm's length (see the module docs for why that is skipped).
fn known_hash(name: &str, digest: &str) -> Option<Hash> {
    let algorithm = algorithm_named(name)?;
    let well_formed = digest.len() == digest_length(algorithm)
        && digest.bytes().all(|byte| byte.is_ascii_hexdigit());
    well_formed.then(|| Hash {
        algorithm,
        digest: digest.to_ascii_lowercase(),
    })
}

/// A file's hashes: those `listed` (PEP 691 `hashes`, in page order), then those of the URL's
/// fragment (PEP 503 `#sha256=…`), a later digest of an algorithm replacing an earlier one as
/// pip's `{**hashes, **hashes_from_link}` does. Ordered by algorithm.
fn file_hashes<'a>(
    listed: impl IntoIterator<Item = (&'a str, &'a str)>,
    url: &'a Url,
) -> Vec<Hash> {
    let fragment = url
        .fragment()
        .into_iter()
        .flat_map(|fragment| fragment.split('&'))
        .filter_map(|part| part.split_once('='));
    let mut hashes: Vec<Hash> = Vec::new();
    for (name, digest) in listed.into_iter().chain(fragment) {
        let Some(hash) = known_hash(name, digest) else {
            continue;
        };
        match hashes
            .iter_mut()
            .find(|known| known.algorithm == hash.algorithm)
        {
            Some(known) => *known = hash,
            None => hashes.push(hash),
        }
    }
    hashes.sort();
    hashes
}

/// An error inside a reader: where (a byte offset into the page's text, or a line and column
/// the JSON parser counted itself) and what was expected.
#[derive(Debug)]
struct Located {
    offset: Option<usize>,
    line: Option<usize>,
    column: Option<usize>,
    message: String,
}

impl Located {
    fn at(offset: usize, message: impl Into<String>) -> Self {
        Self {
            offset: Some(offset),
            line: None,
            column: None,
            message: message.into(),
        }
    }

    fn nowhere(message: impl Into<String>) -> Self {
        Self {
            offset: None,
            line: None,
            column: None,
            message: message.into(),
        }
    }
}

/// PEP 629: a client must refuse a page whose major API version it does not know. The minor
/// version only adds keys, which the readers ignore.
fn check_api_version(version: &str) -> Result<(), String> {
    let major = version.split('.').next().unwrap_or_default().trim();
    match major.parse::<u64>() {
        Ok(1) => Ok(()),
        Ok(_) => Err(format!(
            "API version {version} is not supported; expected a 1.x page (PEP 629)"
        )),
        Err(_) => Err(format!(
            "API version `{version}` is not a version; expected `major.minor` such as `1.1` \
             (PEP 629)"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page_url() -> Url {
        Url::parse("https://user:secret@index.example/simple/foo/").unwrap()
    }

    const SHA256: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    const MD5: &str = "098f6bcd4621d373cade4e832627b4f6";

    fn hashes_of(listed: &[(&str, &str)], url: &str) -> Vec<String> {
        file_hashes(listed.iter().copied(), &Url::parse(url).unwrap())
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn hashes_from_the_list_and_the_fragment() {
        let upper = SHA256.to_ascii_uppercase();
        assert_eq!(
            hashes_of(
                &[("sha256", &upper), ("md5", MD5)],
                "https://f.example/a.whl"
            ),
            [format!("md5:{MD5}"), format!("sha256:{SHA256}")]
        );
        assert_eq!(
            hashes_of(
                &[],
                &format!("https://f.example/a.whl#md5={MD5}&sha256={SHA256}")
            ),
            [format!("md5:{MD5}"), format!("sha256:{SHA256}")]
        );
        // The fragment wins for an algorithm named in both, as pip merges them.
        let other = "0".repeat(64);
        assert_eq!(
            hashes_of(
                &[("sha256", &other)],
                &format!("https://f.example/a.whl#sha256={SHA256}")
            ),
            [format!("sha256:{SHA256}")]
        );
    }

    #[test]
    fn unknown_algorithms_bad_digests_and_other_fragments_are_skipped() {
        for (listed, url) in [
            (
                vec![("sha3_256", SHA256)],
                "https://f.example/a.whl".to_owned(),
            ),
            (
                vec![("SHA256", SHA256)],
                "https://f.example/a.whl".to_owned(),
            ),
            (vec![("sha256", "zz")], "https://f.example/a.whl".to_owned()),
            (
                vec![("sha256", &SHA256[1..])],
                "https://f.example/a.whl".to_owned(),
            ),
            (
                vec![("sha256", "")],
                "https://f.example/a.whl#egg=foo".to_owned(),
            ),
            (vec![], "https://f.example/a.whl#main".to_owned()),
            (vec![], format!("https://f.example/a.whl#blake2s={SHA256}")),
            (vec![], format!("https://f.example/a.whl?sha256={SHA256}")),
        ] {
            assert_eq!(
                hashes_of(&listed, &url),
                Vec::<String>::new(),
                "{listed:?} {url}"
            );
        }
        // A hash beside a fragment part that is not one is still read.
        assert_eq!(
            hashes_of(
                &[],
                &format!("https://f.example/a.zip#egg=foo&sha256={SHA256}")
            ),
            [format!("sha256:{SHA256}")]
        );
    }

    #[test]
    fn content_types_choose_the_format() {
        let json = br#"{"meta": {"api-version": "1.0"}, "name": "foo", "files": []}"#;
        for content_type in [
            "application/vnd.pypi.simple.v1+json",
            "application/vnd.pypi.simple.latest+json",
            "application/json; charset=utf-8",
            "Application/Vnd.PyPI.Simple.V1+JSON",
        ] {
            let page = parse_page(json, Some(content_type), &page_url()).unwrap();
            assert_eq!(page.api_version.as_deref(), Some("1.0"), "{content_type}");
        }
        let html = b"<meta name='pypi:repository-version' content='1.0'>";
        for content_type in [
            "application/vnd.pypi.simple.v1+html",
            "text/html",
            "text/html; charset=utf-8",
        ] {
            let page = parse_page(html, Some(content_type), &page_url()).unwrap();
            assert_eq!(page.api_version.as_deref(), Some("1.0"), "{content_type}");
        }
    }

    #[test]
    fn a_missing_or_unhelpful_type_is_settled_by_the_body() {
        let json = b"\n  {\"meta\": {\"api-version\": \"1.1\"}, \"files\": []}";
        let html = b"<!DOCTYPE html><meta name='pypi:repository-version' content='1.1'>";
        for content_type in [None, Some("text/plain"), Some("application/octet-stream")] {
            assert_eq!(
                parse_page(json, content_type, &page_url())
                    .unwrap()
                    .api_version
                    .as_deref(),
                Some("1.1")
            );
            assert_eq!(
                parse_page(html, content_type, &page_url())
                    .unwrap()
                    .api_version
                    .as_deref(),
                Some("1.1")
            );
        }
    }

    #[test]
    fn an_answer_in_another_api_version_is_refused() {
        let error = parse_page(
            b"{}",
            Some("application/vnd.pypi.simple.v2+json"),
            &page_url(),
        )
        .unwrap_err();
        assert_eq!(error.format, PageFormat::Json);
        assert_eq!(
            error.to_string(),
            "https://user:****@index.example/simple/foo/: JSON page: the index answered with \
             simple API version 2; expected version 1 (PEP 691)"
        );
    }

    #[test]
    fn api_versions() {
        assert!(check_api_version("1.0").is_ok());
        assert!(check_api_version("1.4").is_ok());
        assert!(check_api_version("1").is_ok());
        assert!(check_api_version("2.0").is_err());
        assert!(check_api_version("0.9").is_err());
        assert!(check_api_version("").is_err());
        assert!(check_api_version("one").is_err());
    }

    #[test]
    fn errors_hide_credentials_and_say_where() {
        let error =
            parse_page(b"{\n  \"files\": [\n    oops\n  ]\n}", None, &page_url()).unwrap_err();
        assert_eq!(error.url, "https://user:****@index.example/simple/foo/");
        assert_eq!((error.line, error.column), (Some(3), Some(5)));
        assert!(!error.to_string().contains("secret"));
    }

    #[test]
    fn invalid_utf8_is_an_error_with_its_line() {
        let error = parse_page(
            b"<html>\n<a href='x'>caf\xe9-1.0.tar.gz</a>",
            Some("text/html"),
            &page_url(),
        )
        .unwrap_err();
        assert_eq!((error.line, error.column), (Some(2), Some(16)));
        assert!(error.message.contains("0xE9"), "{}", error.message);
    }

    #[test]
    fn a_byte_order_mark_is_skipped() {
        let page = parse_page(
            b"\xef\xbb\xbf{\"meta\": {\"api-version\": \"1.0\"}, \"files\": []}",
            None,
            &page_url(),
        )
        .unwrap();
        assert_eq!(page.api_version.as_deref(), Some("1.0"));
    }
}
