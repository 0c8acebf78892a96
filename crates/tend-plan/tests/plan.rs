//! The planning rules with fixed dates: category placement, SLA clocks, overdue, cooldown and
//! its security bypass, minimal fixes, deferrals, phase order and the summary.

#![allow(clippy::unwrap_used)]

mod common;

use common::{
    at, audit, finding, item, name, outdated, package, policy, release, scenario, scenario_with,
    version, vulnerable, NOW, POLICY,
};
use jiff::SignedDuration;
use tend_model::{AdvisoryId, ChangeKind, SeverityRating};
use tend_plan::{
    plan, ClockStart, CooldownRule, DeferReason, Matched, PlanInput, Preflight, Reason, Risk,
};

#[test]
fn phases_follow_category_order() {
    let plan = scenario();
    let phases: Vec<(&str, Vec<&str>)> = plan
        .phases
        .iter()
        .map(|phase| {
            (
                phase.category.as_str(),
                phase.items.iter().map(|item| item.name.as_ref()).collect(),
            )
        })
        .collect();
    // Within a phase, earliest due date first: flask (10-02), requests (11-21), urllib3
    // (11-24).
    assert_eq!(
        phases,
        vec![
            ("critical", vec!["flask", "requests", "urllib3"]),
            ("standard", vec!["flask-cors"]),
            ("other", vec!["pytest"]),
        ]
    );
}

#[test]
fn categories_place_by_name_glob_vulnerability_and_fallback() {
    let plan = scenario();
    assert_eq!(item(&plan, "flask").matched, Matched::Exact);
    assert_eq!(
        item(&plan, "flask-cors").matched,
        Matched::Glob {
            glob: "flask-*".to_string()
        }
    );
    // requests is named by standard; its open advisory moves it to the marked category.
    assert_eq!(item(&plan, "requests").category, "critical");
    assert_eq!(
        item(&plan, "requests").matched,
        Matched::Vulnerable { marked: true }
    );
    assert_eq!(item(&plan, "pytest").matched, Matched::Fallback);
    assert_eq!(item(&plan, "pytest").category, "other");
}

#[test]
fn unmarked_vulnerable_package_goes_to_the_first_category() {
    let policy = policy(
        r#"
[[categories]]
name = "urgent"
packages = ["flask"]
sla = "2d"
strategy = "major"

[[categories]]
name = "later"
packages = ["requests"]
sla = "30d"
"#,
    );
    let outdated = outdated(vec![package(
        "requests",
        "2.31.0",
        vec![release("2.32.0", "2026-11-01T00:00:00Z")],
    )]);
    let audit = audit(vec![vulnerable(
        "requests",
        "2.31.0",
        vec![finding(
            "GHSA-9wx4-h78v-vm56",
            SeverityRating::Low,
            "2.32.0",
            "2026-11-20T00:00:00Z",
        )],
    )]);
    let plan = plan(&PlanInput {
        now: at(NOW),
        categories: &policy.categories,
        audit: &audit,
        outdated: &outdated,
    });
    let requests = item(&plan, "requests");
    assert_eq!(requests.category, "urgent");
    assert_eq!(requests.matched, Matched::Vulnerable { marked: false });
    // 2 days from publication.
    assert_eq!(requests.due, Some(at("2026-11-22T00:00:00Z")));
}

#[test]
fn ordinary_clock_starts_at_the_first_newer_release() {
    let plan = scenario();
    let flask = item(&plan, "flask");
    assert_eq!(flask.to, version("2.3.3"));
    assert_eq!(
        flask.clock.start,
        ClockStart::FirstNewerRelease {
            version: version("2.3.3")
        }
    );
    assert_eq!(flask.clock.started, Some(at("2026-10-01T00:00:00Z")));
    assert_eq!(flask.clock.sla, Some(SignedDuration::from_hours(24)));
    assert_eq!(flask.due, Some(at("2026-10-02T00:00:00Z")));
    // From 10-02 00:00 to 11-23 12:00.
    assert_eq!(
        flask.overdue_by,
        Some(SignedDuration::from_hours(52 * 24 + 12))
    );
    assert_eq!(flask.cooldown.rule, CooldownRule::Ordinary);
    assert!(flask.cooldown.passed);
    assert_eq!(flask.risk, Risk::Low);
    assert_eq!(flask.command, "uv pip install 'flask==2.3.3'");
    assert_eq!(
        flask.reasons,
        vec![Reason::UpdateAvailable {
            latest: version("3.0.0")
        }]
    );
}

#[test]
fn security_clock_starts_at_publication_and_bypasses_min_age() {
    let plan = scenario();
    let requests = item(&plan, "requests");
    // 2.32.0 is younger than min-age (7d) but older than security-min-age (1d); 2.32.3 is
    // younger than both.
    assert_eq!(requests.to, version("2.32.0"));
    assert_eq!(requests.cooldown.rule, CooldownRule::Security);
    assert_eq!(
        requests.cooldown.min_age,
        Some(SignedDuration::from_hours(24))
    );
    assert!(requests.cooldown.passed);
    assert_eq!(
        requests.clock.start,
        ClockStart::AdvisoryPublished {
            id: AdvisoryId::new("GHSA-9wx4-h78v-vm56").unwrap()
        }
    );
    assert_eq!(requests.due, Some(at("2026-11-21T00:00:00Z")));
    assert_eq!(
        requests.overdue_by,
        Some(SignedDuration::from_hours(2 * 24 + 12))
    );
    // A minor change that fixes an advisory: one level above medium.
    assert_eq!(requests.risk, Risk::High);
    assert!(matches!(
        &requests.reasons[0],
        Reason::Fixes { advisory } if advisory.severity == SeverityRating::Medium
    ));
}

#[test]
fn target_fixes_every_advisory_even_when_newer_is_held_back() {
    let plan = scenario();
    let urllib3 = item(&plan, "urllib3");
    // 1.26.17 fixes one advisory only; 1.26.19 is inside the security cooldown.
    assert_eq!(urllib3.to, version("1.26.18"));
    assert_eq!(urllib3.change, ChangeKind::Patch);
    assert_eq!(urllib3.risk, Risk::Medium);
    // The earliest publication of the two starts the clock.
    assert_eq!(urllib3.clock.started, Some(at("2026-11-23T00:00:00Z")));
    assert_eq!(urllib3.due, Some(at("2026-11-24T00:00:00Z")));
    assert_eq!(urllib3.overdue_by, None);
    let fixed: Vec<&str> = urllib3
        .reasons
        .iter()
        .filter_map(|reason| match reason {
            Reason::Fixes { advisory } => Some(advisory.id.as_str()),
            Reason::UpdateAvailable { .. } => None,
        })
        .collect();
    assert_eq!(fixed, vec!["GHSA-g4mx-q9vg-27p4", "GHSA-v845-jxx5-vc9f"]);
}

#[test]
fn ordinary_update_inside_cooldown_is_held_until_eligible() {
    let plan = scenario();
    let pytest = item(&plan, "pytest");
    assert!(pytest.is_held());
    assert_eq!(pytest.cooldown.rule, CooldownRule::Ordinary);
    assert_eq!(pytest.cooldown.eligible, Some(at("2026-12-04T00:00:00Z")));
    assert_eq!(pytest.due, Some(at("2027-02-18T00:00:00Z")));
    assert_eq!(pytest.overdue_by, None);
}

#[test]
fn fix_beyond_strategy_and_pin_major_are_deferred() {
    let plan = scenario();
    let deferred: Vec<(&str, String, &DeferReason, Vec<&str>)> = plan
        .deferred
        .iter()
        .map(|d| {
            (
                d.name.as_ref(),
                d.to.to_string(),
                &d.reason,
                d.would_fix.iter().map(|a| a.id.as_str()).collect(),
            )
        })
        .collect();
    assert_eq!(
        deferred,
        vec![
            (
                "jinja2",
                "3.1.3".to_string(),
                &DeferReason::FixBeyondStrategy { strategy: "minor" },
                vec!["GHSA-h5c8-rqwp-cp95"],
            ),
            (
                "flask-cors",
                "4.0.0".to_string(),
                &DeferReason::PinMajor,
                vec![],
            ),
        ]
    );
    // Under minor (not pin-major) a newer major release is simply not proposed.
    assert!(!plan.deferred.iter().any(|d| d.name.as_ref() == "flask"));
    assert_eq!(item(&plan, "flask-cors").to, version("3.0.11"));
}

#[test]
fn pin_major_lists_advisories_only_the_major_release_fixes() {
    let policy = policy(
        r#"
[[categories]]
name = "pinned"
packages = ["django"]
sla = "7d"
strategy = "pin-major"
vulnerable = true
"#,
    );
    let outdated = outdated(vec![package(
        "django",
        "4.2.0",
        vec![
            release("4.2.1", "2026-10-01T00:00:00Z"),
            release("5.0.0", "2026-10-02T00:00:00Z"),
        ],
    )]);
    let audit = audit(vec![vulnerable(
        "django",
        "4.2.0",
        vec![finding(
            "GHSA-aaaa-bbbb-cccc",
            SeverityRating::Critical,
            "5.0.0",
            "2026-11-01T00:00:00Z",
        )],
    )]);
    let plan = plan(&PlanInput {
        now: at(NOW),
        categories: &policy.categories,
        audit: &audit,
        outdated: &outdated,
    });
    // The fix needs the major release: the whole update is deferred, naming the advisory.
    assert!(plan.phases.is_empty());
    assert_eq!(plan.deferred.len(), 1);
    assert_eq!(
        plan.deferred[0].reason,
        DeferReason::FixBeyondStrategy {
            strategy: "pin-major"
        }
    );
    assert_eq!(
        plan.deferred[0].would_fix[0].id.as_str(),
        "GHSA-aaaa-bbbb-cccc"
    );
}

#[test]
fn summary_counts() {
    let plan = scenario();
    let summary = &plan.summary;
    assert_eq!(summary.items, 5);
    assert_eq!(summary.held, 1);
    assert_eq!(summary.security, 2);
    // flask, requests, flask-cors (due 2026-10-01).
    assert_eq!(summary.overdue, 3);
    assert_eq!(summary.deferred, 2);
    assert_eq!(summary.overall_risk, Some(Risk::High));
    let by_risk: Vec<(Risk, usize)> = summary.by_risk.iter().map(|(r, n)| (*r, *n)).collect();
    assert_eq!(
        by_risk,
        vec![
            (Risk::Low, 3),
            (Risk::Medium, 1),
            (Risk::High, 1),
            (Risk::Critical, 0)
        ]
    );
    let by_category: Vec<(&str, usize, usize, usize, usize)> = summary
        .by_category
        .iter()
        .map(|c| (c.category.as_str(), c.items, c.held, c.overdue, c.deferred))
        .collect();
    assert_eq!(
        by_category,
        vec![
            ("critical", 3, 0, 2, 1),
            ("standard", 1, 0, 1, 1),
            ("other", 1, 1, 0, 0),
        ]
    );
}

#[test]
fn json_document_is_versioned() {
    let plan = scenario();
    let json: serde_json::Value = serde_json::from_str(&tend_plan::json_text(&plan)).unwrap();
    assert_eq!(json["kind"], "plan");
    assert_eq!(json["schema_version"], 1);
    assert_eq!(json["phases"][0]["items"][0]["name"], "flask");
    assert_eq!(json["phases"][0]["items"][0]["due"], "2026-10-02T00:00:00Z");
    assert_eq!(json["summary"]["overall_risk"], "high");
    assert_eq!(json["phases"][0]["sla_seconds"], 86_400);
    assert_eq!(
        json["phases"][0]["items"][0]["overdue_by_seconds"],
        (52 * 24 + 12) * 3600
    );
    assert_eq!(
        json["phases"][0]["items"][1]["cooldown"]["min_age_seconds"],
        86_400
    );
}

#[test]
fn vulnerable_packages_without_a_proposal_are_deferred_not_dropped() {
    let policy = policy(POLICY);
    // requests: the index lists no fixed release; pyyaml: not compared with any index.
    let outdated = outdated(vec![package(
        "requests",
        "2.31.0",
        vec![release("2.31.1", "2026-10-01T00:00:00Z")],
    )]);
    let audit = audit(vec![
        vulnerable(
            "requests",
            "2.31.0",
            vec![finding(
                "GHSA-9wx4-h78v-vm56",
                SeverityRating::Medium,
                "2.32.0",
                "2026-11-20T00:00:00Z",
            )],
        ),
        vulnerable(
            "pyyaml",
            "5.3",
            vec![finding(
                "GHSA-8q59-q68h-6hv4",
                SeverityRating::Critical,
                "5.4",
                "2026-11-20T00:00:00Z",
            )],
        ),
    ]);
    let plan = plan(&PlanInput {
        now: at(NOW),
        categories: &policy.categories,
        audit: &audit,
        outdated: &outdated,
    });
    assert!(plan.phases.is_empty());
    let deferred: Vec<(&str, String, &DeferReason, &str)> = plan
        .deferred
        .iter()
        .map(|d| {
            (
                d.name.as_ref(),
                d.to.to_string(),
                &d.reason,
                d.category.as_str(),
            )
        })
        .collect();
    assert_eq!(
        deferred,
        vec![
            (
                "requests",
                "2.32.0".to_string(),
                &DeferReason::FixNotOnIndex,
                "critical"
            ),
            (
                "pyyaml",
                "5.4".to_string(),
                &DeferReason::NotCompared,
                "critical"
            ),
        ]
    );
    assert_eq!(plan.summary.deferred, 2);
    assert_eq!(plan.summary.overall_risk, None);
}

#[test]
fn minimal_fix_moves_a_security_update_only_as_far_as_the_fix() {
    // The same scenario, with critical's target the minimal fix and no security cooldown, so
    // that the newest allowed release (1.26.19) would otherwise be proposed.
    let minimal = POLICY.replace(
        "security-min-age = \"1d\"",
        "security-min-age = \"0m\"\ntarget = \"minimal-fix\"",
    );
    let newest = POLICY.replace("security-min-age = \"1d\"", "security-min-age = \"0m\"");
    let plan_newest = scenario_with(&newest);
    let urllib3 = item(&plan_newest, "urllib3");
    assert_eq!(urllib3.to, version("1.26.19"));
    assert_eq!(urllib3.target, "newest");

    let plan = scenario_with(&minimal);
    let urllib3 = item(&plan, "urllib3");
    // 1.26.17 fixes one of the two advisories: 1.26.18 is the smallest that fixes both.
    assert_eq!(urllib3.to, version("1.26.18"));
    assert_eq!(urllib3.target, "minimal-fix");
    assert!(tend_plan::table(&plan).contains("target: minimal-fix"));
    // requests is vulnerable too: its fix 2.32.0 rather than the newest 2.32.3.
    assert_eq!(item(&plan, "requests").to, version("2.32.0"));
    assert_eq!(item(&plan_newest, "requests").to, version("2.32.3"));
    // flask fixes nothing: the target rule does not apply to it.
    let flask = item(&plan, "flask");
    assert_eq!(flask.to, version("2.3.3"));
    assert_eq!(flask.target, "newest");
}

#[test]
fn an_item_that_does_not_resolve_is_held_back_with_the_conflict() {
    let policy = policy(POLICY);
    let mut plan = scenario();
    assert_eq!(
        plan.preflight,
        Preflight::NotRun {
            reason: "not checked".to_string()
        }
    );
    let items_before = plan.summary.items;
    let deferred_before = plan.summary.deferred;
    let conflict = "Because urllib3==1.26.18 depends on six>=2 and you require six==1.16.0, \
                    we can conclude that your requirements are unsatisfiable.";
    assert!(plan.hold_back(&policy.categories, &name("urllib3"), conflict));
    assert!(!plan.hold_back(&policy.categories, &name("urllib3"), conflict));
    assert!(!plan.hold_back(&policy.categories, &name("numpy"), conflict));
    assert!(plan
        .phases
        .iter()
        .flat_map(|phase| &phase.items)
        .all(|item| item.name.as_ref() != "urllib3"));
    let held = plan
        .deferred
        .iter()
        .find(|deferred| deferred.name.as_ref() == "urllib3")
        .unwrap();
    assert_eq!(held.to, version("1.26.18"));
    assert_eq!(
        held.reason,
        DeferReason::Conflict {
            conflict: conflict.to_string()
        }
    );
    let would_fix: Vec<&str> = held.would_fix.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(
        would_fix,
        vec!["GHSA-g4mx-q9vg-27p4", "GHSA-v845-jxx5-vc9f"]
    );
    assert_eq!(plan.summary.items, items_before - 1);
    assert_eq!(plan.summary.deferred, deferred_before + 1);
    plan.set_preflight(Preflight::HeldBack {
        resolver: "uv 0.9.0".to_string(),
        items: plan.ready_items().count(),
        held_back: vec![name("urllib3")],
    });
    let table = tend_plan::table(&plan);
    assert!(
        table.contains("does not resolve with the rest of the plan"),
        "{table}"
    );
    assert!(
        table.contains("| Because urllib3==1.26.18 depends on six>=2"),
        "{table}"
    );
    assert!(table.contains("1 held back (uv 0.9.0)"), "{table}");
    let json = tend_plan::json_text(&plan);
    assert!(json.contains("\"status\": \"held-back\""), "{json}");
    assert!(json.contains("\"kind\": \"conflict\""), "{json}");
}
