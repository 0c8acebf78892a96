//! The environment lock against another real process: it is refused while that process holds
//! the lock (naming it), and free again the moment the process is killed with SIGKILL.

#![cfg(unix)]
#![allow(clippy::unwrap_used)]

use std::io::{BufRead as _, BufReader};
use std::process::{Command, Stdio};

use tend_update::{lock, LockError};

const HOLDER: &str = r#"
import fcntl, os, sys, time
f = open(sys.argv[1], "a+")
fcntl.flock(f, fcntl.LOCK_EX)
f.truncate(0)
f.write("pid %d, tend update --phase critical" % os.getpid())
f.flush()
print("locked", flush=True)
time.sleep(600)
"#;

#[test]
fn a_killed_holder_frees_the_lock() {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("env.lock");
    let python = std::env::var("TEND_TEST_PYTHON").unwrap_or_else(|_| "python3".to_string());
    let mut holder = Command::new(python)
        .args(["-c", HOLDER])
        .arg(&path)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(holder.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert_eq!(line.trim(), "locked");

    let error = lock(&path, "pid 2, tend update").unwrap_err();
    let LockError::Held { holder: who, .. } = &error else {
        panic!("{error}");
    };
    assert_eq!(
        *who,
        format!("pid {}, tend update --phase critical", holder.id())
    );

    holder.kill().unwrap();
    holder.wait().unwrap();
    let taken = lock(&path, "pid 2, tend update").unwrap();
    assert_eq!(
        fs_err::read_to_string(taken.path()).unwrap(),
        "pid 2, tend update"
    );
}
