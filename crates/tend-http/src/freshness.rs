//! HTTP caching rules (RFC 9111) for a private cache, reduced to what tend needs:
//! `Cache-Control` (`max-age`, `no-cache`, `no-store`), `Expires` against `Date`, `Age`,
//! and `Retry-After` for the retry loop.

use std::collections::BTreeMap;
use std::time::Duration;

use jiff::fmt::rfc2822::DateTimeParser;
use jiff::{SignedDuration, Timestamp};

/// The `Cache-Control` directives tend acts on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct CacheControl {
    pub(crate) max_age: Option<u64>,
    pub(crate) no_cache: bool,
    pub(crate) no_store: bool,
}

impl CacheControl {
    /// Parses every `Cache-Control` value; unknown directives are ignored (as RFC 9111 asks),
    /// a malformed `max-age` counts as zero (RFC 9111 §4.2.1: treat as stale).
    pub(crate) fn parse(value: &str) -> Self {
        let mut control = Self::default();
        for directive in value.split(',') {
            let (name, argument) = match directive.split_once('=') {
                Some((name, argument)) => (name.trim(), Some(argument.trim().trim_matches('"'))),
                None => (directive.trim(), None),
            };
            if name.eq_ignore_ascii_case("max-age") {
                control.max_age = Some(argument.and_then(|text| text.parse().ok()).unwrap_or(0));
            } else if name.eq_ignore_ascii_case("no-cache") {
                control.no_cache = true;
            } else if name.eq_ignore_ascii_case("no-store") {
                control.no_store = true;
            }
        }
        control
    }

    pub(crate) fn from_headers(headers: &BTreeMap<String, String>) -> Self {
        headers
            .get("cache-control")
            .map(|value| Self::parse(value))
            .unwrap_or_default()
    }
}

/// Parses an HTTP date (IMF-fixdate, as RFC 9110 requires senders to use).
pub(crate) fn parse_http_date(value: &str) -> Option<Timestamp> {
    DateTimeParser::new().parse_timestamp(value.trim()).ok()
}

/// How long a response stays fresh after it was received: `max-age`, else `Expires - Date`,
/// else zero (no heuristic freshness: without explicit rules tend revalidates).
#[cfg(test)]
pub(crate) fn freshness_lifetime(headers: &BTreeMap<String, String>) -> SignedDuration {
    freshness_lifetime_or(headers, None)
}

/// [`freshness_lifetime`], with `heuristic` as the lifetime of a response that gives neither
/// `max-age` nor `Expires` (RFC 9111 §4.2.2 lets a cache pick one; `no-cache` and `no-store`
/// still win).
pub(crate) fn freshness_lifetime_or(
    headers: &BTreeMap<String, String>,
    heuristic: Option<SignedDuration>,
) -> SignedDuration {
    let control = CacheControl::from_headers(headers);
    if control.no_cache || control.no_store {
        return SignedDuration::ZERO;
    }
    if let Some(max_age) = control.max_age {
        return SignedDuration::from_secs(i64::try_from(max_age).unwrap_or(i64::MAX));
    }
    let expires = headers.get("expires").map(|value| parse_http_date(value));
    let date = headers.get("date").and_then(|value| parse_http_date(value));
    match (expires, date) {
        (Some(Some(expires)), Some(date)) => expires.duration_since(date).max(SignedDuration::ZERO),
        (None, _) => heuristic.unwrap_or(SignedDuration::ZERO),
        // An invalid `Expires` (often "0" or "-1") means already expired.
        _ => SignedDuration::ZERO,
    }
}

/// Whether a response received at `stored_at` with `headers` may be served at `now`
/// without asking the server.
#[cfg(test)]
pub(crate) fn is_fresh(
    headers: &BTreeMap<String, String>,
    stored_at: Timestamp,
    now: Timestamp,
) -> bool {
    is_fresh_or(headers, stored_at, now, None)
}

/// [`is_fresh`] with a heuristic lifetime (see [`freshness_lifetime_or`]).
pub(crate) fn is_fresh_or(
    headers: &BTreeMap<String, String>,
    stored_at: Timestamp,
    now: Timestamp,
    heuristic: Option<SignedDuration>,
) -> bool {
    let age_at_arrival = headers
        .get("age")
        .and_then(|value| value.trim().parse::<i64>().ok())
        .map_or(SignedDuration::ZERO, SignedDuration::from_secs);
    let resident = now.duration_since(stored_at).max(SignedDuration::ZERO);
    freshness_lifetime_or(headers, heuristic) > age_at_arrival + resident
}

/// The wait a `Retry-After` value asks for: delay seconds or an HTTP date.
pub(crate) fn retry_after(value: &str, now: Timestamp) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let until = parse_http_date(value)?;
    let wait = until.duration_since(now).max(SignedDuration::ZERO);
    Duration::try_from(wait).ok()
}

/// The wait before retry `attempt` (0 for the first retry): the server's `Retry-After` when
/// given, else exponential backoff; both capped by `max_delay`.
pub(crate) fn retry_delay(
    attempt: u32,
    retry_after: Option<Duration>,
    backoff_base: Duration,
    max_delay: Duration,
) -> Duration {
    let delay = retry_after
        .unwrap_or_else(|| backoff_base.saturating_mul(2u32.saturating_pow(attempt.min(16))));
    delay.min(max_delay)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(name, value)| ((*name).to_string(), (*value).to_string()))
            .collect()
    }

    fn at(seconds: i64) -> Timestamp {
        Timestamp::from_second(1_700_000_000 + seconds).unwrap()
    }

    #[test]
    fn cache_control_directives() {
        let control = CacheControl::parse("public, MAX-AGE=\"600\", no-cache");
        assert_eq!(control.max_age, Some(600));
        assert!(control.no_cache);
        assert!(!control.no_store);
        assert_eq!(CacheControl::parse("max-age=soon").max_age, Some(0));
        assert!(CacheControl::parse("private, no-store").no_store);
    }

    #[test]
    fn max_age_decides_freshness_and_counts_the_age_header() {
        let h = headers(&[("cache-control", "max-age=600")]);
        assert!(is_fresh(&h, at(0), at(599)));
        assert!(!is_fresh(&h, at(0), at(600)));
        let aged = headers(&[("cache-control", "max-age=600"), ("age", "500")]);
        assert!(is_fresh(&aged, at(0), at(99)));
        assert!(!is_fresh(&aged, at(0), at(100)));
    }

    #[test]
    fn max_age_wins_over_expires() {
        let h = headers(&[
            ("cache-control", "max-age=10"),
            ("date", "Tue, 14 Nov 2023 22:13:20 GMT"),
            ("expires", "Wed, 15 Nov 2023 22:13:20 GMT"),
        ]);
        assert_eq!(freshness_lifetime(&h), SignedDuration::from_secs(10));
    }

    #[test]
    fn expires_minus_date() {
        let h = headers(&[
            ("date", "Tue, 14 Nov 2023 22:13:20 GMT"),
            ("expires", "Tue, 14 Nov 2023 23:13:20 GMT"),
        ]);
        assert_eq!(freshness_lifetime(&h), SignedDuration::from_secs(3600));
        let invalid = headers(&[("date", "Tue, 14 Nov 2023 22:13:20 GMT"), ("expires", "0")]);
        assert_eq!(freshness_lifetime(&invalid), SignedDuration::ZERO);
    }

    #[test]
    fn no_cache_and_no_store_are_never_fresh() {
        for value in ["max-age=600, no-cache", "no-store, max-age=600"] {
            let h = headers(&[("cache-control", value)]);
            assert!(!is_fresh(&h, at(0), at(0)), "{value}");
        }
        assert!(!is_fresh(&headers(&[]), at(0), at(0)));
    }

    #[test]
    fn heuristic_lifetime_applies_only_without_explicit_rules() {
        let ten_minutes = Some(SignedDuration::from_secs(600));
        let none = headers(&[]);
        assert!(is_fresh_or(&none, at(0), at(599), ten_minutes));
        assert!(!is_fresh_or(&none, at(0), at(600), ten_minutes));
        let explicit = headers(&[("cache-control", "max-age=10")]);
        assert!(!is_fresh_or(&explicit, at(0), at(10), ten_minutes));
        let no_cache = headers(&[("cache-control", "no-cache")]);
        assert!(!is_fresh_or(&no_cache, at(0), at(1), ten_minutes));
        let bad_expires = headers(&[("expires", "0"), ("date", "Mon, 23 Nov 2026 10:00:00 GMT")]);
        assert!(!is_fresh_or(&bad_expires, at(0), at(1), ten_minutes));
    }

    #[test]
    fn retry_after_seconds_and_dates() {
        assert_eq!(retry_after(" 7 ", at(0)), Some(Duration::from_secs(7)));
        assert_eq!(
            retry_after("Tue, 14 Nov 2023 22:13:50 GMT", at(0)),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            retry_after("Tue, 14 Nov 2023 22:13:00 GMT", at(0)),
            Some(Duration::ZERO)
        );
        assert_eq!(retry_after("soon", at(0)), None);
    }

    #[test]
    fn retry_delay_backs_off_and_is_capped() {
        let base = Duration::from_millis(100);
        let cap = Duration::from_secs(1);
        assert_eq!(retry_delay(0, None, base, cap), Duration::from_millis(100));
        assert_eq!(retry_delay(2, None, base, cap), Duration::from_millis(400));
        assert_eq!(retry_delay(9, None, base, cap), cap);
        assert_eq!(retry_delay(40, None, base, cap), cap);
        let asked = Some(Duration::from_millis(700));
        assert_eq!(retry_delay(0, asked, base, cap), Duration::from_millis(700));
        assert_eq!(
            retry_delay(0, Some(Duration::from_secs(3600)), base, cap),
            cap
        );
    }
}
