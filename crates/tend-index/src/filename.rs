//! Distribution file names (wheels, sdists) parsed into the project's name and version.
//! OWNER: helper "index-parsing".

use pep440_rs::Version;
use pep508_rs::PackageName;

/// What kind of distribution a file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DistKind {
    /// `{name}-{version}(-{build})?-{python}-{abi}-{platform}.whl`
    Wheel,
    /// `{name}-{version}.tar.gz` (also `.zip`, `.tar.bz2`, `.tar.xz`, `.tgz`, `.tar`).
    Sdist,
}

/// A distribution file name, understood.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DistFilename {
    pub name: PackageName,
    pub version: Version,
    pub kind: DistKind,
}

/// Parses `filename` as a file of `project`. `None` for other kinds of file (eggs, `.exe`,
/// `.msi`, `.rpm`), files of another project, and versions that are not PEP 440, as pip and
/// uv skip them.
pub fn parse_filename(filename: &str, project: &PackageName) -> Option<DistFilename> {
    let _ = (filename, project);
    unimplemented!("index-parsing helper")
}
