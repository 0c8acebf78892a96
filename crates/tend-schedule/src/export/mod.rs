//! `tend schedule export`: the same schedules written for the scheduler a team already runs.
//! One module per format; each returns the files' text and writes nothing.
//!
//! crontab lines and systemd units run `tend schedule run NAME --project DIR` with the absolute
//! tend binary, so the run is recorded and its notifications sent exactly as under
//! `tend daemon`. The GitHub Actions workflow runs tend's commands in a job of its own (there is
//! no history store in CI), and the Dependabot config only borrows the update schedule's
//! interval.

mod crontab;
mod dependabot;
mod github;
mod systemd;

use std::fmt;
use std::path::{Path, PathBuf};

use jiff::Timestamp;

use crate::cron::{CronParts, DayRule};
use crate::schedule::{Schedule, ScheduleName};

pub use crontab::crontab;
pub use dependabot::dependabot;
pub use github::github_workflow;
pub use systemd::{systemd_daemon_unit, systemd_units};

/// The formats of `tend schedule export`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ExportFormat {
    Crontab,
    Systemd,
    GithubActions,
    Dependabot,
}

impl fmt::Display for ExportFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ExportFormat::Crontab => "crontab",
            ExportFormat::Systemd => "systemd",
            ExportFormat::GithubActions => "github-actions",
            ExportFormat::Dependabot => "dependabot",
        })
    }
}

/// Where and how the exported schedules run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportOptions {
    /// The tend binary, absolute (crontab and systemd run it directly).
    pub tend: PathBuf,
    /// The project directory, absolute (crontab and systemd).
    pub project: PathBuf,
    /// The instant whose UTC offsets convert zone times into the UTC-only schedules of GitHub
    /// Actions (normally the time of the export).
    pub reference: Timestamp,
    /// The shell command that puts `tend` on the PATH of a GitHub Actions runner.
    pub install_command: String,
    /// The project's directory inside the repository, as Dependabot writes it (`/` for the
    /// root).
    pub repository_directory: String,
}

/// One exported file: where it usually goes (relative) and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportFile {
    /// `tend.crontab`, `tend-<name>.timer`, `.github/workflows/tend.yml`, ...
    pub name: String,
    pub contents: String,
}

/// The schedules could not be exported in the format asked for.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExportError {
    #[error("the {what} path `{}` must be absolute", path.display())]
    RelativePath { what: &'static str, path: PathBuf },
    #[error("the {what} path `{}` cannot be written into a crontab or unit file (it is not UTF-8 or holds a line break)", path.display())]
    UnsupportedPath { what: &'static str, path: PathBuf },
    #[error("schedule `{schedule}` (`{cron}`) cannot be written as a UTC schedule for GitHub Actions: {reason}")]
    NotConvertibleToUtc {
        schedule: ScheduleName,
        cron: String,
        reason: String,
    },
    #[error("schedule `{schedule}` (`{cron}`) matches no day, so there is nothing to export")]
    NoDays {
        schedule: ScheduleName,
        cron: String,
    },
    #[error("no schedule runs `update`: Dependabot takes its interval from the update schedule")]
    NoUpdateSchedule,
}

/// Every file of one format.
pub fn export(
    format: ExportFormat,
    schedules: &[Schedule],
    options: &ExportOptions,
) -> Result<Vec<ExportFile>, ExportError> {
    Ok(match format {
        ExportFormat::Crontab => vec![ExportFile {
            name: "tend.crontab".to_owned(),
            contents: crontab(schedules, &options.tend, &options.project)?,
        }],
        ExportFormat::Systemd => {
            let mut files = systemd_units(schedules, &options.tend, &options.project)?;
            files.push(systemd_daemon_unit(&options.tend, &options.project)?);
            files
        }
        ExportFormat::GithubActions => vec![ExportFile {
            name: ".github/workflows/tend.yml".to_owned(),
            contents: github_workflow(schedules, options)?,
        }],
        ExportFormat::Dependabot => vec![ExportFile {
            name: ".github/dependabot.yml".to_owned(),
            contents: dependabot(schedules, &options.repository_directory)?,
        }],
    })
}

/// A path as text for a crontab line or a unit: absolute, UTF-8, on one line.
fn path_text<'a>(what: &'static str, path: &'a Path) -> Result<&'a str, ExportError> {
    if !path.is_absolute() {
        return Err(ExportError::RelativePath {
            what,
            path: path.to_owned(),
        });
    }
    path.to_str()
        .filter(|text| !text.contains(['\n', '\r']))
        .ok_or_else(|| ExportError::UnsupportedPath {
            what,
            path: path.to_owned(),
        })
}

/// A word for a POSIX shell: unquoted when it is plain, in single quotes otherwise.
fn shell_word(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|ch| ch.is_ascii_alphanumeric() || "_-./:=@+,".contains(ch));
    if plain {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// Values as a compact list: runs of three or more as ranges (`1-7`, or `01..07` for systemd).
fn compact(values: &[u8], separator: &str, width: usize) -> String {
    let mut parts = Vec::new();
    let mut index = 0;
    while index < values.len() {
        let start = values[index];
        let mut end_index = index;
        while end_index + 1 < values.len() && values[end_index + 1] == values[end_index] + 1 {
            end_index += 1;
        }
        let end = values[end_index];
        if end_index - index >= 2 {
            parts.push(format!("{start:0width$}{separator}{end:0width$}"));
            index = end_index + 1;
        } else {
            parts.push(format!("{start:0width$}"));
            index += 1;
        }
    }
    parts.join(",")
}

/// The day rules of a schedule, refusing one that matches no day.
fn day_rules(schedule: &Schedule, parts: &CronParts<'_>) -> Result<Vec<DayRule>, ExportError> {
    let rules = parts.rules();
    if rules.is_empty() {
        return Err(ExportError::NoDays {
            schedule: schedule.name.clone(),
            cron: schedule.cron.to_string(),
        });
    }
    Ok(rules)
}

/// What a schedule's time zone means, for a comment.
fn zone_phrase(schedule: &Schedule) -> String {
    match &schedule.timezone {
        crate::Zone::Local(_) => "the machine's local time".to_owned(),
        zone => zone.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_words_are_quoted_only_when_needed() {
        assert_eq!(shell_word("/usr/local/bin/tend"), "/usr/local/bin/tend");
        assert_eq!(shell_word("/srv/my app"), "'/srv/my app'");
        assert_eq!(shell_word("/srv/it's"), r"'/srv/it'\''s'");
        assert_eq!(shell_word(""), "''");
    }

    #[test]
    fn values_compact_into_ranges() {
        assert_eq!(compact(&[1, 2, 3, 4, 5, 6, 7], "-", 0), "1-7");
        assert_eq!(compact(&[0, 15, 30, 45], "-", 0), "0,15,30,45");
        assert_eq!(compact(&[1, 2, 5, 6, 7], "..", 2), "01,02,05..07");
    }
}
