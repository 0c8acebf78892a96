//! Reading OSV records. Every file under `test-data/osv/good/` parses and its advisory is
//! snapshotted; every file under `test-data/osv/bad/` fails and its error is snapshotted. The
//! named tests pin the rules a snapshot would not make obvious, and the last ones read the real
//! PyPA advisory database when it sits beside the repository.

// A fixture that cannot be listed or read should fail the test loudly.
#![allow(clippy::unwrap_used)]

use std::error::Error;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde_json::json;
use tend_advisory::{
    assess_severity, parse_record, Advisory, Bound, Event, RecordError, RecordFormat, SeverityEntry,
};
use tend_model::{DistVersion, PackageName};

fn test_data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("test-data/osv")
}

fn fixtures(kind: &str) -> Vec<PathBuf> {
    let directory = test_data().join(kind);
    let mut files: Vec<PathBuf> = fs_err::read_dir(&directory)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| RecordFormat::from_path(path).is_some())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no fixtures in {}", directory.display());
    files
}

fn parse(path: &Path) -> Result<Option<Advisory>, RecordError> {
    let bytes = fs_err::read(path).unwrap();
    parse_record(&bytes, RecordFormat::from_path(path).unwrap())
}

fn good(name: &str) -> Advisory {
    let path = test_data().join("good").join(name);
    match parse(&path) {
        Ok(Some(advisory)) => advisory,
        other => panic!("{}: {other:?}", path.display()),
    }
}

/// The error and its causes, as `tend` prints them.
fn chain(error: &RecordError) -> Vec<String> {
    let mut lines = vec![error.to_string()];
    let mut source = error.source();
    while let Some(cause) = source {
        lines.push(cause.to_string());
        source = cause.source();
    }
    lines
}

fn file_name(path: &Path) -> String {
    path.file_name().unwrap().to_string_lossy().into_owned()
}

#[test]
fn good_fixtures() {
    for path in fixtures("good") {
        let advisory =
            parse(&path).unwrap_or_else(|error| panic!("{}: {:?}", path.display(), chain(&error)));
        insta::assert_json_snapshot!(format!("good-{}", file_name(&path)), advisory);
    }
}

#[test]
fn bad_fixtures() {
    for path in fixtures("bad") {
        let error = match parse(&path) {
            Ok(advisory) => panic!("{} should not parse: {advisory:?}", path.display()),
            Err(error) => error,
        };
        let value = json!({
            "error": chain(&error),
            "line_column": error.line_column(),
        });
        insta::assert_json_snapshot!(format!("bad-{}", file_name(&path)), value);
    }
}

#[test]
fn record_format_follows_the_extension() {
    let format = |name: &str| RecordFormat::from_path(Path::new(name));
    assert_eq!(
        format("vulns/flask/PYSEC-2023-62.yaml"),
        Some(RecordFormat::Yaml)
    );
    assert_eq!(format("PYSEC-2023-62.YML"), Some(RecordFormat::Yaml));
    assert_eq!(format("GHSA-m2qf-hxjv-5gpq.Json"), Some(RecordFormat::Json));
    assert_eq!(format("vulns/.id-allocator"), None);
    assert_eq!(format("README.md"), None);
    assert_eq!(format("yaml"), None);
}

#[test]
fn json_and_yaml_twins_parse_to_the_same_advisory() {
    assert_eq!(good("pysec-typical.yaml"), good("pysec-typical.json"));
}

#[test]
fn yaml_plain_scalars_keep_their_text() {
    let advisory = good("yaml-plain-scalars.yaml");
    let affected = &advisory.affected[0];
    let versions: Vec<String> = affected.versions.iter().map(ToString::to_string).collect();
    assert_eq!(versions, ["1.1", "1.10", "1.7.3", "2.0", "2.1.0"]);
    assert_eq!(
        affected.ranges[0].events[0],
        Event::Introduced(Bound::Zero),
        "an unquoted 0 is OSV's \"0\""
    );
    assert_eq!(
        affected.ranges[1].events,
        [
            Event::Introduced(Bound::Version(DistVersion::parse("1.10"))),
            Event::Fixed(Bound::Version(DistVersion::parse("2.0"))),
        ]
    );
    assert_eq!(advisory.summary.as_deref(), Some("yes"));
    assert_eq!(advisory.details.as_deref(), Some("on"));
}

#[test]
fn git_and_semver_ranges_are_dropped() {
    let git_only = good("ranges-git-only.yaml");
    assert!(git_only.affected[0].ranges.is_empty());
    assert_eq!(git_only.affected[0].versions.len(), 2);

    let semver = good("ranges-semver-dropped.json");
    assert_eq!(semver.affected[0].ranges.len(), 1);
    assert_eq!(
        semver.affected[0].ranges[0].events[1],
        Event::Fixed(Bound::Version(DistVersion::parse("3.1.35")))
    );
}

#[test]
fn invalid_pep440_versions_are_kept_as_text() {
    let advisory = good("versions-invalid-pep440.yaml");
    let versions = &advisory.affected[0].versions;
    assert!(versions.contains(&DistVersion::Legacy("0.8.4p1".to_string())));
    assert!(versions.contains(&DistVersion::Legacy("trunk".to_string())));
    // Surrounding spaces are not part of a version.
    assert!(versions.contains(&DistVersion::parse("0.8.4")));

    let advisory = good("events-invalid-pep440.json");
    assert_eq!(
        advisory.affected[0].ranges[0].events[1],
        Event::Fixed(Bound::Version(DistVersion::Legacy(
            "2019-09-12".to_string()
        )))
    );
}

#[test]
fn only_the_exact_pypi_ecosystem_is_kept() {
    let advisory = good("mixed-ecosystems.json");
    let packages: Vec<&PackageName> = advisory
        .affected
        .iter()
        .map(|affected| &affected.package)
        .collect();
    assert_eq!(packages, [&PackageName::from_str("gunicorn").unwrap()]);
}

#[test]
fn records_without_a_pypi_entry_are_none_and_not_judged() {
    assert!(parse(&test_data().join("good/other-ecosystem-only.json"))
        .unwrap()
        .is_none());
    assert!(parse(&test_data().join("good/no-affected.yaml"))
        .unwrap()
        .is_none());
    // An id tend could not store and no `modified`: another ecosystem's business.
    let record = br#"{"id": "RUSTSEC 2024/1", "affected": [
        {"package": {"ecosystem": "crates.io", "name": "tokio"},
         "ranges": [{"type": "SEMVER", "events": [{"introduced": "1.0.0", "fixed": "1.2.0"}]}]}
    ]}"#;
    assert!(parse_record(record, RecordFormat::Json).unwrap().is_none());
}

#[test]
fn package_names_are_normalised() {
    let advisory = good("package-names-normalised.yaml");
    let names: Vec<String> = advisory
        .affected
        .iter()
        .map(|affected| affected.package.to_string())
        .collect();
    assert_eq!(names, ["flask-login", "zope-login-helper"]);
}

#[test]
fn severity_comes_from_vectors_then_the_database_rating() {
    let entry = |kind, score| SeverityEntry { kind, score };

    let advisory = good("severity-cvss-v3.json");
    assert_eq!(
        advisory.severity,
        assess_severity(
            &[entry(
                "CVSS_V3",
                "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:C/C:H/I:N/A:N"
            )],
            Some("MODERATE")
        )
    );
    let advisory = good("severity-database-only.json");
    assert_eq!(advisory.severity, assess_severity(&[], Some("HIGH")));
    let advisory = good("severity-none.yaml");
    assert_eq!(advisory.severity, assess_severity(&[], None));
    assert!(advisory.affected[0].severity.is_none());

    // Each entry's own severity; the record has none.
    let advisory = good("severity-per-package.json");
    assert_eq!(advisory.severity, assess_severity(&[], None));
    let severities: Vec<_> = advisory
        .affected
        .iter()
        .map(|affected| affected.severity.clone())
        .collect();
    assert_eq!(
        severities,
        [
            Some(assess_severity(
                &[entry(
                    "CVSS_V3",
                    "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
                )],
                None
            )),
            // `ecosystem_specific` is the ecosystem's own word; it wins over an aggregator's.
            Some(assess_severity(&[], Some("LOW"))),
            Some(assess_severity(&[], Some("MODERATE"))),
            None,
        ]
    );
}

#[test]
fn url_is_the_first_advisory_reference_else_the_first_web_one() {
    assert_eq!(
        good("ranges-multiple-pairs.json").url.as_deref(),
        Some("https://nvd.nist.gov/vuln/detail/CVE-2023-30861")
    );
    assert_eq!(
        good("schema-version-and-unknown-fields.json")
            .url
            .as_deref(),
        Some("https://github.com/pypa/setuptools/pull/4332")
    );
    assert_eq!(
        good("versions-only.json").url.as_deref(),
        Some("https://github.com/rohe/pysaml2/issues/417")
    );
    assert_eq!(
        good("yaml-plain-scalars.yaml").url.as_deref(),
        Some("https://github.com/cookiecutter/cookiecutter/releases/tag/2.1.1")
    );
}

#[test]
fn errors_point_at_the_line_the_parser_stopped_on() {
    let error = parse(&test_data().join("bad/invalid-json.json")).unwrap_err();
    assert!(matches!(
        error,
        RecordError::Syntax {
            format: RecordFormat::Json,
            ..
        }
    ));
    assert_eq!(error.line_column(), Some((4, Some(3))));

    let error = parse(&test_data().join("bad/invalid-yaml.yaml")).unwrap_err();
    assert!(matches!(
        error,
        RecordError::Syntax {
            format: RecordFormat::Yaml,
            ..
        }
    ));
    assert_eq!(error.line_column().map(|(line, _)| line), Some(11));

    let error = parse(&test_data().join("bad/not-utf8.yaml")).unwrap_err();
    // `details: Reported by Ren` is 24 characters.
    assert_eq!(error.line_column(), Some((3, Some(25))));

    let error = parse(&test_data().join("bad/missing-modified.yaml")).unwrap_err();
    assert!(matches!(&error, RecordError::MissingField { field } if field == "modified"));
}

/// `../shared/advisories/pypa-advisory-database/vulns` beside the repository, when present.
fn pypa_database() -> Option<PathBuf> {
    let directory = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/advisories/pypa-advisory-database/vulns");
    directory.is_dir().then_some(directory)
}

fn record_files(directory: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![directory.to_path_buf()];
    while let Some(directory) = pending.pop() {
        for entry in fs_err::read_dir(&directory).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else if RecordFormat::from_path(&path).is_some() {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// Records of the PyPA database that legitimately do not become an advisory, by file name,
/// with the start of the expected error (or "no PyPI entry"). A new entry here needs a reason.
const PYPA_NOT_PARSED: &[(&str, &str)] = &[];

/// `PYSEC-2022-184` lists `GHSA-jf66-3q76-h5p5,` (a stray comma): the record is kept, with the
/// alias as it was meant, so keylime is still audited against it.
#[test]
fn an_alias_with_a_stray_comma_keeps_its_record() {
    let text = "id: PYSEC-2022-184\nmodified: 2023-01-01T00:00:00Z\naliases: [CVE-2022-23949, 'GHSA-jf66-3q76-h5p5,']\naffected:\n- package: {ecosystem: PyPI, name: keylime}\n  versions: ['6.3.0']\n";
    let advisory = parse_record(text.as_bytes(), RecordFormat::Yaml)
        .unwrap()
        .unwrap();
    let aliases: Vec<&str> = advisory
        .aliases
        .iter()
        .map(tend_model::AdvisoryId::as_str)
        .collect();
    assert_eq!(aliases, ["CVE-2022-23949", "GHSA-jf66-3q76-h5p5"]);
    // Anything else that is not an id still fails the record.
    let bad = text.replace("'GHSA-jf66-3q76-h5p5,'", "'GHSA jf66'");
    assert!(parse_record(bad.as_bytes(), RecordFormat::Yaml).is_err());
}

#[test]
#[allow(clippy::print_stderr)]
fn every_record_of_the_pypa_database_parses() {
    let Some(directory) = pypa_database() else {
        eprintln!("skipped: the PyPA advisory database is not beside the repository");
        return;
    };
    let files = record_files(&directory);
    assert!(files.len() > 2_000, "only {} records found", files.len());

    let mut parsed = 0;
    let mut not_parsed = Vec::new();
    for path in &files {
        match parse(path) {
            Ok(Some(advisory)) => {
                parsed += 1;
                // The layout is `vulns/<package>/<ID>.yaml`.
                let stem = path.file_stem().unwrap().to_string_lossy();
                assert_eq!(advisory.id.as_str(), stem, "{}", path.display());
                let package = path.parent().unwrap().file_name().unwrap();
                let package = PackageName::from_str(&package.to_string_lossy()).unwrap();
                assert!(
                    advisory
                        .affected
                        .iter()
                        .any(|affected| affected.package == package),
                    "{}: no entry for {package}",
                    path.display()
                );
            }
            Ok(None) => not_parsed.push(format!("{}: no PyPI entry", file_name(path))),
            Err(error) => not_parsed.push(format!("{}: {error}", file_name(path))),
        }
    }
    eprintln!("{parsed} of {} PyPA records parsed", files.len());
    let mut expected: Vec<String> = PYPA_NOT_PARSED
        .iter()
        .map(|(name, reason)| format!("{name}: {reason}"))
        .collect();
    expected.sort();
    not_parsed.sort();
    assert_eq!(not_parsed, expected);
    assert_eq!(parsed, files.len() - PYPA_NOT_PARSED.len());
}

/// Parse time of the PyPA database on one thread, for choosing and checking the YAML crate:
/// `cargo test -p tend-advisory --release --test osv_records -- --ignored --nocapture`.
#[test]
#[ignore = "a measurement, not a check: run it in release mode"]
#[allow(clippy::print_stderr)]
fn pypa_database_parse_time() {
    let Some(directory) = pypa_database() else {
        eprintln!("skipped: the PyPA advisory database is not beside the repository");
        return;
    };
    let records: Vec<Vec<u8>> = record_files(&directory)
        .iter()
        .map(|path| fs_err::read(path).unwrap())
        .collect();
    let bytes: usize = records.iter().map(Vec::len).sum();
    let mut best = std::time::Duration::MAX;
    for _ in 0..5 {
        let start = std::time::Instant::now();
        let mut versions = 0;
        for record in &records {
            if let Ok(Some(advisory)) = parse_record(record, RecordFormat::Yaml) {
                versions += advisory
                    .affected
                    .iter()
                    .map(|a| a.versions.len())
                    .sum::<usize>();
            }
        }
        best = best.min(start.elapsed());
        assert!(versions > 0);
    }
    eprintln!(
        "{} records, {bytes} bytes: best of 5 {:.1} ms on one thread",
        records.len(),
        best.as_secs_f64() * 1e3
    );
}
