//! Schedules: when tend runs which job by itself, and the same schedules written for cron,
//! systemd, GitHub Actions and Dependabot.
//!
//! Plain data in and out. The policy crate reads `[[schedules]]` from the policy file and builds
//! [`Schedule`] values with [`Cron::parse`], [`Zone::parse`], [`Job::parse`] and
//! [`ScheduleName::new`] (adding the file and line to their errors); `tend daemon` asks
//! [`next_after`] and [`missed`] when to run; `tend schedule export` calls [`export`].
//!
//! - `cron`: five-field expressions with names, steps, macros and `SUN#1`; the Vixie rule for
//!   the two day fields.
//! - `occurrence`: next, last and missed runs in a time zone, with the DST rules.
//! - `zone`, `job`, `schedule`: the other parts of a schedule, and the defaults.
//! - `export/`: one module per output format.

mod cron;
mod export;
mod job;
mod occurrence;
mod schedule;
mod zone;

pub use cron::{Cron, CronError, CronField};
pub use export::{
    crontab, dependabot, export, github_workflow, systemd_daemon_unit, systemd_units, ExportError,
    ExportFile, ExportFormat, ExportOptions,
};
pub use job::{Job, JobError};
pub use occurrence::{last_due, missed, next_after};
pub use schedule::{default_schedules, Schedule, ScheduleName, ScheduleNameError};
pub use zone::{Zone, ZoneError};
