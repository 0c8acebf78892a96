//! Real `.whl` files built from a [`WheelSpec`]: PEP 427 file name, `.dist-info` with METADATA,
//! WHEEL, entry_points.txt, top_level.txt and a RECORD whose hashes and sizes are true.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::io::Write;
use std::path::{Path, PathBuf};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sha2::{Digest, Sha256};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipWriter};

/// The description of one distribution, turned into a wheel by [`WheelSpec::build`].
///
/// Names and versions are plain strings on purpose: tests may need a distribution whose
/// metadata is odd or invalid. Nothing is added implicitly: a spec without
/// [`module`](Self::module) calls builds a wheel that installs only its `.dist-info`.
///
/// ```no_run
/// # use tend_test::WheelSpec;
/// let wheel = WheelSpec::new("Demo.Package", "1.2.0")
///     .requires_dist("alpha>=1")
///     .requires_dist("beta; extra == \"fast\"")
///     .provides_extra("fast")
///     .module("demo_package/__init__.py", "__version__ = \"1.2.0\"\n")
///     .console_script("demo", "demo_package:main")
///     .build(std::path::Path::new("/tmp/wheels"));
/// assert!(wheel.ends_with("demo_package-1.2.0-py3-none-any.whl"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WheelSpec {
    name: String,
    version: String,
    summary: Option<String>,
    requires_python: Option<String>,
    requires_dist: Vec<String>,
    provides_extra: Vec<String>,
    headers: Vec<(String, String)>,
    files: BTreeMap<String, Vec<u8>>,
    data_files: BTreeMap<(String, String), Vec<u8>>,
    entry_points: BTreeMap<String, BTreeMap<String, String>>,
}

impl WheelSpec {
    /// A distribution called `name` (as written in METADATA) at `version`.
    pub fn new(name: impl Into<String>, version: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            version: version.into(),
            summary: None,
            requires_python: None,
            requires_dist: Vec::new(),
            provides_extra: Vec::new(),
            headers: Vec::new(),
            files: BTreeMap::new(),
            data_files: BTreeMap::new(),
            entry_points: BTreeMap::new(),
        }
    }

    /// Sets the `Summary` header.
    #[must_use]
    pub fn summary(mut self, summary: impl Into<String>) -> Self {
        self.summary = Some(summary.into());
        self
    }

    /// Sets the `Requires-Python` header, e.g. `">=3.8"`.
    #[must_use]
    pub fn requires_python(mut self, specifiers: impl Into<String>) -> Self {
        self.requires_python = Some(specifiers.into());
        self
    }

    /// Adds one `Requires-Dist` line, written verbatim, e.g. `"beta>=1; extra == \"fast\""`.
    #[must_use]
    pub fn requires_dist(mut self, requirement: impl Into<String>) -> Self {
        self.requires_dist.push(requirement.into());
        self
    }

    /// Adds one `Provides-Extra` header.
    #[must_use]
    pub fn provides_extra(mut self, extra: impl Into<String>) -> Self {
        self.provides_extra.push(extra.into());
        self
    }

    /// Adds any other METADATA header, written after the standard ones in call order.
    #[must_use]
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Adds a file installed into site-packages, `path` relative to it with `/` separators:
    /// `"demo/__init__.py"` for a package, `"demo.py"` for a module, or anything else.
    #[must_use]
    pub fn module(mut self, path: impl Into<String>, contents: impl Into<Vec<u8>>) -> Self {
        self.files.insert(path.into(), contents.into());
        self
    }

    /// Adds an entry point `name = value` to `group` in entry_points.txt.
    #[must_use]
    pub fn entry_point(
        mut self,
        group: impl Into<String>,
        name: impl Into<String>,
        value: impl Into<String>,
    ) -> Self {
        self.entry_points
            .entry(group.into())
            .or_default()
            .insert(name.into(), value.into());
        self
    }

    /// Adds a console script: pip writes `bin/<name>` calling `value` (`"module:function"`).
    #[must_use]
    pub fn console_script(self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.entry_point("console_scripts", name, value)
    }

    /// Adds a file under `{dist}.data/<scheme>/<path>`; pip installs it into the scheme's
    /// directory (`"data"`: the venv root, `"scripts"`: `bin/`, `"headers"`, `"purelib"`).
    #[must_use]
    pub fn data_file(
        mut self,
        scheme: impl Into<String>,
        path: impl Into<String>,
        contents: impl Into<Vec<u8>>,
    ) -> Self {
        self.data_files
            .insert((scheme.into(), path.into()), contents.into());
        self
    }

    /// The name as given to [`WheelSpec::new`].
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The version as given to [`WheelSpec::new`].
    pub fn version(&self) -> &str {
        &self.version
    }

    /// The PEP 427 file name, e.g. `demo_package-1.2.0-py3-none-any.whl`.
    pub fn wheel_file_name(&self) -> String {
        format!("{}-py3-none-any.whl", self.escaped_name_version())
    }

    /// The `.dist-info` directory name inside the wheel and in site-packages.
    pub fn dist_info_name(&self) -> String {
        format!("{}.dist-info", self.escaped_name_version())
    }

    /// The METADATA file's text (Metadata-Version 2.1).
    pub fn metadata(&self) -> String {
        let mut headers = vec![
            ("Metadata-Version".to_string(), "2.1".to_string()),
            ("Name".to_string(), self.name.clone()),
            ("Version".to_string(), self.version.clone()),
        ];
        if let Some(summary) = &self.summary {
            headers.push(("Summary".to_string(), summary.clone()));
        }
        if let Some(requires_python) = &self.requires_python {
            headers.push(("Requires-Python".to_string(), requires_python.clone()));
        }
        headers.extend(self.headers.iter().cloned());
        for extra in &self.provides_extra {
            headers.push(("Provides-Extra".to_string(), extra.clone()));
        }
        for requirement in &self.requires_dist {
            headers.push(("Requires-Dist".to_string(), requirement.clone()));
        }
        let mut text = String::new();
        for (name, value) in &headers {
            let _ = writeln!(text, "{name}: {value}");
        }
        text.push('\n');
        text
    }

    /// Builds the wheel into `directory` (created if missing) and returns the wheel's path.
    /// The archive is deterministic: the same spec always gives the same bytes.
    pub fn build(&self, directory: &Path) -> PathBuf {
        self.build_with_files(directory, &self.files, &top_level_names(&self.files))
    }

    /// Builds a wheel whose site-packages files are `files` instead of the spec's modules,
    /// keeping `top_level` (used for the editable wheel, whose only file is a `.pth`).
    pub(crate) fn build_with_files(
        &self,
        directory: &Path,
        files: &BTreeMap<String, Vec<u8>>,
        top_level: &BTreeSet<String>,
    ) -> PathBuf {
        let dist_info = self.dist_info_name();
        let data = format!("{}.data", self.escaped_name_version());

        let mut entries: Vec<(String, Vec<u8>)> = files
            .iter()
            .map(|(path, contents)| (path.clone(), contents.clone()))
            .collect();
        for ((scheme, path), contents) in &self.data_files {
            entries.push((format!("{data}/{scheme}/{path}"), contents.clone()));
        }
        entries.push((
            format!("{dist_info}/METADATA"),
            self.metadata().into_bytes(),
        ));
        entries.push((format!("{dist_info}/WHEEL"), wheel_file().into_bytes()));
        if !self.entry_points.is_empty() {
            entries.push((
                format!("{dist_info}/entry_points.txt"),
                self.entry_points_text(),
            ));
        }
        if !top_level.is_empty() {
            let text: String = top_level
                .iter()
                .flat_map(|name| [name.as_str(), "\n"])
                .collect();
            entries.push((format!("{dist_info}/top_level.txt"), text.into_bytes()));
        }
        let record_path = format!("{dist_info}/RECORD");
        let mut record = String::new();
        for (path, contents) in &entries {
            let _ = writeln!(
                record,
                "{},{},{}",
                csv_field(path),
                record_hash(contents),
                contents.len()
            );
        }
        let _ = writeln!(record, "{},,", csv_field(&record_path));
        entries.push((record_path, record.into_bytes()));

        fs_err::create_dir_all(directory).unwrap_or_else(|error| panic!("{error}"));
        let path = directory.join(self.wheel_file_name());
        write_zip(&path, &entries);
        path
    }

    fn entry_points_text(&self) -> Vec<u8> {
        let mut text = String::new();
        for (group, entries) in &self.entry_points {
            let _ = writeln!(text, "[{group}]");
            for (name, value) in entries {
                let _ = writeln!(text, "{name} = {value}");
            }
            text.push('\n');
        }
        text.into_bytes()
    }

    fn escaped_name_version(&self) -> String {
        format!(
            "{}-{}",
            escape_name(&self.name),
            self.version.replace('-', "_")
        )
    }

    pub(crate) fn files(&self) -> &BTreeMap<String, Vec<u8>> {
        &self.files
    }
}

/// The RECORD hash of `contents`: `sha256=` + urlsafe base64 without padding.
pub fn record_hash(contents: &[u8]) -> String {
    format!(
        "sha256={}",
        URL_SAFE_NO_PAD.encode(Sha256::digest(contents))
    )
}

/// A name as it appears in wheel file names and `.dist-info` directories: lowercase, each run
/// of `-`, `_` and `.` replaced by one `_`.
pub(crate) fn escape_name(name: &str) -> String {
    let mut escaped = String::with_capacity(name.len());
    let mut in_separator_run = false;
    for character in name.chars() {
        if matches!(character, '-' | '_' | '.') {
            if !in_separator_run {
                escaped.push('_');
            }
            in_separator_run = true;
        } else {
            escaped.extend(character.to_lowercase());
            in_separator_run = false;
        }
    }
    escaped
}

/// The import names a set of site-packages files provides: top-level directories and
/// top-level `.py` modules.
pub(crate) fn top_level_names(files: &BTreeMap<String, Vec<u8>>) -> BTreeSet<String> {
    files
        .keys()
        .filter_map(|path| match path.split_once('/') {
            Some((directory, _)) if !is_data_directory(directory) => Some(directory.to_string()),
            Some(_) => None,
            None => path
                .rsplit_once('.')
                .filter(|(_, extension)| extension.eq_ignore_ascii_case("py"))
                .map(|(stem, _)| stem.to_string()),
        })
        .collect()
}

/// `{name}-{version}.data`, whose content pip spreads over the install scheme.
fn is_data_directory(directory: &str) -> bool {
    directory
        .rsplit_once('.')
        .is_some_and(|(_, extension)| extension == "data")
}

fn wheel_file() -> String {
    format!(
        "Wheel-Version: 1.0\nGenerator: tend-test {}\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
        env!("CARGO_PKG_VERSION")
    )
}

/// RECORD is CSV: quote a path holding a comma, a quote or a line break.
fn csv_field(field: &str) -> String {
    if field.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_string()
    }
}

fn write_zip(path: &Path, entries: &[(String, Vec<u8>)]) {
    let fail = |error: &dyn std::fmt::Display| -> ! {
        panic!("writing wheel {}: {error}", path.display())
    };
    let file = fs_err::File::create(path).unwrap_or_else(|error| fail(&error));
    let mut zip = ZipWriter::new(file);
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .last_modified_time(DateTime::default())
        .unix_permissions(0o644);
    for (name, contents) in entries {
        zip.start_file(name.as_str(), options)
            .unwrap_or_else(|error| fail(&error));
        zip.write_all(contents).unwrap_or_else(|error| fail(&error));
    }
    zip.finish().unwrap_or_else(|error| fail(&error));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_name_lowercases_and_collapses_separators() {
        assert_eq!(escape_name("Demo.-_Package"), "demo_package");
        assert_eq!(escape_name("zope.interface"), "zope_interface");
    }

    #[test]
    fn record_hash_is_urlsafe_without_padding() {
        // sha256 of the empty string, as pip writes it.
        assert_eq!(
            record_hash(b""),
            "sha256=47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU"
        );
    }

    #[test]
    fn top_level_names_skip_data_and_non_modules() {
        let files: BTreeMap<String, Vec<u8>> = [
            ("pkg/__init__.py", ""),
            ("single.py", ""),
            ("extra.pth", ""),
            ("demo-1.0.data/data/x", ""),
        ]
        .into_iter()
        .map(|(path, contents)| (path.to_string(), contents.as_bytes().to_vec()))
        .collect();
        let names: Vec<String> = top_level_names(&files).into_iter().collect();
        assert_eq!(names, ["pkg", "single"]);
    }
}
