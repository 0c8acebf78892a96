//! The Microsoft Teams Workflows payload: a message with one Adaptive Card 1.4 (title, context
//! line, one text block per fact, run and time as facts, a button to the report).

use serde_json::{json, Value};
use tend_model::SeverityRating;

use crate::message::{EventKind, Message};

pub(crate) fn payload(message: &Message) -> Value {
    let mut body = vec![
        json!({
            "type": "TextBlock",
            "text": message.title,
            "size": "Medium",
            "weight": "Bolder",
            "color": color(message),
            "wrap": true,
        }),
        json!({
            "type": "TextBlock",
            "text": message.context(),
            "isSubtle": true,
            "spacing": "None",
            "wrap": true,
        }),
    ];
    for line in message.shown_lines() {
        body.push(json!({
            "type": "TextBlock",
            "text": format!("• {line}"),
            "spacing": "Small",
            "wrap": true,
        }));
    }
    let mut facts = Vec::new();
    if let Some(run) = &message.run {
        facts.push(json!({"title": "Run", "value": run}));
    }
    facts.push(json!({"title": "Time", "value": message.time.to_string()}));
    body.push(json!({"type": "FactSet", "facts": facts}));
    let actions: Vec<Value> = message
        .link
        .iter()
        .filter(|link| link.starts_with("https://") || link.starts_with("http://"))
        .map(|link| json!({"type": "Action.OpenUrl", "title": "Open the report", "url": link}))
        .collect();
    json!({
        "type": "message",
        "attachments": [{
            "contentType": "application/vnd.microsoft.card.adaptive",
            "contentUrl": null,
            "content": {
                "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                "type": "AdaptiveCard",
                "version": "1.4",
                "msteams": {"width": "Full"},
                "body": body,
                "actions": actions,
            },
        }],
    })
}

/// An Adaptive Card colour name for the title.
fn color(message: &Message) -> &'static str {
    match message.severity {
        Some(SeverityRating::Critical | SeverityRating::High) => "Attention",
        Some(SeverityRating::Medium) => "Warning",
        None if message.event == EventKind::UpdateSucceeded => "Good",
        None if message.event.is_failure() => "Attention",
        None if message.event == EventKind::UpdateHeldBack => "Warning",
        Some(SeverityRating::Low | SeverityRating::Unknown) | None => "Default",
    }
}
