//! Trial environments: a fresh virtualenv from the environment's own interpreter, the target
//! set installed into it with uv (or pip when uv is absent), and command gates run inside it.
//!
//! Every step is a [`Step`]: the command as it can be shown (passwords in URLs hidden) and how
//! it ended, with its bounded output, for the history store. A step that fails is not an
//! error here: the caller decides what a failed install or gate means (hold an update back,
//! bisect, stop). Errors are for what makes a trial impossible (no interpreter, no scratch
//! directory).

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use tend_model::redact_url;
use tend_process::{Finished, Limits};

/// What installs packages into a trial environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Installer {
    /// `uv pip install --python <trial>`; the venv is made by `uv venv`.
    Uv { program: PathBuf },
    /// `<trial>/bin/python -m pip install`; the venv is made by `python -m venv` (with pip).
    Pip,
}

impl Installer {
    /// uv when `uv` (a path, or a name looked up on `PATH`) runs, else pip.
    pub fn detect(uv: &Path) -> Self {
        let runs = Command::new(uv)
            .arg("--version")
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|status| status.success());
        if runs {
            Self::Uv {
                program: uv.to_path_buf(),
            }
        } else {
            Self::Pip
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Self::Uv { .. } => "uv",
            Self::Pip => "pip",
        }
    }
}

/// A virtualenv made for one trial.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrialEnv {
    pub root: PathBuf,
    pub python: PathBuf,
    pub bin: PathBuf,
}

impl TrialEnv {
    fn at(root: &Path) -> Self {
        let bin = if cfg!(windows) {
            root.join("Scripts")
        } else {
            root.join("bin")
        };
        let python = bin.join(if cfg!(windows) {
            "python.exe"
        } else {
            "python"
        });
        Self {
            root: root.to_path_buf(),
            python,
            bin,
        }
    }

    /// The venv's site-packages (`lib/pythonX.Y/site-packages`), once something made it.
    pub fn site_packages(&self) -> Option<PathBuf> {
        if cfg!(windows) {
            return Some(self.root.join("Lib").join("site-packages"));
        }
        fs_err::read_dir(self.root.join("lib"))
            .ok()?
            .flatten()
            .map(|entry| entry.path().join("site-packages"))
            .find(|path| path.is_dir())
    }

    /// `PATH` with the trial's scripts first, so that `pytest` or `python` in a gate's command
    /// are the trial's own.
    fn path_variable(&self) -> OsString {
        let mut paths = vec![self.bin.clone()];
        if let Some(path) = std::env::var_os("PATH") {
            paths.extend(std::env::split_paths(&path));
        }
        std::env::join_paths(paths).unwrap_or_else(|_| self.bin.clone().into_os_string())
    }
}

/// One command a trial ran.
#[derive(Debug)]
pub struct Step {
    /// The command line for people: words joined by spaces, URL passwords hidden.
    pub command: String,
    pub finished: Finished,
}

impl Step {
    pub fn passed(&self) -> bool {
        self.finished.success()
    }

    /// Standard output then standard error, as text.
    pub fn output(&self) -> String {
        let mut text = self.finished.stdout.text();
        let errors = self.finished.stderr.text();
        if !text.is_empty() && !errors.is_empty() && !text.ends_with('\n') {
            text.push('\n');
        }
        text.push_str(&errors);
        text
    }
}

/// Why a trial could not run at all.
#[derive(Debug, thiserror::Error)]
pub enum TrialError {
    #[error("cannot run `{command}`")]
    Spawn {
        command: String,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot make the virtualenv `{}`: `{command}` failed\n{output}", root.display())]
    Venv {
        root: PathBuf,
        command: String,
        output: String,
    },
}

fn shown(command: &Command) -> String {
    std::iter::once(command.get_program())
        .chain(command.get_args())
        .map(|word| {
            let word = word.to_string_lossy();
            if word.contains("://") {
                redact_url(&word)
            } else {
                word.into_owned()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Runs an installer command (not inside a trial) as a recorded step.
pub(crate) fn run_step(command: &mut Command, limits: Limits) -> Result<Step, TrialError> {
    run(command, limits)
}

fn run(command: &mut Command, limits: Limits) -> Result<Step, TrialError> {
    let text = shown(command);
    // Nothing of the caller's environment may point an installer or an interpreter elsewhere.
    command.env_remove("VIRTUAL_ENV").env_remove("PYTHONHOME");
    run_shown(command, text, limits)
}

/// Runs `command`, shown to people as `text`.
fn run_shown(command: &mut Command, text: String, limits: Limits) -> Result<Step, TrialError> {
    let finished = tend_process::run(command, limits).map_err(|source| TrialError::Spawn {
        command: text.clone(),
        source,
    })?;
    Ok(Step {
        command: text,
        finished,
    })
}

/// The program and arguments of a command the policy wrote; an empty one is an error.
fn split_command(argv: &[String]) -> Result<(&String, &[String]), TrialError> {
    argv.split_first().ok_or_else(|| TrialError::Spawn {
        command: String::new(),
        source: std::io::Error::new(std::io::ErrorKind::InvalidInput, "an empty command"),
    })
}

/// Makes a fresh virtualenv at `root` from `base_python` (the environment's interpreter; a
/// venv's interpreter works too: the new venv is based on the same installation). `root` must
/// not exist yet.
pub fn create_venv(
    base_python: &Path,
    root: &Path,
    installer: &Installer,
    timeout: Duration,
) -> Result<(TrialEnv, Step), TrialError> {
    let mut command = match installer {
        Installer::Uv { program } => {
            let mut command = Command::new(program);
            command
                .args(["venv", "--quiet", "--no-config", "--python"])
                .arg(base_python)
                .arg(root);
            command
        }
        Installer::Pip => {
            let mut command = Command::new(base_python);
            command.args(["-m", "venv"]).arg(root);
            command
        }
    };
    let step = run(&mut command, Limits::new(timeout))?;
    if !step.passed() {
        return Err(TrialError::Venv {
            root: root.to_path_buf(),
            command: step.command.clone(),
            output: step.output(),
        });
    }
    Ok((TrialEnv::at(root), step))
}

/// Installs the requirements file `requirements` into `env`, with `index_args` (the same
/// `--index-url`, `--extra-index-url`, `--find-links`, `--no-index` options for uv and pip).
pub fn install(
    env: &TrialEnv,
    requirements: &Path,
    index_args: &[String],
    installer: &Installer,
    timeout: Duration,
) -> Result<Step, TrialError> {
    install_with(env, requirements, index_args, installer, timeout, false)
}

/// [`install`] from the installer's cache first, when the caller knows a resolution of these
/// same packages has just filled it (the plan's pre-flight): uv installs `--offline`, and only
/// when that fails (a wheel or a page it does not have) asks the index. Each online install
/// revalidates every page and wheel it uses, which costs a second or more and a chance of a
/// stalled connection on every trial of a bisection. pip has no such mode: it always asks.
pub fn install_from_cache(
    env: &TrialEnv,
    requirements: &Path,
    index_args: &[String],
    installer: &Installer,
    timeout: Duration,
) -> Result<Step, TrialError> {
    if let Installer::Uv { .. } = installer {
        let cached = install_with(env, requirements, index_args, installer, timeout, true)?;
        if cached.passed() {
            return Ok(cached);
        }
    }
    install(env, requirements, index_args, installer, timeout)
}

fn install_with(
    env: &TrialEnv,
    requirements: &Path,
    index_args: &[String],
    installer: &Installer,
    timeout: Duration,
    offline: bool,
) -> Result<Step, TrialError> {
    let mut command = match installer {
        Installer::Uv { program } => {
            let mut command = Command::new(program);
            command
                .args(["pip", "install", "--no-config", "--python"])
                .arg(&env.python)
                .arg("-r")
                .arg(requirements);
            if offline {
                command.arg("--offline");
            }
            command
        }
        Installer::Pip => {
            let mut command = Command::new(&env.python);
            command
                .args([
                    "-m",
                    "pip",
                    "install",
                    "--disable-pip-version-check",
                    "--no-input",
                    "-r",
                ])
                .arg(requirements);
            command
        }
    };
    command.args(index_args);
    run(&mut command, Limits::new(timeout))
}

/// Runs a gate's command inside `env`, from `directory` (the project). The trial's scripts come
/// first on `PATH` and `VIRTUAL_ENV` names it, as an activated venv would.
pub fn run_in(
    env: &TrialEnv,
    argv: &[String],
    directory: &Path,
    extra_env: &[(&str, &str)],
    timeout: Duration,
) -> Result<Step, TrialError> {
    let (program, args) = split_command(argv)?;
    // A bare program name is looked up on the trial's PATH, not the caller's.
    let program = if Path::new(program).components().count() == 1 && env.bin.join(program).exists()
    {
        env.bin.join(program).into_os_string()
    } else {
        OsString::from(program)
    };
    // Shown as the policy wrote it, not with the trial's path put in.
    let text = shown(Command::new(&argv[0]).args(args));
    let mut command = Command::new(program);
    command.args(args).current_dir(directory);
    command
        .env_remove("PYTHONHOME")
        .env("VIRTUAL_ENV", &env.root)
        .env("PATH", env.path_variable());
    for (key, value) in extra_env {
        command.env(key, value);
    }
    run_shown(&mut command, text, Limits::new(timeout))
}

/// Runs a hook of the policy (`pre-apply`, `post-apply`, `on-rollback`) from `directory`, as
/// written: an argument vector, no shell.
pub fn run_hook(argv: &[String], directory: &Path, timeout: Duration) -> Result<Step, TrialError> {
    let (program, args) = split_command(argv)?;
    let mut command = Command::new(program);
    command.args(args).current_dir(directory);
    run(&mut command, Limits::new(timeout))
}

/// The options pip and uv accept inside a requirements file, and take a value.
const FILE_OPTIONS_WITH_VALUE: [&str; 3] = ["--index-url", "--extra-index-url", "--find-links"];

/// Splits installer options into the lines of a requirements file (index URLs, which may hold
/// a password: in a file only tend's user can read, never on a command line every user of
/// the machine can see with `ps`) and the rest, which stay on the command line.
pub fn split_index_args(args: &[String]) -> (String, Vec<String>) {
    let mut lines = String::new();
    let mut rest = Vec::new();
    let mut words = args.iter();
    while let Some(word) = words.next() {
        if FILE_OPTIONS_WITH_VALUE.contains(&word.as_str()) {
            if let Some(value) = words.next() {
                lines.push_str(word);
                lines.push(' ');
                lines.push_str(value);
                lines.push('\n');
                continue;
            }
        }
        if word == "--no-index" {
            lines.push_str("--no-index\n");
            continue;
        }
        rest.push(word.clone());
    }
    (lines, rest)
}
