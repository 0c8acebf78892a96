//! The local advisory database: one directory (the CLI passes `$XDG_CACHE_HOME/tend/advisories`
//! or `--cache-dir`) holding the configured sources, one index per source, and the archives
//! `tend db update` downloaded.
//!
//! ```text
//! <root>/manifest.json                     the sources: kind, location, index, counts, newest
//!                                          `modified`, when updated, HTTP validators
//! <root>/indexes/<key>.<generation>.idx    the index of each configured source
//! <root>/archives/<key>.<generation>.zip   downloaded OSV archives
//! <root>/adhoc/<key>.idx                   indexes of `--advisories PATH` runs (not in the
//!                                          manifest), refreshed when their files change
//! <root>/staging/                          downloads in progress
//! ```
//!
//! `<key>` is a readable slug of the source's location plus a hash of it. The manifest is the
//! single commit point of an update: a new index (and archive) is written under a new
//! generation first, then the manifest is replaced atomically, then the old files are removed.
//! A failure at any step before the manifest leaves the previous database as it was.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use tend_model::{AdvisorySourceInfo, AdvisorySourceKind, Diagnostic, PackageName};

use crate::index::{self, BuildRequest, Built, IndexError, IndexReader};
use crate::source::{self, RecordProblem, Source, SourceError};
use crate::{Advisory, AdvisoryData};

const MANIFEST_FILE: &str = "manifest.json";
const MANIFEST_FORMAT: u32 = 1;
const INDEXES_DIR: &str = "indexes";
const ARCHIVES_DIR: &str = "archives";
const ADHOC_DIR: &str = "adhoc";
const STAGING_DIR: &str = "staging";

/// Why the database could not be opened, updated or read.
#[derive(Debug, thiserror::Error)]
pub enum DatabaseError {
    #[error("cannot read the advisory database manifest `{path}`")]
    ReadManifest {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("the advisory database manifest `{path}` is not valid")]
    InvalidManifest {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    #[error("the advisory database manifest `{path}` names `{file}`, which is not a file of the database")]
    ManifestPath { path: PathBuf, file: String },
    #[error(
        "the advisory database manifest `{path}` has format {found}; this tend reads format {MANIFEST_FORMAT} (written by a newer tend?)"
    )]
    NewerManifest { path: PathBuf, found: u32 },
    #[error("cannot write `{path}`")]
    Write {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error(transparent)]
    Source(#[from] SourceError),
    #[error("the archive from {url} was refused; the database is unchanged")]
    RefusedArchive {
        url: String,
        #[source]
        source: SourceError,
    },
    #[error("the archive from {url} holds no OSV records (.json); the database is unchanged")]
    EmptyArchive { url: String },
    #[error("the advisory database has no source `{location}`")]
    UnknownSource { location: String },
    #[error(
        "the index `{path}` of the advisory source `{location}` is damaged and cannot be rebuilt"
    )]
    Unrebuildable {
        location: String,
        path: PathBuf,
        #[source]
        source: Box<DatabaseError>,
    },
    #[error(transparent)]
    Index(#[from] IndexError),
}

/// HTTP validators of a downloaded archive, sent back as `If-None-Match` and
/// `If-Modified-Since` on the next update.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

/// What adding or refreshing one source did.
#[derive(Debug, Clone, PartialEq)]
pub struct UpdateOutcome {
    pub kind: AdvisorySourceKind,
    /// The canonical path, or the URL of a downloaded archive.
    pub location: String,
    /// The source's index file.
    pub index: PathBuf,
    pub records: usize,
    pub packages: usize,
    pub newest_modified: Option<Timestamp>,
    /// Entries (files, archive entries) parsed this time.
    pub parsed: usize,
    /// Entries whose records were copied from the previous index without parsing.
    pub reused: usize,
    /// Entries of the previous index that are no longer in the source.
    pub removed: usize,
    /// Whether the index file was written; `false` when nothing changed since the last build.
    pub rewritten: bool,
    /// Why the previous index could not be used (damaged, written by another version).
    pub previous_invalid: Option<String>,
    /// Records that could not be read, old and new.
    pub problems: Vec<RecordProblem>,
}

impl UpdateOutcome {
    /// The `bad-advisory` diagnostics of this source.
    pub fn diagnostics(&self) -> Vec<Diagnostic> {
        self.problems
            .iter()
            .map(RecordProblem::to_diagnostic)
            .collect()
    }
}

/// One line for `tend db update`: `<location>: 2661 records, 664 packages (3 parsed, 2658
/// unchanged, 1 removed), 2 unreadable`.
impl std::fmt::Display for UpdateOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let plural = |count: usize, word: &str| {
            if count == 1 {
                format!("{count} {word}")
            } else {
                format!("{count} {word}s")
            }
        };
        write!(
            f,
            "{}: {}, {} ({} parsed, {} unchanged",
            self.location,
            plural(self.records, "record"),
            plural(self.packages, "package"),
            self.parsed,
            self.reused
        )?;
        if self.removed > 0 {
            write!(f, ", {} removed", self.removed)?;
        }
        f.write_str(")")?;
        if !self.problems.is_empty() {
            write!(f, ", {} unreadable", self.problems.len())?;
        }
        Ok(())
    }
}

/// One source as `tend db status` shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SourceStatus {
    pub kind: AdvisorySourceKind,
    pub location: String,
    pub index: PathBuf,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub archive: Option<PathBuf>,
    pub records: usize,
    pub packages: usize,
    /// Records that could not be read.
    pub problems: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub newest_modified: Option<Timestamp>,
    /// When the source was last read, downloaded or confirmed unchanged (HTTP 304).
    pub updated: Timestamp,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_modified: Option<String>,
}

/// The whole database as `tend db status` shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DatabaseStatus {
    pub root: PathBuf,
    /// Sorted by location.
    pub sources: Vec<SourceStatus>,
    /// Records over all sources (a record in two sources counts twice).
    pub records: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub newest_modified: Option<Timestamp>,
    /// When the least recently updated source was updated: the database's age.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub oldest_update: Option<Timestamp>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
struct Manifest {
    format: u32,
    #[serde(default)]
    sources: Vec<StoredSource>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
enum StoredKind {
    Directory,
    Zip,
    File,
    Download,
}

impl StoredKind {
    fn of(kind: AdvisorySourceKind) -> Self {
        match kind {
            AdvisorySourceKind::Directory => Self::Directory,
            AdvisorySourceKind::Zip => Self::Zip,
            AdvisorySourceKind::File => Self::File,
            AdvisorySourceKind::Download
            | AdvisorySourceKind::OsvApi
            | AdvisorySourceKind::PypiJson => Self::Download,
        }
    }

    fn kind(self) -> AdvisorySourceKind {
        match self {
            Self::Directory => AdvisorySourceKind::Directory,
            Self::Zip => AdvisorySourceKind::Zip,
            Self::File => AdvisorySourceKind::File,
            Self::Download => AdvisorySourceKind::Download,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
struct StoredSource {
    kind: StoredKind,
    location: String,
    /// Relative to the root, with `/`.
    index: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    archive: Option<String>,
    #[serde(default)]
    generation: u64,
    records: usize,
    packages: usize,
    #[serde(default)]
    problems: usize,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    newest_modified: Option<Timestamp>,
    updated: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    etag: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    last_modified: Option<String>,
}

impl StoredSource {
    fn info(&self) -> AdvisorySourceInfo {
        AdvisorySourceInfo {
            kind: self.kind.kind(),
            location: self.location.clone(),
            records: self.records,
            newest_modified: self.newest_modified,
            updated: Some(self.updated),
        }
    }
}

/// Where a source's index goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Placement {
    /// `indexes/<key>.<generation>.idx`, committed by the manifest.
    Configured,
    /// `adhoc/<key>.idx`, replaced in place.
    Adhoc,
}

/// The local advisory database, or the view of ad-hoc sources that
/// [`Database::open_paths`] returns.
#[derive(Debug, Clone)]
pub struct Database {
    root: PathBuf,
    manifest: Manifest,
    /// `false` for ad-hoc views: their sources never reach the manifest.
    persistent: bool,
}

impl Database {
    /// Opens the database in `root`. A missing root or manifest is an empty database.
    pub fn open(root: &Path) -> Result<Self, DatabaseError> {
        let manifest = read_manifest(&root.join(MANIFEST_FILE))?;
        Ok(Self {
            root: root.to_path_buf(),
            manifest,
            persistent: true,
        })
    }

    /// A view of ad-hoc sources (`tend audit --advisories PATH`), without `tend db update`:
    /// each path keeps an index under `<root>/adhoc/`, refreshed incrementally when its files
    /// changed and only checked (a walk of file sizes and times) when they did not. The view
    /// answers [`Self::load`] and [`Self::status`] like the database; it never touches the
    /// manifest.
    pub fn open_paths(
        root: &Path,
        paths: &[PathBuf],
        now: Timestamp,
    ) -> Result<(Self, Vec<UpdateOutcome>), DatabaseError> {
        let mut view = Self {
            root: root.to_path_buf(),
            manifest: Manifest {
                format: MANIFEST_FORMAT,
                sources: Vec::new(),
            },
            persistent: false,
        };
        let mut outcomes = Vec::with_capacity(paths.len());
        for path in paths {
            outcomes.push(view.refresh_adhoc(path, now)?);
        }
        Ok((view, outcomes))
    }

    /// [`Self::open_paths`] for one path, when the caller needs only the view (its records'
    /// problems still reach [`Self::load`]).
    pub fn open_path(root: &Path, path: &Path, now: Timestamp) -> Result<Self, DatabaseError> {
        Ok(Self::open_paths(root, &[path.to_path_buf()], now)?.0)
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Whether the database has no source at all (the audit then says how to get one).
    pub fn is_empty(&self) -> bool {
        self.manifest.sources.is_empty()
    }

    /// A directory inside the root for downloads in progress: an archive downloaded there is
    /// moved into the database by a rename, on the same file system.
    pub fn staging_dir(&self) -> Result<PathBuf, DatabaseError> {
        let path = self.root.join(STAGING_DIR);
        fs_err::create_dir_all(&path).map_err(|source| DatabaseError::Write {
            path: path.clone(),
            source,
        })?;
        Ok(path)
    }

    /// Adds the directory, zip archive or record file at `path` as a source, or refreshes it,
    /// rebuilding its index incrementally. On any failure the previous index and manifest stay
    /// as they were.
    pub fn update_path(
        &mut self,
        path: &Path,
        now: Timestamp,
    ) -> Result<UpdateOutcome, DatabaseError> {
        let path = canonical(path)?;
        let location = path.display().to_string();
        let source = Source::open(&path)?;
        let kind = source.kind();
        let placement = if self.persistent {
            Placement::Configured
        } else {
            Placement::Adhoc
        };
        let plan = Refresh {
            location: &location,
            kind,
            source: &source,
            origin: &path,
            now,
            placement,
            archive: None,
        };
        self.refresh(&plan)
    }

    /// Installs an OSV zip archive downloaded from `url` (after HTTP 200): the archive is
    /// validated whole (it opens as a zip and every entry decompresses with a correct CRC-32;
    /// records that do not parse become problems and the rest is installed), moved into the
    /// root, and indexed, reusing the previous index for entries whose CRC-32 and size did not
    /// change. A damaged or empty archive is refused and the previous database kept.
    pub fn install_archive(
        &mut self,
        url: &str,
        archive: &Path,
        validators: Validators,
        now: Timestamp,
    ) -> Result<UpdateOutcome, DatabaseError> {
        let refused = |source| DatabaseError::RefusedArchive {
            url: url.to_string(),
            source,
        };
        let source = Source::open_zip(archive).map_err(refused)?;
        if source.entries().is_empty() {
            return Err(DatabaseError::EmptyArchive {
                url: url.to_string(),
            });
        }
        let generation = self.next_generation(url);
        let key = source_key(url);
        let archive_relative = format!("{ARCHIVES_DIR}/{key}.{generation}.zip");
        let final_path = self.root.join(&archive_relative);
        let plan = Refresh {
            location: url,
            kind: AdvisorySourceKind::Download,
            source: &source,
            origin: &final_path,
            now,
            placement: Placement::Configured,
            archive: Some(ArchiveMove {
                from: archive,
                relative: archive_relative,
                validators,
            }),
        };
        self.refresh(&plan).map_err(|error| match error {
            DatabaseError::Source(source) => refused(source),
            other => other,
        })
    }

    /// The validators stored for the archive downloaded from `url`.
    pub fn validators(&self, url: &str) -> Option<Validators> {
        self.find(url)
            .filter(|stored| stored.kind == StoredKind::Download)
            .map(|stored| Validators {
                etag: stored.etag.clone(),
                last_modified: stored.last_modified.clone(),
            })
    }

    /// Records that the server answered 304 Not Modified for `url` at `now`.
    pub fn mark_not_modified(&mut self, url: &str, now: Timestamp) -> Result<(), DatabaseError> {
        let mut stored = self
            .find(url)
            .cloned()
            .ok_or_else(|| DatabaseError::UnknownSource {
                location: url.to_string(),
            })?;
        stored.updated = now;
        self.commit(Change::Put(stored))
    }

    /// Removes the source at `location` (a canonical path or a URL) and its files. Returns
    /// whether there was one.
    pub fn remove_source(&mut self, location: &str) -> Result<bool, DatabaseError> {
        let Some(removed) = self.find(location).cloned() else {
            return Ok(false);
        };
        self.commit(Change::Remove(location.to_string()))?;
        self.remove_files(&removed, None);
        Ok(true)
    }

    /// The sources and their counts, without reading any index.
    pub fn status(&self) -> DatabaseStatus {
        let sources: Vec<SourceStatus> = self
            .manifest
            .sources
            .iter()
            .map(|stored| SourceStatus {
                kind: stored.kind.kind(),
                location: stored.location.clone(),
                index: self.root.join(&stored.index),
                archive: stored
                    .archive
                    .as_ref()
                    .map(|archive| self.root.join(archive)),
                records: stored.records,
                packages: stored.packages,
                problems: stored.problems,
                newest_modified: stored.newest_modified,
                updated: stored.updated,
                etag: stored.etag.clone(),
                last_modified: stored.last_modified.clone(),
            })
            .collect();
        DatabaseStatus {
            root: self.root.clone(),
            records: sources.iter().map(|source| source.records).sum(),
            newest_modified: sources.iter().filter_map(|s| s.newest_modified).max(),
            oldest_update: sources.iter().map(|source| source.updated).min(),
            sources,
        }
    }

    /// What each source is, for a report.
    pub fn sources(&self) -> Vec<AdvisorySourceInfo> {
        self.manifest
            .sources
            .iter()
            .map(StoredSource::info)
            .collect()
    }

    /// The advisories of `names` from every source, reading only those packages from each
    /// index. A record in several sources (same id) is kept once: the copy modified last. The
    /// records no source could read come back as `bad-advisory` diagnostics. An index found
    /// damaged is rebuilt from its source.
    pub fn load(&self, names: &[PackageName]) -> Result<AdvisoryData, DatabaseError> {
        let mut newest: HashMap<&str, usize> = HashMap::new();
        let mut records: Vec<Arc<Advisory>> = Vec::new();
        let mut data = AdvisoryData::default();
        let mut loaded = Vec::with_capacity(self.manifest.sources.len());
        for stored in &self.manifest.sources {
            loaded.push(self.load_source(stored, names)?);
            data.sources.push(stored.info());
        }
        for (found, problems) in &loaded {
            for record in found {
                match newest.get(record.id.as_str()) {
                    Some(&kept) if records[kept].modified >= record.modified => {}
                    Some(&kept) => records[kept] = Arc::clone(record),
                    None => {
                        newest.insert(record.id.as_str(), records.len());
                        records.push(Arc::clone(record));
                    }
                }
            }
            data.diagnostics
                .extend(problems.iter().map(RecordProblem::to_diagnostic));
        }
        let asked: HashSet<&str> = names.iter().map(AsRef::as_ref).collect();
        let mut found: Vec<(&PackageName, &Arc<Advisory>)> = records
            .iter()
            .flat_map(|record| {
                record
                    .affected
                    .iter()
                    .map(move |affected| (affected, record))
            })
            .filter(|(affected, _)| asked.contains(affected.package.as_ref()))
            .map(|(affected, record)| (&affected.package, record))
            .collect();
        found.sort_unstable_by(|a, b| a.0.cmp(b.0).then_with(|| a.1.id.cmp(&b.1.id)));
        // A record with two entries for one package is listed once.
        found.dedup_by(|a, b| a.0 == b.0 && a.1.id == b.1.id);
        for group in found.chunk_by(|a, b| a.0 == b.0) {
            data.advisories.insert(
                group[0].0.clone(),
                group.iter().map(|(_, record)| Arc::clone(record)).collect(),
            );
        }
        data.diagnostics.sort();
        data.diagnostics.dedup();
        Ok(data)
    }
}

type Loaded = (Vec<Arc<Advisory>>, Vec<RecordProblem>);

impl Database {
    fn find(&self, location: &str) -> Option<&StoredSource> {
        self.manifest
            .sources
            .iter()
            .find(|stored| stored.location == location)
    }

    fn next_generation(&self, location: &str) -> u64 {
        self.find(location)
            .map_or(1, |stored| stored.generation + 1)
    }

    fn load_source(
        &self,
        stored: &StoredSource,
        names: &[PackageName],
    ) -> Result<Loaded, DatabaseError> {
        let path = self.root.join(&stored.index);
        match read_index(&path, names) {
            Ok(loaded) => return Ok(loaded),
            Err(error) if error.is_invalid() || error.is_missing() => {}
            Err(error) => return Err(error.into()),
        }
        // Another process may have committed a newer generation and removed this one.
        if self.persistent {
            if let Ok(current) = read_manifest(&self.root.join(MANIFEST_FILE)) {
                if let Some(newer) = current
                    .sources
                    .iter()
                    .find(|source| source.location == stored.location && source != &stored)
                {
                    if let Ok(loaded) = read_index(&self.root.join(&newer.index), names) {
                        return Ok(loaded);
                    }
                }
            }
        }
        self.repair(stored, &path)
            .map_err(|source| DatabaseError::Unrebuildable {
                location: stored.location.clone(),
                path: path.clone(),
                source: Box::new(source),
            })?;
        Ok(read_index(&path, names)?)
    }

    /// Rebuilds a damaged or missing index from its source, in place, without the old one.
    fn repair(&self, stored: &StoredSource, path: &Path) -> Result<(), DatabaseError> {
        let (source, origin) = if let Some(archive) = &stored.archive {
            let archive = self.root.join(archive);
            (Source::open_zip(&archive)?, archive)
        } else {
            let origin = PathBuf::from(&stored.location);
            (Source::open(&origin)?, origin)
        };
        let built = index::build(&BuildRequest {
            source: &source,
            kind: stored.kind.kind(),
            origin: &origin,
            previous: None,
            now: stored.updated,
            verify_all: false,
        })?;
        if let Some(bytes) = built.bytes {
            write_atomically(path, &bytes)?;
        }
        Ok(())
    }

    fn refresh_adhoc(
        &mut self,
        path: &Path,
        now: Timestamp,
    ) -> Result<UpdateOutcome, DatabaseError> {
        let path = canonical(path)?;
        let location = path.display().to_string();
        let (kind, stamp) = source::stamp_of(&path)?;
        // A zip or a file whose own size and time did not change needs no listing at all.
        if kind != AdvisorySourceKind::Directory {
            let index_relative = adhoc_index(&location);
            let index_path = self.root.join(&index_relative);
            if let Ok(mut reader) = IndexReader::open(&index_path) {
                let header = reader.header().clone();
                if header.kind == kind && header.stamp == stamp && header.origin == location {
                    if let Ok(problems) = reader.problems() {
                        let stored = StoredSource {
                            kind: StoredKind::of(kind),
                            location: location.clone(),
                            index: index_relative,
                            archive: None,
                            generation: 0,
                            records: to_usize(header.records),
                            packages: to_usize(header.packages),
                            problems: problems.len(),
                            newest_modified: header.newest_modified,
                            updated: now,
                            etag: None,
                            last_modified: None,
                        };
                        let outcome = UpdateOutcome {
                            kind,
                            location: location.clone(),
                            index: index_path,
                            records: stored.records,
                            packages: stored.packages,
                            newest_modified: stored.newest_modified,
                            parsed: 0,
                            reused: to_usize(header.entries),
                            removed: 0,
                            rewritten: false,
                            previous_invalid: None,
                            problems,
                        };
                        self.replace_in_memory(stored);
                        return Ok(outcome);
                    }
                }
            }
        }
        let source = Source::open(&path)?;
        let plan = Refresh {
            location: &location,
            kind: source.kind(),
            source: &source,
            origin: &path,
            now,
            placement: Placement::Adhoc,
            archive: None,
        };
        self.refresh(&plan)
    }

    fn replace_in_memory(&mut self, stored: StoredSource) {
        self.manifest
            .sources
            .retain(|source| source.location != stored.location);
        self.manifest.sources.push(stored);
        self.manifest
            .sources
            .sort_by(|a, b| a.location.cmp(&b.location));
    }

    /// Builds the index of one source, writes it (and moves the archive) under a new
    /// generation, then commits the manifest; cleans up the new files when any step fails.
    fn refresh(&mut self, plan: &Refresh<'_>) -> Result<UpdateOutcome, DatabaseError> {
        let previous = self.find(plan.location).cloned();
        // An ad-hoc index is found by its fixed name: a new view starts with no manifest.
        let previous_index = match plan.placement {
            Placement::Configured => previous
                .as_ref()
                .map(|stored| self.root.join(&stored.index)),
            Placement::Adhoc => Some(self.root.join(adhoc_index(plan.location))),
        };
        let built = index::build(&BuildRequest {
            source: plan.source,
            kind: plan.kind,
            origin: plan.origin,
            previous: previous_index.as_deref(),
            now: plan.now,
            verify_all: plan.archive.is_some(),
        })?;
        let generation = match (&previous, &built.bytes) {
            (Some(stored), None) => stored.generation,
            _ => self.next_generation(plan.location),
        };
        let index_relative = match (&previous, &built.bytes) {
            (Some(stored), None) => stored.index.clone(),
            _ => match plan.placement {
                Placement::Configured => format!(
                    "{INDEXES_DIR}/{}.{generation}.idx",
                    source_key(plan.location)
                ),
                Placement::Adhoc => adhoc_index(plan.location),
            },
        };
        let index_path = self.root.join(&index_relative);
        let mut written: Vec<PathBuf> = Vec::new();
        let result = self.write_and_commit(plan, &built, generation, &index_relative, &mut written);
        if let Err(error) = result {
            for path in written {
                // The new files are not referenced by the manifest: nothing else uses them.
                let _ = fs_err::remove_file(path);
            }
            return Err(error);
        }
        if let Some(previous) = &previous {
            let current = self.find(plan.location).cloned();
            self.remove_files(previous, current.as_ref());
        }
        let Built {
            summary,
            parsed,
            reused,
            removed,
            previous_invalid,
            bytes,
        } = built;
        Ok(UpdateOutcome {
            kind: plan.kind,
            location: plan.location.to_string(),
            index: index_path,
            records: summary.records,
            packages: summary.packages,
            newest_modified: summary.newest_modified,
            parsed,
            reused,
            removed,
            rewritten: bytes.is_some(),
            previous_invalid,
            problems: summary.problems,
        })
    }

    fn write_and_commit(
        &mut self,
        plan: &Refresh<'_>,
        built: &Built,
        generation: u64,
        index_relative: &str,
        written: &mut Vec<PathBuf>,
    ) -> Result<(), DatabaseError> {
        let mut stored = StoredSource {
            kind: StoredKind::of(plan.kind),
            location: plan.location.to_string(),
            index: index_relative.to_string(),
            archive: None,
            generation,
            records: built.summary.records,
            packages: built.summary.packages,
            problems: built.summary.problems.len(),
            newest_modified: built.summary.newest_modified,
            updated: plan.now,
            etag: None,
            last_modified: None,
        };
        if let Some(archive) = &plan.archive {
            let destination = self.root.join(&archive.relative);
            move_file(archive.from, &destination)?;
            written.push(destination);
            stored.archive = Some(archive.relative.clone());
            stored.etag.clone_from(&archive.validators.etag);
            stored
                .last_modified
                .clone_from(&archive.validators.last_modified);
        }
        if let Some(bytes) = &built.bytes {
            let path = self.root.join(index_relative);
            // An ad-hoc index is replaced in place: there is no manifest to commit.
            if plan.placement == Placement::Configured {
                written.push(path.clone());
            }
            write_atomically(&path, bytes)?;
        }
        self.commit(Change::Put(stored))
    }

    /// Applies one change to the manifest and writes it atomically (for a persistent
    /// database). The change is applied to the manifest as it is on disk now, so that another
    /// process's update of another source since this one opened the database is kept.
    fn commit(&mut self, change: Change) -> Result<(), DatabaseError> {
        let mut manifest = if self.persistent {
            read_manifest(&self.root.join(MANIFEST_FILE))?
        } else {
            self.manifest.clone()
        };
        match change {
            Change::Put(stored) => {
                manifest
                    .sources
                    .retain(|source| source.location != stored.location);
                manifest.sources.push(stored);
            }
            Change::Remove(location) => {
                manifest
                    .sources
                    .retain(|source| source.location != location);
            }
        }
        manifest.sources.sort_by(|a, b| a.location.cmp(&b.location));
        manifest.format = MANIFEST_FORMAT;
        if self.persistent {
            let mut text =
                serde_json::to_vec_pretty(&manifest).map_err(|error| DatabaseError::Write {
                    path: self.root.join(MANIFEST_FILE),
                    source: io::Error::other(error),
                })?;
            text.push(b'\n');
            write_atomically(&self.root.join(MANIFEST_FILE), &text)?;
        }
        self.manifest = manifest;
        Ok(())
    }

    /// Removes the files of `old` that `current` no longer uses. Failures are ignored: a file
    /// left behind is not referenced and does no harm.
    fn remove_files(&self, old: &StoredSource, current: Option<&StoredSource>) {
        let still_used = |relative: &str| {
            current.is_some_and(|current| {
                current.index == relative || current.archive.as_deref() == Some(relative)
            })
        };
        for relative in std::iter::once(&old.index).chain(&old.archive) {
            if !still_used(relative) {
                let _ = fs_err::remove_file(self.root.join(relative));
            }
        }
    }
}

/// One change to the manifest.
enum Change {
    /// Adds a source or replaces the one with the same location.
    Put(StoredSource),
    Remove(String),
}

/// One source to (re)build.
struct Refresh<'a> {
    location: &'a str,
    kind: AdvisorySourceKind,
    source: &'a Source,
    origin: &'a Path,
    now: Timestamp,
    placement: Placement,
    archive: Option<ArchiveMove<'a>>,
}

struct ArchiveMove<'a> {
    from: &'a Path,
    relative: String,
    validators: Validators,
}

fn read_index(path: &Path, names: &[PackageName]) -> Result<Loaded, IndexError> {
    let mut reader = IndexReader::open(path)?;
    let records = index::lookup(&mut reader, names)?;
    let problems = reader.problems()?;
    Ok((records, problems))
}

fn read_manifest(path: &Path) -> Result<Manifest, DatabaseError> {
    let bytes = match fs_err::read(path) {
        Ok(bytes) => bytes,
        Err(error) if error.kind() == io::ErrorKind::NotFound => {
            return Ok(Manifest {
                format: MANIFEST_FORMAT,
                sources: Vec::new(),
            })
        }
        Err(source) => {
            return Err(DatabaseError::ReadManifest {
                path: path.to_path_buf(),
                source,
            })
        }
    };
    let manifest: Manifest =
        serde_json::from_slice(&bytes).map_err(|source| DatabaseError::InvalidManifest {
            path: path.to_path_buf(),
            source,
        })?;
    if manifest.format > MANIFEST_FORMAT {
        return Err(DatabaseError::NewerManifest {
            path: path.to_path_buf(),
            found: manifest.format,
        });
    }
    // The manifest names files the database may rewrite: never anything outside the root.
    for stored in &manifest.sources {
        for file in std::iter::once(&stored.index).chain(&stored.archive) {
            if !is_database_file(file) {
                return Err(DatabaseError::ManifestPath {
                    path: path.to_path_buf(),
                    file: file.clone(),
                });
            }
        }
    }
    Ok(manifest)
}

fn is_database_file(relative: &str) -> bool {
    let mut parts = relative.split('/');
    let (Some(directory), Some(name), None) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    [INDEXES_DIR, ARCHIVES_DIR, ADHOC_DIR].contains(&directory)
        && !name.is_empty()
        && !name.starts_with('.')
        && !name.contains('\\')
}

fn canonical(path: &Path) -> Result<PathBuf, SourceError> {
    fs_err::canonicalize(path).map_err(|source| SourceError::Open {
        path: path.to_path_buf(),
        source,
    })
}

fn adhoc_index(location: &str) -> String {
    format!("{ADHOC_DIR}/{}.idx", source_key(location))
}

/// A file name for a source: a readable slug of the end of its location and a hash of all of
/// it (`pypa-advisory-database-vulns-3f2a9c1b7d4e`).
fn source_key(location: &str) -> String {
    let digest = Sha256::digest(location.as_bytes());
    let mut hash = String::with_capacity(12);
    for byte in &digest[..6] {
        let _ = write!(hash, "{byte:02x}");
    }
    let tail: Vec<&str> = location
        .split(['/', '\\'])
        .filter(|part| !part.is_empty())
        .collect();
    let tail = tail[tail.len().saturating_sub(2)..].join("-");
    let mut slug = String::new();
    for character in tail.chars() {
        let character = if character.is_ascii_alphanumeric() {
            character.to_ascii_lowercase()
        } else {
            '-'
        };
        if !(character == '-' && (slug.is_empty() || slug.ends_with('-'))) {
            slug.push(character);
        }
        if slug.len() >= 40 {
            break;
        }
    }
    let slug = slug.trim_end_matches('-');
    if slug.is_empty() {
        hash
    } else {
        format!("{slug}-{hash}")
    }
}

fn to_usize(value: u64) -> usize {
    usize::try_from(value).unwrap_or(usize::MAX)
}

/// Writes `bytes` to `path` so that readers see the old file or the new one, never a part:
/// a temporary file in the same directory, flushed to disk, renamed over `path`.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), DatabaseError> {
    let write_error = |source| DatabaseError::Write {
        path: path.to_path_buf(),
        source,
    };
    let directory = path.parent().unwrap_or(Path::new("."));
    fs_err::create_dir_all(directory).map_err(write_error)?;
    let mut temporary = temporary_file(directory).map_err(write_error)?;
    temporary.write_all(bytes).map_err(write_error)?;
    temporary.as_file().sync_all().map_err(write_error)?;
    temporary
        .persist(path)
        .map_err(|error| write_error(error.error))?;
    sync_directory(directory);
    Ok(())
}

/// Moves a file into the database: a rename when on the same file system, else a copy
/// written atomically and the original removed.
fn move_file(from: &Path, to: &Path) -> Result<(), DatabaseError> {
    let write_error = |source| DatabaseError::Write {
        path: to.to_path_buf(),
        source,
    };
    let directory = to.parent().unwrap_or(Path::new("."));
    fs_err::create_dir_all(directory).map_err(write_error)?;
    if fs_err::rename(from, to).is_ok() {
        sync_directory(directory);
        return Ok(());
    }
    let mut temporary = temporary_file(directory).map_err(write_error)?;
    let mut input = fs_err::File::open(from).map_err(write_error)?;
    io::copy(&mut input, temporary.as_file_mut()).map_err(write_error)?;
    temporary.as_file().sync_all().map_err(write_error)?;
    temporary
        .persist(to)
        .map_err(|error| write_error(error.error))?;
    sync_directory(directory);
    // The copy is in place; the download it came from is no longer needed.
    let _ = fs_err::remove_file(from);
    Ok(())
}

/// A temporary file next to its final place (so the rename is atomic), readable like any
/// other file the user creates: tempfile's default of owner-only would hide a shared cache.
fn temporary_file(directory: &Path) -> io::Result<tempfile::NamedTempFile> {
    let mut builder = tempfile::Builder::new();
    builder.prefix(".tmp-");
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o644));
    builder.tempfile_in(directory)
}

/// Makes a rename durable. Not possible everywhere (and not needed on Windows); best effort.
fn sync_directory(directory: &Path) {
    #[cfg(unix)]
    if let Ok(handle) = fs_err::File::open(directory) {
        let _ = handle.sync_all();
    }
    #[cfg(not(unix))]
    let _ = directory;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_readable_and_distinct() {
        let key = source_key("/work/shared/advisories/pypa-advisory-database/vulns");
        assert!(key.starts_with("pypa-advisory-database-vulns-"), "{key}");
        assert_eq!(key.len(), "pypa-advisory-database-vulns-".len() + 12);
        let url = source_key("https://example.invalid/PyPI/all.zip");
        assert!(url.starts_with("pypi-all-zip-"), "{url}");
        assert_ne!(source_key("/a/vulns"), source_key("/b/vulns"));
        assert_eq!(source_key("/").len(), 12);
    }

    #[test]
    fn manifest_files_stay_inside_the_root() {
        assert!(is_database_file("indexes/x-1.2.idx"));
        assert!(is_database_file("archives/x.3.zip"));
        assert!(!is_database_file("../etc/passwd"));
        assert!(!is_database_file("indexes/../../x"));
        assert!(!is_database_file("/etc/passwd"));
        assert!(!is_database_file("indexes/.."));
        assert!(!is_database_file("other/x.idx"));
    }
}
