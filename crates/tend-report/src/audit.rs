//! The audit report in every format: a table for people, versioned JSON for machines and
//! Markdown for tickets. This module owns what the three share: the order findings are shown
//! in, the counts and the one-line summary, and the wording of severities, fixes, origins and
//! reasons, so that the formats always agree.

mod json;
mod markdown;
mod table;

use std::cmp::Reverse;
use std::fmt::Write as _;

use serde::Serialize;
use tend_model::jiff::{civil::Date, Timestamp};
use tend_model::{
    AdvisorySeverity, AdvisorySourceKind, AuditReport, Code, Finding, Fix, IgnoreRuleRef,
    MatchKind, NotAuditedReason, SeverityRating, TargetOrigin,
};

use crate::text::counted;
use crate::words::{minute, one_line, place, truncate};
use crate::DisplayOptions;

pub use json::{audit_json, audit_json_text};
pub use markdown::audit_markdown;
pub use table::audit_table;

const SECONDS_PER_DAY: i64 = 86_400;

/// Findings per severity rating, every rating present (zero when none).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct RatingCounts {
    pub critical: usize,
    pub high: usize,
    pub medium: usize,
    pub low: usize,
    pub unknown: usize,
}

impl RatingCounts {
    fn add(&mut self, rating: SeverityRating) {
        match rating {
            SeverityRating::Critical => self.critical += 1,
            SeverityRating::High => self.high += 1,
            SeverityRating::Medium => self.medium += 1,
            SeverityRating::Low => self.low += 1,
            SeverityRating::Unknown => self.unknown += 1,
        }
    }

    /// Most severe first, as the summary line lists them.
    fn by_severity(&self) -> [(SeverityRating, usize); 5] {
        [
            (SeverityRating::Critical, self.critical),
            (SeverityRating::High, self.high),
            (SeverityRating::Medium, self.medium),
            (SeverityRating::Low, self.low),
            (SeverityRating::Unknown, self.unknown),
        ]
    }
}

/// The counts behind an audit report, and the sentence every format ends (or starts) with.
///
/// Computed from the report and the time it is rendered at, so that the database's age is
/// reproducible in tests.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditSummary {
    /// Package versions checked against the advisories.
    pub audited_packages: usize,
    /// Audited package versions with at least one finding (ignored ones excluded).
    pub vulnerable_packages: usize,
    /// Findings shown (ignored ones excluded).
    pub findings: usize,
    pub by_rating: RatingCounts,
    /// The most severe rating among the findings; `None` when there are none.
    pub highest: Option<SeverityRating>,
    pub not_audited_packages: usize,
    /// Findings hidden by an ignore rule still in force.
    pub ignored_findings: usize,
    /// Findings shown again because the ignore rule that hid them has expired.
    pub expired_ignores: usize,
    pub sources: usize,
    /// The newest `modified` time of any record of any source.
    pub database_newest_modified: Option<Timestamp>,
    /// Seconds from the newest record to `now`; 0 when the record is dated after `now`.
    pub database_age_seconds: Option<i64>,
    /// Whole days from the newest record to `now`.
    pub database_age_days: Option<i64>,
    /// A `stale-database` diagnostic was raised.
    pub stale_database: bool,
    /// The one-line summary for people.
    pub message: String,
}

impl AuditSummary {
    pub fn new(report: &AuditReport, now: Timestamp) -> Self {
        let mut by_rating = RatingCounts::default();
        let mut expired_ignores = 0;
        for finding in report
            .vulnerable
            .iter()
            .flat_map(|package| &package.findings)
        {
            by_rating.add(finding.severity.rating);
            if finding.expired_ignore.is_some() {
                expired_ignores += 1;
            }
        }
        let newest = report.newest_modified();
        let age_seconds = newest.map(|newest| now.duration_since(newest).as_secs().max(0));
        let mut summary = Self {
            audited_packages: report.audited,
            vulnerable_packages: report
                .vulnerable
                .iter()
                .filter(|package| !package.findings.is_empty())
                .count(),
            findings: report.finding_count(),
            by_rating,
            highest: report
                .vulnerable
                .iter()
                .flat_map(|package| &package.findings)
                .map(|finding| finding.severity.rating)
                .max(),
            not_audited_packages: report.not_audited.len(),
            ignored_findings: report.ignored.len(),
            expired_ignores,
            sources: report.sources.len(),
            database_newest_modified: newest,
            database_age_seconds: age_seconds,
            database_age_days: age_seconds.map(|seconds| seconds / SECONDS_PER_DAY),
            stale_database: report
                .diagnostics
                .iter()
                .any(|diagnostic| diagnostic.code == Code::StaleDatabase),
            message: String::new(),
        };
        summary.message = summary.sentence();
        summary
    }

    /// "3 vulnerabilities (1 critical, 2 high) in 2 of 41 packages; 1 not audited; 1 ignored".
    ///
    /// The all-clear wording is used only when every package was audited against at least one
    /// source: pip-audit says "No known vulnerabilities found" after skipping every package,
    /// and a reader of this line must never be told that about packages nobody looked at.
    fn sentence(&self) -> String {
        let mut not_audited_said = false;
        let mut text = if self.findings > 0 {
            let ratings: Vec<String> = self
                .by_rating
                .by_severity()
                .into_iter()
                .filter(|(_, count)| *count > 0)
                .map(|(rating, count)| format!("{count} {rating}"))
                .collect();
            format!(
                "{} ({}) in {} of {}",
                vulnerabilities(self.findings),
                ratings.join(", "),
                self.vulnerable_packages,
                counted(self.audited_packages, "package")
            )
        } else if self.audited_packages == 0 && self.not_audited_packages == 0 {
            "No packages to audit".to_string()
        } else if self.audited_packages == 0 {
            not_audited_said = true;
            format!(
                "Nothing audited: {} not audited",
                counted(self.not_audited_packages, "package")
            )
        } else if self.sources == 0 {
            format!(
                "No advisory sources: {} checked against no advisories",
                counted(self.audited_packages, "package")
            )
        } else if self.not_audited_packages > 0 {
            not_audited_said = true;
            format!(
                "{} not audited; no known vulnerabilities in the other {}",
                counted(self.not_audited_packages, "package"),
                self.audited_packages
            )
        } else {
            format!(
                "No known vulnerabilities in {}",
                counted(self.audited_packages, "audited package")
            )
        };
        if self.not_audited_packages > 0 && !not_audited_said {
            let _ = write!(text, "; {} not audited", self.not_audited_packages);
        }
        if self.ignored_findings > 0 {
            let _ = write!(text, "; {} ignored", self.ignored_findings);
        }
        text
    }
}

/// `1 vulnerability`, `3 vulnerabilities`.
fn vulnerabilities(count: usize) -> String {
    if count == 1 {
        "1 vulnerability".to_string()
    } else {
        format!("{count} vulnerabilities")
    }
}

/// A copy of the report in the order every format shows it: packages by name and version,
/// findings most severe first, then the rest sorted, so output never depends on the order
/// the auditor happened to produce. Sources keep their configured order.
fn ordered(report: &AuditReport) -> AuditReport {
    let mut report = report.clone();
    report.vulnerable.sort_by(|a, b| a.target.cmp(&b.target));
    for package in &mut report.vulnerable {
        package.findings.sort_by(|a, b| {
            b.severity
                .rating
                .cmp(&a.severity.rating)
                .then_with(|| score(b).total_cmp(&score(a)))
                .then_with(|| a.id.cmp(&b.id))
        });
    }
    report.not_audited.sort();
    report.ignored.sort_by(|a, b| {
        a.target
            .cmp(&b.target)
            .then_with(|| a.finding.id.cmp(&b.finding.id))
    });
    report.diagnostics.sort_by(|a, b| {
        Reverse(a.severity)
            .cmp(&Reverse(b.severity))
            .then_with(|| a.cmp(b))
    });
    report
}

/// The score for ordering; findings without one sort after scored findings of the same rating.
fn score(finding: &Finding) -> f64 {
    finding.severity.score.unwrap_or(-1.0)
}

/// `high 7.5`, or `medium` when the advisory gave a rating but no vector.
fn severity_text(severity: &AdvisorySeverity) -> String {
    match severity.score {
        Some(score) => format!("{} {score:.1}", severity.rating),
        None => severity.rating.to_string(),
    }
}

fn fix_text(fix: &Fix) -> String {
    match fix {
        Fix::Version { version } => version.to_string(),
        Fix::None => "no fix".to_string(),
    }
}

/// Why a package was not audited, in words; `limit` shortens messages from online sources.
pub(crate) fn reason_text(reason: &NotAuditedReason, limit: Option<usize>) -> String {
    match reason {
        NotAuditedReason::Unpinned { specifier } if specifier.trim().is_empty() => {
            "unpinned, allows any version".to_string()
        }
        NotAuditedReason::Unpinned { specifier } => format!("unpinned, allows {specifier}"),
        NotAuditedReason::NoVersion => "no version (declared by URL or path)".to_string(),
        NotAuditedReason::InvalidVersion { version } => {
            format!("invalid version {version} (not PEP 440, listed by no advisory)")
        }
        NotAuditedReason::SourceUnreachable { message } => {
            let message = match limit {
                Some(limit) => truncate(message, limit),
                None => one_line(message),
            };
            format!("source unreachable: {message}")
        }
    }
}

/// When an ignore rule stops applying: a date, "until fixed", or "no expiry".
fn until_text(rule: &IgnoreRuleRef) -> String {
    match (rule.until, rule.until_fixed) {
        (Some(date), true) => format!("{date} or fixed"),
        (Some(date), false) => date.to_string(),
        (None, true) => "until fixed".to_string(),
        (None, false) => "no expiry".to_string(),
    }
}

/// Notes shown beside a finding: an expired ignore rule, a match made by text.
fn finding_notes(
    finding: &Finding,
    version: &tend_model::DistVersion,
    options: &DisplayOptions,
) -> Vec<String> {
    let mut notes = Vec::new();
    if let Some(rule) = &finding.expired_ignore {
        let mut note = match rule.until {
            Some(date) => format!("ignore rule expired {date}"),
            None => "ignore rule no longer applies".to_string(),
        };
        if let Some(location) = &rule.location {
            let _ = write!(note, " ({})", place(location, options));
        }
        notes.push(note);
    }
    if finding.matched_by == MatchKind::InvalidVersionList {
        notes.push(format!(
            "matched by text: {version} is not PEP 440, the advisory lists it"
        ));
    }
    notes
}

fn source_kind_text(kind: AdvisorySourceKind) -> &'static str {
    match kind {
        AdvisorySourceKind::Directory => "directory",
        AdvisorySourceKind::Zip => "zip archive",
        AdvisorySourceKind::File => "file",
        AdvisorySourceKind::Download => "download",
        AdvisorySourceKind::OsvApi => "OSV API",
        AdvisorySourceKind::PypiJson => "PyPI JSON",
    }
}

/// Local sources are paths and shown relative to the project; online ones are URLs.
fn source_is_path(kind: AdvisorySourceKind) -> bool {
    matches!(
        kind,
        AdvisorySourceKind::Directory
            | AdvisorySourceKind::Zip
            | AdvisorySourceKind::File
            | AdvisorySourceKind::Download
    )
}

/// Where an audited version came from: `installed`, `requirements.txt:4`, `resolved from …`.
fn origin_text(origin: &TargetOrigin, options: &DisplayOptions) -> String {
    match origin {
        TargetOrigin::Installed => "installed".to_string(),
        TargetOrigin::Declared { location } => place(location, options),
        TargetOrigin::Resolved { location } => {
            format!("resolved from {}", place(location, options))
        }
    }
}

/// `2025-05-28` in UTC.
fn date(timestamp: Timestamp) -> Date {
    timestamp
        .to_zoned_datetime(tend_model::jiff::tz::TimeZone::UTC)
        .date()
}

/// "Newest record 2025-05-28 06:00 UTC, 5 days old": how current the advisory data is.
fn age_text(summary: &AuditSummary) -> String {
    match (summary.database_newest_modified, summary.database_age_days) {
        (Some(newest), Some(days)) => {
            let age = if days == 0 {
                "less than a day old".to_string()
            } else {
                format!("{} old", counted(usize::try_from(days).unwrap_or(0), "day"))
            };
            format!("Newest record {}, {age}", minute(newest))
        }
        _ if summary.sources == 0 => "No advisory sources were read".to_string(),
        _ => "Newest record unknown: no record has a modified time".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_name_what_was_missing() {
        let unpinned = NotAuditedReason::Unpinned {
            specifier: ">=2".to_string(),
        };
        assert_eq!(reason_text(&unpinned, None), "unpinned, allows >=2");
        let any = NotAuditedReason::Unpinned {
            specifier: String::new(),
        };
        assert_eq!(reason_text(&any, None), "unpinned, allows any version");
        let invalid = NotAuditedReason::InvalidVersion {
            version: "1.0-custom_build".to_string(),
        };
        assert_eq!(
            reason_text(&invalid, None),
            "invalid version 1.0-custom_build (not PEP 440, listed by no advisory)"
        );
        let unreachable = NotAuditedReason::SourceUnreachable {
            message: "connection refused\nby 127.0.0.1:9".to_string(),
        };
        assert_eq!(
            reason_text(&unreachable, None),
            "source unreachable: connection refused by 127.0.0.1:9"
        );
        assert_eq!(
            reason_text(&unreachable, Some(12)),
            "source unreachable: connection…"
        );
        assert_eq!(
            reason_text(&NotAuditedReason::NoVersion, None),
            "no version (declared by URL or path)"
        );
    }

    #[test]
    fn until_says_when_a_rule_stops_applying() {
        let mut rule = IgnoreRuleRef {
            id: tend_model::AdvisoryId::new("CVE-2024-22195").unwrap(),
            reason: "not reachable".to_string(),
            owner: None,
            until: None,
            until_fixed: false,
            location: None,
        };
        assert_eq!(until_text(&rule), "no expiry");
        rule.until_fixed = true;
        assert_eq!(until_text(&rule), "until fixed");
        rule.until = Some(Date::constant(2025, 9, 30));
        assert_eq!(until_text(&rule), "2025-09-30 or fixed");
        rule.until_fixed = false;
        assert_eq!(until_text(&rule), "2025-09-30");
    }

    #[test]
    fn severity_shows_the_score_only_when_known() {
        let mut severity = AdvisorySeverity::unknown();
        assert_eq!(severity_text(&severity), "unknown");
        severity.rating = SeverityRating::High;
        severity.score = Some(7.5);
        assert_eq!(severity_text(&severity), "high 7.5");
        severity.score = Some(10.0);
        severity.rating = SeverityRating::Critical;
        assert_eq!(severity_text(&severity), "critical 10.0");
    }
}
