//! Real virtual environments made by `python -m venv`, and pip run inside them with no index,
//! no cache and no configuration from the developer's machine.

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::command::{remove_leaky_environment, run, run_checked, stdout_text};
use crate::wheel::escape_name;

/// The environment variable naming the interpreter that creates test venvs (default `python3`).
pub const PYTHON_VARIABLE: &str = "TEND_TEST_PYTHON";

/// How [`Venv::create_with`] makes a venv.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VenvOptions {
    /// Passes `--system-site-packages`: the base interpreter's packages are visible too.
    pub system_site_packages: bool,
    /// Lets `python -m venv` install pip through ensurepip, which byte-compiles pip and
    /// setuptools: three times slower. By default the venv is made `--without-pip`, then the
    /// very wheels ensurepip would use (its `_bundled` folder) are installed by pip itself with
    /// `--no-compile`: the same distributions, RECORDs and scripts, minus `.pyc` files.
    /// Without a `_bundled` folder (some Linux distributions remove it) ensurepip runs anyway.
    pub ensurepip: bool,
}

/// A virtual environment on disk. Cloning copies the paths, not the environment.
///
/// Creating one runs `python -m venv` and installs pip (one to three seconds), so tests should
/// create few.
/// Every command run inside it sees no `PIP_*`, `PYTHON*`, `UV_*`, `VIRTUAL_ENV` variables
/// and no pip configuration file, so a developer's settings cannot change a test's result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Venv {
    /// The venv directory (holds `pyvenv.cfg`).
    pub root: PathBuf,
    /// The venv's interpreter, `bin/python`.
    pub python: PathBuf,
    /// Where scripts go, `bin/` (`Scripts\` on Windows).
    pub bin: PathBuf,
    /// The site-packages directory found on disk, e.g. `lib/python3.11/site-packages`.
    pub site_packages: PathBuf,
    /// The interpreter's `major.minor`, e.g. `"3.11"`.
    pub python_version: String,
}

impl Venv {
    /// Creates a venv at `root` (which must not exist yet, or be empty) with pip and the
    /// interpreter from `TEND_TEST_PYTHON`, else `python3`. See [`VenvOptions`] for how pip
    /// gets in.
    pub fn create(root: &Path) -> Self {
        Self::create_with(root, &VenvOptions::default())
    }

    /// Creates a venv at `root` with `options`.
    pub fn create_with(root: &Path, options: &VenvOptions) -> Self {
        let base_python =
            std::env::var_os(PYTHON_VARIABLE).unwrap_or_else(|| OsString::from("python3"));
        let root = std::path::absolute(root)
            .unwrap_or_else(|error| panic!("making {} absolute: {error}", root.display()));
        let mut command = Command::new(&base_python);
        remove_leaky_environment(&mut command);
        command.args(["-m", "venv"]);
        if options.system_site_packages {
            command.arg("--system-site-packages");
        }
        if !options.ensurepip {
            command.arg("--without-pip");
        }
        command.arg(&root);
        run_checked(&mut command);
        let venv = Self::open(&root);
        if !options.ensurepip {
            venv.install_bundled_pip();
        }
        venv
    }

    /// Describes an existing venv at `root` (made by this crate or by anything else).
    pub fn open(root: &Path) -> Self {
        let root = std::path::absolute(root)
            .unwrap_or_else(|error| panic!("making {} absolute: {error}", root.display()));
        assert!(
            root.join("pyvenv.cfg").is_file(),
            "{} is not a virtual environment: it has no pyvenv.cfg",
            root.display()
        );
        let (bin, python) = if root.join("Scripts").join("python.exe").is_file() {
            (
                root.join("Scripts"),
                root.join("Scripts").join("python.exe"),
            )
        } else {
            (root.join("bin"), root.join("bin").join("python"))
        };
        let (site_packages, python_version) = find_site_packages(&root);
        Self {
            root,
            python,
            bin,
            site_packages,
            python_version,
        }
    }

    /// A command running the venv's interpreter in the isolated environment; add arguments.
    pub fn python_command(&self) -> Command {
        let mut command = Command::new(&self.python);
        remove_leaky_environment(&mut command);
        // pip reads no configuration file at all when this names the null device.
        let null_device = if cfg!(windows) { "nul" } else { "/dev/null" };
        command.env("PIP_CONFIG_FILE", null_device);
        // The user's own site-packages would leak into `--system-site-packages` venvs.
        command.env("PYTHONNOUSERSITE", "1");
        command
    }

    /// Runs the venv's interpreter with `args`; the caller judges the exit status.
    pub fn python<I, S>(&self, args: I) -> Output
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        run(self.python_command().args(args))
    }

    /// Runs `python -c code`, panicking with the full output unless it succeeds; returns stdout.
    pub fn python_code(&self, code: &str) -> String {
        stdout_text(&run_checked(self.python_command().args(["-c", code])))
    }

    /// Runs `python -m pip --disable-pip-version-check --no-input --no-cache-dir <args>`; the
    /// caller judges the exit status.
    pub fn pip<I, S>(&self, args: I) -> Output
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        run(self.pip_command().args(args))
    }

    /// Runs `pip install --no-index --find-links <find_links> <args>` (plus the flags of
    /// [`Venv::pip`]) and panics with the full output unless it succeeds. Typical `args`:
    /// `["--no-deps", "alpha==1.0.0"]`, `["-e", "path"]`, `["--no-build-isolation", ...]`.
    pub fn pip_install<I, S>(&self, find_links: &Path, args: I) -> Output
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut command = self.pip_command();
        command
            .args(["install", "--no-index", "--find-links"])
            .arg(find_links)
            .args(args);
        run_checked(&mut command)
    }

    /// `pip freeze` output (panics if pip fails).
    pub fn pip_freeze(&self) -> String {
        stdout_text(&run_checked(self.pip_command().arg("freeze")))
    }

    /// `pip check`: its exit code (0 when consistent, 1 when not) and stdout.
    pub fn pip_check(&self) -> (i32, String) {
        let output = run(self.pip_command().arg("check"));
        let code = output.status.code().unwrap_or_else(|| {
            panic!(
                "{}",
                crate::command::describe_failure(self.pip_command().arg("check"), &output)
            )
        });
        (code, stdout_text(&output))
    }

    /// The `.dist-info` directory of the installed distribution `name` (compared after
    /// normalisation); panics listing site-packages when there is none.
    pub fn dist_info(&self, name: &str) -> PathBuf {
        let wanted = escape_name(name);
        let entries =
            fs_err::read_dir(&self.site_packages).unwrap_or_else(|error| panic!("{error}"));
        let mut names = Vec::new();
        for entry in entries {
            let entry = entry.unwrap_or_else(|error| panic!("{error}"));
            let file_name = entry.file_name().to_string_lossy().into_owned();
            let stem = file_name.strip_suffix(".dist-info");
            let dist_name = stem
                .and_then(|stem| stem.split_once('-'))
                .map(|(name, _)| name);
            if dist_name.is_some_and(|dist_name| escape_name(dist_name) == wanted) {
                return entry.path();
            }
            names.push(file_name);
        }
        names.sort();
        panic!(
            "no .dist-info for {name} in {}; it holds: {}",
            self.site_packages.display(),
            names.join(", ")
        )
    }

    /// Installs ensurepip's bundled wheels the way ensurepip does (pip running from its own
    /// wheel), but without byte-compiling.
    fn install_bundled_pip(&self) {
        let bundled = self.python_code(
            "import ensurepip, os; print(os.path.join(os.path.dirname(ensurepip.__file__), '_bundled'))",
        );
        let bundled = PathBuf::from(bundled.trim_end_matches(['\r', '\n']));
        let mut wheels: Vec<(String, PathBuf)> = fs_err::read_dir(&bundled)
            .map(|entries| {
                entries
                    .filter_map(Result::ok)
                    .map(|entry| entry.path())
                    .filter(|path| path.extension().is_some_and(|extension| extension == "whl"))
                    .filter_map(|path| {
                        let file_name = path.file_name()?.to_str()?;
                        let (project, _) = file_name.split_once('-')?;
                        Some((project.to_string(), path.clone()))
                    })
                    .collect()
            })
            .unwrap_or_default();
        wheels.sort();
        let Some((_, pip_wheel)) = wheels.iter().find(|(project, _)| project == "pip") else {
            run_checked(self.python_command().args([
                "-m",
                "ensurepip",
                "--upgrade",
                "--default-pip",
            ]));
            return;
        };
        let mut command = self.pip_command();
        command
            .env("PYTHONPATH", pip_wheel)
            .args(["install", "--no-index", "--find-links"])
            .arg(&bundled)
            .args(["--no-compile", "--ignore-installed"])
            .args(wheels.iter().map(|(project, _)| project));
        run_checked(&mut command);
    }

    fn pip_command(&self) -> Command {
        let mut command = self.python_command();
        command.args([
            "-m",
            "pip",
            "--disable-pip-version-check",
            "--no-input",
            "--no-cache-dir",
        ]);
        command
    }
}

/// Finds `lib/pythonX.Y/site-packages` (or Windows' `Lib/site-packages`) on disk.
fn find_site_packages(root: &Path) -> (PathBuf, String) {
    let lib = root.join("lib");
    if let Ok(entries) = fs_err::read_dir(&lib) {
        let mut candidates: Vec<(PathBuf, String)> = entries
            .filter_map(Result::ok)
            .filter_map(|entry| {
                let name = entry.file_name().to_string_lossy().into_owned();
                let version = name.strip_prefix("python")?.to_string();
                let site_packages = entry.path().join("site-packages");
                site_packages.is_dir().then_some((site_packages, version))
            })
            .collect();
        candidates.sort();
        if let Some(found) = candidates.pop() {
            return found;
        }
    }
    let windows = root.join("Lib").join("site-packages");
    if windows.is_dir() {
        let venv = Venv {
            root: root.to_path_buf(),
            python: root.join("Scripts").join("python.exe"),
            bin: root.join("Scripts"),
            site_packages: windows.clone(),
            python_version: String::new(),
        };
        let version = venv
            .python_code("import sys; print(f'{sys.version_info.major}.{sys.version_info.minor}')");
        return (windows, version.trim().to_string());
    }
    panic!("no site-packages directory under {}", root.display())
}
