//! What a notification says: [`EventKind`] and [`Message`], and the capped list of lines every
//! channel shows.

use std::fmt;
use std::str::FromStr;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use tend_model::SeverityRating;

/// The most lines of facts a notification shows; longer lists end with "... and N more".
pub const MAX_LINES: usize = 10;
/// The most characters of one line shown; longer lines end with `…`. Ten such lines fit in
/// Slack's section and Discord's description with room for the link.
pub const MAX_LINE_CHARS: usize = 280;

/// What happened. Channels filter on it ([`Filter::events`](crate::Filter::events)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EventKind {
    /// New findings at or above a severity.
    Findings,
    /// Findings past their SLA deadline.
    Overdue,
    /// A plan waits for someone's approval. Named `approval` in the policy file.
    #[serde(rename = "approval")]
    ApprovalNeeded,
    UpdateSucceeded,
    /// An update ran, but some of its items were held back (a gate failed for them).
    UpdateHeldBack,
    UpdateFailed,
    /// An update was rolled back to its snapshot.
    Rollback,
    /// A scheduled run did not happen when it should have.
    MissedSchedule,
    /// `tend notify test`: passes every filter.
    Test,
}

impl EventKind {
    pub const ALL: &'static [Self] = &[
        Self::Findings,
        Self::Overdue,
        Self::ApprovalNeeded,
        Self::UpdateSucceeded,
        Self::UpdateHeldBack,
        Self::UpdateFailed,
        Self::Rollback,
        Self::MissedSchedule,
        Self::Test,
    ];

    /// The kebab-case name used in the policy file, the webhook body and `X-Tend-Event`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Findings => "findings",
            Self::Overdue => "overdue",
            Self::ApprovalNeeded => "approval",
            Self::UpdateSucceeded => "update-succeeded",
            Self::UpdateHeldBack => "update-held-back",
            Self::UpdateFailed => "update-failed",
            Self::Rollback => "rollback",
            Self::MissedSchedule => "missed-schedule",
            Self::Test => "test",
        }
    }

    /// A short heading for people ("New findings").
    pub fn label(self) -> &'static str {
        match self {
            Self::Findings => "New findings",
            Self::Overdue => "Overdue SLA items",
            Self::ApprovalNeeded => "Approval needed",
            Self::UpdateSucceeded => "Update succeeded",
            Self::UpdateHeldBack => "Update held back",
            Self::UpdateFailed => "Update failed",
            Self::Rollback => "Rollback",
            Self::MissedSchedule => "Missed schedule",
            Self::Test => "Test message",
        }
    }

    /// Whether the event reports something going wrong (colours in Discord and Teams).
    pub(crate) fn is_failure(self) -> bool {
        matches!(
            self,
            Self::UpdateFailed | Self::Rollback | Self::MissedSchedule | Self::Overdue
        )
    }
}

impl fmt::Display for EventKind {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// A name that is not one of [`EventKind::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown notification event `{0}`")]
pub struct UnknownEvent(pub String);

impl FromStr for EventKind {
    type Err = UnknownEvent;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .iter()
            .copied()
            .find(|event| event.as_str() == text)
            .ok_or_else(|| UnknownEvent(text.to_string()))
    }
}

/// One notification, the same for every channel; each channel renders it in its own format.
///
/// Keep it short: a title, a few `lines` of facts ("3 critical, 1 high",
/// "flask 2.2.3 -> 2.3.3 (fixes GHSA-…)"), at most [`MAX_LINES`] of them shown, and a `link`
/// to the full report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Message {
    pub event: EventKind,
    pub title: String,
    /// The project (service) the message is about.
    pub project: String,
    pub lines: Vec<String>,
    /// The highest severity involved, for findings and overdue items; compared with each
    /// channel's [`Filter::min_severity`](crate::Filter::min_severity).
    pub severity: Option<SeverityRating>,
    /// The report's URL.
    pub link: Option<String>,
    /// The history run id, so a reader can run `tend report <run>`.
    pub run: Option<String>,
    /// When the event happened (the caller's clock).
    pub time: Timestamp,
}

impl Message {
    pub fn new(
        event: EventKind,
        title: impl Into<String>,
        project: impl Into<String>,
        time: Timestamp,
    ) -> Self {
        Self {
            event,
            title: title.into(),
            project: project.into(),
            lines: Vec::new(),
            severity: None,
            link: None,
            run: None,
            time,
        }
    }

    #[must_use]
    pub fn line(mut self, line: impl Into<String>) -> Self {
        self.lines.push(line.into());
        self
    }

    #[must_use]
    pub fn severity(mut self, severity: SeverityRating) -> Self {
        self.severity = Some(severity);
        self
    }

    #[must_use]
    pub fn link(mut self, link: impl Into<String>) -> Self {
        self.link = Some(link.into());
        self
    }

    #[must_use]
    pub fn run(mut self, run: impl Into<String>) -> Self {
        self.run = Some(run.into());
        self
    }

    /// The lines a channel shows: all of them up to [`MAX_LINES`], otherwise the first ones and
    /// "... and N more"; each cut to [`MAX_LINE_CHARS`].
    pub fn shown_lines(&self) -> Vec<String> {
        let cut = |line: &String| truncate(line, MAX_LINE_CHARS);
        if self.lines.len() <= MAX_LINES {
            return self.lines.iter().map(cut).collect();
        }
        let kept = MAX_LINES - 1;
        let mut shown: Vec<String> = self.lines[..kept].iter().map(cut).collect();
        shown.push(format!("... and {} more", self.lines.len() - kept));
        shown
    }

    /// "project · event · severity", the line under the title.
    pub(crate) fn context(&self) -> String {
        let mut context = format!("{} · {}", self.project, self.event.label());
        if let Some(severity) = self.severity {
            context.push_str(" · ");
            context.push_str(severity.as_str());
        }
        context
    }
}

/// At most `limit` characters of `text`, ending with `…` when cut (channels reject longer
/// fields instead of cutting them).
pub(crate) fn truncate(text: &str, limit: usize) -> String {
    if text.chars().count() <= limit {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(limit.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_names_round_trip() {
        for event in EventKind::ALL {
            assert_eq!(event.as_str().parse::<EventKind>(), Ok(*event));
            assert_eq!(
                serde_json::to_value(event).unwrap(),
                serde_json::Value::String(event.as_str().to_string())
            );
        }
        assert!("finding".parse::<EventKind>().is_err());
    }

    #[test]
    fn long_lists_are_capped() {
        let mut message = Message::new(EventKind::Findings, "t", "p", Timestamp::UNIX_EPOCH);
        for index in 0..14 {
            message = message.line(format!("line {index}"));
        }
        let shown = message.shown_lines();
        assert_eq!(shown.len(), MAX_LINES);
        assert_eq!(shown[8], "line 8");
        assert_eq!(shown[9], "... and 5 more");

        let long = Message::new(EventKind::Findings, "t", "p", Timestamp::UNIX_EPOCH)
            .line("x".repeat(1000));
        assert_eq!(long.shown_lines()[0].chars().count(), MAX_LINE_CHARS);
    }

    #[test]
    fn truncate_counts_characters() {
        assert_eq!(truncate("abcdef", 6), "abcdef");
        assert_eq!(truncate("abcdéfg", 5), "abcd…");
    }
}
