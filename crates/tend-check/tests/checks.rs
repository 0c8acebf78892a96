//! The plain-data checks (requirements, drift, pins, rules) on inventories built by hand.

#![allow(clippy::unwrap_used)] // Test inputs are literals; a panic is the failure report.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::str::FromStr;

use tend_check::{check, CheckKind, CheckOptions, CheckReport, VersionRule};
use tend_model::{
    Code, Declaration, DeclarationKind, DistFormat, DistVersion, Distribution, Environment, Group,
    Inventory, Location, MarkerEnvironment, MarkerEnvironmentBuilder, MarkerTree, PackageName,
    Requirement, Severity, SourceKind, Version, VersionSpecifiers,
};

fn name(text: &str) -> PackageName {
    PackageName::from_str(text).unwrap()
}

fn linux_311() -> MarkerEnvironment {
    MarkerEnvironment::try_from(MarkerEnvironmentBuilder {
        implementation_name: "cpython",
        implementation_version: "3.11.7",
        os_name: "posix",
        platform_machine: "x86_64",
        platform_python_implementation: "CPython",
        platform_release: "6.1.0",
        platform_system: "Linux",
        platform_version: "#1 SMP",
        python_full_version: "3.11.7",
        python_version: "3.11",
        sys_platform: "linux",
    })
    .unwrap()
}

fn distribution(display_name: &str, version: &str, requires: &[&str]) -> Distribution {
    let path = PathBuf::from(format!(
        "/venv/site-packages/{display_name}-{version}.dist-info"
    ));
    Distribution {
        name: name(display_name),
        display_name: display_name.to_string(),
        version: DistVersion::parse(version),
        format: DistFormat::DistInfo,
        path,
        site_packages: PathBuf::from("/venv/site-packages"),
        system: false,
        installer: Some("pip".to_string()),
        requires_dist: requires
            .iter()
            .map(|text| Requirement::from_str(text).unwrap())
            .collect(),
        requires_python: None,
        provides_extra: Vec::new(),
        direct_url: None,
        editable_location: None,
    }
}

fn environment(
    mut distributions: Vec<Distribution>,
    markers: Option<MarkerEnvironment>,
) -> Environment {
    distributions.sort_by(|a, b| a.name.cmp(&b.name));
    Environment {
        prefix: PathBuf::from("/venv"),
        python: None,
        python_version: Some(Version::from_str("3.11.7").unwrap()),
        site_packages: vec![PathBuf::from("/venv/site-packages")],
        include_system_site_packages: false,
        distributions,
        markers,
    }
}

fn only(kind: CheckKind) -> CheckOptions {
    CheckOptions {
        select: BTreeSet::from([kind]),
        ..CheckOptions::default()
    }
}

fn lines(report: &CheckReport) -> Vec<String> {
    report
        .findings
        .iter()
        .map(|finding| format!("{} {}: {}", finding.severity, finding.code, finding.message))
        .collect()
}

fn declaration(
    text: &str,
    kind: DeclarationKind,
    source: SourceKind,
    path: &str,
    line: usize,
) -> Declaration {
    let requirement: Requirement = Requirement::from_str(text).unwrap();
    let mut declaration = Declaration::new(
        requirement.name.clone(),
        kind,
        source,
        Location::new(path, line),
    );
    match requirement.version_or_url {
        Some(tend_model::VersionOrUrl::VersionSpecifier(specifier)) => {
            declaration.specifier = specifier;
        }
        Some(tend_model::VersionOrUrl::Url(url)) => declaration.url = Some(url.to_string()),
        None => {}
    }
    declaration.marker = requirement.marker;
    declaration
}

fn requirement(text: &str, path: &str, line: usize) -> Declaration {
    declaration(
        text,
        DeclarationKind::Requirement,
        SourceKind::RequirementsTxt,
        path,
        line,
    )
}

#[test]
fn requirements_report_missing_and_conflicting_like_pip() {
    let inventory = Inventory {
        environment: Some(environment(
            vec![
                distribution(
                    "Flask",
                    "2.2.3",
                    &[
                        "Werkzeug>=2.2.2",
                        "Jinja2>=3.0",
                        "itsdangerous>=2.0",
                        "click>=8.0",
                        "importlib-metadata>=3.6.0; python_version < '3.10'",
                        "asgiref>=3.2; extra == 'async'",
                        "python-dotenv; extra != 'dotenv'",
                    ],
                ),
                distribution("Werkzeug", "2.0.0", &["MarkupSafe>=2.1.1"]),
                distribution("Jinja2", "3.1.0rc1", &["MarkupSafe>=2.0"]),
                distribution("itsdangerous", "2.1.2", &[]),
                distribution("MarkupSafe", "2.1.2", &["pywin32; sys_platform == 'win32'"]),
                distribution("python-dotenv", "1.0.0", &[]),
            ],
            Some(linux_311()),
        )),
        ..Inventory::default()
    };
    let report = check(&inventory, &only(CheckKind::Requirements));
    assert_eq!(
        lines(&report),
        [
            "error missing-dependency: flask 2.2.3 requires click, which is not installed.",
            "error conflicting-dependency: flask 2.2.3 has requirement werkzeug>=2.2.2, but you have werkzeug 2.0.0.",
        ]
    );
    let missing = &report.findings[0];
    assert_eq!(missing.package, Some(name("flask")));
    assert_eq!(
        missing.location,
        Some(Location::file(
            "/venv/site-packages/Flask-2.2.3.dist-info/METADATA"
        ))
    );
    assert!(missing.notes.is_empty());
    assert_eq!(report.summary.distributions_checked, 6);
    // flask: 4 unconditional + `extra != 'dotenv'`; werkzeug 1; jinja2 1.
    assert_eq!(report.summary.requirements_checked, 7);
}

#[test]
fn requirements_accept_prereleases_and_reject_legacy_versions() {
    let inventory = Inventory {
        environment: Some(environment(
            vec![
                distribution("app", "1.0", &["lib>=2.0rc1,<3", "legacy>=1.0", "anything"]),
                distribution("lib", "2.0rc2", &[]),
                distribution("legacy", "1.0-custom_build", &[]),
                distribution("anything", "0.0.1-weird_build", &[]),
            ],
            Some(linux_311()),
        )),
        ..Inventory::default()
    };
    let report = check(&inventory, &only(CheckKind::Requirements));
    assert_eq!(
        lines(&report),
        ["error conflicting-dependency: app 1.0 has requirement legacy>=1.0, but you have legacy 1.0-custom_build."]
    );
}

#[test]
fn requirements_without_marker_values_assume_markers_and_say_so() {
    let inventory = Inventory {
        environment: Some(environment(
            vec![distribution(
                "app",
                "1.0",
                &[
                    "pywin32; sys_platform == 'win32'",
                    "backport; python_version < '3.8'",
                    "modern; python_version >= '3.8'",
                    "extra-only; extra == 'x'",
                ],
            )],
            None,
        )),
        ..Inventory::default()
    };
    let report = check(&inventory, &only(CheckKind::Requirements));
    assert_eq!(
        lines(&report),
        [
            "error missing-dependency: app 1.0 requires modern, which is not installed.",
            "error missing-dependency: app 1.0 requires pywin32, which is not installed.",
        ]
    );
    // The Python version decides the first marker; the second one is a guess.
    assert!(report.findings[0].notes.is_empty());
    assert_eq!(report.findings[1].notes.len(), 1);
    assert!(report.findings[1].notes[0].contains("sys_platform == 'win32'"));
}

#[test]
fn drift_compares_pins_and_reports_missing_main_requirements() {
    let mut dev = declaration(
        "pytest==7.0",
        DeclarationKind::Requirement,
        SourceKind::Pyproject,
        "pyproject.toml",
        12,
    );
    dev.group = Group::Dev;
    let mut locked_dev = declaration(
        "coverage==7.2",
        DeclarationKind::Locked,
        SourceKind::UvLock,
        "uv.lock",
        40,
    );
    locked_dev.group = Group::Group("test".to_string());
    let inventory = Inventory {
        environment: Some(environment(
            vec![
                distribution("flask", "2.2.3", &[]),
                distribution("requests", "2.31.0", &[]),
                distribution("torch", "2.1.0+cpu", &[]),
                distribution("legacy", "1.0-custom_build", &[]),
            ],
            Some(linux_311()),
        )),
        declarations: vec![
            requirement("flask==2.2.2", "requirements.txt", 3),
            requirement("requests>=2", "requirements.txt", 4),
            requirement("torch==2.1.0", "requirements.txt", 5),
            requirement("legacy==1.0", "requirements.txt", 6),
            requirement("gunicorn==21.2.0", "requirements.txt", 7),
            requirement(
                "pywin32==306; sys_platform == 'win32'",
                "requirements.txt",
                8,
            ),
            declaration(
                "celery==5.3.0",
                DeclarationKind::Constraint,
                SourceKind::RequirementsTxt,
                "constraints.txt",
                1,
            ),
            declaration(
                "flask==2.2.3",
                DeclarationKind::Locked,
                SourceKind::UvLock,
                "uv.lock",
                10,
            ),
            declaration(
                "requests==2.30.0",
                DeclarationKind::Locked,
                SourceKind::UvLock,
                "uv.lock",
                20,
            ),
            dev,
            locked_dev,
        ],
        ..Inventory::default()
    };
    let report = check(&inventory, &only(CheckKind::Drift));
    assert_eq!(
        lines(&report),
        [
            "warning drift: flask is pinned to ==2.2.2 in requirements.txt:3 but 2.2.3 is installed",
            "warning drift: legacy is pinned to ==1.0 in requirements.txt:6 but 1.0-custom_build is installed",
            "warning drift: requests is pinned to ==2.30.0 in uv.lock:20 but 2.31.0 is installed",
            "warning not-installed: gunicorn (==21.2.0) is declared in requirements.txt:7 but not installed",
        ]
    );
    assert_eq!(
        report.findings[0].location,
        Some(Location::new("requirements.txt", 3))
    );
}

#[test]
fn drift_needs_an_environment() {
    let inventory = Inventory {
        declarations: vec![requirement("flask==2.2.2", "requirements.txt", 3)],
        ..Inventory::default()
    };
    let report = check(&inventory, &CheckOptions::default());
    assert!(report.findings.is_empty());
}

#[test]
fn pins_are_strict_in_production_files_and_lenient_in_development_files() {
    let production = "prod/requirements.txt";
    let development = "dev/requirements-dev.txt";
    let hashed = {
        let mut declaration = requirement(
            "pkg-hashed @ https://example.com/pkg-1.0.tar.gz",
            production,
            9,
        );
        declaration.hashes = vec!["sha256:abcdef".parse().unwrap()];
        declaration
    };
    let mut production_dev_group = declaration(
        "black>=23",
        DeclarationKind::Requirement,
        SourceKind::Pyproject,
        production,
        20,
    );
    production_dev_group.group = Group::Dev;
    let inventory = Inventory {
        declarations: vec![
            requirement("flask==2.2.3", production, 1),
            requirement("openai>=1.0.0", production, 2),
            requirement("requests", production, 3),
            requirement("django~=4.2", production, 4),
            requirement("celery>=5,<6", production, 5),
            requirement("redis==5.0.*", production, 6),
            requirement(
                "lib @ git+https://github.com/o/lib@0123456789abcdef0123456789abcdef01234567",
                production,
                7,
            ),
            requirement("tool @ git+https://github.com/o/tool@main", production, 8),
            hashed,
            requirement("bare @ git+https://github.com/o/bare", production, 10),
            requirement(
                "wheel @ https://example.com/wheel-1.0-py3-none-any.whl",
                production,
                11,
            ),
            requirement("local @ file:///srv/local", production, 12),
            production_dev_group,
            declaration(
                "numpy==1.26.0",
                DeclarationKind::Locked,
                SourceKind::UvLock,
                production,
                30,
            ),
            requirement("pytest~=7.4", development, 1),
            requirement("mypy>=1", development, 2),
            requirement("ruff", development, 3),
            requirement("elsewhere", "other.txt", 1),
        ],
        ..Inventory::default()
    };
    let options = CheckOptions {
        production_files: vec![PathBuf::from(production)],
        development_files: vec![PathBuf::from(development)],
        ..only(CheckKind::Pins)
    };
    let report = check(&inventory, &options);
    assert_eq!(
        lines(&report),
        [
            "note unpinned: ruff has no version constraint in development file dev/requirements-dev.txt",
            "warning unpinned: bare has no upper bound in production file prod/requirements.txt: `git+https://github.com/o/bare`",
            "warning unpinned: openai has no upper bound in production file prod/requirements.txt: `>=1.0.0`",
            "warning unpinned: requests has no upper bound in production file prod/requirements.txt: any version",
            "warning loose-pin: celery is not pinned to one version in production file prod/requirements.txt: `>=5, <6`",
            "warning loose-pin: django is not pinned to one version in production file prod/requirements.txt: `~=4.2`",
            "warning loose-pin: redis is not pinned to one version in production file prod/requirements.txt: `==5.0.*`",
            "warning loose-pin: tool is not pinned to one version in production file prod/requirements.txt: `git+https://github.com/o/tool@main`",
            "warning loose-pin: wheel is not pinned to one version in production file prod/requirements.txt: `https://example.com/wheel-1.0-py3-none-any.whl`",
        ]
    );
    let ruff = &report.findings[0];
    assert_eq!(ruff.severity, Severity::Note);
    assert_eq!(ruff.location, Some(Location::new(development, 3)));
    // 13 production requirements (the lockfile entry is skipped) and 3 development ones.
    assert_eq!(report.summary.declarations_checked, 16);
}

#[test]
fn pins_match_files_by_canonical_path() {
    let directory = tempfile::tempdir().unwrap();
    let file = directory.path().join("requirements.txt");
    fs_err::write(&file, "openai>=1\n").unwrap();
    let spelled_differently = directory.path().join(".").join("requirements.txt");
    let inventory = Inventory {
        declarations: vec![requirement(
            "openai>=1",
            spelled_differently.to_str().unwrap(),
            1,
        )],
        ..Inventory::default()
    };
    let options = CheckOptions {
        production_files: vec![file],
        ..only(CheckKind::Pins)
    };
    let report = check(&inventory, &options);
    assert_eq!(report.findings.len(), 1);
    assert_eq!(report.findings[0].code, Code::Unpinned);
}

#[test]
fn version_rules_point_at_the_rule() {
    let rule = |package: &str, specifier: &str, line| VersionRule {
        package: name(package),
        specifier: VersionSpecifiers::from_str(specifier).unwrap(),
        location: Some(Location::new("tend.toml", line)),
    };
    let inventory = Inventory {
        environment: Some(environment(
            vec![
                distribution("flask", "4.0.0", &[]),
                distribution("django", "4.2.7", &[]),
                distribution("celery", "6.0.0b1", &[]),
            ],
            Some(linux_311()),
        )),
        ..Inventory::default()
    };
    let options = CheckOptions {
        version_rules: vec![
            rule("flask", ">=2,<4", 3),
            rule("django", ">=4.2,<5", 4),
            rule("celery", "<6", 5),
            rule("sqlalchemy", ">=2", 6),
        ],
        ..only(CheckKind::Rules)
    };
    let report = check(&inventory, &options);
    assert_eq!(
        lines(&report),
        [
            "note version-rule: the version rule for sqlalchemy (>=2) does not apply: sqlalchemy is not installed",
            "error version-rule: celery 6.0.0b1 is installed but the version rule requires <6",
            "error version-rule: flask 4.0.0 is installed but the version rule requires >=2, <4",
        ]
    );
    assert_eq!(
        report.findings[2].location,
        Some(Location::new("tend.toml", 3))
    );
    assert_eq!(report.summary.rules_checked, 4);
}

#[test]
fn marker_false_declarations_and_requirements_are_ignored() {
    let marker = MarkerTree::from_str("sys_platform == 'win32'").unwrap();
    let mut declaration = requirement("pywin32==306", "requirements.txt", 1);
    declaration.marker = marker;
    let inventory = Inventory {
        environment: Some(environment(vec![], Some(linux_311()))),
        declarations: vec![declaration],
        ..Inventory::default()
    };
    let report = check(&inventory, &CheckOptions::default());
    assert!(report.findings.is_empty(), "{:?}", report.findings);
    assert_eq!(
        report.summary.checks,
        CheckKind::ALL.iter().copied().collect::<BTreeSet<_>>()
    );
}

#[test]
fn check_kinds_serialise_in_kebab_case() {
    let kinds: Vec<String> = CheckKind::ALL
        .iter()
        .map(|kind| {
            serde_json::to_value(kind)
                .unwrap()
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "requirements",
            "drift",
            "pins",
            "integrity",
            "imports",
            "rules"
        ]
    );
    for kind in CheckKind::ALL {
        assert_eq!(kind.to_string(), serde_json::to_value(kind).unwrap());
    }
}

#[test]
fn report_json_shape() {
    let inventory = Inventory {
        environment: Some(environment(
            vec![
                distribution("flask", "2.2.3", &["werkzeug>=2.2.2", "click>=8.0"]),
                distribution("werkzeug", "2.0.0", &[]),
            ],
            Some(linux_311()),
        )),
        declarations: vec![requirement("flask==2.2.2", "requirements.txt", 3)],
        ..Inventory::default()
    };
    let options = CheckOptions {
        select: BTreeSet::from([CheckKind::Requirements, CheckKind::Drift]),
        ..CheckOptions::default()
    };
    insta::assert_json_snapshot!(check(&inventory, &options));
}
