//! PEP 508 marker evaluation against the inventory's environment, with a fallback when the
//! environment's marker values are unknown.

use std::collections::HashSet;

use tend_model::{marker_to_string, Environment, MarkerEnvironment, MarkerTree, Version};

/// Whether a marker applies to the environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum MarkerOutcome {
    Applies,
    DoesNotApply,
    /// The marker depends on values nobody measured (no interpreter was found); it is treated
    /// as true so that nothing is hidden, and findings say so in a note.
    Assumed(String),
}

impl MarkerOutcome {
    pub(crate) fn applies(&self) -> bool {
        !matches!(self, Self::DoesNotApply)
    }

    /// The note a finding carries when its marker was assumed true.
    pub(crate) fn note(&self) -> Option<String> {
        match self {
            Self::Assumed(marker) => Some(format!(
                "the marker `{marker}` could not be evaluated because the environment's \
                 interpreter is unknown; it was assumed to be true"
            )),
            Self::Applies | Self::DoesNotApply => None,
        }
    }
}

/// What markers are evaluated against: the measured marker values when known, otherwise only
/// the Python version (from `pyvenv.cfg`), otherwise nothing.
pub(crate) struct MarkerContext<'a> {
    environment: Option<&'a MarkerEnvironment>,
    python_versions: Vec<Version>,
}

impl<'a> MarkerContext<'a> {
    pub(crate) fn new(environment: Option<&'a Environment>) -> Self {
        let markers = environment.and_then(|environment| environment.markers.as_ref());
        // `python_version` markers compare with `major.minor`, never the full version.
        let python_versions = environment
            .and_then(|environment| environment.python_version.as_ref())
            .map(|version| {
                let release = version.release();
                Version::new(release.iter().take(2).copied())
            })
            .into_iter()
            .collect();
        Self {
            environment: markers,
            python_versions,
        }
    }

    /// Evaluates `marker` with no extras active, as pip does for an installed distribution's
    /// own requirements (`extra == ""`), so requirements only an extra asks for never apply.
    pub(crate) fn evaluate(&self, marker: &MarkerTree) -> MarkerOutcome {
        if marker.is_true() {
            return MarkerOutcome::Applies;
        }
        if let Some(environment) = self.environment {
            return if marker.evaluate(environment, &[]) {
                MarkerOutcome::Applies
            } else {
                MarkerOutcome::DoesNotApply
            };
        }
        let possible = if self.python_versions.is_empty() {
            marker.evaluate_extras(&[])
        } else {
            marker.evaluate_extras_and_python_version(&HashSet::default(), &self.python_versions)
        };
        if possible {
            MarkerOutcome::Assumed(marker_to_string(marker).unwrap_or_default())
        } else {
            MarkerOutcome::DoesNotApply
        }
    }
}
