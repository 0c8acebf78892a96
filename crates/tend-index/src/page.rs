//! Project pages of the simple repository API: PEP 691 JSON and PEP 503 HTML.
//! OWNER: helper "index-parsing".

use jiff::Timestamp;
use url::Url;

/// The format a page was written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageFormat {
    /// `application/vnd.pypi.simple.v1+json` (PEP 691).
    Json,
    /// `application/vnd.pypi.simple.v1+html` or `text/html` (PEP 503).
    Html,
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
#[error("{url}: {message}")]
pub struct PageError {
    /// The page's URL, credentials removed.
    pub url: String,
    pub format: PageFormat,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub message: String,
}

/// Parses a page. The format comes from `content_type` (`application/vnd.pypi.simple.v1+json`
/// and `application/json` are JSON; `…+html`, `text/html` and a missing type are HTML); a major
/// API version other than 1 is an error, as PEP 629 asks. `url` resolves relative links and
/// names the page in errors (credentials removed by the caller's redaction).
pub fn parse_page(
    body: &[u8],
    content_type: Option<&str>,
    url: &Url,
) -> Result<ProjectPage, PageError> {
    let _ = (body, content_type, url);
    unimplemented!("index-parsing helper")
}
