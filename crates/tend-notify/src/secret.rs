//! [`Secret`]: webhook URLs, SMTP passwords and HMAC keys, hidden from every rendering.

use std::fmt;

/// A value that must never reach a log, an error or a terminal: a Slack, Discord or Teams
/// webhook URL (they carry their token), a generic webhook's URL and HMAC key, an SMTP
/// password. `Debug` and `Display` print `****`; only [`Secret::expose`] gives the value, and
/// only the code that sends it calls that.
///
/// The caller resolves secrets (from an environment variable or a file named in the policy);
/// this crate never reads either.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The value itself, to send it. Never format the result into a message.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("Secret(****)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("****")
    }
}

/// Replaces every occurrence of the secrets in `text` by `****`: the last line of defence for
/// failure reasons built from other libraries' errors and servers' answers, which may quote a
/// URL. A URL's path and query, and each long segment of them, count as secret too: a server
/// quotes the path it was asked for, and the token is in it.
pub(crate) fn redact(text: &str, secrets: &[&Secret]) -> String {
    let mut parts: Vec<String> = Vec::new();
    for secret in secrets {
        let value = secret.expose();
        parts.push(value.to_string());
        if let Ok(url) = url::Url::parse(value) {
            let path_and_query = &url[url::Position::BeforePath..];
            parts.push(path_and_query.to_string());
            parts.extend(
                path_and_query
                    .split(['/', '?', '&', '='])
                    .filter(|part| looks_like_a_token(part))
                    .map(str::to_string),
            );
        }
    }
    // Longest first, so a whole URL is replaced before one of its segments.
    parts.sort_by_key(|part| std::cmp::Reverse(part.len()));
    let mut text = text.to_string();
    for part in parts {
        // Too short to be a real secret, and replacing it would garble the text.
        if part.len() >= 4 && part != "/" {
            text = text.replace(&part, "****");
        }
    }
    text
}

/// A long segment, or a shorter one with digits in it: ids and tokens, not words such as
/// `services` or `webhooks` that would garble a message if hidden.
fn looks_like_a_token(part: &str) -> bool {
    part.len() >= 20 || (part.len() >= 8 && part.bytes().any(|byte| byte.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_hide_the_value() {
        let secret = Secret::new("https://hooks.slack.com/services/T0/B0/token");
        assert_eq!(format!("{secret:?}"), "Secret(****)");
        assert_eq!(secret.to_string(), "****");
        assert_eq!(
            secret.expose(),
            "https://hooks.slack.com/services/T0/B0/token"
        );
    }

    #[test]
    fn redact_replaces_every_occurrence() {
        let secret = Secret::new("s3cr3t-token");
        assert_eq!(
            redact("a s3cr3t-token b s3cr3t-token", &[&secret]),
            "a **** b ****"
        );
    }

    #[test]
    fn redact_hides_a_urls_path_and_its_long_segments() {
        let secret = Secret::new("https://hooks.example/services/T0/B0/abc123defg?sig=0123456789");
        assert_eq!(
            redact(
                "asked for /services/T0/B0/abc123defg?sig=0123456789",
                &[&secret]
            ),
            "asked for ****"
        );
        assert_eq!(redact("token abc123defg", &[&secret]), "token ****");
        assert_eq!(redact("signature 0123456789", &[&secret]), "signature ****");
        assert_eq!(redact("no services", &[&secret]), "no services");
    }
}
