//! PyPI's per-release JSON as an advisory source (pip-audit's default): for each exact version,
//! `GET {base}/pypi/{name}/{version}/json` and its `vulnerabilities` list.
//!
//! Each entry (`id`, `aliases`, `summary`, `details`, `fixed_in`, `link`, `withdrawn`) becomes
//! an [`Advisory`] whose `affected` entry says exactly what PyPI said and nothing more:
//!
//! - the queried version is listed in `versions`, and one `ECOSYSTEM` range reads
//!   `introduced: V, last_affected: V, fixed: F`, where `F` is the smallest `fixed_in` above
//!   `V`. The range covers `V` alone, so the same package audited at another version is not
//!   judged by this answer, and the fix comes out as `F`, as for any record. Without a
//!   `fixed_in` above `V` there is no fix; a version that is not PEP 440 gets the list only.
//! - The severity is unknown: the answer carries no vector or rating.
//! - `modified` is when PyPI gave the answer (the response's time by the client's clock, so
//!   the time it was stored when it came from the cache). PyPI gives no modification time, and
//!   this makes the report's "newest record" the age of the answers, which is what a stale
//!   cache should show. `published` is left unknown.
//! - An id seen for several versions or packages is one advisory with one entry per version.
//!
//! A 404 means the index does not have that release (a private package, or a version never
//! uploaded there): the package is reported as not audited rather than clean. An answer without
//! a `vulnerabilities` field (an index that mirrors the JSON API without it) is treated the
//! same way, as is any entry whose id is not an advisory id.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use futures_util::stream::{self, StreamExt};
use jiff::Timestamp;
use serde::Deserialize;
use tend_http::{HttpClient, HttpError, RedactedUrl, StatusCode, Url};
use tend_model::{
    AdvisoryId, AdvisorySeverity, AdvisorySourceInfo, AdvisorySourceKind, Code, Diagnostic,
    DistVersion, PackageName, Severity,
};

use super::{endpoint, Query};
use crate::{Advisory, AdvisoryData, Affected, Bound, Event, Range};

/// Releases asked about at once; the client's in-flight bound limits the requests actually on
/// the network.
const RELEASES_AT_ONCE: usize = 64;

#[derive(Deserialize)]
struct Release {
    /// Absent from an index that does not publish vulnerabilities: unknown, not empty.
    #[serde(default)]
    vulnerabilities: Option<Vec<Vulnerability>>,
}

#[derive(Deserialize)]
struct Vulnerability {
    id: String,
    #[serde(default)]
    aliases: Option<Vec<String>>,
    #[serde(default)]
    summary: Option<String>,
    #[serde(default)]
    details: Option<String>,
    #[serde(default)]
    fixed_in: Option<Vec<String>>,
    #[serde(default)]
    link: Option<String>,
    #[serde(default)]
    withdrawn: Option<String>,
}

/// One release's answer, read.
struct Answer {
    vulnerabilities: Vec<Vulnerability>,
    received: Timestamp,
}

/// The advisories affecting each of `queries` according to the JSON API at `base` (for
/// example `https://pypi.org`). Never fails as a whole: what could not be answered is in
/// [`AdvisoryData::unreachable`].
pub async fn fetch_pypi(client: &HttpClient, base: &Url, queries: &[Query]) -> AdvisoryData {
    let location = RedactedUrl::new(base).to_string();
    let answers: Vec<(&Query, Result<Answer, String>)> = stream::iter(queries)
        .map(|query| {
            let location = location.as_str();
            async move { (query, fetch_release(client, base, location, query).await) }
        })
        .buffer_unordered(RELEASES_AT_ONCE)
        .collect()
        .await;

    let mut unreachable: BTreeMap<PackageName, String> = BTreeMap::new();
    let mut diagnostics = Vec::new();
    let mut advisories: BTreeMap<String, Advisory> = BTreeMap::new();
    let mut listed_for: BTreeMap<String, BTreeSet<PackageName>> = BTreeMap::new();
    let mut received: Option<Timestamp> = None;
    let mut answers = answers;
    answers.sort_by(|a, b| a.0.cmp(b.0));
    for (query, answer) in answers {
        let answer = match answer {
            Ok(answer) => answer,
            Err(message) => {
                unreachable.entry(query.name.clone()).or_insert(message);
                continue;
            }
        };
        received = Some(received.map_or(answer.received, |time| time.min(answer.received)));
        for vulnerability in answer.vulnerabilities {
            let Ok(id) = AdvisoryId::new(&vulnerability.id) else {
                unreachable.entry(query.name.clone()).or_insert_with(|| {
                    format!(
                        "{location} lists a vulnerability with an invalid id `{}` for {} {}",
                        vulnerability.id, query.name, query.version
                    )
                });
                continue;
            };
            let affected = affected_entry(query, vulnerability.fixed_in.as_deref());
            listed_for
                .entry(id.to_string())
                .or_default()
                .insert(query.name.clone());
            if let Some(known) = advisories.get_mut(id.as_str()) {
                known.modified = known.modified.max(answer.received);
                known.affected.push(affected);
            } else {
                let advisory = advisory(
                    id,
                    vulnerability,
                    affected,
                    answer.received,
                    &mut diagnostics,
                    query,
                );
                advisories.insert(advisory.id.to_string(), advisory);
            }
        }
    }

    let records = advisories.len();
    let newest_modified = advisories.values().map(|advisory| advisory.modified).max();
    let mut by_package: BTreeMap<PackageName, Vec<Arc<Advisory>>> = BTreeMap::new();
    for (id, advisory) in advisories {
        let advisory = Arc::new(advisory);
        for name in listed_for.remove(&id).unwrap_or_default() {
            by_package
                .entry(name)
                .or_default()
                .push(Arc::clone(&advisory));
        }
    }
    // A package the source could not fully answer for is not audited at all: a partial answer
    // would look like a complete one.
    by_package.retain(|name, _| !unreachable.contains_key(name));

    AdvisoryData {
        advisories: by_package,
        unreachable,
        sources: vec![AdvisorySourceInfo {
            kind: AdvisorySourceKind::PypiJson,
            location,
            records,
            newest_modified,
            updated: received,
        }],
        diagnostics,
    }
}

async fn fetch_release(
    client: &HttpClient,
    base: &Url,
    location: &str,
    query: &Query,
) -> Result<Answer, String> {
    let version = query.version.to_string();
    let url = endpoint(base, &["pypi", query.name.as_ref(), &version, "json"])
        .ok_or_else(|| format!("the PyPI JSON API URL {location} cannot have a path"))?;
    let response = match client.get(&url).await {
        Ok(response) => response,
        Err(error) if error.status() == Some(StatusCode::NOT_FOUND) => {
            return Err(format!(
                "{} {version} is not on {location} (a private package, or a version never \
                 published there), so it was not audited",
                query.name
            ));
        }
        Err(error) => return Err(error.with_causes()),
    };
    let release: Release = response
        .json()
        .map_err(|error: HttpError| error.with_causes())?;
    let vulnerabilities = release.vulnerabilities.ok_or_else(|| {
        format!(
            "the answer of {} has no `vulnerabilities` field, so it says nothing about advisories",
            response.url
        )
    })?;
    Ok(Answer {
        vulnerabilities,
        received: response.stored_at,
    })
}

/// The entry for the queried version (module docs).
fn affected_entry(query: &Query, fixed_in: Option<&[String]>) -> Affected {
    let mut ranges = Vec::new();
    if let DistVersion::Pep440(version) = &query.version {
        let fix = fixed_in
            .unwrap_or_default()
            .iter()
            .filter_map(|text| match DistVersion::parse(text) {
                DistVersion::Pep440(fixed) if fixed > *version => Some(fixed),
                _ => None,
            })
            .min();
        let at = || Bound::Version(query.version.clone());
        let mut events = vec![Event::Introduced(at()), Event::LastAffected(at())];
        if let Some(fix) = fix {
            events.push(Event::Fixed(Bound::Version(DistVersion::Pep440(fix))));
        }
        ranges.push(Range { events });
    }
    Affected {
        package: query.name.clone(),
        ranges,
        versions: vec![query.version.clone()],
        severity: None,
    }
}

fn advisory(
    id: AdvisoryId,
    vulnerability: Vulnerability,
    affected: Affected,
    received: Timestamp,
    diagnostics: &mut Vec<Diagnostic>,
    query: &Query,
) -> Advisory {
    let mut aliases = Vec::new();
    for alias in vulnerability.aliases.unwrap_or_default() {
        match AdvisoryId::new(&alias) {
            Ok(alias) if alias != id => aliases.push(alias),
            Ok(_) => {}
            Err(error) => diagnostics.push(
                Diagnostic::new(
                    Code::BadAdvisory,
                    Severity::Warning,
                    format!(
                        "{id}: the alias `{alias}` is not an advisory id ({error}); it is left out"
                    ),
                )
                .with_package(query.name.clone()),
            ),
        }
    }
    aliases.sort();
    aliases.dedup();
    // Any value means withdrawn; a time that does not parse still withdraws the record.
    let withdrawn = vulnerability
        .withdrawn
        .map(|text| parse_time(&text).unwrap_or(received));
    Advisory {
        id,
        aliases,
        summary: vulnerability.summary.filter(|text| !text.trim().is_empty()),
        details: vulnerability.details.filter(|text| !text.trim().is_empty()),
        published: None,
        modified: received,
        withdrawn,
        severity: AdvisorySeverity::unknown(),
        affected: vec![affected],
        url: vulnerability.link.filter(|text| !text.trim().is_empty()),
    }
}

/// RFC 3339, or a date and time without an offset (taken as UTC).
fn parse_time(text: &str) -> Option<Timestamp> {
    text.parse::<Timestamp>().ok().or_else(|| {
        text.parse::<jiff::civil::DateTime>()
            .ok()
            .and_then(|time| jiff::tz::Offset::UTC.to_timestamp(time).ok())
    })
}
