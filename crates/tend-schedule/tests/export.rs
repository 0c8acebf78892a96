//! The export formats on one canonical set of schedules: golden files for each, and proofs
//! that the text is what the consuming tool reads (YAML parsed back, units checked by
//! `systemd-analyze` when it is installed, crontab commands run by `sh`).

#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

use jiff::Timestamp;
use serde_norway::Value;
use tend_schedule::{
    crontab, default_schedules, dependabot, export, github_workflow, next_after,
    systemd_daemon_unit, systemd_units, Cron, ExportError, ExportFormat, ExportOptions, Job,
    Schedule, ScheduleName, Zone,
};

/// The seeds' defaults in Europe/Zurich, and a weekday update of the critical phase in
/// America/New_York that applies.
fn schedules() -> Vec<Schedule> {
    let mut schedules = default_schedules(&Zone::named("Europe/Zurich").unwrap());
    schedules.push(Schedule {
        name: ScheduleName::new("critical-updates").unwrap(),
        cron: Cron::parse("15 7 * * MON-FRI").unwrap(),
        timezone: Zone::named("America/New_York").unwrap(),
        job: Job::Update {
            phase: Some("critical".to_owned()),
            apply: true,
        },
        notify: vec!["ops".to_owned()],
    });
    schedules
}

fn options() -> ExportOptions {
    ExportOptions {
        tend: PathBuf::from("/usr/local/bin/tend"),
        // A space, so quoting is exercised.
        project: PathBuf::from("/srv/payments api"),
        reference: "2026-11-24T00:00:00Z".parse().unwrap(),
        install_command: "cargo install --locked --git https://example.invalid/tend tend-cli"
            .to_owned(),
        repository_directory: "/".to_owned(),
    }
}

#[test]
fn crontab_golden() {
    let options = options();
    let text = crontab(&schedules(), &options.tend, &options.project).unwrap();
    insta::assert_snapshot!(text);
}

#[test]
fn crontab_golden_local_zone() {
    let options = options();
    let schedules = default_schedules(&Zone::local(jiff::tz::TimeZone::UTC));
    let text = crontab(&schedules, &options.tend, &options.project).unwrap();
    insta::assert_snapshot!(text);
}

#[test]
fn systemd_golden() {
    let files = export(ExportFormat::Systemd, &schedules(), &options()).unwrap();
    let names: Vec<&str> = files.iter().map(|file| file.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "tend-database-sync.service",
            "tend-database-sync.timer",
            "tend-daily-audit.service",
            "tend-daily-audit.timer",
            "tend-weekly-security-check.service",
            "tend-weekly-security-check.timer",
            "tend-monthly-update.service",
            "tend-monthly-update.timer",
            "tend-weekly-cleanup.service",
            "tend-weekly-cleanup.timer",
            "tend-critical-updates.service",
            "tend-critical-updates.timer",
            "tend-daemon.service",
        ]
    );
    let mut all = String::new();
    for file in &files {
        all.push_str("=== ");
        all.push_str(&file.name);
        all.push_str(" ===\n");
        all.push_str(&file.contents);
    }
    insta::assert_snapshot!(all);
}

#[test]
fn github_actions_golden() {
    let text = github_workflow(&schedules(), &options()).unwrap();
    insta::assert_snapshot!(text);
}

#[test]
fn dependabot_golden() {
    let text = dependabot(&schedules(), "/").unwrap();
    insta::assert_snapshot!(text);
    // Only the monthly update: monthly, with the note that Dependabot runs on the 1st.
    let monthly = default_schedules(&Zone::named("Europe/Zurich").unwrap());
    insta::assert_snapshot!(
        "dependabot_monthly",
        dependabot(&monthly, "/services/payments").unwrap()
    );
}

#[test]
fn github_workflow_is_yaml_with_the_expected_keys() {
    let text = github_workflow(&schedules(), &options()).unwrap();
    let workflow: Value = serde_norway::from_str(&text).unwrap();
    let crons: Vec<&str> = workflow["on"]["schedule"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|entry| entry["cron"].as_str().unwrap())
        .collect();
    // 06:00 and 02:00 in Zurich (UTC+1 in November), days 1-7 for the first Sunday, 07:15 in
    // New York (UTC-5).
    assert_eq!(
        crons,
        ["0 5 * * *", "0 1 * * 1", "0 2 1-7 * *", "15 12 * * 1-5"]
    );
    let jobs = workflow["jobs"].as_mapping().unwrap();
    let names: Vec<&str> = jobs.keys().map(|key| key.as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "daily-audit",
            "weekly-security-check",
            "monthly-update",
            "critical-updates"
        ]
    );
    let uses = |job: &str| -> Vec<String> {
        workflow["jobs"][job]["steps"]
            .as_sequence()
            .unwrap()
            .iter()
            .filter_map(|step| step["uses"].as_str().map(str::to_owned))
            .collect()
    };
    assert!(uses("daily-audit").contains(&"github/codeql-action/upload-sarif@v3".to_owned()));
    assert!(uses("monthly-update").contains(&"peter-evans/create-pull-request@v7".to_owned()));
    assert_eq!(
        workflow["jobs"]["daily-audit"]["if"].as_str().unwrap(),
        "github.event.schedule == '0 5 * * *' || inputs.schedule == 'daily-audit'"
    );
    assert_eq!(
        workflow["jobs"]["monthly-update"]["permissions"]["pull-requests"].as_str(),
        Some("write")
    );
    let runs: Vec<&str> = workflow["jobs"]["critical-updates"]["steps"]
        .as_sequence()
        .unwrap()
        .iter()
        .filter_map(|step| step["run"].as_str())
        .collect();
    assert!(
        runs.iter()
            .any(|run| run.starts_with("tend update --phase critical --format markdown")),
        "{runs:?}"
    );
    assert!(
        !runs.iter().any(|run| run.contains("--apply")),
        "CI never applies"
    );
}

#[test]
fn dependabot_is_yaml_with_the_expected_keys() {
    let text = dependabot(&schedules(), "/").unwrap();
    let config: Value = serde_norway::from_str(&text).unwrap();
    assert_eq!(config["version"].as_u64(), Some(2));
    let update = &config["updates"][0];
    assert_eq!(update["package-ecosystem"].as_str(), Some("pip"));
    assert_eq!(update["directory"].as_str(), Some("/"));
    // The weekday critical updates are the most frequent update schedule, and Dependabot's
    // daily interval is Monday to Friday.
    assert_eq!(update["schedule"]["interval"].as_str(), Some("daily"));
    assert!(update["schedule"].get("day").is_none());
    assert_eq!(update["schedule"]["time"].as_str(), Some("07:15"));
    assert_eq!(
        update["schedule"]["timezone"].as_str(),
        Some("America/New_York")
    );

    let weekly = Schedule {
        name: ScheduleName::new("weekly-update").unwrap(),
        cron: Cron::parse("30 4 * * SAT").unwrap(),
        timezone: Zone::Utc,
        job: Job::Update {
            phase: None,
            apply: false,
        },
        notify: Vec::new(),
    };
    let config: Value = serde_norway::from_str(&dependabot(&[weekly], "/").unwrap()).unwrap();
    let schedule = &config["updates"][0]["schedule"];
    assert_eq!(schedule["interval"].as_str(), Some("weekly"));
    assert_eq!(schedule["day"].as_str(), Some("saturday"));
    assert_eq!(schedule["time"].as_str(), Some("04:30"));
    assert_eq!(schedule["timezone"].as_str(), Some("UTC"));
}

#[test]
fn dependabot_needs_an_update_schedule() {
    let audits: Vec<Schedule> = schedules()
        .into_iter()
        .filter(|schedule| !matches!(schedule.job, Job::Update { .. }))
        .collect();
    assert_eq!(dependabot(&audits, "/"), Err(ExportError::NoUpdateSchedule));
}

#[test]
fn github_refuses_a_first_sunday_that_moves_to_saturday_in_utc() {
    let schedule = Schedule {
        name: ScheduleName::new("early-update").unwrap(),
        cron: Cron::parse("30 0 * * SUN#1").unwrap(),
        timezone: Zone::named("Europe/Zurich").unwrap(),
        job: Job::Update {
            phase: None,
            apply: false,
        },
        notify: Vec::new(),
    };
    let error = github_workflow(&[schedule], &options()).unwrap_err();
    insta::assert_snapshot!(error, @"schedule `early-update` (`30 0 * * SUN#1`) cannot be written as a UTC schedule for GitHub Actions: its times fall on another day in UTC and it names days of the month (or an nth weekday), which cannot move with them; give it a time that stays on the same day in UTC, or the zone UTC");
}

#[test]
fn github_moves_weekdays_with_times_that_cross_midnight() {
    let schedule = |cron: &str, zone: &str| Schedule {
        name: ScheduleName::new("audit").unwrap(),
        cron: Cron::parse(cron).unwrap(),
        timezone: Zone::named(zone).unwrap(),
        job: Job::Audit,
        notify: Vec::new(),
    };
    let crons = |schedule: Schedule| -> Vec<String> {
        let text = github_workflow(&[schedule], &options()).unwrap();
        let workflow: Value = serde_norway::from_str(&text).unwrap();
        workflow["on"]["schedule"]
            .as_sequence()
            .unwrap()
            .iter()
            .map(|entry| entry["cron"].as_str().unwrap().to_owned())
            .collect()
    };
    // Monday 00:30 in Zurich is Sunday 23:30 UTC.
    assert_eq!(
        crons(schedule("30 0 * * MON", "Europe/Zurich")),
        ["30 23 * * 0"]
    );
    // Half-hour offsets move the minutes too.
    assert_eq!(crons(schedule("0 6 * * *", "Asia/Kolkata")), ["30 0 * * *"]);
    // Every hour stays every hour.
    assert_eq!(
        crons(schedule("*/20 * * * *", "Europe/Zurich")),
        ["*/20 * * * *"]
    );
    // UTC stays as written, in numbers.
    assert_eq!(crons(schedule("0 3 * * SUN#1", "UTC")), ["0 3 1-7 * *"]);
}

#[test]
fn relative_paths_are_refused() {
    let error = crontab(&schedules(), Path::new("tend"), Path::new("/srv/app")).unwrap_err();
    insta::assert_snapshot!(error, @"the tend binary path `tend` must be absolute");
    let error = systemd_daemon_unit(Path::new("/usr/bin/tend"), Path::new("app")).unwrap_err();
    insta::assert_snapshot!(error, @"the project path `app` must be absolute");
}

/// The crontab's commands, run by `sh` as cron would (after cron's `\%` unescaping), with a
/// fake `tend` that records its arguments and a fake `date` that says which weekday it is.
#[test]
fn crontab_commands_run_in_sh_and_check_the_weekday() {
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("bin");
    fs_err::create_dir(&bin).unwrap();
    let log = dir.path().join("calls.log");
    let tend = bin.join("tend");
    write_script(
        &tend,
        &format!(
            "#!/bin/sh\nfor arg in \"$@\"; do printf '[%s]' \"$arg\" >> '{}'; done\necho >> '{}'\n",
            log.display(),
            log.display()
        ),
    );
    let project = dir.path().join("my project");
    fs_err::create_dir(&project).unwrap();
    let text = crontab(&default_schedules(&Zone::Utc), &tend, &project).unwrap();
    let monthly = text
        .lines()
        .find(|line| line.contains("monthly-update") && !line.starts_with('#'))
        .unwrap();
    // Five fields, then the command.
    let command = monthly.splitn(6, ' ').nth(5).unwrap().replace(r"\%", "%");
    for (weekday, runs) in [("7", true), ("3", false)] {
        write_script(&bin.join("date"), &format!("#!/bin/sh\necho {weekday}\n"));
        let _ = fs_err::remove_file(&log);
        let path = format!(
            "{}:{}",
            bin.display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let status = Command::new("sh")
            .arg("-c")
            .arg(&command)
            .env("PATH", path)
            .status()
            .unwrap();
        let calls = fs_err::read_to_string(&log).unwrap_or_default();
        if runs {
            assert!(status.success());
            assert_eq!(
                calls,
                format!(
                    "[schedule][run][monthly-update][--project][{}]\n",
                    project.display()
                )
            );
        } else {
            assert_eq!(calls, "", "not the first Sunday: tend must not run");
        }
    }
}

/// `systemd-analyze verify` on the generated units, when systemd is installed.
#[test]
fn systemd_units_pass_systemd_analyze_verify() {
    if !has_systemd_analyze() {
        println!("note: systemd-analyze is not installed; the units were not verified");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    // verify checks that ExecStart's program exists and is executable.
    let tend = dir.path().join("tend");
    write_script(&tend, "#!/bin/sh\nexit 0\n");
    let project = dir.path().join("project dir");
    fs_err::create_dir(&project).unwrap();
    let mut files = systemd_units(&schedules(), &tend, &project).unwrap();
    files.push(systemd_daemon_unit(&tend, &project).unwrap());
    let units = dir.path().join("units");
    fs_err::create_dir(&units).unwrap();
    let mut paths = Vec::new();
    for file in &files {
        let path = units.join(&file.name);
        fs_err::write(&path, &file.contents).unwrap();
        paths.push(path);
    }
    let output = Command::new("systemd-analyze")
        .args(["verify", "--man=no"])
        .args(&paths)
        .env("SYSTEMD_LOG_LEVEL", "warning")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    // Warnings about the machine's own units (not ours) are not our concern; ours must have
    // none.
    let ours: Vec<&str> = stderr
        .lines()
        .filter(|line| line.contains("tend-"))
        .collect();
    assert!(
        output.status.success() && ours.is_empty(),
        "systemd-analyze verify failed ({}):\n{stderr}",
        output.status
    );
}

/// systemd computes the same run times from the exported `OnCalendar=` lines as tend does from
/// the cron expressions (away from DST changes, where the documented rules differ: see
/// docs/schedules.md).
#[test]
fn systemd_calendar_agrees_with_next_after() {
    if !has_systemd_analyze() {
        println!("note: systemd-analyze is not installed; calendars were not compared");
        return;
    }
    for zone in ["Europe/Zurich", "America/New_York"] {
        for schedule in default_schedules(&Zone::named(zone).unwrap()) {
            compare_with_systemd(&schedule, 12);
        }
    }
}

/// The same comparison for expressions that exercise the translation: the "either" rule of
/// the two day fields (two `OnCalendar=` lines), steps, weekday ranges through Sunday, months,
/// nth weekdays and macros. Times stay away from the DST hours, where the rules differ.
#[test]
fn systemd_calendar_agrees_with_next_after_on_tricky_expressions() {
    if !has_systemd_analyze() {
        println!("note: systemd-analyze is not installed; calendars were not compared");
        return;
    }
    let expressions = [
        "0 4 1 * MON",
        "*/20 9-17 * * MON-FRI",
        "0 12 */2 * SUN",
        "15 4 * JAN,JUL SUN#2",
        "0 12 29 2 *",
        "0 6 1-7 * 5-7",
        "@monthly",
        "45 22 * * FRI#5,TUE#1",
        "0 5 10-20/5 3-9 *",
    ];
    for zone in ["UTC", "America/New_York", "Europe/Zurich"] {
        for expression in expressions {
            let schedule = Schedule {
                name: ScheduleName::new("tricky").unwrap(),
                cron: Cron::parse(expression).unwrap(),
                timezone: Zone::named(zone).unwrap(),
                job: Job::Audit,
                notify: Vec::new(),
            };
            compare_with_systemd(&schedule, 25);
        }
    }
}

/// The first `iterations` elapses systemd computes for the schedule's timer, against
/// `next_after`, from 2026-11-24 00:00 UTC.
fn compare_with_systemd(schedule: &Schedule, iterations: usize) {
    let files = systemd_units(
        std::slice::from_ref(schedule),
        Path::new("/usr/bin/tend"),
        Path::new("/srv/app"),
    )
    .unwrap();
    let calendars: Vec<&str> = files[1]
        .contents
        .lines()
        .filter_map(|line| line.strip_prefix("OnCalendar="))
        .collect();
    let output = Command::new("systemd-analyze")
        .arg("calendar")
        .arg(format!("--iterations={iterations}"))
        .arg("--base-time=2026-11-24 00:00:00 UTC")
        .args(&calendars)
        .env("TZ", "UTC")
        .output()
        .unwrap();
    assert!(output.status.success(), "{calendars:?}: {output:?}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    // Every elapse of every OnCalendar line, merged: the timer fires at the earliest.
    let mut systemd: Vec<String> = stdout
        .lines()
        .filter_map(|line| {
            let label = line.trim_start();
            let (_, value) = line.split_once(": ")?;
            (label.starts_with("Next elapse") || label.starts_with("Iter."))
                .then(|| value.trim().to_owned())
        })
        .collect();
    // By date, not by the weekday name in front.
    systemd.sort_by(|a, b| a[4..].cmp(&b[4..]));
    systemd.dedup();
    systemd.truncate(iterations);
    let mut ours = Vec::new();
    let mut instant: Timestamp = "2026-11-24T00:00:00Z".parse().unwrap();
    for _ in 0..iterations {
        instant = next_after(schedule, instant).unwrap();
        ours.push(instant.strftime("%a %Y-%m-%d %H:%M:%S UTC").to_string());
    }
    assert_eq!(
        systemd, ours,
        "`{}` in {}: {calendars:?}",
        schedule.cron, schedule.timezone
    );
}

fn has_systemd_analyze() -> bool {
    Command::new("systemd-analyze")
        .arg("--version")
        .output()
        .is_ok_and(|output| output.status.success())
}

fn write_script(path: &Path, text: &str) {
    use std::os::unix::fs::PermissionsExt;
    fs_err::write(path, text).unwrap();
    fs_err::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}
