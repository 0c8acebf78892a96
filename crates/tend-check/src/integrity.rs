//! RECORD verification: every file an installed distribution's RECORD lists is hashed and its
//! size and digest compared with the row.
//!
//! - Paths are relative to the site-packages directory (`../../../bin/x` for scripts) or
//!   absolute; messages show them normalised.
//! - Rows without a hash (the RECORD itself, `.pyc` files written at install time) cannot be
//!   verified and are counted in the summary, not reported.
//! - Rows that cannot be read (bad CSV, unknown algorithm, bad base64, bad size) are reported
//!   as `unverifiable-record` pointing at the RECORD line; so is a dist-info without RECORD.
//! - egg-info and egg-link distributions have no hashes at all: one `unverifiable-record` note
//!   each.
//!
//! `modified-file` and `missing-file` are errors; `unverifiable-record` is always a note (it
//! says what could not be checked, not that something is wrong).
//!
//! Hashing is the slow part: all rows of all distributions are hashed in parallel, files are
//! streamed in blocks so that large ones never sit in memory whole.

use std::io::{self, Read};
use std::path::{Component, Path, PathBuf};

use rayon::prelude::*;
use sha2::{Digest, Sha224, Sha256, Sha384, Sha512};
use tend_model::{Code, Diagnostic, DistFormat, Distribution, Environment, Location, Severity};

use crate::record::{self, RecordAlgorithm, RecordHash, RecordRow};
use crate::CheckReport;

/// One RECORD row to verify.
struct Job<'a> {
    distribution: &'a Distribution,
    record: PathBuf,
    row: RecordRow,
}

pub(crate) fn check(environment: &Environment, report: &mut CheckReport) {
    let mut jobs = Vec::new();
    for distribution in &environment.distributions {
        collect(distribution, report, &mut jobs);
    }
    let results: Vec<Option<Diagnostic>> = jobs.par_iter().map(verify).collect();
    report.summary.files_hashed += jobs.len();
    report.findings.extend(results.into_iter().flatten());
}

fn collect<'a>(distribution: &'a Distribution, report: &mut CheckReport, jobs: &mut Vec<Job<'a>>) {
    let unverifiable = |message: String, location: Location| {
        Diagnostic::new(Code::UnverifiableRecord, Severity::Note, message)
            .with_package(distribution.name.clone())
            .with_location(location)
    };
    if distribution.format != DistFormat::DistInfo {
        report.summary.distributions_unverifiable += 1;
        report.findings.push(unverifiable(
            format!(
                "{} {} is installed as {}, which records no file hashes; its files cannot be verified",
                distribution.name,
                distribution.version,
                match distribution.format {
                    DistFormat::EggLink => "an egg-link",
                    DistFormat::EggInfo | DistFormat::DistInfo => "egg-info",
                }
            ),
            Location::file(&distribution.path),
        ));
        return;
    }
    let record_path = distribution.path.join("RECORD");
    let bytes = match fs_err::read(&record_path) {
        Ok(bytes) => bytes,
        Err(error) => {
            report.summary.distributions_unverifiable += 1;
            let message = if error.kind() == io::ErrorKind::NotFound {
                format!(
                    "{} {} has no RECORD; its files cannot be verified",
                    distribution.name, distribution.version
                )
            } else {
                format!(
                    "the RECORD of {} could not be read: {error}",
                    distribution.name
                )
            };
            report
                .findings
                .push(unverifiable(message, Location::file(&record_path)));
            return;
        }
    };
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(error) => {
            report.summary.distributions_unverifiable += 1;
            let offset = error.utf8_error().valid_up_to();
            let line = error
                .as_bytes()
                .iter()
                .take(offset)
                .filter(|&&byte| byte == b'\n')
                .count()
                + 1;
            report.findings.push(unverifiable(
                format!("the RECORD of {} is not valid UTF-8", distribution.name),
                Location::new(&record_path, line),
            ));
            return;
        }
    };
    report.summary.records_read += 1;
    let (rows, problems) = record::parse(&text);
    for problem in problems {
        report.findings.push(unverifiable(
            format!(
                "a RECORD row of {} cannot be verified: {}",
                distribution.name, problem.message
            ),
            Location::new(&record_path, problem.line),
        ));
    }
    for row in rows {
        if row.hash.is_none() {
            report.summary.files_without_hash += 1;
            continue;
        }
        jobs.push(Job {
            distribution,
            record: record_path.clone(),
            row,
        });
    }
}

fn verify(job: &Job<'_>) -> Option<Diagnostic> {
    let expected = job.row.hash.as_ref()?;
    let path = normalise(&job.distribution.site_packages.join(&job.row.path));
    // Reading problems are notes like every `unverifiable-record`; a file that differs is an error.
    let finding = |code, message: String| {
        let severity = if code == Code::UnverifiableRecord {
            Severity::Note
        } else {
            Severity::Error
        };
        Diagnostic::new(code, severity, message)
            .with_package(job.distribution.name.clone())
            .with_location(Location::new(&job.record, job.row.line))
    };
    let (digest, size) = match hash_file(&path, expected.algorithm) {
        Ok(result) => result,
        Err(error) if error.kind() == io::ErrorKind::NotFound => {
            return Some(finding(
                Code::MissingFile,
                format!(
                    "{} is listed in the RECORD of {} {} but is missing",
                    path.display(),
                    job.distribution.name,
                    job.distribution.version
                ),
            ));
        }
        Err(error) => {
            return Some(finding(
                Code::UnverifiableRecord,
                format!("{} could not be read to verify it: {error}", path.display()),
            ));
        }
    };
    let size_differs = job.row.size.is_some_and(|expected| expected != size);
    if digest == expected.digest && !size_differs {
        return None;
    }
    let mut diagnostic = finding(
        Code::ModifiedFile,
        format!(
            "{} differs from the RECORD of {} {}",
            path.display(),
            job.distribution.name,
            job.distribution.version
        ),
    )
    .with_note(format!(
        "RECORD has {}, the file has {}",
        RecordHash::render(expected.algorithm, &expected.digest),
        RecordHash::render(expected.algorithm, &digest)
    ));
    if let Some(expected) = job.row.size.filter(|_| size_differs) {
        diagnostic =
            diagnostic.with_note(format!("RECORD has {expected} bytes, the file has {size}"));
    }
    Some(diagnostic)
}

/// The digest and size of a file, read in blocks.
fn hash_file(path: &Path, algorithm: RecordAlgorithm) -> io::Result<(Vec<u8>, u64)> {
    match algorithm {
        RecordAlgorithm::Sha224 => hash_with::<Sha224>(path),
        RecordAlgorithm::Sha256 => hash_with::<Sha256>(path),
        RecordAlgorithm::Sha384 => hash_with::<Sha384>(path),
        RecordAlgorithm::Sha512 => hash_with::<Sha512>(path),
    }
}

fn hash_with<D: Digest>(path: &Path) -> io::Result<(Vec<u8>, u64)> {
    let mut file = fs_err::File::open(path)?;
    let mut hasher = D::new();
    let mut buffer = vec![0u8; 64 * 1024];
    let mut size = 0u64;
    loop {
        let read = match file.read(&mut buffer) {
            Ok(0) => break,
            Ok(read) => read,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(error),
        };
        hasher.update(&buffer[..read]);
        size += read as u64;
    }
    Ok((hasher.finalize().to_vec(), size))
}

/// Resolves `.` and `..` without touching the file system: RECORD paths climb out of
/// site-packages (`../../../bin/x`) and the result is what users should see.
fn normalise(path: &Path) -> PathBuf {
    let mut result = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if !result.pop() {
                    result.push(component);
                }
            }
            other => result.push(other),
        }
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalise_climbs_out_of_site_packages() {
        assert_eq!(
            normalise(Path::new(
                "/venv/lib/python3.11/site-packages/../../../bin/x"
            )),
            PathBuf::from("/venv/bin/x")
        );
        assert_eq!(normalise(Path::new("a/./b/../c")), PathBuf::from("a/c"));
    }
}
