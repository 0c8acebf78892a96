//! Lockfiles as declaration sources: one module per format, each yielding `Locked`
//! declarations (`==version`, hashes, group) with the line of the entry.

pub(crate) mod spanned_toml;
