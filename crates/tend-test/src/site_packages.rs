//! Damaging a venv on purpose and installing the legacy formats pip no longer writes:
//! `.egg-info` directories (`setup.py install`) and `.egg-link` files (`setup.py develop`).

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::venv::Venv;

/// What [`Venv::edit_installed_file`] appends.
pub const EDIT_MARKER: &[u8] = b"\n# edited by tend-test\n";

impl Venv {
    /// Appends [`EDIT_MARKER`] to `relative` (a path under site-packages, `/` separators), so
    /// its bytes no longer match RECORD while pip's own view (`freeze`, `check`) is unchanged.
    /// Returns the file's path.
    pub fn edit_installed_file(&self, relative: &str) -> PathBuf {
        let path = self.site_packages.join(relative);
        let mut file = fs_err::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap_or_else(|error| panic!("editing an installed file: {error}"));
        file.write_all(EDIT_MARKER)
            .unwrap_or_else(|error| panic!("{error}"));
        path
    }

    /// Deletes `relative` (a file under site-packages) and returns its former path.
    pub fn remove_installed_file(&self, relative: &str) -> PathBuf {
        let path = self.site_packages.join(relative);
        fs_err::remove_file(&path)
            .unwrap_or_else(|error| panic!("removing an installed file: {error}"));
        path
    }

    /// Writes the `name-version-pyX.Y.egg-info/` directory that `setup.py install` leaves in
    /// site-packages (PKG-INFO, requires.txt, top_level.txt, SOURCES.txt,
    /// dependency_links.txt, installed-files.txt) plus a module `<name>.py`. `requires` are
    /// requires.txt lines verbatim, sections included:
    /// `&["alpha>=1", "", "[fast]", "beta"]`. Returns the `.egg-info` directory.
    pub fn install_egg_info(&self, name: &str, version: &str, requires: &[&str]) -> PathBuf {
        let module = filename_component(name);
        let directory = self.site_packages.join(format!(
            "{module}-{}-py{}.egg-info",
            filename_component(version),
            self.python_version
        ));
        create_directory(&directory);
        write(&directory.join("PKG-INFO"), &pkg_info(name, version));
        write(&directory.join("requires.txt"), &lines(requires));
        write(&directory.join("top_level.txt"), &format!("{module}\n"));
        write(&directory.join("dependency_links.txt"), "\n");
        write(
            &directory.join("SOURCES.txt"),
            &format!("{module}.py\nsetup.py\n"),
        );
        write(
            &self.site_packages.join(format!("{module}.py")),
            &module_source(version),
        );
        let installed_files = [
            format!("../{module}.py"),
            "PKG-INFO".to_string(),
            "SOURCES.txt".to_string(),
            "dependency_links.txt".to_string(),
            "requires.txt".to_string(),
            "top_level.txt".to_string(),
        ];
        write(
            &directory.join("installed-files.txt"),
            &lines(&installed_files),
        );
        directory
    }

    /// Does what `setup.py develop` does for a project at `project_directory`: writes
    /// `<name>.egg-link` (the project path, then `.`), appends the path to `easy-install.pth`
    /// and writes `<project>/<name>.egg-info/PKG-INFO` plus a module `<name>.py` there.
    /// Returns the `.egg-link` file's path.
    pub fn install_egg_link(&self, name: &str, version: &str, project_directory: &Path) -> PathBuf {
        let project = std::path::absolute(project_directory).unwrap_or_else(|error| {
            panic!("making {} absolute: {error}", project_directory.display())
        });
        let module = filename_component(name);
        let egg_info = project.join(format!("{module}.egg-info"));
        create_directory(&egg_info);
        write(&egg_info.join("PKG-INFO"), &pkg_info(name, version));
        write(&egg_info.join("top_level.txt"), &format!("{module}\n"));
        write(
            &project.join(format!("{module}.py")),
            &module_source(version),
        );

        // setuptools names the link after the project name with `-`, not the file name form.
        let link = self
            .site_packages
            .join(format!("{}.egg-link", safe_name(name)));
        write(&link, &format!("{}\n.", project.display()));
        let pth = self.site_packages.join("easy-install.pth");
        let mut file = fs_err::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&pth)
            .unwrap_or_else(|error| panic!("{error}"));
        writeln!(file, "{}", project.display()).unwrap_or_else(|error| panic!("{error}"));
        link
    }
}

fn pkg_info(name: &str, version: &str) -> String {
    format!("Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
}

fn module_source(version: &str) -> String {
    format!("__version__ = {version:?}\n")
}

/// setuptools' `safe_name`: each run of characters other than letters, digits and `.`
/// becomes one `-`.
fn safe_name(name: &str) -> String {
    let mut safe = String::with_capacity(name.len());
    let mut in_run = false;
    for character in name.chars() {
        if character.is_ascii_alphanumeric() || character == '.' {
            safe.push(character);
            in_run = false;
        } else if !in_run {
            safe.push('-');
            in_run = true;
        }
    }
    safe
}

/// setuptools' `to_filename(safe_name(..))`: the form used in `.egg-info` directory names.
fn filename_component(value: &str) -> String {
    safe_name(value).replace('-', "_")
}

fn lines<S: AsRef<str>>(items: &[S]) -> String {
    items
        .iter()
        .flat_map(|item| [item.as_ref(), "\n"])
        .collect()
}

fn create_directory(path: &Path) {
    fs_err::create_dir_all(path).unwrap_or_else(|error| panic!("{error}"));
}

fn write(path: &Path, contents: &str) {
    fs_err::write(path, contents).unwrap_or_else(|error| panic!("{error}"));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn setuptools_name_forms() {
        assert_eq!(safe_name("legacy  proj!x"), "legacy-proj-x");
        assert_eq!(filename_component("legacy-proj"), "legacy_proj");
        assert_eq!(filename_component("zope.interface"), "zope.interface");
    }
}
