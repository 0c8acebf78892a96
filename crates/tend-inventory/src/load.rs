//! Assembling an [`Inventory`]: the environment plus every declaration source, discovered in
//! the project or named by the user.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use tend_model::Inventory;

use crate::{ReadContext, SourceData, SourceError, SourceReader};

/// Which declaration files to read.
#[derive(Debug, Clone, Default)]
pub enum SourceSelection {
    /// Every known file in the project directory (and its `requirements/` folder).
    #[default]
    Discover,
    /// Exactly these files; the kind is told by the file name, except for `requirements`,
    /// which are read as pip requirements files whatever their name.
    Files {
        files: Vec<PathBuf>,
        requirements: Vec<PathBuf>,
    },
}

/// Everything [`load`] needs, as plain data: the CLI builds it from arguments, the policy and
/// the process environment.
#[derive(Debug, Clone, Default)]
pub struct InventoryRequest {
    pub project: PathBuf,
    /// The environment to read; `None` reads declarations only.
    pub environment: Option<crate::EnvironmentRequest>,
    pub sources: SourceSelection,
    pub context: ReadContext,
}

/// Why an inventory could not be built. A broken installed distribution is not one of these:
/// it becomes a diagnostic and the rest is read.
#[derive(Debug, thiserror::Error)]
pub enum InventoryError {
    #[error(transparent)]
    Source(#[from] SourceError),
    #[error(transparent)]
    Environment(#[from] crate::EnvironmentError),
    #[error("`{}` is not a file tend can read", path.display())]
    UnknownSource { path: PathBuf },
    #[error("`{}` does not exist", path.display())]
    MissingSource { path: PathBuf },
}

/// Every declaration reader, in the order their files are listed.
fn readers() -> [&'static dyn SourceReader; 7] {
    [
        &crate::requirements::RequirementsTxt,
        &crate::pyproject::PyprojectReader,
        &crate::lock::UvLockReader,
        &crate::lock::PoetryLockReader,
        &crate::lock::PipfileLockReader,
        &crate::lock::PdmLockReader,
        &crate::lock::PylockReader,
    ]
}

/// The reader for a file, by its name.
pub fn reader_for(path: &Path) -> Option<&'static dyn SourceReader> {
    readers().into_iter().find(|reader| reader.matches(path))
}

/// Declaration files in the project directory and its `requirements/` folder, sorted.
pub fn discover_sources(project: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for directory in [project.to_path_buf(), project.join("requirements")] {
        let Ok(entries) = fs_err::read_dir(&directory) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_file() && reader_for(&path).is_some() {
                // `./requirements.txt` reads better as `requirements.txt` in every message.
                let path = path
                    .strip_prefix(".")
                    .map_or(path.clone(), Path::to_path_buf);
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

/// Reads the environment and the declaration sources into one inventory.
pub fn load(request: &InventoryRequest) -> Result<Inventory, InventoryError> {
    let mut inventory = Inventory::default();
    if let Some(environment_request) = &request.environment {
        if let Some(read) = crate::read_environment(environment_request)? {
            inventory.environment = Some(read.environment);
            inventory.diagnostics.extend(read.diagnostics);
        }
    }

    let mut roots: Vec<(PathBuf, &'static dyn SourceReader)> = Vec::new();
    match &request.sources {
        SourceSelection::Discover => {
            for path in discover_sources(&request.project) {
                if let Some(reader) = reader_for(&path) {
                    roots.push((path, reader));
                }
            }
        }
        SourceSelection::Files {
            files,
            requirements,
        } => {
            for path in requirements {
                roots.push((path.clone(), &crate::requirements::RequirementsTxt));
            }
            for path in files {
                if !path.exists() {
                    return Err(InventoryError::MissingSource { path: path.clone() });
                }
                let reader = reader_for(path)
                    .ok_or_else(|| InventoryError::UnknownSource { path: path.clone() })?;
                roots.push((path.clone(), reader));
            }
        }
    }

    let mut read: Vec<(PathBuf, SourceData)> = Vec::new();
    for (path, reader) in roots {
        let data = reader.read(&path, &request.context)?;
        read.push((path, data));
    }

    // A discovered file that another file includes (`-r base.txt`) is read through the include,
    // so that its declarations are not counted twice.
    let included: BTreeSet<PathBuf> = read
        .iter()
        .flat_map(|(_, data)| data.sources.iter())
        .filter(|source| source.included_from.is_some())
        .map(|source| normalise(&source.path))
        .collect();
    for (path, data) in read {
        if matches!(request.sources, SourceSelection::Discover)
            && included.contains(&normalise(&path))
        {
            continue;
        }
        inventory.sources.extend(data.sources);
        inventory.declarations.extend(data.declarations);
        inventory.diagnostics.extend(data.diagnostics);
    }
    Ok(inventory)
}

fn normalise(path: &Path) -> PathBuf {
    fs_err::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}
