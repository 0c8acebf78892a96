//! The hashes of one release's files, for requirements files pinned with `--hash`.
//!
//! When the update stage writes a new pin into a requirements file whose entries carry
//! `--hash` options, the new version's hashes must come from the same indexes pip will install
//! from. [`IndexClient::release_hashes`](crate::IndexClient::release_hashes) asks every
//! configured index for the project's page and returns a [`ReleaseHashes`]: every wheel and
//! sdist of exactly that version (the file name parsed by [`crate::filename`], so `1.0` and
//! `1.0.0` are one version and a local version such as `1.0+cpu` is another), each with the
//! digests the indexes publish and the indexes that list it.
//!
//! # What a caller writes
//!
//! pip checks a downloaded file against every `--hash` of its requirement, so a pin must list
//! the digest of every file pip might pick, on every platform: [`ReleaseHashes::pip_hashes`]
//! gives one digest per file, sha256 preferred (then sha512, sha384: the algorithms pip's
//! `--hash` accepts). A file without such a digest (an index that publishes none, or only md5)
//! is in [`ReleaseHashes::without_pip_hash`]; a caller must not write a hash line it cannot
//! complete, since pip would refuse that file wherever it is the one chosen. Yanked files are
//! listed too (an exact pin may install a yanked release), marked as such.
//!
//! # Which indexes
//!
//! pip merges the files of all its indexes, so every index is asked; a file listed by several
//! gets the union of their digests (a mirror that rebuilt a wheel serves different bytes under
//! the same name, and pip accepts whichever matches). An index that fails, or has no cached
//! page in offline mode, makes the answer incomplete, which is an error
//! ([`ReleaseHashesError::IndexFailed`]) rather than a shorter list. No index with a file of
//! the version is [`ReleaseHashesError::VersionNotFound`]. Index URLs in both are redacted.
//!
//! # Cache
//!
//! The outdated check keeps each page in the HTTP cache in the compact form of
//! [`crate::compact`], which has no hashes. This lookup keeps its own entry for the same URL:
//! a different [`tend_http::Transform`] ([`FORMAT`]) storing each file's name, yank and hashes
//! and nothing else, under the same cache mode (`--refresh` revalidates, `--offline` answers
//! from the cache alone) and page lifetime as the outdated check.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use pep440_rs::Version;
use pep508_rs::PackageName;
use serde::{Deserialize, Serialize};
use tend_model::{Hash, HashAlgorithm};

use crate::filename::{parse_filename, DistKind};
use crate::page::ProjectPage;

/// The id of the cached form in cache keys; bump it whenever the encoding changes.
pub const FORMAT: &str = "tend-file-hashes-v1";

/// The algorithms pip's `--hash` accepts, in the order a pin prefers them.
const PIP_ALGORITHMS: [HashAlgorithm; 3] = [
    HashAlgorithm::Sha256,
    HashAlgorithm::Sha512,
    HashAlgorithm::Sha384,
];

/// One file of the release.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileHashes {
    pub filename: String,
    pub kind: DistKind,
    /// Yanked (PEP 592) on every index that lists it.
    pub yanked: bool,
    /// Every digest the indexes give, ordered by algorithm then digest; several of one
    /// algorithm when indexes disagree about the file's bytes. Empty when none gives one.
    pub hashes: Vec<Hash>,
    /// The indexes that list the file (redacted URLs), in the order of the settings.
    pub indexes: Vec<String>,
}

impl FileHashes {
    /// The digests a `--hash` line carries for this file: all of the most preferred algorithm
    /// the indexes give (sha256, else sha512, else sha384); empty when there is none.
    pub fn pip_hashes(&self) -> Vec<&Hash> {
        PIP_ALGORITHMS
            .iter()
            .map(|&algorithm| {
                self.hashes
                    .iter()
                    .filter(|hash| hash.algorithm == algorithm)
                    .collect::<Vec<_>>()
            })
            .find(|hashes| !hashes.is_empty())
            .unwrap_or_default()
    }
}

/// Every file of one version of a project on the configured indexes, with its hashes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReleaseHashes {
    pub name: PackageName,
    pub version: Version,
    /// Ordered by file name; never empty.
    pub files: Vec<FileHashes>,
}

impl ReleaseHashes {
    /// The files no `--hash` line can cover (no sha256, sha384 or sha512 digest).
    pub fn without_pip_hash(&self) -> impl Iterator<Item = &FileHashes> {
        self.files
            .iter()
            .filter(|file| file.pip_hashes().is_empty())
    }

    /// The digests to write as `--hash` options: each file's [`FileHashes::pip_hashes`],
    /// sorted and without repeats. Check [`Self::without_pip_hash`] first: files listed there
    /// contribute nothing.
    pub fn pip_hashes(&self) -> Vec<&Hash> {
        let mut hashes: Vec<&Hash> = self.files.iter().flat_map(FileHashes::pip_hashes).collect();
        hashes.sort();
        hashes.dedup();
        hashes
    }
}

/// Why the hashes of a release could not be given.
#[derive(Debug, thiserror::Error)]
pub enum ReleaseHashesError {
    /// No index lists a wheel or sdist of the version (the project may be unknown too).
    #[error(
        "no index has a file of {name} {version} (asked {})",
        indexes.join(", ")
    )]
    VersionNotFound {
        name: PackageName,
        version: Version,
        /// Every index asked, redacted.
        indexes: Vec<String>,
    },
    /// Some index could not be read, so the list of files may be incomplete.
    #[error(
        "the hashes of {name} {version} cannot be complete: {}",
        failures.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
    )]
    IndexFailed {
        name: PackageName,
        version: Version,
        failures: Vec<IndexFailure>,
    },
}

/// One index that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexFailure {
    /// The index URL, redacted.
    pub index: String,
    /// What went wrong, naming URLs without credentials.
    pub message: String,
}

impl fmt::Display for IndexFailure {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "{}: {}", self.index, self.message)
    }
}

/// A wheel or sdist of the project as one index lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ListedFile {
    pub(crate) filename: String,
    pub(crate) version: Version,
    pub(crate) kind: DistKind,
    pub(crate) yanked: bool,
    pub(crate) hashes: Vec<Hash>,
}

/// The page's wheels and sdists of `project` (other files are left out, as in
/// [`crate::releases`]).
pub(crate) fn listed_files(page: &ProjectPage, project: &PackageName) -> Vec<ListedFile> {
    page.files
        .iter()
        .filter_map(|file| {
            let parsed = parse_filename(&file.filename, project)?;
            Some(ListedFile {
                filename: file.filename.clone(),
                version: parsed.version,
                kind: parsed.kind,
                yanked: file.yanked,
                hashes: file.hashes.clone(),
            })
        })
        .collect()
}

/// What one index said, as [`merge`] reads it.
pub(crate) enum IndexFiles {
    Found(Vec<ListedFile>),
    /// The index does not know the project.
    NotFound,
    /// The index could not be read (offline without a cached page included); the message
    /// names URLs without credentials.
    Failed(String),
}

/// The files of `version` across every index's answer (`(redacted index, answer)` in the order
/// of the settings).
pub(crate) fn merge(
    name: &PackageName,
    version: &Version,
    answers: Vec<(String, IndexFiles)>,
) -> Result<ReleaseHashes, ReleaseHashesError> {
    let mut files: BTreeMap<String, FileHashes> = BTreeMap::new();
    let mut failures = Vec::new();
    let mut indexes = Vec::new();
    for (index, answer) in answers {
        indexes.push(index.clone());
        let listed = match answer {
            IndexFiles::Found(listed) => listed,
            IndexFiles::NotFound => continue,
            IndexFiles::Failed(message) => {
                failures.push(IndexFailure { index, message });
                continue;
            }
        };
        for file in listed.into_iter().filter(|file| file.version == *version) {
            let entry = files
                .entry(file.filename.clone())
                .or_insert_with(|| FileHashes {
                    filename: file.filename,
                    kind: file.kind,
                    yanked: true,
                    hashes: Vec::new(),
                    indexes: Vec::new(),
                });
            entry.yanked &= file.yanked;
            entry.hashes.extend(file.hashes);
            if !entry.indexes.contains(&index) {
                entry.indexes.push(index.clone());
            }
        }
    }
    if !failures.is_empty() {
        return Err(ReleaseHashesError::IndexFailed {
            name: name.clone(),
            version: version.clone(),
            failures,
        });
    }
    if files.is_empty() {
        return Err(ReleaseHashesError::VersionNotFound {
            name: name.clone(),
            version: version.clone(),
            indexes,
        });
    }
    let files = files
        .into_values()
        .map(|mut file| {
            file.hashes.sort();
            file.hashes.dedup();
            file
        })
        .collect();
    Ok(ReleaseHashes {
        name: name.clone(),
        version: version.clone(),
        files,
    })
}

#[derive(Serialize, Deserialize)]
struct Cached {
    files: Vec<CachedFile>,
}

#[derive(Serialize, Deserialize)]
struct CachedFile {
    #[serde(rename = "f")]
    filename: String,
    #[serde(rename = "y", default, skip_serializing_if = "is_false")]
    yanked: bool,
    /// `algorithm:digest`, as [`Hash`] writes and reads itself.
    #[serde(rename = "h", default, skip_serializing_if = "Vec::is_empty")]
    hashes: Vec<String>,
}

#[allow(clippy::trivially_copy_pass_by_ref)] // serde's `skip_serializing_if` passes a reference.
fn is_false(value: &bool) -> bool {
    !value
}

/// The cached form of a page: its wheels and sdists of `project`, with yanks and hashes.
pub(crate) fn encode(page: &ProjectPage, project: &PackageName) -> Vec<u8> {
    let files = listed_files(page, project)
        .into_iter()
        .map(|file| CachedFile {
            filename: file.filename,
            yanked: file.yanked,
            hashes: file.hashes.iter().map(ToString::to_string).collect(),
        })
        .collect();
    // Serialising plain strings and booleans cannot fail.
    serde_json::to_vec(&Cached { files }).unwrap_or_default()
}

/// Reads the cached form back. An entry that does not decode is an error the caller treats
/// like a bad page.
pub(crate) fn decode(bytes: &[u8], project: &PackageName) -> Result<Vec<ListedFile>, String> {
    let cached: Cached = serde_json::from_slice(bytes)
        .map_err(|error| format!("the cached file hashes could not be read: {error}"))?;
    cached
        .files
        .into_iter()
        .map(|file| {
            let parsed = parse_filename(&file.filename, project).ok_or_else(|| {
                format!(
                    "the cached file hashes hold `{}`, not a file of {project}",
                    file.filename
                )
            })?;
            let hashes = file
                .hashes
                .iter()
                .map(|hash| {
                    Hash::from_str(hash).map_err(|error| {
                        format!("the cached file hashes hold a bad hash `{hash}`: {error}")
                    })
                })
                .collect::<Result<_, _>>()?;
            Ok(ListedFile {
                filename: file.filename,
                version: parsed.version,
                kind: parsed.kind,
                yanked: file.yanked,
                hashes,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::page::IndexFile;
    use url::Url;

    fn name() -> PackageName {
        PackageName::from_str("foo").unwrap()
    }

    fn hash(algorithm: &str, fill: char) -> Hash {
        let length = match algorithm {
            "md5" => 32,
            "sha512" => 128,
            _ => 64,
        };
        format!("{algorithm}:{}", fill.to_string().repeat(length))
            .parse()
            .unwrap()
    }

    fn listed(filename: &str, hashes: Vec<Hash>) -> ListedFile {
        let parsed = parse_filename(filename, &name()).unwrap();
        ListedFile {
            filename: filename.to_owned(),
            version: parsed.version,
            kind: parsed.kind,
            yanked: false,
            hashes,
        }
    }

    fn version(text: &str) -> Version {
        text.parse().unwrap()
    }

    #[test]
    fn the_cached_form_round_trips_and_leaves_other_files_out() {
        let file = |filename: &str, yanked: bool, hashes: Vec<Hash>| IndexFile {
            filename: filename.to_owned(),
            url: Url::parse("https://files.example/x").unwrap(),
            requires_python: Some(">=3.8".to_owned()),
            yanked,
            yank_reason: yanked.then(|| "broken".to_owned()),
            upload_time: None,
            hashes,
        };
        let page = ProjectPage {
            files: vec![
                file("foo-1.0.tar.gz", false, vec![hash("sha256", 'a')]),
                file(
                    "foo-1.0-py3-none-any.whl",
                    true,
                    vec![hash("md5", 'b'), hash("sha256", 'c')],
                ),
                file("foo-1.1.tar.gz", false, vec![]),
                file("foo-1.0.win32.exe", false, vec![hash("sha256", 'd')]),
                file("bar-1.0.tar.gz", false, vec![hash("sha256", 'e')]),
            ],
            versions: Vec::new(),
            api_version: None,
        };
        let bytes = encode(&page, &name());
        let decoded = decode(&bytes, &name()).unwrap();
        assert_eq!(decoded, listed_files(&page, &name()));
        assert_eq!(decoded.len(), 3);
        assert!(decoded[1].yanked);
        // Only what the lookup needs is kept: no URLs, no Python limits, no yank reasons.
        let text = String::from_utf8(bytes).unwrap();
        assert!(!text.contains("files.example"), "{text}");
        assert!(!text.contains(">=3.8"), "{text}");
        assert!(!text.contains("broken"), "{text}");
    }

    #[test]
    fn damaged_cache_entries_are_errors() {
        assert!(decode(b"", &name()).is_err());
        let other = decode(br#"{"files": [{"f": "bar-1.0.tar.gz"}]}"#, &name()).unwrap_err();
        assert!(other.contains("not a file of foo"), "{other}");
        let bad = decode(
            br#"{"files": [{"f": "foo-1.0.tar.gz", "h": ["sha256:zz"]}]}"#,
            &name(),
        )
        .unwrap_err();
        assert!(bad.contains("sha256:zz"), "{bad}");
    }

    #[test]
    fn indexes_are_merged_per_file_name() {
        let answers = vec![
            (
                "https://a.example/".to_owned(),
                IndexFiles::Found(vec![
                    listed("foo-1.0.tar.gz", vec![hash("sha256", 'a')]),
                    listed("foo-1.0-py3-none-any.whl", vec![hash("md5", 'b')]),
                    listed("foo-1.1.tar.gz", vec![hash("sha256", 'f')]),
                ]),
            ),
            ("https://b.example/".to_owned(), IndexFiles::NotFound),
            (
                "https://c.example/".to_owned(),
                IndexFiles::Found(vec![
                    // The same file rebuilt by a mirror: both digests count.
                    listed("foo-1.0.0.tar.gz", vec![hash("sha256", 'c')]),
                    listed(
                        "foo-1.0.tar.gz",
                        vec![hash("sha256", 'c'), hash("sha256", 'a')],
                    ),
                ]),
            ),
        ];
        let release = merge(&name(), &version("1.0"), answers).unwrap();
        let files: Vec<(&str, Vec<String>, Vec<&str>)> = release
            .files
            .iter()
            .map(|file| {
                (
                    file.filename.as_str(),
                    file.hashes.iter().map(ToString::to_string).collect(),
                    file.indexes.iter().map(String::as_str).collect(),
                )
            })
            .collect();
        assert_eq!(
            files,
            [
                (
                    "foo-1.0-py3-none-any.whl",
                    vec![hash("md5", 'b').to_string()],
                    vec!["https://a.example/"]
                ),
                (
                    "foo-1.0.0.tar.gz",
                    vec![hash("sha256", 'c').to_string()],
                    vec!["https://c.example/"]
                ),
                (
                    "foo-1.0.tar.gz",
                    vec![
                        hash("sha256", 'a').to_string(),
                        hash("sha256", 'c').to_string()
                    ],
                    vec!["https://a.example/", "https://c.example/"]
                ),
            ]
        );
        let without: Vec<&str> = release
            .without_pip_hash()
            .map(|file| file.filename.as_str())
            .collect();
        assert_eq!(without, ["foo-1.0-py3-none-any.whl"]);
        assert_eq!(
            release.pip_hashes(),
            [&hash("sha256", 'a'), &hash("sha256", 'c')]
        );
    }

    #[test]
    fn sha256_is_preferred_then_sha512() {
        let mut file = FileHashes {
            filename: "foo-1.0.tar.gz".to_owned(),
            kind: DistKind::Sdist,
            yanked: false,
            hashes: vec![hash("md5", '1'), hash("sha256", '2'), hash("sha512", '3')],
            indexes: Vec::new(),
        };
        assert_eq!(file.pip_hashes(), [&hash("sha256", '2')]);
        file.hashes.remove(1);
        assert_eq!(file.pip_hashes(), [&hash("sha512", '3')]);
        file.hashes.remove(1);
        assert!(file.pip_hashes().is_empty());
    }

    #[test]
    fn a_failing_index_makes_the_answer_an_error() {
        let answers = vec![
            (
                "https://a.example/".to_owned(),
                IndexFiles::Found(vec![listed("foo-1.0.tar.gz", vec![hash("sha256", 'a')])]),
            ),
            (
                "https://u:****@b.example/".to_owned(),
                IndexFiles::Failed("https://u:****@b.example/foo/ answered 503".to_owned()),
            ),
        ];
        let error = merge(&name(), &version("1.0"), answers).unwrap_err();
        assert_eq!(
            error.to_string(),
            "the hashes of foo 1.0 cannot be complete: https://u:****@b.example/: \
             https://u:****@b.example/foo/ answered 503"
        );
    }

    #[test]
    fn a_version_no_index_has_is_an_error_naming_them() {
        let answers = vec![
            (
                "https://a.example/".to_owned(),
                IndexFiles::Found(vec![listed("foo-1.0.tar.gz", vec![hash("sha256", 'a')])]),
            ),
            ("https://b.example/".to_owned(), IndexFiles::NotFound),
        ];
        let error = merge(&name(), &version("2.0"), answers).unwrap_err();
        assert_eq!(
            error.to_string(),
            "no index has a file of foo 2.0 (asked https://a.example/, https://b.example/)"
        );
    }
}
