//! The OSV API as an advisory source: which records affect each exact version
//! (`POST /v1/querybatch`), then each record whole (`GET /v1/vulns/{id}`), read by the same
//! parser as the local database's records.
//!
//! - Queries go in batches of at most [`BATCH_LIMIT`] (the API's limit), sorted, so that a
//!   re-run sends the same bodies and the client's cache answers them ([`QUERYBATCH_TTL`]).
//! - A result with `next_page_token` is asked again with `page_token` until it has none, at
//!   most [`MAX_PAGES`] times (a server that never stops is a failure, not an endless loop).
//! - A record is fetched once however many queries list it. The batch gives each id's
//!   `modified`; a cached copy at least that recent is used without a request (the API's own
//!   advice), an older one is revalidated, so a re-run costs the batch and nothing else.
//! - A batch that fails, or answers something that is not a batch answer, makes every package
//!   of the batch unreachable; a record that cannot be fetched or read makes the packages whose
//!   results listed it unreachable. Nothing that failed is reported as "no advisories".
//! - The API has already matched the version. When tend's PEP 440 reading of the record does
//!   not place the queried version in it (the API's own matching differs on some edge cases),
//!   the version is added to the record's `versions` for that package, so the service's answer
//!   is reported rather than dropped; the fix is still read from the record's ranges.
//!
//! The source's `updated` time is when the oldest batch answer was received (earlier than now
//! when it came from the cache, offline), and `records` counts the distinct records read.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use futures_util::stream::{self, StreamExt};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use tend_http::{CacheMode, GetOptions, HttpClient, PostCache, RedactedUrl, Response, Url};
use tend_model::{AdvisoryId, AdvisorySourceInfo, AdvisorySourceKind, PackageName};

use super::{endpoint, Query};
use crate::matching::match_advisory;
use crate::{parse_record, Advisory, AdvisoryData, Affected, RecordFormat};

/// Queries per `/v1/querybatch` request: the API refuses more.
pub(crate) const BATCH_LIMIT: usize = 1000;
/// Requests for further pages of one batch before giving up on it.
const MAX_PAGES: usize = 100;
/// How long a batch answer is reused: long enough for the re-runs of a working session, short
/// enough that a new advisory shows up the same day.
const QUERYBATCH_TTL: Duration = Duration::from_secs(60 * 60);
/// Batches and record fetches started at once; the client's in-flight bound limits the
/// requests actually on the network.
const BATCHES_AT_ONCE: usize = 4;
const RECORDS_AT_ONCE: usize = 64;

#[derive(Serialize)]
struct BatchRequest<'a> {
    queries: Vec<QueryBody<'a>>,
}

#[derive(Serialize)]
struct QueryBody<'a> {
    package: PackageBody<'a>,
    version: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    page_token: Option<&'a str>,
}

#[derive(Serialize)]
struct PackageBody<'a> {
    name: &'a str,
    ecosystem: &'static str,
}

#[derive(Deserialize)]
struct BatchResponse {
    #[serde(default)]
    results: Vec<BatchResult>,
}

#[derive(Deserialize, Default)]
struct BatchResult {
    #[serde(default)]
    vulns: Option<Vec<VulnSummary>>,
    #[serde(default)]
    next_page_token: Option<String>,
}

#[derive(Deserialize)]
struct VulnSummary {
    id: String,
    #[serde(default)]
    modified: Option<String>,
}

/// What the batches said about one record.
#[derive(Default)]
struct Listing {
    /// The newest `modified` the batches gave for it.
    modified: Option<Timestamp>,
    /// The queries whose results listed it.
    queries: BTreeSet<usize>,
}

/// The advisories affecting each of `queries` according to the OSV API at `base` (for
/// example `https://api.osv.dev`). Never fails as a whole: what could not be answered is in
/// [`AdvisoryData::unreachable`].
pub async fn fetch_osv(client: &HttpClient, base: &Url, queries: &[Query]) -> AdvisoryData {
    let location = RedactedUrl::new(base).to_string();
    let mut data = AdvisoryData::default();
    let mut unreachable: BTreeMap<PackageName, String> = BTreeMap::new();
    let Some(batch_url) = endpoint(base, &["v1", "querybatch"]) else {
        for query in queries {
            unreachable.insert(
                query.name.clone(),
                format!("the OSV API URL {location} cannot have a path"),
            );
        }
        data.unreachable = unreachable;
        data.sources.push(source_info(location, 0, None, None));
        return data;
    };

    // Which records each query's result lists.
    let chunks: Vec<(usize, &[Query])> = queries
        .chunks(BATCH_LIMIT)
        .enumerate()
        .map(|(index, chunk)| (index * BATCH_LIMIT, chunk))
        .collect();
    let answers: Vec<(usize, &[Query], Result<Batch, String>)> = stream::iter(chunks)
        .map(|(offset, chunk)| {
            let batch_url = &batch_url;
            async move { (offset, chunk, query_batch(client, batch_url, chunk).await) }
        })
        .buffered(BATCHES_AT_ONCE)
        .collect()
        .await;
    let mut listings: BTreeMap<String, Listing> = BTreeMap::new();
    let mut received: Option<Timestamp> = None;
    for (offset, chunk, answer) in answers {
        match answer {
            Ok(batch) => {
                received = Some(received.map_or(batch.received, |time| time.min(batch.received)));
                for (position, vulns) in batch.vulns.into_iter().enumerate() {
                    for vuln in vulns {
                        let listing = listings.entry(vuln.id).or_default();
                        listing.queries.insert(offset + position);
                        let modified = vuln.modified.and_then(|text| text.parse().ok());
                        listing.modified = listing.modified.max(modified);
                    }
                }
            }
            Err(message) => {
                for query in chunk {
                    unreachable
                        .entry(query.name.clone())
                        .or_insert_with(|| message.clone());
                }
            }
        }
    }

    // Each record once.
    let fetched: Vec<(String, Result<Advisory, String>)> = stream::iter(&listings)
        .map(|(id, listing)| async move {
            (
                id.clone(),
                fetch_record(client, base, id, listing.modified).await,
            )
        })
        .buffer_unordered(RECORDS_AT_ONCE)
        .collect()
        .await;

    let mut records = 0;
    let mut newest_modified: Option<Timestamp> = None;
    let mut advisories: BTreeMap<PackageName, Vec<Arc<Advisory>>> = BTreeMap::new();
    let mut fetched: BTreeMap<String, Result<Advisory, String>> = fetched.into_iter().collect();
    for (id, listing) in &listings {
        let Some(result) = fetched.remove(id) else {
            continue;
        };
        let mut advisory = match result {
            Ok(advisory) => advisory,
            Err(message) => {
                for &position in &listing.queries {
                    unreachable
                        .entry(queries[position].name.clone())
                        .or_insert_with(|| message.clone());
                }
                continue;
            }
        };
        records += 1;
        newest_modified = newest_modified.max(Some(advisory.modified));
        for &position in &listing.queries {
            let query = &queries[position];
            if match_advisory(&advisory, &query.name, &query.version).is_none()
                && !advisory.is_withdrawn()
            {
                add_listed_version(&mut advisory, query);
            }
        }
        let advisory = Arc::new(advisory);
        let names: BTreeSet<&PackageName> = listing
            .queries
            .iter()
            .map(|&position| &queries[position].name)
            .collect();
        for name in names {
            advisories
                .entry(name.clone())
                .or_default()
                .push(Arc::clone(&advisory));
        }
    }
    // A package the source could not fully answer for is not audited at all: a partial answer
    // would look like a complete one.
    advisories.retain(|name, _| !unreachable.contains_key(name));

    data.advisories = advisories;
    data.unreachable = unreachable;
    data.sources
        .push(source_info(location, records, newest_modified, received));
    data
}

fn source_info(
    location: String,
    records: usize,
    newest_modified: Option<Timestamp>,
    updated: Option<Timestamp>,
) -> AdvisorySourceInfo {
    AdvisorySourceInfo {
        kind: AdvisorySourceKind::OsvApi,
        location,
        records,
        newest_modified,
        updated,
    }
}

/// The record lists of one batch, in the order of its queries.
struct Batch {
    vulns: Vec<Vec<VulnSummary>>,
    /// When the first page was received (from the cache: when it was stored).
    received: Timestamp,
}

/// Asks one batch of at most [`BATCH_LIMIT`] queries, following page tokens.
async fn query_batch(client: &HttpClient, url: &Url, chunk: &[Query]) -> Result<Batch, String> {
    let versions: Vec<String> = chunk
        .iter()
        .map(|query| query.version.to_string())
        .collect();
    let mut vulns: Vec<Vec<VulnSummary>> = chunk.iter().map(|_| Vec::new()).collect();
    let mut pending: Vec<(usize, Option<String>)> = (0..chunk.len()).map(|i| (i, None)).collect();
    let mut received = None;
    for _ in 0..MAX_PAGES {
        if pending.is_empty() {
            break;
        }
        let request = BatchRequest {
            queries: pending
                .iter()
                .map(|(position, token)| QueryBody {
                    package: PackageBody {
                        name: chunk[*position].name.as_ref(),
                        ecosystem: "PyPI",
                    },
                    version: versions[*position].clone(),
                    page_token: token.as_deref(),
                })
                .collect(),
        };
        let response = client
            .post_json(url, &request, PostCache::For(QUERYBATCH_TTL))
            .await
            .map_err(|error| error.with_causes())?;
        received.get_or_insert(response.stored_at);
        let answer: BatchResponse = parse_answer(&response)?;
        if answer.results.len() != pending.len() {
            return Err(format!(
                "{} answered {} results for {} queries",
                response.url,
                answer.results.len(),
                pending.len()
            ));
        }
        let mut next = Vec::new();
        for ((position, _), result) in pending.iter().zip(answer.results) {
            vulns[*position].extend(result.vulns.unwrap_or_default());
            if let Some(token) = result.next_page_token.filter(|token| !token.is_empty()) {
                next.push((*position, Some(token)));
            }
        }
        pending = next;
    }
    if !pending.is_empty() {
        return Err(format!(
            "{} was still answering with further pages after {MAX_PAGES} requests",
            RedactedUrl::new(url)
        ));
    }
    Ok(Batch {
        vulns,
        received: received.unwrap_or_default(),
    })
}

fn parse_answer(response: &Response) -> Result<BatchResponse, String> {
    response.json().map_err(|error| error.with_causes())
}

/// One record from `/v1/vulns/{id}`: from the cache when the copy there is at least as recent
/// as the batch said (`listed_modified`), else from the server.
async fn fetch_record(
    client: &HttpClient,
    base: &Url,
    id: &str,
    listed_modified: Option<Timestamp>,
) -> Result<Advisory, String> {
    // The id goes into a URL path: only a well-formed one, and never a dot segment.
    let valid = AdvisoryId::new(id).is_ok() && !id.chars().all(|c| c == '.');
    let url = valid
        .then(|| endpoint(base, &["v1", "vulns", id]))
        .flatten()
        .ok_or_else(|| {
            format!(
                "the OSV API at {} listed a record with an invalid id `{id}`",
                RedactedUrl::new(base)
            )
        })?;

    let response = if client.options().cache_mode == CacheMode::Offline {
        client.get(&url).await
    } else if let Some(listed) = listed_modified {
        let offline = GetOptions::default().cache_mode(CacheMode::Offline);
        if let Ok(cached) = client.get_with(&url, &offline).await {
            if let Ok(Some(advisory)) = parse_record(&cached.body, RecordFormat::Json) {
                if advisory.modified >= listed {
                    return Ok(advisory);
                }
            }
        }
        // Absent or older than the batch says: ask the server, conditionally when cached.
        client
            .get_with(&url, &GetOptions::default().cache_mode(CacheMode::Refresh))
            .await
    } else {
        client.get(&url).await
    };
    let response = response.map_err(|error| error.with_causes())?;
    match parse_record(&response.body, RecordFormat::Json) {
        Ok(Some(advisory)) => Ok(advisory),
        Ok(None) => Err(format!(
            "the record {id} from {} has no PyPI entry in `affected`",
            response.url
        )),
        Err(error) => Err(format!(
            "the record {id} from {} could not be read: {error}",
            response.url,
        )),
    }
}

/// Makes `advisory` list `query`'s version for its package (module docs: the service's answer
/// is reported even where tend's reading of the ranges differs).
fn add_listed_version(advisory: &mut Advisory, query: &Query) {
    if let Some(affected) = advisory
        .affected
        .iter_mut()
        .find(|affected| affected.package == query.name)
    {
        affected.versions.push(query.version.clone());
    } else {
        advisory.affected.push(Affected {
            package: query.name.clone(),
            ranges: Vec::new(),
            versions: vec![query.version.clone()],
            severity: None,
        });
    }
}
