//! Trying a batch of updates for real: wheels built here (a good patch, a minor release that
//! starts warning about deprecation, a major release that breaks the project's test), a live
//! venv with the old versions, trials made by pip. The good update is kept; the other two are
//! found by bisection and held back with the failing gate as the reason.

#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::str::FromStr;

use tend_inventory::{EnvironmentRequest, InventoryRequest};
use tend_model::{PackageName, Version};
use tend_policy::{Located, UpdatePolicy};
use tend_test::{TestContext, WheelSpec};
use tend_update::{try_updates, Installer, Setup, Snapshot, Update};

fn build_wheels(directory: &Path) {
    let module = |name: &str, version: &str, body: &str| {
        WheelSpec::new(name, version)
            .module(
                format!("{name}/__init__.py"),
                format!("__version__ = {version:?}\n{body}"),
            )
            .build(directory);
    };
    module("good", "1.0.0", "def value():\n    return 1\n");
    module("good", "1.0.1", "def value():\n    return 1\n");
    module("noisy", "1.0.0", "def api():\n    return 'ok'\n");
    module(
        "noisy",
        "1.1.0",
        "import warnings\n\ndef api():\n    warnings.warn('api() is deprecated; use api2()', DeprecationWarning, stacklevel=1)\n    return 'ok'\n",
    );
    module("breaking", "1.0.0", "def feature():\n    return 42\n");
    module(
        "breaking",
        "2.0.0",
        "def renamed_feature():\n    return 42\n",
    );
}

/// The project's own test: uses all three packages.
const CHECK_APP: &str = "\
import good, noisy, breaking
assert good.value() == 1
assert noisy.api() == 'ok'
assert breaking.feature() == 42
print('app ok')
";

fn update(name: &str, from: &str, to: &str, gates: &[&str]) -> Update {
    Update {
        name: PackageName::from_str(name).unwrap(),
        from: from.to_string(),
        to: Version::from_str(to).unwrap(),
        gates: gates.iter().map(ToString::to_string).collect(),
        fixes: Vec::new(),
    }
}

/// uv when the test command installed one (fast trials), else pip; the trial tests cover both.
fn installer() -> Installer {
    std::env::var_os("TEND_TEST_UV").map_or(Installer::Pip, |uv| Installer::Uv {
        program: PathBuf::from(uv),
    })
}

/// The local wheels only, and a cache of the test's own.
fn index_args(wheels: &Path, cache: &Path) -> Vec<String> {
    vec![
        "--no-index".to_string(),
        "--find-links".to_string(),
        wheels.display().to_string(),
        "--cache-dir".to_string(),
        cache.display().to_string(),
    ]
}

fn base_python() -> PathBuf {
    PathBuf::from(std::env::var("TEND_TEST_PYTHON").unwrap_or_else(|_| "python3".to_string()))
}

#[test]
fn the_breaking_updates_are_found_and_held_back_and_the_good_one_kept() {
    let mut context = TestContext::new();
    let wheels = context.root().join("wheels");
    fs_err::create_dir_all(&wheels).unwrap();
    build_wheels(&wheels);
    let live = context.create_venv();
    live.pip_install(&wheels, ["good==1.0.0", "noisy==1.0.0", "breaking==1.0.0"]);
    let project = context.project().to_path_buf();
    fs_err::write(project.join("check_app.py"), CHECK_APP).unwrap();
    let inventory = tend_inventory::load(&InventoryRequest {
        project: project.clone(),
        environment: Some(EnvironmentRequest::Venv(live.root.clone())),
        ..InventoryRequest::default()
    })
    .unwrap();
    let snapshot = Snapshot::capture(
        &inventory,
        Vec::new(),
        "2026-11-23T12:00:00Z".parse().unwrap(),
    );

    let policy = UpdatePolicy {
        test_command: Some(Located {
            value: vec!["python".to_string(), "check_app.py".to_string()],
            location: None,
        }),
        ..UpdatePolicy::default()
    };
    let index_args = index_args(&wheels, &context.root().join("cache"));
    let scratch = context.root().join("scratch");
    let outcome = try_updates(
        Setup {
            base_python: &base_python(),
            project: &project,
            scratch: &scratch,
            installer: &installer(),
            index_args: &index_args,
            policy: &policy,
            critical_imports: &["good".to_string()],
            snapshot: &snapshot,
            cache_is_fresh: true,
        },
        &[
            update("good", "1.0.0", "1.0.1", &["tests", "imports"]),
            update("noisy", "1.0.0", "1.1.0", &["tests", "deprecations"]),
            update("breaking", "1.0.0", "2.0.0", &["tests"]),
        ],
    )
    .unwrap();

    let kept: Vec<&str> = outcome.kept.iter().map(|u| u.name.as_ref()).collect();
    assert_eq!(kept, ["good"]);
    let held: Vec<(&str, &str)> = outcome
        .held_back
        .iter()
        .map(|h| (h.update.name.as_ref(), h.reason.as_str()))
        .collect();
    assert_eq!(held.len(), 2, "{held:#?}");
    assert_eq!(held[0].0, "noisy");
    assert!(
        held[0].1.starts_with("gate `deprecations` failed: new deprecation warnings: noisy: DeprecationWarning: api() is deprecated; use api2()"),
        "{}",
        held[0].1
    );
    assert_eq!(held[1].0, "breaking");
    assert!(
        held[1]
            .1
            .starts_with("gate `tests` failed: `python check_app.py` ended with exit code 1"),
        "{}",
        held[1].1
    );
    assert!(held[1].1.contains("AttributeError"), "{}", held[1].1);

    // The baseline, the batch, then the search: [good] passes, [noisy] and [breaking] fail.
    let tried: Vec<Vec<&str>> = outcome
        .trials
        .iter()
        .map(|trial| trial.updates.iter().map(AsRef::as_ref).collect())
        .collect();
    assert_eq!(
        tried,
        [
            vec![],
            vec!["good", "noisy", "breaking"],
            vec!["good"],
            vec!["good", "noisy"],
            vec!["good", "breaking"],
        ]
    );
    assert!(outcome.trials[0].passed);
    assert!(outcome.trials[2].passed);
    let gates: Vec<&str> = outcome.trials[2]
        .gates
        .iter()
        .map(|g| g.gate.as_str())
        .collect();
    assert_eq!(gates, ["check", "tests", "deprecations", "imports"]);
    // The test's own output is kept with the gate.
    let tests = &outcome.trials[2].gates[1];
    assert!(tests.step.as_ref().unwrap().output.contains("app ok"));
    // Trial directories do not outlive their trial.
    assert_eq!(fs_err::read_dir(&scratch).unwrap().count(), 0);
}

#[test]
fn gates_that_fail_without_any_update_hold_everything_back() {
    let mut context = TestContext::new();
    let wheels = context.root().join("wheels");
    fs_err::create_dir_all(&wheels).unwrap();
    build_wheels(&wheels);
    let live = context.create_venv();
    live.pip_install(&wheels, ["good==1.0.0"]);
    let project = context.project().to_path_buf();
    let inventory = tend_inventory::load(&InventoryRequest {
        project: project.clone(),
        environment: Some(EnvironmentRequest::Venv(live.root.clone())),
        ..InventoryRequest::default()
    })
    .unwrap();
    let snapshot = Snapshot::capture(
        &inventory,
        Vec::new(),
        "2026-11-23T12:00:00Z".parse().unwrap(),
    );
    let policy = UpdatePolicy {
        test_command: Some(Located {
            value: vec![
                "python".to_string(),
                "-c".to_string(),
                "raise SystemExit('tests are broken')".to_string(),
            ],
            location: None,
        }),
        ..UpdatePolicy::default()
    };
    let index_args = index_args(&wheels, &context.root().join("cache"));
    let outcome = try_updates(
        Setup {
            base_python: &base_python(),
            project: &project,
            scratch: &context.root().join("scratch"),
            installer: &installer(),
            index_args: &index_args,
            policy: &policy,
            critical_imports: &[],
            snapshot: &snapshot,
            cache_is_fresh: false,
        },
        &[update("good", "1.0.0", "1.0.1", &["tests"])],
    )
    .unwrap();
    assert!(outcome.kept.is_empty());
    assert_eq!(outcome.held_back.len(), 1);
    let reason = &outcome.held_back[0].reason;
    assert!(
        reason.starts_with("the gates fail without any update (gate `tests` failed"),
        "{reason}"
    );
    assert!(reason.contains("tests are broken"), "{reason}");
    // The batch, then the baseline; no search.
    assert_eq!(outcome.trials.len(), 2);
}
