//! The inventory's and the check's Markdown, from hand-built inventories and findings: what a
//! reviewer pastes into a ticket, with text from outside escaped for table cells.
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;
use std::str::FromStr;

use tend_model::{
    Code, Declaration, DeclarationKind, Diagnostic, DistFormat, DistVersion, Distribution,
    Environment, Group, Inventory, Location, PackageName, Severity, SourceFile, SourceKind,
    SourceOptions,
};
use tend_report::{check_markdown, inventory_markdown, DisplayOptions};

const ROOT: &str = "/srv/shop";

fn name(text: &str) -> PackageName {
    PackageName::from_str(text).unwrap()
}

fn options() -> DisplayOptions {
    DisplayOptions {
        project: Some(PathBuf::from(ROOT)),
    }
}

fn at(file: &str, line: usize) -> Location {
    Location::new(PathBuf::from(ROOT).join(file), line)
}

fn distribution(display: &str, version: &str) -> Distribution {
    let site = PathBuf::from(ROOT).join(".venv/lib/python3.12/site-packages");
    Distribution {
        name: name(display),
        display_name: display.to_string(),
        version: DistVersion::parse(version),
        format: DistFormat::DistInfo,
        path: site.join(format!("{display}-{version}.dist-info")),
        site_packages: site,
        system: false,
        installer: Some("pip".to_string()),
        requires_dist: Vec::new(),
        requires_python: None,
        provides_extra: Vec::new(),
        direct_url: None,
        editable_location: None,
    }
}

fn requirement(package: &str, specifier: &str, file: &str, line: usize) -> Declaration {
    let mut declaration = Declaration::new(
        name(package),
        DeclarationKind::Requirement,
        SourceKind::RequirementsTxt,
        at(file, line),
    );
    declaration.specifier = specifier.parse().unwrap();
    declaration
}

fn source(file: &str) -> SourceFile {
    SourceFile {
        path: PathBuf::from(ROOT).join(file),
        kind: SourceKind::RequirementsTxt,
        included_from: None,
        options: SourceOptions::default(),
    }
}

/// Flask pinned and installed, requests declared twice (a range and a dev pin) but not
/// installed, a package installed from a URL, Werkzeug installed only, and a reading problem
/// whose message carries a `|` and markup.
fn inventory() -> Inventory {
    let mut egg = distribution("legacy_lib", "0.3");
    egg.format = DistFormat::EggInfo;
    let mut dev = requirement("requests", "==2.31.0", "requirements-dev.txt", 2);
    dev.group = Group::Dev;
    let mut url = Declaration::new(
        name("internal-sdk"),
        DeclarationKind::Requirement,
        SourceKind::RequirementsTxt,
        at("requirements.txt", 4),
    );
    url.url = Some("https://ci:secret@git.example/sdk.zip".to_string());
    Inventory {
        environment: Some(Environment {
            prefix: PathBuf::from(ROOT).join(".venv"),
            python: None,
            python_version: None,
            site_packages: Vec::new(),
            include_system_site_packages: false,
            distributions: vec![
                distribution("Flask", "2.2.0"),
                distribution("Werkzeug", "2.2.2"),
                distribution("internal-sdk", "1.0"),
                egg,
            ],
            markers: None,
        }),
        sources: vec![source("requirements.txt"), source("requirements-dev.txt")],
        declarations: vec![
            requirement("flask", "==2.2.0", "requirements.txt", 3),
            requirement("requests", ">=2.0,<3", "requirements.txt", 5),
            dev,
            url,
        ],
        diagnostics: vec![Diagnostic::new(
            Code::SourceWarning,
            Severity::Warning,
            "unsupported option `--trusted-host a|b <host>`; the line was skipped",
        )
        .with_location(at("requirements.txt", 1))],
    }
}

#[test]
fn inventory_markdown_lists_every_package_with_its_declarations() {
    insta::assert_snapshot!(inventory_markdown(&inventory(), &options()));
}

#[test]
fn inventory_markdown_without_environment_or_sources() {
    let empty = Inventory {
        environment: None,
        sources: Vec::new(),
        declarations: Vec::new(),
        diagnostics: Vec::new(),
    };
    insta::assert_snapshot!(inventory_markdown(&empty, &options()));
}

fn findings() -> Vec<Diagnostic> {
    vec![
        Diagnostic::new(
            Code::ConflictingDependency,
            Severity::Error,
            "flask 2.2.0 requires werkzeug>=2.2.2, but you have werkzeug 2.0.0",
        )
        .with_package(name("flask")),
        Diagnostic::new(
            Code::LoosePin,
            Severity::Warning,
            "`requests>=2.0,<3` allows more than one version in a production file",
        )
        .with_package(name("requests"))
        .with_location(at("requirements.txt", 5))
        .with_note("pin it: requests==2.31.0"),
        Diagnostic::new(
            Code::ModifiedFile,
            Severity::Note,
            "site-packages/flask/__init__.py differs from its RECORD hash",
        )
        .with_package(name("flask")),
    ]
}

#[test]
fn check_markdown_lists_findings_and_reading_problems() {
    insta::assert_snapshot!(check_markdown(
        &findings(),
        &inventory().diagnostics,
        &options()
    ));
}

#[test]
fn check_markdown_with_no_findings() {
    insta::assert_snapshot!(check_markdown(&[], &[], &options()));
}
