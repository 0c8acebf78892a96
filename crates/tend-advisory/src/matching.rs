//! Placeholder: filled in by the issue-4 work on `matching`. The signatures are the contract;
//! the bodies are stand-ins until then.

use tend_model::{DistVersion, Fix, MatchKind};

use crate::Affected;

/// Whether `version` is affected by this `affected` entry, and how that was decided.
pub fn affects(affected: &Affected, version: &DistVersion) -> Option<MatchKind> {
    affected
        .versions
        .contains(version)
        .then_some(MatchKind::VersionList)
}

/// The smallest fixed version above `version` that this entry names, or [`Fix::None`].
pub fn fix_for(affected: &Affected, version: &DistVersion) -> Fix {
    let _ = (affected, version);
    Fix::None
}
