//! The environment reader against real environments: a venv made by `python3 -m venv` (with
//! the pip and setuptools it brings) and the interpreter that made it, each compared with what
//! that environment's own `pip freeze --all` says. No network: nothing is installed.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::str::FromStr;

use tend_inventory::{read_environment, EnvironmentRead, EnvironmentRequest};
use tend_model::PackageName;

fn run(command: &mut Command) -> String {
    let output = command.output().unwrap();
    assert!(
        output.status.success(),
        "{command:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// `pip freeze --all` as name -> version (`None` for `name @ url` and editable lines).
fn pip_freeze(python: &Path) -> BTreeMap<PackageName, Option<String>> {
    let text = run(Command::new(python)
        .args([
            "-m",
            "pip",
            "freeze",
            "--all",
            "--disable-pip-version-check",
        ])
        .env_remove("PYTHONPATH")
        .env("PIP_NO_INPUT", "1"));
    let mut packages = BTreeMap::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with("-e") {
            continue;
        }
        if let Some((name, version)) = line.split_once("==") {
            packages.insert(
                PackageName::from_str(name).unwrap(),
                Some(version.to_string()),
            );
        } else if let Some((name, _)) = line.split_once(" @ ") {
            packages.insert(PackageName::from_str(name.trim()).unwrap(), None);
        }
    }
    packages
}

/// Our distributions in `pip_freeze`'s shape: editables left out (pip prints them as `-e`),
/// direct-URL installs without a version (pip prints `name @ url`).
fn ours(read: &EnvironmentRead) -> BTreeMap<PackageName, Option<String>> {
    read.environment
        .distributions
        .iter()
        .filter(|distribution| !distribution.is_editable())
        .map(|distribution| {
            let version = match distribution.direct_url {
                Some(_) => None,
                None => Some(distribution.version.to_string()),
            };
            (distribution.name.clone(), version)
        })
        .collect()
}

fn create_venv(root: &Path) -> PathBuf {
    let venv = root.join("venv");
    run(Command::new("python3").arg("-m").arg("venv").arg(&venv));
    venv
}

#[test]
fn real_venv_matches_pip_freeze_without_starting_python() {
    let root = tempfile::tempdir().unwrap();
    let venv = create_venv(root.path());
    let python = venv.join("bin/python");

    let read = read_environment(&EnvironmentRequest::Venv(venv.clone()))
        .unwrap()
        .unwrap();
    assert!(read.diagnostics.is_empty(), "{:?}", read.diagnostics);
    let expected = pip_freeze(&python);
    assert!(expected.contains_key(&PackageName::from_str("pip").unwrap()));
    assert!(expected.contains_key(&PackageName::from_str("setuptools").unwrap()));
    assert_eq!(ours(&read), expected);
    let pip = read
        .environment
        .distribution(&PackageName::from_str("pip").unwrap())
        .unwrap();
    assert_eq!(pip.installer.as_deref(), Some("pip"));
    assert_eq!(read.environment.python.as_deref(), Some(python.as_path()));

    // The venv's interpreter is read as the venv, from disk: same answer.
    let through_python = read_environment(&EnvironmentRequest::Python(python.clone()))
        .unwrap()
        .unwrap();
    assert_eq!(
        through_python.environment.distributions,
        read.environment.distributions
    );

    // Markers from pyvenv.cfg + host equal the interpreter's own.
    let interpreter_markers = run(Command::new(&python).args([
        "-c",
        "import platform, sys; print(platform.python_version(), sys.implementation.name, \
         sys.platform, platform.machine(), platform.release())",
    ]));
    let markers = read.environment.markers.as_ref().unwrap();
    assert_eq!(
        interpreter_markers.trim(),
        format!(
            "{} {} {} {} {}",
            markers.python_full_version().string,
            markers.implementation_name(),
            markers.sys_platform(),
            markers.platform_machine(),
            markers.platform_release()
        )
    );

    // With the base interpreter's `home` gone, reading still works: nothing was started.
    let cfg_path = venv.join("pyvenv.cfg");
    let cfg = fs_err::read_to_string(&cfg_path).unwrap();
    let cfg: String = cfg
        .lines()
        .map(|line| {
            if line.starts_with("home") {
                "home = /nonexistent/bin"
            } else {
                line
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    fs_err::write(&cfg_path, cfg).unwrap();
    let without_home = read_environment(&EnvironmentRequest::Venv(venv))
        .unwrap()
        .unwrap();
    assert_eq!(
        without_home.environment.distributions,
        read.environment.distributions
    );
}

#[test]
fn plain_interpreter_matches_its_pip_freeze() {
    // `python3` may be a shim (pyenv): ask it for the real executable first.
    let python = PathBuf::from(
        run(Command::new("python3").args(["-c", "import sys; print(sys.executable)"])).trim(),
    );
    let has_pip = Command::new(&python)
        .args(["-m", "pip", "--version"])
        .output()
        .is_ok_and(|output| output.status.success());
    let read = read_environment(&EnvironmentRequest::Python(python.clone()))
        .unwrap()
        .unwrap();
    assert!(!read.environment.site_packages.is_empty());
    assert!(read.environment.markers.is_some());
    assert!(read.environment.python_version.is_some());
    if has_pip {
        let expected = pip_freeze(&python);
        let found = ours(&read);
        // pip skips what it cannot parse; compare what both see by name and version.
        for (name, version) in &expected {
            assert_eq!(found.get(name), Some(version), "{name}");
        }
    }
}
