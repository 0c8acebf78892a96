//! A folder of wheels shared by every test: built once per content, reused across tests and
//! test processes.
//!
//! The folder is named after a hash of the specs, so a change to [`shared_wheel_specs`] gets
//! a fresh folder and a stale one is never reused. It is built in a temporary folder and
//! renamed into place, so concurrent test processes never see half of it.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use sha2::{Digest, Sha256};

use crate::wheel::WheelSpec;

/// The wheels in [`shared_wheelhouse`]: a small dependency graph with several versions per
/// name, for install, check and update tests.
///
/// | wheel          | requires                                | other                            |
/// |----------------|-----------------------------------------|----------------------------------|
/// | `alpha` 1.0.0  |                                         |                                  |
/// | `alpha` 1.1.0  |                                         |                                  |
/// | `alpha` 2.0.0  |                                         | `Requires-Python: >=3.8`         |
/// | `beta` 1.0.0   | `alpha>=1.0,<2`                         |                                  |
/// | `beta` 1.1.0   | `alpha>=1.1,<3`                         |                                  |
/// | `gamma` 0.5.0  | `beta>=1.0`, `alpha>=2; extra == "fast"`| extra `fast`, script `gamma`     |
///
/// Each installs one package named like the distribution whose `__init__.py` sets
/// `__version__`; `gamma` also has `gamma/cli.py` with `main()`.
pub fn shared_wheel_specs() -> Vec<WheelSpec> {
    let package = |name: &str, version: &str| {
        WheelSpec::new(name, version)
            .summary(format!("The {name} test distribution"))
            .module(
                format!("{name}/__init__.py"),
                format!("__version__ = {version:?}\n"),
            )
    };
    vec![
        package("alpha", "1.0.0"),
        package("alpha", "1.1.0"),
        package("alpha", "2.0.0").requires_python(">=3.8"),
        package("beta", "1.0.0").requires_dist("alpha>=1.0,<2"),
        package("beta", "1.1.0").requires_dist("alpha>=1.1,<3"),
        package("gamma", "0.5.0")
            .requires_dist("beta>=1.0")
            .requires_dist("alpha>=2; extra == \"fast\"")
            .provides_extra("fast")
            .module("gamma/cli.py", "def main():\n    print(\"gamma\")\n")
            .console_script("gamma", "gamma.cli:main"),
    ]
}

/// The folder holding every wheel of [`shared_wheel_specs`], built at most once per process;
/// pass it to [`Venv::pip_install`](crate::Venv::pip_install) as `find_links`.
pub fn shared_wheelhouse() -> &'static Path {
    static WHEELHOUSE: OnceLock<PathBuf> = OnceLock::new();
    WHEELHOUSE.get_or_init(build_shared_wheelhouse)
}

fn build_shared_wheelhouse() -> PathBuf {
    let specs = shared_wheel_specs();
    let fingerprint = Sha256::digest(format!("{}{specs:?}", env!("CARGO_PKG_VERSION")));
    let hex = fingerprint
        .iter()
        .take(8)
        .fold(String::new(), |mut hex, byte| {
            let _ = write!(hex, "{byte:02x}");
            hex
        });
    let parent = std::env::temp_dir();
    let final_path = parent.join(format!("tend-test-wheelhouse-{hex}"));
    let complete = |directory: &Path| {
        specs
            .iter()
            .all(|spec| directory.join(spec.wheel_file_name()).is_file())
    };
    if complete(&final_path) {
        return final_path;
    }

    let staging = tempfile::Builder::new()
        .prefix(".tend-test-wheelhouse-")
        .tempdir_in(&parent)
        .unwrap_or_else(|error| panic!("creating a wheelhouse in {}: {error}", parent.display()));
    for spec in &specs {
        spec.build(staging.path());
    }
    let staging = staging.keep();
    match fs_err::rename(&staging, &final_path) {
        Ok(()) => final_path,
        // Another process won the race: its folder has the same content.
        Err(_) if complete(&final_path) => {
            let _ = fs_err::remove_dir_all(&staging);
            final_path
        }
        // A damaged folder sits at the final path: use ours, leaving that one alone.
        Err(_) => staging,
    }
}
