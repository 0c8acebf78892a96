//! The update stage (`tend update`). So far it owns the search for the updates that break a
//! batch ([`bisect`]); the trial environments, gates and apply/rollback steps build on it.

pub mod bisect;

pub use bisect::{isolate, Isolation, Trials};
