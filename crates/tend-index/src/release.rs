//! A page's files grouped into releases: the unit `tend outdated` reasons about.
//! OWNER: helper "index-parsing".

use jiff::Timestamp;
use pep440_rs::{Version, VersionSpecifiers};
use pep508_rs::PackageName;

use crate::page::ProjectPage;

/// Every file of one version of a project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Release {
    pub version: Version,
    /// Number of wheels and sdists of this version on the page.
    pub files: usize,
    /// Every file is yanked (PEP 592: a release is yanked when all its files are).
    pub yanked: bool,
    /// The first yank reason given, when yanked.
    pub yank_reason: Option<String>,
    /// The earliest upload time of the files, when the page gives any.
    pub uploaded: Option<Timestamp>,
    /// `Requires-Python` of each non-yanked file (of every file when all are yanked); `None`
    /// for a file with no limit or an unparseable one (pip ignores those limits too).
    pub requires_python: Vec<Option<VersionSpecifiers>>,
}

impl Release {
    /// Some installable file admits `python` (a file with no limit admits every Python).
    pub fn admits_python(&self, python: &Version) -> bool {
        self.requires_python.iter().any(|specifiers| {
            specifiers
                .as_ref()
                .is_none_or(|specifiers| specifiers.contains(python))
        })
    }
}

/// Groups the page's files of `project` by version, oldest first. Files whose names are not a
/// wheel or sdist of `project` with a PEP 440 version are left out.
pub fn releases(page: &ProjectPage, project: &PackageName) -> Vec<Release> {
    let _ = (page, project);
    unimplemented!("index-parsing helper")
}
