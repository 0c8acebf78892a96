//! OSV advisories for tend.
//!
//! Reading OSV records from directories, zip archives and single files, the local database and
//! its index in the cache directory, online sources (the OSV API and PyPI's JSON), matching
//! versions against `affected` entries by PEP 440, severities from CVSS vectors, merging
//! aliased records into one finding, and the audit that turns targets into an
//! [`tend_model::AuditReport`].
//!
//! Every stage hands plain data to the next: records become [`Advisory`] values, a lookup
//! returns [`AdvisoryData`], and the audit returns a report. Nothing here reads environment
//! variables or config files.

mod audit;
mod data;
mod database;
mod index;
mod matching;
mod merge;
mod online;
mod osv;
mod record;
mod severity;
mod source;

pub use data::AdvisoryData;
pub use record::{Advisory, Affected, Bound, Event, Range};

// osv.rs
pub use osv::{parse_record, RecordError, RecordFormat};

// source.rs, index.rs, database.rs
pub use database::{
    Database, DatabaseError, DatabaseStatus, SourceStatus, UpdateOutcome, Validators,
};
pub use index::IndexError;
pub use source::{read_source, RecordProblem, SourceError, SourceRecords};

// matching.rs, severity.rs, merge.rs
pub use matching::{affects, fix_for, match_advisory, unorderable_events};
pub use merge::{merge_hits, Hit};
pub use severity::{assess_severity, SeverityEntry};

// online.rs
pub use online::{fetch_osv, fetch_pypi, update_from_url, DownloadError, DownloadOutcome, Query};

// audit.rs
pub use audit::{audit, select_targets, AuditOptions, AuditTargets};
