//! [`IndexClient`]: project pages from every index, many projects at once.
//! OWNER: helper "index-client".

use jiff::Timestamp;
use pep508_rs::PackageName;
use tend_http::HttpClient;

use crate::page::ProjectPage;
use crate::settings::IndexUrl;

/// What one index said about one project.
#[derive(Debug, Clone)]
pub enum PageAnswer {
    /// The page, and when its bytes were received from the index (or confirmed by a 304).
    Found {
        page: ProjectPage,
        from_cache: bool,
        stored_at: Timestamp,
    },
    /// 404 (or 410): the index does not know the project.
    NotFound,
    /// `--offline` and no cached page.
    NotCached,
    /// Anything else after the retries: an HTTP status, a network error, a page that could not
    /// be parsed. The message names the URL without credentials.
    Failed { message: String },
}

/// Every index's answer about one project, in the order of the settings.
#[derive(Debug, Clone)]
pub struct ProjectAnswer {
    pub name: PackageName,
    /// `(redacted index URL, answer)` per index.
    pub answers: Vec<(String, PageAnswer)>,
}

/// Asks the configured indexes for project pages: PEP 691 JSON preferred by content
/// negotiation, PEP 503 HTML accepted; `file://` indexes read from disk (`<dir>/<name>/`
/// holding `index.json` or `index.html`).
#[derive(Debug, Clone)]
pub struct IndexClient {
    http: HttpClient,
    indexes: Vec<IndexUrl>,
}

impl IndexClient {
    pub fn new(http: HttpClient, indexes: Vec<IndexUrl>) -> Self {
        Self { http, indexes }
    }

    pub fn indexes(&self) -> &[IndexUrl] {
        &self.indexes
    }

    /// One project from every index.
    pub async fn project(&self, name: &PackageName) -> ProjectAnswer {
        let _ = (&self.http, name);
        unimplemented!("index-client helper")
    }

    /// Many projects at once (the HTTP client bounds requests in flight); `progress` is
    /// called with the number done after each project. Answers in the order of `names`.
    pub async fn projects(
        &self,
        names: &[PackageName],
        progress: &(dyn Fn(usize) + Sync),
    ) -> Vec<ProjectAnswer> {
        let _ = (names, progress);
        unimplemented!("index-client helper")
    }
}
