//! [`TestContext`]: a temporary project and home for one CLI test, commands that see nothing
//! of the developer's environment, and filters that make their output stable for snapshots.

use std::ffi::OsStr;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use regex::Regex;
use tempfile::TempDir;

use crate::command::{remove_leaky_environment, run};
use crate::venv::Venv;

/// One test's sandbox, removed when dropped.
///
/// Layout under the temporary root (`[TEMP]` in filtered output):
/// `project/` (`[PROJECT]`, the working directory of [`command`](Self::command)),
/// `home/` (`[HOME]`, also `HOME`) with `.cache`, `.config` and `.local/share` as the XDG
/// directories.
///
/// ```no_run
/// # use tend_test::TestContext;
/// let mut context = TestContext::new();
/// let venv = context.create_venv();
/// fs_err::write(context.project().join("requirements.txt"), "alpha==1.0.0\n").unwrap();
/// let mut command = context.command("tend"); // in the CLI crate: env!("CARGO_BIN_EXE_tend")
/// command.arg("inventory");
/// let output = context.run(&mut command); // exit code, stdout and stderr, filtered
/// // insta::assert_snapshot!(output);
/// ```
#[derive(Debug)]
pub struct TestContext {
    /// Keeps the directory alive; dropped last.
    temporary: TempDir,
    root: PathBuf,
    project: PathBuf,
    home: PathBuf,
    venvs: Vec<PathBuf>,
}

impl TestContext {
    /// Creates the temporary root with an empty project and home.
    pub fn new() -> Self {
        let temporary = tempfile::Builder::new()
            .prefix("tend-test-")
            .tempdir()
            .unwrap_or_else(|error| panic!("creating a temporary directory: {error}"));
        // Canonical, so the paths the CLI prints (often resolved) match the filters.
        let root = fs_err::canonicalize(temporary.path()).unwrap_or_else(|error| panic!("{error}"));
        let project = root.join("project");
        let home = root.join("home");
        for directory in [
            project.clone(),
            home.join(".cache"),
            home.join(".config"),
            home.join(".local").join("share"),
        ] {
            fs_err::create_dir_all(&directory).unwrap_or_else(|error| panic!("{error}"));
        }
        Self {
            temporary,
            root,
            project,
            home,
            venvs: Vec::new(),
        }
    }

    /// The temporary root, `[TEMP]` in filtered output.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The project directory, `[PROJECT]` in filtered output.
    pub fn project(&self) -> &Path {
        &self.project
    }

    /// The isolated home directory, `[HOME]` in filtered output.
    pub fn home(&self) -> &Path {
        &self.home
    }

    /// Creates a real venv at `<project>/.venv` (see [`Venv::create`]) and registers it so
    /// its path reads `[VENV]` in filtered output.
    pub fn create_venv(&mut self) -> Venv {
        let venv = Venv::create(&self.project.join(".venv"));
        self.register_venv(&venv);
        venv
    }

    /// Makes `venv`'s path read `[VENV]` in filtered output (for venvs made elsewhere).
    pub fn register_venv(&mut self, venv: &Venv) {
        self.venvs.push(venv.root.clone());
    }

    /// A command for `program` (the CLI under test: pass `env!("CARGO_BIN_EXE_tend")`) run in
    /// the project directory, with `HOME` and `XDG_{CACHE,CONFIG,DATA}_HOME` in the sandbox,
    /// `NO_COLOR=1`, and no `PIP_*`, `UV_*`, `PYTHON*`, `TEND_*`, `CONDA_*`, `VIRTUAL_ENV` or
    /// colour-forcing variables inherited.
    pub fn command(&self, program: impl AsRef<OsStr>) -> Command {
        let mut command = Command::new(program);
        remove_leaky_environment(&mut command);
        command
            .current_dir(&self.project)
            .env("HOME", &self.home)
            .env("XDG_CACHE_HOME", self.home.join(".cache"))
            .env("XDG_CONFIG_HOME", self.home.join(".config"))
            .env("XDG_DATA_HOME", self.home.join(".local").join("share"))
            .env("XDG_STATE_HOME", self.home.join(".local").join("state"))
            .env("NO_COLOR", "1");
        command
    }

    /// `(regex, replacement)` pairs, most specific first, in the shape insta's `filters`
    /// setting takes: registered venvs -> `[VENV]`, project -> `[PROJECT]`, home -> `[HOME]`,
    /// root -> `[TEMP]`, and `python3.11` / `Python 3.11.7` -> `python[PYTHON]` /
    /// `Python [PYTHON]` (a bare `3.11` is left alone: it may be a package version).
    pub fn filters(&self) -> Vec<(String, String)> {
        let mut filters = Vec::new();
        let mut add_path = |path: &Path, replacement: &str| {
            let mut forms = vec![path.to_path_buf()];
            if let Ok(canonical) = fs_err::canonicalize(path) {
                if canonical != path {
                    forms.push(canonical);
                }
            }
            if path != self.temporary.path() && path == self.root {
                forms.push(self.temporary.path().to_path_buf());
            }
            for form in forms {
                filters.push((
                    regex::escape(&form.to_string_lossy()),
                    replacement.to_string(),
                ));
            }
        };
        for venv in &self.venvs {
            add_path(venv, "[VENV]");
        }
        add_path(&self.project, "[PROJECT]");
        add_path(&self.home, "[HOME]");
        add_path(&self.root, "[TEMP]");
        filters.push((
            r"(?i)\b(python ?)3\.\d+(\.\d+)?\b".to_string(),
            "${1}[PYTHON]".to_string(),
        ));
        filters
    }

    /// Applies [`filters`](Self::filters) to `text`.
    pub fn filter(&self, text: &str) -> String {
        let mut text = text.to_string();
        for (pattern, replacement) in self.filters() {
            let regex = Regex::new(&pattern)
                .unwrap_or_else(|error| panic!("filter {pattern:?} is not a regex: {error}"));
            text = regex.replace_all(&text, replacement.as_str()).into_owned();
        }
        text
    }

    /// Runs `command` and returns its exit code, stdout and stderr in one filtered text, ready
    /// for `insta::assert_snapshot!`:
    ///
    /// ```text
    /// success: false
    /// exit_code: 1
    /// ----- stdout -----
    /// ...
    /// ----- stderr -----
    /// ...
    /// ```
    pub fn run(&self, command: &mut Command) -> String {
        let output = run(command);
        let mut text = String::new();
        let code = output
            .status
            .code()
            .map_or_else(|| "none".to_string(), |code| code.to_string());
        let _ = writeln!(text, "success: {}", output.status.success());
        let _ = writeln!(text, "exit_code: {code}");
        let _ = writeln!(
            text,
            "----- stdout -----\n{}",
            String::from_utf8_lossy(&output.stdout)
        );
        let _ = write!(
            text,
            "----- stderr -----\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        self.filter(&text)
    }
}

impl Default for TestContext {
    fn default() -> Self {
        Self::new()
    }
}
