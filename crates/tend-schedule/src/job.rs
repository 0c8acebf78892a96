//! What a schedule runs: one tend command, read from the policy's job string and turned into
//! the argument vector `tend schedule run` executes.

use std::fmt;
use std::str::FromStr;

/// A job string that is not one tend can schedule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("expected {expected}, found `{found}`")]
pub struct JobError {
    /// What was expected, in words.
    pub expected: String,
    pub found: String,
}

const JOBS: &str =
    "one of `audit`, `outdated`, `plan`, `scan`, `update`, `update --phase CATEGORY`, \
                    `db update`, `gc`";

/// One tend command a schedule runs.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Job {
    Audit,
    Outdated,
    Plan,
    Scan,
    /// `tend update`: trial, gates, write-back. It touches the live environment only with
    /// `apply` (the schedule's `apply = true`): an unattended update that installs into
    /// production is a choice, never a default.
    Update {
        /// Only this category's phase.
        phase: Option<String>,
        apply: bool,
    },
    /// `tend db update`: sync the advisory database.
    DbUpdate,
    /// `tend gc`: remove old reports, logs and runs by the policy's retention.
    Gc,
}

impl Job {
    /// Reads a policy job string: `audit`, `outdated`, `plan`, `scan`, `update`,
    /// `update --phase CATEGORY`, `db update` or `gc`. Whether an update applies is the
    /// schedule's `apply` setting, not part of the string.
    pub fn parse(text: &str) -> Result<Job, JobError> {
        let words: Vec<&str> = text.split_whitespace().collect();
        let unknown = || JobError {
            expected: JOBS.to_owned(),
            found: text.trim().to_owned(),
        };
        match words.as_slice() {
            ["audit"] => Ok(Job::Audit),
            ["outdated"] => Ok(Job::Outdated),
            ["plan"] => Ok(Job::Plan),
            ["scan"] => Ok(Job::Scan),
            ["gc"] => Ok(Job::Gc),
            ["db", "update"] => Ok(Job::DbUpdate),
            ["update"] => Ok(Job::Update {
                phase: None,
                apply: false,
            }),
            ["update", "--phase", category] => Ok(Job::Update {
                phase: Some(check_category(category)?),
                apply: false,
            }),
            ["update", option] if option.starts_with("--phase=") => Ok(Job::Update {
                phase: Some(check_category(&option["--phase=".len()..])?),
                apply: false,
            }),
            ["update", "--phase"] => Err(JobError {
                expected: "a category name after `--phase`".to_owned(),
                found: text.trim().to_owned(),
            }),
            ["update", ..] => Err(JobError {
                expected: "`update` or `update --phase CATEGORY` (say `apply = true` on the \
                           schedule to apply)"
                    .to_owned(),
                found: text.trim().to_owned(),
            }),
            _ => Err(unknown()),
        }
    }

    /// The arguments after `tend` that run this job once.
    pub fn args(&self) -> Vec<String> {
        let words: Vec<&str> = match self {
            Job::Audit => vec!["audit"],
            Job::Outdated => vec!["outdated"],
            Job::Plan => vec!["plan"],
            Job::Scan => vec!["scan"],
            Job::DbUpdate => vec!["db", "update"],
            Job::Gc => vec!["gc"],
            Job::Update { phase, apply } => {
                let mut args = vec!["update".to_owned()];
                if let Some(phase) = phase {
                    args.push("--phase".to_owned());
                    args.push(phase.clone());
                }
                if *apply {
                    args.push("--apply".to_owned());
                }
                return args;
            }
        };
        words.into_iter().map(str::to_owned).collect()
    }
}

fn check_category(category: &str) -> Result<String, JobError> {
    if category.is_empty() || category.starts_with('-') {
        return Err(JobError {
            expected: "a category name after `--phase`".to_owned(),
            found: category.to_owned(),
        });
    }
    Ok(category.to_owned())
}

impl FromStr for Job {
    type Err = JobError;

    fn from_str(text: &str) -> Result<Job, JobError> {
        Job::parse(text)
    }
}

impl fmt::Display for Job {
    /// The job as a policy file writes it (`update --phase critical`); `--apply` is shown too,
    /// so a listing says what will run.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.args().join(" "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_strings_parse_into_jobs_and_back_into_args() {
        let cases: [(&str, &[&str]); 8] = [
            ("audit", &["audit"]),
            ("outdated", &["outdated"]),
            ("plan", &["plan"]),
            ("scan", &["scan"]),
            ("update", &["update"]),
            (
                "update --phase critical",
                &["update", "--phase", "critical"],
            ),
            ("db  update", &["db", "update"]),
            ("gc", &["gc"]),
        ];
        for (text, args) in cases {
            let job = Job::parse(text).unwrap();
            assert_eq!(job.args(), args, "{text}");
        }
        assert_eq!(
            Job::parse("update --phase=high").unwrap(),
            Job::Update {
                phase: Some("high".to_owned()),
                apply: false
            }
        );
    }

    #[test]
    fn scheduled_update_applies_only_when_asked() {
        let job = Job::Update {
            phase: Some("critical".to_owned()),
            apply: true,
        };
        assert_eq!(job.args(), ["update", "--phase", "critical", "--apply"]);
        assert_eq!(job.to_string(), "update --phase critical --apply");
        assert!(!Job::parse("update")
            .unwrap()
            .args()
            .contains(&"--apply".to_owned()));
    }

    #[test]
    fn unknown_jobs_say_what_was_expected() {
        insta::assert_snapshot!(Job::parse("deploy").unwrap_err(), @"expected one of `audit`, `outdated`, `plan`, `scan`, `update`, `update --phase CATEGORY`, `db update`, `gc`, found `deploy`");
        insta::assert_snapshot!(Job::parse("update --apply").unwrap_err(), @"expected `update` or `update --phase CATEGORY` (say `apply = true` on the schedule to apply), found `update --apply`");
        insta::assert_snapshot!(Job::parse("update --phase").unwrap_err(), @"expected a category name after `--phase`, found `update --phase`");
        assert!(Job::parse("").is_err());
    }
}
