//! `tend update --apply` killed at many moments, as a power cut or the OOM killer would stop
//! it: after each kill, the environment and the requirement files are either untouched (`pip
//! freeze` and every file byte for byte as before) or exactly restorable (the next `tend
//! update` refuses and names the snapshot, and `tend rollback` of that snapshot brings back
//! the same `pip freeze` and the same bytes).
//!
//! The run does every step: the plan, the snapshot, trials with a bisection (a breaking major
//! is held back), the write-back of two files (`requirements.txt` includes
//! `requirements-base.txt`, and each file takes a pin), the install into the live venv, a
//! post-apply hook that takes a second (a restart), and a health URL that answers 200. The kill
//! moments are spread over one measured run, plus moments seen from outside: the snapshot
//! appearing in the history store, each journal state, the first file changing. Whatever moment
//! a kill lands on, the same assertions hold; the test prints where each one landed and insists
//! that both kinds of outcome were seen.

#![allow(clippy::unwrap_used)]

mod common;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output};
use std::time::{Duration, Instant};

use common::{module, tend, uv, wheel_index};
use rustix::process::Signal;
use tend_store::{RunFilter, RunKind, SqliteStore, Store};
use tend_test::http::{Response, TestServer};
use tend_test::{TestContext, Venv, WheelSpec};

const NOW: &str = "2026-11-23T12:00:00Z";
const OLD: &str = "2025-01-01T00:00:00Z";
const NEW: &str = "2026-11-01T00:00:00Z";

const CHECK_APP: &str = "\
import good, fine, breaking
assert good.value() == 1
assert fine.value() == 2
assert breaking.feature() == 42
print('app ok')
";

/// The requirement files, each pinning one of the updates that are kept.
const FILES: [(&str, &str); 2] = [
    (
        "requirements.txt",
        "# The service's pins.\n-r requirements-base.txt\ngood==1.0.0\nbreaking==1.0.0  # the API we call\n",
    ),
    (
        "requirements-base.txt",
        "# Shared with the worker.\nfine==1.0.0\n",
    ),
];

fn wheels() -> Vec<(WheelSpec, &'static str)> {
    vec![
        (module("good", "1.0.0", "def value():\n    return 1\n"), OLD),
        (module("good", "1.0.1", "def value():\n    return 1\n"), NEW),
        (module("fine", "1.0.0", "def value():\n    return 2\n"), OLD),
        (module("fine", "1.0.1", "def value():\n    return 2\n"), NEW),
        (
            module("breaking", "1.0.0", "def feature():\n    return 42\n"),
            OLD,
        ),
        (
            module("breaking", "2.0.0", "def renamed():\n    return 42\n"),
            NEW,
        ),
    ]
}

struct Project {
    context: TestContext,
    index: TestServer,
    _health: TestServer,
    store: PathBuf,
    venv: Venv,
}

fn setup() -> Project {
    let mut context = TestContext::new();
    let folder = context.root().join("wheels");
    let index = wheel_index(&folder, &wheels());
    let health = TestServer::start(Response::ok("ok"));
    let venv = context.create_venv();
    venv.pip_install(
        &folder,
        ["--no-deps", "good==1.0.0", "fine==1.0.0", "breaking==1.0.0"],
    );
    let project = context.project();
    // The post-apply hook stands for a restart that takes a second: the window in which the
    // live environment has changed and the run has not finished is then a real one.
    let policy = format!(
        r#"[update]
test-command = ["python", "check_app.py"]
health-url = "{}"
health-timeout = "10s"
post-apply = [["python", "-c", "import time; time.sleep(1)"]]

[[categories]]
name = "critical"
packages = ["good", "fine", "breaking"]
sla = "30d"
strategy = "major"
min-age = "7d"
gates = ["tests"]
"#,
        health.url_for("/health")
    );
    fs_err::write(project.join("tend.toml"), policy).unwrap();
    fs_err::write(project.join("check_app.py"), CHECK_APP).unwrap();
    for (name, text) in FILES {
        fs_err::write(project.join(name), text).unwrap();
    }
    let store = context.root().join("history.sqlite3");
    Project {
        context,
        index,
        _health: health,
        store,
        venv,
    }
}

fn command(project: &Project, args: &[&str]) -> Command {
    let mut command = tend(&project.context, args);
    command
        .arg("--project")
        .arg(project.context.project())
        .arg("--index-url")
        .arg(project.index.url_for("/simple/"))
        .arg("--store")
        .arg(&project.store)
        .env("TEND_NOW", NOW)
        .env("TEND_UV", uv())
        .env("UV_PYTHON_DOWNLOADS", "never");
    command
}

/// What the test compares: `pip freeze` and the bytes of every requirement file.
#[derive(Debug, Clone, PartialEq, Eq)]
struct State {
    freeze: String,
    files: Vec<Vec<u8>>,
}

fn state(project: &Project) -> State {
    State {
        freeze: project.venv.pip_freeze(),
        files: FILES
            .iter()
            .map(|(name, _)| fs_err::read(project.context.project().join(name)).unwrap())
            .collect(),
    }
}

fn files_changed(project: &Project) -> Vec<&'static str> {
    FILES
        .iter()
        .filter(|(name, text)| {
            fs_err::read(project.context.project().join(name))
                .ok()
                .as_deref()
                != Some(text.as_bytes())
        })
        .map(|(name, _)| *name)
        .collect()
}

/// What the history store says about the runs after `last_run`.
#[derive(Debug, Default)]
struct Seen {
    snapshots: usize,
    /// Update runs that started and never finished.
    unfinished: usize,
    /// The last journal entry of such a run: its state and its snapshot.
    journal: Option<(String, i64)>,
}

fn seen(store: &Path, last_run: i64) -> Option<Seen> {
    if !store.exists() {
        return Some(Seen::default());
    }
    let store = SqliteStore::open(store).ok()?;
    let runs = store
        .runs(&RunFilter {
            kind: None,
            project: None,
            limit: None,
        })
        .ok()?;
    let mut seen = Seen::default();
    for run in runs.iter().filter(|run| run.id.0 > last_run) {
        match run.kind {
            RunKind::Snapshot => seen.snapshots += 1,
            RunKind::Update if run.finished_at.is_none() => {
                seen.unfinished += 1;
                let detail = store.run(run.id).ok()??;
                if let Some(journal) = detail
                    .reports
                    .iter()
                    .rev()
                    .find(|report| report.kind == "journal")
                {
                    seen.journal = Some((
                        journal.document["state"].as_str()?.to_string(),
                        journal.document["snapshot"].as_i64()?,
                    ));
                }
            }
            _ => {}
        }
    }
    Some(seen)
}

fn last_run(store: &Path) -> i64 {
    if !store.exists() {
        return 0;
    }
    let store = SqliteStore::open(store).unwrap();
    store
        .runs(&RunFilter {
            kind: None,
            project: None,
            limit: None,
        })
        .unwrap()
        .iter()
        .map(|run| run.id.0)
        .max()
        .unwrap_or(0)
}

/// When to kill.
#[derive(Debug, Clone, Copy)]
enum Moment {
    After(Duration),
    /// As soon as the snapshot is in the history store.
    Snapshot,
    /// As soon as the journal notes this step.
    Journal(&'static str),
    /// As soon as a requirement file differs.
    FileChanged,
}

/// How the kill lands.
#[derive(Debug, Clone, Copy)]
enum Kill {
    /// Everything stops at once, tend and every process it started (power loss).
    PowerLoss,
    /// tend alone is killed (the OOM killer); what it started runs to its end.
    TendOnly,
}

/// Every process below `root`, from the parent ids in `/proc`.
fn descendants(root: u32) -> Vec<u32> {
    let mut parents = Vec::new();
    for entry in fs_err::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        // Gone in between: not a descendant any more.
        let Ok(stat) = fs_err::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // `pid (comm) state ppid ...`; comm may hold spaces and parentheses.
        let Some((_, rest)) = stat.rsplit_once(')') else {
            continue;
        };
        if let Some(ppid) = rest
            .split_whitespace()
            .nth(1)
            .and_then(|ppid| ppid.parse::<u32>().ok())
        {
            parents.push((pid, ppid));
        }
    }
    let mut found = vec![root];
    let mut index = 0;
    while index < found.len() {
        let parent = found[index];
        found.extend(
            parents
                .iter()
                .filter(|(pid, ppid)| *ppid == parent && !found.contains(pid))
                .map(|(pid, _)| *pid)
                .collect::<Vec<_>>(),
        );
        index += 1;
    }
    found.remove(0);
    found
}

fn signal(signal: rustix::process::Signal, pids: &[u32]) {
    for pid in pids {
        if let Some(pid) = i32::try_from(*pid)
            .ok()
            .and_then(rustix::process::Pid::from_raw)
        {
            // It may have ended in between.
            let _ = rustix::process::kill_process(pid, signal);
        }
    }
}

/// Running (not ended, not a zombie waiting for its reaper).
fn alive(pid: u32) -> bool {
    fs_err::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
        stat.rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().next())
            .is_some_and(|state| state != "Z" && state != "X")
    })
}

/// Stops tend and everything it started where they are, then kills as `kill` says, and waits
/// until none of them runs any more. Returns tend's exit status: it may have ended by itself
/// just before.
fn kill(child: &mut Child, kill: Kill) -> std::process::ExitStatus {
    let root = child.id();
    signal(Signal::STOP, &[root]);
    // A process that was starting one when it stopped shows its child on the next look.
    let mut stopped: Vec<u32> = Vec::new();
    loop {
        let new: Vec<u32> = descendants(root)
            .into_iter()
            .filter(|pid| !stopped.contains(pid))
            .collect();
        if new.is_empty() {
            break;
        }
        signal(Signal::STOP, &new);
        stopped.extend(new);
    }
    match kill {
        Kill::PowerLoss => {
            signal(Signal::KILL, &stopped);
            child.kill().unwrap();
        }
        Kill::TendOnly => {
            child.kill().unwrap();
            signal(Signal::CONT, &stopped);
        }
    }
    let status = child.wait().unwrap();
    // Not a timing assertion: a guard against a hung orphan.
    let deadline = Instant::now() + Duration::from_secs(600);
    while stopped.iter().any(|pid| alive(*pid)) {
        assert!(
            Instant::now() < deadline,
            "processes of the killed run still going"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    status
}

/// Waits for `moment`; false when the run ended by itself first.
fn wait_for(moment: Moment, child: &mut Child, project: &Project, last: i64) -> bool {
    let started = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            return false;
        }
        let reached = match moment {
            Moment::After(delay) => started.elapsed() >= delay,
            Moment::Snapshot => seen(&project.store, last).is_some_and(|seen| seen.snapshots > 0),
            Moment::Journal(state) => seen(&project.store, last)
                .is_some_and(|seen| seen.journal.is_some_and(|(journal, _)| journal == state)),
            Moment::FileChanged => !files_changed(project).is_empty(),
        };
        if reached {
            return true;
        }
        // Closely: the two files are written milliseconds apart.
        std::thread::sleep(Duration::from_micros(200));
    }
}

fn text(output: &Output) -> String {
    format!(
        "--- stdout ---\n{}\n--- stderr ---\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// The next `tend update`, as cheap as it gets: a dry run of a phase with nothing in it. It
/// reads the journal before anything else, as every update does.
fn next_update(project: &Project) -> Output {
    command(project, &["update", "--dry-run", "--phase", "other"])
        .output()
        .unwrap()
}

/// The next update must go ahead (and change nothing).
fn dry_run_goes_ahead(project: &Project) -> Output {
    let output = next_update(project);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    output
}

/// `tend rollback SNAPSHOT` must bring back exactly `before`; then updates go ahead again.
fn roll_back(project: &Project, snapshot: i64, before: &State) {
    let output = command(project, &["rollback", &snapshot.to_string()])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    assert!(
        String::from_utf8_lossy(&output.stdout)
            .contains(&format!("The environment equals snapshot {snapshot}")),
        "{}",
        text(&output)
    );
    assert_eq!(&state(project), before, "after `tend rollback {snapshot}`");
    // A write-back cut short before its rename leaves its new text beside the file; the
    // rollback removes it.
    let leftovers: Vec<String> = fs_err::read_dir(project.context.project())
        .unwrap()
        .flatten()
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".tend-new"))
        .collect();
    assert!(
        leftovers.is_empty(),
        "{leftovers:?} after `tend rollback {snapshot}`"
    );
    let output = dry_run_goes_ahead(project);
    assert!(
        !String::from_utf8_lossy(&output.stderr).contains("cut short"),
        "{}",
        text(&output)
    );
}

/// Where a kill landed, as the next commands see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    /// Nothing had changed: the next update goes ahead.
    Untouched,
    /// The next update refuses and names the snapshot; the rollback restores it.
    Restorable,
    /// The run had ended by itself.
    Finished,
}

fn one_kill(project: &Project, before: &State, moment: Moment, how: Kill) -> (Outcome, String) {
    let last = last_run(&project.store);
    let logs = project.context.root().join("killed-run.log");
    let mut child = command(project, &["update", "--apply"])
        .stdout(fs_err::File::create(&logs).unwrap().into_parts().0)
        .stderr(
            fs_err::File::create(logs.with_extension("err"))
                .unwrap()
                .into_parts()
                .0,
        )
        .spawn()
        .unwrap();
    let started = Instant::now();
    let status = if wait_for(moment, &mut child, project, last) {
        kill(&mut child, how)
    } else {
        child.wait().unwrap()
    };
    // Killed, or it ended by itself (before the kill, or just as it came).
    let killed = status.code().is_none();
    if !killed {
        assert_eq!(
            status.code(),
            Some(1),
            "the run ended by itself in an unexpected way:\n{}",
            fs_err::read_to_string(logs.with_extension("err")).unwrap()
        );
    }
    let at = started.elapsed();
    let seen = seen(&project.store, last).unwrap();
    let changed = files_changed(project);
    let freeze_changed = project.venv.pip_freeze() != before.freeze;
    let mut note = format!("{moment:?}, {how:?}, killed after {} ms: ", at.as_millis());
    let leftovers: Vec<String> = fs_err::read_dir(project.context.project())
        .unwrap()
        .flatten()
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".tend-new"))
        .collect();
    let changes = format!(
        "files changed: {changed:?}, environment changed: {freeze_changed}, temporary files left: {leftovers:?}"
    );

    if !killed {
        // Nothing was cut short; the snapshot it took still undoes it exactly.
        let _ = write!(note, "finished by itself ({changes})");
        assert!(seen.journal.is_none(), "{seen:?}");
        let snapshot = newest_snapshot(&project.store);
        roll_back(project, snapshot, before);
        return (Outcome::Finished, note);
    }
    let output = next_update(project);
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    match seen.journal.clone() {
        Some((journal, snapshot)) if journal == "writing" || journal == "applying" => {
            let _ = write!(note, "journal `{journal}`, snapshot {snapshot} ({changes})");
            assert_eq!(output.status.code(), Some(2), "{note}\n{}", text(&output));
            let what = if journal == "writing" {
                "while writing the requirement files"
            } else {
                "while applying updates to this environment"
            };
            assert!(stderr.contains(what), "{note}\n{stderr}");
            assert!(
                stderr.contains(&format!("run `tend rollback {snapshot}`")),
                "{note}\n{stderr}"
            );
            // The files and the environment are as they were, as the refusal left them.
            roll_back(project, snapshot, before);
            (Outcome::Restorable, note)
        }
        journal => {
            let stage = match (&journal, seen.unfinished, seen.snapshots) {
                (Some((journal, _)), _, _) => format!("journal `{journal}`"),
                (None, 0, 0) => "before the snapshot".to_string(),
                (None, 0, _) => "snapshot taken, no update run yet".to_string(),
                (None, _, _) => "update run started, no journal yet".to_string(),
            };
            let _ = write!(note, "{stage} ({changes})");
            assert_eq!(output.status.code(), Some(0), "{note}\n{}", text(&output));
            if journal.is_some() {
                assert!(
                    stderr.contains("was cut short during its trials; nothing had changed"),
                    "{note}\n{stderr}"
                );
            }
            assert_eq!(&state(project), before, "{note}");
            if journal.is_some() {
                // The interrupted run is closed: the next one goes ahead without a note.
                let output = dry_run_goes_ahead(project);
                assert!(
                    !String::from_utf8_lossy(&output.stderr).contains("cut short"),
                    "{note}\n{}",
                    text(&output)
                );
            }
            (Outcome::Untouched, note)
        }
    }
}

fn newest_snapshot(store: &Path) -> i64 {
    let store = SqliteStore::open(store).unwrap();
    store
        .runs(&RunFilter {
            kind: Some(RunKind::Snapshot),
            project: None,
            limit: None,
        })
        .unwrap()
        .iter()
        .map(|run| run.id.0)
        .max()
        .unwrap()
}

/// A whole `tend update --apply`: it keeps good and fine (one pin in each file), holds breaking
/// back, applies and stays healthy; then its snapshot is rolled back. Returns how long it took.
fn whole_run(project: &Project, before: &State) -> Duration {
    let started = Instant::now();
    let output = command(project, &["update", "--apply"]).output().unwrap();
    let whole = started.elapsed();
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("breaking"), "{}", text(&output));
    assert_eq!(
        files_changed(project),
        ["requirements.txt", "requirements-base.txt"]
    );
    let applied = project.venv.pip_freeze();
    for pin in ["good==1.0.1", "fine==1.0.1", "breaking==1.0.0"] {
        assert!(applied.contains(pin), "{applied}");
    }
    roll_back(project, newest_snapshot(&project.store), before);
    whole
}

#[test]
fn an_update_killed_at_any_moment_leaves_everything_untouched_or_exactly_restorable() {
    let project = setup();
    let before = state(&project);

    // One whole run, timed, so that the kill moments cover it. With uv a second one gives the
    // time of a run with warm caches, as the killed runs have them.
    let with_uv = std::env::var_os("TEND_TEST_UV").is_some();
    let mut whole = whole_run(&project, &before);
    if with_uv {
        whole = whole_run(&project, &before);
    }
    println!("one whole run: {} ms", whole.as_millis());

    // The moments stop short of the end. Without uv every trial takes seconds, so fewer moments
    // keep the test within minutes.
    let steps: u32 = if with_uv { 11 } else { 1 };
    let mut moments = vec![Moment::After(Duration::ZERO)];
    moments.extend((1..=steps).map(|step| Moment::After(whole * step / (steps + 2))));
    moments.extend([
        Moment::Snapshot,
        Moment::Journal("writing"),
        Moment::FileChanged,
        Moment::Journal("applying"),
    ]);
    let mut outcomes = Vec::new();
    for (number, moment) in moments.into_iter().enumerate() {
        let how = if number % 2 == 0 {
            Kill::PowerLoss
        } else {
            Kill::TendOnly
        };
        let (outcome, note) = one_kill(&project, &before, moment, how);
        println!("kill {number:2}: {outcome:?}: {note}");
        outcomes.push(outcome);
    }
    // The kills must have hit both kinds of moment, or the test proved little.
    assert!(outcomes.contains(&Outcome::Untouched), "{outcomes:?}");
    assert!(outcomes.contains(&Outcome::Restorable), "{outcomes:?}");

    // After all that, a whole update still finds the same: good and fine kept, breaking held.
    let output = command(&project, &["update", "--dry-run"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    for line in ["+good==1.0.1", "+fine==1.0.1", "breaking"] {
        assert!(stdout.contains(line), "{}", text(&output));
    }
    assert_eq!(state(&project), before);
}
