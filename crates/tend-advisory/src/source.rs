//! Advisory sources on disk: a directory of OSV records at any depth (the PyPA layout
//! `vulns/<package>/<ID>.yaml` included), an OSV zip archive of JSON records (osv.dev's
//! per-ecosystem `all.zip`), or one record file.
//!
//! Opening a source lists its entries, each with a [`Fingerprint`] taken without reading the
//! contents (size and modification time of a file; CRC-32 and size of a zip entry), so that the
//! index can tell which entries changed. Chosen entries are then parsed in parallel. A record
//! that cannot be read becomes a [`RecordProblem`] naming its file and the rest still loads; a
//! source that cannot be listed at all (missing, unreadable directory, damaged zip) is a
//! [`SourceError`].

use std::io::{self, Cursor, Read as _};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::UNIX_EPOCH;

use rayon::prelude::*;
use tend_model::{AdvisorySourceKind, Code, Diagnostic, Location, Severity};
use zip::result::ZipError;
use zip::ZipArchive;

use crate::osv::{parse_record, RecordFormat};
use crate::Advisory;

/// Records bigger than this are refused (a zip entry can claim any size; a real OSV record is
/// a few kilobytes).
const MAX_RECORD_BYTES: u64 = 32 * 1024 * 1024;

/// A source that cannot be listed or read as a whole.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("cannot open the advisory source `{path}`")]
    Open {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("cannot read the directory `{path}`")]
    ReadDirectory {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("`{path}` is not a readable zip archive")]
    Zip {
        path: PathBuf,
        #[source]
        source: ZipError,
    },
    #[error("`{path}` is damaged: entry `{entry}` cannot be read")]
    ZipEntry {
        path: PathBuf,
        entry: String,
        #[source]
        source: io::Error,
    },
    #[error(
        "`{path}` is neither a directory, a zip archive nor an OSV record file (.json, .yaml, .yml)"
    )]
    UnknownFormat { path: PathBuf },
}

/// A record that could not be read, and where it is (`dir/pkg/ID.yaml`, `all.zip!ID.json`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct RecordProblem {
    pub location: String,
    /// 1-based line the parser pointed at; 0 for the whole record.
    pub line: usize,
    pub column: Option<usize>,
    pub message: String,
}

impl RecordProblem {
    /// The `bad-advisory` diagnostic an audit reports for this record.
    pub fn to_diagnostic(&self) -> Diagnostic {
        let mut location = Location::new(&self.location, self.line);
        location.column = self.column;
        Diagnostic::new(
            Code::BadAdvisory,
            Severity::Warning,
            format!("cannot read the advisory record: {}", self.message),
        )
        .with_location(location)
    }
}

/// What was wrong with one entry, before its location is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct EntryProblem {
    pub(crate) message: String,
    pub(crate) line: usize,
    pub(crate) column: Option<usize>,
}

impl EntryProblem {
    fn whole(message: String) -> Self {
        Self {
            message,
            line: 0,
            column: None,
        }
    }

    pub(crate) fn at(&self, location: String) -> RecordProblem {
        RecordProblem {
            location,
            line: self.line,
            column: self.column,
            message: self.message.clone(),
        }
    }
}

/// What identifies one version of an entry without reading it. Equal fingerprints mean the
/// entry is taken as unchanged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub(crate) struct Fingerprint(pub(crate) [u64; 3]);

impl Fingerprint {
    /// Size, modification time in nanoseconds and (on Unix) the inode and change time: a file
    /// rewritten in place changes size or time, one replaced by a rename changes inode, and
    /// one whose modification time was set back (`touch -r`, `cp -p`) still changes its change
    /// time, which no one can set.
    fn of_file(metadata: &std::fs::Metadata) -> Self {
        let modified = metadata
            .modified()
            .ok()
            .and_then(|time| time.duration_since(UNIX_EPOCH).ok())
            .map_or(0, |age| u64::try_from(age.as_nanos()).unwrap_or(u64::MAX));
        Self([metadata.len(), modified, identity(metadata)])
    }

    fn of_zip_entry(size: u64, crc32: u32) -> Self {
        Self([size, u64::from(crc32), 0])
    }
}

#[cfg(unix)]
fn identity(metadata: &std::fs::Metadata) -> u64 {
    use std::os::unix::fs::MetadataExt as _;
    let changed = u64::from_le_bytes(metadata.ctime().to_le_bytes())
        .wrapping_mul(1_000_000_000)
        .wrapping_add(u64::from_le_bytes(metadata.ctime_nsec().to_le_bytes()));
    // Mixed into one word: equal words for different files would need both to collide.
    metadata.ino().wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ changed
}

#[cfg(not(unix))]
fn identity(_metadata: &std::fs::Metadata) -> u64 {
    0
}

/// One record file or archive entry of a source.
#[derive(Debug, Clone)]
pub(crate) struct SourceEntry {
    /// The path relative to the source directory (with `/`), the archive entry name, or the
    /// file name of a single-file source.
    pub(crate) name: String,
    pub(crate) fingerprint: Fingerprint,
    place: EntryPlace,
}

#[derive(Debug, Clone)]
enum EntryPlace {
    File(PathBuf),
    ZipEntry(usize),
}

/// What one entry held.
#[derive(Debug)]
pub(crate) enum EntryContent {
    Record(Box<Advisory>),
    /// A valid record with no `PyPI` entry.
    NotPypi,
    Problem(EntryProblem),
}

/// An opened source: its kind, its entries sorted by name, and for a zip the archive's bytes.
pub(crate) struct Source {
    kind: AdvisorySourceKind,
    path: PathBuf,
    stamp: Fingerprint,
    entries: Vec<SourceEntry>,
    archive: Option<ZipArchive<Cursor<Arc<[u8]>>>>,
}

impl std::fmt::Debug for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Source")
            .field("kind", &self.kind)
            .field("path", &self.path)
            .field("entries", &self.entries.len())
            .finish_non_exhaustive()
    }
}

/// The kind of the source at `path` and a fingerprint of the file itself (zero for a
/// directory), without listing or reading it: enough to see that a zip or a single file has
/// not changed since an index was built from it.
pub(crate) fn stamp_of(path: &Path) -> Result<(AdvisorySourceKind, Fingerprint), SourceError> {
    let metadata = fs_err::metadata(path).map_err(|source| SourceError::Open {
        path: path.to_path_buf(),
        source,
    })?;
    if metadata.is_dir() {
        return Ok((AdvisorySourceKind::Directory, Fingerprint::default()));
    }
    let kind = file_kind(path)?;
    Ok((kind, Fingerprint::of_file(&metadata)))
}

/// Zip archives are recognised by extension or, for downloads saved under any name, by the
/// zip signature; everything else must have a record extension.
fn file_kind(path: &Path) -> Result<AdvisorySourceKind, SourceError> {
    let extension = path
        .extension()
        .and_then(|extension| extension.to_str())
        .map(str::to_ascii_lowercase);
    if extension.as_deref() == Some("zip") {
        return Ok(AdvisorySourceKind::Zip);
    }
    if RecordFormat::from_path(path).is_some() {
        return Ok(AdvisorySourceKind::File);
    }
    let mut signature = [0u8; 4];
    let is_zip = fs_err::File::open(path)
        .and_then(|mut file| file.read_exact(&mut signature))
        .is_ok()
        && signature == *b"PK\x03\x04";
    if is_zip {
        Ok(AdvisorySourceKind::Zip)
    } else {
        Err(SourceError::UnknownFormat {
            path: path.to_path_buf(),
        })
    }
}

impl Source {
    /// Lists the source at `path`: a directory, a zip archive or one record file.
    pub(crate) fn open(path: &Path) -> Result<Self, SourceError> {
        match stamp_of(path)?.0 {
            AdvisorySourceKind::Directory => Self::open_directory(path),
            AdvisorySourceKind::Zip => Self::open_zip(path),
            _ => Self::open_file(path),
        }
    }

    pub(crate) fn open_directory(path: &Path) -> Result<Self, SourceError> {
        let metadata = fs_err::metadata(path).map_err(|source| SourceError::Open {
            path: path.to_path_buf(),
            source,
        })?;
        let mut entries = walk(path, "", &[directory_key(path, &metadata)])?;
        entries.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(Self {
            kind: AdvisorySourceKind::Directory,
            path: path.to_path_buf(),
            stamp: Fingerprint::default(),
            entries,
            archive: None,
        })
    }

    /// Reads the whole archive into memory once: entries are then decompressed in parallel
    /// from shared bytes, and the archive cannot change under the reader.
    pub(crate) fn open_zip(path: &Path) -> Result<Self, SourceError> {
        let open_error = |source| SourceError::Open {
            path: path.to_path_buf(),
            source,
        };
        let mut file = fs_err::File::open(path).map_err(open_error)?;
        let metadata = file.metadata().map_err(open_error)?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).map_err(open_error)?;
        let bytes: Arc<[u8]> = bytes.into();
        let mut archive =
            ZipArchive::new(Cursor::new(bytes)).map_err(|source| SourceError::Zip {
                path: path.to_path_buf(),
                source,
            })?;
        let mut entries = Vec::new();
        for position in 0..archive.len() {
            let entry = archive
                .by_index_raw(position)
                .map_err(|source| SourceError::Zip {
                    path: path.to_path_buf(),
                    source,
                })?;
            if !entry.is_file() || RecordFormat::from_path(Path::new(entry.name())).is_none() {
                continue;
            }
            entries.push(SourceEntry {
                name: entry.name().to_string(),
                fingerprint: Fingerprint::of_zip_entry(entry.size(), entry.crc32()),
                place: EntryPlace::ZipEntry(position),
            });
        }
        entries.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(Self {
            kind: AdvisorySourceKind::Zip,
            path: path.to_path_buf(),
            stamp: Fingerprint::of_file(&metadata),
            entries,
            archive: Some(archive),
        })
    }

    fn open_file(path: &Path) -> Result<Self, SourceError> {
        let metadata = fs_err::metadata(path).map_err(|source| SourceError::Open {
            path: path.to_path_buf(),
            source,
        })?;
        let name = path.file_name().map_or_else(
            || path.display().to_string(),
            |name| name.to_string_lossy().into_owned(),
        );
        Ok(Self {
            kind: AdvisorySourceKind::File,
            path: path.to_path_buf(),
            stamp: Fingerprint::of_file(&metadata),
            entries: vec![SourceEntry {
                name,
                fingerprint: Fingerprint::of_file(&metadata),
                place: EntryPlace::File(path.to_path_buf()),
            }],
            archive: None,
        })
    }

    pub(crate) fn kind(&self) -> AdvisorySourceKind {
        self.kind
    }

    pub(crate) fn stamp(&self) -> Fingerprint {
        self.stamp
    }

    pub(crate) fn entries(&self) -> &[SourceEntry] {
        &self.entries
    }

    /// Reads and parses the entries at `positions` (indexes into [`Self::entries`]) in
    /// parallel, in the order given. A damaged zip entry (bad CRC, bad compressed data) is an
    /// error for the whole source: the archive is corrupt, not the record.
    pub(crate) fn parse(&self, positions: &[usize]) -> Result<Vec<EntryContent>, SourceError> {
        positions
            .par_iter()
            .map_init(
                || self.archive.clone(),
                |archive, &position| {
                    let entry = &self.entries[position];
                    let bytes = match self.entry_bytes(archive.as_mut(), entry)? {
                        Ok(bytes) => bytes,
                        Err(problem) => {
                            return Ok(EntryContent::Problem(EntryProblem::whole(problem)))
                        }
                    };
                    Ok(parse_entry(&entry.name, &bytes))
                },
            )
            .collect()
    }

    /// Decompresses the entries at `positions` and checks their CRC-32 without parsing them:
    /// a downloaded archive is validated whole even where the index reuses earlier records.
    pub(crate) fn verify(&self, positions: &[usize]) -> Result<(), SourceError> {
        if self.archive.is_none() {
            return Ok(());
        }
        positions
            .par_iter()
            .map_init(
                || self.archive.clone(),
                |archive, &position| {
                    self.entry_bytes(archive.as_mut(), &self.entries[position])
                        .map(|_| ())
                },
            )
            .collect()
    }

    /// The bytes of an entry; the inner error is a problem with this record only.
    fn entry_bytes(
        &self,
        archive: Option<&mut ZipArchive<Cursor<Arc<[u8]>>>>,
        entry: &SourceEntry,
    ) -> Result<Result<Vec<u8>, String>, SourceError> {
        match (&entry.place, archive) {
            (EntryPlace::File(path), _) => Ok(read_file(path)),
            (EntryPlace::ZipEntry(position), Some(archive)) => {
                let damaged = |source| SourceError::ZipEntry {
                    path: self.path.clone(),
                    entry: entry.name.clone(),
                    source,
                };
                let mut file = archive
                    .by_index(*position)
                    .map_err(|error| damaged(io::Error::other(error)))?;
                if file.size() > MAX_RECORD_BYTES {
                    return Ok(Err(format!(
                        "the record is {} bytes, more than the {MAX_RECORD_BYTES} allowed",
                        file.size()
                    )));
                }
                let mut bytes = Vec::new();
                // Reading to the end is what makes the zip reader check the CRC-32.
                (&mut file)
                    .take(MAX_RECORD_BYTES + 1)
                    .read_to_end(&mut bytes)
                    .map_err(damaged)?;
                if bytes.len() as u64 > MAX_RECORD_BYTES {
                    return Err(damaged(io::Error::other("entry larger than it claims")));
                }
                Ok(Ok(bytes))
            }
            (EntryPlace::ZipEntry(_), None) => Err(SourceError::ZipEntry {
                path: self.path.clone(),
                entry: entry.name.clone(),
                source: io::Error::other("the archive is not open"),
            }),
        }
    }

    /// Where an entry is, for problems: a file path, or `archive!entry` with the archive named
    /// by `shown_path` (a downloaded archive is read before it moves to its final place).
    pub(crate) fn entry_location(&self, shown_path: &Path, entry: &str) -> String {
        entry_location(self.kind, shown_path, entry)
    }
}

pub(crate) fn entry_location(kind: AdvisorySourceKind, shown_path: &Path, entry: &str) -> String {
    match kind {
        AdvisorySourceKind::Directory => shown_path.join(entry).display().to_string(),
        AdvisorySourceKind::Zip | AdvisorySourceKind::Download => {
            format!("{}!{entry}", shown_path.display())
        }
        _ => shown_path.display().to_string(),
    }
}

fn read_file(path: &Path) -> Result<Vec<u8>, String> {
    fs_err::read(path).map_err(|error| {
        // fs_err's message repeats the path, which the problem's location already gives.
        let cause = error
            .get_ref()
            .and_then(|inner| inner.source())
            .map_or_else(|| error.to_string(), ToString::to_string);
        format!("cannot read the file: {cause}")
    })
}

fn parse_entry(name: &str, bytes: &[u8]) -> EntryContent {
    let Some(format) = RecordFormat::from_path(Path::new(name)) else {
        return EntryContent::Problem(EntryProblem::whole(
            "not a .json, .yaml or .yml file".to_string(),
        ));
    };
    match parse_record(bytes, format) {
        Ok(Some(advisory)) => EntryContent::Record(Box::new(advisory)),
        Ok(None) => EntryContent::NotPypi,
        Err(error) => {
            let (line, column) = error.line_column().unwrap_or((0, None));
            EntryContent::Problem(EntryProblem {
                message: error_chain(&error),
                line,
                column,
            })
        }
    }
}

/// An error and its causes on one line, for a problem message.
pub(crate) fn error_chain(error: &dyn std::error::Error) -> String {
    let mut message = error.to_string();
    let mut cause = error.source();
    while let Some(inner) = cause {
        let text = inner.to_string();
        if !message.contains(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        cause = inner.source();
    }
    message
}

/// What identifies a directory on disk, to stop at symlink loops.
type DirectoryKey = (u64, u64);

#[cfg(unix)]
fn directory_key(_path: &Path, metadata: &std::fs::Metadata) -> DirectoryKey {
    use std::os::unix::fs::MetadataExt as _;
    (metadata.dev(), metadata.ino())
}

#[cfg(not(unix))]
fn directory_key(path: &Path, _metadata: &std::fs::Metadata) -> DirectoryKey {
    use std::hash::{Hash as _, Hasher as _};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    fs_err::canonicalize(path)
        .unwrap_or_else(|_| path.to_path_buf())
        .hash(&mut hasher);
    (0, hasher.finish())
}

/// Lists record files below `directory`, following symlinks but never into a directory that
/// is already being walked above (a loop). Hidden entries (`.git`, `.cache`) are skipped.
/// Subdirectories are walked in parallel; the caller sorts.
fn walk(
    directory: &Path,
    prefix: &str,
    ancestors: &[DirectoryKey],
) -> Result<Vec<SourceEntry>, SourceError> {
    let read_error = |source| SourceError::ReadDirectory {
        path: directory.to_path_buf(),
        source,
    };
    let mut entries = Vec::new();
    let mut subdirectories = Vec::new();
    for item in fs_err::read_dir(directory).map_err(read_error)? {
        let item = item.map_err(read_error)?;
        let file_name = item.file_name();
        let file_name = file_name.to_string_lossy();
        if file_name.starts_with('.') {
            continue;
        }
        let path = item.path();
        let name = format!("{prefix}{file_name}");
        let file_type = item.file_type().map_err(read_error)?;
        let metadata = if file_type.is_symlink() {
            fs_err::metadata(&path)
        } else {
            item.metadata()
        };
        let metadata = match metadata {
            Ok(metadata) => metadata,
            // A dangling link that looks like a record is reported when it is parsed; its
            // fingerprint changes once the link points somewhere again.
            Err(_) if RecordFormat::from_path(&path).is_some() => {
                entries.push(SourceEntry {
                    name,
                    fingerprint: Fingerprint::default(),
                    place: EntryPlace::File(path),
                });
                continue;
            }
            Err(_) => continue,
        };
        if metadata.is_dir() {
            let key = directory_key(&path, &metadata);
            if !ancestors.contains(&key) {
                subdirectories.push((path, format!("{name}/"), key));
            }
        } else if metadata.is_file() && RecordFormat::from_path(&path).is_some() {
            entries.push(SourceEntry {
                name,
                fingerprint: Fingerprint::of_file(&metadata),
                place: EntryPlace::File(path),
            });
        }
    }
    let nested = subdirectories
        .par_iter()
        .map(|(path, prefix, key)| {
            let mut chain = ancestors.to_vec();
            chain.push(*key);
            walk(path, prefix, &chain)
        })
        .collect::<Result<Vec<_>, _>>()?;
    entries.extend(nested.into_iter().flatten());
    Ok(entries)
}

/// Every record of a source, read in full without an index (tests, tools, one-off reads).
#[derive(Debug, Clone)]
pub struct SourceRecords {
    pub kind: AdvisorySourceKind,
    /// Records with at least one `PyPI` entry, in entry-name order.
    pub advisories: Vec<Advisory>,
    /// Valid records without a `PyPI` entry.
    pub skipped: usize,
    pub problems: Vec<RecordProblem>,
}

/// Reads every record of the directory, zip archive or file at `path`.
pub fn read_source(path: &Path) -> Result<SourceRecords, SourceError> {
    let source = Source::open(path)?;
    let positions: Vec<usize> = (0..source.entries.len()).collect();
    let contents = source.parse(&positions)?;
    let mut records = SourceRecords {
        kind: source.kind,
        advisories: Vec::new(),
        skipped: 0,
        problems: Vec::new(),
    };
    for (entry, content) in source.entries.iter().zip(contents) {
        match content {
            EntryContent::Record(advisory) => records.advisories.push(*advisory),
            EntryContent::NotPypi => records.skipped += 1,
            EntryContent::Problem(problem) => records
                .problems
                .push(problem.at(source.entry_location(path, &entry.name))),
        }
    }
    Ok(records)
}
