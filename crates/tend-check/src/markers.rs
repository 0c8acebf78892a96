//! PEP 508 marker evaluation against the inventory's environment, with a fallback when the
//! environment's marker values are unknown.

use pep508_rs::marker::{MarkerTreeKind, MarkerValueVersion};
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
    python: Option<PythonVersions>,
}

struct PythonVersions {
    full: Version,
    short: Version,
}

/// Whether some environment with this Python version and no extras could satisfy `marker`:
/// Python version nodes are decided, every other value could be anything.
fn possible_with_python(marker: &MarkerTree, python: &PythonVersions) -> bool {
    match marker.kind() {
        MarkerTreeKind::True => true,
        MarkerTreeKind::False => false,
        MarkerTreeKind::Version(node) => {
            let known = match node.key() {
                MarkerValueVersion::PythonFullVersion => Some(&python.full),
                MarkerValueVersion::PythonVersion => Some(&python.short),
                MarkerValueVersion::ImplementationVersion => None,
            };
            node.edges().any(|(range, tree)| {
                known.is_none_or(|version| range.contains(version))
                    && possible_with_python(&tree, python)
            })
        }
        MarkerTreeKind::String(node) => node
            .children()
            .any(|(_, tree)| possible_with_python(&tree, python)),
        MarkerTreeKind::In(node) => node
            .children()
            .any(|(_, tree)| possible_with_python(&tree, python)),
        MarkerTreeKind::Contains(node) => node
            .children()
            .any(|(_, tree)| possible_with_python(&tree, python)),
        // No extra is active.
        MarkerTreeKind::Extra(node) => possible_with_python(&node.edge(false), python),
    }
}

impl<'a> MarkerContext<'a> {
    pub(crate) fn new(environment: Option<&'a Environment>) -> Self {
        let markers = environment.and_then(|environment| environment.markers.as_ref());
        let python = environment
            .and_then(|environment| environment.python_version.as_ref())
            .map(|full| PythonVersions {
                // `python_version` markers compare with `major.minor`, never the full version.
                short: Version::new(full.release().iter().take(2).copied()),
                full: full.clone(),
            });
        Self {
            environment: markers,
            python,
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
        let possible = match &self.python {
            None => marker.evaluate_extras(&[]),
            Some(python) => {
                // Decided by the Python version and extras alone: no need to assume anything.
                if !possible_with_python(&marker.negate(), python) {
                    return MarkerOutcome::Applies;
                }
                possible_with_python(marker, python)
            }
        };
        if possible {
            MarkerOutcome::Assumed(marker_to_string(marker).unwrap_or_default())
        } else {
            MarkerOutcome::DoesNotApply
        }
    }
}
