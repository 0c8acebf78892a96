//! The starting policy files `tend init` writes. They live here, beside the schema they must
//! satisfy, so that this crate's tests load each one back.

/// A starting policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Preset {
    /// Comments and examples; only the fallback category is set.
    Starter,
    /// The categories of a Flask web service handling payments: critical within 24 hours,
    /// high within a week, banking-specific within two weeks, standard monthly, the rest
    /// quarterly.
    WebService,
}

impl Preset {
    pub const ALL: [Self; 2] = [Self::Starter, Self::WebService];

    /// The `tend.toml` text.
    pub fn text(self) -> &'static str {
        match self {
            Self::Starter => include_str!("../templates/tend.toml"),
            Self::WebService => include_str!("../templates/web-service.toml"),
        }
    }
}
