//! Merging the records that describe one vulnerability into one finding.
//!
//! The same vulnerability is often published several times: a PYSEC record, a GHSA record and
//! a CVE, each listing the others in `aliases`. Records that share an id, directly or through a
//! chain of aliases, become one [`Finding`]. The rules, as documented for users:
//!
//! - **id**: the PYSEC record's id when one matched, else the GHSA record's, else the smallest
//!   record id. Only ids of records that matched are candidates, so the summary, link and
//!   match reason shown belong to the id shown. **aliases**: every other id of the merged records
//!   and of their `aliases`, sorted, without duplicates.
//! - **severity**: the most severe of the records' severities, so a finding is never ranked
//!   below what any publisher says; among equal ratings, one with a CVSS score beats one
//!   without, then the higher score, then the primary record's.
//! - **fix**: the highest of the fixes the records name, a version every record that names a fix
//!   agrees is fixed. A record with no fix does not veto the others' fix: records gain fixes
//!   later than they are published, so "no fix" more often means "not updated yet" than "that
//!   fix is wrong", and the update is the one action available. Nothing is hidden by this: each
//!   record is matched on its own, so after the update a record that still covers the new
//!   version produces the finding again. [`Fix::None`] only when no record names a fix.
//! - **summary** and **url**: the primary record's, else the first record (primary first, then
//!   by id) that has one. **published**: the earliest; **modified**: the latest.
//!   **matched_by**: the primary record's.
//!
//! Findings come out sorted by id. Withdrawn records never reach this point
//! ([`crate::match_advisory`] skips them).

use std::collections::BTreeSet;
use std::collections::{BTreeMap, HashMap};

use tend_model::{AdvisoryId, AdvisoryIdKind, AdvisorySeverity, Finding, Fix, MatchKind};

use crate::Advisory;

/// One advisory record found to affect one audited version.
#[derive(Debug, Clone)]
pub struct Hit<'a> {
    pub advisory: &'a Advisory,
    pub matched_by: MatchKind,
    /// The smallest fixed version above the audited one, by this record.
    pub fix: Fix,
}

/// The findings for one audited version: hits whose records alias each other merged into one.
pub fn merge_hits(hits: Vec<Hit<'_>>) -> Vec<Finding> {
    // Union-find over the hits, joined through every id a record is known by.
    let mut parent: Vec<usize> = (0..hits.len()).collect();
    // Only looked up, never iterated: a hash map, whose order does not reach the result.
    let mut owner: HashMap<&AdvisoryId, usize> = HashMap::with_capacity(hits.len() * 4);
    for (index, hit) in hits.iter().enumerate() {
        let advisory: &Advisory = hit.advisory;
        for id in advisory.ids() {
            match owner.get(id) {
                Some(&other) => union(&mut parent, index, other),
                None => {
                    owner.insert(id, index);
                }
            }
        }
    }
    let roots: Vec<usize> = (0..hits.len())
        .map(|index| find(&mut parent, index))
        .collect();
    let mut groups: BTreeMap<usize, Vec<Hit<'_>>> = BTreeMap::new();
    for (hit, root) in hits.into_iter().zip(roots) {
        groups.entry(root).or_default().push(hit);
    }
    let mut findings: Vec<Finding> = groups.into_values().map(merge_group).collect();
    findings.sort_by(|a, b| a.id.cmp(&b.id));
    findings
}

fn find(parent: &mut [usize], index: usize) -> usize {
    let mut root = index;
    while parent[root] != root {
        root = parent[root];
    }
    // Path compression keeps later look-ups short on large groups (TensorFlow-sized).
    let mut node = index;
    while parent[node] != root {
        let next = parent[node];
        parent[node] = root;
        node = next;
    }
    root
}

fn union(parent: &mut [usize], a: usize, b: usize) {
    let (a, b) = (find(parent, a), find(parent, b));
    // The smaller index as root: the grouping does not depend on which id was seen first.
    parent[a.max(b)] = a.min(b);
}

/// How strongly a record's id is preferred as the finding's id: PYSEC, then GHSA, then any.
fn preference(id: &AdvisoryId) -> (u8, &AdvisoryId) {
    let rank = match id.kind() {
        AdvisoryIdKind::Pysec => 0,
        AdvisoryIdKind::Ghsa => 1,
        AdvisoryIdKind::Cve | AdvisoryIdKind::Other => 2,
    };
    (rank, id)
}

fn merge_group(mut group: Vec<Hit<'_>>) -> Finding {
    // A stable sort: duplicates of one record keep the order the sources gave them.
    group.sort_by(|a, b| preference(&a.advisory.id).cmp(&preference(&b.advisory.id)));
    // `Fix::None` sorts above any version: only named fixes take part. Moved out of the group
    // before the fields below borrow it.
    let fix = group
        .iter_mut()
        .filter(|hit| matches!(hit.fix, Fix::Version { .. }))
        .max_by(|a, b| a.fix.cmp(&b.fix))
        .map_or(Fix::None, |hit| std::mem::replace(&mut hit.fix, Fix::None));
    let primary = &group[0];

    let id = primary.advisory.id.clone();
    let aliases: BTreeSet<&AdvisoryId> = group
        .iter()
        .flat_map(|hit| hit.advisory.ids())
        .filter(|alias| **alias != id)
        .collect();

    let mut severity = &primary.advisory.severity;
    for hit in &group[1..] {
        if is_more_severe(&hit.advisory.severity, severity) {
            severity = &hit.advisory.severity;
        }
    }

    Finding {
        id,
        aliases: aliases.into_iter().cloned().collect(),
        summary: group.iter().find_map(|hit| hit.advisory.summary.clone()),
        severity: severity.clone(),
        published: group.iter().filter_map(|hit| hit.advisory.published).min(),
        modified: group
            .iter()
            .map(|hit| hit.advisory.modified)
            .max()
            .unwrap_or(primary.advisory.modified),
        fix,
        matched_by: primary.matched_by,
        url: group.iter().find_map(|hit| hit.advisory.url.clone()),
        expired_ignore: None,
    }
}

/// Rating first; then a CVSS score over none; then the higher score.
fn is_more_severe(candidate: &AdvisorySeverity, best: &AdvisorySeverity) -> bool {
    candidate
        .rating
        .cmp(&best.rating)
        .then(candidate.score.is_some().cmp(&best.score.is_some()))
        .then_with(|| match (candidate.score, best.score) {
            (Some(a), Some(b)) => a.total_cmp(&b),
            _ => std::cmp::Ordering::Equal,
        })
        .is_gt()
}

#[cfg(test)]
mod tests {
    use tend_model::jiff::Timestamp;
    use tend_model::{DistVersion, SeverityRating, SeveritySource};

    use super::*;

    fn id(text: &str) -> AdvisoryId {
        AdvisoryId::new(text).unwrap()
    }

    fn record(record_id: &str, aliases: &[&str]) -> Advisory {
        Advisory {
            id: id(record_id),
            aliases: aliases.iter().map(|alias| id(alias)).collect(),
            summary: None,
            details: None,
            published: None,
            modified: Timestamp::UNIX_EPOCH,
            withdrawn: None,
            severity: AdvisorySeverity::unknown(),
            affected: vec![],
            url: None,
        }
    }

    fn hit(advisory: &Advisory) -> Hit<'_> {
        Hit {
            advisory,
            matched_by: MatchKind::Range,
            fix: Fix::None,
        }
    }

    fn fixed_in(text: &str) -> Fix {
        Fix::Version {
            version: DistVersion::parse(text),
        }
    }

    fn cvss(score: f64, source: SeveritySource) -> AdvisorySeverity {
        AdvisorySeverity {
            rating: SeverityRating::from_score(score),
            score: Some(score),
            vector: Some(format!("vector of {score}")),
            source,
        }
    }

    fn database(rating: SeverityRating) -> AdvisorySeverity {
        AdvisorySeverity {
            rating,
            score: None,
            vector: None,
            source: SeveritySource::Database,
        }
    }

    fn ids(finding: &Finding) -> Vec<&str> {
        finding.ids().map(AdvisoryId::as_str).collect()
    }

    #[test]
    fn records_aliasing_each_other_transitively_become_one_finding() {
        let pysec = record("PYSEC-2023-62", &["CVE-2023-30861"]);
        let ghsa = record("GHSA-m2qf-hxjv-5gpq", &["CVE-2023-30861", "CVE-2023-9999"]);
        // Joined to the others only through GHSA-m2qf's second alias.
        let late = record("GHSA-aaaa-bbbb-cccc", &["CVE-2023-9999"]);
        let unrelated = record("GHSA-zzzz-zzzz-zzzz", &["CVE-2020-1"]);
        let records = [&pysec, &ghsa, &late, &unrelated];

        // Every input order gives the same findings.
        let orders: [[usize; 4]; 4] = [[0, 1, 2, 3], [3, 2, 1, 0], [2, 0, 3, 1], [1, 3, 0, 2]];
        for order in orders {
            let findings = merge_hits(order.iter().map(|&index| hit(records[index])).collect());
            assert_eq!(findings.len(), 2, "{order:?}");
            assert_eq!(ids(&findings[0]), ["GHSA-zzzz-zzzz-zzzz", "CVE-2020-1"]);
            assert_eq!(
                ids(&findings[1]),
                [
                    "PYSEC-2023-62",
                    "CVE-2023-30861",
                    "CVE-2023-9999",
                    "GHSA-aaaa-bbbb-cccc",
                    "GHSA-m2qf-hxjv-5gpq",
                ]
            );
        }
    }

    #[test]
    fn an_alias_listed_on_one_side_only_is_enough() {
        let pysec = record("PYSEC-2021-1", &[]);
        let ghsa = record("GHSA-xxxx-yyyy-zzzz", &["PYSEC-2021-1"]);
        let findings = merge_hits(vec![hit(&ghsa), hit(&pysec)]);
        assert_eq!(ids(&findings[0]), ["PYSEC-2021-1", "GHSA-xxxx-yyyy-zzzz"]);
    }

    #[test]
    fn the_primary_id_is_pysec_then_ghsa_then_the_smallest() {
        let ghsa = record("GHSA-xxxx-yyyy-zzzz", &["CVE-2024-1"]);
        let osv = record("OSV-2024-5", &["CVE-2024-1"]);
        let findings = merge_hits(vec![hit(&osv), hit(&ghsa)]);
        assert_eq!(findings[0].id.as_str(), "GHSA-xxxx-yyyy-zzzz");

        let cve = record("CVE-2024-1", &["OSV-2024-5"]);
        let findings = merge_hits(vec![hit(&osv), hit(&cve)]);
        assert_eq!(ids(&findings[0]), ["CVE-2024-1", "OSV-2024-5"]);

        // Only matched records are candidates: an alias naming a PYSEC id we have no record of
        // stays an alias.
        let ghsa = record("GHSA-xxxx-yyyy-zzzz", &["PYSEC-2024-9"]);
        let findings = merge_hits(vec![hit(&ghsa)]);
        assert_eq!(ids(&findings[0]), ["GHSA-xxxx-yyyy-zzzz", "PYSEC-2024-9"]);
    }

    #[test]
    fn the_same_record_twice_is_one_finding() {
        let pysec = record("PYSEC-2021-1", &["CVE-2021-1"]);
        let copy = pysec.clone();
        let findings = merge_hits(vec![hit(&pysec), hit(&copy)]);
        assert_eq!(findings.len(), 1);
        assert_eq!(ids(&findings[0]), ["PYSEC-2021-1", "CVE-2021-1"]);
        assert!(merge_hits(vec![]).is_empty());
    }

    #[test]
    fn the_most_severe_rating_wins_and_a_score_breaks_ties() {
        let severity_of = |severities: Vec<AdvisorySeverity>| {
            let records: Vec<Advisory> = severities
                .into_iter()
                .enumerate()
                .map(|(index, severity)| {
                    let mut advisory = record(&format!("GHSA-{index}"), &["CVE-2024-1"]);
                    advisory.severity = severity;
                    advisory
                })
                .collect();
            let findings = merge_hits(records.iter().map(hit).collect());
            assert_eq!(findings.len(), 1);
            findings[0].severity.clone()
        };

        let high = cvss(7.5, SeveritySource::CvssV3);
        assert_eq!(
            severity_of(vec![AdvisorySeverity::unknown(), high.clone()]),
            high
        );
        // A database's "critical" outranks a scored "high".
        let critical = database(SeverityRating::Critical);
        assert_eq!(severity_of(vec![high.clone(), critical.clone()]), critical);
        // Equal ratings: the scored one, then the higher score.
        assert_eq!(
            severity_of(vec![database(SeverityRating::High), high.clone()]),
            high
        );
        let higher = cvss(8.1, SeveritySource::CvssV4);
        assert_eq!(severity_of(vec![high.clone(), higher.clone()]), higher);
        assert_eq!(severity_of(vec![higher.clone(), high]), higher);
    }

    #[test]
    fn the_fix_is_the_highest_any_record_names() {
        let fix_of = |fixes: Vec<Fix>| {
            let records: Vec<Advisory> = (0..fixes.len())
                .map(|index| record(&format!("GHSA-{index}"), &["CVE-2024-1"]))
                .collect();
            let hits = records
                .iter()
                .zip(fixes)
                .map(|(advisory, fix)| Hit {
                    advisory,
                    matched_by: MatchKind::Range,
                    fix,
                })
                .collect();
            merge_hits(hits).remove(0).fix
        };
        assert_eq!(
            fix_of(vec![fixed_in("1.0.2"), fixed_in("1.0.1")]),
            fixed_in("1.0.2")
        );
        // PEP 440 order, not text order.
        assert_eq!(
            fix_of(vec![fixed_in("1.10"), fixed_in("1.9"), fixed_in("1.10rc1")]),
            fixed_in("1.10")
        );
        // A record without a fix does not hide another record's fix.
        assert_eq!(
            fix_of(vec![Fix::None, fixed_in("2.0"), Fix::None]),
            fixed_in("2.0")
        );
        assert_eq!(fix_of(vec![Fix::None, Fix::None]), Fix::None);
    }

    #[test]
    fn details_come_from_the_primary_record_and_dates_span_all() {
        let at = |seconds: i64| Timestamp::from_second(seconds).unwrap();
        let mut pysec = record("PYSEC-2023-62", &["CVE-2023-30861"]);
        pysec.published = Some(at(300));
        pysec.modified = at(400);
        let mut ghsa = record("GHSA-m2qf-hxjv-5gpq", &["CVE-2023-30861"]);
        ghsa.summary = Some("Cookie header may be cached".to_string());
        ghsa.url = Some("https://example.invalid/ghsa".to_string());
        ghsa.published = Some(at(100));
        ghsa.modified = at(900);
        let mut cve = record("CVE-2023-30861", &[]);
        cve.summary = Some("a later summary".to_string());
        cve.modified = at(200);

        let hits = vec![
            Hit {
                advisory: &cve,
                matched_by: MatchKind::VersionList,
                fix: Fix::None,
            },
            Hit {
                advisory: &ghsa,
                matched_by: MatchKind::Range,
                fix: Fix::None,
            },
            Hit {
                advisory: &pysec,
                matched_by: MatchKind::VersionList,
                fix: Fix::None,
            },
        ];
        let finding = merge_hits(hits).remove(0);
        assert_eq!(finding.id.as_str(), "PYSEC-2023-62");
        // The primary has none: the next preferred record's (GHSA before CVE).
        assert_eq!(
            finding.summary.as_deref(),
            Some("Cookie header may be cached")
        );
        assert_eq!(finding.url.as_deref(), Some("https://example.invalid/ghsa"));
        assert_eq!(finding.published, Some(at(100)));
        assert_eq!(finding.modified, at(900));
        assert_eq!(finding.matched_by, MatchKind::VersionList);
        assert_eq!(finding.expired_ignore, None);

        pysec.summary = Some("Flask session cookie disclosure".to_string());
        let finding = merge_hits(vec![hit(&ghsa), hit(&pysec)]).remove(0);
        assert_eq!(
            finding.summary.as_deref(),
            Some("Flask session cookie disclosure")
        );
    }
}
