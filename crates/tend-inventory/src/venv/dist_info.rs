//! `*.dist-info` directories: `METADATA`, `INSTALLER` and `direct_url.json`. `RECORD` is left
//! to the integrity check, which is the only stage that needs it.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use tend_model::{Code, Diagnostic, DistFormat, Distribution, Location, PackageName, Severity};

use super::direct_url::{direct_url_warning, read_direct_url};
use super::metadata::{parse_metadata, CoreMetadata};

/// What reading one metadata directory gives: a distribution with the problems that did not
/// stop it being read, or the reason it could not be read at all.
#[derive(Debug)]
// Every read is moved once into the result; boxing the distribution would only add an allocation.
#[allow(clippy::large_enum_variant)]
pub enum Read {
    Found(Distribution, Vec<Diagnostic>),
    Broken(Diagnostic),
}

impl Read {
    /// A distribution from its core metadata; the caller fills in where it was found.
    pub fn from_metadata(metadata: CoreMetadata, format: DistFormat, path: &Path) -> Self {
        let distribution = Distribution {
            name: metadata.name,
            display_name: metadata.display_name,
            version: metadata.version,
            format,
            path: path.to_path_buf(),
            site_packages: PathBuf::new(),
            system: false,
            installer: None,
            requires_dist: metadata.requires_dist,
            requires_python: metadata.requires_python,
            provides_extra: metadata.provides_extra,
            direct_url: None,
            editable_location: None,
        };
        Self::Found(distribution, metadata.diagnostics)
    }

    /// Reads `INSTALLER` (first line, e.g. `pip` or `uv`) when the directory has one.
    pub fn installer_from(&mut self, directory: &Path) {
        if let Self::Found(distribution, _) = self {
            if let Ok(bytes) = fs_err::read(directory.join("INSTALLER")) {
                let text = String::from_utf8_lossy(&bytes);
                let installer = text.lines().next().unwrap_or_default().trim();
                if !installer.is_empty() {
                    distribution.installer = Some(installer.to_string());
                }
            }
        }
    }
}

/// A distribution left out of the environment: its metadata is missing or unusable.
pub fn broken(path: &Path, reason: &str) -> Diagnostic {
    let mut diagnostic = Diagnostic::new(
        Code::BrokenDistribution,
        Severity::Warning,
        format!("skipped the distribution at `{}`: {reason}", path.display()),
    )
    .with_location(Location::file(path));
    if let Some(name) = name_from_directory(path) {
        diagnostic = diagnostic.with_package(name);
    }
    diagnostic
}

/// The project name in a metadata directory's name (`Flask_Login-0.6.3.dist-info`), for
/// naming a distribution whose metadata cannot be read.
pub fn name_from_directory(path: &Path) -> Option<PackageName> {
    let stem = path.file_stem()?.to_str()?;
    let name = stem.split_once('-').map_or(stem, |(name, _)| name);
    PackageName::from_str(name).ok()
}

/// Reads one `*.dist-info` directory.
pub fn read_dist_info(path: &Path) -> Read {
    let metadata_path = path.join("METADATA");
    let bytes = match fs_err::read(&metadata_path) {
        Ok(bytes) => bytes,
        Err(error) => return Read::Broken(broken(path, &error.to_string())),
    };
    let metadata = match parse_metadata(&bytes, &metadata_path) {
        Ok(metadata) => metadata,
        Err(error) => return Read::Broken(broken(path, &error.to_string())),
    };
    let mut read = Read::from_metadata(metadata, DistFormat::DistInfo, path);
    read.installer_from(path);
    if let Read::Found(distribution, diagnostics) = &mut read {
        let direct_url_path = path.join("direct_url.json");
        match read_direct_url(&direct_url_path) {
            Ok(Some(direct_url)) => {
                if direct_url.is_editable() {
                    distribution.editable_location =
                        super::direct_url::file_url_to_path(direct_url.url());
                }
                distribution.direct_url = Some(direct_url);
            }
            Ok(None) => {}
            Err(message) => diagnostics.push(
                direct_url_warning(&direct_url_path, &message)
                    .with_package(distribution.name.clone()),
            ),
        }
    }
    read
}
