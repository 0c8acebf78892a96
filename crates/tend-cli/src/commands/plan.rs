//! `tend plan`: the inventory, the audit (offline, from the policy's sources and the local
//! database, as `tend scan` runs it), the outdated check (every passing release, so that each
//! category applies its own strategy and cooldown), then `tend-plan`'s rules and a renderer.
//! With `--save` it also records the plan and the fingerprint of its inputs in the history
//! store, which `tend approve` checks again.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Result;
use sha2::{Digest as _, Sha256};
use tend_model::{AuditReport, Inventory, OutdatedReport, Strategy};
use tend_store::{NewRun, RunId, RunStatus, SqliteStore, Store};

use crate::cli::{IndexArgs, PlanArgs, PlanFormat, ProjectArgs};
use crate::diagnostics::{print_warnings, ExitStatus};
use crate::settings::ProjectSettings;

pub fn run(
    args: &PlanArgs,
    config: Option<&Path>,
    cache_dir: Option<&Path>,
    store: Option<&Path>,
) -> Result<ExitStatus> {
    let source = Source {
        project: &args.project,
        index: &args.index,
        offline: args.offline,
        refresh: args.refresh,
        preflight: !args.no_preflight,
    };
    let computed = compute(&source, config, cache_dir)?;
    if let Some(history) = crate::settings::open_existing_store(store) {
        super::update::warn_if_interrupted(&history, &computed.inventory);
    }
    let plan = &computed.plan;
    let text = match args.format {
        PlanFormat::Table => {
            print_warnings(&computed.inventory.diagnostics);
            tend_plan::table(plan)
        }
        PlanFormat::Json => tend_plan::json_text(plan),
        PlanFormat::Markdown => {
            print_warnings(&computed.inventory.diagnostics);
            tend_plan::markdown(plan, &computed.settings.project.display().to_string())
        }
    };
    crate::output::write(args.output.as_deref(), &text)?;
    let status = exit_status(plan);
    if args.save {
        let id = save(
            store,
            &computed,
            status,
            &SavedSource::new(&args.project, &args.index),
        )?;
        // Standard error, so that `--format json` output stays one document.
        eprintln!("saved as plan {id}; approve with `tend approve {id} --by NAME`");
    }
    Ok(status)
}

/// Where a plan's inputs come from: the project flags and the index flags of `tend plan`, which
/// `tend approve` repeats.
pub struct Source<'a> {
    pub project: &'a ProjectArgs,
    pub index: &'a IndexArgs,
    pub offline: bool,
    pub refresh: bool,
    /// Run the pre-flight resolution check (`tend approve` does not: it compares inputs only,
    /// and the fingerprint does not depend on the check).
    pub preflight: bool,
}

/// A plan with the data it was made from.
pub struct Computed {
    pub settings: ProjectSettings,
    pub now: jiff::Timestamp,
    pub inventory: Inventory,
    pub plan: tend_plan::Plan,
    pub fingerprint: Fingerprint,
}

/// The one way a plan is made, for `tend plan` and for `tend approve`'s second look.
pub fn compute(
    source: &Source<'_>,
    config: Option<&Path>,
    cache_dir: Option<&Path>,
) -> Result<Computed> {
    let settings = ProjectSettings::resolve(source.project, config)?;
    let now = crate::settings::now()?;
    let inventory = tend_inventory::load(&settings.inventory)?;
    let cache_dir = crate::settings::cache_dir(cache_dir)?;

    // A plan without advisories still schedules ordinary updates; it says what it lacks.
    let audit = super::advisory_data::audit_offline(&settings, &inventory, &cache_dir, now)?
        .unwrap_or_else(|| {
            eprintln!(
                "warning: no advisory database, so the plan knows no advisories; run `tend db \
                 update` (or set `advisories.sources`)"
            );
            empty_audit(now)
        });

    let cache_mode = super::online::cache_mode(source.offline, source.refresh);
    // No strategy and no minimum age here: the plan applies each category's own.
    let outdated = super::outdated::check(
        &settings,
        &inventory,
        &super::outdated::OutdatedRequest {
            index: source.index,
            strategy: Some(Strategy::Major),
            pre: false,
            min_age: None,
            cache_mode,
            cache_dir: &cache_dir,
            now,
        },
    )?;

    let mut plan = tend_plan::plan(&tend_plan::PlanInput {
        now,
        categories: &settings.policy.categories,
        audit: &audit,
        outdated: &outdated,
    });
    let fingerprint = Fingerprint::new(&inventory, &audit, &outdated);
    if source.preflight {
        let request = super::preflight::PreflightRequest {
            settings: &settings,
            inventory: &inventory,
            outdated: &outdated,
            index: source.index,
            offline: source.offline,
        };
        super::preflight::check(&request, &mut plan);
    } else {
        plan.set_preflight(super::preflight::turned_off());
    }
    Ok(Computed {
        settings,
        now,
        inventory,
        plan,
        fingerprint,
    })
}

/// Records the plan as a run of kind plan: the plan's JSON document, and its inputs (report
/// `plan-inputs`). Unlike the history of other commands, a failure here is an error: saving
/// is what was asked for.
fn save(
    store: Option<&Path>,
    computed: &Computed,
    status: ExitStatus,
    source: &SavedSource,
) -> Result<RunId> {
    let path = crate::settings::store_path(store)?;
    let mut store = SqliteStore::open(&path)?;
    let project = &computed.settings.project;
    let project = std::path::absolute(project).unwrap_or_else(|_| project.clone());
    let id = store.record_run(&NewRun {
        kind: tend_store::RunKind::Plan,
        project,
        started_at: computed.now,
        tend_version: env!("CARGO_PKG_VERSION").to_string(),
    })?;
    store.attach_report(id, "plan", &tend_plan::json_text(&computed.plan))?;
    let mut inputs = computed.fingerprint.document();
    inputs["source"] = serde_json::to_value(source)?;
    store.attach_report(id, INPUTS_REPORT, &serde_json::to_string(&inputs)?)?;
    // The plan as every format prints it, for `tend report`.
    let project_name = computed.settings.project.display().to_string();
    let plan = &computed.plan;
    store.attach_rendering(id, "table", &tend_plan::table(plan))?;
    store.attach_rendering(id, "json", &tend_plan::json_text(plan))?;
    store.attach_rendering(id, "markdown", &tend_plan::markdown(plan, &project_name))?;
    let summary = &computed.plan.summary;
    let status = match status {
        ExitStatus::Success => RunStatus::Success,
        ExitStatus::Failure => RunStatus::Findings,
    };
    let finished_at = crate::settings::now()?.max(computed.now);
    store.finish_run(
        id,
        finished_at,
        status,
        Some(&serde_json::json!({
            "items": summary.items,
            "overdue": summary.overdue,
            "deferred": summary.deferred,
            "inputs": computed.fingerprint.digests(),
        })),
    )?;
    Ok(id)
}

/// The flags a plan was made with, kept with it so that `tend approve` makes it again from the
/// same environment, files and indexes without being told them. Paths are made absolute;
/// passwords in index URLs are not kept (credentials come from `.netrc` or the environment).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SavedSource {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub venv: Option<PathBuf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub python: Option<PathBuf>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub no_environment: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requirements: Vec<PathBuf>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<PathBuf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index_url: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extra_index_urls: Vec<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub no_index: bool,
}

impl SavedSource {
    pub fn new(project: &ProjectArgs, index: &IndexArgs) -> Self {
        let absolute = |path: &PathBuf| std::path::absolute(path).unwrap_or_else(|_| path.clone());
        // A directory index is a path too; a URL keeps its user name, not its password.
        let location = |text: &String| {
            if text.contains("://") {
                tend_model::redact_url(text)
            } else {
                absolute(&PathBuf::from(text)).display().to_string()
            }
        };
        Self {
            venv: project.venv.as_ref().map(absolute),
            python: project.python.as_ref().map(absolute),
            no_environment: project.no_environment,
            requirements: project.requirements.iter().map(absolute).collect(),
            sources: project.sources.iter().map(absolute).collect(),
            index_url: index.index_url.as_ref().map(location),
            extra_index_urls: index.extra_index_urls.iter().map(location).collect(),
            no_index: index.no_index,
        }
    }

    /// Reads the `source` of a `plan-inputs` document; plans saved before it was kept have
    /// none.
    pub fn from_document(document: &serde_json::Value) -> Option<Self> {
        serde_json::from_value(document.get("source")?.clone()).ok()
    }

    /// The project flags to make the plan again with: `given` when any was given, else the
    /// saved ones.
    pub fn project_args(&self, given: &ProjectArgs, project: PathBuf) -> ProjectArgs {
        let any_given = given.venv.is_some()
            || given.python.is_some()
            || given.no_environment
            || !given.requirements.is_empty()
            || !given.sources.is_empty();
        if any_given {
            return ProjectArgs {
                project: Some(project),
                venv: given.venv.clone(),
                python: given.python.clone(),
                no_environment: given.no_environment,
                requirements: given.requirements.clone(),
                sources: given.sources.clone(),
            };
        }
        ProjectArgs {
            project: Some(project),
            venv: self.venv.clone(),
            python: self.python.clone(),
            no_environment: self.no_environment,
            requirements: self.requirements.clone(),
            sources: self.sources.clone(),
        }
    }

    /// The index flags, the same way.
    pub fn index_args(&self, given: &IndexArgs) -> IndexArgs {
        if given.index_url.is_some() || !given.extra_index_urls.is_empty() || given.no_index {
            return IndexArgs {
                index_url: given.index_url.clone(),
                extra_index_urls: given.extra_index_urls.clone(),
                no_index: given.no_index,
            };
        }
        IndexArgs {
            index_url: self.index_url.clone(),
            extra_index_urls: self.extra_index_urls.clone(),
            no_index: self.no_index,
        }
    }
}

/// The name of the report that keeps a saved plan's inputs.
pub const INPUTS_REPORT: &str = "plan-inputs";

/// The version of the `plan-inputs` document (docs/plan.md).
const INPUTS_SCHEMA_VERSION: u32 = 1;

/// What a plan was made from, one part per input, each a sorted map from a key (a package, an
/// advisory source) to what the plan saw there. Parts are kept apart, each with its own digest,
/// so that a refusal can say which input changed and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fingerprint {
    pub parts: BTreeMap<String, BTreeMap<String, String>>,
}

/// The inputs, in the order a refusal names them.
pub const PARTS: [&str; 4] = ["environment", "pins", "advisories", "index"];

impl Fingerprint {
    pub fn new(inventory: &Inventory, audit: &AuditReport, outdated: &OutdatedReport) -> Self {
        let mut environment = BTreeMap::new();
        for distribution in inventory
            .environment
            .iter()
            .flat_map(|environment| &environment.distributions)
        {
            add(
                &mut environment,
                distribution.name.to_string(),
                distribution.version.to_string(),
            );
        }

        let mut pins = BTreeMap::new();
        for declaration in &inventory.declarations {
            let value = match &declaration.url {
                Some(url) => format!("@ {url}"),
                None if declaration.specifier.is_empty() => "any version".to_string(),
                None => declaration.specifier.to_string(),
            };
            add(&mut pins, declaration.name.to_string(), value);
        }

        let mut advisories = BTreeMap::new();
        for source in &audit.sources {
            let newest = source
                .newest_modified
                .map_or_else(|| "none".to_string(), |time| time.to_string());
            advisories.insert(
                format!("source {}", source.location),
                format!("{} records, newest modified {newest}", source.records),
            );
        }
        for package in &audit.vulnerable {
            let mut ids: Vec<String> = package
                .findings
                .iter()
                .map(|finding| finding.id.to_string())
                .collect();
            ids.sort();
            add(
                &mut advisories,
                package.target.name.to_string(),
                ids.join(", "),
            );
        }

        let mut index = BTreeMap::new();
        for package in &outdated.packages {
            let version = |release: Option<&tend_model::ReleaseInfo>| {
                release.map_or_else(|| "none".to_string(), |release| release.version.to_string())
            };
            add(
                &mut index,
                package.name.to_string(),
                format!(
                    "latest {}, allowed {}",
                    version(package.latest.as_ref()),
                    version(package.allowed.as_ref())
                ),
            );
        }
        for package in &outdated.unknown {
            add(
                &mut index,
                package.name.to_string(),
                "unknown to every index".to_string(),
            );
        }
        for package in &outdated.not_checked {
            add(
                &mut index,
                package.name.to_string(),
                "not checked".to_string(),
            );
        }

        let parts = [
            ("environment", environment),
            ("pins", pins),
            ("advisories", advisories),
            ("index", index),
        ]
        .into_iter()
        .map(|(name, entries)| (name.to_string(), entries))
        .collect();
        Fingerprint { parts }
    }

    /// One SHA-256 digest per part, `sha256:<hex>`.
    pub fn digests(&self) -> BTreeMap<&str, String> {
        self.parts
            .iter()
            .map(|(name, entries)| (name.as_str(), digest(entries)))
            .collect()
    }

    /// The `plan-inputs` document: each part's digest and entries.
    pub fn document(&self) -> serde_json::Value {
        let inputs: serde_json::Map<String, serde_json::Value> = self
            .parts
            .iter()
            .map(|(name, entries)| {
                (
                    name.clone(),
                    serde_json::json!({ "digest": digest(entries), "entries": entries }),
                )
            })
            .collect();
        serde_json::json!({
            "schema_version": INPUTS_SCHEMA_VERSION,
            "kind": INPUTS_REPORT,
            "inputs": inputs,
        })
    }

    /// Reads a `plan-inputs` document back; `None` when it is not one this tend wrote.
    pub fn from_document(document: &serde_json::Value) -> Option<Self> {
        if document.get("kind")?.as_str()? != INPUTS_REPORT {
            return None;
        }
        let mut parts = BTreeMap::new();
        for (name, part) in document.get("inputs")?.as_object()? {
            let mut entries = BTreeMap::new();
            for (key, value) in part.get("entries")?.as_object()? {
                entries.insert(key.clone(), value.as_str()?.to_string());
            }
            parts.insert(name.clone(), entries);
        }
        Some(Fingerprint { parts })
    }

    /// What changed from `self` (the saved inputs) to `now`, one line per change, parts in
    /// [`PARTS`] order; empty when every part's digest is the same.
    pub fn changes(&self, now: &Fingerprint) -> Vec<String> {
        let empty = BTreeMap::new();
        let mut lines = Vec::new();
        for part in PARTS {
            let before = self.parts.get(part).unwrap_or(&empty);
            let after = now.parts.get(part).unwrap_or(&empty);
            if digest(before) == digest(after) {
                continue;
            }
            let keys: std::collections::BTreeSet<&String> =
                before.keys().chain(after.keys()).collect();
            for key in keys {
                let line = match (before.get(key), after.get(key)) {
                    (Some(old), Some(new)) if old != new => format!("{key} {old} -> {new}"),
                    (Some(old), None) => format!("{key} {old} is gone"),
                    (None, Some(new)) => format!("{key} {new} is new"),
                    _ => continue,
                };
                lines.push(format!("the {} changed: {line}", describe(part)));
            }
        }
        lines
    }
}

fn describe(part: &str) -> &str {
    match part {
        "environment" => "environment",
        "pins" => "declared pins",
        "advisories" => "advisory data",
        "index" => "index data",
        other => other,
    }
}

/// Two declarations of one package (two files) are both kept, in a stable order.
fn add(entries: &mut BTreeMap<String, String>, key: String, value: String) {
    entries
        .entry(key)
        .and_modify(|existing| {
            let mut values: Vec<&str> = existing.split(" | ").collect();
            values.push(&value);
            values.sort_unstable();
            values.dedup();
            *existing = values.join(" | ");
        })
        .or_insert(value);
}

fn digest(entries: &BTreeMap<String, String>) -> String {
    let mut hasher = Sha256::new();
    for (key, value) in entries {
        // Tab and newline cannot occur in names, versions or specifiers: no two maps collide.
        hasher.update(key.as_bytes());
        hasher.update(b"\t");
        hasher.update(value.as_bytes());
        hasher.update(b"\n");
    }
    let mut text = String::from("sha256:");
    for byte in hasher.finalize() {
        let _ = write!(text, "{byte:02x}");
    }
    text
}

/// Exit 1 when an item is past its due date: the SLA is the promise the plan keeps.
pub fn exit_status(plan: &tend_plan::Plan) -> ExitStatus {
    if plan.summary.overdue > 0 {
        ExitStatus::Failure
    } else {
        ExitStatus::Success
    }
}

/// An audit that found nothing because nothing was checked (no advisory data).
pub(super) fn empty_audit(now: jiff::Timestamp) -> AuditReport {
    AuditReport {
        generated: now,
        sources: Vec::new(),
        audited: 0,
        vulnerable: Vec::new(),
        not_audited: Vec::new(),
        ignored: Vec::new(),
        diagnostics: Vec::new(),
    }
}
