//! Critical imports: every module the config lists is imported by the environment's own
//! interpreter, all in one start.
//!
//! The interpreter runs a small script that imports each module inside its own `try`, so one
//! failure does not hide the others, catching `BaseException` (a module calling `sys.exit`
//! counts as a failure too). Anything the modules print goes to stderr; the results come back
//! as one JSON line on stdout after a marker, so stray output cannot be mistaken for them.
//! Before each import the script names the module on stderr, so when the interpreter dies
//! half-way (a crash, `os._exit`) the finding can say which import killed it. The child is
//! killed when it outlives the timeout. It runs in the current directory (so the service's own
//! packages can be imported) with `PYTHONDONTWRITEBYTECODE` set, so that checking writes no
//! `.pyc` files into the environment.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use serde::Deserialize;
use tend_model::{Code, Diagnostic, Environment, Severity};

use crate::{CheckReport, CriticalImport};

const RESULT_MARKER: &str = "TEND-IMPORT-RESULTS:";
const PROGRESS_MARKER: &str = "TEND-IMPORTING:";

const SCRIPT: &str = r#"
import contextlib, importlib, json, sys
modules = json.loads(sys.argv[1])
results = {}
real_stdout = sys.stdout
with contextlib.redirect_stdout(sys.stderr):
    for module in modules:
        sys.stderr.write("TEND-IMPORTING:" + module + "\n")
        sys.stderr.flush()
        try:
            importlib.import_module(module)
            results[module] = None
        except BaseException as error:
            kind = type(error)
            name = kind.__qualname__
            if kind.__module__ not in ("builtins", None):
                name = kind.__module__ + "." + name
            try:
                message = str(error)
            except BaseException:
                message = "<the exception could not be turned into text>"
            results[module] = {"type": name, "message": message}
real_stdout.write("TEND-IMPORT-RESULTS:" + json.dumps(results) + "\n")
real_stdout.flush()
"#;

#[derive(Debug, Deserialize)]
struct ImportError {
    #[serde(rename = "type")]
    kind: String,
    message: String,
}

pub(crate) fn check(
    environment: Option<&Environment>,
    imports: &[CriticalImport],
    timeout: Duration,
    report: &mut CheckReport,
) {
    if imports.is_empty() {
        return;
    }
    let python = environment.and_then(|environment| environment.python.as_deref());
    let Some(python) = python else {
        for import in imports {
            report.findings.push(finding(
                import,
                format!(
                    "could not import {}: no Python interpreter was found for the environment",
                    import.module
                ),
            ));
        }
        return;
    };
    report.summary.imports_tried += imports.len();
    let modules: Vec<&str> = imports
        .iter()
        .map(|import| import.module.as_str())
        .collect();
    match run(python, &modules, timeout) {
        Ok(results) => {
            for import in imports {
                match results.get(&import.module) {
                    Some(None) => {}
                    Some(Some(error)) => report.findings.push(finding(
                        import,
                        format!(
                            "import {} failed: {}: {}",
                            import.module, error.kind, error.message
                        ),
                    )),
                    None => report.findings.push(finding(
                        import,
                        format!(
                            "import {} was not attempted by the interpreter",
                            import.module
                        ),
                    )),
                }
            }
        }
        Err(failure) => {
            for import in imports {
                let mut diagnostic = finding(
                    import,
                    format!(
                        "could not check import {}: {}",
                        import.module, failure.message
                    ),
                );
                if failure.culprit.as_deref() == Some(import.module.as_str()) {
                    diagnostic =
                        diagnostic.with_note("the interpreter stopped while importing this module");
                }
                if !failure.stderr_tail.is_empty() {
                    diagnostic = diagnostic
                        .with_note(format!("interpreter output: {}", failure.stderr_tail));
                }
                report.findings.push(diagnostic);
            }
        }
    }
}

fn finding(import: &CriticalImport, message: String) -> Diagnostic {
    let mut diagnostic = Diagnostic::new(Code::ImportFailed, Severity::Error, message);
    if let Some(location) = &import.location {
        diagnostic = diagnostic.with_location(location.clone());
    }
    diagnostic
}

/// Why the interpreter gave no usable answer.
#[derive(Debug)]
struct RunFailure {
    message: String,
    /// The module being imported when the interpreter stopped.
    culprit: Option<String>,
    /// The last lines of stderr, for the user to see what happened.
    stderr_tail: String,
}

type Results = BTreeMap<String, Option<ImportError>>;

fn run(python: &Path, modules: &[&str], timeout: Duration) -> Result<Results, RunFailure> {
    let failure = |message: String| RunFailure {
        message,
        culprit: None,
        stderr_tail: String::new(),
    };
    let arguments = serde_json::to_string(modules)
        .map_err(|error| failure(format!("the module list could not be encoded: {error}")))?;
    let mut child = Command::new(python)
        .arg("-c")
        .arg(SCRIPT)
        .arg(arguments)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|error| {
            failure(format!(
                "{} could not be started: {error}",
                python.display()
            ))
        })?;
    let stdout = read_in_background(child.stdout.take());
    let stderr = read_in_background(child.stderr.take());
    let status = wait_with_timeout(&mut child, timeout);
    // A grandchild may keep the pipes open after the child is gone; do not wait for it forever.
    let grace = Duration::from_secs(2);
    let stdout = stdout.recv_timeout(grace).unwrap_or_default();
    let stderr = stderr.recv_timeout(grace).unwrap_or_default();
    let stdout = String::from_utf8_lossy(&stdout);
    let stderr = String::from_utf8_lossy(&stderr);
    let culprit = stderr
        .lines()
        .rev()
        .find_map(|line| line.strip_prefix(PROGRESS_MARKER))
        .map(str::to_string);
    let stderr_tail = tail(&stderr);
    let failure = |message: String, culprit: Option<String>| RunFailure {
        message,
        culprit,
        stderr_tail: stderr_tail.clone(),
    };
    let status = match status {
        Ok(Some(status)) => status,
        Ok(None) => {
            return Err(failure(
                format!(
                    "the interpreter did not finish within {} seconds and was stopped",
                    timeout.as_secs_f64()
                ),
                culprit,
            ))
        }
        Err(error) => {
            return Err(failure(
                format!("waiting for the interpreter failed: {error}"),
                None,
            ))
        }
    };
    let Some(json) = stdout
        .lines()
        .rev()
        .find_map(|line| line.strip_prefix(RESULT_MARKER))
    else {
        return Err(failure(
            format!("the interpreter exited ({status}) without reporting results"),
            culprit,
        ));
    };
    serde_json::from_str::<Results>(json.trim()).map_err(|error| {
        failure(
            format!("the interpreter's results could not be read: {error}"),
            None,
        )
    })
}

fn read_in_background(pipe: Option<impl Read + Send + 'static>) -> mpsc::Receiver<Vec<u8>> {
    let (sender, receiver) = mpsc::channel();
    if let Some(mut pipe) = pipe {
        thread::spawn(move || {
            let mut buffer = Vec::new();
            // A read error leaves what was read so far; the caller reports missing results.
            let _ = pipe.read_to_end(&mut buffer);
            let _ = sender.send(buffer);
        });
    }
    receiver
}

/// Waits for the child; kills it and returns `None` when the timeout passes first.
fn wait_with_timeout(
    child: &mut Child,
    timeout: Duration,
) -> std::io::Result<Option<std::process::ExitStatus>> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(Some(status));
        }
        if Instant::now() >= deadline {
            // The child may exit between the check and the kill; either way it is gone.
            let _ = child.kill();
            let _ = child.wait();
            return Ok(None);
        }
        thread::sleep(Duration::from_millis(10));
    }
}

/// The last few lines of the interpreter's stderr, without the script's progress lines.
fn tail(stderr: &str) -> String {
    let lines: Vec<&str> = stderr
        .lines()
        .filter(|line| !line.starts_with(PROGRESS_MARKER) && !line.trim().is_empty())
        .collect();
    let start = lines.len().saturating_sub(5);
    lines.get(start..).unwrap_or_default().join(" | ")
}
