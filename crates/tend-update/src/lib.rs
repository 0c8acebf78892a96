//! The update stage (`tend update`). So far it owns the search for the updates that break a
//! batch ([`bisect`]) and the snapshots a rollback restores ([`snapshot`]); the trial
//! environments, gates and apply steps build on them.

pub mod attempt;
pub mod bisect;
pub mod deprecations;
pub mod lock;
pub mod report;
pub mod restore;
pub mod snapshot;
pub mod trial;

pub use attempt::{
    try_updates, GateResult, HeldBack, Outcome, Setup, StepRecord, TrialRecord, Update,
};
pub use bisect::{isolate, Isolation, Trials};
pub use lock::{lock, EnvironmentLock, LockError};
pub use report::{ApplyRecord, FileChange, LineEdit, UpdateReport};
pub use restore::{install_set, restore_environment, restore_files, RestoreError};
pub use snapshot::{compare, Difference, FileCopy, Installed, Origin, Snapshot, SNAPSHOT_VERSION};
pub use trial::{create_venv, install, run_hook, run_in, Installer, Step, TrialEnv, TrialError};
