//! The severity of an advisory: its CVSS vectors scored by the `cvss` crate, or the database's
//! own rating when no vector can be scored, or `unknown`.
//!
//! Choices, in order:
//! 1. A `CVSS:4.0` vector. When a record gives both a v4 and a v3.x vector, v4 wins even if
//!    the v3.x score is higher: both are the same publisher's assessment of the same
//!    vulnerability, and v4 is the version of the standard that supersedes v3.x (it is also
//!    the one GitHub and NVD show first). Across *different* records the merge takes the most
//!    severe (see `merge.rs`).
//! 2. A `CVSS:3.1` or `CVSS:3.0` vector.
//! 3. The database's rating (`database_specific.severity`: GHSA's `LOW`, `MODERATE`, `HIGH`,
//!    `CRITICAL`; `MEDIUM` is accepted too), without a score.
//! 4. `unknown`.
//!
//! Several vectors of the same CVSS version (rare) yield the highest score. A vector that does
//! not parse is skipped and the next source is tried. The vector's own `CVSS:x.y/` prefix
//! decides its version, so a v4 vector filed under `CVSS_V3` still scores as v4. `CVSS_V2`
//! vectors and other types (`Ubuntu`, …) are ignored: the v2 scale has no "critical" band, so
//! its scores would be misread by [`SeverityRating::from_score`]; a record with only a v2
//! vector falls through to its database rating.

use std::str::FromStr;

use cvss::Cvss;
use tend_model::{AdvisorySeverity, SeverityRating, SeveritySource};

/// One OSV `severity[]` entry: `type` (`CVSS_V3`, `CVSS_V4`, …) and `score` (the vector).
#[derive(Debug, Clone, Copy)]
pub struct SeverityEntry<'a> {
    pub kind: &'a str,
    pub score: &'a str,
}

/// The severity of a record from its `severity[]` entries and, when there is no usable
/// vector, the database's own rating (`database_specific.severity`, e.g. `"HIGH"`).
pub fn assess_severity(
    entries: &[SeverityEntry<'_>],
    database_rating: Option<&str>,
) -> AdvisorySeverity {
    let mut best_v4: Option<(f64, &str)> = None;
    let mut best_v3: Option<(f64, &str)> = None;
    for entry in entries {
        if !is_cvss_kind(entry.kind) {
            continue;
        }
        let vector = entry.score.trim();
        let Ok(cvss) = Cvss::from_str(vector) else {
            continue;
        };
        let slot = match cvss {
            Cvss::CvssV40(_) => &mut best_v4,
            Cvss::CvssV30(_) | Cvss::CvssV31(_) => &mut best_v3,
            // `Cvss` is non-exhaustive; a version this crate does not know is not scored.
            _ => continue,
        };
        let score = cvss.score();
        if !score.is_finite() {
            continue;
        }
        if slot.is_none_or(|(best, _)| score > best) {
            *slot = Some((score, vector));
        }
    }

    if let Some((score, vector)) = best_v4 {
        return scored(score, vector, SeveritySource::CvssV4);
    }
    if let Some((score, vector)) = best_v3 {
        return scored(score, vector, SeveritySource::CvssV3);
    }
    match database_rating.and_then(rating_from_text) {
        Some(rating) => AdvisorySeverity {
            rating,
            score: None,
            vector: None,
            source: SeveritySource::Database,
        },
        None => AdvisorySeverity::unknown(),
    }
}

/// `CVSS_V3` and `CVSS_V4`, in any letter case. `CVSS_V2` is left out on purpose (module docs).
fn is_cvss_kind(kind: &str) -> bool {
    let kind = kind.trim();
    kind.eq_ignore_ascii_case("CVSS_V3") || kind.eq_ignore_ascii_case("CVSS_V4")
}

fn scored(score: f64, vector: &str, source: SeveritySource) -> AdvisorySeverity {
    AdvisorySeverity {
        rating: SeverityRating::from_score(score),
        score: Some(score),
        vector: Some(vector.to_string()),
        source,
    }
}

/// A database's rating word. `NONE` reads as low, like a CVSS 0.0 (an advisory was still
/// published); a word we do not know gives no rating rather than a guessed one.
fn rating_from_text(text: &str) -> Option<SeverityRating> {
    let text = text.trim();
    let is = |word: &str| text.eq_ignore_ascii_case(word);
    if is("critical") {
        Some(SeverityRating::Critical)
    } else if is("high") {
        Some(SeverityRating::High)
    } else if is("moderate") || is("medium") {
        Some(SeverityRating::Medium)
    } else if is("low") || is("none") {
        Some(SeverityRating::Low)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const V3_CRITICAL: &str = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H";
    const V4_CRITICAL: &str = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N";

    fn v3(score: &str) -> SeverityEntry<'_> {
        SeverityEntry {
            kind: "CVSS_V3",
            score,
        }
    }

    fn v4(score: &str) -> SeverityEntry<'_> {
        SeverityEntry {
            kind: "CVSS_V4",
            score,
        }
    }

    fn score_of(vector: &str) -> f64 {
        let kind = if vector.starts_with("CVSS:4") {
            "CVSS_V4"
        } else {
            "CVSS_V3"
        };
        let severity = assess_severity(
            &[SeverityEntry {
                kind,
                score: vector,
            }],
            None,
        );
        severity.score.unwrap()
    }

    // Expected v3 scores were computed from the CVSS v3.1 specification's equations (section 7)
    // by a separate script, not by the crate; v4 scores are the FIRST calculator's.
    #[test]
    fn v3_vectors_score_as_the_specification_computes() {
        assert!((score_of(V3_CRITICAL) - 9.8).abs() < 1e-9);
        // Scope changed, confidentiality only (the OSV schema's own example vector).
        assert!((score_of("CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:C/C:H/I:N/A:N") - 6.8).abs() < 1e-9);
        // The classic reflected XSS, a 3.0 vector.
        assert!((score_of("CVSS:3.0/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N") - 6.1).abs() < 1e-9);
        // Denial of service.
        assert!((score_of("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H") - 7.5).abs() < 1e-9);
        // Local, low privileges, low impact.
        assert!((score_of("CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:L/I:N/A:N") - 3.3).abs() < 1e-9);
        // No impact at all: 0.0, which the model reports as low.
        assert!(score_of("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N").abs() < 1e-9);
    }

    #[test]
    fn v4_vectors_score_as_the_calculator_does() {
        assert!((score_of(V4_CRITICAL) - 9.3).abs() < 1e-9);
        assert!(
            (score_of("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H") - 10.0)
                .abs()
                < 1e-9
        );
        assert!(
            (score_of("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:H/SC:N/SI:N/SA:N") - 8.7)
                .abs()
                < 1e-9
        );
    }

    #[test]
    fn rating_and_source_follow_the_score() {
        let severity = assess_severity(&[v3(V3_CRITICAL)], Some("LOW"));
        assert_eq!(severity.rating, SeverityRating::Critical);
        assert_eq!(severity.source, SeveritySource::CvssV3);
        assert_eq!(severity.vector.as_deref(), Some(V3_CRITICAL));

        let severity = assess_severity(&[v3("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H")], None);
        assert_eq!(severity.rating, SeverityRating::High);

        let severity = assess_severity(&[v3("CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:L/I:N/A:N")], None);
        assert_eq!(severity.rating, SeverityRating::Low);
    }

    #[test]
    fn v4_is_preferred_over_a_higher_v3() {
        // v3 9.8 (critical) and v4 8.7 (high) in one record: the v4 assessment is used.
        let v4_high = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:H/SC:N/SI:N/SA:N";
        for entries in [
            [v3(V3_CRITICAL), v4(v4_high)],
            [v4(v4_high), v3(V3_CRITICAL)],
        ] {
            let severity = assess_severity(&entries, None);
            assert_eq!(severity.source, SeveritySource::CvssV4);
            assert_eq!(severity.rating, SeverityRating::High);
            assert_eq!(severity.vector.as_deref(), Some(v4_high));
        }
    }

    #[test]
    fn the_highest_of_several_vectors_of_one_version_is_used() {
        let medium = "CVSS:3.0/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N";
        let severity = assess_severity(&[v3(medium), v3(V3_CRITICAL), v3(medium)], None);
        assert_eq!(severity.vector.as_deref(), Some(V3_CRITICAL));
    }

    #[test]
    fn an_unparsable_vector_falls_through_to_the_next_source() {
        let broken_v4 = v4("CVSS:4.0/AV:N/AC:L");
        let severity = assess_severity(&[broken_v4, v3(V3_CRITICAL)], None);
        assert_eq!(severity.source, SeveritySource::CvssV3);

        let severity = assess_severity(&[v3("CVSS:3.1/AV:X/AC:L"), v4("nonsense")], Some("HIGH"));
        assert_eq!(severity.source, SeveritySource::Database);
        assert_eq!(severity.rating, SeverityRating::High);
        assert_eq!(severity.score, None);
    }

    #[test]
    fn the_vector_prefix_decides_the_version() {
        let severity = assess_severity(&[v3(V4_CRITICAL)], None);
        assert_eq!(severity.source, SeveritySource::CvssV4);
        assert!((severity.score.unwrap() - 9.3).abs() < 1e-9);
    }

    #[test]
    fn v2_and_other_kinds_are_ignored() {
        let entries = [
            SeverityEntry {
                kind: "CVSS_V2",
                score: "AV:N/AC:L/Au:N/C:P/I:P/A:P",
            },
            SeverityEntry {
                kind: "Ubuntu",
                score: "high",
            },
        ];
        assert_eq!(assess_severity(&entries, None), AdvisorySeverity::unknown());
        let severity = assess_severity(&entries, Some("MODERATE"));
        assert_eq!(severity.rating, SeverityRating::Medium);
        assert_eq!(severity.source, SeveritySource::Database);
        // A v2 vector is not scored even when it is filed under a v3 type.
        assert_eq!(
            assess_severity(&[v3("AV:N/AC:L/Au:N/C:P/I:P/A:P")], None),
            AdvisorySeverity::unknown()
        );
    }

    #[test]
    fn database_ratings_map_ghsa_words() {
        let rating = |text| assess_severity(&[], Some(text)).rating;
        assert_eq!(rating("LOW"), SeverityRating::Low);
        assert_eq!(rating("MODERATE"), SeverityRating::Medium);
        assert_eq!(rating("medium"), SeverityRating::Medium);
        assert_eq!(rating(" High "), SeverityRating::High);
        assert_eq!(rating("CRITICAL"), SeverityRating::Critical);
        assert_eq!(
            assess_severity(&[], Some("severe")),
            AdvisorySeverity::unknown()
        );
        assert_eq!(assess_severity(&[], None), AdvisorySeverity::unknown());
    }

    #[test]
    fn malformed_vectors_never_panic() {
        let inputs = [
            "",
            "CVSS:",
            "CVSS:3.1",
            "CVSS:3.1/",
            "CVSS:3.1//",
            "CVSS:3.1/AV:N/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H",
            "CVSS:3.9/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N",
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:Z",
            "CVSS:5.0/AV:N",
            "cvss:3.1/av:n/ac:l/pr:n/ui:n/s:u/c:h/i:h/a:h",
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/",
            "\u{0}\u{ffff}/:",
        ];
        for input in inputs {
            let severity = assess_severity(&[v3(input), v4(input)], None);
            if let Some(score) = severity.score {
                assert!((0.0..=10.0).contains(&score), "{input}: {score}");
            }
        }
    }
}
