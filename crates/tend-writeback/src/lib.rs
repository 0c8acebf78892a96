//! Write-back: new pins into the files that declare them, changing only what must change.
//!
//! An update that passed its trial is written into the project's requirement files (or its
//! `pyproject.toml`) so that the next install gets it too. Reviewers read these diffs, so a
//! rewrite changes the version of each `==` pin (and, where the file has them, its `--hash`
//! options) and nothing else: comments, order, spacing, markers, extras, line endings (LF or
//! CRLF), a byte-order mark and the last line's missing newline all stay as they were.
//!
//! This crate owns the rewriting rules; it works on text and returns the new text with the list
//! of edits, and [`replace_file`] writes a file atomically; fetching the new hashes is the
//! caller's.
//!
//! A declaration that is not an exact pin is left alone when it already allows the new
//! version (`flask>=2.0` for 2.3.3) and is an error when it does not (`flask<2.3`): widening a
//! range is a decision for a person, not for the tool.

mod pyproject;
mod requirements;
mod write;

use std::path::PathBuf;

use pep440_rs::Version;
use tend_model::{Hash, PackageName};

pub use pyproject::rewrite_pyproject;
pub use requirements::rewrite_requirements;
pub use write::{replace_file, temporary_path, write_file};

/// One package's new pin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PinChange {
    pub name: PackageName,
    pub to: Version,
    /// The new version's hashes, for files that pin with `--hash`. A pin with hashes and no
    /// new hashes is an error: keeping the old ones would make the next install fail.
    pub hashes: Vec<Hash>,
}

/// One line changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    /// 1-based line of the declaration (its first physical line).
    pub line: usize,
    pub name: PackageName,
    /// The version as it was written.
    pub from: String,
    pub to: Version,
    /// How many `--hash` options the declaration has now (0 when it had none).
    pub hashes: usize,
}

/// A declaration of a changed package that needed no edit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kept {
    pub line: usize,
    pub name: PackageName,
    pub reason: KeptReason,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeptReason {
    /// The specifier (a range, or none) already allows the new version.
    Allows { specifier: String },
    /// A direct reference (`name @ URL`): not a version pin.
    DirectReference,
}

/// The rewritten text and what changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rewritten {
    pub text: String,
    pub edits: Vec<Edit>,
    pub kept: Vec<Kept>,
}

impl Rewritten {
    /// The changes this file does not declare at all, for the caller to report or to look for
    /// in another file.
    pub fn not_declared<'a>(&self, changes: &'a [PinChange]) -> Vec<&'a PackageName> {
        changes
            .iter()
            .map(|change| &change.name)
            .filter(|name| {
                !self.edits.iter().any(|edit| &edit.name == *name)
                    && !self.kept.iter().any(|kept| &kept.name == *name)
            })
            .collect()
    }
}

/// Why a file could not be rewritten. Nothing is written in that case: the caller gets no
/// text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WriteBackError {
    #[error(
        "{}:{line}: `{name}` is declared `{specifier}`, which does not allow {to}; only `==` pins \
         are rewritten: change the specifier by hand",
        file.display()
    )]
    Excludes {
        file: PathBuf,
        line: usize,
        name: PackageName,
        specifier: String,
        to: Version,
    },

    #[error(
        "{}:{line}: `{name}` is pinned with --hash options, but no hashes of {to} were given; \
         keeping the old ones would make the next install fail",
        file.display()
    )]
    MissingHashes {
        file: PathBuf,
        line: usize,
        name: PackageName,
        to: Version,
    },

    #[error(
        "{}:{line}: the declaration of `{name}` is laid out in a way tend does not rewrite ({what}); \
         change it by hand or put the version and each --hash on lines of their own",
        file.display()
    )]
    Layout {
        file: PathBuf,
        line: usize,
        name: PackageName,
        what: &'static str,
    },

    #[error("{}: {message}", file.display())]
    Toml { file: PathBuf, message: String },
}
