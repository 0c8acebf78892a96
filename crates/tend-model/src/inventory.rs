use std::collections::BTreeMap;
use std::path::PathBuf;

use pep440_rs::Version;
use pep508_rs::{MarkerEnvironment, PackageName};
use serde::{Serialize, Serializer};

use crate::{Declaration, DeclarationKind, Diagnostic, DistVersion, Distribution, SourceKind};

/// An installed Python environment: a virtualenv or an interpreter's own site-packages.
#[derive(Debug, Clone, Serialize)]
pub struct Environment {
    /// The environment's prefix (the venv directory, or `sys.prefix` of a plain interpreter).
    pub prefix: PathBuf,
    /// The interpreter, when one was found.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub python: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub python_version: Option<Version>,
    /// The site-packages directories read, in `sys.path` order; system ones last.
    pub site_packages: Vec<PathBuf>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub include_system_site_packages: bool,
    /// Installed distributions, sorted by name; a name shadowed earlier on the path is dropped,
    /// as Python's importlib.metadata would.
    pub distributions: Vec<Distribution>,
    /// The values PEP 508 markers are evaluated against.
    #[serde(skip)]
    pub markers: Option<MarkerEnvironment>,
}

impl Environment {
    pub fn distribution(&self, name: &PackageName) -> Option<&Distribution> {
        self.distributions
            .binary_search_by(|distribution| distribution.name.cmp(name))
            .ok()
            .map(|index| &self.distributions[index])
    }
}

/// Options a requirements file sets for the whole install, kept as data for later stages (the
/// index client, the updater).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SourceOptions {
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "serialize_redacted_option"
    )]
    pub index_url: Option<String>,
    #[serde(
        skip_serializing_if = "Vec::is_empty",
        serialize_with = "serialize_redacted_vec"
    )]
    pub extra_index_urls: Vec<String>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub no_index: bool,
    #[serde(
        skip_serializing_if = "Vec::is_empty",
        serialize_with = "serialize_redacted_vec"
    )]
    pub find_links: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub trusted_hosts: Vec<String>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub pre: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub require_hashes: bool,
    /// Other options (`--no-binary`, `--only-binary`, `--prefer-binary`, `--use-feature`, …) as written.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub other: Vec<String>,
}

fn serialize_redacted_option<S: Serializer>(
    url: &Option<String>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match url {
        Some(url) => serializer.serialize_some(&crate::declaration::redact_url(url)),
        None => serializer.serialize_none(),
    }
}

fn serialize_redacted_vec<S: Serializer>(
    urls: &[String],
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.collect_seq(urls.iter().map(|url| crate::declaration::redact_url(url)))
}

/// A file declarations were read from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceFile {
    pub path: PathBuf,
    pub kind: SourceKind,
    /// The file that included this one (`-r`/`-c`), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub included_from: Option<PathBuf>,
    #[serde(skip_serializing_if = "is_default_options")]
    pub options: SourceOptions,
}

fn is_default_options(options: &SourceOptions) -> bool {
    *options == SourceOptions::default()
}

/// Everything a service uses: what is installed and what every source declares.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Inventory {
    pub environment: Option<Environment>,
    pub sources: Vec<SourceFile>,
    pub declarations: Vec<Declaration>,
    /// Non-fatal problems met while reading (broken distributions, odd lines).
    pub diagnostics: Vec<Diagnostic>,
}

/// The merged view of one package across the environment and every source.
#[derive(Debug, Clone, Serialize)]
pub struct Package<'a> {
    pub name: &'a PackageName,
    /// The installed version, when installed.
    pub installed: Option<&'a DistVersion>,
    /// The installed distribution, when installed.
    #[serde(skip)]
    pub distribution: Option<&'a Distribution>,
    pub declarations: Vec<&'a Declaration>,
    /// True when some declaration or lockfile fixes one exact version.
    pub pinned: bool,
}

impl Inventory {
    /// Every package seen anywhere, sorted by name.
    pub fn packages(&self) -> Vec<Package<'_>> {
        let mut packages: BTreeMap<&PackageName, Package<'_>> = BTreeMap::new();
        if let Some(environment) = &self.environment {
            for distribution in &environment.distributions {
                packages.insert(
                    &distribution.name,
                    Package {
                        name: &distribution.name,
                        installed: Some(&distribution.version),
                        distribution: Some(distribution),
                        declarations: Vec::new(),
                        pinned: false,
                    },
                );
            }
        }
        for declaration in &self.declarations {
            let package = packages
                .entry(&declaration.name)
                .or_insert_with(|| Package {
                    name: &declaration.name,
                    installed: None,
                    distribution: None,
                    declarations: Vec::new(),
                    pinned: false,
                });
            package.pinned |= declaration.pinned_version().is_some()
                || declaration.kind == DeclarationKind::Locked;
            package.declarations.push(declaration);
        }
        packages.into_values().collect()
    }
}
