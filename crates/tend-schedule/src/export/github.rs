//! A GitHub Actions workflow: one job per schedule that makes sense in CI.
//!
//! `audit` and `scan` schedules upload the audit as SARIF to code scanning
//! (github/codeql-action/upload-sarif); `update` schedules run `tend update` and open a pull
//! request with the new pins (peter-evans/create-pull-request); `outdated` and `plan` write
//! their Markdown to the job summary. `db update` and `gc` keep a machine's database and history
//! and are left out. Each job runs when its own cron fires (`github.event.schedule`) or when
//! it is picked in a manual run.
//!
//! GitHub Actions reads cron in UTC only, so times are converted from the schedule's zone with
//! the offset it has at the export's reference instant; a zone with daylight saving time then
//! runs an hour off its local time for part of the year, which the workflow's header says.
//! Like crontab, Actions cron has no nth weekday: `SUN#1` runs on days 1-7 and the job's
//! first step checks the weekday.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use jiff::tz::Offset;

use crate::cron::{CronField, DayRule};
use crate::export::crontab::entries;
use crate::export::{compact, ExportError, ExportOptions};
use crate::job::Job;
use crate::schedule::Schedule;
use crate::zone::Zone;

/// The workflow file (`.github/workflows/tend.yml`).
pub fn github_workflow(
    schedules: &[Schedule],
    options: &ExportOptions,
) -> Result<String, ExportError> {
    let mut jobs = Vec::new();
    let mut left_out = Vec::new();
    for schedule in schedules {
        if matches!(schedule.job, Job::DbUpdate | Job::Gc) {
            left_out.push(format!("{} (`{}`)", schedule.name, schedule.job));
            continue;
        }
        let offset = schedule.timezone.time_zone().to_offset(options.reference);
        let entries = utc_entries(schedule, offset)?;
        jobs.push(CiJob {
            schedule,
            offset,
            entries,
        });
    }

    let mut out = String::new();
    out.push_str(
        "# Written by `tend schedule export --format github-actions` from the policy's schedules.\n\
         # Change the schedules in the policy file and export again rather than editing here.\n\
         # GitHub Actions reads cron in UTC: each time is converted from its schedule's zone\n",
    );
    let _ = writeln!(
        out,
        "# with the UTC offset the zone has at {}.",
        options.reference
    );
    let shifting: BTreeSet<String> = jobs
        .iter()
        .filter(|job| changes_offset(&job.schedule.timezone, options.reference))
        .map(|job| job.schedule.timezone.to_string())
        .collect();
    for zone in &shifting {
        let _ = writeln!(
            out,
            "# {zone} observes daylight saving time: for part of the year its jobs start an hour\n\
             # off their local time (export again at the change, or accept the hour)."
        );
    }
    for schedule in &left_out {
        let _ = writeln!(
            out,
            "# Not in CI, since it keeps a machine's advisory database or history: {schedule}."
        );
    }
    out.push_str("name: tend\non:\n  schedule:\n");
    let mut written = BTreeSet::new();
    for job in &jobs {
        let _ = writeln!(
            out,
            "    # {}: `{}` in {} (UTC{})",
            job.schedule.name,
            job.schedule.cron,
            zone_name(&job.schedule.timezone),
            offset_text(job.offset),
        );
        for cron in job.entries.keys() {
            if written.insert(cron.clone()) {
                let _ = writeln!(out, "    - cron: \"{cron}\"");
            }
        }
    }
    out.push_str(
        "  workflow_dispatch:\n    inputs:\n      schedule:\n        description: The schedule to run now\n        type: choice\n        options:\n",
    );
    for job in &jobs {
        let _ = writeln!(out, "          - {}", job.schedule.name);
    }
    out.push_str("permissions:\n  contents: read\njobs:\n");
    for (index, job) in jobs.iter().enumerate() {
        if index > 0 {
            out.push('\n');
        }
        write_job(&mut out, job, options);
    }
    Ok(out)
}

struct CiJob<'a> {
    schedule: &'a Schedule,
    offset: Offset,
    /// Each UTC cron line and the weekdays (`date +%u`, Monday 1) the job must check when it
    /// fires (`None`: none).
    entries: BTreeMap<String, Option<BTreeSet<u8>>>,
}

fn write_job(out: &mut String, job: &CiJob<'_>, options: &ExportOptions) {
    let name = &job.schedule.name;
    let condition = job
        .entries
        .keys()
        .map(|cron| format!("github.event.schedule == '{cron}'"))
        .chain([format!("inputs.schedule == '{name}'")])
        .collect::<Vec<_>>()
        .join(" || ");
    let _ = writeln!(out, "  {name}:");
    // CI proposes and never applies: the name says what runs here.
    let ci_job = match &job.schedule.job {
        Job::Update { phase, .. } => Job::Update {
            phase: phase.clone(),
            apply: false,
        },
        other => other.clone(),
    };
    let _ = writeln!(out, "    name: \"{name}: tend {ci_job}\"");
    let _ = writeln!(out, "    if: \"{condition}\"");
    out.push_str("    runs-on: ubuntu-latest\n");
    match job.schedule.job {
        Job::Update { .. } => {
            out.push_str("    permissions:\n      contents: write\n      pull-requests: write\n");
        }
        Job::Audit | Job::Scan => {
            out.push_str("    permissions:\n      contents: read\n      security-events: write\n");
        }
        _ => {}
    }
    let directory = options.repository_directory.trim_matches('/');
    if !directory.is_empty() {
        let _ = writeln!(
            out,
            "    defaults:\n      run:\n        working-directory: \"{directory}\""
        );
    }
    out.push_str("    steps:\n");
    let gated = job.entries.values().any(Option::is_some);
    let step_if = if gated {
        write_gate(out, job);
        "        if: steps.day.outputs.run == 'true'\n"
    } else {
        ""
    };
    let step = |out: &mut String, head: &str, body: &str| {
        out.push_str(head);
        out.push_str(step_if);
        out.push_str(body);
    };
    step(out, "      - uses: actions/checkout@v4\n", "");
    let install = indent(&options.install_command, 10);
    step(
        out,
        "      - name: Install tend\n",
        &format!("        run: |\n{install}"),
    );
    match &job.schedule.job {
        Job::Audit | Job::Scan => {
            step(
                out,
                "      - name: Sync the advisory database\n",
                "        run: tend db update\n",
            );
            step(
                out,
                "      - name: Audit\n        id: audit\n",
                "        # Findings exit 1; the report is uploaded first, then the job fails.\n\
                 \x20       continue-on-error: true\n\
                 \x20       run: tend audit --format sarif --output tend.sarif\n",
            );
            let upload_if = if gated {
                "        if: steps.day.outputs.run == 'true' && !cancelled()\n"
            } else {
                "        if: \"!cancelled()\"\n"
            };
            out.push_str("      - name: Upload to code scanning\n");
            out.push_str(upload_if);
            let _ = write!(
                out,
                "        uses: github/codeql-action/upload-sarif@v3\n        with:\n          sarif_file: {}tend.sarif\n          category: tend-{name}\n",
                if directory.is_empty() {
                    String::new()
                } else {
                    format!("{directory}/")
                },
            );
            if matches!(job.schedule.job, Job::Scan) {
                step(
                    out,
                    "      - name: Scan summary\n",
                    "        run: tend scan --format markdown >> \"$GITHUB_STEP_SUMMARY\"\n",
                );
            }
            out.push_str(
                "      - name: Fail when the audit found vulnerabilities\n        if: steps.audit.outcome == 'failure'\n        run: exit 1\n",
            );
        }
        Job::Outdated | Job::Plan => {
            step(
                out,
                &format!("      - name: tend {}\n", job.schedule.job),
                &format!(
                    "        run: tend {} --format markdown >> \"$GITHUB_STEP_SUMMARY\"\n",
                    job.schedule.job
                ),
            );
        }
        Job::Update { phase, apply } => {
            step(
                out,
                "      - uses: actions/setup-python@v5\n",
                "        with:\n          python-version: \"3.x\"\n",
            );
            step(
                out,
                "      - name: Create the project's environment\n",
                "        # Adjust to how the project installs; tend update tries the new pins in a\n\
                 \x20       # fresh virtualenv made from this one.\n\
                 \x20       run: |\n\
                 \x20         python -m venv .venv\n\
                 \x20         if [ -f requirements.txt ]; then .venv/bin/python -m pip install -r requirements.txt; fi\n",
            );
            let phase = phase
                .as_ref()
                .map(|phase| format!(" --phase {phase}"))
                .unwrap_or_default();
            let apply_note = if *apply {
                "        # The schedule applies to its machine's environment; in CI the new pins go\n\
                 \x20       # into a pull request instead.\n"
            } else {
                ""
            };
            step(
                out,
                "      - name: Update\n",
                &format!(
                    "{apply_note}        run: tend update{phase} --format markdown --output \"$RUNNER_TEMP/tend-update.md\"\n"
                ),
            );
            step(
                out,
                "      - name: Open a pull request\n",
                &format!(
                    "        uses: peter-evans/create-pull-request@v7\n        with:\n          branch: tend/{name}\n          title: \"tend update ({name})\"\n          commit-message: \"tend update: new pins from schedule {name}\"\n          body-path: ${{{{ runner.temp }}}}/tend-update.md\n          delete-branch: true\n"
                ),
            );
        }
        Job::DbUpdate | Job::Gc => {}
    }
}

/// The first step of a job whose cron runs on more days than the schedule (`SUN#1` as days
/// 1-7): it says whether today is one of the schedule's weekdays.
fn write_gate(out: &mut String, job: &CiJob<'_>) {
    out.push_str(
        "      - name: Check the weekday\n        id: day\n        env:\n          EVENT: ${{ github.event_name }}\n          SCHEDULE: ${{ github.event.schedule }}\n        run: |\n          run=true\n          if [ \"$EVENT\" = schedule ]; then\n            case \"$SCHEDULE\" in\n",
    );
    for (cron, weekdays) in &job.entries {
        if let Some(weekdays) = weekdays {
            let days = weekdays
                .iter()
                .map(u8::to_string)
                .collect::<Vec<_>>()
                .join("|");
            let _ = writeln!(
                out,
                "              \"{cron}\") case \"$(date -u +%u)\" in {days}) ;; *) run=false ;; esac ;;"
            );
        }
    }
    out.push_str(
        "            esac\n          fi\n          echo \"run=$run\" >> \"$GITHUB_OUTPUT\"\n",
    );
}

/// The schedule's cron lines in UTC, each with the weekdays to check (Monday 1 ... Sunday 7).
fn utc_entries(
    schedule: &Schedule,
    offset: Offset,
) -> Result<BTreeMap<String, Option<BTreeSet<u8>>>, ExportError> {
    let parts = schedule.cron.parts();
    let refuse = |reason: &str| ExportError::NotConvertibleToUtc {
        schedule: schedule.name.clone(),
        cron: schedule.cron.to_string(),
        reason: reason.to_owned(),
    };
    let seconds = offset.seconds();
    if seconds % 60 != 0 {
        return Err(refuse(
            "its zone's UTC offset is not a whole number of minutes",
        ));
    }
    let shift = -seconds / 60;
    let mut pairs = BTreeSet::new();
    let mut day_shifts = BTreeSet::new();
    for hour in parts.hours() {
        for minute in parts.minutes() {
            let local = i32::from(hour) * 60 + i32::from(minute);
            let utc = local + shift;
            day_shifts.insert(utc.div_euclid(1440));
            let utc = utc.rem_euclid(1440);
            // In range by construction: 0..1440 minutes.
            let hour = u8::try_from(utc / 60).unwrap_or(0);
            let minute = u8::try_from(utc % 60).unwrap_or(0);
            pairs.insert((hour, minute));
        }
    }
    let hours: BTreeSet<u8> = pairs.iter().map(|(hour, _)| *hour).collect();
    let minutes: BTreeSet<u8> = pairs.iter().map(|(_, minute)| *minute).collect();
    if hours.len() * minutes.len() != pairs.len() {
        return Err(refuse(
            "its times in UTC are not every hour at every minute of the lists, which one cron \
             line needs",
        ));
    }
    let every_day = parts.every_day() && parts.all_months();
    let day_shift = match day_shifts.iter().collect::<Vec<_>>().as_slice() {
        [single] => **single,
        _ if every_day => 0,
        _ => {
            return Err(refuse(
                "some of its times fall on the day before or after in UTC and others do not",
            ))
        }
    };
    let minute_text = if shift % 60 == 0 {
        parts.field_text(CronField::Minute)
    } else {
        compact(&minutes.into_iter().collect::<Vec<_>>(), "-", 0)
    };
    let hour_text = if hours.len() == 24 {
        "*".to_owned()
    } else {
        compact(&hours.into_iter().collect::<Vec<_>>(), "-", 0)
    };
    let mut result: BTreeMap<String, Option<BTreeSet<u8>>> = BTreeMap::new();
    let mut add = |cron: String, weekday: Option<u8>| {
        let weekday = weekday.map(|day| if day == 0 { 7 } else { day });
        match (result.get_mut(&cron), weekday) {
            (Some(Some(days)), Some(day)) => {
                days.insert(day);
            }
            (Some(slot), None) => *slot = None,
            (Some(None), Some(_)) => {}
            (None, day) => {
                result.insert(cron, day.map(|day| BTreeSet::from([day])));
            }
        }
    };
    if day_shift == 0 || every_day {
        for (fields, weekday) in entries(schedule, &minute_text, &hour_text)? {
            add(fields, weekday);
        }
        return Ok(result);
    }
    // The times move to the day before or after: only weekdays can move with them.
    if !parts.all_months() {
        return Err(refuse(
            "its times fall on another day in UTC and it names months, whose first and last \
             days would move",
        ));
    }
    for rule in super::day_rules(schedule, &parts)? {
        match rule {
            DayRule {
                weekdays: Some(weekdays),
                days: None,
            } => {
                let shifted: Vec<u8> = weekdays
                    .iter()
                    .map(|day| {
                        u8::try_from((i32::from(*day) + day_shift).rem_euclid(7)).unwrap_or(0)
                    })
                    .collect::<BTreeSet<u8>>()
                    .into_iter()
                    .collect();
                add(
                    format!(
                        "{minute_text} {hour_text} * * {}",
                        compact(&shifted, "-", 0)
                    ),
                    None,
                );
            }
            _ => {
                return Err(refuse(
                    "its times fall on another day in UTC and it names days of the month (or an \
                     nth weekday), which cannot move with them; give it a time that stays on \
                     the same day in UTC, or the zone UTC",
                ))
            }
        }
    }
    Ok(result)
}

fn changes_offset(zone: &Zone, reference: jiff::Timestamp) -> bool {
    let time_zone = zone.time_zone();
    let half_year = jiff::SignedDuration::from_hours(24 * 182);
    reference
        .checked_add(half_year)
        .is_ok_and(|later| time_zone.to_offset(later) != time_zone.to_offset(reference))
}

fn zone_name(zone: &Zone) -> String {
    match zone {
        Zone::Local(time_zone) => time_zone.iana_name().map_or_else(
            || "local time".to_owned(),
            |name| format!("local time ({name})"),
        ),
        zone => zone.to_string(),
    }
}

fn offset_text(offset: Offset) -> String {
    let seconds = offset.seconds();
    let sign = if seconds < 0 { '-' } else { '+' };
    let minutes = seconds.abs() / 60;
    format!("{sign}{:02}:{:02}", minutes / 60, minutes % 60)
}

fn indent(text: &str, width: usize) -> String {
    let pad = " ".repeat(width);
    text.lines().fold(String::new(), |mut out, line| {
        let _ = writeln!(out, "{pad}{line}");
        out
    })
}
