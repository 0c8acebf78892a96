#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use common::{load, rendered_problems};
use tend_model::PackageName;
use tend_policy::{
    load_file, MatchReason, PackagePattern, Policy, Preset, Target, UpdateStrategy,
    FALLBACK_CATEGORY,
};

fn name(text: &str) -> PackageName {
    PackageName::from_str(text).unwrap()
}

/// `(category, reason)` of a package.
fn placed(policy: &Policy, package: &str, vulnerable: bool) -> (String, MatchReason) {
    let found = policy.categories.category_for(&name(package), vulnerable);
    (found.category.name.clone(), found.reason)
}

const TWO: &str = r#"
[[categories]]
name = "critical"
packages = ["Flask", "flask-*", "cryptography"]
sla = "24h"
strategy = "patch"
target = "minimal-fix"
gates = ["tests", "imports"]
min-age = "12h"
security-min-age = "6h"

[[categories]]
name = "standard"
packages = ["flask_login", "py?wt", "*-sdk"]
sla = "30d"
strategy = "pin-major"
vulnerable = true

[fallback-category]
sla = "90d"
strategy = "major"
"#;

#[test]
fn reads_every_key_of_a_category() {
    let policy = load(TWO).unwrap();
    let categories: Vec<_> = policy.categories.iter().collect();
    assert_eq!(categories.len(), 2);
    let critical = categories[0];
    assert_eq!(critical.name, "critical");
    assert_eq!(
        critical.packages,
        [
            PackagePattern::Exact(name("flask")),
            PackagePattern::Glob("flask-*".to_string()),
            PackagePattern::Exact(name("cryptography")),
        ]
    );
    assert_eq!(critical.sla, Some(Duration::from_secs(86_400)));
    assert_eq!(critical.strategy, UpdateStrategy::Patch);
    assert_eq!(critical.target, Target::MinimalFix);
    assert_eq!(critical.gates, ["tests", "imports"]);
    assert_eq!(critical.min_age, Some(Duration::from_secs(12 * 3600)));
    assert_eq!(
        critical.security_min_age,
        Some(Duration::from_secs(6 * 3600))
    );
    assert_eq!(critical.location.as_ref().unwrap().line, 2);
    let standard = categories[1];
    assert_eq!(standard.strategy, UpdateStrategy::PinMajor);
    assert_eq!(standard.strategy.ceiling(), tend_model::Strategy::Minor);
    assert_eq!(standard.min_age, None);
    assert_eq!(standard.target, Target::Newest);
    assert_eq!(standard.location.as_ref().unwrap().line, 12);
    let fallback = policy.categories.fallback();
    assert_eq!(fallback.name, FALLBACK_CATEGORY);
    assert_eq!(fallback.sla, Some(Duration::from_secs(90 * 86_400)));
    assert_eq!(fallback.strategy, UpdateStrategy::Major);
    assert_eq!(policy.categories.get("standard"), Some(standard));
    assert_eq!(policy.categories.get(FALLBACK_CATEGORY), Some(fallback));
}

#[test]
fn an_exact_name_wins_over_an_earlier_glob() {
    let policy = load(TWO).unwrap();
    // `flask-*` in `critical` would take flask-login, but `standard` names it.
    assert_eq!(
        placed(&policy, "Flask.Login", false),
        ("standard".to_string(), MatchReason::Exact)
    );
    assert_eq!(
        placed(&policy, "FLASK", false),
        ("critical".to_string(), MatchReason::Exact)
    );
}

#[test]
fn globs_match_in_file_order() {
    let policy = load(TWO).unwrap();
    assert_eq!(
        placed(&policy, "flask_cors", false),
        (
            "critical".to_string(),
            MatchReason::Glob("flask-*".to_string())
        )
    );
    assert_eq!(
        placed(&policy, "pyjwt", false),
        (
            "standard".to_string(),
            MatchReason::Glob("py?wt".to_string())
        )
    );
    assert_eq!(
        placed(&policy, "azure-sdk", false),
        (
            "standard".to_string(),
            MatchReason::Glob("*-sdk".to_string())
        )
    );
    // A glob written first takes a package a later glob matches too.
    let policy = load(
        "[[categories]]\nname = \"a\"\npackages = [\"flask-*\"]\nsla = \"1d\"\n\n[[categories]]\nname = \"b\"\npackages = [\"*-cors\"]\nsla = \"1d\"\n",
    )
    .unwrap();
    assert_eq!(placed(&policy, "flask-cors", false).0, "a");
    assert_eq!(placed(&policy, "django-cors", false).0, "b");
}

#[test]
fn unmatched_packages_fall_back() {
    let policy = load(TWO).unwrap();
    assert_eq!(
        placed(&policy, "numpy", false),
        (FALLBACK_CATEGORY.to_string(), MatchReason::Fallback)
    );
    // `flask-*` needs the dash: flask itself is matched exactly, flaskx by nothing.
    assert_eq!(placed(&policy, "flaskx", false).0, FALLBACK_CATEGORY);
}

#[test]
fn a_vulnerable_package_goes_to_the_marked_category_whatever_its_name() {
    let policy = load(TWO).unwrap();
    for package in ["flask", "numpy", "flask-cors"] {
        assert_eq!(
            placed(&policy, package, true),
            (
                "standard".to_string(),
                MatchReason::Vulnerable { marked: true }
            ),
            "{package}"
        );
    }
}

#[test]
fn without_a_mark_a_vulnerable_package_goes_to_the_first_category() {
    let policy = load(&TWO.replace("vulnerable = true", "vulnerable = false")).unwrap();
    assert_eq!(
        placed(&policy, "numpy", true),
        (
            "critical".to_string(),
            MatchReason::Vulnerable { marked: false }
        )
    );
    assert_eq!(placed(&policy, "numpy", false).0, FALLBACK_CATEGORY);
}

#[test]
fn without_categories_everything_falls_back() {
    let policy = load("").unwrap();
    assert!(policy.categories.is_empty());
    assert_eq!(
        placed(&policy, "flask", true),
        (FALLBACK_CATEGORY.to_string(), MatchReason::Fallback)
    );
    assert_eq!(policy.categories.fallback().sla, None);
    assert_eq!(
        policy,
        Policy {
            file: policy.file.clone(),
            ..Policy::default()
        }
    );
}

#[test]
fn categories_in_pyproject() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pyproject.toml");
    fs_err::write(
        &path,
        "[project]\nname = \"svc\"\n\n[[tool.tend.categories]]\nname = \"critical\"\npackages = [\"flask\"]\nsla = \"1d\"\n",
    )
    .unwrap();
    let policy = load_file(&path).unwrap();
    let critical = policy.categories.iter().next().unwrap();
    assert_eq!(critical.location.as_ref().unwrap().line, 4);
    assert_eq!(placed(&policy, "flask", false).0, "critical");
}

#[test]
fn every_category_problem_is_reported_with_its_line() {
    insta::assert_snapshot!(rendered_problems(
        r#"[[categories]]
name = "critical"
packages = ["flask", "flask-[ab]", "not a name"]
sla = "a day"
strategy = "minr"
gates = ["tests", "tests", ""]
vulnerable = true

[[categories]]
name = "critical"
packages = ["Flask", "flask-*"]
sla = "1w"
min-age = "7 days"
vulnerable = true

[[categories]]
name = "other"
packages = ["flask-*"]
security-min-age = "1y"

[[categories]]
name = "empty"

[fallback-category]
strategy = "pin_major"
target = "minimal_fix"
"#
    ));
}

#[test]
fn an_unknown_category_key_suggests_the_closest() {
    insta::assert_snapshot!(rendered_problems(
        "[[categories]]\nname = \"critical\"\npackages = [\"flask\"]\nsla = \"1d\"\nmin_age = \"7d\"\n"
    ));
}

#[test]
fn an_unknown_fallback_key_suggests_the_closest() {
    insta::assert_snapshot!(rendered_problems("[fallback-category]\nslas = \"90d\"\n"));
}

#[test]
fn every_preset_loads_back() {
    for preset in Preset::ALL {
        let policy = load(preset.text()).unwrap_or_else(|error| panic!("{preset:?}: {error:?}"));
        assert!(
            policy.categories.fallback().sla.is_some(),
            "{preset:?} sets the fallback's SLA"
        );
    }
}

#[test]
fn the_web_service_preset_places_the_seed_packages() {
    let policy = load(Preset::WebService.text()).unwrap();
    let names: Vec<_> = policy
        .categories
        .iter()
        .map(|category| {
            (
                category.name.as_str(),
                category.sla.unwrap().as_secs() / 3600,
            )
        })
        .collect();
    assert_eq!(
        names,
        [
            ("critical", 24),
            ("high", 7 * 24),
            ("banking-specific", 14 * 24),
            ("standard", 30 * 24)
        ]
    );
    assert_eq!(
        policy.categories.fallback().sla,
        Some(Duration::from_secs(90 * 86_400))
    );
    let expected = [
        ("critical", "flask sqlalchemy flask-login flask-jwt-extended cryptography werkzeug"),
        ("high", "flask-cors flask-limiter flask-socketio psycopg2-binary gunicorn flask-sqlalchemy flask-session flask-wtf"),
        ("banking-specific", "plaid-python pyjwt pyotp reportlab weasyprint web3"),
        ("standard", "requests pandas numpy pytest flask-babel flask-mail"),
        (FALLBACK_CATEGORY, "django boto3 jinja2"),
    ];
    for (category, packages) in expected {
        for package in packages.split(' ') {
            assert_eq!(placed(&policy, package, false).0, category, "{package}");
        }
    }
    assert_eq!(
        placed(&policy, "flask-babel", false).1,
        MatchReason::Glob("flask-*".to_string())
    );
    assert_eq!(
        placed(&policy, "boto3", true),
        (
            "critical".to_string(),
            MatchReason::Vulnerable { marked: true }
        )
    );
    assert_eq!(
        policy.categories.get("banking-specific").unwrap().strategy,
        UpdateStrategy::PinMajor
    );
}

#[test]
fn the_documented_example_loads() {
    let docs = fs_err::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/configuration.md"),
    )
    .unwrap();
    let section = docs.split("## Categories\n").nth(1).unwrap();
    let example = section
        .split("```toml\n")
        .nth(1)
        .unwrap()
        .split("```")
        .next()
        .unwrap();
    let policy = load(example).unwrap();
    assert_eq!(placed(&policy, "flask-cors", false).0, "standard");
    assert_eq!(placed(&policy, "flask-login", false).0, "critical");
    assert_eq!(
        placed(&policy, "numpy", true),
        (
            "critical".to_string(),
            MatchReason::Vulnerable { marked: true }
        )
    );
}

/// The starter's commented examples stay valid: uncommenting every example line (a table
/// header, a `key = value`, or a comment inside an example) gives a policy that loads.
#[test]
fn the_starters_commented_examples_are_valid() {
    let uncommented: String = Preset::Starter
        .text()
        .lines()
        .map(|line| {
            let example = line.strip_prefix("# ").filter(|rest| {
                rest.starts_with('[')
                    || rest.starts_with('#')
                    || rest.split_once(" = ").is_some_and(|(key, _)| {
                        key.chars().all(|c| c.is_ascii_lowercase() || c == '-')
                    })
            });
            example.unwrap_or(line)
        })
        .fold(String::new(), |text, line| text + line + "\n");
    assert!(uncommented.contains("\n[[categories]]\n"), "{uncommented}");
    let policy = load(&uncommented).unwrap_or_else(|error| panic!("{error:?}\n{uncommented}"));
    let names: Vec<_> = policy.categories.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["critical", "standard"]);
    assert_eq!(policy.check.critical_imports.len(), 1);
    let channels: Vec<_> = policy
        .notify
        .channels
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(channels, ["ops-mail", "team-chat"]);
    let schedules: Vec<_> = policy
        .schedules()
        .iter()
        .map(|s| s.name.as_str().to_string())
        .collect();
    assert_eq!(schedules, ["daily-audit"]);
    assert_eq!(policy.retention.keep.as_secs(), 90 * 24 * 60 * 60);
}
