//! `.github/dependabot.yml`: Dependabot's pip version updates on the interval of the policy's
//! update schedule.
//!
//! Dependabot knows only daily, weekly (one weekday) and monthly (the first of the month)
//! intervals at one time of day, so the interval is the closest of those to the most frequent
//! `update` schedule, and the file says where it differs.

use std::fmt::Write as _;

use crate::cron::DayRule;
use crate::export::{day_rules, ExportError};
use crate::job::Job;
use crate::schedule::Schedule;

const WEEKDAYS: [&str; 7] = [
    "sunday",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Interval {
    Daily,
    Weekly,
    Monthly,
}

/// The Dependabot config for the project in `directory` of the repository (`/` for the root).
pub fn dependabot(schedules: &[Schedule], directory: &str) -> Result<String, ExportError> {
    let mut candidates = Vec::new();
    for schedule in schedules {
        if matches!(schedule.job, Job::Update { .. }) {
            candidates.push((interval(schedule)?, schedule));
        }
    }
    // The most frequent update schedule; the first of equals.
    let (interval, schedule) = candidates
        .iter()
        .min_by_key(|(interval, _)| interval.0)
        .ok_or(ExportError::NoUpdateSchedule)?;
    let parts = schedule.cron.parts();
    let hour = parts.hours().first().copied().unwrap_or(0);
    let minute = parts.minutes().first().copied().unwrap_or(0);

    let mut out = format!(
        "# Written by `tend schedule export --format dependabot`: Dependabot's version updates on\n\
         # the interval of schedule `{}` (`{}`, {}).\n",
        schedule.name,
        schedule.cron,
        super::zone_phrase(schedule)
    );
    for note in &interval.1 {
        let _ = writeln!(out, "# {note}");
    }
    out.push_str(
        "# `tend update` and Dependabot both open update pull requests: keep one of them on a\n\
         # schedule. Dependabot's security updates are separate and not scheduled.\n",
    );
    let interval_name = match interval.0 {
        Interval::Daily => "daily",
        Interval::Weekly => "weekly",
        Interval::Monthly => "monthly",
    };
    let _ = write!(
        out,
        "version: 2\nupdates:\n  - package-ecosystem: pip\n    directory: \"{}\"\n    schedule:\n      interval: {interval_name}\n",
        directory.replace('\\', "\\\\").replace('"', "\\\"")
    );
    if interval.0 == Interval::Weekly {
        if let Some(day) = interval.2 {
            let _ = writeln!(out, "      day: {}", WEEKDAYS[usize::from(day)]);
        }
    }
    let _ = writeln!(out, "      time: \"{hour:02}:{minute:02}\"");
    match schedule.timezone.iana_name() {
        Some(name) => {
            let _ = writeln!(out, "      timezone: {name}");
        }
        None => out.push_str(
            "      # The machine's zone has no IANA name here; Dependabot reads the time in UTC.\n",
        ),
    }
    out.push_str("    open-pull-requests-limit: 5\n");
    Ok(out)
}

/// The Dependabot interval closest to a schedule, notes on how it differs, and the weekday of
/// a weekly one.
fn interval(schedule: &Schedule) -> Result<(Interval, Vec<String>, Option<u8>), ExportError> {
    let parts = schedule.cron.parts();
    let mut notes = Vec::new();
    let times = parts.hours().len() * parts.minutes().len();
    if times > 1 {
        notes.push(format!(
            "Dependabot runs once a day at most: the schedule's {times} times a day become its first."
        ));
    }
    if !parts.all_months() {
        notes.push("Dependabot cannot skip months: it runs in every month.".to_owned());
    }
    let rules = day_rules(schedule, &parts)?;
    let result = match rules.as_slice() {
        [DayRule {
            weekdays: None,
            days: None,
        }] => {
            notes.push(
                "Dependabot's daily interval runs on weekdays only (Monday to Friday).".to_owned(),
            );
            (Interval::Daily, notes, None)
        }
        // Dependabot's daily interval is Monday to Friday.
        [DayRule {
            weekdays: Some(weekdays),
            days: None,
        }] if weekdays.as_slice() == [1, 2, 3, 4, 5] => (Interval::Daily, notes, None),
        [DayRule {
            weekdays: Some(weekdays),
            days: None,
        }] => {
            if weekdays.len() > 1 {
                notes.push(
                    "Dependabot's weekly interval has one weekday: the schedule's first."
                        .to_owned(),
                );
            }
            (Interval::Weekly, notes, weekdays.first().copied())
        }
        _ => {
            let first_of_month = rules
                == [DayRule {
                    weekdays: None,
                    days: Some(vec![1]),
                }];
            if !first_of_month {
                notes.push(
                    "Dependabot's monthly interval runs on the first day of the month, not on \
                     the schedule's days."
                        .to_owned(),
                );
            }
            (Interval::Monthly, notes, None)
        }
    };
    Ok(result)
}
