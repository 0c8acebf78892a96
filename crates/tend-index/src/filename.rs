//! Distribution file names (wheels, sdists) parsed into the project's name and version.
//!
//! A page of the simple API lists one project's files, but the file names are all an index
//! promises about versions. Wheel names split cleanly on `-` (PEP 427 escapes the name and the
//! version); sdist names do not, since a project's own name may hold `-`, so the sdist's name is
//! found by comparing each `-`-separated prefix with the project's normalised name, as pip does.

use std::str::FromStr;

use pep440_rs::Version;
use pep508_rs::PackageName;

/// What kind of distribution a file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DistKind {
    /// `{name}-{version}(-{build})?-{python}-{abi}-{platform}.whl`
    Wheel,
    /// `{name}-{version}.tar.gz` (also `.zip`, `.tar.bz2`, `.tar.xz`, `.tgz`, `.tar` and the
    /// rarer archive names pip unpacks: `.tbz`, `.txz`, `.tlz`, `.tar.lz`, `.tar.lzma`,
    /// `.tar.zst`).
    Sdist,
}

/// A distribution file name, understood.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DistFilename {
    pub name: PackageName,
    pub version: Version,
    pub kind: DistKind,
}

/// Archive suffixes of source distributions (none ends another, so their order is free).
const SDIST_SUFFIXES: &[&str] = &[
    ".tar.lzma",
    ".tar.bz2",
    ".tar.zst",
    ".tar.gz",
    ".tar.xz",
    ".tar.lz",
    ".tar",
    ".zip",
    ".tgz",
    ".tbz",
    ".txz",
    ".tlz",
];

/// Parses `filename` as a file of `project`. `None` for other kinds of file (eggs, `.exe`,
/// `.msi`, `.rpm`), files of another project, and versions that are not PEP 440, as pip and
/// uv skip them.
pub fn parse_filename(filename: &str, project: &PackageName) -> Option<DistFilename> {
    if let Some(stem) = strip_suffix_ignore_case(filename, ".whl") {
        let version = parse_wheel_stem(stem, project)?;
        return Some(DistFilename {
            name: project.clone(),
            version,
            kind: DistKind::Wheel,
        });
    }
    let stem = SDIST_SUFFIXES
        .iter()
        .find_map(|suffix| strip_suffix_ignore_case(filename, suffix))?;
    let version = parse_sdist_stem(stem, project)?;
    Some(DistFilename {
        name: project.clone(),
        version,
        kind: DistKind::Sdist,
    })
}

/// The version of `{name}-{version}(-{build})?-{python}-{abi}-{platform}` when `name` is
/// `project`.
fn parse_wheel_stem(stem: &str, project: &PackageName) -> Option<Version> {
    let parts: Vec<&str> = stem.split('-').collect();
    if parts.iter().any(|part| part.is_empty()) {
        return None;
    }
    match parts.as_slice() {
        [name, version, _python, _abi, _platform] => {
            if !same_name(name, project.as_ref()) {
                return None;
            }
            parse_version(version)
        }
        [name, version, build, _python, _abi, _platform] => {
            // PEP 427: the build tag starts with a digit; anything else is not a wheel name.
            if !build.starts_with(|c: char| c.is_ascii_digit())
                || !same_name(name, project.as_ref())
            {
                return None;
            }
            parse_version(version)
        }
        _ => None,
    }
}

/// The version of `{name}-{version}` where `name` may itself hold `-`: the first `-` whose
/// prefix names `project` separates the two.
fn parse_sdist_stem(stem: &str, project: &PackageName) -> Option<Version> {
    let (index, _) = stem
        .match_indices('-')
        .find(|(index, _)| same_name(&stem[..*index], project.as_ref()))?;
    parse_version(&stem[index + 1..])
}

fn parse_version(text: &str) -> Option<Version> {
    // PEP 440 tolerates surrounding whitespace in a version string; a file name does not.
    if text.is_empty() || text.contains(char::is_whitespace) {
        return None;
    }
    Version::from_str(text).ok()
}

/// `name` normalises (PEP 503: lower case, runs of `-`, `_`, `.` as one `-`) to `normalized`,
/// compared without allocating.
fn same_name(name: &str, normalized: &str) -> bool {
    let mut expected = normalized.bytes();
    let mut bytes = name.bytes().peekable();
    while let Some(byte) = bytes.next() {
        let byte = match byte {
            b'-' | b'_' | b'.' => {
                while matches!(bytes.peek(), Some(b'-' | b'_' | b'.')) {
                    bytes.next();
                }
                b'-'
            }
            other => other.to_ascii_lowercase(),
        };
        if expected.next() != Some(byte) {
            return false;
        }
    }
    expected.next().is_none()
}

fn strip_suffix_ignore_case<'a>(text: &'a str, suffix: &str) -> Option<&'a str> {
    let split = text.len().checked_sub(suffix.len())?;
    let (stem, tail) = (text.get(..split)?, text.get(split..)?);
    tail.eq_ignore_ascii_case(suffix).then_some(stem)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(text: &str) -> PackageName {
        PackageName::from_str(text).unwrap()
    }

    fn version(text: &str) -> Version {
        Version::from_str(text).unwrap()
    }

    fn parsed(filename: &str, project: &str) -> Option<(String, DistKind)> {
        parse_filename(filename, &name(project))
            .map(|parsed| (parsed.version.to_string(), parsed.kind))
    }

    #[test]
    fn plain_wheel_and_sdist() {
        assert_eq!(
            parsed("tomli-2.0.1-py3-none-any.whl", "tomli"),
            Some(("2.0.1".into(), DistKind::Wheel))
        );
        assert_eq!(
            parsed("tomli-2.0.1.tar.gz", "tomli"),
            Some(("2.0.1".into(), DistKind::Sdist))
        );
    }

    #[test]
    fn sdist_names_holding_dashes_split_at_the_project_name() {
        assert_eq!(
            parsed("foo-bar-1.0.tar.gz", "foo-bar"),
            Some(("1.0".into(), DistKind::Sdist))
        );
        assert_eq!(
            parsed("Foo_Bar-1.0.zip", "foo-bar"),
            Some(("1.0".into(), DistKind::Sdist))
        );
        assert_eq!(
            parsed("foo.bar-1.0.tar.bz2", "foo-bar"),
            Some(("1.0".into(), DistKind::Sdist))
        );
    }

    #[test]
    fn wheel_names_are_normalised_before_comparing() {
        assert_eq!(
            parsed("Foo_Bar-1.0-py3-none-any.whl", "foo-bar"),
            Some(("1.0".into(), DistKind::Wheel))
        );
        assert_eq!(
            parsed(
                "zope.interface-6.1-cp312-cp312-win_amd64.whl",
                "zope-interface"
            ),
            Some(("6.1".into(), DistKind::Wheel))
        );
        assert_eq!(
            parsed("zope.interface-6.1.tar.gz", "zope.interface"),
            Some(("6.1".into(), DistKind::Sdist))
        );
        assert_eq!(
            parsed("zope_interface-6.1.tar.gz", "zope-interface"),
            Some(("6.1".into(), DistKind::Sdist))
        );
    }

    #[test]
    fn build_tags_must_start_with_a_digit() {
        assert_eq!(
            parsed("foo-1.0-1-py3-none-any.whl", "foo"),
            Some(("1.0".into(), DistKind::Wheel))
        );
        assert_eq!(
            parsed("foo-1.0-2b_local-py3-none-any.whl", "foo"),
            Some(("1.0".into(), DistKind::Wheel))
        );
        assert_eq!(parsed("foo-1.0-b1-py3-none-any.whl", "foo"), None);
    }

    #[test]
    fn wheels_with_too_few_or_too_many_parts_are_not_wheels() {
        assert_eq!(parsed("foo-1.0-py3-none.whl", "foo"), None);
        assert_eq!(parsed("foo-1.0-1-2-py3-none-any.whl", "foo"), None);
        assert_eq!(parsed("foo--1.0-py3-none-any.whl", "foo"), None);
        assert_eq!(parsed(".whl", "foo"), None);
        // A dash in a wheel's name is not PEP 427; pip gives up on it too.
        assert_eq!(parsed("foo-bar-1.0-py3-none-any.whl", "foo-bar"), None);
    }

    #[test]
    fn names_with_digits() {
        assert_eq!(
            parsed("py3-foo-2.0.tar.gz", "py3-foo"),
            Some(("2.0".into(), DistKind::Sdist))
        );
        assert_eq!(
            parsed("py3_foo-2.0-py3-none-any.whl", "py3-foo"),
            Some(("2.0".into(), DistKind::Wheel))
        );
        assert_eq!(
            parsed("h5py-3.10.0.tar.gz", "h5py"),
            Some(("3.10.0".into(), DistKind::Sdist))
        );
        // The project `py3` does not own `py3-foo`'s files: `foo-2.0` is no version.
        assert_eq!(parsed("py3-foo-2.0.tar.gz", "py3"), None);
    }

    #[test]
    fn pre_post_dev_and_local_versions() {
        assert_eq!(
            parsed("foo-1.0.post1.dev2.tar.gz", "foo"),
            Some(("1.0.post1.dev2".into(), DistKind::Sdist))
        );
        assert_eq!(
            parsed("foo-2.0rc1-py3-none-any.whl", "foo"),
            Some(("2.0rc1".into(), DistKind::Wheel))
        );
        assert_eq!(
            parsed("torch-2.1.0+cpu-cp311-cp311-linux_x86_64.whl", "torch"),
            Some(("2.1.0+cpu".into(), DistKind::Wheel))
        );
        assert_eq!(
            parsed("foo-1.0+ubuntu.1.tar.gz", "foo"),
            Some(("1.0+ubuntu.1".into(), DistKind::Sdist))
        );
        // A post release written with a dash is still PEP 440.
        assert_eq!(
            parsed("foo-1.0-1.tar.gz", "foo"),
            Some(("1.0.post1".into(), DistKind::Sdist))
        );
    }

    #[test]
    fn versions_compare_as_pep_440_versions() {
        let parsed = parse_filename("foo-1.0.0.tar.gz", &name("foo")).unwrap();
        assert_eq!(parsed.version, version("1.0"));
        assert_eq!(parsed.name, name("foo"));
    }

    #[test]
    fn case_does_not_matter() {
        assert_eq!(
            parsed("FOO-1.0.TAR.GZ", "foo"),
            Some(("1.0".into(), DistKind::Sdist))
        );
        assert_eq!(
            parsed("Django-4.2.tar.gz", "django"),
            Some(("4.2".into(), DistKind::Sdist))
        );
        assert_eq!(
            parsed("PyYAML-6.0.1-cp311-cp311-macosx_11_0_arm64.whl", "pyyaml"),
            Some(("6.0.1".into(), DistKind::Wheel))
        );
    }

    #[test]
    fn files_of_another_project_are_not_this_projects() {
        assert_eq!(parsed("foobar-1.0.tar.gz", "foo"), None);
        assert_eq!(parsed("foo-bar-1.0.tar.gz", "foo"), None);
        assert_eq!(parsed("foo_bar-1.0-py3-none-any.whl", "foo"), None);
        assert_eq!(parsed("foo-1.0.tar.gz", "foo-bar"), None);
        assert_eq!(parsed("fo-1.0.tar.gz", "foo"), None);
    }

    #[test]
    fn other_files_and_versions_are_none() {
        assert_eq!(parsed("foo-1.0-py3.8.egg", "foo"), None);
        assert_eq!(parsed("foo-1.0.win32.exe", "foo"), None);
        assert_eq!(parsed("foo-1.0.win-amd64.msi", "foo"), None);
        assert_eq!(parsed("foo-1.0-1.noarch.rpm", "foo"), None);
        assert_eq!(parsed("foo-1.0.tar.gz.asc", "foo"), None);
        // A bdist_dumb archive: the platform makes the "version" invalid.
        assert_eq!(parsed("foo-1.0.linux-x86_64.tar.gz", "foo"), None);
        assert_eq!(parsed("foo-latest.tar.gz", "foo"), None);
        assert_eq!(parsed("foo-.tar.gz", "foo"), None);
        assert_eq!(parsed("foo.tar.gz", "foo"), None);
        assert_eq!(parsed("foo-1.0 .tar.gz", "foo"), None);
        assert_eq!(parsed("foo-not_a_version-py3-none-any.whl", "foo"), None);
        assert_eq!(parsed("", "foo"), None);
    }

    #[test]
    fn every_sdist_suffix() {
        for suffix in [
            ".tar.gz",
            ".zip",
            ".tar.bz2",
            ".tar.xz",
            ".tgz",
            ".tar",
            ".tbz",
            ".txz",
            ".tlz",
            ".tar.lz",
            ".tar.lzma",
            ".tar.zst",
        ] {
            assert_eq!(
                parsed(&format!("foo-1.2{suffix}"), "foo"),
                Some(("1.2".into(), DistKind::Sdist)),
                "{suffix}"
            );
        }
    }

    #[test]
    fn non_ascii_names_do_not_panic() {
        assert_eq!(parsed("fóo-1.0.tar.gz", "foo"), None);
        assert_eq!(parsed("é.whl", "foo"), None);
        assert_eq!(parsed("ééé", "foo"), None);
    }
}
