//! The online sources and the archive download against real HTTP servers on 127.0.0.1: the OSV
//! API (batches, pages, records, failures, the cache and `--offline`), PyPI's JSON API, and
//! `tend db update --source URL` with every way a download can go wrong.

// A test server or fixture that misbehaves should fail the test loudly.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::Path;
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use jiff::Timestamp;
use serde_json::{json, Value};
use tend_advisory::{
    audit, fetch_osv, fetch_pypi, update_from_url, AdvisoryData, AuditOptions, AuditTargets,
    Database, DownloadError, DownloadOutcome, Query,
};
use tend_http::{CacheMode, ClientOptions, Clock, HttpClient, HttpError, Url};
use tend_model::{
    AdvisorySourceKind, AuditReport, AuditTarget, DistVersion, Fix, MatchKind, NotAuditedReason,
    PackageName, TargetOrigin,
};
use tend_test::http::{Handler as _, Request, Resource, Response, Routes, TestServer};

const NOW: &str = "2026-11-23T12:00:00Z";

fn now() -> Timestamp {
    NOW.parse().unwrap()
}

fn name(text: &str) -> PackageName {
    PackageName::from_str(text).unwrap()
}

fn query(package: &str, version: &str) -> Query {
    Query::new(name(package), DistVersion::parse(version))
}

fn url(text: &str) -> Url {
    Url::parse(text).unwrap()
}

/// A client with a fixed clock and quick retries: one retry, 10 ms apart.
fn client(cache: Option<&Path>, mode: CacheMode) -> HttpClient {
    let mut options = ClientOptions::default();
    options.cache_dir = cache.map(Path::to_path_buf);
    options.cache_mode = mode;
    options.clock = Clock::fixed(now());
    options.retries = 1;
    options.backoff_base = Duration::from_millis(10);
    options.max_retry_delay = Duration::from_millis(50);
    HttpClient::new(options).unwrap()
}

fn audit_queries(queries: &[Query], data: &AdvisoryData) -> AuditReport {
    let targets = AuditTargets {
        targets: queries
            .iter()
            .map(|query| AuditTarget {
                name: query.name.clone(),
                version: query.version.clone(),
                origin: TargetOrigin::Installed,
            })
            .collect(),
        not_audited: Vec::new(),
    };
    let options = AuditOptions {
        ignore: &[],
        today: jiff::civil::date(2026, 11, 23),
        now: now(),
        max_age: None,
    };
    audit(targets, data, &options)
}

/// `(package version, id, fix)` for every finding of a report.
fn findings(report: &AuditReport) -> Vec<String> {
    report
        .vulnerable
        .iter()
        .flat_map(|package| {
            package.findings.iter().map(move |finding| {
                let fix = match &finding.fix {
                    Fix::Version { version } => version.to_string(),
                    Fix::None => "no fix".to_string(),
                };
                format!(
                    "{} {} {} fix {fix}",
                    package.target.name, package.target.version, finding.id
                )
            })
        })
        .collect()
}

fn unreachable_reasons(report: &AuditReport) -> BTreeMap<String, String> {
    report
        .not_audited
        .iter()
        .map(|entry| match &entry.reason {
            NotAuditedReason::SourceUnreachable { message } => {
                (entry.name.to_string(), message.clone())
            }
            other => panic!("{}: unexpected reason {other:?}", entry.name),
        })
        .collect()
}

fn ids(data: &AdvisoryData, package: &str) -> Vec<String> {
    let mut ids: Vec<String> = data
        .advisories
        .get(&name(package))
        .map(|advisories| advisories.iter().map(|a| a.id.to_string()).collect())
        .unwrap_or_default();
    ids.sort();
    ids
}

// ----- The OSV API -------------------------------------------------------------------------

/// The project's own records: alpha below 1.1.0 (PYSEC with a GHSA alias), gamma with no fix.
fn osv_record(id: &str) -> Option<Value> {
    let record = match id {
        "PYSEC-2026-1" => json!({
            "id": "PYSEC-2026-1", "modified": "2026-11-01T00:00:00Z",
            "aliases": ["GHSA-aaaa-bbbb-cccc", "CVE-2026-1111"],
            "summary": "Alpha trusts its input",
            "affected": [{"package": {"ecosystem": "PyPI", "name": "alpha"},
                          "ranges": [{"type": "ECOSYSTEM",
                                      "events": [{"introduced": "0"}, {"fixed": "1.1.0"}]}]}],
            "severity": [{"type": "CVSS_V3",
                          "score": "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:N"}]
        }),
        "GHSA-aaaa-bbbb-cccc" => json!({
            "id": "GHSA-aaaa-bbbb-cccc", "modified": "2026-11-02T00:00:00Z",
            "aliases": ["PYSEC-2026-1", "CVE-2026-1111"],
            "affected": [{"package": {"ecosystem": "PyPI", "name": "Alpha"},
                          "ranges": [{"type": "ECOSYSTEM",
                                      "events": [{"introduced": "0"}, {"fixed": "1.1.0"}]}]}],
            "database_specific": {"severity": "HIGH"}
        }),
        "GHSA-gggg-gggg-gggg" => json!({
            "id": "GHSA-gggg-gggg-gggg", "modified": "2026-11-03T00:00:00Z",
            "summary": "Gamma runs code from its configuration",
            "affected": [{"package": {"ecosystem": "PyPI", "name": "gamma"},
                          "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}]}]}]
        }),
        _ => return None,
    };
    Some(record)
}

/// The ids the fake API lists for a package and version.
fn osv_ids(package: &str, version: &str) -> Vec<&'static str> {
    match (package, version) {
        ("alpha", "1.0.0" | "1.0.5") => vec!["PYSEC-2026-1", "GHSA-aaaa-bbbb-cccc"],
        ("gamma", _) => vec!["GHSA-gggg-gggg-gggg"],
        _ => Vec::new(),
    }
}

fn modified_of(id: &str) -> Value {
    osv_record(id).map_or(Value::Null, |record| record["modified"].clone())
}

/// `/v1/querybatch` answering from [`osv_ids`] as the real API does: results in query order,
/// `{}` for a query with no advisories.
fn querybatch(request: &Request) -> Response {
    let body: Value = serde_json::from_slice(&request.body).unwrap();
    let results: Vec<Value> = body["queries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|query| {
            assert_eq!(query["package"]["ecosystem"], "PyPI");
            let ids = osv_ids(
                query["package"]["name"].as_str().unwrap(),
                query["version"].as_str().unwrap(),
            );
            if ids.is_empty() {
                json!({})
            } else {
                let vulns: Vec<Value> = ids
                    .iter()
                    .map(|id| json!({"id": id, "modified": modified_of(id)}))
                    .collect();
                json!({ "vulns": vulns })
            }
        })
        .collect();
    Response::json(&json!({ "results": results }))
}

fn vulns(request: &Request) -> Response {
    let id = request.path.trim_start_matches("/v1/vulns/");
    osv_record(id).map_or_else(Response::not_found, |record| Response::json(&record))
}

/// An OSV API on 127.0.0.1; `/v1/vulns/{id}` is matched by prefix.
fn osv_server(batch: impl Fn(&Request) -> Response + Send + Sync + 'static) -> TestServer {
    TestServer::start(move |request: &Request| {
        if request.path == "/v1/querybatch" && request.method == "POST" {
            batch(request)
        } else if request.path.starts_with("/v1/vulns/") && request.method == "GET" {
            vulns(request)
        } else {
            Response::not_found()
        }
    })
}

fn vuln_requests(server: &TestServer) -> usize {
    server
        .requests()
        .iter()
        .filter(|request| request.path.starts_with("/v1/vulns/"))
        .count()
}

#[tokio::test]
async fn osv_api_batch_then_records_become_findings() {
    let server = osv_server(querybatch);
    let queries = vec![
        query("alpha", "1.0.0"),
        query("alpha", "1.0.5"),
        query("beta", "1.0.0"),
        query("gamma", "0.5.0"),
    ];
    let data = fetch_osv(
        &client(None, CacheMode::Normal),
        &url(&server.url()),
        &queries,
    )
    .await;

    assert!(data.unreachable.is_empty(), "{:?}", data.unreachable);
    assert_eq!(ids(&data, "alpha"), ["GHSA-aaaa-bbbb-cccc", "PYSEC-2026-1"]);
    assert_eq!(ids(&data, "beta"), Vec::<String>::new());
    assert_eq!(ids(&data, "gamma"), ["GHSA-gggg-gggg-gggg"]);

    // One batch, as the API expects it; each record fetched once though two queries list it.
    let batches = server.requests_to("/v1/querybatch");
    assert_eq!(batches.len(), 1);
    let body: Value = serde_json::from_slice(&batches[0].body).unwrap();
    assert_eq!(
        body["queries"][0],
        json!({"package": {"name": "alpha", "ecosystem": "PyPI"}, "version": "1.0.0"})
    );
    assert_eq!(body["queries"].as_array().unwrap().len(), 4);
    assert_eq!(server.count("/v1/vulns/PYSEC-2026-1"), 1);
    assert_eq!(vuln_requests(&server), 3);

    let source = &data.sources[0];
    assert_eq!(source.kind, AdvisorySourceKind::OsvApi);
    assert_eq!(source.location, format!("{}/", server.url()));
    assert_eq!(source.records, 3);
    assert_eq!(
        source.newest_modified,
        Some("2026-11-03T00:00:00Z".parse().unwrap())
    );
    assert_eq!(source.updated, Some(now()));

    let report = audit_queries(&queries, &data);
    assert_eq!(
        findings(&report),
        [
            "alpha 1.0.0 PYSEC-2026-1 fix 1.1.0",
            "alpha 1.0.5 PYSEC-2026-1 fix 1.1.0",
            "gamma 0.5.0 GHSA-gggg-gggg-gggg fix no fix",
        ]
    );
    assert_eq!(report.audited, 4);
    assert!(report.not_audited.is_empty());
}

#[tokio::test]
async fn osv_api_batches_hold_at_most_a_thousand_queries() {
    let server = osv_server(querybatch);
    let mut queries: Vec<Query> = (0..1200)
        .map(|number| query(&format!("filler-{number:04}"), "1.0"))
        .collect();
    queries.push(query("gamma", "0.5.0"));
    let data = fetch_osv(
        &client(None, CacheMode::Normal),
        &url(&server.url()),
        &queries,
    )
    .await;

    // The batches go out at once, so they may arrive in either order.
    let mut sizes: Vec<usize> = server
        .requests_to("/v1/querybatch")
        .iter()
        .map(|request| {
            let body: Value = serde_json::from_slice(&request.body).unwrap();
            body["queries"].as_array().unwrap().len()
        })
        .collect();
    sizes.sort_unstable();
    assert_eq!(sizes, [201, 1000]);
    // gamma, the last query of the second batch, still gets its record.
    assert_eq!(ids(&data, "gamma"), ["GHSA-gggg-gggg-gggg"]);
    assert!(data.unreachable.is_empty());
}

#[tokio::test]
async fn osv_api_follows_page_tokens() {
    // The first page of gamma's result holds one record and a token; the second page the other.
    let server = osv_server(|request: &Request| {
        let body: Value = serde_json::from_slice(&request.body).unwrap();
        let results: Vec<Value> = body["queries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|query| match (query["package"]["name"].as_str(), query["page_token"].as_str()) {
                (Some("alpha"), None) => json!({
                    "vulns": [{"id": "GHSA-gggg-gggg-gggg", "modified": "2026-11-03T00:00:00Z"}],
                    "next_page_token": "page-2"
                }),
                (Some("alpha"), Some("page-2")) => json!({
                    "vulns": [{"id": "PYSEC-2026-1", "modified": "2026-11-01T00:00:00Z"}]
                }),
                _ => json!({}),
            })
            .collect();
        Response::json(&json!({ "results": results }))
    });
    let queries = vec![query("alpha", "1.0.0"), query("beta", "1.0.0")];
    let data = fetch_osv(
        &client(None, CacheMode::Normal),
        &url(&server.url()),
        &queries,
    )
    .await;

    assert!(data.unreachable.is_empty(), "{:?}", data.unreachable);
    assert_eq!(ids(&data, "alpha"), ["GHSA-gggg-gggg-gggg", "PYSEC-2026-1"]);
    let batches = server.requests_to("/v1/querybatch");
    assert_eq!(batches.len(), 2);
    let second: Value = serde_json::from_slice(&batches[1].body).unwrap();
    assert_eq!(
        second,
        json!({"queries": [{"package": {"name": "alpha", "ecosystem": "PyPI"},
                            "version": "1.0.0", "page_token": "page-2"}]})
    );
}

/// The API said the version is affected: even a record whose ranges tend reads otherwise (here
/// GHSA-gggg listed for alpha, which it does not name) is reported, not dropped.
#[tokio::test]
async fn osv_api_answer_is_reported_where_the_record_reads_otherwise() {
    let server = osv_server(|request: &Request| {
        let body: Value = serde_json::from_slice(&request.body).unwrap();
        assert_eq!(body["queries"].as_array().unwrap().len(), 1);
        Response::json(&json!({"results": [{"vulns": [{"id": "GHSA-gggg-gggg-gggg"}]}]}))
    });
    let queries = vec![query("alpha", "3.0")];
    let data = fetch_osv(
        &client(None, CacheMode::Normal),
        &url(&server.url()),
        &queries,
    )
    .await;
    let report = audit_queries(&queries, &data);
    assert_eq!(
        findings(&report),
        ["alpha 3.0 GHSA-gggg-gggg-gggg fix no fix"]
    );
    assert_eq!(
        report.vulnerable[0].findings[0].matched_by,
        MatchKind::VersionList
    );
}

#[tokio::test]
async fn osv_api_batch_failure_means_not_audited_never_clean() {
    let server = osv_server(|_: &Request| Response::status(500).body("internal error"));
    let queries = vec![query("alpha", "1.0.0"), query("beta", "1.0.0")];
    let data = fetch_osv(
        &client(None, CacheMode::Normal),
        &url(&server.url()),
        &queries,
    )
    .await;

    assert!(data.advisories.is_empty());
    // Retried once, then given up.
    assert_eq!(server.count("/v1/querybatch"), 2);
    let report = audit_queries(&queries, &data);
    assert_eq!(report.audited, 0);
    assert!(report.vulnerable.is_empty());
    let reasons = unreachable_reasons(&report);
    assert_eq!(reasons.keys().collect::<Vec<_>>(), ["alpha", "beta"]);
    for message in reasons.values() {
        assert!(
            message.contains("/v1/querybatch answered 500 Internal Server Error"),
            "{message}"
        );
    }
}

#[tokio::test]
async fn osv_api_answer_of_the_wrong_shape_means_not_audited() {
    // One result for two queries: which package it belongs to is unknowable.
    let server = osv_server(|_: &Request| Response::json(&json!({"results": [{}]})));
    let queries = vec![query("alpha", "1.0.0"), query("beta", "1.0.0")];
    let data = fetch_osv(
        &client(None, CacheMode::Normal),
        &url(&server.url()),
        &queries,
    )
    .await;
    assert_eq!(data.unreachable.len(), 2);
    assert!(
        data.unreachable[&name("beta")].contains("answered 1 results for 2 queries"),
        "{:?}",
        data.unreachable
    );
}

#[tokio::test]
async fn osv_api_record_failure_affects_only_the_packages_listing_it() {
    // gamma's record is missing from /v1/vulns; alpha's records are there.
    let server = TestServer::start(move |request: &Request| {
        if request.path == "/v1/querybatch" {
            querybatch(request)
        } else if request.path == "/v1/vulns/GHSA-gggg-gggg-gggg" {
            Response::status(404)
        } else {
            vulns(request)
        }
    });
    let queries = vec![query("alpha", "1.0.0"), query("gamma", "0.5.0")];
    let data = fetch_osv(
        &client(None, CacheMode::Normal),
        &url(&server.url()),
        &queries,
    )
    .await;

    assert_eq!(ids(&data, "alpha"), ["GHSA-aaaa-bbbb-cccc", "PYSEC-2026-1"]);
    assert_eq!(ids(&data, "gamma"), Vec::<String>::new());
    let message = &data.unreachable[&name("gamma")];
    assert!(
        message.contains("/v1/vulns/GHSA-gggg-gggg-gggg answered 404 Not Found"),
        "{message}"
    );
    assert_eq!(data.unreachable.len(), 1);
    assert_eq!(data.sources[0].records, 2);
}

#[tokio::test]
async fn osv_api_rerun_and_offline_run_come_from_the_cache() {
    let cache = tempfile::tempdir().unwrap();
    let server = osv_server(querybatch);
    let base = url(&server.url());
    let queries = vec![query("alpha", "1.0.0"), query("gamma", "0.5.0")];
    let first = fetch_osv(
        &client(Some(cache.path()), CacheMode::Normal),
        &base,
        &queries,
    )
    .await;
    let requests = server.requests().len();
    assert_eq!(requests, 4);

    // Within the batch's lifetime, with every record as recent as the batch says: no request.
    let again = fetch_osv(
        &client(Some(cache.path()), CacheMode::Normal),
        &base,
        &queries,
    )
    .await;
    assert_eq!(server.requests().len(), requests);
    // Offline: the same answer, still no request.
    let offline = fetch_osv(
        &client(Some(cache.path()), CacheMode::Offline),
        &base,
        &queries,
    )
    .await;
    assert_eq!(server.requests().len(), requests);

    for data in [&again, &offline] {
        assert!(data.unreachable.is_empty(), "{:?}", data.unreachable);
        assert_eq!(ids(data, "alpha"), ids(&first, "alpha"));
        assert_eq!(ids(data, "gamma"), ["GHSA-gggg-gggg-gggg"]);
        assert_eq!(data.sources, first.sources);
    }

    // Offline with nothing cached for these versions: not audited, saying why.
    let other = vec![query("alpha", "0.1.0")];
    let data = fetch_osv(
        &client(Some(cache.path()), CacheMode::Offline),
        &base,
        &other,
    )
    .await;
    assert!(data.advisories.is_empty());
    let message = &data.unreachable[&name("alpha")];
    assert!(message.contains("offline"), "{message}");
    assert_eq!(server.requests().len(), requests);
}

#[tokio::test]
async fn osv_api_refetches_a_cached_record_the_batch_says_changed() {
    let cache = tempfile::tempdir().unwrap();
    let newer = Arc::new(Mutex::new(false));
    let flag = Arc::clone(&newer);
    let server = TestServer::start(move |request: &Request| {
        let changed = *flag.lock().unwrap();
        if request.path == "/v1/querybatch" {
            let modified = if changed {
                "2026-11-20T00:00:00Z"
            } else {
                "2026-11-03T00:00:00Z"
            };
            Response::json(&json!({"results": [{"vulns": [
                {"id": "GHSA-gggg-gggg-gggg", "modified": modified}]}]}))
        } else {
            let mut record = osv_record("GHSA-gggg-gggg-gggg").unwrap();
            if changed {
                record["modified"] = json!("2026-11-20T00:00:00Z");
                record["summary"] = json!("Gamma runs code from its configuration (updated)");
            }
            Response::json(&record)
        }
    });
    let base = url(&server.url());
    let queries = vec![query("gamma", "0.5.0")];
    fetch_osv(
        &client(Some(cache.path()), CacheMode::Normal),
        &base,
        &queries,
    )
    .await;
    assert_eq!(server.count("/v1/vulns/GHSA-gggg-gggg-gggg"), 1);

    *newer.lock().unwrap() = true;
    // A new batch answer (refresh mode skips the cached one) lists a newer `modified`.
    let data = fetch_osv(
        &client(Some(cache.path()), CacheMode::Refresh),
        &base,
        &queries,
    )
    .await;
    assert_eq!(server.count("/v1/vulns/GHSA-gggg-gggg-gggg"), 2);
    let advisory = &data.advisories[&name("gamma")][0];
    assert_eq!(
        advisory.summary.as_deref(),
        Some("Gamma runs code from its configuration (updated)")
    );
}

// ----- PyPI's JSON API ---------------------------------------------------------------------

fn pypi_server() -> TestServer {
    let release = |vulnerabilities: Value| {
        Response::json(
            &json!({"info": {"name": "x"}, "urls": [], "vulnerabilities": vulnerabilities}),
        )
    };
    TestServer::start(
        Routes::new()
            .route(
                "/pypi/alpha/1.0.0/json",
                release(json!([{
                    "id": "PYSEC-2026-1",
                    "aliases": ["CVE-2026-1111", "GHSA-aaaa-bbbb-cccc"],
                    "summary": "Alpha trusts its input",
                    "details": "Alpha passes its input to eval.",
                    "fixed_in": ["1.1.0", "0.9.5"],
                    "link": "https://osv.example/PYSEC-2026-1",
                    "source": "osv",
                    "withdrawn": null
                }])),
            )
            // Two branches fixed: the smallest fix above 1.2.0 is 1.2.5, not 2.0.3.
            .route(
                "/pypi/gamma/1.2.0/json",
                release(json!([
                    {"id": "GHSA-gggg-gggg-gggg", "aliases": null, "details": "",
                     "fixed_in": ["2.0.3", "1.2.5"], "link": null, "source": "osv",
                     "withdrawn": null},
                    {"id": "PYSEC-2020-9", "aliases": [], "details": "withdrawn later",
                     "fixed_in": [], "link": null, "source": "osv",
                     "withdrawn": "2026-01-01T00:00:00Z"}
                ])),
            )
            .route("/pypi/gamma/2.1.0/json", release(json!([])))
            .route("/pypi/beta/1.0.0/json", release(json!([])))
            // A mirror that serves the JSON API without vulnerabilities.
            .route(
                "/pypi/delta/3.0/json",
                Response::json(&json!({"info": {"name": "delta"}})),
            ),
    )
}

#[tokio::test]
async fn pypi_json_vulnerabilities_become_findings_with_fixes() {
    let server = pypi_server();
    let queries = vec![
        query("alpha", "1.0.0"),
        query("beta", "1.0.0"),
        query("gamma", "1.2.0"),
        query("gamma", "2.1.0"),
    ];
    let data = fetch_pypi(
        &client(None, CacheMode::Normal),
        &url(&server.url()),
        &queries,
    )
    .await;
    assert!(data.unreachable.is_empty(), "{:?}", data.unreachable);

    let report = audit_queries(&queries, &data);
    // gamma 2.1.0 is clean: gamma 1.2.0's answer says nothing about it. The withdrawn record
    // is not reported.
    assert_eq!(
        findings(&report),
        [
            "alpha 1.0.0 PYSEC-2026-1 fix 1.1.0",
            "gamma 1.2.0 GHSA-gggg-gggg-gggg fix 1.2.5",
        ]
    );
    assert_eq!(report.audited, 4);
    let alpha = &report.vulnerable[0].findings[0];
    assert_eq!(
        alpha
            .aliases
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
        ["CVE-2026-1111", "GHSA-aaaa-bbbb-cccc"]
    );
    assert_eq!(alpha.summary.as_deref(), Some("Alpha trusts its input"));
    assert_eq!(
        alpha.url.as_deref(),
        Some("https://osv.example/PYSEC-2026-1")
    );
    assert_eq!(alpha.modified, now());
    assert_eq!(alpha.severity.rating, tend_model::SeverityRating::Unknown);

    let source = &data.sources[0];
    assert_eq!(source.kind, AdvisorySourceKind::PypiJson);
    assert_eq!(source.records, 3);
    assert_eq!(source.updated, Some(now()));
    assert_eq!(server.count("/pypi/gamma/1.2.0/json"), 1);
}

#[tokio::test]
async fn pypi_json_missing_release_or_field_means_not_audited() {
    let server = pypi_server();
    let queries = vec![
        query("alpha", "1.0.0"),
        query("delta", "3.0"),
        query("private-tool", "0.1.0"),
    ];
    let data = fetch_pypi(
        &client(None, CacheMode::Normal),
        &url(&server.url()),
        &queries,
    )
    .await;
    let report = audit_queries(&queries, &data);
    assert_eq!(findings(&report), ["alpha 1.0.0 PYSEC-2026-1 fix 1.1.0"]);
    let reasons = unreachable_reasons(&report);
    assert_eq!(
        reasons.keys().collect::<Vec<_>>(),
        ["delta", "private-tool"]
    );
    assert_eq!(
        reasons["private-tool"],
        format!(
            "private-tool 0.1.0 is not on {}/ (a private package, or a version never published \
             there), so it was not audited",
            server.url()
        )
    );
    assert!(
        reasons["delta"].contains("has no `vulnerabilities` field"),
        "{}",
        reasons["delta"]
    );
    // A 404 is an answer, not a failure to retry.
    assert_eq!(server.count("/pypi/private-tool/0.1.0/json"), 1);
}

#[tokio::test]
async fn pypi_json_server_error_means_not_audited() {
    let server = TestServer::start(Response::status(503));
    let queries = vec![query("alpha", "1.0.0")];
    let data = fetch_pypi(
        &client(None, CacheMode::Normal),
        &url(&server.url()),
        &queries,
    )
    .await;
    assert!(data.advisories.is_empty());
    let message = &data.unreachable[&name("alpha")];
    assert!(
        message.contains("/pypi/alpha/1.0.0/json answered 503 Service Unavailable"),
        "{message}"
    );
}

#[tokio::test]
async fn pypi_json_offline_from_the_cache() {
    let cache = tempfile::tempdir().unwrap();
    let server = pypi_server();
    let base = url(&server.url());
    let queries = vec![query("alpha", "1.0.0"), query("beta", "1.0.0")];
    let online = fetch_pypi(
        &client(Some(cache.path()), CacheMode::Normal),
        &base,
        &queries,
    )
    .await;
    let requests = server.requests().len();
    let offline = fetch_pypi(
        &client(Some(cache.path()), CacheMode::Offline),
        &base,
        &queries,
    )
    .await;
    assert_eq!(server.requests().len(), requests);
    assert!(offline.unreachable.is_empty(), "{:?}", offline.unreachable);
    assert_eq!(ids(&offline, "alpha"), ["PYSEC-2026-1"]);
    assert_eq!(offline.sources, online.sources);
}

// ----- `tend db update --source URL` -------------------------------------------------------

fn zip_of(records: &[(&str, Value)]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    for (file, record) in records {
        writer.start_file(*file, options).unwrap();
        writer
            .write_all(serde_json::to_string_pretty(record).unwrap().as_bytes())
            .unwrap();
    }
    writer.finish().unwrap().into_inner()
}

fn first_archive() -> Vec<u8> {
    zip_of(&[
        ("PYSEC-2026-1.json", osv_record("PYSEC-2026-1").unwrap()),
        (
            "GHSA-gggg-gggg-gggg.json",
            osv_record("GHSA-gggg-gggg-gggg").unwrap(),
        ),
    ])
}

/// What the archive server does; a test switches it between runs.
#[derive(Clone)]
enum Serve {
    Archive { body: Vec<u8>, etag: &'static str },
    Truncated,
    Corrupt,
    Status(u16),
    Slow,
}

fn archive_server(serve: &Arc<Mutex<Serve>>) -> TestServer {
    let serve = Arc::clone(serve);
    TestServer::start(move |request: &Request| {
        let mode = serve.lock().unwrap().clone();
        match mode {
            Serve::Archive { body, etag } => Resource::new(body)
                .etag(etag)
                .content_type("application/zip")
                .handle(request),
            Serve::Truncated => Response::ok(first_archive()).truncated(100),
            Serve::Corrupt => {
                let mut body = first_archive();
                // Damage the compressed data of the first entry; sizes stay as announced.
                for byte in &mut body[60..90] {
                    *byte ^= 0x5a;
                }
                Response::ok(body).header("ETag", "\"corrupt\"")
            }
            Serve::Status(status) => Response::status(status),
            Serve::Slow => Response::ok(first_archive()).delayed(Duration::from_secs(3)),
        }
    })
}

fn loaded_ids(root: &Path) -> Vec<String> {
    let database = Database::open(root).unwrap();
    let data = database.load(&[name("alpha"), name("gamma")]).unwrap();
    let mut ids: Vec<String> = data
        .advisories
        .values()
        .flatten()
        .map(|advisory| advisory.id.to_string())
        .collect();
    ids.sort();
    ids
}

fn staging_is_empty(root: &Path) -> bool {
    let staging = root.join("staging");
    !staging.exists() || fs_err::read_dir(&staging).unwrap().next().is_none()
}

#[tokio::test]
async fn db_download_installs_then_revalidates_and_survives_every_failure() {
    let directory = tempfile::tempdir().unwrap();
    let root = directory.path().join("advisories");
    let serve = Arc::new(Mutex::new(Serve::Archive {
        body: first_archive(),
        etag: "\"v1\"",
    }));
    let server = archive_server(&serve);
    let archive_url = url(&server.url_for("/PyPI/all.zip"));
    let http = client(None, CacheMode::Normal);

    // First download: installed.
    let mut database = Database::open(&root).unwrap();
    let outcome = update_from_url(&mut database, &http, &archive_url, now())
        .await
        .unwrap();
    let DownloadOutcome::Installed { outcome, bytes } = &outcome else {
        panic!("{outcome:?}");
    };
    assert_eq!(outcome.records, 2);
    assert_eq!(*bytes, first_archive().len() as u64);
    assert_eq!(server.requests()[0].header("if-none-match"), None);
    let installed = ["GHSA-gggg-gggg-gggg", "PYSEC-2026-1"];
    assert_eq!(loaded_ids(&root), installed);
    assert!(staging_is_empty(&root));

    // Second run: conditional, 304, nothing replaced, the check recorded.
    let later: Timestamp = "2026-11-24T08:00:00Z".parse().unwrap();
    let mut database = Database::open(&root).unwrap();
    let outcome = update_from_url(&mut database, &http, &archive_url, later)
        .await
        .unwrap();
    assert_eq!(
        outcome,
        DownloadOutcome::NotModified {
            location: archive_url.to_string(),
            checked: later,
        }
    );
    assert_eq!(
        outcome.to_string(),
        format!("{archive_url}: not modified since the last download")
    );
    assert_eq!(server.requests()[1].header("if-none-match"), Some("\"v1\""));
    let status = Database::open(&root).unwrap().status();
    assert_eq!(status.sources.len(), 1);
    assert_eq!(status.sources[0].updated, later);
    assert_eq!(status.sources[0].etag.as_deref(), Some("\"v1\""));
    assert_eq!(loaded_ids(&root), installed);

    // Every failure leaves the database as it was, and no partial file behind.
    let failures = [
        ("truncated", Serve::Truncated),
        ("corrupt", Serve::Corrupt),
        ("500", Serve::Status(500)),
        ("slow", Serve::Slow),
    ];
    for (label, mode) in failures {
        *serve.lock().unwrap() = mode;
        let mut options = ClientOptions::default();
        options.retries = 1;
        options.backoff_base = Duration::from_millis(10);
        options.read_timeout = Duration::from_millis(300);
        let http = HttpClient::new(options).unwrap();
        let mut database = Database::open(&root).unwrap();
        let error = update_from_url(&mut database, &http, &archive_url, later)
            .await
            .unwrap_err();
        match (label, &error) {
            (
                "truncated",
                DownloadError::Fetch {
                    source: HttpError::Truncated { .. },
                    ..
                },
            )
            | ("corrupt", DownloadError::Install { .. })
            | (
                "500",
                DownloadError::Fetch {
                    source: HttpError::Status { .. },
                    ..
                },
            )
            | (
                "slow",
                DownloadError::Fetch {
                    source: HttpError::Timeout { .. },
                    ..
                },
            ) => {}
            _ => panic!("{label}: unexpected error {error:?}"),
        }
        assert!(
            error.to_string().contains("the previous database is kept"),
            "{label}: {error}"
        );
        assert_eq!(loaded_ids(&root), installed, "{label}");
        let status = Database::open(&root).unwrap().status();
        assert_eq!(status.sources[0].etag.as_deref(), Some("\"v1\""), "{label}");
        assert!(staging_is_empty(&root), "{label}");
    }

    // A new archive replaces the old one.
    *serve.lock().unwrap() = Serve::Archive {
        body: zip_of(&[(
            "GHSA-aaaa-bbbb-cccc.json",
            osv_record("GHSA-aaaa-bbbb-cccc").unwrap(),
        )]),
        etag: "\"v2\"",
    };
    let mut database = Database::open(&root).unwrap();
    let outcome = update_from_url(&mut database, &http, &archive_url, later)
        .await
        .unwrap();
    assert!(
        matches!(outcome, DownloadOutcome::Installed { .. }),
        "{outcome:?}"
    );
    assert_eq!(loaded_ids(&root), ["GHSA-aaaa-bbbb-cccc"]);
    let status = Database::open(&root).unwrap().status();
    assert_eq!(status.sources.len(), 1);
    assert_eq!(status.sources[0].etag.as_deref(), Some("\"v2\""));
}

#[tokio::test]
async fn db_download_keeps_credentials_out_of_the_database() {
    let directory = tempfile::tempdir().unwrap();
    let root = directory.path().join("advisories");
    let server = TestServer::start(Resource::new(first_archive()).etag("\"v1\""));
    let secret = url(&format!(
        "http://reader:s3cret@{}/all.zip",
        server.url().trim_start_matches("http://")
    ));
    let mut database = Database::open(&root).unwrap();
    update_from_url(
        &mut database,
        &client(None, CacheMode::Normal),
        &secret,
        now(),
    )
    .await
    .unwrap();
    assert!(server.requests()[0]
        .header("authorization")
        .is_some_and(|value| value.starts_with("Basic ")));
    let status = Database::open(&root).unwrap().status();
    assert_eq!(
        status.sources[0].location,
        format!(
            "http://reader:****@{}/all.zip",
            server.url().trim_start_matches("http://")
        )
    );
    let manifest = fs_err::read_to_string(root.join("manifest.json")).unwrap();
    assert!(!manifest.contains("s3cret"));

    // The second run finds the stored validators under the same, redacted, location.
    let mut database = Database::open(&root).unwrap();
    let outcome = update_from_url(
        &mut database,
        &client(None, CacheMode::Normal),
        &secret,
        now(),
    )
    .await
    .unwrap();
    assert!(
        matches!(outcome, DownloadOutcome::NotModified { .. }),
        "{outcome:?}"
    );
}
