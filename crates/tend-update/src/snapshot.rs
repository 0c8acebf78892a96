//! Snapshots: what an environment had installed and what its requirement files said, taken
//! before an update changes anything, so that a rollback can put back exactly that.
//!
//! A snapshot lists every distribution of the environment's own site-packages with its version
//! and where it came from (an index, an archive URL with its hash, a VCS commit, a local or
//! editable directory), the hashes the project's requirement files give for that version, and
//! the full text of those files. [`Snapshot::restore_requirements`] turns it into the input of
//! `uv pip sync` (or `pip install` after an uninstall), and [`compare`] checks afterwards that
//! the environment is the snapshot again, distribution by distribution.
//!
//! The installer's own tools (`pip`, `setuptools`, `wheel`, `distribute`) are recorded but left
//! out of the restore and of the comparison, as `pip freeze` leaves them out: a fresh venv
//! brings its own, and they are not the service's dependencies.
//!
//! Distributions of the base interpreter (`include-system-site-packages`) are recorded but
//! never restored: an update does not touch them. URLs are kept with any password hidden, as
//! everywhere in tend: a snapshot lives in the history store, which is a record, not a vault.

use std::collections::BTreeMap;
use std::fmt;
use std::fmt::Write as _;
use std::path::PathBuf;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use tend_model::{
    redact_url, DirectUrl, DistVersion, Distribution, Inventory, PackageName, Version,
};

/// The version of the snapshot document.
pub const SNAPSHOT_VERSION: u32 = 1;

/// An environment and its requirement files at one moment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    pub schema_version: u32,
    pub taken: Timestamp,
    pub prefix: PathBuf,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub python: Option<PathBuf>,
    /// Sorted by name.
    pub distributions: Vec<Installed>,
    pub files: Vec<FileCopy>,
}

/// One installed distribution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Installed {
    pub name: PackageName,
    /// As the metadata gives it (PEP 440 or not).
    pub version: String,
    pub source: Origin,
    /// `algorithm:digest` of the distribution's file, from the requirement files (or the
    /// archive URL's hash); empty when none is known.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hashes: Vec<String>,
    /// From the base interpreter's site-packages: recorded, never restored.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub system: bool,
}

/// What `pip freeze` leaves out, and so does a restore.
const INSTALLER_TOOLS: [&str; 4] = ["pip", "setuptools", "wheel", "distribute"];

impl Installed {
    /// Restored by a rollback and compared after one: neither the base interpreter's nor an
    /// installer tool.
    pub fn is_restored(&self) -> bool {
        !self.system && !INSTALLER_TOOLS.contains(&self.name.as_ref())
    }
}

/// Where an installed distribution came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Origin {
    /// A package index (no `direct_url.json`).
    Index,
    /// An editable install of a local directory (PEP 660 or a legacy egg-link).
    Editable { location: String },
    /// A local directory installed normally.
    Directory { url: String },
    /// A wheel or sdist from a URL or path.
    Archive {
        url: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        hash: Option<String>,
    },
    /// A version-control checkout at a commit.
    Vcs {
        url: String,
        vcs: String,
        commit: String,
    },
}

/// A requirement file's text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileCopy {
    pub path: PathBuf,
    /// `sha256:<hex>` of the text, to tell whether the file changed since.
    pub sha256: String,
    pub text: String,
}

impl FileCopy {
    pub fn new(path: PathBuf, text: String) -> Self {
        Self {
            sha256: sha256(text.as_bytes()),
            path,
            text,
        }
    }
}

fn sha256(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut hex = String::with_capacity(7 + 64);
    hex.push_str("sha256:");
    for byte in digest {
        let _ = write!(hex, "{byte:02x}");
    }
    hex
}

impl Snapshot {
    /// The snapshot of `inventory`'s environment (none: an empty list) and of `files`, the
    /// requirement files as read now.
    pub fn capture(inventory: &Inventory, files: Vec<FileCopy>, taken: Timestamp) -> Self {
        let (prefix, python, distributions) = match &inventory.environment {
            Some(environment) => (
                environment.prefix.clone(),
                environment.python.clone(),
                environment
                    .distributions
                    .iter()
                    .map(|distribution| installed(inventory, distribution))
                    .collect(),
            ),
            None => (PathBuf::new(), None, Vec::new()),
        };
        Self {
            schema_version: SNAPSHOT_VERSION,
            taken,
            prefix,
            python,
            distributions,
            files,
        }
    }

    /// The requirements that install exactly this snapshot's distributions (system ones left
    /// out), one per line, for `uv pip sync`: `name==version` from an index (with `--hash`
    /// options when every one of them is known), `name @ URL` for archives, directories and
    /// VCS commits, `-e location` for editable installs.
    pub fn restore_requirements(&self) -> String {
        self.requirements_with(&BTreeMap::new())
    }

    /// [`Snapshot::restore_requirements`] with some packages at other versions (`name==version`
    /// from an index, no hashes: the new versions' hashes are not the snapshot's to give); a
    /// package the environment does not have is added.
    pub fn requirements_with(&self, changes: &BTreeMap<PackageName, Version>) -> String {
        let restorable: Vec<&Installed> = self
            .distributions
            .iter()
            .filter(|installed| installed.is_restored())
            .collect();
        // pip's hash-checking mode is all or nothing, and a directory, an editable install or
        // a VCS checkout has no hash: hashes only when every line can have them.
        let all_hashed = changes.is_empty()
            && restorable.iter().all(|installed| match &installed.source {
                Origin::Index => !installed.hashes.is_empty(),
                Origin::Archive { hash, .. } => hash.is_some(),
                _ => false,
            });
        let mut out = String::new();
        for installed in restorable {
            if let Some(version) = changes.get(&installed.name) {
                let _ = writeln!(out, "{}=={version}", installed.name);
                continue;
            }
            let line = match &installed.source {
                Origin::Index => {
                    let operator = if DistVersion::parse(&installed.version).pep440().is_some() {
                        "=="
                    } else {
                        "==="
                    };
                    let mut line = format!("{}{operator}{}", installed.name, installed.version);
                    if all_hashed {
                        for hash in &installed.hashes {
                            line.push_str(" --hash=");
                            line.push_str(hash);
                        }
                    }
                    line
                }
                Origin::Editable { location } => format!("-e {location}"),
                Origin::Directory { url } => format!("{} @ {url}", installed.name),
                Origin::Archive { url, hash } => match hash {
                    Some(hash) if !url.contains('#') => {
                        format!("{} @ {url}#{}", installed.name, hash.replacen(':', "=", 1))
                    }
                    _ => format!("{} @ {url}", installed.name),
                },
                Origin::Vcs { url, vcs, commit } => {
                    let url = url.strip_prefix(&format!("{vcs}+")).unwrap_or(url);
                    format!("{} @ {vcs}+{url}@{commit}", installed.name)
                }
            };
            out.push_str(&line);
            out.push('\n');
        }
        for (name, version) in changes {
            if !self
                .distributions
                .iter()
                .any(|installed| &installed.name == name)
            {
                let _ = writeln!(out, "{name}=={version}");
            }
        }
        out
    }

    /// The snapshot as its JSON document.
    pub fn to_json(&self) -> String {
        // Plain data with string keys: serialising cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Reads a snapshot document back (from the history store).
    pub fn from_json(text: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(text)
    }
}

fn installed(inventory: &Inventory, distribution: &Distribution) -> Installed {
    let source = match (&distribution.direct_url, &distribution.editable_location) {
        (Some(DirectUrl::Editable { url }), _) => Origin::Editable {
            location: redact_url(url),
        },
        (None, Some(location)) => Origin::Editable {
            location: location.display().to_string(),
        },
        (Some(DirectUrl::Directory { url }), _) => Origin::Directory {
            url: redact_url(url),
        },
        (Some(DirectUrl::Archive { url, hash }), _) => Origin::Archive {
            url: redact_url(url),
            hash: hash.clone(),
        },
        (
            Some(DirectUrl::Vcs {
                url,
                vcs,
                commit_id,
                ..
            }),
            _,
        ) => Origin::Vcs {
            url: redact_url(url),
            vcs: serde_json::to_value(vcs)
                .ok()
                .and_then(|value| value.as_str().map(str::to_string))
                .unwrap_or_default(),
            commit: commit_id.clone(),
        },
        (None, None) => Origin::Index,
    };
    // Hashes the declarations give for exactly this version.
    let mut hashes: Vec<String> = Vec::new();
    if source == Origin::Index {
        if let DistVersion::Pep440(version) = &distribution.version {
            for declaration in inventory
                .declarations
                .iter()
                .filter(|declaration| declaration.name == distribution.name)
                .filter(|declaration| declaration.specifier.contains(version))
            {
                for hash in &declaration.hashes {
                    let hash = hash.to_string();
                    if !hashes.contains(&hash) {
                        hashes.push(hash);
                    }
                }
            }
        }
    }
    if let Origin::Archive {
        hash: Some(hash), ..
    } = &source
    {
        hashes.push(hash.replacen('=', ":", 1));
    }
    Installed {
        name: distribution.name.clone(),
        version: distribution.version.to_string(),
        source,
        hashes,
        system: distribution.system,
    }
}

/// One way an environment differs from a snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Difference {
    /// In the snapshot, not installed now.
    Missing { name: PackageName, version: String },
    /// Installed now, not in the snapshot.
    Extra { name: PackageName, version: String },
    /// Another version now.
    Version {
        name: PackageName,
        snapshot: String,
        now: String,
    },
    /// The same version from another source (an index release replaced by a URL install…).
    Source { name: PackageName },
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Missing { name, version } => write!(f, "{name} {version} is missing"),
            Self::Extra { name, version } => {
                write!(f, "{name} {version} is installed but was not before")
            }
            Self::Version {
                name,
                snapshot,
                now,
            } => write!(f, "{name} is {now}, was {snapshot}"),
            Self::Source { name } => write!(f, "{name} comes from another source than before"),
        }
    }
}

/// How the environment `now` differs from `snapshot`, ignoring system distributions, installer
/// tools and hashes; empty when the restore is exact.
pub fn compare(snapshot: &Snapshot, now: &Snapshot) -> Vec<Difference> {
    let own = |snapshot: &'_ Snapshot| -> Vec<Installed> {
        let mut list: Vec<Installed> = snapshot
            .distributions
            .iter()
            .filter(|installed| installed.is_restored())
            .cloned()
            .collect();
        list.sort_by(|a, b| a.name.cmp(&b.name));
        list
    };
    let (before, after) = (own(snapshot), own(now));
    let mut differences = Vec::new();
    for old in &before {
        match after.iter().find(|new| new.name == old.name) {
            None => differences.push(Difference::Missing {
                name: old.name.clone(),
                version: old.version.clone(),
            }),
            Some(new) if new.version != old.version => differences.push(Difference::Version {
                name: old.name.clone(),
                snapshot: old.version.clone(),
                now: new.version.clone(),
            }),
            Some(new) if !same_origin(&new.source, &old.source) => {
                differences.push(Difference::Source {
                    name: old.name.clone(),
                });
            }
            Some(_) => {}
        }
    }
    for new in &after {
        if !before.iter().any(|old| old.name == new.name) {
            differences.push(Difference::Extra {
                name: new.name.clone(),
                version: new.version.clone(),
            });
        }
    }
    differences
}

/// Two origins are the same install; an archive's hash may be recorded by one installer and
/// not another.
fn same_origin(a: &Origin, b: &Origin) -> bool {
    match (a, b) {
        (Origin::Archive { url: a, .. }, Origin::Archive { url: b, .. }) => a == b,
        _ => a == b,
    }
}
