//! The on-disk index of one advisory source: what lets an audit read only the packages it
//! asks about, and lets a rebuild parse only the records that changed.
//!
//! One file, all integers little-endian:
//!
//! ```text
//! prelude   magic "TENDOSVI", format version (u32), header length (u32), header CRC-32 (u32)
//! header    producer (tend-advisory version), source kind, source path shown in problems,
//!           source stamp, build time, counts, newest `modified`, file length, and the
//!           offset, length and CRC-32 of each region below
//! records   each advisory in the compact binary form of `record_codec`, grouped by package
//! blocks    the package table in blocks of up to 32 names (sorted): normalised name ->
//!           (offset, length, CRC-32) of each of its records
//! packages  the block directory: first name, offset, length and CRC-32 of each block
//! problems  records that could not be read: location, line, column and message
//! entries   per source entry: name, fingerprint, and its record reference, "no PyPI entry"
//!           or its problem; read only by a rebuild
//! ```
//!
//! A lookup reads the prelude and header, the block directory and the problems, then only the
//! blocks holding the names asked for and only those packages' records, each part checked
//! against its CRC-32: its cost follows the records touched, not the size of the source (the
//! directory, one entry per 32 packages, is the only part that grows with it). A rebuild
//! compares the source's entries with the `entries` region and copies the bytes of unchanged
//! entries' records without parsing them again. Anything that does not check out (magic,
//! version, producer, lengths, checksums, structure) makes the whole index invalid: it is
//! rebuilt, never trusted, and never a panic.

mod record_codec;
mod wire;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{self, Read as _, Seek as _, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use jiff::Timestamp;
use rayon::prelude::*;
use tend_model::{AdvisorySourceKind, PackageName};

use self::record_codec::{
    optional_timestamp, read_optional_timestamp, read_timestamp, timestamp, VersionCache,
};
use self::wire::{Malformed, Reader, Writer};
use crate::source::{
    entry_location, error_chain, EntryContent, EntryProblem, Fingerprint, RecordProblem, Source,
    SourceError,
};
use crate::Advisory;

/// Bump on any change to the layout or to `record_codec`.
pub(crate) const FORMAT_VERSION: u32 = 2;
const MAGIC: &[u8; 8] = b"TENDOSVI";
const PRELUDE_LEN: usize = 20;
const MAX_HEADER_LEN: u32 = 64 * 1024;
/// Records closer than this are read with one read call instead of two.
const READ_GAP: u64 = 16 * 1024;
/// The most a lookup reads at once; the buffer is reused for the next records.
const WINDOW: u64 = 256 * 1024;
/// A block of the package table is closed once it holds this many packages or bytes: a
/// lookup reads only the blocks of the names it asks for.
const BLOCK_PACKAGES: usize = 32;
const BLOCK_BYTES: usize = 4096;

/// An index that cannot be read or cannot be trusted.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error("cannot read the advisory index `{path}`")]
    Read {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("the advisory index `{path}` is damaged or was written by another version: {reason}")]
    Invalid { path: PathBuf, reason: &'static str },
}

impl IndexError {
    pub(crate) fn is_missing(&self) -> bool {
        matches!(self, Self::Read { source, .. } if source.kind() == io::ErrorKind::NotFound)
    }

    pub(crate) fn is_invalid(&self) -> bool {
        matches!(self, Self::Invalid { .. })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct Region {
    offset: u64,
    len: u64,
    crc: u32,
}

/// Where one record's bytes are in the records region.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct RecordRef {
    offset: u64,
    len: u32,
    crc: u32,
}

/// The index's header: what it was built from and what it holds.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Header {
    pub(crate) producer: String,
    pub(crate) kind: AdvisorySourceKind,
    /// The path problems are reported under (a directory, an archive).
    pub(crate) origin: String,
    pub(crate) stamp: Fingerprint,
    pub(crate) built: Timestamp,
    /// Source entries (files, archive entries) the index was built from.
    pub(crate) entries: u64,
    pub(crate) records: u64,
    pub(crate) packages: u64,
    pub(crate) problems: u64,
    pub(crate) newest_modified: Option<Timestamp>,
    file_len: u64,
    records_region: Region,
    /// The package blocks; each block has its own CRC-32 in the directory.
    blocks_region: Region,
    /// The package directory: the first name, place and CRC-32 of each block.
    packages_region: Region,
    problems_region: Region,
    entries_region: Region,
}

fn producer() -> String {
    format!("tend-advisory {}", env!("CARGO_PKG_VERSION"))
}

fn kind_tag(kind: AdvisorySourceKind) -> u8 {
    match kind {
        AdvisorySourceKind::Directory => 0,
        AdvisorySourceKind::Zip => 1,
        AdvisorySourceKind::File => 2,
        AdvisorySourceKind::Download => 3,
        AdvisorySourceKind::OsvApi => 4,
        AdvisorySourceKind::PypiJson => 5,
    }
}

fn kind_of_tag(tag: u8) -> Result<AdvisorySourceKind, Malformed> {
    Ok(match tag {
        0 => AdvisorySourceKind::Directory,
        1 => AdvisorySourceKind::Zip,
        2 => AdvisorySourceKind::File,
        3 => AdvisorySourceKind::Download,
        4 => AdvisorySourceKind::OsvApi,
        5 => AdvisorySourceKind::PypiJson,
        _ => return Err(Malformed("invalid source kind")),
    })
}

impl Header {
    fn encode(&self) -> Vec<u8> {
        let mut out = Writer::default();
        out.str(&self.producer);
        out.u8(kind_tag(self.kind));
        out.str(&self.origin);
        for part in self.stamp.0 {
            out.u64(part);
        }
        timestamp(&mut out, self.built);
        out.u64(self.entries);
        out.u64(self.records);
        out.u64(self.packages);
        out.u64(self.problems);
        optional_timestamp(&mut out, self.newest_modified);
        out.u64(self.file_len);
        for region in [
            self.records_region,
            self.blocks_region,
            self.packages_region,
            self.problems_region,
            self.entries_region,
        ] {
            out.u64(region.offset);
            out.u64(region.len);
            out.u32(region.crc);
        }
        out.bytes
    }

    fn decode(bytes: &[u8]) -> Result<Self, Malformed> {
        let mut input = Reader::new(bytes);
        let producer = input.str()?.to_string();
        if producer != self::producer() {
            return Err(Malformed("written by another version of tend"));
        }
        let kind = kind_of_tag(input.u8()?)?;
        let origin = input.str()?.to_string();
        let stamp = Fingerprint([input.u64()?, input.u64()?, input.u64()?]);
        let built = read_timestamp(&mut input)?;
        let entries = input.u64()?;
        let records = input.u64()?;
        let packages = input.u64()?;
        let problems = input.u64()?;
        let newest_modified = read_optional_timestamp(&mut input)?;
        let file_len = input.u64()?;
        let mut region = || -> Result<Region, Malformed> {
            Ok(Region {
                offset: input.u64()?,
                len: input.u64()?,
                crc: input.u32()?,
            })
        };
        let records_region = region()?;
        let blocks_region = region()?;
        let packages_region = region()?;
        let problems_region = region()?;
        let entries_region = region()?;
        Ok(Self {
            producer,
            kind,
            origin,
            stamp,
            built,
            entries,
            records,
            packages,
            problems,
            newest_modified,
            file_len,
            records_region,
            blocks_region,
            packages_region,
            problems_region,
            entries_region,
        })
    }
}

/// An index file opened for reading; the header is already checked.
pub(crate) struct IndexReader {
    file: fs_err::File,
    path: PathBuf,
    header: Header,
    data_start: u64,
}

impl IndexReader {
    pub(crate) fn open(path: &Path) -> Result<Self, IndexError> {
        let read_error = |source| IndexError::Read {
            path: path.to_path_buf(),
            source,
        };
        let invalid = |reason: Malformed| IndexError::Invalid {
            path: path.to_path_buf(),
            reason: reason.0,
        };
        let mut file = fs_err::File::open(path).map_err(read_error)?;
        let file_len = file.metadata().map_err(read_error)?.len();
        // One read covers the prelude and any ordinary header.
        let mut start = vec![0; usize::try_from(file_len.min(4096)).unwrap_or(4096)];
        file.read_exact(&mut start).map_err(read_error)?;
        let mut prelude = Reader::new(&start);
        let magic = prelude
            .take(8)
            .map_err(|_| invalid(Malformed("too short")))?;
        if magic != MAGIC {
            return Err(invalid(Malformed("not an advisory index")));
        }
        let version = prelude.u32().map_err(invalid)?;
        if version != FORMAT_VERSION {
            return Err(invalid(Malformed("another index format version")));
        }
        let header_len = prelude.u32().map_err(invalid)?;
        let header_crc = prelude.u32().map_err(invalid)?;
        let header_end = PRELUDE_LEN + header_len as usize;
        if header_len > MAX_HEADER_LEN || header_end as u64 > file_len {
            return Err(invalid(Malformed("truncated header")));
        }
        let header_bytes = if let Some(bytes) = start.get(PRELUDE_LEN..header_end) {
            bytes.to_vec()
        } else {
            let mut bytes = vec![0; header_len as usize];
            file.seek(SeekFrom::Start(PRELUDE_LEN as u64))
                .and_then(|_| file.read_exact(&mut bytes))
                .map_err(read_error)?;
            bytes
        };
        if crc32fast::hash(&header_bytes) != header_crc {
            return Err(invalid(Malformed("header checksum mismatch")));
        }
        let header = Header::decode(&header_bytes).map_err(invalid)?;
        let data_start = header_end as u64;
        if header.file_len != file_len {
            return Err(invalid(Malformed("file length differs from the header")));
        }
        for region in [
            header.records_region,
            header.blocks_region,
            header.packages_region,
            header.problems_region,
            header.entries_region,
        ] {
            let end = data_start
                .checked_add(region.offset)
                .and_then(|start| start.checked_add(region.len));
            if end.is_none_or(|end| end > file_len) {
                return Err(invalid(Malformed("region outside the file")));
            }
        }
        Ok(Self {
            file,
            path: path.to_path_buf(),
            header,
            data_start,
        })
    }

    pub(crate) fn header(&self) -> &Header {
        &self.header
    }

    fn invalid(&self, reason: Malformed) -> IndexError {
        IndexError::Invalid {
            path: self.path.clone(),
            reason: reason.0,
        }
    }

    fn read_at(&mut self, offset: u64, len: u64) -> Result<Vec<u8>, IndexError> {
        let len = usize::try_from(len).map_err(|_| self.invalid(Malformed("region too large")))?;
        let mut bytes = vec![0; len];
        let path = &self.path;
        self.file
            .seek(SeekFrom::Start(self.data_start + offset))
            .and_then(|_| self.file.read_exact(&mut bytes))
            .map_err(|source| IndexError::Read {
                path: path.clone(),
                source,
            })?;
        Ok(bytes)
    }

    fn checked_region(&mut self, region: Region) -> Result<Vec<u8>, IndexError> {
        let bytes = self.read_at(region.offset, region.len)?;
        if crc32fast::hash(&bytes) != region.crc {
            return Err(self.invalid(Malformed("region checksum mismatch")));
        }
        Ok(bytes)
    }

    fn package_directory(&mut self) -> Result<Vec<BlockEntry>, IndexError> {
        let bytes = self.checked_region(self.header.packages_region)?;
        decode_directory(&bytes, self.header.blocks_region.len)
            .map_err(|reason| self.invalid(reason))
    }

    fn package_block(&mut self, block: &BlockEntry) -> Result<Vec<PackageRefs>, IndexError> {
        let bytes = self.checked_region(Region {
            offset: self.header.blocks_region.offset + block.region.offset,
            ..block.region
        })?;
        decode_block(&bytes).map_err(|reason| self.invalid(reason))
    }

    pub(crate) fn problems(&mut self) -> Result<Vec<RecordProblem>, IndexError> {
        let bytes = self.checked_region(self.header.problems_region)?;
        decode_problems(&bytes).map_err(|reason| self.invalid(reason))
    }

    fn entries(&mut self) -> Result<Vec<StoredEntry>, IndexError> {
        let bytes = self.checked_region(self.header.entries_region)?;
        decode_entries(&bytes).map_err(|reason| self.invalid(reason))
    }

    /// Reads and decodes the records at `refs`, each checked against its CRC-32. Neighbouring
    /// records are read together; decoding runs in parallel.
    pub(crate) fn records(&mut self, refs: &[RecordRef]) -> Result<Vec<Arc<Advisory>>, IndexError> {
        let mut refs = refs.to_vec();
        refs.sort_unstable();
        refs.dedup();
        let region_len = self.header.records_region.len;
        if refs.iter().any(|record| {
            record
                .offset
                .checked_add(u64::from(record.len))
                .is_none_or(|end| end > region_len)
        }) {
            return Err(self.invalid(Malformed("record outside the records region")));
        }
        // One contiguous chunk per thread: records of one package sit together, so each
        // chunk's version cache sees the same versions again and again. Each thread reads its
        // records through one small window it reuses, with positional reads.
        let base = self.data_start + self.header.records_region.offset;
        let file = self.file.file();
        let threads = rayon::current_num_threads().max(1);
        let chunk_len = refs.len().div_ceil(threads).max(64);
        let decoded: Vec<Vec<Arc<Advisory>>> = refs
            .par_chunks(chunk_len)
            .map(|chunk| decode_chunk(file, base, chunk))
            .collect::<Result<_, _>>()
            .map_err(|failure| match failure {
                ChunkFailure::Read(source) => IndexError::Read {
                    path: self.path.clone(),
                    source,
                },
                ChunkFailure::Malformed(reason) => self.invalid(reason),
            })?;
        Ok(decoded.into_iter().flatten().collect())
    }
}

enum ChunkFailure {
    Read(io::Error),
    Malformed(Malformed),
}

impl From<Malformed> for ChunkFailure {
    fn from(reason: Malformed) -> Self {
        Self::Malformed(reason)
    }
}

/// Reads and decodes `chunk` (sorted by offset). Records within [`READ_GAP`] of each other
/// are read together, up to [`WINDOW`] bytes at a time, into one buffer.
fn decode_chunk(
    file: &std::fs::File,
    base: u64,
    chunk: &[RecordRef],
) -> Result<Vec<Arc<Advisory>>, ChunkFailure> {
    let mut cache = VersionCache::default();
    let mut advisories = Vec::with_capacity(chunk.len());
    let mut window: Vec<u8> = Vec::new();
    let mut window_start = 0u64;
    for (position, record) in chunk.iter().enumerate() {
        let end = record.offset + u64::from(record.len);
        if record.offset < window_start || end > window_start + window.len() as u64 {
            let mut window_end = end;
            for next in &chunk[position + 1..] {
                let next_end = next.offset + u64::from(next.len);
                if next.offset > window_end + READ_GAP || next_end - record.offset > WINDOW {
                    break;
                }
                window_end = window_end.max(next_end);
            }
            let len = usize::try_from(window_end - record.offset)
                .map_err(|_| Malformed("record too large"))?;
            window.clear();
            window.resize(len, 0);
            read_exact_at(file, &mut window, base + record.offset).map_err(ChunkFailure::Read)?;
            window_start = record.offset;
        }
        let from = usize::try_from(record.offset - window_start).unwrap_or(usize::MAX);
        let bytes = from
            .checked_add(record.len as usize)
            .and_then(|to| window.get(from..to))
            .ok_or(Malformed("record outside its window"))?;
        if crc32fast::hash(bytes) != record.crc {
            return Err(Malformed("record checksum mismatch").into());
        }
        advisories.push(Arc::new(record_codec::decode(bytes, &mut cache)?));
    }
    Ok(advisories)
}

#[cfg(unix)]
fn read_exact_at(file: &std::fs::File, buffer: &mut [u8], offset: u64) -> io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buffer, offset)
}

#[cfg(windows)]
fn read_exact_at(file: &std::fs::File, mut buffer: &mut [u8], mut offset: u64) -> io::Result<()> {
    while !buffer.is_empty() {
        match std::os::windows::fs::FileExt::seek_read(file, buffer, offset) {
            Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
            Ok(read) => {
                buffer = &mut buffer[read..];
                offset += read as u64;
            }
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => return Err(error),
        }
    }
    Ok(())
}

/// One block of the package table, as the directory lists it.
#[derive(Debug, Clone)]
struct BlockEntry {
    first_name: String,
    /// Relative to the blocks region.
    region: Region,
}

/// One package of a block and where its records are.
#[derive(Debug, Clone)]
struct PackageRefs {
    name: String,
    records: Vec<RecordRef>,
}

fn encode_ref(out: &mut Writer, record: RecordRef) {
    out.u64(record.offset);
    out.u32(record.len);
    out.u32(record.crc);
}

fn decode_ref(input: &mut Reader<'_>) -> Result<RecordRef, Malformed> {
    Ok(RecordRef {
        offset: input.u64()?,
        len: input.u32()?,
        crc: input.u32()?,
    })
}

fn decode_directory(bytes: &[u8], blocks_len: u64) -> Result<Vec<BlockEntry>, Malformed> {
    let mut input = Reader::new(bytes);
    let mut blocks: Vec<BlockEntry> = Vec::with_capacity(input.clone().count()?);
    for _ in 0..input.count()? {
        let first_name = input.str()?.to_string();
        let region = Region {
            offset: input.u64()?,
            len: input.u64()?,
            crc: input.u32()?,
        };
        let inside = region
            .offset
            .checked_add(region.len)
            .is_some_and(|end| end <= blocks_len);
        let sorted = blocks
            .last()
            .is_none_or(|previous| previous.first_name < first_name);
        if !inside || !sorted {
            return Err(Malformed("damaged package directory"));
        }
        blocks.push(BlockEntry { first_name, region });
    }
    if input.is_empty() {
        Ok(blocks)
    } else {
        Err(Malformed("trailing bytes after the package directory"))
    }
}

fn decode_block(bytes: &[u8]) -> Result<Vec<PackageRefs>, Malformed> {
    let mut input = Reader::new(bytes);
    let mut packages = Vec::with_capacity(input.clone().count()?);
    for _ in 0..input.count()? {
        let name = input.str()?.to_string();
        let count = input.count()?;
        let mut records = Vec::with_capacity(count);
        for _ in 0..count {
            records.push(decode_ref(&mut input)?);
        }
        packages.push(PackageRefs { name, records });
    }
    if input.is_empty() {
        Ok(packages)
    } else {
        Err(Malformed("trailing bytes after a package block"))
    }
}

/// Reads the records of `names` from an index: the distinct records of all of them, each
/// once. Only the package blocks holding those names are read, then only their records.
pub(crate) fn lookup(
    reader: &mut IndexReader,
    names: &[PackageName],
) -> Result<Vec<Arc<Advisory>>, IndexError> {
    let directory = reader.package_directory()?;
    let mut wanted: Vec<&str> = names.iter().map(AsRef::as_ref).collect();
    wanted.sort_unstable();
    wanted.dedup();
    let mut refs = Vec::new();
    let mut current: Option<(usize, Vec<PackageRefs>)> = None;
    for name in wanted {
        // The block whose first name is the last one not after `name`.
        let Some(block) = directory
            .partition_point(|entry| entry.first_name.as_str() <= name)
            .checked_sub(1)
        else {
            continue;
        };
        if current.as_ref().is_none_or(|(read, _)| *read != block) {
            current = Some((block, reader.package_block(&directory[block])?));
        }
        if let Some((_, packages)) = &current {
            if let Ok(position) =
                packages.binary_search_by(|package| package.name.as_str().cmp(name))
            {
                refs.extend_from_slice(&packages[position].records);
            }
        }
    }
    reader.records(&refs)
}

/// What one source entry held when the index was built.
#[derive(Debug, Clone)]
enum EntryState {
    Record {
        record: RecordRef,
        modified: Timestamp,
        packages: Vec<String>,
    },
    NotPypi,
    Problem(EntryProblem),
}

#[derive(Debug, Clone)]
struct StoredEntry {
    name: String,
    fingerprint: Fingerprint,
    state: EntryState,
}

fn encode_entries(entries: &[StoredEntry]) -> Vec<u8> {
    let mut out = Writer::default();
    out.len(entries.len());
    for entry in entries {
        out.str(&entry.name);
        for part in entry.fingerprint.0 {
            out.u64(part);
        }
        match &entry.state {
            EntryState::Record {
                record,
                modified,
                packages,
            } => {
                out.u8(0);
                out.u64(record.offset);
                out.u32(record.len);
                out.u32(record.crc);
                timestamp(&mut out, *modified);
                out.len(packages.len());
                for package in packages {
                    out.str(package);
                }
            }
            EntryState::NotPypi => out.u8(1),
            EntryState::Problem(problem) => {
                out.u8(2);
                encode_problem(&mut out, problem);
            }
        }
    }
    out.bytes
}

fn decode_entries(bytes: &[u8]) -> Result<Vec<StoredEntry>, Malformed> {
    let mut input = Reader::new(bytes);
    let entries = (0..input.count()?)
        .map(|_| {
            let name = input.str()?.to_string();
            let fingerprint = Fingerprint([input.u64()?, input.u64()?, input.u64()?]);
            let state = match input.u8()? {
                0 => EntryState::Record {
                    record: RecordRef {
                        offset: input.u64()?,
                        len: input.u32()?,
                        crc: input.u32()?,
                    },
                    modified: read_timestamp(&mut input)?,
                    packages: (0..input.count()?)
                        .map(|_| input.str().map(str::to_string))
                        .collect::<Result<_, _>>()?,
                },
                1 => EntryState::NotPypi,
                2 => EntryState::Problem(decode_problem(&mut input)?),
                _ => return Err(Malformed("invalid entry state")),
            };
            Ok(StoredEntry {
                name,
                fingerprint,
                state,
            })
        })
        .collect::<Result<_, _>>()?;
    if input.is_empty() {
        Ok(entries)
    } else {
        Err(Malformed("trailing bytes after the entries"))
    }
}

fn encode_problem(out: &mut Writer, problem: &EntryProblem) {
    out.str(&problem.message);
    out.len(problem.line);
    out.len(problem.column.unwrap_or(0));
}

fn decode_problem(input: &mut Reader<'_>) -> Result<EntryProblem, Malformed> {
    let too_large = || Malformed("line number too large");
    Ok(EntryProblem {
        message: input.str()?.to_string(),
        line: usize::try_from(input.varint()?).map_err(|_| too_large())?,
        column: Some(usize::try_from(input.varint()?).map_err(|_| too_large())?)
            .filter(|&column| column > 0),
    })
}

fn encode_problems(problems: &[RecordProblem]) -> Vec<u8> {
    let mut out = Writer::default();
    out.len(problems.len());
    for problem in problems {
        out.str(&problem.location);
        encode_problem(
            &mut out,
            &EntryProblem {
                message: problem.message.clone(),
                line: problem.line,
                column: problem.column,
            },
        );
    }
    out.bytes
}

fn decode_problems(bytes: &[u8]) -> Result<Vec<RecordProblem>, Malformed> {
    let mut input = Reader::new(bytes);
    let problems = (0..input.count()?)
        .map(|_| {
            let location = input.str()?.to_string();
            Ok(decode_problem(&mut input)?.at(location))
        })
        .collect::<Result<_, _>>()?;
    if input.is_empty() {
        Ok(problems)
    } else {
        Err(Malformed("trailing bytes after the problems"))
    }
}

/// What to build an index from.
pub(crate) struct BuildRequest<'a> {
    pub(crate) source: &'a Source,
    /// The kind recorded in the index (`Download` for an archive `tend db update` fetched).
    pub(crate) kind: AdvisorySourceKind,
    /// The path problems name: the directory, file or archive where the user finds it.
    pub(crate) origin: &'a Path,
    /// The index built last time, if any: unchanged entries are copied from it.
    pub(crate) previous: Option<&'a Path>,
    pub(crate) now: Timestamp,
    /// Decompress and check every zip entry, also those whose records are reused.
    pub(crate) verify_all: bool,
}

/// The counts an index holds, for the manifest and for status.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct IndexSummary {
    pub(crate) records: usize,
    pub(crate) packages: usize,
    pub(crate) newest_modified: Option<Timestamp>,
    pub(crate) problems: Vec<RecordProblem>,
}

/// A finished build.
#[derive(Debug)]
pub(crate) struct Built {
    /// The new index file, or `None` when the previous one is still exact and was kept.
    pub(crate) bytes: Option<Vec<u8>>,
    pub(crate) summary: IndexSummary,
    /// Entries parsed this time.
    pub(crate) parsed: usize,
    /// Entries whose records were copied from the previous index.
    pub(crate) reused: usize,
    /// Entries of the previous index no longer in the source.
    pub(crate) removed: usize,
    /// Why the previous index could not be used, when there was one.
    pub(crate) previous_invalid: Option<String>,
}

struct Previous {
    reader: IndexReader,
    entries: Vec<StoredEntry>,
}

fn open_previous(path: &Path) -> Result<Option<Previous>, IndexError> {
    let mut reader = match IndexReader::open(path) {
        Ok(reader) => reader,
        Err(error) if error.is_missing() => return Ok(None),
        Err(error) => return Err(error),
    };
    let entries = reader.entries()?;
    Ok(Some(Previous { reader, entries }))
}

/// Builds the index of `request.source`, reusing what the previous index holds for entries
/// whose fingerprint is unchanged.
pub(crate) fn build(request: &BuildRequest<'_>) -> Result<Built, SourceError> {
    match request.previous.map(open_previous) {
        None | Some(Ok(None)) => build_from(request, None),
        Some(Ok(Some(previous))) => build_from(request, Some(previous)),
        Some(Err(error)) => {
            let mut built = build_from(request, None)?;
            built.previous_invalid = Some(error_chain(&error));
            Ok(built)
        }
    }
}

fn build_from(
    request: &BuildRequest<'_>,
    mut previous: Option<Previous>,
) -> Result<Built, SourceError> {
    // The previous index lied about some bytes: build again without it. Without a previous
    // index none of the paths that come here can be taken, so this recurses at most once.
    let start_over = |reason: &str| -> Result<Built, SourceError> {
        let mut built = build_from(request, None)?;
        built.previous_invalid = Some(reason.to_string());
        Ok(built)
    };
    let source = request.source;
    let entries = source.entries();
    let old_by_key: HashMap<(&str, Fingerprint), usize> = previous
        .as_ref()
        .map(|previous| {
            previous
                .entries
                .iter()
                .enumerate()
                .map(|(position, entry)| ((entry.name.as_str(), entry.fingerprint), position))
                .collect()
        })
        .unwrap_or_default();
    let mut matched = HashSet::new();
    let mut reused = Vec::new();
    let mut to_parse = Vec::new();
    for (position, entry) in entries.iter().enumerate() {
        match old_by_key.get(&(entry.name.as_str(), entry.fingerprint)) {
            Some(&old) => {
                matched.insert(old);
                reused.push((position, old));
            }
            None => to_parse.push(position),
        }
    }
    // Removed means gone from the source; an entry whose content changed is parsed, not
    // removed.
    let removed = previous.as_ref().map_or(0, |previous| {
        let current: HashSet<&str> = entries.iter().map(|entry| entry.name.as_str()).collect();
        previous
            .entries
            .iter()
            .filter(|entry| !current.contains(entry.name.as_str()))
            .count()
    });
    if request.verify_all {
        let positions: Vec<usize> = reused.iter().map(|&(position, _)| position).collect();
        source.verify(&positions)?;
    }
    let origin = request.origin.display().to_string();
    if let Some(previous) = &mut previous {
        let header = previous.reader.header();
        let unchanged = to_parse.is_empty()
            && matched.len() == previous.entries.len()
            && header.kind == request.kind
            && header.stamp == source.stamp()
            && header.origin == origin;
        if unchanged {
            let Ok(problems) = previous.reader.problems() else {
                return start_over("damaged problems region");
            };
            let header = previous.reader.header();
            return Ok(Built {
                bytes: None,
                summary: IndexSummary {
                    records: usize::try_from(header.records).unwrap_or(usize::MAX),
                    packages: usize::try_from(header.packages).unwrap_or(usize::MAX),
                    newest_modified: header.newest_modified,
                    problems,
                },
                parsed: 0,
                reused: entries.len(),
                removed: 0,
                previous_invalid: None,
            });
        }
    }

    let mut states: Vec<NewState<'_>> = Vec::new();
    states.resize_with(entries.len(), || NewState::NotPypi);
    let parsed = source.parse(&to_parse)?;
    let encoded: Vec<NewState<'_>> = parsed.into_par_iter().map(encode_content).collect();
    for (position, state) in to_parse.iter().zip(encoded) {
        states[*position] = state;
    }

    // The previous records region is read whole, and only when some of it is reused.
    let old_records = match &mut previous {
        Some(previous) if !reused.is_empty() => {
            let region = previous.reader.header().records_region;
            match previous.reader.read_at(region.offset, region.len) {
                Ok(bytes) => bytes,
                Err(_) => return start_over("previous records unreadable"),
            }
        }
        _ => Vec::new(),
    };
    if let Some(previous) = &previous {
        for &(position, old) in &reused {
            states[position] = match &previous.entries[old].state {
                EntryState::Record {
                    record,
                    modified,
                    packages,
                } => {
                    let start = usize::try_from(record.offset).unwrap_or(usize::MAX);
                    let bytes = start
                        .checked_add(record.len as usize)
                        .and_then(|end| old_records.get(start..end));
                    match bytes {
                        Some(bytes) if crc32fast::hash(bytes) == record.crc => NewState::Reused {
                            bytes,
                            crc: record.crc,
                            modified: *modified,
                            packages: packages.clone(),
                        },
                        _ => return start_over("a previous record fails its checksum"),
                    }
                }
                EntryState::NotPypi => NewState::NotPypi,
                EntryState::Problem(problem) => NewState::Problem(problem.clone()),
            };
        }
    }

    let (bytes, summary) = assemble(request, &origin, &states);
    Ok(Built {
        bytes: Some(bytes),
        summary,
        parsed: to_parse.len(),
        reused: reused.len(),
        removed,
        previous_invalid: None,
    })
}

fn encode_content(content: EntryContent) -> NewState<'static> {
    match content {
        EntryContent::Record(advisory) => {
            let mut out = Writer::default();
            record_codec::encode(&advisory, &mut out);
            let mut packages: Vec<String> = advisory
                .affected
                .iter()
                .map(|affected| affected.package.to_string())
                .collect();
            packages.sort_unstable();
            packages.dedup();
            NewState::Record {
                crc: crc32fast::hash(&out.bytes),
                bytes: out.bytes,
                modified: advisory.modified,
                packages,
            }
        }
        EntryContent::NotPypi => NewState::NotPypi,
        EntryContent::Problem(problem) => NewState::Problem(problem),
    }
}

/// An entry's content on its way into the new index.
enum NewState<'a> {
    Record {
        bytes: Vec<u8>,
        crc: u32,
        modified: Timestamp,
        packages: Vec<String>,
    },
    Reused {
        bytes: &'a [u8],
        crc: u32,
        modified: Timestamp,
        packages: Vec<String>,
    },
    NotPypi,
    Problem(EntryProblem),
}

impl NewState<'_> {
    fn record(&self) -> Option<(Timestamp, &[String])> {
        match self {
            Self::Record {
                modified, packages, ..
            }
            | Self::Reused {
                modified, packages, ..
            } => Some((*modified, packages)),
            Self::NotPypi | Self::Problem(_) => None,
        }
    }

    fn bytes(&self) -> Option<(&[u8], u32)> {
        match self {
            Self::Record { bytes, crc, .. } => Some((bytes, *crc)),
            Self::Reused { bytes, crc, .. } => Some((bytes, *crc)),
            Self::NotPypi | Self::Problem(_) => None,
        }
    }
}

fn to_u32(value: usize) -> u32 {
    // Index parts are far below 4 GiB: records are capped at 32 MiB and names are short.
    u32::try_from(value).unwrap_or(u32::MAX)
}

/// Lays out the new index file from the entries' states (in source-entry order).
fn assemble(
    request: &BuildRequest<'_>,
    origin: &str,
    states: &[NewState<'_>],
) -> (Vec<u8>, IndexSummary) {
    let entries = request.source.entries();
    // Records of one package sit together, so a lookup reads each package with one call.
    let mut order: Vec<usize> = (0..states.len())
        .filter(|&position| states[position].bytes().is_some())
        .collect();
    order.sort_by(|&a, &b| {
        let first = |position: usize| {
            states[position]
                .record()
                .and_then(|(_, packages)| packages.first().cloned())
        };
        first(a)
            .cmp(&first(b))
            .then_with(|| entries[a].name.cmp(&entries[b].name))
    });
    let mut records = Vec::new();
    let mut refs: Vec<Option<RecordRef>> = vec![None; states.len()];
    for &position in &order {
        if let Some((bytes, crc)) = states[position].bytes() {
            refs[position] = Some(RecordRef {
                offset: records.len() as u64,
                len: to_u32(bytes.len()),
                crc,
            });
            records.extend_from_slice(bytes);
        }
    }

    let mut by_package: BTreeMap<&str, Vec<RecordRef>> = BTreeMap::new();
    for &position in &order {
        if let (Some((_, packages)), Some(record)) = (states[position].record(), refs[position]) {
            for package in packages {
                by_package.entry(package).or_default().push(record);
            }
        }
    }
    let (blocks, packages) = encode_package_table(&by_package);

    let mut problems = Vec::new();
    let mut stored = Vec::with_capacity(states.len());
    let mut newest_modified = None;
    for ((state, entry), record) in states.iter().zip(entries).zip(&refs) {
        let state = match (state, record) {
            (
                NewState::Record {
                    modified, packages, ..
                }
                | NewState::Reused {
                    modified, packages, ..
                },
                Some(record),
            ) => {
                newest_modified = newest_modified.max(Some(*modified));
                EntryState::Record {
                    record: *record,
                    modified: *modified,
                    packages: packages.clone(),
                }
            }
            (NewState::Problem(problem), _) => {
                problems.push(problem.at(entry_location(
                    request.kind,
                    request.origin,
                    &entry.name,
                )));
                EntryState::Problem(problem.clone())
            }
            _ => EntryState::NotPypi,
        };
        stored.push(StoredEntry {
            name: entry.name.clone(),
            fingerprint: entry.fingerprint,
            state,
        });
    }
    let problems_bytes = encode_problems(&problems);
    let entries_bytes = encode_entries(&stored);

    let region = |offset: usize, bytes: &[u8], checksum: bool| Region {
        offset: offset as u64,
        len: bytes.len() as u64,
        crc: if checksum { crc32fast::hash(bytes) } else { 0 },
    };
    let records_region = region(0, &records, false);
    let blocks_region = region(records.len(), &blocks, false);
    let packages_region = region(records.len() + blocks.len(), &packages, true);
    let problems_region = region(
        records.len() + blocks.len() + packages.len(),
        &problems_bytes,
        true,
    );
    let entries_region = region(
        records.len() + blocks.len() + packages.len() + problems_bytes.len(),
        &entries_bytes,
        true,
    );
    let data_len =
        records.len() + blocks.len() + packages.len() + problems_bytes.len() + entries_bytes.len();
    let mut header = Header {
        producer: producer(),
        kind: request.kind,
        origin: origin.to_string(),
        stamp: request.source.stamp(),
        built: request.now,
        entries: states.len() as u64,
        records: order.len() as u64,
        packages: by_package.len() as u64,
        problems: problems.len() as u64,
        newest_modified,
        file_len: 0,
        records_region,
        blocks_region,
        packages_region,
        problems_region,
        entries_region,
    };
    // The header's length does not depend on the value of `file_len` (fixed width).
    let header_len = header.encode().len() as u64;
    header.file_len = (PRELUDE_LEN + data_len) as u64 + header_len;
    let header_bytes = header.encode();

    let mut file = Vec::with_capacity(usize::try_from(header.file_len).unwrap_or(0));
    file.extend_from_slice(MAGIC);
    file.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    file.extend_from_slice(&to_u32(header_bytes.len()).to_le_bytes());
    file.extend_from_slice(&crc32fast::hash(&header_bytes).to_le_bytes());
    file.extend_from_slice(&header_bytes);
    file.extend_from_slice(&records);
    file.extend_from_slice(&blocks);
    file.extend_from_slice(&packages);
    file.extend_from_slice(&problems_bytes);
    file.extend_from_slice(&entries_bytes);
    let summary = IndexSummary {
        records: order.len(),
        packages: by_package.len(),
        newest_modified,
        problems,
    };
    (file, summary)
}

/// The package blocks (sorted by name) and the directory of blocks.
fn encode_package_table(by_package: &BTreeMap<&str, Vec<RecordRef>>) -> (Vec<u8>, Vec<u8>) {
    let mut blocks = Vec::new();
    let mut directory = Writer::default();
    let mut block_count = 0;
    let mut directory_entries = Writer::default();
    let packages: Vec<(&&str, &Vec<RecordRef>)> = by_package.iter().collect();
    let mut start = 0;
    while start < packages.len() {
        let mut end = start;
        let mut body = Writer::default();
        while end < packages.len() && end - start < BLOCK_PACKAGES && body.bytes.len() < BLOCK_BYTES
        {
            let (name, records) = packages[end];
            body.str(name);
            body.len(records.len());
            for record in records {
                encode_ref(&mut body, *record);
            }
            end += 1;
        }
        let mut block = Writer::default();
        block.len(end - start);
        block.bytes.extend_from_slice(&body.bytes);
        directory_entries.str(packages[start].0);
        directory_entries.u64(blocks.len() as u64);
        directory_entries.u64(block.bytes.len() as u64);
        directory_entries.u32(crc32fast::hash(&block.bytes));
        blocks.extend_from_slice(&block.bytes);
        block_count += 1;
        start = end;
    }
    directory.len(block_count);
    directory.bytes.extend_from_slice(&directory_entries.bytes);
    (blocks, directory.bytes)
}
