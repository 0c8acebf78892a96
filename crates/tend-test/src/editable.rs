//! Editable installs done by pip itself (PEP 660), so that site-packages holds what pip really
//! writes: a `.dist-info` with `direct_url.json` saying `"dir_info": {"editable": true}`.
//!
//! The project uses a tiny in-tree build backend rather than setuptools: setuptools 65 (what
//! `python -m venv` installs on Python 3.11) builds editable wheels through `bdist_wheel`
//! from the `wheel` package, which a fresh venv lacks and which cannot be fetched offline.
//! The backend hands pip wheels this crate prebuilt from the same [`WheelSpec`]; pip's side
//! of the install (calling `build_editable`, unpacking, writing RECORD, INSTALLER and
//! direct_url.json) is the real thing.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::command::run_checked;
use crate::venv::Venv;
use crate::wheel::{escape_name, top_level_names, WheelSpec};

const BACKEND_MODULE: &str = "tend_test_backend";
const WHEELS_DIRECTORY: &str = ".tend-test-wheels";

impl Venv {
    /// Makes a project for `spec` at `project_directory` (modules under `src/`, a
    /// `pyproject.toml` whose `[build-system]` names an in-tree backend) and runs
    /// `pip install --no-build-isolation --no-index --no-deps -e <project_directory>`.
    /// Dependencies are left to the caller (install them first, or leave them missing for
    /// `pip check` to report). Returns the project directory, absolute.
    pub fn install_editable(&self, spec: &WheelSpec, project_directory: &Path) -> PathBuf {
        let project = write_editable_project(spec, project_directory);
        let mut command = self.python_command();
        command
            .args([
                "-m",
                "pip",
                "--disable-pip-version-check",
                "--no-input",
                "--no-cache-dir",
            ])
            .args([
                "install",
                "--no-build-isolation",
                "--no-index",
                "--no-deps",
                "-e",
            ])
            .arg(&project);
        run_checked(&mut command);
        project
    }
}

/// Writes the project and its prebuilt wheels; returns its absolute path.
fn write_editable_project(spec: &WheelSpec, project_directory: &Path) -> PathBuf {
    let project = std::path::absolute(project_directory)
        .unwrap_or_else(|error| panic!("making {} absolute: {error}", project_directory.display()));
    let source = project.join("src");
    for (relative, contents) in spec.files() {
        let path = source.join(relative);
        if let Some(parent) = path.parent() {
            fs_err::create_dir_all(parent).unwrap_or_else(|error| panic!("{error}"));
        }
        fs_err::write(&path, contents).unwrap_or_else(|error| panic!("{error}"));
    }
    fs_err::create_dir_all(&source).unwrap_or_else(|error| panic!("{error}"));

    let wheels = project.join(WHEELS_DIRECTORY);
    let regular = spec.build(&wheels.join("regular"));
    let pth_name = format!(
        "__editable__.{}-{}.pth",
        escape_name(spec.name()),
        spec.version()
    );
    let pth_contents = format!("{}\n", source.display()).into_bytes();
    let editable_files = BTreeMap::from([(pth_name, pth_contents)]);
    let top_level: BTreeSet<String> = top_level_names(spec.files());
    let editable = spec.build_with_files(&wheels.join("editable"), &editable_files, &top_level);

    fs_err::write(project.join("pyproject.toml"), pyproject(spec))
        .unwrap_or_else(|error| panic!("{error}"));
    fs_err::write(
        project.join(format!("{BACKEND_MODULE}.py")),
        backend(&file_name(&regular), &file_name(&editable)),
    )
    .unwrap_or_else(|error| panic!("{error}"));
    project
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn pyproject(spec: &WheelSpec) -> String {
    // JSON strings are valid TOML basic strings.
    let name = serde_json::Value::from(spec.name()).to_string();
    let version = serde_json::Value::from(spec.version()).to_string();
    format!(
        r#"[build-system]
requires = []
build-backend = "{BACKEND_MODULE}"
backend-path = ["."]

[project]
name = {name}
version = {version}
# The backend reports these from the wheel's METADATA.
dynamic = ["dependencies", "optional-dependencies", "requires-python"]
"#
    )
}

fn backend(regular: &str, editable: &str) -> String {
    // JSON strings are valid Python string literals.
    let regular = serde_json::Value::from(regular).to_string();
    let editable = serde_json::Value::from(editable).to_string();
    format!(
        r#""""PEP 517/660 build backend written by tend-test: hands pip prebuilt wheels."""
import os
import shutil

_WHEELS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "{WHEELS_DIRECTORY}")


def _copy(kind, name, wheel_directory):
    shutil.copy(os.path.join(_WHEELS, kind, name), os.path.join(wheel_directory, name))
    return name


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    return _copy("regular", {regular}, wheel_directory)


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    return _copy("editable", {editable}, wheel_directory)


def build_sdist(sdist_directory, config_settings=None):
    raise NotImplementedError("tend-test projects build wheels only")
"#
    )
}
