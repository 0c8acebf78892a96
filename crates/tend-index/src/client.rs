//! [`IndexClient`]: project pages from every index, many projects at once.
//! OWNER: helper "index-client".
//!
//! This module owns the conversation with an index: which URL a project's page lives at, the
//! PEP 691 content negotiation, and what each outcome means for `tend outdated` (a page, an
//! index that does not know the project, nothing cached in offline mode, or a failure whose
//! message names the URL without its credentials). Retries, the bound on requests in flight
//! and the disk cache are `tend-http`'s; parsing is [`crate::page`]'s.
//!
//! `file://` indexes are directories laid out like the simple API (`<dir>/<name>/index.json`
//! or `index.html`), so that examples and air-gapped mirrors need no server.
//!
//! [`IndexClient::release_hashes`] asks the same indexes for the hashes of one release's files
//! (for `--hash` pins); [`crate::hashes`] says what it returns and how it is cached.

use std::fmt;
use std::io::Read as _;
use std::path::Path;
use std::time::Duration;

use futures_util::future::join_all;
use futures_util::stream::{self, StreamExt};
use jiff::Timestamp;
use pep440_rs::Version;
use pep508_rs::PackageName;
use tend_http::{GetOptions, HttpClient, HttpError, RedactedUrl, StatusCode, Transform, Url};

use crate::compact;
use crate::hashes::{self, IndexFiles, ReleaseHashes, ReleaseHashesError};
use crate::page::parse_page;
use crate::release::{releases, Release};
use crate::settings::IndexUrl;

/// PEP 691 negotiation: JSON preferred, the HTML variant of the same API next, and plain
/// PEP 503 HTML from servers that know nothing of PEP 691.
const ACCEPT: &str = "application/vnd.pypi.simple.v1+json, \
                      application/vnd.pypi.simple.v1+html;q=0.2, \
                      text/html;q=0.01";

/// The content type a local `index.json` is read as.
const JSON_CONTENT_TYPE: &str = "application/vnd.pypi.simple.v1+json";

/// How long a page whose answer says nothing about caching (no `max-age`, no `Expires`) is
/// served from the cache without asking again: the lifetime the public index gives its own
/// pages, which proxies and mirrors in front of it sometimes strip. Explicit rules (`max-age`,
/// `no-cache`) always win, and `--refresh` asks again whatever the age.
pub const DEFAULT_PAGE_LIFETIME: Duration = Duration::from_secs(600);

/// Projects asked about at once. Well above the HTTP client's bound on requests in flight, so
/// projects answered from the cache are not kept waiting behind those on the network; the
/// bound here only keeps a run over thousands of names from starting them all at once.
const PROJECTS_AT_ONCE: usize = 256;

/// What one index said about one project.
#[derive(Debug, Clone)]
pub enum PageAnswer {
    /// The page, and when its bytes were received from the index (or confirmed by a 304).
    Found {
        /// The page's files of the project, grouped into releases.
        releases: Vec<Release>,
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
#[derive(Clone)]
pub struct IndexClient {
    http: HttpClient,
    indexes: Vec<IndexUrl>,
    page_lifetime: Option<Duration>,
}

impl fmt::Debug for IndexClient {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Written by hand: the derived form would print each index URL, password included
        // (and the HTTP client's options, which may hold a proxy URL with credentials).
        let indexes: Vec<String> = self.indexes.iter().map(IndexUrl::redacted).collect();
        formatter
            .debug_struct("IndexClient")
            .field("indexes", &indexes)
            .field("page_lifetime", &self.page_lifetime)
            .finish_non_exhaustive()
    }
}

impl IndexClient {
    /// A client asking `indexes` through `http`, whose options decide the cache directory,
    /// the cache mode (normal, `--refresh`, `--offline`), retries and the in-flight bound.
    /// Pages without caching rules stay fresh for [`DEFAULT_PAGE_LIFETIME`].
    pub fn new(http: HttpClient, indexes: Vec<IndexUrl>) -> Self {
        Self {
            http,
            indexes,
            page_lifetime: Some(DEFAULT_PAGE_LIFETIME),
        }
    }

    /// How long a page whose answer gives no `max-age` or `Expires` is served from the cache
    /// without a request; `None` revalidates such pages on every run.
    #[must_use]
    pub fn page_lifetime(mut self, lifetime: Option<Duration>) -> Self {
        self.page_lifetime = lifetime;
        self
    }

    pub fn indexes(&self) -> &[IndexUrl] {
        &self.indexes
    }

    /// One project from every index.
    ///
    /// Every index is asked, even once one has the project: pip merges the files of all its
    /// indexes, so the comparison needs every answer (and an extra index that shadows a
    /// private name is worth seeing).
    pub async fn project(&self, name: &PackageName) -> ProjectAnswer {
        let answers = join_all(
            self.indexes
                .iter()
                .map(|index| async move { (index.redacted(), self.ask(index, name).await) }),
        )
        .await;
        ProjectAnswer {
            name: name.clone(),
            answers,
        }
    }

    /// Many projects at once (the HTTP client bounds requests in flight); `progress` is
    /// called with the number done after each project. Answers in the order of `names`.
    pub async fn projects(
        &self,
        names: &[PackageName],
        progress: &(dyn Fn(usize) + Sync),
    ) -> Vec<ProjectAnswer> {
        let mut answers: Vec<Option<ProjectAnswer>> = vec![None; names.len()];
        let mut done = 0;
        // The first project goes alone. Started together, every request would open its own
        // connection (with its own DNS lookup and TLS handshake) before any could learn that
        // the server speaks HTTP/2; after one answer, the rest share that connection. Costs
        // one round trip; a cache hit costs nothing.
        let Some((first, rest)) = names.split_first() else {
            return Vec::new();
        };
        answers[0] = Some(self.project(first).await);
        done += 1;
        progress(done);
        let mut pending = stream::iter(rest.iter().enumerate())
            .map(|(position, name)| async move { (position + 1, self.project(name).await) })
            .buffer_unordered(PROJECTS_AT_ONCE);
        while let Some((position, answer)) = pending.next().await {
            answers[position] = Some(answer);
            done += 1;
            progress(done);
        }
        // The stream yields once per name, so every slot is filled; `flatten` keeps that
        // from being a panic path.
        answers.into_iter().flatten().collect()
    }

    /// The hashes of every wheel and sdist of exactly `version` of `name`, from every index
    /// (see [`crate::hashes`]): each file with its digests, sha256 preferred for `--hash`
    /// lines, files without a usable digest reported. Each index's page is read through its
    /// own cache entry (the outdated check's compact one has no hashes), under the client's
    /// cache mode.
    ///
    /// # Errors
    ///
    /// [`ReleaseHashesError::IndexFailed`] when an index could not be read (or, offline, has no
    /// cached page), since the files could then be incomplete;
    /// [`ReleaseHashesError::VersionNotFound`] when no index lists a file of the version.
    pub async fn release_hashes(
        &self,
        name: &PackageName,
        version: &Version,
    ) -> Result<ReleaseHashes, ReleaseHashesError> {
        let answers = join_all(
            self.indexes
                .iter()
                .map(|index| async move { (index.redacted(), self.ask_files(index, name).await) }),
        )
        .await;
        hashes::merge(name, version, answers)
    }

    async fn ask_files(&self, index: &IndexUrl, name: &PackageName) -> IndexFiles {
        match index.url.scheme() {
            "http" | "https" => self.ask_server_files(&index.url, name).await,
            "file" => self.ask_directory_files(&index.url, name).await,
            scheme => IndexFiles::Failed(unsupported_scheme(index, scheme)),
        }
    }

    /// `GET <index>/<name>/`, through a cache entry of its own holding the files' hashes.
    async fn ask_server_files(&self, index: &Url, name: &PackageName) -> IndexFiles {
        let url = match project_url(index, name) {
            Ok(url) => url,
            Err(message) => return IndexFiles::Failed(message),
        };
        let page_url = without_userinfo(&url);
        let project = name.clone();
        let transform = Transform::new(hashes::FORMAT, move |body, headers| {
            let content_type = headers.get("content-type").map(String::as_str);
            let page = parse_page(body, content_type, &page_url).map_err(|error| error.detail())?;
            Ok(hashes::encode(&page, &project))
        });
        let mut options = GetOptions::default().accept(ACCEPT).transform(transform);
        if let Some(lifetime) = self.page_lifetime {
            options = options.heuristic_freshness(lifetime);
        }
        let response = match self.http.get_with(&url, &options).await {
            Ok(response) => response,
            Err(error) => {
                return match answer_to_error(&error, &url) {
                    PageAnswer::NotFound => IndexFiles::NotFound,
                    PageAnswer::NotCached => IndexFiles::Failed(format!(
                        "{}; the files' hashes are cached apart from the releases `tend \
                         outdated` keeps, once looked up online",
                        error.with_causes()
                    )),
                    PageAnswer::Failed { message } => IndexFiles::Failed(message),
                    // `answer_to_error` makes no pages.
                    PageAnswer::Found { .. } => IndexFiles::Failed(error.with_causes()),
                };
            }
        };
        if response.status != StatusCode::OK {
            return IndexFiles::Failed(format!(
                "{} answered {}; expected 200 with a project page",
                response.url, response.status
            ));
        }
        match hashes::decode(&response.body, name) {
            Ok(files) => IndexFiles::Found(files),
            Err(message) => IndexFiles::Failed(format!("{}: {message}", response.url)),
        }
    }

    /// The page of a local directory index, read as [`Self::ask_directory`] reads it.
    async fn ask_directory_files(&self, index: &Url, name: &PackageName) -> IndexFiles {
        let Ok(root) = index.to_file_path() else {
            return IndexFiles::Failed(format!(
                "{}: not a local directory path",
                RedactedUrl::new(index)
            ));
        };
        let project = name.clone();
        let read = tokio::task::spawn_blocking(move || match read_directory(&root, &project) {
            DirectoryPage::Page {
                url,
                body,
                content_type,
                ..
            } => match parse_page(&body, Some(content_type), &url) {
                Ok(page) => IndexFiles::Found(hashes::listed_files(&page, &project)),
                Err(error) => IndexFiles::Failed(error.to_string()),
            },
            DirectoryPage::NotFound => IndexFiles::NotFound,
            DirectoryPage::Failed(message) => IndexFiles::Failed(message),
        });
        read.await.unwrap_or_else(|error| {
            IndexFiles::Failed(format!(
                "reading the local index {} failed: {error}",
                RedactedUrl::new(index)
            ))
        })
    }

    async fn ask(&self, index: &IndexUrl, name: &PackageName) -> PageAnswer {
        match index.url.scheme() {
            "http" | "https" => self.ask_server(&index.url, name).await,
            "file" => self.ask_directory(&index.url, name).await,
            scheme => PageAnswer::Failed {
                message: unsupported_scheme(index, scheme),
            },
        }
    }

    /// `GET <index>/<name>/`, through the cache.
    async fn ask_server(&self, index: &Url, name: &PackageName) -> PageAnswer {
        let url = match project_url(index, name) {
            Ok(url) => url,
            Err(message) => return PageAnswer::Failed { message },
        };
        let page_url = without_userinfo(&url);
        let project = name.clone();
        // The cache keeps the releases, not the page: a large project's page is megabytes that
        // a cache hit would otherwise read, hash and parse again (see `compact`).
        let transform = Transform::new(compact::FORMAT, move |body, headers| {
            let content_type = headers.get("content-type").map(String::as_str);
            let page = parse_page(body, content_type, &page_url).map_err(|error| error.detail())?;
            Ok(compact::encode(&releases(&page, &project)))
        });
        let mut options = GetOptions::default().accept(ACCEPT).transform(transform);
        if let Some(lifetime) = self.page_lifetime {
            options = options.heuristic_freshness(lifetime);
        }
        let response = match self.http.get_with(&url, &options).await {
            Ok(response) => response,
            Err(error) => return answer_to_error(&error, &url),
        };
        if response.status != StatusCode::OK {
            // Another success (204, 203…) holds no page we know how to read.
            return PageAnswer::Failed {
                message: format!(
                    "{} answered {}; expected 200 with a project page",
                    response.url, response.status
                ),
            };
        }
        match compact::decode(&response.body) {
            Ok(releases) => PageAnswer::Found {
                releases,
                from_cache: response.from_cache,
                stored_at: response.stored_at,
            },
            Err(message) => PageAnswer::Failed {
                message: format!("{}: {message}", response.url),
            },
        }
    }

    /// `<dir>/<name>/index.json`, else `index.html`; no `<dir>/<name>` is a project the index
    /// does not know.
    async fn ask_directory(&self, index: &Url, name: &PackageName) -> PageAnswer {
        let Ok(root) = index.to_file_path() else {
            return PageAnswer::Failed {
                message: format!("{}: not a local directory path", RedactedUrl::new(index)),
            };
        };
        let name = name.clone();
        // A file's modification time should always be there; if a platform gives none, the
        // page counts as read now.
        let now = self.http.options().clock.now();
        tokio::task::spawn_blocking(move || read_directory_page(&root, &name, now))
            .await
            .unwrap_or_else(|error| PageAnswer::Failed {
                message: format!(
                    "reading the local index {} failed: {error}",
                    RedactedUrl::new(index)
                ),
            })
    }
}

fn unsupported_scheme(index: &IndexUrl, scheme: &str) -> String {
    format!(
        "{}: the scheme `{scheme}` is not supported; expected an `https`, `http` or `file` index \
         URL",
        index.redacted()
    )
}

/// `<index>/<name>/`. Index URLs end in `/` by the settings' rules; one that does not is
/// treated as if it did rather than losing its last segment to the join.
fn project_url(index: &Url, name: &PackageName) -> Result<Url, String> {
    let mut base = index.clone();
    if !base.path().ends_with('/') {
        let path = format!("{}/", base.path());
        base.set_path(&path);
    }
    base.join(&format!("{name}/")).map_err(|error| {
        format!(
            "{}: cannot form the URL of project `{name}`: {error}",
            RedactedUrl::new(index)
        )
    })
}

/// The page's URL as links are resolved against it and errors show it: no credentials at all,
/// so none end up in the files' URLs either.
fn without_userinfo(url: &Url) -> Url {
    let mut bare = url.clone();
    // Both fail only for URLs without a host, which carry no userinfo.
    let _ = bare.set_username("");
    let _ = bare.set_password(None);
    bare
}

fn answer_to_error(error: &HttpError, url: &Url) -> PageAnswer {
    match error {
        HttpError::Status { status, .. }
            if *status == StatusCode::NOT_FOUND || *status == StatusCode::GONE =>
        {
            PageAnswer::NotFound
        }
        HttpError::Offline { .. } => PageAnswer::NotCached,
        HttpError::Status { status, .. }
            if *status == StatusCode::UNAUTHORIZED || *status == StatusCode::FORBIDDEN =>
        {
            let hint = if url.username().is_empty() && url.password().is_none() {
                "the index wants credentials: give them in the index URL or in .netrc"
            } else {
                "the credentials given for this index were refused"
            };
            PageAnswer::Failed {
                message: format!("{}; {hint}", error.with_causes()),
            }
        }
        _ => PageAnswer::Failed {
            message: error.with_causes(),
        },
    }
}

fn read_directory_page(root: &Path, name: &PackageName, now: Timestamp) -> PageAnswer {
    match read_directory(root, name) {
        DirectoryPage::Page {
            url,
            body,
            content_type,
            modified,
        } => page_from_file(&url, name, &body, content_type, modified.unwrap_or(now)),
        DirectoryPage::NotFound => PageAnswer::NotFound,
        DirectoryPage::Failed(message) => PageAnswer::Failed { message },
    }
}

/// A project's page in a local directory index, unparsed.
enum DirectoryPage {
    Page {
        /// The file's URL, which relative links resolve against.
        url: Url,
        body: Vec<u8>,
        content_type: &'static str,
        modified: Option<Timestamp>,
    },
    NotFound,
    Failed(String),
}

/// `<root>/<name>/index.json`, else `index.html`; no `<root>/<name>` is a project the index
/// does not know.
fn read_directory(root: &Path, name: &PackageName) -> DirectoryPage {
    if !root.is_dir() {
        // Every project would come out "not found" (a finding of its own), which would blame
        // the packages for a mistake in the settings.
        return DirectoryPage::Failed(format!(
            "the local index directory {} does not exist",
            root.display()
        ));
    }
    let project = root.join(name.as_ref());
    for (file_name, content_type) in [
        ("index.json", JSON_CONTENT_TYPE),
        ("index.html", "text/html"),
    ] {
        let path = project.join(file_name);
        match read_file(&path) {
            Ok(Some((body, modified))) => {
                let Ok(url) = Url::from_file_path(&path) else {
                    return DirectoryPage::Failed(format!(
                        "{}: not an absolute path",
                        path.display()
                    ));
                };
                return DirectoryPage::Page {
                    url,
                    body,
                    content_type,
                    modified,
                };
            }
            Ok(None) => {}
            Err(error) => return DirectoryPage::Failed(error.to_string()),
        }
    }
    if project.is_dir() {
        DirectoryPage::Failed(format!(
            "{} holds neither index.json nor index.html",
            project.display()
        ))
    } else {
        DirectoryPage::NotFound
    }
}

/// The file's bytes and modification time, or `None` when there is no such file.
fn read_file(path: &Path) -> std::io::Result<Option<(Vec<u8>, Option<Timestamp>)>> {
    let mut file = match fs_err::File::open(path) {
        Ok(file) => file,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(error) => return Err(error),
    };
    let modified = file
        .metadata()
        .ok()
        .and_then(|metadata| metadata.modified().ok())
        .and_then(|time| Timestamp::try_from(time).ok());
    let mut body = Vec::new();
    file.read_to_end(&mut body)?;
    Ok(Some((body, modified)))
}

fn page_from_file(
    url: &Url,
    name: &PackageName,
    body: &[u8],
    content_type: &str,
    modified: Timestamp,
) -> PageAnswer {
    match parse_page(body, Some(content_type), url) {
        Ok(page) => PageAnswer::Found {
            releases: releases(&page, name),
            from_cache: false,
            stored_at: modified,
        },
        Err(error) => PageAnswer::Failed {
            message: error.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(text: &str) -> PackageName {
        PackageName::new(text.to_string()).unwrap()
    }

    #[test]
    fn project_url_appends_the_normalised_name() {
        let join = |index: &str, project: &str| {
            project_url(&Url::parse(index).unwrap(), &name(project))
                .unwrap()
                .to_string()
        };
        assert_eq!(
            join("https://host/simple/", "Zope.Interface"),
            "https://host/simple/zope-interface/"
        );
        assert_eq!(
            join("https://host/simple", "flask"),
            "https://host/simple/flask/"
        );
        assert_eq!(
            join("https://u:p@host/a/b/?x=1", "flask"),
            "https://u:p@host/a/b/flask/"
        );
    }

    #[test]
    fn page_url_loses_its_credentials() {
        let url = Url::parse("https://alice:s3cret@host/simple/flask/").unwrap();
        assert_eq!(
            without_userinfo(&url).as_str(),
            "https://host/simple/flask/"
        );
    }
}
