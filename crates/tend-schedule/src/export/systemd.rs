//! systemd units: per schedule a oneshot `tend-<name>.service` and a `tend-<name>.timer`, and
//! the long-running `tend-daemon.service` as the alternative to the timers.
//!
//! `OnCalendar=` is built from the expression's values, one line per day rule (systemd combines
//! a weekday and a day of the month with "and", and several `OnCalendar=` lines with "or", so
//! every cron expression fits), with the zone as a suffix. `Persistent=true` catches a missed
//! run up once, as `tend daemon` does.

use std::fmt::Write as _;
use std::path::Path;

use crate::cron::DayRule;
use crate::export::{compact, day_rules, path_text, ExportError, ExportFile};
use crate::schedule::Schedule;
use crate::zone::Zone;

const WEEKDAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

/// How long systemd waits for tend to stop before killing it. An update that has started
/// installing finishes or rolls back on SIGTERM; that takes as long as its gates, so the limit is
/// generous rather than cutting it in half.
const STOP_TIMEOUT: &str = "2h";

/// A service and a timer for every schedule, in schedule order.
pub fn systemd_units(
    schedules: &[Schedule],
    tend: &Path,
    project: &Path,
) -> Result<Vec<ExportFile>, ExportError> {
    let tend = path_text("tend binary", tend)?;
    let project = path_text("project", project)?;
    let mut files = Vec::new();
    for schedule in schedules {
        let unit = format!("tend-{}", schedule.name);
        let service = format!(
            "# Written by `tend schedule export --format systemd`: schedule `{name}` runs `tend {job}`.\n\
             # Started by {unit}.timer; runs the job once, records it and sends its notifications.\n\
             [Unit]\n\
             Description=tend schedule {name}: tend {job}\n\
             Wants=network-online.target\n\
             After=network-online.target\n\
             \n\
             [Service]\n\
             Type=oneshot\n\
             ExecStart={tend} schedule run {name} --project {project}\n\
             WorkingDirectory={directory}\n\
             # SIGTERM goes to tend alone: it finishes or rolls back a running update, then exits;\n\
             # what is left of its processes is killed after that.\n\
             KillMode=mixed\n\
             TimeoutStopSec={STOP_TIMEOUT}\n",
            name = schedule.name,
            job = schedule.job,
            tend = exec_word(tend),
            project = exec_word(project),
            directory = project.replace('%', "%%"),
        );
        let mut timer = format!(
            "# Written by `tend schedule export --format systemd`: when schedule `{name}` runs.\n\
             # cron: `{cron}` ({zone})\n\
             [Unit]\n\
             Description=tend schedule {name} ({cron})\n\
             \n\
             [Timer]\n",
            name = schedule.name,
            cron = schedule.cron,
            zone = super::zone_phrase(schedule),
        );
        for calendar in on_calendar(schedule)? {
            let _ = writeln!(timer, "OnCalendar={calendar}");
        }
        let _ = write!(
            timer,
            "# A run missed while the machine was off starts once when it is back.\n\
             Persistent=true\n\
             Unit={unit}.service\n\
             \n\
             [Install]\n\
             WantedBy=timers.target\n"
        );
        files.push(ExportFile {
            name: format!("{unit}.service"),
            contents: service,
        });
        files.push(ExportFile {
            name: format!("{unit}.timer"),
            contents: timer,
        });
    }
    Ok(files)
}

/// `tend-daemon.service`: `tend daemon` runs every schedule itself. Use it or the timers, not
/// both.
pub fn systemd_daemon_unit(tend: &Path, project: &Path) -> Result<ExportFile, ExportError> {
    let tend = path_text("tend binary", tend)?;
    let project = path_text("project", project)?;
    let contents = format!(
        "# Written by `tend schedule export --format systemd`: the alternative to the timers.\n\
         # `tend daemon` runs every schedule of the policy, records the runs and catches up a run\n\
         # missed while it was down. Enable this or the tend-*.timer units, not both.\n\
         [Unit]\n\
         Description=tend daemon: the policy's schedules\n\
         Wants=network-online.target\n\
         After=network-online.target\n\
         \n\
         [Service]\n\
         Type=simple\n\
         ExecStart={tend} daemon --project {project}\n\
         WorkingDirectory={directory}\n\
         Restart=on-failure\n\
         RestartSec=30s\n\
         # SIGTERM reaches tend alone: a running update is finished or rolled back, never cut in\n\
         # half, before tend exits; only after {STOP_TIMEOUT} is the rest killed.\n\
         KillMode=mixed\n\
         TimeoutStopSec={STOP_TIMEOUT}\n\
         \n\
         [Install]\n\
         WantedBy=multi-user.target\n",
        tend = exec_word(tend),
        project = exec_word(project),
        directory = project.replace('%', "%%"),
    );
    Ok(ExportFile {
        name: "tend-daemon.service".to_owned(),
        contents,
    })
}

/// The `OnCalendar=` values of a schedule: one per day rule.
pub(crate) fn on_calendar(schedule: &Schedule) -> Result<Vec<String>, ExportError> {
    let parts = schedule.cron.parts();
    let hours = if parts.hour_star() {
        "*".to_owned()
    } else {
        compact(&parts.hours(), "..", 2)
    };
    let minutes = if parts.minute_star() {
        "*".to_owned()
    } else {
        compact(&parts.minutes(), "..", 2)
    };
    let months = if parts.all_months() {
        "*".to_owned()
    } else {
        compact(&parts.months(), "..", 2)
    };
    let zone = match &schedule.timezone {
        Zone::Local(_) => String::new(),
        zone => format!(" {zone}"),
    };
    let mut lines = Vec::new();
    for DayRule { weekdays, days } in day_rules(schedule, &parts)? {
        let weekdays = weekdays
            .map(|weekdays| format!("{} ", weekday_list(&weekdays)))
            .unwrap_or_default();
        let days = days.map_or_else(|| "*".to_owned(), |days| compact(&days, "..", 2));
        lines.push(format!(
            "{weekdays}*-{months}-{days} {hours}:{minutes}:00{zone}"
        ));
    }
    Ok(lines)
}

/// Weekdays by name, Monday first as systemd writes them, runs as ranges (`Mon..Fri`).
fn weekday_list(weekdays: &[u8]) -> String {
    // Monday-first order, so that `5-7` (Fri, Sat, Sun) becomes `Fri..Sun`.
    let mut monday_first: Vec<u8> = weekdays.iter().map(|day| (day + 6) % 7).collect();
    monday_first.sort_unstable();
    let ranges = compact(&monday_first, "..", 0);
    ranges
        .split(',')
        .map(|part| {
            part.split("..")
                .map(|index| {
                    let index: usize = index.parse().unwrap_or(0);
                    WEEKDAYS[(index + 1) % 7]
                })
                .collect::<Vec<_>>()
                .join("..")
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// A word of `ExecStart=`: `%` and `$` doubled (specifiers and variables), in double quotes
/// when it holds a space or a quote.
fn exec_word(word: &str) -> String {
    let escaped = word.replace('%', "%%").replace('$', "$$");
    if escaped.contains(|ch: char| ch.is_whitespace() || "\"'\\;".contains(ch)) {
        format!("\"{}\"", escaped.replace('\\', r"\\").replace('"', "\\\""))
    } else {
        escaped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weekdays_are_named_monday_first() {
        assert_eq!(weekday_list(&[0]), "Sun");
        assert_eq!(weekday_list(&[1, 2, 3, 4, 5]), "Mon..Fri");
        assert_eq!(weekday_list(&[0, 5, 6]), "Fri..Sun");
        assert_eq!(weekday_list(&[0, 1]), "Mon,Sun");
    }

    #[test]
    fn exec_words_escape_specifiers_and_quote_spaces() {
        assert_eq!(exec_word("/usr/bin/tend"), "/usr/bin/tend");
        assert_eq!(exec_word("/srv/100%"), "/srv/100%%");
        assert_eq!(exec_word("/srv/my app"), "\"/srv/my app\"");
        assert_eq!(exec_word("/srv/$HOME"), "/srv/$$HOME");
    }
}
