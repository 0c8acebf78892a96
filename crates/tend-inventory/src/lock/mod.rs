//! Lockfiles as declaration sources: one module per format, each yielding `Locked`
//! declarations (`==version`, hashes, group) with the line of the entry.

mod pdm;
mod pipfile;
mod poetry;
mod pylock;
pub(crate) mod spanned_toml;
mod uv;

use std::path::Path;
use std::str::FromStr;

use tend_model::{
    Declaration, DeclarationKind, Group, Hash, Location, PackageName, SourceFile, SourceKind,
    SourceOptions, VersionSpecifiers,
};

pub use pdm::{parse_pdm_lock, PdmLockReader};
pub use pipfile::{parse_pipfile_lock, PipfileLockReader};
pub use poetry::{parse_poetry_lock, PoetryLockReader};
pub use pylock::{parse_pylock, PylockReader};
pub use uv::{parse_uv_lock, UvLockReader};

use crate::{SourceData, SourceReader};

/// Every lockfile reader, for discovery and `--source`.
pub static LOCKFILE_READERS: &[&dyn SourceReader] = &[
    &UvLockReader,
    &PoetryLockReader,
    &PipfileLockReader,
    &PdmLockReader,
    &PylockReader,
];

/// A group name from a lockfile or `[dependency-groups]`: `dev` is the development group the
/// tools install by default (uv folds its legacy `dev-dependencies` into it), the rest keep
/// their name.
pub(crate) fn dependency_group(name: &str) -> Group {
    if name.eq_ignore_ascii_case("dev") {
        Group::Dev
    } else {
        Group::Group(name.to_string())
    }
}

/// What every lockfile entry becomes: a `Locked` declaration in the main group.
pub(crate) fn locked(name: PackageName, source: SourceKind, location: Location) -> Declaration {
    Declaration::new(name, DeclarationKind::Locked, source, location)
}

/// `==version`, the only thing a lockfile entry allows.
pub(crate) fn pinned(version: &str) -> Result<VersionSpecifiers, String> {
    VersionSpecifiers::from_str(&format!("=={version}"))
        .map_err(|error| format!("invalid version `{version}`: {error}"))
}

pub(crate) fn hash(text: &str) -> Result<Hash, String> {
    Hash::from_str(text).map_err(|error| format!("invalid hash `{text}`: {error}"))
}

pub(crate) fn package_name(name: &str) -> Result<PackageName, String> {
    PackageName::from_str(name).map_err(|error| format!("invalid package name `{name}`: {error}"))
}

pub(crate) fn data_for(path: &Path, kind: SourceKind) -> SourceData {
    SourceData {
        sources: vec![SourceFile {
            path: path.to_path_buf(),
            kind,
            included_from: None,
            options: SourceOptions::default(),
        }],
        ..SourceData::default()
    }
}

pub(crate) fn file_name_is(path: &Path, name: &str) -> bool {
    path.file_name().is_some_and(|file_name| file_name == name)
}

/// Keeps hashes sorted and unique: several files of one release may repeat none, but old
/// Poetry lockfiles list `[metadata.files]` next to per-package `files`.
pub(crate) fn tidy(declaration: &mut Declaration) {
    declaration.hashes.sort();
    declaration.hashes.dedup();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_lockfile_names() {
        let matching = |name: &str| -> Vec<SourceKind> {
            LOCKFILE_READERS
                .iter()
                .filter(|reader| reader.matches(Path::new(name)))
                .map(|reader| reader.kind())
                .collect()
        };
        assert_eq!(matching("uv.lock"), [SourceKind::UvLock]);
        assert_eq!(matching("sub/poetry.lock"), [SourceKind::PoetryLock]);
        assert_eq!(matching("Pipfile.lock"), [SourceKind::PipfileLock]);
        assert_eq!(matching("pdm.lock"), [SourceKind::PdmLock]);
        assert_eq!(matching("pylock.toml"), [SourceKind::Pylock]);
        assert_eq!(matching("pylock.prod.toml"), [SourceKind::Pylock]);
        assert!(matching("pylock..toml").is_empty());
        assert!(matching("pylock.a.b.toml").is_empty());
        assert!(matching("Pipfile").is_empty());
        assert!(matching("requirements.lock").is_empty());
    }
}
