//! A schedule (name, cron expression, zone, job, channels) and the defaults that mirror the
//! seeds' cron jobs.

use std::fmt;
use std::str::FromStr;

use crate::cron::Cron;
use crate::job::Job;
use crate::zone::Zone;

/// A schedule name that is not kebab-case.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("expected a kebab-case schedule name (a lowercase letter, then lowercase letters, digits and single hyphens, at most 64 characters), found `{found}`")]
pub struct ScheduleNameError {
    pub found: String,
}

/// A schedule's name: kebab-case, starting with a letter, at most 64 characters. It names the
/// systemd units (`tend-<name>.timer`), the GitHub Actions job and the runs in the history, so
/// it is kept to characters every one of them accepts.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ScheduleName(String);

impl ScheduleName {
    pub fn new(name: &str) -> Result<ScheduleName, ScheduleNameError> {
        let valid = name.len() <= 64
            && name.starts_with(|ch: char| ch.is_ascii_lowercase())
            && !name.ends_with('-')
            && !name.contains("--")
            && name
                .chars()
                .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '-');
        if valid {
            Ok(ScheduleName(name.to_owned()))
        } else {
            Err(ScheduleNameError {
                found: name.to_owned(),
            })
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for ScheduleName {
    type Err = ScheduleNameError;

    fn from_str(name: &str) -> Result<ScheduleName, ScheduleNameError> {
        ScheduleName::new(name)
    }
}

impl fmt::Display for ScheduleName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One schedule: when (a cron expression read in a zone), what (a job) and whom to tell
/// (notification channels by name; the caller checks that they exist).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    pub name: ScheduleName,
    pub cron: Cron,
    pub timezone: Zone,
    pub job: Job,
    pub notify: Vec<String>,
}

/// The schedules a policy gets when it names none, read in `timezone`. They mirror the seeds'
/// cron jobs:
///
/// | name | when | job |
/// |---|---|---|
/// | `database-sync` | daily 05:30 | `db update` |
/// | `daily-audit` | daily 06:00 | `audit` |
/// | `weekly-security-check` | Monday 02:00 | `scan` |
/// | `monthly-update` | first Sunday of the month 03:00 | `update` |
/// | `weekly-cleanup` | Saturday 23:00 | `gc` |
///
/// The database sync runs before the audit so the audit reads fresh advisories. The clean-up
/// keeps the seeds' Saturday 23:00, which also keeps it away from the monthly update that may
/// still be running on Sunday morning. The update does not apply to the live environment.
pub fn default_schedules(timezone: &Zone) -> Vec<Schedule> {
    let defaults: [(&str, &str, Job); 5] = [
        ("database-sync", "30 5 * * *", Job::DbUpdate),
        ("daily-audit", "0 6 * * *", Job::Audit),
        ("weekly-security-check", "0 2 * * MON", Job::Scan),
        (
            "monthly-update",
            "0 3 * * SUN#1",
            Job::Update {
                phase: None,
                apply: false,
            },
        ),
        ("weekly-cleanup", "0 23 * * SAT", Job::Gc),
    ];
    defaults
        .into_iter()
        .filter_map(|(name, cron, job)| {
            Some(Schedule {
                name: ScheduleName::new(name).ok()?,
                cron: Cron::parse(cron).ok()?,
                timezone: timezone.clone(),
                job,
                notify: Vec::new(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_kebab_case() {
        for good in ["daily-audit", "a", "update2", "weekly-security-check"] {
            assert!(ScheduleName::new(good).is_ok(), "{good}");
        }
        for bad in [
            "Daily",
            "daily audit",
            "-x",
            "x-",
            "a--b",
            "2nd",
            "",
            "a_b",
            &"a".repeat(65),
        ] {
            assert!(ScheduleName::new(bad).is_err(), "{bad}");
        }
        insta::assert_snapshot!(ScheduleName::new("Daily Audit").unwrap_err(), @"expected a kebab-case schedule name (a lowercase letter, then lowercase letters, digits and single hyphens, at most 64 characters), found `Daily Audit`");
    }

    #[test]
    fn defaults_mirror_the_seeds() {
        let schedules = default_schedules(&Zone::Utc);
        let summary: Vec<String> = schedules
            .iter()
            .map(|schedule| format!("{} | {} | {}", schedule.name, schedule.cron, schedule.job))
            .collect();
        assert_eq!(
            summary,
            [
                "database-sync | 30 5 * * * | db update",
                "daily-audit | 0 6 * * * | audit",
                "weekly-security-check | 0 2 * * MON | scan",
                "monthly-update | 0 3 * * SUN#1 | update",
                "weekly-cleanup | 0 23 * * SAT | gc",
            ]
        );
    }
}
