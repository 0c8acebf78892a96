//! What a lookup hands to the audit: the advisories of the packages asked about, the packages a
//! source could not answer for, and what the sources were.

use std::collections::BTreeMap;
use std::sync::Arc;

use tend_model::{AdvisorySourceInfo, Diagnostic, PackageName};

use crate::Advisory;

/// Advisories for a set of packages, from the local database or an online source.
#[derive(Debug, Clone, Default)]
pub struct AdvisoryData {
    /// Every advisory with an `affected` entry naming the package, by normalised name. A record
    /// naming several packages appears under each.
    pub advisories: BTreeMap<PackageName, Vec<Arc<Advisory>>>,
    /// Packages the source could not answer for, with the reason (online sources).
    pub unreachable: BTreeMap<PackageName, String>,
    pub sources: Vec<AdvisorySourceInfo>,
    /// Records that could not be read (`bad-advisory`), a stale database (`stale-database`).
    pub diagnostics: Vec<Diagnostic>,
}

impl AdvisoryData {
    /// Adds another source's data. A record present in both (same id) is kept once: the copy
    /// modified last, as OSV's `modified` field intends.
    pub fn merge(&mut self, other: AdvisoryData) {
        for (name, advisories) in other.advisories {
            let existing = self.advisories.entry(name).or_default();
            for advisory in advisories {
                match existing.iter_mut().find(|known| known.id == advisory.id) {
                    Some(known) => {
                        if advisory.modified > known.modified {
                            *known = advisory;
                        }
                    }
                    None => existing.push(advisory),
                }
            }
        }
        for (name, message) in other.unreachable {
            self.unreachable.entry(name).or_insert(message);
        }
        self.sources.extend(other.sources);
        self.diagnostics.extend(other.diagnostics);
    }
}
