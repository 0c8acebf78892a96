//! Text helpers every renderer shares: a value folded on one line or cut to a width, a time to
//! the minute, a file location as people read it.

use std::fmt::Write as _;

use tend_model::jiff::tz::TimeZone;
use tend_model::jiff::Timestamp;
use tend_model::Location;

use crate::DisplayOptions;

/// Whitespace (newlines included) folded to single spaces.
pub(crate) fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// One line of at most `limit` characters, cut at a word when one ends late enough, with `…`.
pub(crate) fn truncate(text: &str, limit: usize) -> String {
    let text = one_line(text);
    if text.chars().count() <= limit {
        return text;
    }
    let keep: String = text.chars().take(limit.saturating_sub(1)).collect();
    let cut = match keep.rfind(' ') {
        Some(space) if space >= keep.len() / 2 => keep[..space].trim_end(),
        _ => keep.as_str(),
    };
    format!("{cut}…")
}

/// `2025-05-28 06:00 UTC`.
pub(crate) fn minute(timestamp: Timestamp) -> String {
    let time = timestamp.to_zoned_datetime(TimeZone::UTC).datetime();
    format!(
        "{} {:02}:{:02} UTC",
        time.date(),
        time.hour(),
        time.minute()
    )
}

/// `requirements.txt:4`: a location relative to the project when inside it.
pub(crate) fn place(location: &Location, options: &DisplayOptions) -> String {
    let mut text = options.path(&location.path);
    if location.line > 0 {
        let _ = write!(text, ":{}", location.line);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncate_cuts_at_a_word_and_folds_newlines() {
        assert_eq!(truncate("short", 10), "short");
        assert_eq!(truncate("two\nlines", 20), "two lines");
        assert_eq!(
            truncate("Multipart parser accepts unlimited parts", 20),
            "Multipart parser…"
        );
        // One long word: cut inside it rather than return almost nothing.
        assert_eq!(truncate("a Supercalifragilistic", 10), "a Superca…");
        assert_eq!(truncate("ééééééééééé", 5), "éééé…");
    }

    #[test]
    fn minutes_are_utc() {
        let time: Timestamp = "2025-05-28T08:00:59+02:00".parse().unwrap();
        assert_eq!(minute(time), "2025-05-28 06:00 UTC");
    }
}
