//! Running subprocesses for the harness: an environment free of the developer's Python and
//! packaging settings, and failures that show the command with its whole output.

use std::ffi::OsStr;
use std::fmt::Write as _;
use std::process::{Command, Output};

/// Environment variable prefixes and names that change what Python, pip, uv or tend do, and
/// so must not leak from the developer's shell into a test.
const LEAKY_PREFIXES: &[&str] = &["PIP_", "UV_", "PYTHON", "TEND_", "CONDA_"];
const LEAKY_NAMES: &[&str] = &[
    "VIRTUAL_ENV",
    "FORCE_COLOR",
    "CLICOLOR",
    "CLICOLOR_FORCE",
    // Index credentials (`tend outdated`); the sandbox's HOME has no `.netrc` of its own.
    "NETRC",
    // pip's global configuration directories, read as pip reads them.
    "XDG_CONFIG_DIRS",
];

/// Removes every inherited variable that would make a run depend on the developer's setup.
pub(crate) fn remove_leaky_environment(command: &mut Command) {
    for (name, _) in std::env::vars_os() {
        let Some(name) = name.to_str() else { continue };
        let leaky = LEAKY_NAMES.contains(&name)
            || LEAKY_PREFIXES.iter().any(|prefix| name.starts_with(prefix));
        if leaky {
            command.env_remove(name);
        }
    }
}

/// Runs `command`, panicking only when it cannot be started.
pub(crate) fn run(command: &mut Command) -> Output {
    command
        .output()
        .unwrap_or_else(|error| panic!("could not start `{}`: {error}", render(command)))
}

/// Runs `command` and panics with the command line, exit status, stdout and stderr unless it
/// succeeds.
pub(crate) fn run_checked(command: &mut Command) -> Output {
    let output = run(command);
    assert!(
        output.status.success(),
        "{}",
        describe_failure(command, &output)
    );
    output
}

pub(crate) fn describe_failure(command: &Command, output: &Output) -> String {
    let mut message = String::new();
    let _ = writeln!(message, "command failed: {}", render(command));
    if let Some(directory) = command.get_current_dir() {
        let _ = writeln!(message, "in directory: {}", directory.display());
    }
    let _ = writeln!(message, "exit status: {}", output.status);
    let _ = writeln!(
        message,
        "--- stdout ---\n{}",
        String::from_utf8_lossy(&output.stdout)
    );
    let _ = write!(
        message,
        "--- stderr ---\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    message
}

/// The command line as a shell would show it (arguments with spaces quoted).
pub(crate) fn render(command: &Command) -> String {
    std::iter::once(command.get_program())
        .chain(command.get_args())
        .map(quote)
        .collect::<Vec<_>>()
        .join(" ")
}

fn quote(argument: &OsStr) -> String {
    let text = argument.to_string_lossy();
    if text.is_empty() || text.contains(|character: char| character.is_whitespace()) {
        format!("'{text}'")
    } else {
        text.into_owned()
    }
}

pub(crate) fn stdout_text(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_show_command_status_and_both_streams() {
        let mut command = Command::new("sh");
        command.args(["-c", "echo to-stdout; echo to-stderr >&2; exit 2"]);
        let panic = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            run_checked(&mut command);
        }))
        .expect_err("a failing command panics");
        let message = panic.downcast_ref::<String>().expect("a formatted message");
        assert_eq!(
            message,
            "command failed: sh -c 'echo to-stdout; echo to-stderr >&2; exit 2'\n\
             exit status: exit status: 2\n--- stdout ---\nto-stdout\n\n--- stderr ---\nto-stderr\n"
        );
    }
}
