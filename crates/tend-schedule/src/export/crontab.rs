//! crontab(5) lines.
//!
//! Fields are written back in numbers (names in ranges are not portable), keeping a leading `*`
//! where the expression had one, so the two day fields combine in cron exactly as tend reads
//! them. cron has no nth weekday: `SUN#1` becomes the days `1-7` and a weekday test in the
//! command. `CRON_TZ=` is not portable (Vixie and Debian cron ignore it), so a zone other than
//! the machine's is said in a comment rather than set.

use std::fmt::Write as _;
use std::path::Path;

use crate::cron::{CronField, DayRule};
use crate::export::{compact, day_rules, path_text, shell_word, zone_phrase};
use crate::schedule::Schedule;
use crate::zone::Zone;

use super::ExportError;

/// A crontab with one entry per schedule (sometimes more: see the module docs), each running
/// `TEND schedule run NAME --project PROJECT`.
pub fn crontab(schedules: &[Schedule], tend: &Path, project: &Path) -> Result<String, ExportError> {
    let tend = path_text("tend binary", tend)?;
    let project = path_text("project", project)?;
    let mut out = String::new();
    out.push_str(
        "# tend schedules, written by `tend schedule export --format crontab`.\n\
         # Change the schedules in the policy file and export again rather than editing here.\n\
         # Install with `crontab -l | cat - FILE | crontab -` (or `crontab FILE` to replace).\n\
         # Each entry runs one schedule's job once; `tend schedule run` records the run and\n\
         # sends its notifications.\n",
    );
    if schedules
        .iter()
        .any(|schedule| !matches!(schedule.timezone, Zone::Local(_)))
    {
        out.push_str(
            "# cron reads the times in the machine's time zone. Each entry says the zone its times\n\
             # are meant in: where that is not the machine's, run cron in that zone or, with cronie,\n\
             # put `CRON_TZ=ZONE` above the entry (Vixie and Debian cron ignore CRON_TZ).\n",
        );
    }
    for schedule in schedules {
        out.push('\n');
        let _ = writeln!(
            out,
            "# {}: `{}` at `{}` ({})",
            schedule.name,
            schedule.job,
            schedule.cron,
            zone_phrase(schedule)
        );
        let command = format!(
            "{} schedule run {} --project {}",
            shell_word(tend),
            schedule.name,
            shell_word(project)
        );
        let parts = schedule.cron.parts();
        if parts.has_nth() {
            out.push_str(
                "# cron has no nth weekday: the entry runs on that week's days of the month and the\n\
                 # command checks the weekday (date +%u: Monday 1 ... Sunday 7).\n",
            );
        }
        let minute = parts.field_text(CronField::Minute);
        let hour = parts.field_text(CronField::Hour);
        for (fields, weekday) in entries(schedule, &minute, &hour)? {
            let guard = weekday
                .map(|weekday| {
                    // date +%u: Monday 1 ... Sunday 7.
                    let day = if weekday == 0 { 7 } else { weekday };
                    format!("[ \"$(date +%u)\" = {day} ] && ")
                })
                .unwrap_or_default();
            // `%` ends a crontab command unless escaped, even inside quotes.
            let line = format!("{guard}{command}").replace('%', r"\%");
            let _ = writeln!(out, "{fields} {line}");
        }
    }
    Ok(out)
}

/// The five fields of each line a schedule needs, given its minute and hour fields, with the
/// weekday the command must check (Sunday 0) when cron cannot.
pub(super) fn entries(
    schedule: &Schedule,
    minute: &str,
    hour: &str,
) -> Result<Vec<(String, Option<u8>)>, ExportError> {
    let parts = schedule.cron.parts();
    let month = parts.field_text(CronField::Month);
    if !parts.has_nth() {
        let fields = [
            minute.to_owned(),
            hour.to_owned(),
            parts.field_text(CronField::DayOfMonth),
            month,
            parts.field_text(CronField::DayOfWeek),
        ];
        return Ok(vec![(fields.join(" "), None)]);
    }
    let mut entries = Vec::new();
    for rule in day_rules(schedule, &parts)? {
        let line =
            |days: &str, weekdays: &str| format!("{minute} {hour} {days} {month} {weekdays}");
        match rule {
            DayRule {
                weekdays: None,
                days: None,
            } => entries.push((line("*", "*"), None)),
            DayRule {
                weekdays: None,
                days: Some(days),
            } => entries.push((line(&compact(&days, "-", 0), "*"), None)),
            DayRule {
                weekdays: Some(weekdays),
                days: None,
            } => entries.push((line("*", &compact(&weekdays, "-", 0)), None)),
            // Both restrict: cron would read them as "either", so the weekday is tested in the
            // command, one line per weekday.
            DayRule {
                weekdays: Some(weekdays),
                days: Some(days),
            } => {
                for weekday in weekdays {
                    entries.push((line(&compact(&days, "-", 0), "*"), Some(weekday)));
                }
            }
        }
    }
    Ok(entries)
}
