//! Whether a version is affected by an advisory, and the smallest version that fixes it: the
//! OSV schema's evaluation (`IsVulnerable`) with PEP 440 as the `ECOSYSTEM` ordering.
//!
//! The rules, as documented for users:
//!
//! - A version is affected by an `affected` entry when it lies in any of its `ECOSYSTEM` ranges
//!   ([`MatchKind::Range`]) or is listed in its `versions` ([`MatchKind::VersionList`]); when
//!   both hold, the range is reported.
//! - A range is evaluated as the schema's pseudo-code does: its events are sorted by PEP 440
//!   (`introduced: "0"` before every version, including `0.0.dev0`; events at the same version
//!   keep the record's order), then `introduced` at or below the version sets "affected",
//!   `fixed` at or below it clears it, `last_affected` strictly below it clears it. When the
//!   range has `limit` events the version must also be below one of them (`limit: "*"` is no
//!   limit). Several `introduced`/`fixed` pairs in one range are several intervals.
//! - Ordering is PEP 440's: `1.0.dev0 < 1.0a1 < 1.0rc1 < 1.0 < 1.0.post1 < 1.0.1`, and `1.0`
//!   equals `1.0.0`. A pre-release of a fixed version is not fixed (`1.0rc1` is below
//!   `fixed: 1.0`), and a pre-release of an introducing version is not in the range (`3.2a1`
//!   is below `introduced: 3.2`; osv.dev lists such pre-releases in `versions` when it deems
//!   them affected, and the list is applied).
//! - The ranges are read exactly as the pseudo-code reads them, even when a record packs
//!   overlapping pairs into one range: `introduced 2.11, fixed 2.11.7, introduced 0, fixed
//!   2.11.6` sorts to a walk in which `2.11.6` ends the range, so only the record's `versions`
//!   list (which such records carry) makes `2.11.6` affected. Across the PyPA database the
//!   ranges alone agree with 140,729 of the 140,739 PEP 440 versions the records list; the ten
//!   others are these two cases and records whose list contradicts their own `fixed`.
//! - Local versions (`1.0+ubuntu1`) are compared as PEP 440 specifiers compare them: when the
//!   event's version has no local label, the installed version's label is ignored. So
//!   `1.0+ubuntu1` is affected by `last_affected: 1.0` and listed by `versions: [1.0]` (a local
//!   build of an affected release is that release), and is fixed by `fixed: 1.0`.
//! - An event whose version is not PEP 440 (e.g. `fixed: 2019-09-12`) cannot be placed in the
//!   order, and dropping just that event would change what every later event means (a dropped
//!   `fixed` would extend the range to every later release). So a range holding one is not
//!   applied at all; the entry's `versions` list still is, and [`unorderable_events`] names the
//!   versions so the audit reports the record instead of staying silent.
//! - An installed version that is not PEP 440 can only be matched by its exact text in
//!   `versions` ([`MatchKind::InvalidVersionList`]); no fix can be named above it.
//! - The fix is the smallest `fixed` version above the installed one that the entry does not
//!   itself mark as affected (in another range or in `versions`), or [`Fix::None`] when there is
//!   none: a range that ends in `last_affected`, or never ends, names no fixed release. The fix
//!   may be a pre-release when the record says so; choosing a release to install is the plan's
//!   job.

use std::cmp::Ordering;

use tend_model::{DistVersion, Fix, MatchKind, PackageName, Version};

use crate::merge::Hit;
use crate::{Advisory, Affected, Bound, Event, Range};

/// Whether `version` is affected by this `affected` entry, and how that was decided.
pub fn affects(affected: &Affected, version: &DistVersion) -> Option<MatchKind> {
    match version {
        DistVersion::Pep440(version) => affects_pep440(affected, version),
        DistVersion::Legacy(text) => affected
            .versions
            .iter()
            .any(|listed| matches!(listed, DistVersion::Legacy(listed) if listed == text))
            .then_some(MatchKind::InvalidVersionList),
    }
}

/// The smallest fixed version above `version` that this entry names, or [`Fix::None`].
///
/// Meaningful for a version [`affects`] reported; for any other it still answers the question
/// as asked.
pub fn fix_for(affected: &Affected, version: &DistVersion) -> Fix {
    fix_among(&[affected], version)
}

/// How `advisory` applies to `package` at `version`, ready for [`crate::merge_hits`]: `None`
/// when the record is withdrawn or none of its entries for the package affects the version.
///
/// A record may hold several entries for one package (say, one per platform); they count as
/// one: the version is affected when any entry says so (a range beats a list in
/// [`Hit::matched_by`]), and the fix must be unaffected by all of them.
pub fn match_advisory<'a>(
    advisory: &'a Advisory,
    package: &PackageName,
    version: &DistVersion,
) -> Option<Hit<'a>> {
    if advisory.is_withdrawn() {
        return None;
    }
    let entries: Vec<&Affected> = advisory
        .affected
        .iter()
        .filter(|affected| &affected.package == package)
        .collect();
    // `Range` < `VersionList` < `InvalidVersionList`: the most precise reason wins.
    let matched_by = entries
        .iter()
        .filter_map(|affected| affects(affected, version))
        .min()?;
    Some(Hit {
        advisory,
        matched_by,
        fix: fix_among(&entries, version),
    })
}

/// [`match_advisory`] for many versions of one package against the same advisories: what does
/// not depend on the version (which of an advisory's fixed versions its entries leave
/// unaffected) is worked out once per advisory instead of once per hit.
pub(crate) struct PackageMatcher<'a> {
    package: &'a PackageName,
    advisories: &'a [std::sync::Arc<Advisory>],
    /// Per advisory, once needed: its entries' fixed versions, sorted as [`fix_among`] sorts
    /// them, each with whether no entry affects it.
    fixes: Vec<Option<Vec<(&'a Version, bool)>>>,
}

impl<'a> PackageMatcher<'a> {
    pub(crate) fn new(
        package: &'a PackageName,
        advisories: &'a [std::sync::Arc<Advisory>],
    ) -> Self {
        Self {
            package,
            advisories,
            fixes: vec![None; advisories.len()],
        }
    }

    pub(crate) fn advisories(&self) -> &'a [std::sync::Arc<Advisory>] {
        self.advisories
    }

    /// [`match_advisory`] of the advisory at `index`; the same answer, fix included.
    pub(crate) fn match_at(&mut self, index: usize, version: &DistVersion) -> Option<Hit<'a>> {
        let advisory: &'a Advisory = &self.advisories[index];
        if advisory.is_withdrawn() {
            return None;
        }
        let package = self.package;
        let entries = || {
            advisory
                .affected
                .iter()
                .filter(move |affected| &affected.package == package)
        };
        let matched_by = entries()
            .filter_map(|affected| affects(affected, version))
            .min()?;
        let DistVersion::Pep440(version) = version else {
            return Some(Hit {
                advisory,
                matched_by,
                fix: Fix::None,
            });
        };
        let fixes = self.fixes[index].get_or_insert_with(|| {
            let entries: Vec<&Affected> = entries().collect();
            let mut fixes = fixed_versions(&entries);
            fixes.sort();
            fixes
                .into_iter()
                .map(|fixed| {
                    let unaffected = entries
                        .iter()
                        .all(|affected| affects_pep440(affected, fixed).is_none());
                    (fixed, unaffected)
                })
                .collect()
        });
        // The first fixed version above `version` that no entry affects: `fix_among`'s
        // answer, since it too takes the first of the sorted candidates that passes both tests
        // (and equal versions pass or fail them together).
        let fix = fixes
            .iter()
            .find(|(fixed, unaffected)| *unaffected && compare(version, fixed) == Ordering::Less)
            .map_or(Fix::None, |(fixed, _)| Fix::Version {
                version: DistVersion::Pep440((*fixed).clone()),
            });
        Some(Hit {
            advisory,
            matched_by,
            fix,
        })
    }
}

/// The `fixed` versions of the orderable ranges of `entries`, in the records' order.
fn fixed_versions<'a>(entries: &[&'a Affected]) -> Vec<&'a Version> {
    entries
        .iter()
        .flat_map(|affected| &affected.ranges)
        .filter(|range| is_orderable(range))
        .flat_map(|range| &range.events)
        .filter_map(|event| match event {
            Event::Fixed(Bound::Version(DistVersion::Pep440(fixed))) => Some(fixed),
            _ => None,
        })
        .collect()
}

/// The event versions of `affected`'s ranges that are not PEP 440 (a `limit` of `*` aside).
/// The ranges that hold them are not applied (module docs); the audit reports them.
pub fn unorderable_events(affected: &Affected) -> Vec<&str> {
    affected
        .ranges
        .iter()
        .flat_map(|range| &range.events)
        .filter_map(|event| match point(event) {
            Point::Unorderable(text) => Some(text),
            _ => None,
        })
        .collect()
}

fn affects_pep440(affected: &Affected, version: &Version) -> Option<MatchKind> {
    if affected
        .ranges
        .iter()
        .any(|range| range_contains(range, version))
    {
        return Some(MatchKind::Range);
    }
    affected
        .versions
        .iter()
        .any(|listed| {
            listed
                .pep440()
                .is_some_and(|listed| compare(version, listed) == Ordering::Equal)
        })
        .then_some(MatchKind::VersionList)
}

/// The smallest `fixed` version above `version`, across the ranges of `entries`, that none of
/// `entries` marks as affected.
fn fix_among(entries: &[&Affected], version: &DistVersion) -> Fix {
    let DistVersion::Pep440(version) = version else {
        return Fix::None;
    };
    let mut candidates: Vec<&Version> = entries
        .iter()
        .flat_map(|affected| &affected.ranges)
        .filter(|range| is_orderable(range))
        .flat_map(|range| &range.events)
        .filter_map(|event| match event {
            Event::Fixed(Bound::Version(DistVersion::Pep440(fixed)))
                if compare(version, fixed) == Ordering::Less =>
            {
                Some(fixed)
            }
            _ => None,
        })
        .collect();
    candidates.sort();
    candidates.dedup();
    candidates
        .into_iter()
        .find(|fixed| {
            entries
                .iter()
                .all(|affected| affects_pep440(affected, fixed).is_none())
        })
        .map_or(Fix::None, |fixed| Fix::Version {
            version: DistVersion::Pep440(fixed.clone()),
        })
}

/// Where an event sits in PEP 440 order.
#[derive(Debug, Clone, Copy)]
enum Point<'a> {
    /// `introduced: "0"`: before every version.
    Zero,
    Version(&'a Version),
    /// `limit: "*"` (any limit text containing `*`, as the schema says): no upper limit.
    Infinity,
    /// Not PEP 440: cannot be ordered.
    Unorderable(&'a str),
}

impl Point<'_> {
    /// The order of two events' points. Only called on orderable points.
    fn order(self, other: Self) -> Ordering {
        let rank = |point: Self| match point {
            Point::Zero => 0,
            Point::Version(_) => 1,
            Point::Infinity | Point::Unorderable(_) => 2,
        };
        match (self, other) {
            (Point::Version(a), Point::Version(b)) => a.cmp(b),
            _ => rank(self).cmp(&rank(other)),
        }
    }

    /// The order of an installed version relative to this point.
    fn installed(self, version: &Version) -> Ordering {
        match self {
            Point::Zero => Ordering::Greater,
            Point::Version(bound) => compare(version, bound),
            Point::Infinity | Point::Unorderable(_) => Ordering::Less,
        }
    }
}

fn bound_point(bound: &Bound) -> Point<'_> {
    match bound {
        Bound::Zero => Point::Zero,
        Bound::Version(DistVersion::Pep440(version)) => Point::Version(version),
        Bound::Version(DistVersion::Legacy(text)) => Point::Unorderable(text),
    }
}

fn point(event: &Event) -> Point<'_> {
    match event {
        Event::Limit(Bound::Version(DistVersion::Legacy(text))) if text.contains('*') => {
            Point::Infinity
        }
        Event::Introduced(bound)
        | Event::Fixed(bound)
        | Event::LastAffected(bound)
        | Event::Limit(bound) => bound_point(bound),
    }
}

fn is_orderable(range: &Range) -> bool {
    !range
        .events
        .iter()
        .any(|event| matches!(point(event), Point::Unorderable(_)))
}

/// The schema's `IncludedInRanges` for one range.
fn range_contains(range: &Range, version: &Version) -> bool {
    if !is_orderable(range) {
        return false;
    }

    // `BeforeLimits`: no limit event means an implicit `limit: "*"`.
    let mut limits = range
        .events
        .iter()
        .filter(|event| matches!(event, Event::Limit(_)))
        .map(point)
        .peekable();
    if limits.peek().is_some() && !limits.any(|limit| limit.installed(version) == Ordering::Less) {
        return false;
    }

    // The schema walks the sorted events and lets each event the version has reached set the
    // state, so the answer is the kind of the last such event in sorted order: the greatest by
    // (point, position in the record), since a stable sort keeps the record's order for ties.
    // Finding that maximum needs no sorted copy.
    let mut last: Option<(Point<'_>, &Event)> = None;
    for event in &range.events {
        let point = point(event);
        let reached = match event {
            Event::Introduced(_) | Event::Fixed(_) => point.installed(version) != Ordering::Less,
            Event::LastAffected(_) => point.installed(version) == Ordering::Greater,
            Event::Limit(_) => false,
        };
        if reached && last.is_none_or(|(best, _)| point.order(best) != Ordering::Less) {
            last = Some((point, event));
        }
    }
    matches!(last, Some((_, Event::Introduced(_))))
}

/// PEP 440 order of an installed version against an event's or a list's version. As in PEP
/// 440's `==`, `<=` and `>=`, the installed version's local label is ignored when the other
/// version has none: `1.0+ubuntu1` compares equal to `1.0`.
fn compare(installed: &Version, bound: &Version) -> Ordering {
    if installed.is_local() && !bound.is_local() {
        installed.clone().without_local().cmp(bound)
    } else {
        installed.cmp(bound)
    }
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use tend_model::jiff::Timestamp;
    use tend_model::{AdvisoryId, AdvisorySeverity};

    use super::*;

    fn version(text: &str) -> DistVersion {
        DistVersion::parse(text)
    }

    fn bound(text: &str) -> Bound {
        if text == "0" {
            Bound::Zero
        } else {
            Bound::Version(version(text))
        }
    }

    fn introduced(text: &str) -> Event {
        Event::Introduced(bound(text))
    }

    fn fixed(text: &str) -> Event {
        Event::Fixed(bound(text))
    }

    fn last_affected(text: &str) -> Event {
        Event::LastAffected(bound(text))
    }

    fn limit(text: &str) -> Event {
        Event::Limit(bound(text))
    }

    fn package(name: &str) -> PackageName {
        PackageName::from_str(name).unwrap()
    }

    fn entry(ranges: Vec<Vec<Event>>, versions: &[&str]) -> Affected {
        Affected {
            package: package("demo"),
            ranges: ranges.into_iter().map(|events| Range { events }).collect(),
            versions: versions.iter().map(|text| version(text)).collect(),
            severity: None,
        }
    }

    fn matched(affected: &Affected, text: &str) -> Option<MatchKind> {
        affects(affected, &version(text))
    }

    /// Asserts which of `texts` the entry affects (by range) and which it does not.
    #[track_caller]
    fn assert_ranges(affected: &Affected, inside: &[&str], outside: &[&str]) {
        for text in inside {
            assert_eq!(matched(affected, text), Some(MatchKind::Range), "{text}");
        }
        for text in outside {
            assert_eq!(matched(affected, text), None, "{text}");
        }
    }

    fn fix(affected: &Affected, text: &str) -> Fix {
        fix_for(affected, &version(text))
    }

    fn fixed_in(text: &str) -> Fix {
        Fix::Version {
            version: version(text),
        }
    }

    #[test]
    fn introduced_zero_is_before_every_version() {
        let affected = entry(vec![vec![introduced("0")]], &[]);
        assert_ranges(
            &affected,
            &[
                "0.0.dev1",
                "0a1",
                "0",
                "0.0.0.post1",
                "1.0",
                "1!0.1",
                "99+local",
            ],
            &[],
        );
        // A literal `0.0` is a version like any other: its dev releases come before it.
        let affected = entry(vec![vec![Event::Introduced(bound("0.0"))]], &[]);
        assert_ranges(&affected, &["0", "0.0.0", "0.1"], &["0.0.dev1", "0a1"]);
    }

    #[test]
    fn fixed_is_exclusive_and_its_pre_releases_are_affected() {
        let affected = entry(vec![vec![introduced("0"), fixed("1.0")]], &[]);
        assert_ranges(
            &affected,
            &["0.9", "1.0.dev0", "1.0a1", "1.0b2.post3", "1.0rc1"],
            &["1.0", "1.0.0", "1.0.post1", "1.0+local", "1.0.1", "1!0.5"],
        );
    }

    #[test]
    fn introduced_is_inclusive() {
        let affected = entry(vec![vec![introduced("1.0"), fixed("2.0")]], &[]);
        assert_ranges(
            &affected,
            &[
                "1.0",
                "1.0.0",
                "1.0+local",
                "1.0.post1",
                "1.9",
                "2.0.dev0",
                "2.0rc1",
            ],
            &["0.9", "1.0.dev0", "1.0rc1", "2.0", "2.0.post1", "3"],
        );
    }

    #[test]
    fn last_affected_is_inclusive() {
        let affected = entry(vec![vec![introduced("0"), last_affected("2.1.214")]], &[]);
        assert_ranges(
            &affected,
            &[
                "1.0",
                "2.1.214",
                "2.1.214.0",
                "2.1.214+build.7",
                "2.1.214rc1",
            ],
            &["2.1.214.post1", "2.1.215.dev0", "2.1.215"],
        );
        // `last_affected` names no fixed release.
        assert_eq!(fix(&affected, "2.1.0"), Fix::None);
    }

    #[test]
    fn several_pairs_in_one_range_are_several_intervals() {
        let affected = entry(
            vec![vec![
                introduced("0"),
                fixed("1.0.2"),
                introduced("3.0"),
                fixed("3.2.5"),
            ]],
            &[],
        );
        assert_ranges(
            &affected,
            &["0.1", "1.0.1", "3.0", "3.2.4", "3.2.5rc1"],
            &["1.0.2", "2.0", "3.0rc1", "3.2.5", "4"],
        );
        assert_eq!(fix(&affected, "1.0.1"), fixed_in("1.0.2"));
        assert_eq!(fix(&affected, "3.1"), fixed_in("3.2.5"));
        assert_eq!(fix(&affected, "4"), Fix::None);
    }

    #[test]
    fn events_are_sorted_whatever_order_the_record_gives() {
        let affected = entry(
            vec![vec![
                fixed("3.2.5"),
                introduced("3.0"),
                fixed("1.0.2"),
                introduced("0"),
            ]],
            &[],
        );
        assert_ranges(
            &affected,
            &["0.1", "1.0.1", "3.0", "3.2.4"],
            &["1.0.2", "2.0", "3.2.5"],
        );
        assert_eq!(fix(&affected, "1.0"), fixed_in("1.0.2"));
    }

    #[test]
    fn events_at_one_version_keep_the_record_order() {
        // Fixed at 2.0 and introduced again at 2.0: the second interval starts at 2.0.
        let affected = entry(
            vec![vec![
                introduced("1.0"),
                fixed("2.0"),
                introduced("2.0"),
                fixed("3.0"),
            ]],
            &[],
        );
        assert_ranges(&affected, &["1.5", "2.0", "2.5"], &["3.0"]);
        // Introduced and fixed at one version: nothing is affected.
        let affected = entry(vec![vec![introduced("1.0"), fixed("1.0.0")]], &[]);
        assert_ranges(&affected, &[], &["0.9", "1.0", "1.1"]);
    }

    #[test]
    fn limit_is_an_upper_bound_of_its_range() {
        let affected = entry(vec![vec![introduced("0"), limit("2.0")]], &[]);
        assert_ranges(&affected, &["1.9", "2.0rc1"], &["2.0", "2.0.post1", "3"]);
        // Several limits: below any one of them is enough.
        let affected = entry(vec![vec![introduced("0"), limit("1.0"), limit("3.0")]], &[]);
        assert_ranges(&affected, &["0.5", "2.0"], &["3.0", "4"]);
        // A limit does not end the interval below it: the fix still does.
        let affected = entry(
            vec![vec![introduced("1.0"), fixed("1.5"), limit("5.0")]],
            &[],
        );
        assert_ranges(&affected, &["1.2"], &["0.5", "1.5", "4.0", "5.0"]);
        // `*` is no limit at all, and is not reported as unorderable.
        let affected = entry(vec![vec![introduced("1.0"), limit("*")]], &[]);
        assert_ranges(&affected, &["1.0", "999"], &["0.9"]);
        assert!(unorderable_events(&affected).is_empty());
        // The limit belongs to its range only.
        let affected = entry(
            vec![vec![introduced("0"), limit("1.0")], vec![introduced("2.0")]],
            &[],
        );
        assert_ranges(&affected, &["0.5", "2.5"], &["1.5"]);
    }

    #[test]
    fn versions_are_listed_by_pep440_equality() {
        let affected = entry(vec![], &["1.0", "2.0.0", "3.0rc1"]);
        for text in [
            "1.0",
            "1.0.0",
            "1.0+local",
            "2",
            "2.0",
            "v2.0",
            "3.0c1",
            "3.0-RC1",
        ] {
            assert_eq!(
                matched(&affected, text),
                Some(MatchKind::VersionList),
                "{text}"
            );
        }
        for text in ["1.0.post1", "1.0.1", "1.0rc1", "3.0", "0"] {
            assert_eq!(matched(&affected, text), None, "{text}");
        }
        // When a range affects the version too, the range is reported.
        let affected = entry(vec![vec![introduced("0"), fixed("1.1")]], &["1.0"]);
        assert_eq!(matched(&affected, "1.0"), Some(MatchKind::Range));
        // The list still applies outside the ranges.
        let affected = entry(vec![vec![introduced("0"), fixed("1.1")]], &["2.0"]);
        assert_eq!(matched(&affected, "2.0"), Some(MatchKind::VersionList));
    }

    #[test]
    fn local_labels_on_the_event_are_compared_in_full() {
        let affected = entry(vec![vec![introduced("0"), fixed("1.0+fix.2")]], &[]);
        assert_ranges(
            &affected,
            &["1.0", "1.0+fix.1"],
            &["1.0+fix.2", "1.0+fix.3"],
        );
        let affected = entry(vec![], &["1.0+abc"]);
        assert_eq!(matched(&affected, "1.0+abc"), Some(MatchKind::VersionList));
        assert_eq!(matched(&affected, "1.0"), None);
        assert_eq!(matched(&affected, "1.0+abd"), None);
    }

    #[test]
    fn a_legacy_version_is_matched_only_by_its_text_in_the_list() {
        let affected = entry(
            vec![vec![introduced("0")]],
            &["0.1-bulbasaur", "2013-09-11T19-27-10", "1.0"],
        );
        assert_eq!(
            matched(&affected, "0.1-bulbasaur"),
            Some(MatchKind::InvalidVersionList)
        );
        assert_eq!(
            matched(&affected, "2013-09-11T19-27-10"),
            Some(MatchKind::InvalidVersionList)
        );
        // Ranges cannot place it, even `introduced: 0`.
        assert_eq!(matched(&affected, "0.1-charmander"), None);
        assert_eq!(matched(&affected, "0.1-BULBASAUR"), None);
        // No fix can be named above a version that cannot be ordered.
        let affected = entry(
            vec![vec![introduced("0"), fixed("2.0")]],
            &["0.1-bulbasaur"],
        );
        assert_eq!(fix(&affected, "0.1-bulbasaur"), Fix::None);
    }

    #[test]
    fn a_range_with_an_unorderable_event_is_not_applied() {
        let affected = entry(
            vec![
                vec![introduced("0"), fixed("2019-09-12")],
                vec![introduced("5.0"), fixed("5.1")],
            ],
            &["0.9"],
        );
        // Not every release after an invalid `fixed`, and not nothing: the list decides.
        assert_eq!(matched(&affected, "0.9"), Some(MatchKind::VersionList));
        assert_eq!(matched(&affected, "1.0"), None);
        assert_eq!(matched(&affected, "3.0"), None);
        // The other range still applies, and still gives the fix.
        assert_eq!(matched(&affected, "5.0.1"), Some(MatchKind::Range));
        assert_eq!(fix(&affected, "5.0.1"), fixed_in("5.1"));
        assert_eq!(unorderable_events(&affected), vec!["2019-09-12"]);

        let affected = entry(
            vec![vec![
                introduced("0.2.0-n653"),
                last_affected("not a version"),
            ]],
            &[],
        );
        assert_eq!(matched(&affected, "1.0"), None);
        assert_eq!(
            unorderable_events(&affected),
            vec!["0.2.0-n653", "not a version"]
        );
    }

    #[test]
    fn overlapping_pairs_in_one_range_follow_the_pseudo_code_and_the_list_covers_them() {
        // The shape of a real record (PYSEC-2021-114): two overlapping pairs in one range.
        let ranges = vec![vec![
            introduced("2.11"),
            fixed("2.11.7"),
            introduced("0"),
            fixed("2.11.6"),
        ]];
        let affected = entry(ranges.clone(), &[]);
        assert_ranges(&affected, &["2.10", "2.11.5"], &["2.11.6", "2.11.7"]);
        let affected = entry(ranges, &["2.11.5", "2.11.6"]);
        assert_eq!(matched(&affected, "2.11.6"), Some(MatchKind::VersionList));
        assert_eq!(fix(&affected, "2.11.6"), fixed_in("2.11.7"));
    }

    #[test]
    fn an_epoch_orders_above_every_release_without_one() {
        let affected = entry(vec![vec![introduced("0"), fixed("2.0")]], &[]);
        assert_ranges(&affected, &["1.9"], &["1!0.5"]);
        let affected = entry(vec![vec![introduced("1!0"), fixed("1!1.0")]], &[]);
        assert_ranges(&affected, &["1!0.5"], &["2024.1", "1!1.0"]);
    }

    #[test]
    fn the_fix_is_the_smallest_fixed_version_that_is_not_itself_affected() {
        // Two overlapping ranges: 2.0 fixes the first but is inside the second.
        let affected = entry(
            vec![
                vec![introduced("0"), fixed("2.0")],
                vec![introduced("1.5"), fixed("3.0")],
            ],
            &[],
        );
        assert_eq!(fix(&affected, "1.0"), fixed_in("3.0"));
        // A fixed version the record also lists as affected is no fix.
        let affected = entry(
            vec![
                vec![introduced("0"), fixed("1.1")],
                vec![introduced("0"), fixed("1.2")],
            ],
            &["1.1"],
        );
        assert_eq!(fix(&affected, "1.0"), fixed_in("1.2"));
        // Only fixes above the installed version count; a local build of the fix is fixed.
        let affected = entry(vec![vec![introduced("0"), fixed("1.0"), fixed("0.5")]], &[]);
        assert_eq!(fix(&affected, "0.4"), fixed_in("0.5"));
        assert_eq!(fix(&affected, "0.7"), fixed_in("1.0"));
        assert_eq!(fix(&affected, "1.0+local"), Fix::None);
        // A pre-release fix is reported as the record gives it.
        let affected = entry(vec![vec![introduced("0"), fixed("2.0rc1")]], &[]);
        assert_eq!(fix(&affected, "1.0"), fixed_in("2.0rc1"));
        // A range that never ends has no fix.
        let affected = entry(vec![vec![introduced("1.0")]], &[]);
        assert_eq!(fix(&affected, "1.0"), Fix::None);
    }

    fn advisory(affected: Vec<Affected>) -> Advisory {
        Advisory {
            id: AdvisoryId::new("PYSEC-2099-1").unwrap(),
            aliases: vec![],
            summary: None,
            details: None,
            published: None,
            modified: Timestamp::UNIX_EPOCH,
            withdrawn: None,
            severity: AdvisorySeverity::unknown(),
            affected,
            url: None,
        }
    }

    #[test]
    fn match_advisory_combines_the_entries_of_one_package() {
        let mut other = entry(vec![vec![introduced("0")]], &[]);
        other.package = package("Other_Package");
        let listed = entry(vec![], &["1.0", "2.0"]);
        let ranged = entry(
            vec![
                vec![introduced("0"), fixed("1.5")],
                vec![introduced("0"), fixed("2.1")],
            ],
            &[],
        );
        let record = advisory(vec![other, listed, ranged]);

        let hit = match_advisory(&record, &package("demo"), &version("1.0")).unwrap();
        assert_eq!(hit.matched_by, MatchKind::Range);
        // 1.5 fixes the second entry's first range but not its second range.
        assert_eq!(hit.fix, fixed_in("2.1"));

        let hit = match_advisory(&record, &package("demo"), &version("2.0")).unwrap();
        assert_eq!(hit.matched_by, MatchKind::Range);
        assert_eq!(hit.fix, fixed_in("2.1"));

        assert!(match_advisory(&record, &package("demo"), &version("2.1")).is_none());
        // Names are compared normalised.
        assert!(match_advisory(&record, &package("other-package"), &version("9")).is_some());
        assert!(match_advisory(&record, &package("third"), &version("1.0")).is_none());
    }

    #[test]
    fn match_advisory_skips_withdrawn_records() {
        let mut record = advisory(vec![entry(vec![vec![introduced("0")]], &[])]);
        assert!(match_advisory(&record, &package("demo"), &version("1.0")).is_some());
        record.withdrawn = Some(Timestamp::UNIX_EPOCH);
        assert!(match_advisory(&record, &package("demo"), &version("1.0")).is_none());
    }

    #[test]
    fn package_matcher_answers_as_match_advisory_does() {
        let mut other = entry(vec![vec![introduced("0")]], &[]);
        other.package = package("Other_Package");
        let records: Vec<std::sync::Arc<Advisory>> = [
            vec![
                other,
                entry(vec![], &["1.0", "2.0"]),
                entry(
                    vec![
                        vec![introduced("0"), fixed("1.5")],
                        vec![introduced("0"), fixed("2.1")],
                    ],
                    &[],
                ),
            ],
            // Equal fixes written differently: the one the record gives first is named.
            vec![entry(
                vec![vec![
                    introduced("0"),
                    fixed("2.0.0"),
                    introduced("0"),
                    fixed("2.0"),
                ]],
                &[],
            )],
            // A fix the entry's own list marks as affected is skipped.
            vec![entry(
                vec![vec![
                    introduced("0.9"),
                    fixed("1.0"),
                    introduced("1.1"),
                    fixed("3"),
                ]],
                &["1.0", "1.0+local.7"],
            )],
            vec![entry(
                vec![vec![introduced("1.0"), fixed("1.0.post1+x")]],
                &[],
            )],
            vec![entry(
                vec![vec![introduced("0"), last_affected("2.0")]],
                &["1.0-custom"],
            )],
            vec![entry(
                vec![vec![introduced("0"), fixed("2019-09-12")]],
                &["1.1"],
            )],
            vec![entry(
                vec![
                    vec![introduced("0"), fixed("1.0rc1")],
                    vec![introduced("2.0.dev1")],
                ],
                &[],
            )],
        ]
        .into_iter()
        .map(|affected| std::sync::Arc::new(advisory(affected)))
        .collect();
        let mut withdrawn = advisory(vec![entry(vec![vec![introduced("0")]], &[])]);
        withdrawn.withdrawn = Some(Timestamp::UNIX_EPOCH);
        let mut records = records;
        records.push(std::sync::Arc::new(withdrawn));

        for name in ["demo", "other-package"] {
            let name = package(name);
            let mut matcher = PackageMatcher::new(&name, &records);
            let mut hits = 0;
            for text in UNIVERSE.iter().chain(&["1.0-custom", "1.0.0", "2.0.0+y"]) {
                let installed = version(text);
                for (index, record) in records.iter().enumerate() {
                    let expected = match_advisory(record, &name, &installed);
                    let actual = matcher.match_at(index, &installed);
                    assert_eq!(
                        actual.as_ref().map(|hit| (hit.matched_by, &hit.fix)),
                        expected.as_ref().map(|hit| (hit.matched_by, &hit.fix)),
                        "{text} against record {index}"
                    );
                    if let (
                        Some(Fix::Version { version: actual }),
                        Some(Fix::Version { version: expected }),
                    ) = (
                        actual.as_ref().map(|hit| &hit.fix),
                        expected.as_ref().map(|hit| &hit.fix),
                    ) {
                        // Equal is not enough: the text shown must be the record's.
                        assert_eq!(actual.to_string(), expected.to_string(), "{text}");
                    }
                    hits += usize::from(expected.is_some());
                }
            }
            assert!(hits >= 15, "{hits} hits: the cases must exercise the fixes");
        }
    }

    // ---- Exhaustive checks against two independent formulations ------------------------------

    /// Versions to evaluate: pre, post, dev, local releases and ties around the bounds below.
    const UNIVERSE: &[&str] = &[
        "0.0.dev1",
        "0",
        "0.9",
        "1.0.dev0",
        "1.0a1",
        "1.0a1.post1",
        "1.0rc1",
        "1.0",
        "1.0+local.7",
        "1.0.post1",
        "1.0.post1+x",
        "1.1",
        "2.0.dev1",
        "2.0",
        "2.0+x",
        "3",
        "1!0.1",
    ];

    /// The schema's `IncludedInRanges` for one range, written as its pseudo-code reads: sort,
    /// then walk.
    fn reference(events: &[Event], installed: &Version) -> bool {
        let position = |bound: &Bound| match bound {
            Bound::Zero => None,
            Bound::Version(version) => Some(version.pep440().unwrap().clone()),
        };
        let at_or_above = |bound: &Bound| match bound {
            Bound::Zero => true,
            Bound::Version(version) => compare(installed, version.pep440().unwrap()).is_ge(),
        };
        let above = |bound: &Bound| match bound {
            Bound::Zero => true,
            Bound::Version(version) => compare(installed, version.pep440().unwrap()).is_gt(),
        };
        let limits: Vec<&Bound> = events
            .iter()
            .filter_map(|event| match event {
                Event::Limit(bound) => Some(bound),
                _ => None,
            })
            .collect();
        if !limits.is_empty() && limits.iter().all(|limit| at_or_above(limit)) {
            return false;
        }
        let mut sorted = events.to_vec();
        sorted.sort_by_key(|event| match event {
            Event::Introduced(bound)
            | Event::Fixed(bound)
            | Event::LastAffected(bound)
            | Event::Limit(bound) => position(bound),
        });
        let mut vulnerable = false;
        for event in &sorted {
            match event {
                Event::Introduced(bound) if at_or_above(bound) => vulnerable = true,
                Event::Fixed(bound) if at_or_above(bound) => vulnerable = false,
                Event::LastAffected(bound) if above(bound) => vulnerable = false,
                _ => {}
            }
        }
        vulnerable
    }

    fn check_against_reference(events: &[Event], installed: &[Version]) {
        let affected = entry(vec![events.to_vec()], &[]);
        for version in installed {
            let expected = reference(events, version);
            let found = affects_pep440(&affected, version) == Some(MatchKind::Range);
            assert_eq!(found, expected, "{version} in {events:?}");
        }
    }

    #[test]
    fn every_short_range_agrees_with_the_schema_pseudo_code() {
        let bounds = ["0", "1.0a1", "1.0", "1.0.0", "1.0.post1", "2.0"];
        let pool: Vec<Event> = bounds
            .iter()
            .flat_map(|text| {
                [
                    introduced(text),
                    fixed(text),
                    last_affected(text),
                    limit(text),
                ]
            })
            .collect();
        let installed: Vec<Version> = UNIVERSE
            .iter()
            .map(|text| Version::from_str(text).unwrap())
            .collect();
        let mut checked = 0;
        check_against_reference(&[], &installed);
        for a in &pool {
            check_against_reference(std::slice::from_ref(a), &installed);
            for b in &pool {
                check_against_reference(&[a.clone(), b.clone()], &installed);
                for c in &pool {
                    check_against_reference(&[a.clone(), b.clone(), c.clone()], &installed);
                    checked += 1;
                }
            }
        }
        assert_eq!(checked, pool.len().pow(3));

        // Longer ranges: a deterministic sample (a linear congruential sequence).
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = |below: usize| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            usize::try_from(state >> 33).unwrap() % below
        };
        for _ in 0..3000 {
            let length = 4 + next(4);
            let events: Vec<Event> = (0..length)
                .map(|_| pool[next(pool.len())].clone())
                .collect();
            check_against_reference(&events, &installed);
        }
    }

    /// A well-formed timeline (introduced/fixed pairs, maybe a final `last_affected` or an open
    /// end) read as the intervals it stands for, against `affects` on the events in any order.
    #[test]
    fn well_formed_timelines_are_unions_of_intervals() {
        let points = ["1.0a1", "1.0", "1.0.post1", "1.1", "2.0.dev1", "2.0", "3"];
        let installed: Vec<Version> = UNIVERSE
            .iter()
            .map(|text| Version::from_str(text).unwrap())
            .collect();
        let v = |text: &str| Version::from_str(text).unwrap();
        for mask in 0u32..(1 << points.len()) {
            let chosen: Vec<&str> = points
                .iter()
                .enumerate()
                .filter(|(index, _)| mask & (1 << index) != 0)
                .map(|(_, text)| *text)
                .collect();
            for from_zero in [false, true] {
                for ending in ["fixed", "last_affected", "open"] {
                    let mut starts: Vec<Option<&str>> = Vec::new();
                    let mut events = Vec::new();
                    let mut rest = chosen.as_slice();
                    if from_zero {
                        starts.push(None);
                        events.push(introduced("0"));
                    } else if let [first, tail @ ..] = rest {
                        starts.push(Some(*first));
                        events.push(introduced(first));
                        rest = tail;
                    } else {
                        continue;
                    }
                    // Alternate: end the open interval, start the next.
                    let mut intervals: Vec<(Option<&str>, Option<&str>, bool)> = Vec::new();
                    let mut open_start = starts[0];
                    let mut open = true;
                    for (index, point) in rest.iter().enumerate() {
                        let last = index + 1 == rest.len();
                        if open {
                            if last && ending == "last_affected" {
                                events.push(last_affected(point));
                                intervals.push((open_start, Some(point), true));
                            } else {
                                events.push(fixed(point));
                                intervals.push((open_start, Some(point), false));
                            }
                            open = false;
                        } else {
                            events.push(introduced(point));
                            open_start = Some(point);
                            open = true;
                        }
                    }
                    if open {
                        if ending != "open" {
                            continue;
                        }
                        intervals.push((open_start, None, false));
                    }
                    let inside = |version: &Version| {
                        intervals.iter().any(|(start, end, inclusive)| {
                            let after_start =
                                start.is_none_or(|start| compare(version, &v(start)).is_ge());
                            let before_end = end.is_none_or(|end| {
                                let order = compare(version, &v(end));
                                if *inclusive {
                                    order.is_le()
                                } else {
                                    order.is_lt()
                                }
                            });
                            after_start && before_end
                        })
                    };
                    let mut reversed = events.clone();
                    reversed.reverse();
                    let mut rotated = events.clone();
                    rotated.rotate_left(events.len() / 2);
                    for order in [&events, &reversed, &rotated] {
                        let affected = entry(vec![order.clone()], &[]);
                        for version in &installed {
                            assert_eq!(
                                affects_pep440(&affected, version) == Some(MatchKind::Range),
                                inside(version),
                                "{version} in {order:?}"
                            );
                        }
                    }
                }
            }
        }
    }

    /// The fix, when there is one, is above the installed version and not affected; when there
    /// is none, every fixed version above the installed one is affected.
    #[test]
    fn fixes_are_unaffected_versions_above_the_installed_one() {
        let bounds = ["0", "1.0a1", "1.0", "1.0.post1", "2.0", "3"];
        let pool: Vec<Event> = bounds
            .iter()
            .flat_map(|text| [introduced(text), fixed(text), last_affected(text)])
            .collect();
        for a in &pool {
            for b in &pool {
                for c in &pool {
                    let affected = entry(
                        vec![vec![a.clone(), b.clone()], vec![c.clone(), fixed("2.0")]],
                        &[],
                    );
                    for text in UNIVERSE {
                        let installed = version(text);
                        match fix_for(&affected, &installed) {
                            Fix::Version { version: fix } => {
                                assert!(fix > installed, "{fix} above {installed}");
                                assert_eq!(affects(&affected, &fix), None, "{fix}");
                            }
                            Fix::None => {
                                for range in &affected.ranges {
                                    for event in &range.events {
                                        if let Event::Fixed(Bound::Version(fixed)) = event {
                                            if compare(
                                                installed.pep440().unwrap(),
                                                fixed.pep440().unwrap(),
                                            )
                                            .is_lt()
                                            {
                                                assert!(affects(&affected, fixed).is_some());
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
