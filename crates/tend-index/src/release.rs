//! A page's files grouped into releases: the unit `tend outdated` reasons about.
//!
//! An index lists files, not releases; a release is every wheel and sdist whose name carries the
//! same PEP 440 version (`1.0` and `1.0.0` are one release). PEP 592 yanks a release only when
//! all of its files are yanked.

use std::collections::{BTreeMap, HashMap};
use std::str::FromStr;

use jiff::Timestamp;
use pep440_rs::{Version, VersionSpecifiers};
use pep508_rs::PackageName;

use crate::filename::parse_filename;
use crate::page::{IndexFile, ProjectPage};

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
    /// The distinct `Requires-Python` limits of the non-yanked files (of every file when all
    /// are yanked), in the order first seen; `None` for files with no limit or an unparseable
    /// one (pip ignores those limits too).
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
    // The first spelling of a version seen names the release (`1.0` before `1.0.0`).
    let mut by_version: BTreeMap<Version, Vec<&IndexFile>> = BTreeMap::new();
    for file in &page.files {
        if let Some(parsed) = parse_filename(&file.filename, project) {
            by_version.entry(parsed.version).or_default().push(file);
        }
    }
    // A project's files mostly repeat a handful of limits (`>=3.8` on every wheel of a release);
    // each is parsed once.
    let mut limits: HashMap<&str, Option<VersionSpecifiers>> = HashMap::new();
    by_version
        .into_iter()
        .map(|(version, files)| {
            let yanked = files.iter().all(|file| file.yanked);
            let yank_reason = if yanked {
                files.iter().find_map(|file| file.yank_reason.clone())
            } else {
                None
            };
            let uploaded = files.iter().filter_map(|file| file.upload_time).min();
            let mut requires_python: Vec<Option<VersionSpecifiers>> = Vec::new();
            for file in files.iter().filter(|file| yanked || !file.yanked) {
                let limit = file.requires_python.as_deref().and_then(|limit| {
                    limits
                        .entry(limit)
                        .or_insert_with(|| VersionSpecifiers::from_str(limit).ok())
                        .clone()
                });
                if !requires_python.contains(&limit) {
                    requires_python.push(limit);
                }
            }
            Release {
                version,
                files: files.len(),
                yanked,
                yank_reason,
                uploaded,
                requires_python,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use url::Url;

    fn file(filename: &str) -> IndexFile {
        IndexFile {
            filename: filename.to_owned(),
            url: Url::parse("https://files.example/")
                .unwrap()
                .join(filename)
                .unwrap(),
            requires_python: None,
            yanked: false,
            yank_reason: None,
            upload_time: None,
            hashes: Vec::new(),
        }
    }

    fn yanked(mut file: IndexFile, reason: Option<&str>) -> IndexFile {
        file.yanked = true;
        file.yank_reason = reason.map(str::to_owned);
        file
    }

    fn limited(mut file: IndexFile, requires_python: &str) -> IndexFile {
        file.requires_python = Some(requires_python.to_owned());
        file
    }

    fn uploaded(mut file: IndexFile, at: &str) -> IndexFile {
        file.upload_time = Some(at.parse().unwrap());
        file
    }

    fn foo(files: Vec<IndexFile>) -> Vec<Release> {
        let page = ProjectPage {
            files,
            ..ProjectPage::default()
        };
        releases(&page, &PackageName::from_str("foo").unwrap())
    }

    fn version(text: &str) -> Version {
        Version::from_str(text).unwrap()
    }

    #[test]
    fn files_group_by_pep_440_version_oldest_first() {
        let releases = foo(vec![
            file("foo-1.10.tar.gz"),
            file("foo-1.0-py3-none-any.whl"),
            file("foo-1.2.tar.gz"),
            file("foo-1.0.0.tar.gz"),
            file("foo-1.10-py3-none-any.whl"),
            file("foo-2.0rc1.tar.gz"),
        ]);
        let versions: Vec<(String, usize)> = releases
            .iter()
            .map(|release| (release.version.to_string(), release.files))
            .collect();
        assert_eq!(
            versions,
            [
                ("1.0".to_owned(), 2),
                ("1.2".to_owned(), 1),
                ("1.10".to_owned(), 2),
                ("2.0rc1".to_owned(), 1)
            ]
        );
    }

    #[test]
    fn files_of_other_projects_and_kinds_are_left_out() {
        let releases = foo(vec![
            file("foo-1.0.tar.gz"),
            file("foo-bar-2.0.tar.gz"),
            file("foo-3.0-py2.7.egg"),
            file("foo-latest.tar.gz"),
            file("index.html"),
        ]);
        assert_eq!(releases.len(), 1);
        assert_eq!(releases[0].version, version("1.0"));
    }

    #[test]
    fn a_release_is_yanked_when_every_file_is() {
        let releases = foo(vec![
            yanked(file("foo-1.0.tar.gz"), None),
            yanked(file("foo-1.0-py3-none-any.whl"), Some("broken wheel")),
            yanked(file("foo-1.1.tar.gz"), Some("bad sdist")),
            file("foo-1.1-py3-none-any.whl"),
        ]);
        assert!(releases[0].yanked);
        assert_eq!(releases[0].yank_reason.as_deref(), Some("broken wheel"));
        assert!(!releases[1].yanked);
        assert_eq!(releases[1].yank_reason, None);
    }

    #[test]
    fn the_earliest_upload_time_dates_a_release() {
        let releases = foo(vec![
            uploaded(file("foo-1.0.tar.gz"), "2024-03-01T00:00:00Z"),
            file("foo-1.0-py3-none-macosx_11_0_arm64.whl"),
            uploaded(file("foo-1.0-py3-none-any.whl"), "2024-02-29T23:59:59.5Z"),
            file("foo-2.0.tar.gz"),
        ]);
        assert_eq!(
            releases[0].uploaded,
            Some("2024-02-29T23:59:59.5Z".parse().unwrap())
        );
        assert_eq!(releases[1].uploaded, None);
    }

    #[test]
    fn requires_python_of_installable_files() {
        let releases = foo(vec![
            limited(file("foo-1.0.tar.gz"), ">=3.8"),
            yanked(limited(file("foo-1.0-py3-none-any.whl"), ">=3.6"), None),
            limited(file("foo-1.0-cp312-cp312-win32.whl"), ">=3.8"),
            yanked(limited(file("foo-2.0.tar.gz"), ">=3.10"), None),
            yanked(file("foo-2.0-py3-none-any.whl"), None),
        ]);
        let specifiers = VersionSpecifiers::from_str(">=3.8").unwrap();
        // Two files with the same limit: one limit.
        assert_eq!(releases[0].requires_python, [Some(specifiers)]);
        assert!(releases[0].admits_python(&version("3.8")));
        assert!(!releases[0].admits_python(&version("3.7")));
        // All yanked: every file's limit counts, and one file has none.
        assert_eq!(releases[1].requires_python.len(), 2);
        assert!(releases[1].admits_python(&version("3.7")));
    }

    #[test]
    fn an_unparseable_limit_is_no_limit() {
        let releases = foo(vec![limited(file("foo-1.0.tar.gz"), ">=3.6.*, banana")]);
        assert_eq!(releases[0].requires_python, [None]);
        assert!(releases[0].admits_python(&version("2.7")));
    }
}
