//! `[update]` and `[gates]`: every key read, defaults, and every problem reported with its line;
//! category gate names checked against the built-in and the custom gates.

#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::{load, rendered_problems};
use tend_policy::{DEFAULT_GATE_TIMEOUT, DEFAULT_HEALTH_TIMEOUT};

#[test]
fn reads_every_key_of_update_and_gates() {
    let policy = load(
        r#"
[update]
test-command = ["pytest", "-q", "tests/unit"]
timeout = "15m"
health-url = "http://127.0.0.1:8000/health"
health-timeout = "90s"
pre-apply = [["systemctl", "stop", "worker"]]
post-apply = [["flask", "db", "upgrade"], ["systemctl", "restart", "app"]]
on-rollback = [["systemctl", "restart", "app"]]
require-approval = true

[gates.smoke]
command = ["python", "-m", "app.smoke"]
timeout = "2m"

[[categories]]
name = "critical"
packages = ["flask"]
sla = "24h"
gates = ["tests", "deprecations", "imports", "integrity", "smoke"]
"#,
    )
    .unwrap();
    let update = &policy.update;
    let test = update.test_command.as_ref().unwrap();
    assert_eq!(test.value, ["pytest", "-q", "tests/unit"]);
    assert_eq!(test.location.as_ref().unwrap().line, 3);
    assert_eq!(update.timeout, Duration::from_secs(15 * 60));
    assert_eq!(
        update.health_url.as_ref().unwrap().value,
        "http://127.0.0.1:8000/health"
    );
    assert_eq!(update.health_timeout, Duration::from_secs(90));
    assert_eq!(update.pre_apply.len(), 1);
    assert_eq!(update.post_apply[1].value, ["systemctl", "restart", "app"]);
    assert_eq!(update.on_rollback[0].value[0], "systemctl");
    assert!(update.require_approval);
    let smoke = update.gate("smoke").unwrap();
    assert_eq!(smoke.command, ["python", "-m", "app.smoke"]);
    assert_eq!(smoke.timeout, Some(Duration::from_secs(120)));
    assert_eq!(smoke.location.as_ref().unwrap().line, 12);
    assert_eq!(
        policy.categories.get("critical").unwrap().gates,
        ["tests", "deprecations", "imports", "integrity", "smoke"]
    );
}

#[test]
fn without_an_update_table_the_defaults_apply() {
    let policy = load("").unwrap();
    assert_eq!(policy.update.test_command, None);
    assert_eq!(policy.update.timeout, DEFAULT_GATE_TIMEOUT);
    assert_eq!(policy.update.health_timeout, DEFAULT_HEALTH_TIMEOUT);
    assert!(policy.update.gates.is_empty());
    assert!(!policy.update.require_approval);
}

#[test]
fn every_update_problem_is_reported_with_its_line() {
    insta::assert_snapshot!(rendered_problems(
        r#"[update]
test-command = []
timeout = "0m"
health-url = "localhost:8000/health"
post-apply = [[""]]

[gates.tests]
command = ["pytest"]

[gates.Smoke_Test]
command = ["true"]

[gates.lint]
command = []

[[categories]]
name = "critical"
packages = ["flask"]
sla = "24h"
gates = ["test", "lint", "integrity"]
"#
    ));
}

#[test]
fn an_unknown_update_key_suggests_the_closest() {
    insta::assert_snapshot!(rendered_problems("[update]\ntest_command = [\"pytest\"]\n"));
}
