//! Reads what a Python service uses into one [`Inventory`](tend_model::Inventory).
//!
//! Three families of sources: installed environments (`venv`), declarations in requirements
//! files (`requirements`) and `pyproject.toml` (`pyproject`), and lockfiles (`lock`). Every
//! declaration source implements [`SourceReader`]; the environment reader reads metadata straight
//! from site-packages and starts an interpreter only when the layout cannot be read from disk.

mod error;
mod load;
mod lock;
mod pyproject;
mod requirements;
mod source;
mod venv;

pub use error::{read_text, SourceError};
pub use load::{
    discover_sources, load, reader_for, InventoryError, InventoryRequest, SourceSelection,
};
pub use lock::{
    parse_pdm_lock, parse_pipfile_lock, parse_poetry_lock, parse_pylock, parse_uv_lock,
    PdmLockReader, PipfileLockReader, PoetryLockReader, PylockReader, UvLockReader,
    LOCKFILE_READERS,
};
pub use pyproject::{parse_pyproject, PyprojectReader};
pub use requirements::{parse_requirements, RequirementsTxt};
pub use source::{ReadContext, SourceData, SourceReader};
pub use venv::{
    parse_direct_url, parse_headers, parse_metadata, parse_requires_txt, read_environment,
    CoreMetadata, EnvironmentError, EnvironmentRead, EnvironmentRequest, Header, Headers,
    MetadataError, PyvenvCfg,
};
