//! Real processes (sh, sleep): exit codes, both outputs, the time limit killing the whole
//! process group, output larger than a pipe, and a grandchild that keeps the pipe open.

#![cfg(unix)]
#![allow(clippy::unwrap_used)]

use std::process::Command;
use std::time::{Duration, Instant};

use tend_process::{run, Limits};

fn sh(script: &str) -> Command {
    let mut command = Command::new("sh");
    command.args(["-c", script]);
    command
}

#[test]
fn exit_code_and_both_outputs_are_captured() {
    let finished = run(
        &mut sh("echo out; echo err >&2; exit 3"),
        Limits::new(Duration::from_secs(30)),
    )
    .unwrap();
    assert_eq!(finished.status.unwrap().code(), Some(3));
    assert!(!finished.success());
    assert!(!finished.timed_out());
    assert_eq!(finished.stdout.text(), "out\n");
    assert_eq!(finished.stderr.text(), "err\n");
}

#[test]
fn the_time_limit_kills_the_whole_group() {
    let directory = std::env::temp_dir().join(format!("tend-process-{}", std::process::id()));
    std::fs::create_dir_all(&directory).unwrap();
    let marker = directory.join("grandchild-survived");
    let _ = std::fs::remove_file(&marker);
    // The grandchild would write the marker after 2 s unless it is killed with its parent.
    let script = format!(
        "(sleep 2; touch '{}') & echo started; sleep 60",
        marker.display()
    );
    let finished = run(&mut sh(&script), Limits::new(Duration::from_millis(300))).unwrap();
    assert!(finished.timed_out());
    assert!(!finished.success());
    assert_eq!(finished.stdout.text(), "started\n");
    std::thread::sleep(Duration::from_millis(2500));
    assert!(!marker.exists(), "the grandchild outlived the time limit");
    let _ = std::fs::remove_dir_all(&directory);
}

#[test]
fn output_larger_than_a_pipe_does_not_block_and_is_bounded() {
    // 1 MiB on stdout: a command that waited for its reader would never end.
    let limits = Limits {
        timeout: Duration::from_secs(60),
        keep: 1000,
    };
    let finished = run(
        &mut sh("head -c 1048576 /dev/zero | tr '\\0' x; echo; echo the-end"),
        limits,
    )
    .unwrap();
    assert!(finished.success());
    assert_eq!(finished.stdout.total, 1_048_576 + 1 + 8);
    assert!(finished.stdout.is_truncated());
    let text = finished.stdout.text();
    assert!(text.starts_with(&"x".repeat(1000)));
    assert!(
        text.ends_with("x\nthe-end\n"),
        "{}",
        &text[text.len() - 50..]
    );
    assert!(text.contains("bytes left out"));
}

#[test]
fn a_grandchild_holding_the_pipe_does_not_hold_the_caller() {
    // Without the grace period the caller would wait for the 600 s sleep; the bound below is
    // a hang check, far from any speed.
    let started = Instant::now();
    let finished = run(
        &mut sh("sleep 600 & echo $!"),
        Limits::new(Duration::from_secs(900)),
    )
    .unwrap();
    assert!(started.elapsed() < Duration::from_secs(300));
    assert!(finished.success());
    let sleeper = finished.stdout.text().trim().to_string();
    assert!(!sleeper.is_empty());
    let _ = Command::new("kill").arg(&sleeper).status();
}

#[test]
fn a_missing_program_is_not_found() {
    let error = run(
        &mut Command::new("/nonexistent/tend-no-such-program"),
        Limits::new(Duration::from_secs(5)),
    )
    .unwrap_err();
    assert_eq!(error.kind(), std::io::ErrorKind::NotFound);
}
