//! `tend db update --source URL`: an OSV zip archive downloaded conditionally and installed into
//! the local database only once it has arrived whole and been checked.
//!
//! The request carries the validators stored with the previous download (`If-None-Match`,
//! `If-Modified-Since`); a 304 costs no body and only records when the source was checked. A
//! 200 streams into a temporary file in the database's staging directory (the HTTP client
//! checks the length and retries a cut-short body), and [`Database::install_archive`] checks
//! the zip and its records before replacing anything. A failed request, a truncated or corrupt
//! archive, a server error or a timeout all leave the previous database as it was.
//!
//! The source is stored under its URL with any credentials replaced by `****`, so the manifest
//! and every message can be shown.

use std::fmt;

use jiff::Timestamp;
use tend_http::{Download, HttpClient, HttpError, RedactedUrl, Url};

use crate::{Database, DatabaseError, UpdateOutcome, Validators};

/// Why an archive could not be brought into the database. In every case the previous database
/// is unchanged.
#[derive(Debug, thiserror::Error)]
pub enum DownloadError {
    #[error("could not download the advisory archive {url}; the previous database is kept")]
    Fetch {
        url: RedactedUrl,
        #[source]
        source: HttpError,
    },
    #[error("could not install the advisory archive from {url}; the previous database is kept")]
    Install {
        url: RedactedUrl,
        #[source]
        source: DatabaseError,
    },
    #[error("could not record that {url} is unchanged in the advisory database")]
    MarkNotModified {
        url: RedactedUrl,
        #[source]
        source: DatabaseError,
    },
}

/// What [`update_from_url`] did.
#[derive(Debug, Clone, PartialEq)]
pub enum DownloadOutcome {
    /// The server answered 304 to the stored validators: the installed archive is current.
    NotModified {
        location: String,
        checked: Timestamp,
    },
    /// A new archive was downloaded and installed.
    Installed { outcome: UpdateOutcome, bytes: u64 },
}

/// One line for `tend db update`.
impl fmt::Display for DownloadOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotModified { location, .. } => {
                write!(f, "{location}: not modified since the last download")
            }
            Self::Installed { outcome, bytes } => {
                write!(f, "{outcome}, {} downloaded", human_size(*bytes))
            }
        }
    }
}

fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 3] = ["KiB", "MiB", "GiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    // Display only: the precision lost converting to f64 is far below the one decimal shown.
    #[allow(clippy::cast_precision_loss)]
    let mut size = bytes as f64 / 1024.0;
    let mut unit = 0;
    while size >= 1024.0 && unit + 1 < UNITS.len() {
        size /= 1024.0;
        unit += 1;
    }
    format!("{size:.1} {}", UNITS[unit])
}

/// Downloads the OSV zip archive at `url` into `database` if it changed since the last
/// download (module docs). `now` is stored as the time the source was updated or checked.
pub async fn update_from_url(
    database: &mut Database,
    client: &HttpClient,
    url: &Url,
    now: Timestamp,
) -> Result<DownloadOutcome, DownloadError> {
    let redacted = RedactedUrl::new(url);
    let location = redacted.to_string();
    let install_error = |source| DownloadError::Install {
        url: redacted.clone(),
        source,
    };
    let staging = database.staging_dir().map_err(install_error)?;
    let previous = database
        .validators(&location)
        .map(|stored| tend_http::Validators {
            etag: stored.etag,
            last_modified: stored.last_modified,
        })
        .filter(|validators| !validators.is_empty());
    let download = client
        .download(url, &staging, previous.as_ref())
        .await
        .map_err(|source| DownloadError::Fetch {
            url: redacted.clone(),
            source,
        })?;
    match download {
        Download::NotModified => {
            database
                .mark_not_modified(&location, now)
                .map_err(|source| DownloadError::MarkNotModified {
                    url: redacted.clone(),
                    source,
                })?;
            Ok(DownloadOutcome::NotModified {
                location,
                checked: now,
            })
        }
        Download::Fetched {
            file,
            validators,
            bytes,
        } => {
            let validators = Validators {
                etag: validators.etag,
                last_modified: validators.last_modified,
            };
            // On success the archive has been moved into the database; dropping `file` then
            // finds nothing to delete. On failure it deletes the download.
            let outcome = database
                .install_archive(&location, file.path(), validators, now)
                .map_err(install_error)?;
            drop(file);
            Ok(DownloadOutcome::Installed { outcome, bytes })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::human_size;

    #[test]
    fn sizes_read_like_people_write_them() {
        assert_eq!(human_size(512), "512 B");
        assert_eq!(human_size(1536), "1.5 KiB");
        assert_eq!(human_size(33 * 1024 * 1024 + 300 * 1024), "33.3 MiB");
    }
}
