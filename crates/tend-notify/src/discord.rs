//! The Discord webhook payload: one embed (title, description with the facts and the link,
//! colour by severity or outcome, time, footer) and no mentions, within Discord's limits.

use serde_json::{json, Map, Value};
use tend_model::SeverityRating;

use crate::message::{truncate, EventKind, Message};

/// Discord's limits on an embed's fields.
const TITLE_LIMIT: usize = 256;
const DESCRIPTION_LIMIT: usize = 4096;
const FOOTER_LIMIT: usize = 2048;

pub(crate) fn payload(message: &Message) -> Value {
    let mut description = format!("**{}**", escape(&message.context()));
    let lines = message.shown_lines();
    if !lines.is_empty() {
        description.push_str("\n\n");
        let bullets: Vec<String> = lines
            .iter()
            .map(|line| format!("- {}", escape(line)))
            .collect();
        description.push_str(&bullets.join("\n"));
    }
    if let Some(link) = message.link.as_deref().filter(|link| is_web_url(link)) {
        description.push_str("\n\n[Open the report](");
        description.push_str(link);
        description.push(')');
    }
    let mut footer = String::from("tend");
    if let Some(run) = &message.run {
        footer.push_str(" · run ");
        footer.push_str(run);
    }
    let mut embed = Map::new();
    embed.insert("title".into(), json!(truncate(&message.title, TITLE_LIMIT)));
    embed.insert(
        "description".into(),
        json!(truncate(&description, DESCRIPTION_LIMIT)),
    );
    if let Some(link) = message.link.as_deref().filter(|link| is_web_url(link)) {
        embed.insert("url".into(), json!(link));
    }
    embed.insert("color".into(), json!(color(message)));
    embed.insert("timestamp".into(), json!(message.time.to_string()));
    embed.insert(
        "footer".into(),
        json!({"text": truncate(&footer, FOOTER_LIMIT)}),
    );
    json!({
        "username": "tend",
        // Text from package metadata must never ping @everyone.
        "allowed_mentions": {"parse": []},
        "embeds": [Value::Object(embed)],
    })
}

/// Discord rejects the whole message when an embed's URL is not a web URL.
fn is_web_url(link: &str) -> bool {
    link.starts_with("https://") || link.starts_with("http://")
}

fn color(message: &Message) -> u32 {
    match message.severity {
        Some(SeverityRating::Critical) => 0x00B7_1C1C,
        Some(SeverityRating::High) => 0x00E6_5100,
        Some(SeverityRating::Medium) => 0x00F9_A825,
        Some(SeverityRating::Low) => 0x0015_65C0,
        None if message.event == EventKind::UpdateSucceeded => 0x002E_7D32,
        None if message.event.is_failure() => 0x00B7_1C1C,
        Some(SeverityRating::Unknown) | None => 0x0075_7575,
    }
}

/// Markdown characters in facts (`typing_extensions`) shown as themselves.
fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        if matches!(character, '\\' | '*' | '_' | '`' | '~' | '|' | '[' | ']') {
            escaped.push('\\');
        }
        escaped.push(character);
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_texts_stay_within_discords_limits() {
        let mut message = Message::new(
            EventKind::Findings,
            "t".repeat(300),
            "p".repeat(5000),
            jiff::Timestamp::UNIX_EPOCH,
        );
        for index in 0..20 {
            message = message.line(format!("{index} {}", "x".repeat(1000)));
        }
        let payload = payload(&message);
        let embed = &payload["embeds"][0];
        let title = embed["title"].as_str().unwrap();
        let description = embed["description"].as_str().unwrap();
        assert_eq!(title.chars().count(), TITLE_LIMIT);
        assert_eq!(description.chars().count(), DESCRIPTION_LIMIT);
        assert!(description.ends_with('…'));
        assert_eq!(embed["color"], 0x0075_7575);
    }

    #[test]
    fn markdown_is_escaped() {
        assert_eq!(
            escape("typing_extensions *x*"),
            "typing\\_extensions \\*x\\*"
        );
    }
}
