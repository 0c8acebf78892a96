//! `tend update` end to end: wheels built here and served by a package index on 127.0.0.1 (a
//! good patch release, a minor release that starts warning about deprecation, a major release
//! that breaks the project's test), a real venv with the old versions, a requirements file
//! pinning them. The good update is written back byte for byte; the two others are found by
//! bisection and held back with the failing gate; the snapshot and the run are recorded.

#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{module, run_json, tend, uv, wheel_index};
use tend_test::http::TestServer;
use tend_test::{TestContext, WheelSpec};

const NOW: &str = "2026-11-23T12:00:00Z";
const OLD: &str = "2025-01-01T00:00:00Z";
const NEW: &str = "2026-11-01T00:00:00Z";

const POLICY: &str = r#"[update]
test-command = ["python", "check_app.py"]

[advisories]
sources = ["advisories"]

[[categories]]
name = "critical"
packages = ["good", "noisy", "breaking"]
sla = "30d"
strategy = "major"
min-age = "7d"
gates = ["tests", "deprecations"]
"#;

/// `good` below 1.0.1 is vulnerable: its update is a security fix.
const GOOD_ADVISORY: &str = r#"id: PYSEC-2026-7
modified: 2026-11-10T00:00:00Z
published: 2026-11-10T00:00:00Z
summary: Good trusts its input
affected:
- package: {ecosystem: PyPI, name: good}
  ranges:
  - type: ECOSYSTEM
    events: [{introduced: "0"}, {fixed: 1.0.1}]
"#;

const CHECK_APP: &str = "\
import good, noisy, breaking
assert good.value() == 1
assert noisy.api() == 'ok'
assert breaking.feature() == 42
print('app ok')
";

const REQUIREMENTS: &str =
    "# The service's pins.\ngood==1.0.0\nnoisy==1.0.0  # the API we call\nbreaking==1.0.0\n";

fn wheels() -> Vec<(WheelSpec, &'static str)> {
    vec![
        (module("good", "1.0.0", "def value():\n    return 1\n"), OLD),
        (module("good", "1.0.1", "def value():\n    return 1\n"), NEW),
        (module("noisy", "1.0.0", "def api():\n    return 'ok'\n"), OLD),
        (
            module(
                "noisy",
                "1.1.0",
                "import warnings\n\ndef api():\n    warnings.warn('api() is deprecated', DeprecationWarning, stacklevel=1)\n    return 'ok'\n",
            ),
            NEW,
        ),
        (module("breaking", "1.0.0", "def feature():\n    return 42\n"), OLD),
        (module("breaking", "2.0.0", "def renamed():\n    return 42\n"), NEW),
    ]
}

struct Setup {
    context: TestContext,
    server: TestServer,
    store: PathBuf,
    venv: tend_test::Venv,
    wheels: PathBuf,
}

fn setup() -> Setup {
    let mut context = TestContext::new();
    let folder = context.root().join("wheels");
    let server = wheel_index(&folder, &wheels());
    let venv = context.create_venv();
    venv.pip_install(
        &folder,
        [
            "--no-deps",
            "good==1.0.0",
            "noisy==1.0.0",
            "breaking==1.0.0",
        ],
    );
    let project = context.project();
    fs_err::write(project.join("tend.toml"), POLICY).unwrap();
    fs_err::write(project.join("check_app.py"), CHECK_APP).unwrap();
    fs_err::write(project.join("requirements.txt"), REQUIREMENTS).unwrap();
    fs_err::create_dir_all(project.join("advisories")).unwrap();
    fs_err::write(project.join("advisories/PYSEC-2026-7.yaml"), GOOD_ADVISORY).unwrap();
    let store = context.root().join("history.sqlite3");
    Setup {
        context,
        server,
        store,
        venv,
        wheels: folder,
    }
}

fn command(setup: &Setup, args: &[&str]) -> Command {
    let mut command = tend(&setup.context, args);
    command
        .arg("--project")
        .arg(setup.context.project())
        .arg("--index-url")
        .arg(setup.server.url_for("/simple/"))
        .arg("--store")
        .arg(&setup.store)
        .env("TEND_NOW", NOW)
        .env("TEND_UV", uv())
        .env("UV_PYTHON_DOWNLOADS", "never");
    command
}

fn requirements(setup: &Setup) -> String {
    fs_err::read_to_string(setup.context.project().join("requirements.txt")).unwrap()
}

fn history(setup: &Setup) -> serde_json::Value {
    run_json(
        tend(&setup.context, &["history", "--format", "json", "--store"]).arg(&setup.store),
        0,
    )
}

#[test]
fn good_updates_land_and_breaking_ones_are_held_back() {
    let setup = setup();
    let json = run_json(&mut command(&setup, &["update", "--format", "json"]), 1);
    let names = |list: &serde_json::Value, key: &str| -> Vec<String> {
        list.as_array()
            .unwrap()
            .iter()
            .map(|entry| {
                let entry = if key.is_empty() { entry } else { &entry[key] };
                entry["name"].as_str().unwrap().to_string()
            })
            .collect()
    };
    assert_eq!(names(&json["kept"], ""), ["good"], "{json:#}");
    let mut held = names(&json["held_back"], "update");
    held.sort();
    assert_eq!(held, ["breaking", "noisy"]);
    let reason = |name: &str| {
        json["held_back"]
            .as_array()
            .unwrap()
            .iter()
            .find(|held| held["update"]["name"] == name)
            .unwrap()["reason"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let noisy = reason("noisy");
    assert!(
        noisy.contains("gate `deprecations` failed") && noisy.contains("api() is deprecated"),
        "{noisy}"
    );
    let breaking = reason("breaking");
    assert!(
        breaking.contains("gate `tests` failed") && breaking.contains("AttributeError"),
        "{breaking}"
    );

    // Only good's pin moved; the comments and the other pins are as they were.
    assert_eq!(
        requirements(&setup),
        "# The service's pins.\ngood==1.0.1\nnoisy==1.0.0  # the API we call\nbreaking==1.0.0\n"
    );
    // The index URL went into the installer's requirements file, not onto its command line.
    let install = json["trials"][0]["install"]["command"].as_str().unwrap();
    assert!(!install.contains("--index-url"), "{install}");
    let file = &json["files"][0];
    assert_eq!(file["written"], true);
    assert!(file["diff"].as_str().unwrap().contains("+good==1.0.1"));

    // The snapshot came first, then the update run, which names it.
    let runs = history(&setup);
    let kinds: Vec<&str> = runs["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|run| run["kind"].as_str().unwrap())
        .collect();
    assert!(kinds.starts_with(&["update", "snapshot"]), "{kinds:?}");
    let snapshot_id = runs["runs"][1]["id"].as_i64().unwrap();
    assert_eq!(json["snapshot"], snapshot_id);
    let snapshot = run_json(
        tend(
            &setup.context,
            &[
                "history",
                "show",
                &snapshot_id.to_string(),
                "--format",
                "json",
                "--store",
            ],
        )
        .arg(&setup.store),
        0,
    );
    let document = &snapshot["reports"][0]["document"];
    assert_eq!(document["files"][0]["text"], REQUIREMENTS);
    let installed: Vec<&str> = document["distributions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|installed| installed["name"].as_str().unwrap())
        .collect();
    assert!(installed.contains(&"noisy"), "{installed:?}");

    // The run prints again as the seeds' update summary.
    let update_id = runs["runs"][0]["id"].as_i64().unwrap().to_string();
    let markdown = tend(
        &setup.context,
        &["report", &update_id, "--format", "markdown", "--store"],
    )
    .arg(&setup.store)
    .output()
    .unwrap();
    let markdown = String::from_utf8_lossy(&markdown.stdout);
    assert!(markdown.contains("## What was updated"), "{markdown}");
    assert!(
        markdown.contains("| **good** | 1.0.0 | 1.0.1 | patch |"),
        "{markdown}"
    );
    assert!(markdown.contains("## Held back"), "{markdown}");
    assert!(markdown.contains("## Security fixes"), "{markdown}");
    assert!(
        markdown.contains("- good: 1.0.0 → 1.0.1 (fixes PYSEC-2026-7 (unknown))"),
        "{markdown}"
    );
    assert_eq!(json["kept"][0]["fixes"][0], "PYSEC-2026-7 (unknown)");
}

#[test]
fn dry_run_changes_nothing_and_a_held_lock_is_named() {
    let setup = setup();
    let output = command(&setup, &["update", "--dry-run", "breaking"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("(dry run)"), "{stdout}");
    assert!(stdout.contains("Held back"), "{stdout}");
    assert_eq!(requirements(&setup), REQUIREMENTS);
    assert_eq!(history(&setup)["runs"], serde_json::json!([]));

    let output = command(&setup, &["update", "--dry-run", "good"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("-good==1.0.0\n+good==1.0.1"), "{stdout}");
    assert_eq!(requirements(&setup), REQUIREMENTS);

    // Another update of the same environment holds the lock: this one says who.
    let locks = setup.store.parent().unwrap().join("locks");
    let lock = fs_err::read_dir(&locks)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let mut holder = hold(&lock);
    let output = command(&setup, &["update", "--dry-run", "good"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    holder.kill().unwrap();
    holder.wait().unwrap();
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("another update of this environment is running (pid 4242, tend update"),
        "{stderr}"
    );

    let output = command(&setup, &["update", "no-such-package"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr)
        .contains("the plan has no update of `no-such-package`"));
}

/// A process that holds `lock` the way another tend would, until killed.
fn hold(lock: &Path) -> std::process::Child {
    use std::io::BufRead as _;
    let python = std::env::var("TEND_TEST_PYTHON").unwrap_or_else(|_| "python3".to_string());
    let mut child = Command::new(python)
        .args([
            "-c",
            "import fcntl, sys, time\nf = open(sys.argv[1], 'a+')\nfcntl.flock(f, fcntl.LOCK_EX)\nf.truncate(0)\nf.write('pid 4242, tend update, started earlier')\nf.flush()\nprint('locked', flush=True)\ntime.sleep(600)\n",
        ])
        .arg(lock)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert_eq!(line.trim(), "locked");
    child
}

#[test]
fn rollback_restores_the_files_and_the_environment_exactly() {
    let setup = setup();
    let before = setup.venv.pip_freeze();
    // The update writes good's new pin and records the snapshot.
    let output = command(&setup, &["update", "good"]).output().unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_ne!(requirements(&setup), REQUIREMENTS);

    // Then the environment drifts: one package upgraded, one removed, one added.
    setup.venv.pip_install(
        &setup.wheels,
        ["--no-deps", "breaking==2.0.0", "good==1.0.1"],
    );
    setup.venv.pip(["uninstall", "--yes", "noisy"]);
    assert_ne!(setup.venv.pip_freeze(), before);

    let mut rollback = command(&setup, &["rollback"]);
    let output = rollback.output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains("The environment equals snapshot"),
        "{stdout}"
    );
    assert!(stdout.contains("restored "), "{stdout}");
    assert_eq!(requirements(&setup), REQUIREMENTS);
    assert_eq!(setup.venv.pip_freeze(), before);

    // A second rollback finds nothing to do and says the same.
    let output = rollback.output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(!stdout.contains("restored "), "{stdout}");
    let kinds: Vec<String> = history(&setup)["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|run| run["kind"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(kinds, ["rollback", "rollback", "update", "snapshot"]);
}

fn wheel_sha256(setup: &Setup, file: &str) -> String {
    use sha2::Digest as _;
    let bytes = fs_err::read(setup.wheels.join(file)).unwrap();
    sha2::Sha256::digest(bytes)
        .iter()
        .fold(String::new(), |mut hex, byte| {
            use std::fmt::Write as _;
            let _ = write!(hex, "{byte:02x}");
            hex
        })
}

#[test]
fn hashed_pins_get_the_new_versions_hashes_from_the_index() {
    let setup = setup();
    let old = wheel_sha256(&setup, "good-1.0.0-py3-none-any.whl");
    let hashed = format!(
        "good==1.0.0 \\\n    --hash=sha256:{old}\n    # via the service\nnoisy==1.0.0\nbreaking==1.0.0\n"
    );
    fs_err::write(setup.context.project().join("requirements.txt"), &hashed).unwrap();
    let output = command(&setup, &["update", "good"]).output().unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let new = wheel_sha256(&setup, "good-1.0.1-py3-none-any.whl");
    assert_eq!(
        requirements(&setup),
        format!(
            "good==1.0.1 \\\n    --hash=sha256:{new}\n    # via the service\nnoisy==1.0.0\nbreaking==1.0.0\n"
        )
    );
}

/// The policy with a health URL (and a post-apply hook that leaves a mark), served by `health`.
fn with_health(setup: &Setup, health: &TestServer) {
    let policy = POLICY.replace(
        "[update]\n",
        &format!(
            "[update]\nhealth-url = \"{}\"\nhealth-timeout = \"2s\"\npost-apply = [[\"python\", \"-c\", \"open('restarted', 'a').write('x')\"]]\n",
            health.url_for("/health")
        ),
    );
    fs_err::write(setup.context.project().join("tend.toml"), policy).unwrap();
}

#[test]
fn apply_updates_the_environment_when_it_stays_healthy() {
    use tend_test::http::{Response, Routes, Sequence};
    let setup = setup();
    let health =
        TestServer::start(Routes::new().route("/health", Sequence::new([Response::ok("ok")])));
    with_health(&setup, &health);
    let json = run_json(
        &mut command(&setup, &["update", "--apply", "good", "--format", "json"]),
        0,
    );
    assert_eq!(json["apply"]["outcome"], "applied", "{json:#}");
    assert!(setup.venv.pip_freeze().contains("good==1.0.1"));
    assert!(setup.context.project().join("restarted").exists());
    assert!(health.count("/health") >= 1);
    assert!(requirements(&setup).contains("good==1.0.1"));
}

#[test]
fn apply_rolls_back_when_the_health_check_fails() {
    use tend_test::http::{Response, Routes, Sequence};
    let setup = setup();
    let before = setup.venv.pip_freeze();
    let health =
        TestServer::start(Routes::new().route("/health", Sequence::new([Response::status(503)])));
    with_health(&setup, &health);
    let json = run_json(
        &mut command(&setup, &["update", "--apply", "good", "--format", "json"]),
        1,
    );
    let apply = &json["apply"];
    assert_eq!(apply["outcome"], "rolled-back", "{json:#}");
    assert!(
        apply["failure"]
            .as_str()
            .unwrap()
            .contains("the health check of"),
        "{apply:#}"
    );
    assert!(apply.get("remaining").is_none(), "{apply:#}");
    // pip freeze after the rollback equals the one before; the files are as they were.
    assert_eq!(setup.venv.pip_freeze(), before);
    assert_eq!(requirements(&setup), REQUIREMENTS);
    // The post-apply hook ran (the restart), then the rollback undid the install.
    assert!(setup.context.project().join("restarted").exists());
}

#[test]
fn an_apply_cut_short_is_noticed_until_rolled_back() {
    let setup = setup();
    // A first update leaves a snapshot to roll back to.
    let output = command(&setup, &["update", "good"]).output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    let snapshot = history(&setup)["runs"][1]["id"].as_i64().unwrap();
    // A run killed while it applied: started, journal written, never finished.
    {
        use tend_store::{NewRun, RunKind, SqliteStore, Store};
        let mut store = SqliteStore::open(&setup.store).unwrap();
        let run = store
            .record_run(&NewRun {
                kind: RunKind::Update,
                project: setup.context.project().to_path_buf(),
                started_at: NOW.parse().unwrap(),
                tend_version: "0.1.0".to_string(),
            })
            .unwrap();
        let journal = serde_json::json!({
            "state": "applying",
            "snapshot": snapshot,
            "environment": setup.venv.root,
        });
        store
            .attach_report(run, "journal", &journal.to_string())
            .unwrap();
    }
    let output = command(&setup, &["update", "good"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("was cut short"), "{stderr}");
    // A command that only reads says so too.
    let scan = tend(&setup.context, &["scan", "--store"])
        .arg(&setup.store)
        .arg(setup.context.project())
        .env("TEND_NOW", NOW)
        .output()
        .unwrap();
    let scan_stderr = String::from_utf8_lossy(&scan.stderr);
    assert!(
        scan_stderr.contains(&format!("was cut short while applying updates; the environment or the requirement files may be half-changed: `tend rollback {snapshot}`")),
        "{scan_stderr}"
    );
    assert!(
        stderr.contains(&format!("tend rollback {snapshot}")),
        "{stderr}"
    );

    let mut rollback = command(&setup, &["rollback", &snapshot.to_string()]);
    assert_eq!(rollback.output().unwrap().status.code(), Some(0));
    let output = command(&setup, &["update", "--dry-run", "good"])
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn a_lockfile_pinning_an_update_stops_the_write_back_with_the_command_to_run() {
    let setup = setup();
    fs_err::write(
        setup.context.project().join("uv.lock"),
        "version = 1\nrevision = 5\nrequires-python = \">=3.8\"\n\n[[package]]\nname = \"good\"\nversion = \"1.0.0\"\nsource = { registry = \"https://example.invalid/simple\" }\n",
    )
    .unwrap();
    let json = run_json(
        &mut command(&setup, &["update", "good", "--format", "json"]),
        1,
    );
    let lock = json["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|file| file["path"].as_str().unwrap().ends_with("uv.lock"))
        .unwrap_or_else(|| panic!("{json:#}"));
    assert_eq!(
        lock["error"],
        "a lockfile, which tend does not rewrite; update it first with `uv lock --upgrade-package good==1.0.1`"
    );
    // All files or none: requirements.txt was not written either.
    assert_eq!(requirements(&setup), REQUIREMENTS);
}

#[test]
fn with_require_approval_only_an_approved_plan_is_applied() {
    let setup = setup();
    let policy = POLICY.replace("[update]\n", "[update]\nrequire-approval = true\n");
    fs_err::write(setup.context.project().join("tend.toml"), policy).unwrap();
    let output = command(&setup, &["update", "good"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("requires an approved plan"));

    let saved = tend(
        &setup.context,
        &["plan", "--save", "--no-preflight", "--index-url"],
    )
    .arg(setup.server.url_for("/simple/"))
    .arg("--store")
    .arg(&setup.store)
    .arg(setup.context.project())
    .env("TEND_NOW", NOW)
    .output()
    .unwrap();
    let stderr = String::from_utf8_lossy(&saved.stderr);
    let id = stderr
        .lines()
        .find_map(|line| line.strip_prefix("saved as plan "))
        .and_then(|rest| rest.split(';').next())
        .unwrap_or_else(|| panic!("{stderr}"))
        .to_string();
    let output = command(&setup, &["update", "--plan", &id, "--dry-run"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("has not been approved"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );

    let approve = tend(
        &setup.context,
        &["approve", &id, "--by", "alice", "--store"],
    )
    .arg(&setup.store)
    .env("TEND_NOW", NOW)
    .output()
    .unwrap();
    assert_eq!(
        approve.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&approve.stderr)
    );
    let json = run_json(
        &mut command(
            &setup,
            &["update", "--plan", &id, "--dry-run", "--format", "json"],
        ),
        1,
    );
    assert_eq!(json["kept"][0]["name"], "good", "{json:#}");
}
