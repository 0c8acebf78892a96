use std::path::Path;

use tend_model::{Declaration, Diagnostic, SourceFile, SourceKind};

use crate::SourceError;

/// What reading one declaration source yields: the files read (a requirements file may include
/// others), the declarations, and non-fatal problems.
#[derive(Debug, Clone, Default)]
pub struct SourceData {
    pub sources: Vec<SourceFile>,
    pub declarations: Vec<Declaration>,
    pub diagnostics: Vec<Diagnostic>,
}

impl SourceData {
    pub fn extend(&mut self, other: SourceData) {
        self.sources.extend(other.sources);
        self.declarations.extend(other.declarations);
        self.diagnostics.extend(other.diagnostics);
    }
}

/// Inputs a reader may need that come from outside the file: libraries read no environment
/// variables themselves, so the CLI hands over the ones `${VAR}` expansion may use.
#[derive(Debug, Clone, Default)]
pub struct ReadContext {
    pub variables: std::collections::BTreeMap<String, String>,
}

/// One kind of declaration source. Every reader turns a file into [`SourceData`] the same way,
/// so the inventory treats requirements files, pyproject.toml and lockfiles alike.
pub trait SourceReader: Sync {
    fn kind(&self) -> SourceKind;

    /// Whether a file of this name is this reader's kind (used for discovery and `--source`).
    fn matches(&self, path: &Path) -> bool;

    fn read(&self, path: &Path, context: &ReadContext) -> Result<SourceData, SourceError>;
}
