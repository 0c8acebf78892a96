//! Checks against real virtualenvs made by `python3 -m venv`, read by tend-inventory, and
//! compared with what the venv's own pip says.

#![allow(clippy::unwrap_used)] // A panic is the failure report.

use std::collections::BTreeSet;
use std::path::Path;
use std::time::Duration;

use tend_check::{check, CheckKind, CheckOptions, CheckReport, CriticalImport};
use tend_inventory::{read_environment, EnvironmentRequest};
use tend_model::{Code, Environment, Inventory, Location, Severity};
use tend_test::{Venv, WheelSpec};

fn inventory_of(venv: &Venv) -> Inventory {
    let read = read_environment(&EnvironmentRequest::Venv(venv.root.clone()))
        .unwrap()
        .unwrap();
    Inventory {
        environment: Some(read.environment),
        diagnostics: read.diagnostics,
        ..Inventory::default()
    }
}

fn only(kind: CheckKind) -> CheckOptions {
    CheckOptions {
        select: BTreeSet::from([kind]),
        ..CheckOptions::default()
    }
}

/// `code package file-name-relative-to-the-venv` for each finding, to compare in one assert.
fn describe(report: &CheckReport, root: &Path) -> Vec<String> {
    report
        .findings
        .iter()
        .map(|finding| {
            let location = finding.location.as_ref().map_or(String::new(), |location| {
                let path = location.path.strip_prefix(root).unwrap_or(&location.path);
                format!(" {}:{}", path.display(), location.line)
            });
            let package = finding
                .package
                .as_ref()
                .map_or(String::new(), ToString::to_string);
            format!("{} {}{location}", finding.code, package)
        })
        .collect()
}

#[test]
fn integrity_finds_modified_missing_and_unverifiable_files() {
    let directory = tempfile::tempdir().unwrap();
    let venv = Venv::create(&directory.path().join("venv"));
    let big: Vec<u8> = (0..300_000u32).map(|index| (index % 251) as u8).collect();
    let wheel = WheelSpec::new("integrity-demo", "1.0")
        .module("integrity_demo/__init__.py", "")
        .module("integrity_demo/edited.py", "VALUE = 1\n")
        .module("integrity_demo/removed.py", "VALUE = 2\n")
        .module("integrity_demo/big.bin", big)
        .console_script("integrity-demo", "integrity_demo:main");
    wheel.build(&directory.path().join("wheels"));
    venv.pip_install(&directory.path().join("wheels"), ["integrity-demo"]);
    venv.edit_installed_file("integrity_demo/edited.py");
    venv.remove_installed_file("integrity_demo/removed.py");
    venv.install_egg_info("legacy-egg", "0.5", &[]);
    // A broken row at the end of the RECORD: reported with its line, the rest still checked.
    let record = venv.dist_info("integrity-demo").join("RECORD");
    let mut text = fs_err::read_to_string(&record).unwrap();
    let broken_line = text.lines().count() + 1;
    text.push_str("integrity_demo/ghost.py,sha256=not*base64,12\n");
    fs_err::write(&record, text).unwrap();

    let report = check(&inventory_of(&venv), &only(CheckKind::Integrity));

    let dist_info = venv
        .dist_info("integrity-demo")
        .strip_prefix(&venv.root)
        .unwrap()
        .display()
        .to_string();
    let lines = describe(&report, &venv.root);
    assert_eq!(lines.len(), 4, "{lines:#?}");
    let edited = report
        .findings
        .iter()
        .find(|finding| finding.code == Code::ModifiedFile)
        .unwrap();
    assert!(
        edited.message.contains("integrity_demo/edited.py"),
        "{edited:?}"
    );
    assert_eq!(
        edited.notes.len(),
        2,
        "hash and size both differ: {edited:?}"
    );
    let missing = report
        .findings
        .iter()
        .find(|finding| finding.code == Code::MissingFile)
        .unwrap();
    assert!(
        missing.message.contains("integrity_demo/removed.py"),
        "{missing:?}"
    );
    let unverifiable: Vec<_> = report
        .findings
        .iter()
        .filter(|finding| finding.code == Code::UnverifiableRecord)
        .collect();
    assert_eq!(unverifiable.len(), 2);
    assert!(
        lines.contains(&format!(
            "unverifiable-record integrity-demo {dist_info}/RECORD:{broken_line}"
        )),
        "{lines:#?}"
    );
    assert!(unverifiable
        .iter()
        .any(|finding| finding.severity == Severity::Note
            && finding
                .package
                .as_ref()
                .is_some_and(|name| name.as_ref() == "legacy-egg")));
    // pip and setuptools from ensurepip, and the demo's script in bin/, all verified clean.
    assert!(report.summary.files_hashed > 500, "{:?}", report.summary);
    assert_eq!(report.summary.distributions_unverifiable, 1);
    assert!(
        report.summary.files_without_hash >= 3,
        "{:?}",
        report.summary
    );
}

fn write_module(venv: &Venv, name: &str, source: &str) {
    fs_err::write(venv.site_packages.join(format!("{name}.py")), source).unwrap();
}

#[test]
fn imports_run_in_one_interpreter_and_report_each_failure() {
    let directory = tempfile::tempdir().unwrap();
    let venv = Venv::create(&directory.path().join("venv"));
    write_module(
        &venv,
        "tend_good",
        "import json\nprint('TEND-IMPORT-RESULTS:{\"tend_good\": 1}')\n",
    );
    write_module(
        &venv,
        "tend_raises",
        "raise ValueError('database url is not set')\n",
    );
    write_module(&venv, "tend_exits", "import sys\nsys.exit(3)\n");
    write_module(
        &venv,
        "tend_broken_dependency",
        "import tend_nowhere_to_be_found\n",
    );
    let critical = |module: &str, line| CriticalImport {
        module: module.to_string(),
        location: Some(Location::new("tend.toml", line)),
    };
    let options = CheckOptions {
        critical_imports: vec![
            critical("tend_good", 2),
            critical("tend_raises", 3),
            critical("tend_exits", 4),
            critical("tend_broken_dependency", 5),
            critical("json", 6),
        ],
        ..only(CheckKind::Imports)
    };
    let inventory = inventory_of(&venv);
    let report = check(&inventory, &options);
    let messages: Vec<(&str, usize)> = report
        .findings
        .iter()
        .map(|finding| {
            assert_eq!(finding.code, Code::ImportFailed);
            (
                finding.message.as_str(),
                finding.location.as_ref().unwrap().line,
            )
        })
        .collect();
    assert_eq!(
        messages,
        [
            (
                "import tend_broken_dependency failed: ModuleNotFoundError: No module named 'tend_nowhere_to_be_found'",
                5
            ),
            ("import tend_exits failed: SystemExit: 3", 4),
            ("import tend_raises failed: ValueError: database url is not set", 3),
        ]
    );
    assert_eq!(report.summary.imports_tried, 5);
    // Nothing was written into the environment.
    assert!(!venv
        .site_packages
        .join("__pycache__")
        .join("tend_good.cpython-311.pyc")
        .exists());

    // An import that never returns is stopped by the timeout, and the finding names it.
    write_module(&venv, "tend_hangs", "import time\ntime.sleep(60)\n");
    let options = CheckOptions {
        critical_imports: vec![critical("json", 1), critical("tend_hangs", 2)],
        import_timeout: Duration::from_secs(3),
        ..only(CheckKind::Imports)
    };
    let started = std::time::Instant::now();
    let report = check(&inventory, &options);
    assert!(started.elapsed() < Duration::from_secs(20));
    assert_eq!(report.findings.len(), 2, "{:#?}", report.findings);
    let hang = report
        .findings
        .iter()
        .find(|finding| finding.message.contains("tend_hangs"))
        .unwrap();
    assert!(
        hang.message.contains("did not finish within 3 seconds"),
        "{hang:?}"
    );
    assert!(hang
        .notes
        .iter()
        .any(|note| note.contains("stopped while importing this module")));

    // An interpreter killed half-way tells which import did it.
    write_module(&venv, "tend_dies", "import os\nos._exit(9)\n");
    let options = CheckOptions {
        critical_imports: vec![critical("json", 1), critical("tend_dies", 2)],
        ..only(CheckKind::Imports)
    };
    let report = check(&inventory, &options);
    let died = report
        .findings
        .iter()
        .find(|finding| finding.message.contains("tend_dies"))
        .unwrap();
    assert!(
        died.message.contains("without reporting results"),
        "{died:?}"
    );
    assert!(died
        .notes
        .iter()
        .any(|note| note.contains("stopped while importing this module")));
}

#[test]
fn imports_survive_an_interpreter_that_prints_garbage() {
    let directory = tempfile::tempdir().unwrap();
    let fake = directory.path().join("python");
    fs_err::write(
        &fake,
        "#!/bin/sh\necho 'TEND-IMPORT-RESULTS:{not json'\necho oops >&2\n",
    )
    .unwrap();
    std::process::Command::new("chmod")
        .arg("+x")
        .arg(&fake)
        .status()
        .unwrap();
    let inventory = Inventory {
        environment: Some(Environment {
            prefix: directory.path().to_path_buf(),
            python: Some(fake),
            python_version: None,
            site_packages: Vec::new(),
            include_system_site_packages: false,
            distributions: Vec::new(),
            markers: None,
        }),
        ..Inventory::default()
    };
    let options = CheckOptions {
        critical_imports: vec![CriticalImport::new("flask")],
        ..only(CheckKind::Imports)
    };
    let report = check(&inventory, &options);
    assert_eq!(report.findings.len(), 1);
    let finding = &report.findings[0];
    assert_eq!(finding.code, Code::ImportFailed);
    assert!(
        finding.message.starts_with(
            "could not check import flask: the interpreter's results could not be read"
        ),
        "{finding:?}"
    );
    assert_eq!(finding.notes, ["interpreter output: oops"]);
}

/// pip prints the requirement as the metadata spells it; tend prints normalised names.
fn normalise_pip_line(line: &str) -> String {
    let Some((head, rest)) = line.split_once(" has requirement ") else {
        return line.to_string();
    };
    let end = rest
        .find(|char: char| "[<>=!~;@ ".contains(char))
        .unwrap_or(rest.len());
    let name: String = rest[..end]
        .to_ascii_lowercase()
        .split(['-', '_', '.'])
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    format!("{head} has requirement {name}{}", &rest[end..])
}

#[test]
fn requirement_findings_equal_pip_check_line_for_line() {
    let directory = tempfile::tempdir().unwrap();
    let wheels = directory.path().join("wheels");
    let specs = [
        WheelSpec::new("app", "1.0")
            .requires_dist("Lib_Core>=2.0")
            .requires_dist("missing-dep")
            .requires_dist("missing-dep>=1; python_version >= '3'")
            .requires_dist("extra-only-dep; extra == 'x'")
            .requires_dist("win-only; sys_platform == 'win32'")
            .requires_dist("old-python-dep; python_version < '3.8'")
            .requires_dist("with-extras[fast]>=1")
            .requires_dist("prerel>=1.0")
            .requires_dist("legacy-version>=0.5")
            .provides_extra("x"),
        WheelSpec::new("Lib_Core", "1.0"),
        WheelSpec::new("with-extras", "1.0")
            .requires_dist("never-installed; extra == 'fast'")
            .provides_extra("fast"),
        WheelSpec::new("prerel", "1.1rc1"),
        WheelSpec::new("Mixed_Case.Name", "2.0").requires_dist("LIB-CORE <0.5, >0.1"),
    ];
    for spec in &specs {
        spec.build(&wheels);
    }
    let venv = Venv::create(&directory.path().join("venv"));
    venv.pip_install(
        &wheels,
        [
            "--no-deps",
            "app==1.0",
            "lib-core==1.0",
            "with-extras==1.0",
            "prerel==1.1rc1",
            "mixed-case-name==2.0",
        ],
    );
    venv.install_egg_info(
        "eggy",
        "1.0",
        &["missing-for-egg>=1", "", "[extra]", "extra-thing"],
    );
    venv.install_egg_info("legacy-version", "1.0-custom_build", &[]);

    let (code, stdout) = venv.pip_check();
    assert_eq!(code, 1, "{stdout}");
    let mut expected: Vec<String> = stdout.lines().map(normalise_pip_line).collect();
    expected.sort();
    let report = check(&inventory_of(&venv), &only(CheckKind::Requirements));
    let mut actual: Vec<String> = report
        .findings
        .iter()
        .map(|finding| finding.message.clone())
        .collect();
    actual.sort();
    assert_eq!(actual, expected);
    // What pip 23.2 says, so that the comparison above covers every case on purpose: a
    // requirement listed twice is reported twice, extras and false markers are skipped, a
    // pre-release satisfies `>=1.0`, a legacy version satisfies nothing, egg-info counts.
    assert_eq!(
        expected,
        [
            "app 1.0 has requirement legacy-version>=0.5, but you have legacy-version 1.0-custom_build.",
            "app 1.0 has requirement lib-core>=2.0, but you have lib-core 1.0.",
            "app 1.0 requires missing-dep, which is not installed.",
            "app 1.0 requires missing-dep, which is not installed.",
            "eggy 1.0 requires missing-for-egg, which is not installed.",
            "mixed-case-name 2.0 has requirement lib-core<0.5,>0.1, but you have lib-core 1.0.",
        ]
    );
}
