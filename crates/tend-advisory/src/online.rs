//! The network side of the advisories: the two online sources an audit may use instead of the
//! local database, and the download that keeps the local database current.
//!
//! - [`fetch_osv`]: the OSV API (`POST /v1/querybatch`, then `GET /v1/vulns/{id}` for each
//!   record listed), at any endpoint that speaks it (`--osv-url`).
//! - [`fetch_pypi`]: PyPI's per-release JSON (`GET /pypi/{name}/{version}/json`, field
//!   `vulnerabilities`), at any index that serves it (`--pypi-url`).
//! - [`update_from_url`]: `tend db update --source URL`, a conditional download of an OSV zip
//!   archive installed into the [`Database`](crate::Database) only once checked whole.
//!
//! The online sources answer for exact versions ([`Query`]). They never turn a failure into
//! "no advisories": a package whose answer did not arrive or could not be read goes into
//! [`AdvisoryData::unreachable`](crate::AdvisoryData) with the reason, and the audit lists it
//! as not audited. Every request goes through the caller's [`HttpClient`](tend_http::HttpClient):
//! its disk cache makes a re-run cheap and serves `--offline`, its in-flight bound limits the
//! load on the server, and its retries absorb a flaky connection.

mod download;
mod osv_api;
mod pypi_json;

use std::collections::BTreeSet;

use tend_http::Url;
use tend_model::{AuditTarget, DistVersion, PackageName};

pub use download::{update_from_url, DownloadError, DownloadOutcome};
pub use osv_api::fetch_osv;
pub use pypi_json::fetch_pypi;

/// One question to an online source: the advisories affecting this exact version.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Query {
    pub name: PackageName,
    pub version: DistVersion,
}

impl Query {
    pub fn new(name: PackageName, version: DistVersion) -> Self {
        Self { name, version }
    }

    /// The distinct name and version pairs of `targets`, sorted: a version installed and
    /// pinned is asked about once, and sorted requests hit the cache on a re-run.
    pub fn from_targets(targets: &[AuditTarget]) -> Vec<Self> {
        let queries: BTreeSet<Self> = targets
            .iter()
            .map(|target| Self::new(target.name.clone(), target.version.clone()))
            .collect();
        queries.into_iter().collect()
    }
}

/// `base` with `segments` appended to its path (each percent-encoded as needed), its query and
/// fragment dropped; `None` for a URL that cannot have a path (`mailto:`, `data:`).
fn endpoint(base: &Url, segments: &[&str]) -> Option<Url> {
    let mut url = base.clone();
    url.set_query(None);
    url.set_fragment(None);
    url.path_segments_mut()
        .ok()?
        .pop_if_empty()
        .extend(segments);
    Some(url)
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;

    #[test]
    fn endpoint_appends_segments_to_any_base() {
        let join = |base: &str, segments: &[&str]| {
            endpoint(&Url::parse(base).unwrap(), segments)
                .unwrap()
                .to_string()
        };
        assert_eq!(
            join("https://api.example", &["v1", "querybatch"]),
            "https://api.example/v1/querybatch"
        );
        assert_eq!(
            join(
                "http://127.0.0.1:8080/osv/?x=1#top",
                &["v1", "vulns", "PYSEC-1"]
            ),
            "http://127.0.0.1:8080/osv/v1/vulns/PYSEC-1"
        );
        // A segment cannot climb out of its place.
        assert_eq!(
            join(
                "https://index.example/mirror",
                &["pypi", "a/../b", "1.0+local", "json"]
            ),
            "https://index.example/mirror/pypi/a%2F..%2Fb/1.0+local/json"
        );
        assert!(endpoint(&Url::parse("mailto:someone@example.org").unwrap(), &["x"]).is_none());
    }

    #[test]
    fn queries_are_distinct_and_sorted() {
        let target = |name: &str, version: &str| AuditTarget {
            name: PackageName::from_str(name).unwrap(),
            version: DistVersion::parse(version),
            origin: tend_model::TargetOrigin::Installed,
        };
        let queries = Query::from_targets(&[
            target("Beta", "2.0"),
            target("alpha", "1.0"),
            target("beta", "2.0"),
            target("beta", "1.0"),
        ]);
        let text: Vec<String> = queries
            .iter()
            .map(|query| format!("{} {}", query.name, query.version))
            .collect();
        assert_eq!(text, ["alpha 1.0", "beta 1.0", "beta 2.0"]);
    }
}
