//! The Slack incoming-webhook payload: `text` (the notification's fallback) and Block Kit
//! blocks: a header, the context line, the facts as a bulleted mrkdwn section, the link.

use serde_json::{json, Value};

use crate::message::{truncate, Message};

/// Slack's limits: a header's text, a section's text.
const HEADER_LIMIT: usize = 150;
const SECTION_LIMIT: usize = 3000;

pub(crate) fn payload(message: &Message) -> Value {
    let mut blocks = vec![
        json!({
            "type": "header",
            "text": {"type": "plain_text", "text": truncate(&message.title, HEADER_LIMIT)},
        }),
        json!({
            "type": "context",
            "elements": [{"type": "mrkdwn", "text": escape(&message.context())}],
        }),
    ];
    let lines = message.shown_lines();
    if !lines.is_empty() {
        let bullets: Vec<String> = lines
            .iter()
            .map(|line| format!("• {}", escape(line)))
            .collect();
        blocks.push(json!({
            "type": "section",
            "text": {"type": "mrkdwn", "text": truncate(&bullets.join("\n"), SECTION_LIMIT)},
        }));
    }
    let mut footer = Vec::new();
    if let Some(link) = &message.link {
        footer.push(format!("<{}|Open the report>", link_target(link)));
    }
    if let Some(run) = &message.run {
        footer.push(format!("run `{}`", escape(run)));
    }
    if !footer.is_empty() {
        blocks.push(json!({
            "type": "section",
            "text": {"type": "mrkdwn", "text": footer.join(" · ")},
        }));
    }
    json!({
        "text": format!("[tend] {}: {}", message.project, message.title),
        "blocks": blocks,
    })
}

/// The three characters Slack's mrkdwn wants escaped.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A URL inside `<url|label>`: the characters that would end it early, percent-encoded.
fn link_target(url: &str) -> String {
    url.replace('>', "%3E").replace('|', "%7C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mrkdwn_is_escaped() {
        assert_eq!(
            escape("flask 2.2.3 -> 2.3.3 & <x>"),
            "flask 2.2.3 -&gt; 2.3.3 &amp; &lt;x&gt;"
        );
        assert_eq!(link_target("https://r/a|b>c"), "https://r/a%7Cb%3Ec");
    }
}
