//! Properties of the hand-written cron parser and matcher over many generated expressions (a
//! fixed-seed generator, so a failure reproduces): bad input is an error and never a panic; a
//! parsed expression's next run is after the instant asked, on a day the expression matches,
//! and is found again by `last_due`; the crontab export writes an expression that reads back
//! to the same runs.

#![allow(clippy::unwrap_used)]

use std::path::Path;

use jiff::Timestamp;
use tend_schedule::{crontab, last_due, next_after, Cron, Job, Schedule, ScheduleName, Zone};

/// A small deterministic generator (xorshift), enough to cover the grammar.
struct Generator(u64);

impl Generator {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, bound: u64) -> u64 {
        self.next() % bound
    }

    fn pick<'a>(&mut self, choices: &[&'a str]) -> &'a str {
        choices[usize::try_from(self.below(choices.len() as u64)).unwrap()]
    }

    /// One field's text, mostly valid for a field with values `min..=max`.
    fn field(&mut self, min: u64, max: u64, names: &[&str]) -> String {
        let items = 1 + self.below(3);
        let mut parts = Vec::new();
        for _ in 0..items {
            let value = |generator: &mut Generator| {
                if !names.is_empty() && generator.below(3) == 0 {
                    generator.pick(names).to_owned()
                } else {
                    (min + generator.below(max - min + 1)).to_string()
                }
            };
            let part = match self.below(6) {
                0 => "*".to_owned(),
                1 => format!("*/{}", 1 + self.below(max.min(20))),
                2 => {
                    let start = min + self.below(max - min + 1);
                    let end = start + self.below(max - start + 1);
                    format!("{start}-{end}")
                }
                3 => {
                    let start = min + self.below(max - min + 1);
                    let end = start + self.below(max - start + 1);
                    format!("{start}-{end}/{}", 1 + self.below(5))
                }
                _ => value(self),
            };
            parts.push(part);
        }
        parts.join(",")
    }

    fn expression(&mut self) -> String {
        let mut day_of_week = self.field(0, 7, &["SUN", "mon", "Tue", "WED", "thu", "FRI", "sat"]);
        if self.below(4) == 0 {
            day_of_week = format!("{}#{}", self.pick(&["SUN", "MON", "5"]), 1 + self.below(5));
        }
        format!(
            "{} {} {} {} {}",
            self.field(0, 59, &[]),
            self.field(0, 23, &[]),
            self.field(1, 31, &[]),
            self.field(1, 12, &["JAN", "feb", "Mar", "DEC"]),
            day_of_week
        )
    }

    /// Text that is mostly not a cron expression.
    fn noise(&mut self) -> String {
        let alphabet = [
            "*", "/", "-", ",", "#", " ", "0", "7", "60", "99", "SUN", "@daily", "x", "\t",
        ];
        let length = self.below(14);
        (0..length).map(|_| self.pick(&alphabet)).collect()
    }
}

fn schedule(cron: Cron, zone: &Zone) -> Schedule {
    Schedule {
        name: ScheduleName::new("property").unwrap(),
        cron,
        timezone: zone.clone(),
        job: Job::Audit,
        notify: Vec::new(),
    }
}

#[test]
fn bad_input_is_an_error_never_a_panic() {
    let mut generator = Generator(0x5eed_1234_abcd_0001);
    for _ in 0..20_000 {
        let text = generator.noise();
        if let Err(error) = Cron::parse(&text) {
            // The span points inside the text.
            assert!(error.span.end <= text.len(), "{text:?}: {error:?}");
            assert!(!error.to_string().is_empty());
        }
    }
}

#[test]
fn next_runs_are_later_matching_and_found_again() {
    let mut generator = Generator(0x0dd_ba11_cafe_f00d);
    let zones = [
        Zone::Utc,
        Zone::named("Europe/Zurich").unwrap(),
        Zone::named("America/New_York").unwrap(),
    ];
    let start: Timestamp = "2026-11-24T00:00:00Z".parse().unwrap();
    let mut parsed = 0;
    for round in 0..400 {
        let text = generator.expression();
        let Ok(cron) = Cron::parse(&text) else {
            continue;
        };
        parsed += 1;
        let zone = &zones[round % zones.len()];
        let schedule = schedule(cron, zone);
        let mut instant = start;
        for _ in 0..5 {
            let Some(next) = next_after(&schedule, instant) else {
                break;
            };
            assert!(next > instant, "`{text}` in {zone}: {next} after {instant}");
            // A time in a DST gap runs at the gap's end, which in these zones is the same day.
            let local = zone.time_zone().to_datetime(next);
            assert!(
                schedule.cron.matches_date(local.date()),
                "`{text}` in {zone}: {next} is on a day it does not match"
            );
            assert_eq!(
                last_due(&schedule, next),
                Some(next),
                "`{text}` in {zone}: last_due at a run is that run"
            );
            instant = next;
        }
    }
    assert!(
        parsed > 200,
        "the generator should mostly make valid expressions: {parsed}"
    );
}

#[test]
fn crontab_fields_read_back_to_the_same_runs() {
    let mut generator = Generator(0xfeed_face_0bad_beef);
    let start: Timestamp = "2026-11-24T00:00:00Z".parse().unwrap();
    for _ in 0..300 {
        let text = generator.expression();
        let Ok(cron) = Cron::parse(&text) else {
            continue;
        };
        let original = schedule(cron, &Zone::Utc);
        let exported = crontab(
            std::slice::from_ref(&original),
            Path::new("/usr/bin/tend"),
            Path::new("/srv/app"),
        )
        .unwrap();
        let entries: Vec<&str> = exported
            .lines()
            .filter(|line| !line.starts_with('#') && !line.is_empty())
            .collect();
        // An nth weekday becomes a guarded line; the plain ones must read back exactly.
        if entries.iter().any(|line| line.contains("date +")) {
            continue;
        }
        assert_eq!(entries.len(), 1, "`{text}`: {exported}");
        let fields: Vec<&str> = entries[0].split(' ').take(5).collect();
        let reread = schedule(Cron::parse(&fields.join(" ")).unwrap(), &Zone::Utc);
        let mut a = start;
        let mut b = start;
        for _ in 0..10 {
            let (Some(next_a), Some(next_b)) = (next_after(&original, a), next_after(&reread, b))
            else {
                break;
            };
            assert_eq!(
                next_a,
                next_b,
                "`{text}` exported as `{}`",
                fields.join(" ")
            );
            a = next_a;
            b = next_b;
        }
    }
}
