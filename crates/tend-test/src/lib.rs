//! Test harness for tend: real wheels, real virtualenvs, real pip, isolated CLI runs.
//!
//! Tests of inventory, check, index and update code run against environments that pip itself
//! built, not against hand-written fixtures pretending to be one. The pieces:
//!
//! - [`WheelSpec`] describes a distribution (metadata, modules, entry points, data files) and
//!   [`WheelSpec::build`] writes a real `.whl` that pip installs: PEP 427 file name,
//!   `.dist-info` with METADATA 2.1, WHEEL, entry_points.txt, top_level.txt and a RECORD of
//!   true sha256 hashes and sizes. [`record_hash`] computes a RECORD hash to compare against.
//! - [`shared_wheelhouse`] is a folder of the wheels in [`shared_wheel_specs`] (`alpha`,
//!   `beta`, `gamma` in several versions), built once and reused.
//! - [`Venv`] is a real `python -m venv` (interpreter from `TEND_TEST_PYTHON`, default
//!   `python3`) with pip run offline: [`Venv::pip_install`] (`--no-index --find-links`),
//!   [`Venv::pip_freeze`], [`Venv::pip_check`], [`Venv::python`]. Every failure panics with
//!   the command line, exit status, stdout and stderr.
//! - Environments broken or aged on purpose: [`Venv::edit_installed_file`] and
//!   [`Venv::remove_installed_file`] (files no longer matching RECORD),
//!   [`Venv::install_egg_info`] (`setup.py install` leftovers), [`Venv::install_egg_link`]
//!   (`setup.py develop`), [`Venv::install_editable`] (a PEP 660 editable install by pip,
//!   with `direct_url.json`).
//! - [`TestContext`] sandboxes one CLI test: a temporary project, an isolated `HOME` and XDG
//!   directories, a [`Command`](std::process::Command) with no leaking `PIP_*`, `UV_*`,
//!   `PYTHON*`, `VIRTUAL_ENV`, and [`TestContext::filters`] / [`TestContext::run`] that turn
//!   paths and Python versions into `[TEMP]`, `[PROJECT]`, `[HOME]`, `[VENV]`, `[PYTHON]`.
//!
//! ```no_run
//! use tend_test::{shared_wheelhouse, TestContext, WheelSpec};
//!
//! let mut context = TestContext::new();
//! let venv = context.create_venv();
//! venv.pip_install(shared_wheelhouse(), ["beta==1.0.0"]);
//! venv.edit_installed_file("alpha/__init__.py");
//! let local = WheelSpec::new("local-tool", "0.1.0").module("local_tool.py", "");
//! venv.install_editable(&local, &context.root().join("local-tool"));
//! assert!(venv.pip_freeze().contains("alpha==1.1.0"));
//! ```
//!
//! Creating a venv costs one to three seconds: pip installs ensurepip's bundled pip and
//! setuptools wheels into it without byte-compiling ([`VenvOptions::ensurepip`] runs the stock,
//! three times slower path). Venvs are not relocatable (scripts have absolute shebangs), so
//! each test that needs one makes its own: keep their number small. Paths are handled for
//! Unix; Windows layouts (`Scripts`, `Lib`) are recognised but not tested.

mod command;
mod context;
mod editable;
// A local HTTP/1.1 server for clients, downloads and APIs: `tend_test::http::TestServer`.
pub mod http;
mod listener;
mod site_packages;
// A local SMTP server (STARTTLS, implicit TLS, AUTH) for email tests: `tend_test::smtp::SmtpServer`.
pub mod smtp;
mod venv;
mod wheel;
mod wheelhouse;

pub use context::TestContext;
pub use site_packages::EDIT_MARKER;
pub use venv::{Venv, VenvOptions, PYTHON_VARIABLE};
pub use wheel::{record_hash, WheelSpec};
pub use wheelhouse::{shared_wheel_specs, shared_wheelhouse};
