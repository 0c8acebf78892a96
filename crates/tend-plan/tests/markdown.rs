//! The plan's Markdown on the shared scenario (tests/common): phases, security fixes, held and
//! deferred updates, the pre-flight outcome, the summary and the commands, as snapshots.

#![allow(clippy::unwrap_used)]

mod common;

use common::{name, policy, scenario, POLICY};
use tend_plan::{markdown, Preflight};

#[test]
fn markdown_of_the_scenario() {
    let plan = scenario();
    let text = markdown(&plan, "services/payments");
    // Held items are not in the phase tables nor in the commands: they are not applied yet.
    let apply = &text[text.find("## How to apply").unwrap()..];
    assert!(!apply.contains("pytest"), "{apply}");
    assert!(
        apply.contains("$ uv pip install 'urllib3==1.26.18'"),
        "{apply}"
    );
    insta::assert_snapshot!(text);
}

#[test]
fn markdown_of_a_held_back_conflict() {
    let policy = policy(POLICY);
    let mut plan = scenario();
    // A resolver message with a pipe and a run of backticks: the fence must outlast it.
    let conflict = "Because urllib3==1.26.18 depends on six>=2 | and you require six==1.16.0,\n\
                    we can conclude that ``` your requirements are unsatisfiable.";
    assert!(plan.hold_back(&policy.categories, &name("urllib3"), conflict));
    plan.set_preflight(Preflight::HeldBack {
        resolver: "uv 0.9.0".to_string(),
        items: plan.ready_items().count(),
        held_back: vec![name("urllib3")],
    });
    let text = markdown(&plan, "a_b|c");
    assert!(text.starts_with("# Update plan: a\\_b\\|c\n"), "{text}");
    insta::assert_snapshot!(text);
}

#[test]
fn markdown_of_nothing_to_do() {
    let text = markdown(&common::empty_plan(), "quiet");
    insta::assert_snapshot!(text);
}
