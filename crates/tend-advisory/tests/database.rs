//! The local advisory database against real files: sources read from directories, zip archives
//! and single files; incremental index rebuilds; damaged records, archives, indexes and
//! manifests; lookups that read only the packages asked for; records in several sources.
#![allow(clippy::unwrap_used)]

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use jiff::Timestamp;
use tend_advisory::{
    read_source, Advisory, Bound, Database, DatabaseError, Event, SourceError, Validators,
};
use tend_model::{AdvisorySourceKind, Code, PackageName};
use zip::write::SimpleFileOptions;

fn now() -> Timestamp {
    "2026-01-02T03:04:05Z".parse().unwrap()
}

fn later() -> Timestamp {
    "2026-01-03T00:00:00Z".parse().unwrap()
}

fn name(text: &str) -> PackageName {
    PackageName::from_str(text).unwrap()
}

fn yaml_record(id: &str, package: &str, fixed: &str, modified: &str) -> String {
    format!(
        "id: {id}\n\
         modified: \"{modified}\"\n\
         summary: {id} in {package}\n\
         affected:\n\
         - package:\n    ecosystem: PyPI\n    name: {package}\n  \
           ranges:\n  - type: ECOSYSTEM\n    events:\n    - introduced: \"0\"\n    - fixed: \"{fixed}\"\n"
    )
}

fn json_record(id: &str, packages: &[&str], fixed: &str, modified: &str) -> String {
    let affected: Vec<String> = packages
        .iter()
        .map(|package| {
            format!(
                r#"{{"package": {{"ecosystem": "PyPI", "name": "{package}"}},
                    "ranges": [{{"type": "ECOSYSTEM",
                                 "events": [{{"introduced": "0"}}, {{"fixed": "{fixed}"}}]}}],
                    "versions": ["0.9", "1.0.0b1", "2004d"]}}"#
            )
        })
        .collect();
    format!(
        r#"{{"id": "{id}", "modified": "{modified}", "summary": "{id} summary",
            "aliases": ["CVE-2099-{}"], "affected": [{}]}}"#,
        id.len(),
        affected.join(",")
    )
}

fn write(path: &Path, text: &str) {
    fs_err::create_dir_all(path.parent().unwrap()).unwrap();
    fs_err::write(path, text).unwrap();
}

/// The PyPA layout plus what a checkout also holds: a nested directory, a hidden `.git` with a
/// record-looking file in it, and files that are not records.
fn pypa_tree(root: &Path) -> PathBuf {
    let vulns = root.join("vulns");
    write(
        &vulns.join("flask/PYSEC-2099-1.yaml"),
        &yaml_record("PYSEC-2099-1", "Flask", "2.3.2", "2024-01-01T00:00:00Z"),
    );
    write(
        &vulns.join("flask/GHSA-aaaa-bbbb-cccc.json"),
        &json_record(
            "GHSA-aaaa-bbbb-cccc",
            &["flask"],
            "3.0.1",
            "2024-02-01T00:00:00Z",
        ),
    );
    write(
        &vulns.join("django/PYSEC-2099-2.yml"),
        &yaml_record("PYSEC-2099-2", "django", "4.2.1", "2024-03-01T00:00:00Z"),
    );
    write(
        &vulns.join("deep/er/still/PYSEC-2099-3.yaml"),
        &yaml_record("PYSEC-2099-3", "requests", "2.31.0", "2023-05-01T00:00:00Z"),
    );
    write(
        &vulns.join(".git/objects/PYSEC-2099-9.yaml"),
        &yaml_record("PYSEC-2099-9", "flask", "9.9", "2024-01-01T00:00:00Z"),
    );
    write(&vulns.join("README.md"), "not a record\n");
    write(
        &vulns.join("npm-only/GHSA-nnnn-pppp-mmmm.json"),
        r#"{"id": "GHSA-nnnn-pppp-mmmm", "modified": "2024-01-01T00:00:00Z",
            "affected": [{"package": {"ecosystem": "npm", "name": "left-pad"}}]}"#,
    );
    vulns
}

fn ids(advisories: &[std::sync::Arc<Advisory>]) -> Vec<&str> {
    advisories
        .iter()
        .map(|advisory| advisory.id.as_str())
        .collect()
}

fn fixed_versions(advisory: &Advisory) -> Vec<String> {
    advisory
        .affected
        .iter()
        .flat_map(|affected| &affected.ranges)
        .flat_map(|range| &range.events)
        .filter_map(|event| match event {
            Event::Fixed(Bound::Version(version)) => Some(version.to_string()),
            _ => None,
        })
        .collect()
}

fn write_zip(path: &Path, entries: &[(&str, &str)]) {
    let file = fs_err::File::create(path).unwrap();
    let mut archive = zip::ZipWriter::new(file);
    for (entry, text) in entries {
        archive
            .start_file(
                *entry,
                SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored),
            )
            .unwrap();
        archive.write_all(text.as_bytes()).unwrap();
    }
    archive.finish().unwrap();
}

#[test]
fn a_directory_is_indexed_and_a_lookup_returns_only_the_packages_asked_for() {
    let temp = tempfile::tempdir().unwrap();
    let vulns = pypa_tree(temp.path());
    let root = temp.path().join("cache");
    let mut database = Database::open(&root).unwrap();
    assert!(database.is_empty());

    let outcome = database.update_path(&vulns, now()).unwrap();
    assert_eq!(outcome.kind, AdvisorySourceKind::Directory);
    // Four PyPI records, one npm-only record; `.git` and README.md are not entries.
    assert_eq!((outcome.parsed, outcome.reused, outcome.removed), (5, 0, 0));
    assert_eq!((outcome.records, outcome.packages), (4, 3));
    assert_eq!(
        outcome.newest_modified,
        Some("2024-03-01T00:00:00Z".parse().unwrap())
    );
    assert!(outcome.problems.is_empty());
    assert!(outcome.rewritten);
    assert!(outcome.index.starts_with(root.join("indexes")));

    let data = database.load(&[name("flask")]).unwrap();
    assert_eq!(data.advisories.keys().collect::<Vec<_>>(), [&name("flask")]);
    assert_eq!(
        ids(&data.advisories[&name("flask")]),
        ["GHSA-aaaa-bbbb-cccc", "PYSEC-2099-1"]
    );
    assert_eq!(data.sources.len(), 1);
    assert_eq!(data.sources[0].records, 4);
    assert_eq!(data.sources[0].updated, Some(now()));
    assert!(data.diagnostics.is_empty());

    // A reopened database answers the same, and names are matched normalised.
    let reopened = Database::open(&root).unwrap();
    let data = reopened
        .load(&[name("Django"), name("requests"), name("no-such-package")])
        .unwrap();
    assert_eq!(
        data.advisories.keys().collect::<Vec<_>>(),
        [&name("django"), &name("requests")]
    );
    let django = &data.advisories[&name("django")][0];
    assert_eq!(django.id.as_str(), "PYSEC-2099-2");
    assert_eq!(fixed_versions(django), ["4.2.1"]);

    let status = reopened.status();
    assert_eq!(status.sources.len(), 1);
    assert_eq!(status.records, 4);
    assert_eq!(status.sources[0].packages, 3);
    assert_eq!(
        status.sources[0].location,
        fs_err::canonicalize(&vulns).unwrap().display().to_string()
    );
    assert_eq!(status.oldest_update, Some(now()));
}

#[test]
fn a_record_naming_two_packages_is_found_under_both() {
    let temp = tempfile::tempdir().unwrap();
    let vulns = temp.path().join("vulns");
    write(
        &vulns.join("GHSA-twin-twin-twin.json"),
        &json_record(
            "GHSA-twin-twin-twin",
            &["urllib3", "requests"],
            "2.0.0",
            "2024-01-01T00:00:00Z",
        ),
    );
    let mut database = Database::open(&temp.path().join("cache")).unwrap();
    database.update_path(&vulns, now()).unwrap();
    let data = database.load(&[name("requests"), name("urllib3")]).unwrap();
    let requests = &data.advisories[&name("requests")][0];
    let urllib3 = &data.advisories[&name("urllib3")][0];
    assert!(std::sync::Arc::ptr_eq(requests, urllib3));
    // The versions list survives the index: PEP 440 and not.
    let versions: Vec<String> = requests.affected[0]
        .versions
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(versions, ["0.9", "1.0.0b1", "2004d"]);
}

#[test]
fn a_rebuild_parses_only_the_entries_that_changed() {
    let temp = tempfile::tempdir().unwrap();
    let vulns = pypa_tree(temp.path());
    let mut database = Database::open(&temp.path().join("cache")).unwrap();
    let first = database.update_path(&vulns, now()).unwrap();
    assert_eq!(first.parsed, 5);

    // Nothing changed: nothing parsed, the index file is kept.
    let same = database.update_path(&vulns, later()).unwrap();
    assert_eq!((same.parsed, same.reused, same.removed), (0, 5, 0));
    assert!(!same.rewritten);
    assert_eq!(same.index, first.index);
    assert_eq!(database.status().sources[0].updated, later());

    // One record edited: only it is parsed, and the new content is what loads.
    write(
        &vulns.join("django/PYSEC-2099-2.yml"),
        &yaml_record("PYSEC-2099-2", "django", "4.2.10", "2024-04-01T00:00:00Z"),
    );
    let edited = database.update_path(&vulns, later()).unwrap();
    assert_eq!((edited.parsed, edited.reused, edited.removed), (1, 4, 0));
    assert!(edited.rewritten);
    assert_ne!(edited.index, first.index);
    assert!(!first.index.exists(), "the previous generation is removed");
    let data = database.load(&[name("django"), name("flask")]).unwrap();
    assert_eq!(
        fixed_versions(&data.advisories[&name("django")][0]),
        ["4.2.10"]
    );
    assert_eq!(data.advisories[&name("flask")].len(), 2);
    assert_eq!(
        edited.newest_modified,
        Some("2024-04-01T00:00:00Z".parse().unwrap())
    );

    // One added, one removed.
    write(
        &vulns.join("numpy/PYSEC-2099-4.yaml"),
        &yaml_record("PYSEC-2099-4", "numpy", "1.22.0", "2024-01-05T00:00:00Z"),
    );
    fs_err::remove_file(vulns.join("flask/PYSEC-2099-1.yaml")).unwrap();
    let moved = database.update_path(&vulns, later()).unwrap();
    assert_eq!((moved.parsed, moved.reused, moved.removed), (1, 4, 1));
    assert_eq!((moved.records, moved.packages), (4, 4));
    let data = database.load(&[name("flask"), name("numpy")]).unwrap();
    assert_eq!(
        ids(&data.advisories[&name("flask")]),
        ["GHSA-aaaa-bbbb-cccc"]
    );
    assert_eq!(ids(&data.advisories[&name("numpy")]), ["PYSEC-2099-4"]);
}

#[test]
fn a_bad_record_is_reported_with_its_file_and_the_rest_still_loads() {
    let temp = tempfile::tempdir().unwrap();
    let vulns = pypa_tree(temp.path());
    let bad = vulns.join("flask/PYSEC-2099-5.yaml");
    write(&bad, "id: PYSEC-2099-5\nmodified: [unclosed\n");
    let bad_id = vulns.join("flask/PYSEC-2099-6.json");
    write(
        &bad_id,
        &json_record("PYSEC 2099 6", &["flask"], "1.0", "2024-01-01T00:00:00Z"),
    );
    let mut database = Database::open(&temp.path().join("cache")).unwrap();
    let outcome = database.update_path(&vulns, now()).unwrap();
    assert_eq!(outcome.records, 4);
    let mut locations: Vec<&str> = outcome
        .problems
        .iter()
        .map(|problem| problem.location.as_str())
        .collect();
    locations.sort_unstable();
    let canonical = fs_err::canonicalize(&vulns).unwrap();
    assert_eq!(
        locations,
        [
            canonical
                .join("flask/PYSEC-2099-5.yaml")
                .display()
                .to_string(),
            canonical
                .join("flask/PYSEC-2099-6.json")
                .display()
                .to_string(),
        ]
    );
    let syntax = outcome
        .problems
        .iter()
        .find(|problem| problem.location.ends_with("PYSEC-2099-5.yaml"))
        .unwrap();
    assert!(syntax.line > 0, "the parser's line is kept: {syntax:?}");
    assert!(
        outcome.problems[1].message.contains("PYSEC 2099 6")
            || outcome.problems[0].message.contains("PYSEC 2099 6"),
        "{:?}",
        outcome.problems
    );

    // The audit sees both as bad-advisory diagnostics, with the flask records that are fine.
    let data = database.load(&[name("flask")]).unwrap();
    assert_eq!(
        ids(&data.advisories[&name("flask")]),
        ["GHSA-aaaa-bbbb-cccc", "PYSEC-2099-1"]
    );
    assert_eq!(data.diagnostics.len(), 2);
    assert!(data.diagnostics.iter().all(|d| d.code == Code::BadAdvisory));
    let paths: Vec<PathBuf> = data
        .diagnostics
        .iter()
        .map(|diagnostic| diagnostic.location.as_ref().unwrap().path.clone())
        .collect();
    assert!(paths.contains(&canonical.join("flask/PYSEC-2099-5.yaml")));

    // Still reported when the bad files are reused, gone once fixed.
    let again = database.update_path(&vulns, later()).unwrap();
    assert_eq!((again.parsed, again.problems.len()), (0, 2));
    fs_err::remove_file(&bad).unwrap();
    write(
        &bad_id,
        &json_record("PYSEC-2099-6", &["flask"], "1.0", "2024-01-01T00:00:00Z"),
    );
    let fixed = database.update_path(&vulns, later()).unwrap();
    assert_eq!((fixed.parsed, fixed.removed, fixed.records), (1, 1, 5));
    assert!(fixed.problems.is_empty());
    assert!(database
        .load(&[name("flask")])
        .unwrap()
        .diagnostics
        .is_empty());
}

#[test]
fn a_zip_archive_and_a_single_file_are_sources() {
    let temp = tempfile::tempdir().unwrap();
    let archive = temp.path().join("all.zip");
    write_zip(
        &archive,
        &[
            (
                "PYSEC-2099-1.json",
                &json_record("PYSEC-2099-1", &["flask"], "2.3.2", "2024-01-01T00:00:00Z"),
            ),
            ("BROKEN-1.json", "{\"id\": "),
            ("notes.txt", "not a record"),
        ],
    );
    let records = read_source(&archive).unwrap();
    assert_eq!(records.kind, AdvisorySourceKind::Zip);
    assert_eq!(records.advisories.len(), 1);
    assert_eq!(records.problems.len(), 1);
    assert_eq!(
        records.problems[0].location,
        format!("{}!BROKEN-1.json", archive.display())
    );

    let single = temp.path().join("PYSEC-2099-7.yaml");
    write(
        &single,
        &yaml_record("PYSEC-2099-7", "jinja2", "3.1.3", "2024-01-01T00:00:00Z"),
    );
    let mut database = Database::open(&temp.path().join("cache")).unwrap();
    let zip_outcome = database.update_path(&archive, now()).unwrap();
    assert_eq!(zip_outcome.kind, AdvisorySourceKind::Zip);
    assert_eq!((zip_outcome.records, zip_outcome.problems.len()), (1, 1));
    let file_outcome = database.update_path(&single, now()).unwrap();
    assert_eq!(file_outcome.kind, AdvisorySourceKind::File);
    assert_eq!(file_outcome.records, 1);

    let data = database.load(&[name("flask"), name("jinja2")]).unwrap();
    assert_eq!(data.advisories.len(), 2);
    assert_eq!(data.sources.len(), 2);
    let diagnostic = &data.diagnostics[0];
    let canonical = fs_err::canonicalize(&archive).unwrap();
    assert_eq!(
        diagnostic.location.as_ref().unwrap().path,
        PathBuf::from(format!("{}!BROKEN-1.json", canonical.display()))
    );

    // A changed archive entry is the only one parsed again (CRC-32 and size compared).
    write_zip(
        &archive,
        &[
            (
                "PYSEC-2099-1.json",
                &json_record("PYSEC-2099-1", &["flask"], "2.3.3", "2024-01-02T00:00:00Z"),
            ),
            ("BROKEN-1.json", "{\"id\": "),
        ],
    );
    let rebuilt = database.update_path(&archive, later()).unwrap();
    assert_eq!((rebuilt.parsed, rebuilt.reused, rebuilt.removed), (1, 1, 0));
}

#[test]
fn a_damaged_zip_or_a_missing_path_is_an_error_naming_it() {
    let temp = tempfile::tempdir().unwrap();
    let archive = temp.path().join("all.zip");
    fs_err::write(&archive, b"PK\x03\x04 this is not really a zip").unwrap();
    let mut database = Database::open(&temp.path().join("cache")).unwrap();
    let error = database.update_path(&archive, now()).unwrap_err();
    assert!(
        matches!(&error, DatabaseError::Source(SourceError::Zip { path, .. }) if path.ends_with("all.zip")),
        "{error:?}"
    );
    assert!(error.to_string().contains("all.zip"), "{error}");

    let missing = temp.path().join("nowhere");
    let error = database.update_path(&missing, now()).unwrap_err();
    assert!(error.to_string().contains("nowhere"), "{error}");

    let unknown = temp.path().join("records.txt");
    fs_err::write(&unknown, "hello").unwrap();
    let error = database.update_path(&unknown, now()).unwrap_err();
    assert!(
        matches!(
            error,
            DatabaseError::Source(SourceError::UnknownFormat { .. })
        ),
        "{error:?}"
    );
    assert!(database.is_empty());
}

#[test]
fn a_downloaded_archive_is_installed_and_a_corrupt_one_refused() {
    let temp = tempfile::tempdir().unwrap();
    let root = temp.path().join("cache");
    let url = "https://advisories.invalid/PyPI/all.zip";
    let mut database = Database::open(&root).unwrap();
    let download = database.staging_dir().unwrap().join("download-1");
    write_zip(
        &download,
        &[
            (
                "PYSEC-2099-1.json",
                &json_record("PYSEC-2099-1", &["flask"], "2.3.2", "2024-01-01T00:00:00Z"),
            ),
            (
                "GHSA-aaaa-bbbb-cccc.json",
                &json_record(
                    "GHSA-aaaa-bbbb-cccc",
                    &["django"],
                    "4.2.1",
                    "2024-02-01T00:00:00Z",
                ),
            ),
            ("BAD-1.json", "[]"),
        ],
    );
    let validators = Validators {
        etag: Some("\"v1\"".to_string()),
        last_modified: Some("Thu, 01 Jan 2026 00:00:00 GMT".to_string()),
    };
    let outcome = database
        .install_archive(url, &download, validators.clone(), now())
        .unwrap();
    assert_eq!(outcome.kind, AdvisorySourceKind::Download);
    assert_eq!(outcome.location, url);
    assert_eq!((outcome.records, outcome.problems.len()), (2, 1));
    assert!(
        !download.exists(),
        "the download is moved into the database"
    );
    let status = database.status();
    let installed = status.sources[0].archive.clone().unwrap();
    assert!(installed.starts_with(root.join("archives")) && installed.exists());
    assert!(outcome.problems[0]
        .location
        .starts_with(&installed.display().to_string()));
    assert!(outcome.problems[0].location.ends_with("!BAD-1.json"));
    assert_eq!(
        Database::open(&root).unwrap().validators(url),
        Some(validators.clone())
    );
    assert_eq!(
        database.validators("https://elsewhere.invalid/all.zip"),
        None
    );

    // A truncated download: not a zip any more. Refused; everything stays as it was.
    let manifest_before = fs_err::read(root.join("manifest.json")).unwrap();
    let truncated = database.staging_dir().unwrap().join("download-2");
    let bytes = fs_err::read(&installed).unwrap();
    fs_err::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    let error = database
        .install_archive(url, &truncated, Validators::default(), later())
        .unwrap_err();
    assert!(
        matches!(error, DatabaseError::RefusedArchive { .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains(url), "{error}");

    // A zip whose directory is intact but whose data is damaged (CRC-32 mismatch): refused.
    let damaged = database.staging_dir().unwrap().join("download-3");
    let mut bytes = bytes.clone();
    let at = bytes
        .windows(b"4.2.1".len())
        .position(|window| window == b"4.2.1")
        .unwrap();
    bytes[at] = b'9';
    fs_err::write(&damaged, &bytes).unwrap();
    let error = database
        .install_archive(url, &damaged, Validators::default(), later())
        .unwrap_err();
    assert!(
        matches!(error, DatabaseError::RefusedArchive { .. }),
        "{error:?}"
    );

    // An archive without any record would empty the database: refused too.
    let empty = database.staging_dir().unwrap().join("download-4");
    write_zip(&empty, &[("README", "nothing here")]);
    let error = database
        .install_archive(url, &empty, Validators::default(), later())
        .unwrap_err();
    assert!(
        matches!(error, DatabaseError::EmptyArchive { .. }),
        "{error:?}"
    );

    assert_eq!(
        fs_err::read(root.join("manifest.json")).unwrap(),
        manifest_before
    );
    let reopened = Database::open(&root).unwrap();
    let data = reopened.load(&[name("flask"), name("django")]).unwrap();
    assert_eq!(data.advisories.len(), 2);
    assert_eq!(reopened.validators(url), Some(validators));
    assert_eq!(reopened.status().sources[0].updated, now());

    // 304 Not Modified: only the time changes.
    let mut database = reopened;
    database.mark_not_modified(url, later()).unwrap();
    assert_eq!(
        Database::open(&root).unwrap().status().sources[0].updated,
        later()
    );
    assert!(matches!(
        database.mark_not_modified("https://elsewhere.invalid/", later()),
        Err(DatabaseError::UnknownSource { .. })
    ));

    // A new download reuses the unchanged entries and replaces the old archive.
    let next = database.staging_dir().unwrap().join("download-5");
    write_zip(
        &next,
        &[
            (
                "PYSEC-2099-1.json",
                &json_record("PYSEC-2099-1", &["flask"], "2.3.2", "2024-01-01T00:00:00Z"),
            ),
            (
                "PYSEC-2099-8.json",
                &json_record("PYSEC-2099-8", &["pyyaml"], "6.0", "2024-05-01T00:00:00Z"),
            ),
        ],
    );
    let updated = database
        .install_archive(url, &next, Validators::default(), later())
        .unwrap();
    assert_eq!((updated.parsed, updated.reused, updated.removed), (1, 1, 2));
    assert!(!installed.exists(), "the previous archive is removed");
    let data = database.load(&[name("pyyaml"), name("django")]).unwrap();
    assert_eq!(
        data.advisories.keys().collect::<Vec<_>>(),
        [&name("pyyaml")]
    );
    assert_eq!(database.validators(url), Some(Validators::default()));
}

/// Flips one byte of `path` at the first occurrence of `marker`.
fn damage(path: &Path, marker: &[u8]) {
    let mut bytes = fs_err::read(path).unwrap();
    let at = bytes
        .windows(marker.len())
        .position(|window| window == marker)
        .unwrap();
    bytes[at] ^= 0x20;
    fs_err::write(path, &bytes).unwrap();
}

#[test]
fn a_truncated_or_damaged_index_is_detected_and_rebuilt() {
    let temp = tempfile::tempdir().unwrap();
    let vulns = pypa_tree(temp.path());
    let root = temp.path().join("cache");
    let mut database = Database::open(&root).unwrap();
    let outcome = database.update_path(&vulns, now()).unwrap();
    let index = outcome.index.clone();
    let length = fs_err::metadata(&index).unwrap().len();

    fs_err::OpenOptions::new()
        .write(true)
        .open(&index)
        .unwrap()
        .set_len(length / 2)
        .unwrap();
    let data = database.load(&[name("flask")]).unwrap();
    assert_eq!(
        ids(&data.advisories[&name("flask")]),
        ["GHSA-aaaa-bbbb-cccc", "PYSEC-2099-1"]
    );
    assert_eq!(
        fs_err::metadata(&index).unwrap().len(),
        length,
        "rebuilt in place"
    );

    // An update also notices, says so, and parses everything again.
    fs_err::write(&index, b"TENDOSVI garbage").unwrap();
    let rebuilt = database.update_path(&vulns, later()).unwrap();
    assert!(rebuilt.previous_invalid.is_some());
    assert_eq!((rebuilt.parsed, rebuilt.reused), (5, 0));

    // A flipped byte inside one record: that record fails its checksum when it is read.
    let index = rebuilt.index;
    damage(&index, b"PYSEC-2099-2 in django");
    let data = database.load(&[name("django")]).unwrap();
    assert_eq!(ids(&data.advisories[&name("django")]), ["PYSEC-2099-2"]);
    assert_eq!(
        data.advisories[&name("django")][0].summary.as_deref(),
        Some("PYSEC-2099-2 in django")
    );
}

#[test]
fn a_lookup_reads_only_the_records_of_the_packages_asked_for() {
    let temp = tempfile::tempdir().unwrap();
    let vulns = pypa_tree(temp.path());
    let mut database = Database::open(&temp.path().join("cache")).unwrap();
    let index = database.update_path(&vulns, now()).unwrap().index;
    // Damage django's record only. A lookup of flask never reads it, so it neither notices
    // nor rebuilds; a lookup of django does both.
    damage(&index, b"PYSEC-2099-2 in django");
    let damaged = fs_err::read(&index).unwrap();
    let data = database.load(&[name("flask"), name("requests")]).unwrap();
    assert_eq!(data.advisories.len(), 2);
    assert_eq!(fs_err::read(&index).unwrap(), damaged);
    database.load(&[name("django")]).unwrap();
    assert_ne!(fs_err::read(&index).unwrap(), damaged);
}

#[test]
fn a_corrupt_manifest_is_an_error_naming_it() {
    let temp = tempfile::tempdir().unwrap();
    let root = temp.path().join("cache");
    write(
        &root.join("manifest.json"),
        "{\"format\": 1, \"sources\": [",
    );
    let error = Database::open(&root).unwrap_err();
    assert!(
        matches!(error, DatabaseError::InvalidManifest { .. }),
        "{error:?}"
    );
    assert!(
        error
            .to_string()
            .contains(&root.join("manifest.json").display().to_string()),
        "{error}"
    );

    write(
        &root.join("manifest.json"),
        "{\"format\": 99, \"sources\": []}",
    );
    let error = Database::open(&root).unwrap_err();
    assert!(
        matches!(error, DatabaseError::NewerManifest { found: 99, .. }),
        "{error:?}"
    );

    // A manifest naming a file outside the database is refused: repairs write to that file.
    write(
        &root.join("manifest.json"),
        r#"{"format": 1, "sources": [{"kind": "directory", "location": "/x",
            "index": "../../etc/passwd", "records": 0, "packages": 0,
            "updated": "2026-01-01T00:00:00Z"}]}"#,
    );
    let error = Database::open(&root).unwrap_err();
    assert!(
        matches!(error, DatabaseError::ManifestPath { .. }),
        "{error:?}"
    );
}

#[test]
fn a_missing_root_is_an_empty_database() {
    let temp = tempfile::tempdir().unwrap();
    let database = Database::open(&temp.path().join("never/created")).unwrap();
    assert!(database.is_empty());
    let status = database.status();
    assert!(status.sources.is_empty());
    assert_eq!((status.records, status.oldest_update), (0, None));
    let data = database.load(&[name("flask")]).unwrap();
    assert!(data.advisories.is_empty() && data.sources.is_empty());
    assert!(
        !temp.path().join("never").exists(),
        "reading creates nothing"
    );
}

#[test]
fn the_same_advisory_in_two_sources_is_kept_once_newest_first() {
    let temp = tempfile::tempdir().unwrap();
    let older = temp.path().join("older");
    let newer = temp.path().join("newer");
    write(
        &older.join("PYSEC-2099-1.yaml"),
        &yaml_record("PYSEC-2099-1", "flask", "2.3.2", "2024-01-01T00:00:00Z"),
    );
    write(
        &older.join("PYSEC-2099-3.yaml"),
        &yaml_record("PYSEC-2099-3", "flask", "1.0", "2024-01-01T00:00:00Z"),
    );
    write(
        &newer.join("PYSEC-2099-1.yaml"),
        &yaml_record("PYSEC-2099-1", "flask", "2.3.3", "2024-06-01T00:00:00Z"),
    );
    let mut database = Database::open(&temp.path().join("cache")).unwrap();
    // The order of the sources must not matter: the newer copy is added first here.
    database.update_path(&newer, now()).unwrap();
    database.update_path(&older, now()).unwrap();
    let data = database.load(&[name("flask")]).unwrap();
    let flask = &data.advisories[&name("flask")];
    assert_eq!(ids(flask), ["PYSEC-2099-1", "PYSEC-2099-3"]);
    assert_eq!(fixed_versions(&flask[0]), ["2.3.3"]);
    assert_eq!(data.sources.len(), 2);

    assert!(database
        .remove_source(&fs_err::canonicalize(&newer).unwrap().display().to_string())
        .unwrap());
    let data = database.load(&[name("flask")]).unwrap();
    assert_eq!(
        fixed_versions(&data.advisories[&name("flask")][0]),
        ["2.3.2"]
    );
    assert_eq!(
        Database::open(&temp.path().join("cache"))
            .unwrap()
            .status()
            .sources
            .len(),
        1
    );
}

#[test]
fn an_adhoc_path_keeps_its_own_index_and_refreshes_it_when_files_change() {
    let temp = tempfile::tempdir().unwrap();
    let vulns = pypa_tree(temp.path());
    let root = temp.path().join("cache");
    let (view, outcomes) =
        Database::open_paths(&root, std::slice::from_ref(&vulns), now()).unwrap();
    assert_eq!(outcomes[0].parsed, 5);
    assert!(outcomes[0].index.starts_with(root.join("adhoc")));
    assert_eq!(
        view.load(&[name("flask")]).unwrap().advisories[&name("flask")].len(),
        2
    );
    assert!(
        !root.join("manifest.json").exists(),
        "ad-hoc sources stay out of the manifest"
    );
    assert!(Database::open(&root).unwrap().is_empty());

    let (_, outcomes) = Database::open_paths(&root, std::slice::from_ref(&vulns), later()).unwrap();
    assert_eq!((outcomes[0].parsed, outcomes[0].reused), (0, 5));
    assert!(!outcomes[0].rewritten);

    write(
        &vulns.join("flask/PYSEC-2099-1.yaml"),
        &yaml_record("PYSEC-2099-1", "flask", "2.3.9", "2024-07-01T00:00:00Z"),
    );
    let (view, outcomes) =
        Database::open_paths(&root, std::slice::from_ref(&vulns), later()).unwrap();
    assert_eq!((outcomes[0].parsed, outcomes[0].reused), (1, 4));
    let data = view.load(&[name("flask")]).unwrap();
    let flask = &data.advisories[&name("flask")];
    assert_eq!(fixed_versions(&flask[1]), ["2.3.9"]);
    assert_eq!(view.status().sources[0].updated, later());

    // A zip whose own size and time are unchanged is not even opened again.
    let archive = temp.path().join("all.zip");
    write_zip(
        &archive,
        &[(
            "PYSEC-2099-1.json",
            &json_record("PYSEC-2099-1", &["flask"], "2.3.2", "2024-01-01T00:00:00Z"),
        )],
    );
    let (_, first) = Database::open_paths(&root, std::slice::from_ref(&archive), now()).unwrap();
    assert_eq!(first[0].parsed, 1);
    let (view, second) = Database::open_paths(&root, &[archive.clone(), vulns], now()).unwrap();
    assert_eq!(
        (second[0].parsed, second[0].reused, second[0].rewritten),
        (0, 1, false)
    );
    assert_eq!(view.status().sources.len(), 2);
    assert_eq!(view.sources().len(), 2);
    let single = Database::open_path(&root, &archive, now()).unwrap();
    assert_eq!(single.load(&[name("flask")]).unwrap().advisories.len(), 1);
}

#[cfg(unix)]
#[test]
fn a_symlink_loop_is_walked_once() {
    let temp = tempfile::tempdir().unwrap();
    let vulns = temp.path().join("vulns");
    write(
        &vulns.join("flask/PYSEC-2099-1.yaml"),
        &yaml_record("PYSEC-2099-1", "flask", "2.3.2", "2024-01-01T00:00:00Z"),
    );
    std::os::unix::fs::symlink(&vulns, vulns.join("flask/loop")).unwrap();
    std::os::unix::fs::symlink(vulns.join("nowhere.yaml"), vulns.join("dangling.yaml")).unwrap();
    let records = read_source(&vulns).unwrap();
    assert_eq!(records.advisories.len(), 1);
    assert_eq!(records.problems.len(), 1);
    assert!(records.problems[0].location.ends_with("dangling.yaml"));
}

#[test]
fn two_handles_updating_different_sources_keep_both() {
    let temp = tempfile::tempdir().unwrap();
    let root = temp.path().join("cache");
    let first = temp.path().join("first");
    let second = temp.path().join("second");
    write(
        &first.join("PYSEC-2099-1.yaml"),
        &yaml_record("PYSEC-2099-1", "flask", "2.3.2", "2024-01-01T00:00:00Z"),
    );
    write(
        &second.join("PYSEC-2099-2.yaml"),
        &yaml_record("PYSEC-2099-2", "django", "4.2.1", "2024-01-01T00:00:00Z"),
    );
    // Both opened before either writes, as two processes would.
    let mut one = Database::open(&root).unwrap();
    let mut other = Database::open(&root).unwrap();
    one.update_path(&first, now()).unwrap();
    other.update_path(&second, now()).unwrap();
    let reopened = Database::open(&root).unwrap();
    assert_eq!(reopened.status().sources.len(), 2);
    let data = reopened.load(&[name("flask"), name("django")]).unwrap();
    assert_eq!(data.advisories.len(), 2);
}

/// Every damaged byte of an index is either never read by a lookup or detected and repaired:
/// the answer is always the one the source gives, and nothing panics.
#[test]
fn no_single_damaged_byte_of_an_index_changes_an_answer() {
    let temp = tempfile::tempdir().unwrap();
    let vulns = pypa_tree(temp.path());
    let mut database = Database::open(&temp.path().join("cache")).unwrap();
    let index = database.update_path(&vulns, now()).unwrap().index;
    let names = [
        name("flask"),
        name("django"),
        name("requests"),
        name("numpy"),
    ];
    let expected = format!("{:?}", database.load(&names).unwrap().advisories);
    let pristine = fs_err::read(&index).unwrap();
    for position in (0..pristine.len()).step_by(7) {
        let mut damaged = pristine.clone();
        damaged[position] ^= 0x5a;
        fs_err::write(&index, &damaged).unwrap();
        let answer = database.load(&names).unwrap();
        assert_eq!(
            format!("{:?}", answer.advisories),
            expected,
            "byte {position}"
        );
    }
    // Cut short anywhere: the same.
    for len in (0..pristine.len()).step_by(37) {
        fs_err::write(&index, &pristine[..len]).unwrap();
        let answer = database.load(&names).unwrap();
        assert_eq!(format!("{:?}", answer.advisories), expected, "length {len}");
    }
}

#[cfg(unix)]
#[test]
fn a_file_rewritten_with_its_old_size_and_time_is_still_parsed_again() {
    let temp = tempfile::tempdir().unwrap();
    let vulns = temp.path().join("vulns");
    let record = vulns.join("flask/PYSEC-2099-1.yaml");
    write(
        &record,
        &yaml_record("PYSEC-2099-1", "flask", "2.3.2", "2024-01-01T00:00:00Z"),
    );
    let modified = fs_err::metadata(&record).unwrap().modified().unwrap();
    let mut database = Database::open(&temp.path().join("cache")).unwrap();
    database.update_path(&vulns, now()).unwrap();

    // Same length, and the modification time put back as `touch -r` or `cp -p` would.
    fs_err::write(
        &record,
        yaml_record("PYSEC-2099-1", "flask", "2.3.3", "2024-01-01T00:00:00Z"),
    )
    .unwrap();
    fs_err::OpenOptions::new()
        .write(true)
        .open(&record)
        .unwrap()
        .file()
        .set_modified(modified)
        .unwrap();
    assert_eq!(
        fs_err::metadata(&record).unwrap().modified().unwrap(),
        modified
    );
    let outcome = database.update_path(&vulns, later()).unwrap();
    assert_eq!(outcome.parsed, 1);
    let data = database.load(&[name("flask")]).unwrap();
    assert_eq!(
        fixed_versions(&data.advisories[&name("flask")][0]),
        ["2.3.3"]
    );
}
