//! The generic webhook: tend's own versioned JSON body and its HMAC-SHA256 signature
//! (docs/notify.md tells receivers how to verify it).

use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

use crate::message::Message;
use crate::secret::Secret;

/// The version of the body's layout; additions keep it, changes bump it.
pub const WEBHOOK_SCHEMA_VERSION: u32 = 1;
/// Unix seconds when the request was signed.
pub const TIMESTAMP_HEADER: &str = "X-Tend-Timestamp";
/// `sha256=<hex of HMAC-SHA256(secret, "<timestamp>.<body>")>`.
pub const SIGNATURE_HEADER: &str = "X-Tend-Signature";
/// The event's kebab-case name, so a receiver can route before parsing.
pub const EVENT_HEADER: &str = "X-Tend-Event";

const HEX_DIGITS: &[u8; 16] = b"0123456789abcdef";

/// The body: every field always present (`null` when absent), every line (not capped).
pub(crate) fn payload(message: &Message) -> Value {
    json!({
        "schema_version": WEBHOOK_SCHEMA_VERSION,
        "kind": "notification",
        "event": message.event,
        "title": message.title,
        "project": message.project,
        "lines": message.lines,
        "severity": message.severity,
        "link": message.link,
        "run": message.run,
        "time": message.time.to_string(),
    })
}

/// The `X-Tend-Signature` value of `body` sent at `timestamp` (unix seconds):
/// `sha256=` and the lower-case hex HMAC-SHA256, keyed by the secret, of
/// `"<timestamp>.<body>"`.
pub fn signature(secret: &Secret, timestamp: i64, body: &[u8]) -> String {
    // HMAC takes keys of any length, so this never fails.
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.expose().as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    let digest = mac.finalize().into_bytes();
    let mut text = String::with_capacity(7 + 2 * digest.len());
    text.push_str("sha256=");
    for byte in digest {
        text.push(char::from(HEX_DIGITS[usize::from(byte >> 4)]));
        text.push(char::from(HEX_DIGITS[usize::from(byte & 0x0f)]));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_matches_a_value_computed_elsewhere() {
        // Python: hmac.new(b"Jefe", b'1700000000.{"a":1}', hashlib.sha256).hexdigest()
        assert_eq!(
            signature(&Secret::new("Jefe"), 1_700_000_000, br#"{"a":1}"#),
            "sha256=fa5f6481efc59da48b19c9dc10196c9953e5651f8304b3a318b6b87d70272e0a"
        );
    }
}
