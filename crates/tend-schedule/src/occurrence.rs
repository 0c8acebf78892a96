//! When a schedule is due: the next run after an instant, the last due time before one, and the
//! run missed since the last one.
//!
//! Times are read in the schedule's zone, day by day. Two DST rules, both what Vixie cron and
//! systemd users expect:
//!
//! - **A local time skipped by the spring-forward gap** (02:30 on the day clocks jump from 02:00
//!   to 03:00) runs once, at the first instant after the gap (03:00 local). Several skipped
//!   times collapse into that one run.
//! - **A local time repeated by the autumn fall-back** runs once, at its first occurrence, when
//!   the hour field names hours (`30 2 * * *`). When the hour field starts with `*`
//!   (`0 * * * *`, `*/15 * * * *`) the schedule follows the clock through the day, so the
//!   repeated hour's slots are real, distinct instants and each runs.
//!
//! Missed runs are caught up once, like systemd's `Persistent=true`: [`missed`] returns only the
//! most recent due time since the last run, however many were missed.

use jiff::civil::{Date, DateTime};
use jiff::tz::{AmbiguousOffset, TimeZone};
use jiff::Timestamp;

use crate::cron::Cron;
use crate::schedule::Schedule;

/// How far to look for a matching day before saying there is none: the rarest expression that
/// parses (`0 0 * 2 SUN#5`, a fifth Sunday in February) can wait 28 years.
const SEARCH_DAYS: i32 = 366 * 30;

/// The first time the schedule is due strictly after `after`; `None` when it never is again
/// (within thirty years).
pub fn next_after(schedule: &Schedule, after: Timestamp) -> Option<Timestamp> {
    schedule
        .cron
        .next_after(schedule.timezone.time_zone(), after)
}

/// The most recent time the schedule was due at or before `now`.
pub fn last_due(schedule: &Schedule, now: Timestamp) -> Option<Timestamp> {
    schedule
        .cron
        .last_due(schedule.timezone.time_zone(), now, None)
}

/// The run to catch up: the most recent due time after `last_run` that has passed (at or before
/// `now`), once, however many were missed. `None` when nothing was missed, and when the
/// schedule never ran: a schedule starts counting from its first run, as a systemd timer with
/// no stamp file does.
pub fn missed(
    schedule: &Schedule,
    last_run: Option<Timestamp>,
    now: Timestamp,
) -> Option<Timestamp> {
    let last_run = last_run?;
    schedule
        .cron
        .last_due(schedule.timezone.time_zone(), now, Some(last_run))
        .filter(|due| *due > last_run)
}

impl Cron {
    /// The first time this expression is due strictly after `after`, read in `time_zone`.
    pub fn next_after(&self, time_zone: &TimeZone, after: Timestamp) -> Option<Timestamp> {
        // Start a day early: a fold or a gap near midnight can put a day's slot before its
        // civil date's start.
        let mut date = time_zone.to_datetime(after).date().yesterday().ok()?;
        for _ in 0..SEARCH_DAYS {
            if !self.matches_month(date.month()) {
                date = date.last_of_month().tomorrow().ok()?;
                continue;
            }
            if self.matches_day(date) {
                let first = self
                    .slots(time_zone, date)
                    .into_iter()
                    .filter(|slot| *slot > after)
                    .min();
                if let Some(first) = first {
                    // The next day's slots cannot come earlier except around odd transitions
                    // (a zone falling back across midnight); looking costs one day.
                    let next_day = date
                        .tomorrow()
                        .ok()
                        .filter(|next| self.matches_date(*next))
                        .map(|next| self.slots(time_zone, next))
                        .unwrap_or_default();
                    return next_day
                        .into_iter()
                        .filter(|slot| *slot > after)
                        .chain([first])
                        .min();
                }
            }
            date = date.tomorrow().ok()?;
        }
        None
    }

    /// The most recent time this expression was due at or before `now`; the search stops at
    /// `floor` (nothing at or before it is wanted) to stay short.
    pub fn last_due(
        &self,
        time_zone: &TimeZone,
        now: Timestamp,
        floor: Option<Timestamp>,
    ) -> Option<Timestamp> {
        let mut date = time_zone.to_datetime(now).date().tomorrow().ok()?;
        let stop = floor
            .map(|floor| time_zone.to_datetime(floor).date().yesterday())
            .transpose()
            .ok()?;
        for _ in 0..SEARCH_DAYS {
            if stop.is_some_and(|stop| date < stop) {
                return None;
            }
            if !self.matches_month(date.month()) {
                date = date.first_of_month().yesterday().ok()?;
                continue;
            }
            if self.matches_day(date) {
                let last = self
                    .slots(time_zone, date)
                    .into_iter()
                    .filter(|slot| *slot <= now)
                    .max();
                if let Some(last) = last {
                    let previous_day = date
                        .yesterday()
                        .ok()
                        .filter(|previous| self.matches_date(*previous))
                        .map(|previous| self.slots(time_zone, previous))
                        .unwrap_or_default();
                    return previous_day
                        .into_iter()
                        .filter(|slot| *slot <= now)
                        .chain([last])
                        .max();
                }
            }
            date = date.yesterday().ok()?;
        }
        None
    }

    /// The instants of one matching day's slots, with the DST rules of the module applied.
    fn slots(&self, time_zone: &TimeZone, date: Date) -> Vec<Timestamp> {
        let mut slots = Vec::new();
        for hour in self.hours() {
            for minute in self.minutes() {
                let Ok(datetime) = DateTime::new(
                    date.year(),
                    date.month(),
                    date.day(),
                    i8::try_from(hour).unwrap_or(0),
                    i8::try_from(minute).unwrap_or(0),
                    0,
                    0,
                ) else {
                    continue;
                };
                self.push_slot(time_zone, datetime, &mut slots);
            }
        }
        slots.sort_unstable();
        slots.dedup();
        slots
    }

    fn push_slot(&self, time_zone: &TimeZone, datetime: DateTime, slots: &mut Vec<Timestamp>) {
        match time_zone.to_ambiguous_timestamp(datetime).offset() {
            AmbiguousOffset::Unambiguous { offset } => {
                slots.extend(offset.to_timestamp(datetime).ok());
            }
            AmbiguousOffset::Gap { after, .. } => {
                // Read with the offset after the gap, the time lies before the transition;
                // the transition itself is the first instant the clock shows a valid time.
                let transition = after
                    .to_timestamp(datetime)
                    .ok()
                    .and_then(|early| time_zone.following(early).next())
                    .map(|transition| transition.timestamp());
                slots.extend(transition);
            }
            AmbiguousOffset::Fold { before, after } => {
                // `before` is the offset before the clocks go back: the earlier instant.
                slots.extend(before.to_timestamp(datetime).ok());
                if self.hour_is_wildcard() {
                    slots.extend(after.to_timestamp(datetime).ok());
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::job::Job;
    use crate::schedule::{Schedule, ScheduleName};
    use crate::zone::Zone;

    fn schedule(cron: &str, zone: &str) -> Schedule {
        Schedule {
            name: ScheduleName::new("test").unwrap(),
            cron: Cron::parse(cron).unwrap(),
            timezone: Zone::named(zone).unwrap(),
            job: Job::Audit,
            notify: Vec::new(),
        }
    }

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    /// The next `count` runs after `start`, as UTC instants.
    fn runs(schedule: &Schedule, start: &str, count: usize) -> Vec<String> {
        let mut instant = at(start);
        let mut runs = Vec::new();
        for _ in 0..count {
            instant = next_after(schedule, instant).unwrap();
            runs.push(instant.to_string());
        }
        runs
    }

    #[test]
    fn next_after_daily_in_zurich() {
        let daily = schedule("0 6 * * *", "Europe/Zurich");
        // Winter: UTC+1.
        assert_eq!(
            runs(&daily, "2026-11-24T01:00:00Z", 2),
            ["2026-11-24T05:00:00Z", "2026-11-25T05:00:00Z"]
        );
        // Strictly after: a run at the instant itself is not next.
        assert_eq!(
            next_after(&daily, at("2026-11-24T05:00:00Z")),
            Some(at("2026-11-25T05:00:00Z"))
        );
    }

    #[test]
    fn next_after_first_sunday_monthly() {
        let monthly = schedule("0 3 * * SUN#1", "America/New_York");
        assert_eq!(
            runs(&monthly, "2026-11-24T00:00:00Z", 4),
            [
                // Dec 6 03:00 EST (UTC-5), Jan 3, Feb 7, then Mar 7 (DST starts Mar 14).
                "2026-12-06T08:00:00Z",
                "2027-01-03T08:00:00Z",
                "2027-02-07T08:00:00Z",
                "2027-03-07T08:00:00Z",
            ]
        );
    }

    #[test]
    fn spring_forward_gap_runs_once_at_the_end_of_the_gap() {
        // Europe/Zurich, 2027-03-28: 02:00 CET jumps to 03:00 CEST (01:00 UTC).
        let nightly = schedule("30 2 * * *", "Europe/Zurich");
        assert_eq!(
            runs(&nightly, "2027-03-27T00:00:00Z", 3),
            [
                "2027-03-27T01:30:00Z", // 02:30 CET
                "2027-03-28T01:00:00Z", // 02:30 does not exist: 03:00 CEST, the gap's end
                "2027-03-29T00:30:00Z", // 02:30 CEST
            ]
        );
        // Every quarter hour of the skipped hour collapses into one run at 03:00.
        let quarter = schedule("*/15 2 * * *", "Europe/Zurich");
        assert_eq!(
            runs(&quarter, "2027-03-28T00:00:00Z", 2),
            ["2027-03-28T01:00:00Z", "2027-03-29T00:00:00Z"]
        );
    }

    #[test]
    fn fall_back_repeated_hour_runs_once() {
        // America/New_York, 2026-11-01: 02:00 EDT falls back to 01:00 EST; 01:30 happens twice.
        let nightly = schedule("30 1 * * *", "America/New_York");
        assert_eq!(
            runs(&nightly, "2026-10-31T12:00:00Z", 2),
            [
                "2026-11-01T05:30:00Z", // 01:30 EDT, the first pass
                "2026-11-02T06:30:00Z", // the next day, 01:30 EST; not 06:30Z on Nov 1
            ]
        );
        // Asked between the two passes, the schedule does not run again that night.
        let between = at("2026-11-01T06:00:00Z");
        assert_eq!(
            next_after(&nightly, between),
            Some(at("2026-11-02T06:30:00Z"))
        );
    }

    #[test]
    fn fall_back_hourly_schedule_runs_in_both_passes() {
        // `0 * * * *` follows the clock: 01:00 EDT and 01:00 EST are an hour apart and both run.
        let hourly = schedule("0 * * * *", "America/New_York");
        assert_eq!(
            runs(&hourly, "2026-11-01T04:30:00Z", 3),
            [
                "2026-11-01T05:00:00Z", // 01:00 EDT
                "2026-11-01T06:00:00Z", // 01:00 EST
                "2026-11-01T07:00:00Z", // 02:00 EST
            ]
        );
    }

    #[test]
    fn missed_catches_up_once_with_the_most_recent_slot() {
        let daily = schedule("0 6 * * *", "Europe/Zurich");
        // Last ran Nov 20 at 06:00; down until Nov 24 08:00: four runs missed, one caught up.
        let last_run = at("2026-11-20T05:00:00Z");
        let now = at("2026-11-24T07:00:00Z");
        assert_eq!(
            missed(&daily, Some(last_run), now),
            Some(at("2026-11-24T05:00:00Z"))
        );
        // After catching up at 07:00, nothing is missed any more.
        assert_eq!(missed(&daily, Some(at("2026-11-24T07:00:00Z")), now), None);
        // Ran at the due time: nothing missed until the next one passes.
        assert_eq!(missed(&daily, Some(at("2026-11-24T05:00:00Z")), now), None);
        // A due time exactly now counts as passed.
        assert_eq!(
            missed(&daily, Some(last_run), at("2026-11-21T05:00:00Z")),
            Some(at("2026-11-21T05:00:00Z"))
        );
        // Never ran: nothing to catch up.
        assert_eq!(missed(&daily, None, now), None);
    }

    #[test]
    fn missed_monthly_across_months() {
        let monthly = schedule("0 3 * * SUN#1", "UTC");
        let last_run = at("2026-09-06T03:00:00Z");
        let now = at("2026-12-01T00:00:00Z");
        // October 4th and November 1st were missed: only November's is caught up.
        assert_eq!(
            missed(&monthly, Some(last_run), now),
            Some(at("2026-11-01T03:00:00Z"))
        );
        assert_eq!(last_due(&monthly, now), Some(at("2026-11-01T03:00:00Z")));
    }

    #[test]
    fn last_due_in_the_spring_gap() {
        let nightly = schedule("30 2 * * *", "Europe/Zurich");
        assert_eq!(
            last_due(&nightly, at("2027-03-28T12:00:00Z")),
            Some(at("2027-03-28T01:00:00Z"))
        );
    }

    #[test]
    fn leap_day_waits_for_the_next_leap_year() {
        let rare = schedule("0 0 29 2 *", "UTC");
        assert_eq!(
            next_after(&rare, at("2026-11-24T00:00:00Z")),
            Some(at("2028-02-29T00:00:00Z"))
        );
    }
}
