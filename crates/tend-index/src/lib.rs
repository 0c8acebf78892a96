//! The package index client of tend, and what `tend outdated` makes of its answers.
//!
//! - [`filename`]: wheel and sdist file names parsed into a project's versions.
//! - [`page`]: project pages of the simple repository API, PEP 691 JSON and PEP 503 HTML,
//!   with PEP 592 yanks, `requires-python` and PEP 700 upload times.
//! - [`release`]: a page's files grouped into releases (yanked, Python range, upload time).
//! - [`settings`]: which indexes to ask, from the places pip and uv users already write them
//!   (flags, environment values handed in by the CLI, `pip.conf`, requirements files, the
//!   policy), and credentials from `.netrc`.
//! - [`client`]: [`IndexClient`] asks every index for many projects at once through
//!   `tend-http` (bounded, retried, cached), or reads a local directory index.
//! - [`outdated`]: the comparison of what is installed or pinned with what the index offers.
//! - [`hashes`]: the hashes of one release's files on every index
//!   ([`IndexClient::release_hashes`]), for requirements pinned with `--hash`.
//!
//! The library reads no environment variable and no clock: the CLI hands both in.

pub mod client;
pub mod compact;
pub mod filename;
pub mod hashes;
pub mod outdated;
pub mod page;
pub mod release;
pub mod settings;

pub use client::{IndexClient, PageAnswer, ProjectAnswer};
pub use filename::{parse_filename, DistFilename, DistKind};
pub use hashes::{FileHashes, IndexFailure, ReleaseHashes, ReleaseHashesError};
pub use outdated::{compare, subjects, OutdatedOptions, Subject};
pub use page::{parse_page, IndexFile, PageError, PageFormat, ProjectPage};
pub use release::{releases, Release};
pub use settings::{
    IndexOrigin, IndexSettings, IndexUrl, Netrc, NetrcError, PipConf, SettingsError, SettingsInputs,
};
