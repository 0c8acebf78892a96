//! Running other programs — uv, pip, the environment's Python, a project's test commands and
//! hooks — with a time limit, and keeping what they print.
//!
//! Owns three things every caller needs and none should write again:
//!
//! - **The time limit covers the whole tree.** The command starts in a process group of its
//!   own, and when the limit passes the whole group is killed (a test runner's workers and a
//!   shell's children too), not just the first process.
//! - **Output is read while the command runs**, on two threads, so a command that prints more
//!   than a pipe holds cannot block. A grandchild that outlives the command and keeps the pipe
//!   open does not make the caller wait forever: after the command ends, its output is awaited
//!   for a short grace period only.
//! - **Output is bounded.** A test suite can print megabytes; the first and the last
//!   [`Limits::keep`] bytes of each stream are kept, with a marker saying how much was left out
//!   between them (the start says what ran, the end says why it failed).

use std::io::Read;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// How long a command may run and how much of its output is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub timeout: Duration,
    /// Bytes kept from the start and from the end of each stream.
    pub keep: usize,
}

impl Limits {
    pub fn new(timeout: Duration) -> Self {
        Self {
            timeout,
            keep: 64 * 1024,
        }
    }
}

/// One stream of output, bounded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Captured {
    /// The kept bytes: everything, or the start, a marker line and the end.
    pub bytes: Vec<u8>,
    /// How many bytes the command wrote in all.
    pub total: usize,
    /// How many of them are left out (between the start and the end).
    pub omitted: usize,
}

impl Captured {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }

    /// Some bytes were left out.
    pub fn is_truncated(&self) -> bool {
        self.omitted > 0
    }
}

/// How a command ended.
#[derive(Debug)]
pub struct Finished {
    /// `None` when the time limit passed and the command was killed.
    pub status: Option<ExitStatus>,
    pub stdout: Captured,
    pub stderr: Captured,
    pub elapsed: Duration,
}

impl Finished {
    pub fn timed_out(&self) -> bool {
        self.status.is_none()
    }

    /// Ended by itself with exit code 0.
    pub fn success(&self) -> bool {
        self.status.is_some_and(|status| status.success())
    }
}

/// How long output is still awaited after the command itself has ended.
const GRACE: Duration = Duration::from_millis(500);

/// Runs `command` with no input, both outputs captured, under `limits`. The error is the one
/// spawning it gave (a missing program is [`std::io::ErrorKind::NotFound`]).
pub fn run(command: &mut Command, limits: Limits) -> std::io::Result<Finished> {
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt as _;
        command.process_group(0);
    }
    let started = Instant::now();
    let mut child = command.spawn()?;
    let stdout = read_in_background(child.stdout.take(), limits.keep);
    let stderr = read_in_background(child.stderr.take(), limits.keep);
    let status = wait(&mut child, limits.timeout)?;
    let elapsed = started.elapsed();
    // After a kill the group is gone and the pipes close at once; after a normal end a
    // grandchild may still hold them.
    let stdout = stdout.collect(GRACE);
    let stderr = stderr.collect(GRACE);
    Ok(Finished {
        status,
        stdout,
        stderr,
        elapsed,
    })
}

/// A stream being read on its own thread: what has arrived so far, and a signal when it ends.
struct Reader {
    collected: Arc<Mutex<Bounded>>,
    done: mpsc::Receiver<()>,
}

impl Reader {
    /// What was read: all of it when the stream ends within `grace`, else what arrived until
    /// then (a grandchild still holds the pipe; its later output is not waited for).
    fn collect(self, grace: Duration) -> Captured {
        let _ = self.done.recv_timeout(grace);
        let collected = self.collected.lock().map_or_else(
            |poisoned| poisoned.into_inner().clone(),
            |guard| guard.clone(),
        );
        collected.finish()
    }
}

fn read_in_background(pipe: Option<impl Read + Send + 'static>, keep: usize) -> Reader {
    let collected = Arc::new(Mutex::new(Bounded::new(keep)));
    let (sender, done) = mpsc::channel();
    let shared = Arc::clone(&collected);
    thread::spawn(move || {
        if let Some(mut pipe) = pipe {
            let mut buffer = [0_u8; 16 * 1024];
            loop {
                match pipe.read(&mut buffer) {
                    Ok(0) | Err(_) => break,
                    Ok(read) => match shared.lock() {
                        Ok(mut bounded) => bounded.push(&buffer[..read]),
                        Err(poisoned) => poisoned.into_inner().push(&buffer[..read]),
                    },
                }
            }
        }
        // The caller may have stopped waiting; nothing to do then.
        let _ = sender.send(());
    });
    Reader { collected, done }
}

/// Waits for the child; when `timeout` passes first, kills its process group and returns
/// `None`.
fn wait(child: &mut Child, timeout: Duration) -> std::io::Result<Option<ExitStatus>> {
    let deadline = Instant::now() + timeout;
    let mut pause = Duration::from_millis(1);
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(Some(status));
        }
        let now = Instant::now();
        if now >= deadline {
            kill_tree(child);
            // Reap it, so that no zombie is left behind.
            let _ = child.wait();
            return Ok(None);
        }
        // Short commands end within a few milliseconds; long ones are polled less often.
        thread::sleep(pause.min(deadline - now));
        pause = (pause * 2).min(Duration::from_millis(50));
    }
}

fn kill_tree(child: &mut Child) {
    #[cfg(unix)]
    {
        let group = rustix::process::Pid::from_child(child);
        // The group may be gone already; the direct kill below covers the child itself.
        let _ = rustix::process::kill_process_group(group, rustix::process::Signal::KILL);
    }
    let _ = child.kill();
}

/// The start and the end of a stream, at most `keep` bytes each.
#[derive(Clone)]
struct Bounded {
    keep: usize,
    head: Vec<u8>,
    tail: std::collections::VecDeque<u8>,
    total: usize,
}

impl Bounded {
    fn new(keep: usize) -> Self {
        Self {
            keep,
            head: Vec::new(),
            tail: std::collections::VecDeque::new(),
            total: 0,
        }
    }

    fn push(&mut self, mut bytes: &[u8]) {
        self.total += bytes.len();
        let room = self.keep.saturating_sub(self.head.len());
        let (to_head, rest) = bytes.split_at(room.min(bytes.len()));
        self.head.extend_from_slice(to_head);
        bytes = rest;
        if bytes.len() >= self.keep {
            self.tail.clear();
            bytes = &bytes[bytes.len() - self.keep..];
        }
        self.tail.extend(bytes);
        let excess = self.tail.len().saturating_sub(self.keep);
        self.tail.drain(..excess);
    }

    fn finish(self) -> Captured {
        let mut bytes = self.head;
        let omitted = self.total - bytes.len() - self.tail.len();
        if omitted > 0 {
            bytes.extend_from_slice(format!("\n[… {omitted} bytes left out …]\n").as_bytes());
        }
        bytes.extend(self.tail);
        Captured {
            bytes,
            total: self.total,
            omitted,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bounded(keep: usize, chunks: &[&[u8]]) -> Captured {
        let mut bounded = Bounded::new(keep);
        for chunk in chunks {
            bounded.push(chunk);
        }
        bounded.finish()
    }

    #[test]
    fn short_output_is_kept_whole() {
        let captured = bounded(8, &[b"abc", b"def"]);
        assert_eq!(captured.bytes, b"abcdef");
        assert!(!captured.is_truncated());
    }

    #[test]
    fn long_output_keeps_its_start_and_end() {
        let captured = bounded(4, &[b"0123", b"45", b"6789abcdef"]);
        assert_eq!(captured.text(), "0123\n[… 8 bytes left out …]\ncdef");
        assert_eq!(captured.total, 16);
        assert!(captured.is_truncated());
        // Exactly head + tail: nothing left out, no marker.
        assert_eq!(bounded(4, &[b"0123", b"4567"]).text(), "01234567");
    }
}
