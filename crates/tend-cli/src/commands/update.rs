//! `tend update`: the plan's updates to apply now (or a saved plan's, a phase's, some
//! packages'), tried in fresh virtualenvs against the category gates, the breaking ones found
//! by bisection and held back, and the rest written into the requirement files.
//!
//! Order of work, so that nothing is half-changed: take the environment's lock; make the plan;
//! snapshot the environment and the requirement files into the history store (the undo record
//! comes before any change); run the trials (only scratch directories change); rewrite every
//! file in memory, and only when every file could take its change, replace them one by one,
//! each atomically. The live environment is not touched: applying to it is a later step.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context, Result};
use sha2::{Digest as _, Sha256};
use tend_model::{PackageName, SourceKind, Version};
use tend_store::{CompleteRun, NewRun, RunId, RunKind, RunStatus, SqliteStore, Store};
use tend_update::{FileChange, FileCopy, Installer, LineEdit, Snapshot, Update, UpdateReport};
use tend_writeback::{PinChange, Rewritten, WriteBackError};

use crate::cli::{ProjectArgs, UpdateArgs, UpdateFormat};
use crate::diagnostics::{ExitStatus, UsageError};

pub fn run(
    args: &UpdateArgs,
    config: Option<&Path>,
    cache_dir: Option<&Path>,
    store_flag: Option<&Path>,
) -> Result<ExitStatus> {
    let project = ProjectArgs {
        project: args.project.clone(),
        venv: args.venv.clone(),
        python: args.python.clone(),
        no_environment: false,
        requirements: args.requirements.clone(),
        sources: Vec::new(),
    };
    // The plan reads the inventory itself; the environment it found is the one to update.
    let computed = super::plan::compute(
        &super::plan::Source {
            project: &project,
            index: &args.index,
            offline: args.offline,
            refresh: false,
            preflight: true,
        },
        config,
        cache_dir,
    )?;
    let settings = &computed.settings;
    let inventory = &computed.inventory;
    let Some(environment) = inventory.environment.as_ref() else {
        anyhow::bail!(UsageError(
            "`tend update` needs the project's environment, and none was found; name it with \
             --venv or --python"
                .to_string()
        ));
    };
    let Some(python) = environment.python.clone() else {
        anyhow::bail!(UsageError(format!(
            "no Python interpreter was found for the environment `{}`; the trials are made from it",
            environment.prefix.display()
        )));
    };
    let store_path = crate::settings::store_path(store_flag)?;
    let environment_key = key(&environment.prefix);
    let lock_path = lock_path(&store_path, &environment.prefix);
    let _lock = tend_update::lock(
        &lock_path,
        &format!(
            "pid {}, tend update, started {}",
            std::process::id(),
            computed.now.strftime("%Y-%m-%d %H:%M:%S UTC")
        ),
    )
    .map_err(|error| UsageError(error.to_string()))?;

    while let Some(cut) = interrupted(&store_path, &environment.prefix)? {
        let what = match cut.state {
            // Only scratch directories had changed: nothing to undo.
            JournalState::Trials => {
                let mut store = SqliteStore::open(&store_path)?;
                store.finish_run(
                    cut.run,
                    computed.now,
                    RunStatus::Error,
                    Some(&serde_json::json!({"interrupted": true, "state": "trials"})),
                )?;
                eprintln!(
                    "note: update run {} was cut short during its trials; nothing had changed",
                    cut.run
                );
                continue;
            }
            JournalState::Writing => "writing the requirement files; they may be half-written",
            JournalState::Applying => {
                "applying updates to this environment; it may be half-changed"
            }
        };
        anyhow::bail!(UsageError(format!(
            "update run {} was cut short while {what}. Snapshot {} holds the files and the \
             environment as they were before: run `tend rollback {}`, then update again",
            cut.run, cut.snapshot, cut.snapshot
        )));
    }
    let updates = select(args, &computed, store_flag)?;

    // The files the updates may be written into, as they are now.
    let mut files = Vec::new();
    for source in &inventory.sources {
        if !matches!(
            source.kind,
            SourceKind::RequirementsTxt | SourceKind::Pyproject
        ) {
            continue;
        }
        let text = fs_err::read_to_string(&source.path)?;
        files.push(FileCopy::new(source.path.clone(), text));
    }
    let snapshot = Snapshot::capture(inventory, files, computed.now);

    let mut store = None;
    let snapshot_id = if args.dry_run || updates.is_empty() {
        None
    } else {
        let mut opened = SqliteStore::open(&store_path)?;
        // The snapshot and the journal must survive a power loss: the files they describe do.
        opened.make_durable()?;
        let id = record_snapshot(&mut opened, settings.project.as_path(), &snapshot)?;
        store = Some(opened);
        Some(id)
    };
    // The journal: the update run is recorded as started right after the snapshot, and each
    // step that changes something is noted before it starts. A run that never finishes (killed,
    // power lost) tells the next `tend update` what may have been left half-done, and which
    // snapshot restores it.
    let journal = match (store.as_mut(), snapshot_id) {
        (Some(store), Some(snapshot_id)) => {
            let project =
                std::path::absolute(&settings.project).unwrap_or_else(|_| settings.project.clone());
            let id = store.record_run(&NewRun {
                kind: RunKind::Update,
                project,
                started_at: computed.now,
                tend_version: env!("CARGO_PKG_VERSION").to_string(),
            })?;
            let journal = Journal {
                run: id,
                snapshot: snapshot_id,
                environment: environment.prefix.clone(),
            };
            journal.note(store, JournalState::Trials)?;
            Some(journal)
        }
        _ => None,
    };

    let cache_dir = crate::settings::cache_dir(cache_dir)?;
    let installer = Installer::detect(&super::preflight::uv_program());
    let indexes = crate::settings::index_settings(&args.index, &settings.policy, inventory)?;
    let index_args = installer_index_args(&indexes.indexes);
    let critical_imports: Vec<String> = settings
        .policy
        .check
        .critical_imports
        .iter()
        .map(|import| import.value.clone())
        .collect();
    let scratch = cache_dir.join("trials").join(&environment_key);
    let outcome = tend_update::try_updates(
        tend_update::Setup {
            base_python: &python,
            project: &settings.project,
            scratch: &scratch,
            installer: &installer,
            index_args: &index_args,
            policy: &settings.policy.update,
            critical_imports: &critical_imports,
            snapshot: &snapshot,
            // The plan's pre-flight resolved these packages with the same uv seconds ago.
            cache_is_fresh: matches!(
                computed.plan.preflight,
                tend_plan::Preflight::Passed { .. } | tend_plan::Preflight::HeldBack { .. }
            ),
        },
        &updates,
    )?;

    // Pins written with `--hash` need the new version's hashes, from the same indexes.
    let mut hash_errors: Vec<(PackageName, String)> = Vec::new();
    let hashed: Vec<&Update> = outcome
        .kept
        .iter()
        .filter(|update| {
            inventory.declarations.iter().any(|declaration| {
                declaration.name == update.name && !declaration.hashes.is_empty()
            })
        })
        .collect();
    let mut hashes: BTreeMap<PackageName, Vec<tend_model::Hash>> = BTreeMap::new();
    if !hashed.is_empty() {
        let cache_mode = super::online::cache_mode(args.offline, false);
        let client = tend_index::IndexClient::new(
            super::outdated::http_client(&cache_dir, cache_mode, computed.now)?,
            indexes.indexes.clone(),
        );
        let runtime = super::online::runtime()?;
        for update in hashed {
            match runtime.block_on(client.release_hashes(&update.name, &update.to)) {
                Ok(release) => {
                    let missing: Vec<&str> = release
                        .without_pip_hash()
                        .map(|file| file.filename.as_str())
                        .collect();
                    if missing.is_empty() {
                        hashes.insert(
                            update.name.clone(),
                            release.pip_hashes().into_iter().cloned().collect(),
                        );
                    } else {
                        hash_errors.push((
                            update.name.clone(),
                            format!(
                                "the index gives no sha256 of {} of {} {}",
                                missing.join(", "),
                                update.name,
                                update.to
                            ),
                        ));
                    }
                }
                Err(error) => hash_errors.push((update.name.clone(), error.to_string())),
            }
        }
        runtime.shutdown_background();
    }
    let changes: Vec<PinChange> = outcome
        .kept
        .iter()
        .map(|update| PinChange {
            name: update.name.clone(),
            to: update.to.clone(),
            hashes: hashes.remove(&update.name).unwrap_or_default(),
        })
        .collect();
    let (mut file_changes, new_texts) = rewrite(&snapshot, &changes);
    // A lockfile that pins an updated package would disagree with the rewritten files: tend
    // does not rewrite lockfiles, so the write-back stops and says how to refresh it.
    for source in &inventory.sources {
        let pinned: Vec<&PinChange> = changes
            .iter()
            .filter(|change| {
                inventory.declarations.iter().any(|declaration| {
                    declaration.name == change.name && declaration.location.path == source.path
                })
            })
            .collect();
        if pinned.is_empty() {
            continue;
        }
        let names = || {
            pinned
                .iter()
                .map(|change| change.name.to_string())
                .collect::<Vec<_>>()
                .join(" ")
        };
        let command = match source.kind {
            SourceKind::UvLock => {
                let packages: Vec<String> = pinned
                    .iter()
                    .map(|change| format!("--upgrade-package {}=={}", change.name, change.to))
                    .collect();
                format!("uv lock {}", packages.join(" "))
            }
            SourceKind::PoetryLock => format!("poetry update {}", names()),
            SourceKind::PdmLock => format!("pdm update {}", names()),
            SourceKind::PipfileLock => format!("pipenv update {}", names()),
            SourceKind::Pylock => format!("the tool that wrote it, for {}", names()),
            SourceKind::RequirementsTxt | SourceKind::Pyproject => continue,
        };
        file_changes.push(FileChange {
            path: source.path.clone(),
            edits: Vec::new(),
            written: false,
            error: Some(format!(
                "a lockfile, which tend does not rewrite; update it first with `{command}`"
            )),
            diff: String::new(),
        });
    }
    // A file that needs hashes the index could not give says why, rather than "hashes missing".
    for change in &mut file_changes {
        if let Some(error) = &change.error {
            if let Some((_, why)) = hash_errors
                .iter()
                .find(|(name, _)| error.contains(&format!("`{name}`")))
            {
                change.error = Some(format!("{error} ({why})"));
            }
        }
    }
    let writable = file_changes.iter().all(|change| change.error.is_none());
    if !args.dry_run && writable {
        if let (Some(store), Some(journal)) = (store.as_mut(), journal.as_ref()) {
            journal.note(store, JournalState::Writing)?;
        }
        // `new_texts` follows the snapshot's files, as the first `file_changes` do.
        let files = file_changes.iter_mut().zip(&snapshot.files).zip(&new_texts);
        for ((change, copy), text) in files {
            let Some(text) = text.as_ref().filter(|_| !change.edits.is_empty()) else {
                continue;
            };
            tend_writeback::replace_file(&copy.path, text)
                .with_context(|| format!("could not write `{}`", copy.path.display()))?;
            change.written = true;
        }
    } else if !writable {
        // One file that cannot take its change stops every file: the pins stay consistent.
        for change in &mut file_changes {
            if change.error.is_none() && !change.edits.is_empty() {
                change.error = Some("not written: another file could not be".to_string());
            }
        }
    }
    file_changes.retain(|change| !change.edits.is_empty() || change.error.is_some());

    let applying = args.apply && writable && !outcome.kept.is_empty();
    if applying {
        if let (Some(store), Some(journal)) = (store.as_mut(), journal.as_ref()) {
            journal.note(store, JournalState::Applying)?;
        }
    }
    let apply = if applying {
        let kept: BTreeMap<PackageName, Version> = outcome
            .kept
            .iter()
            .map(|update| (update.name.clone(), update.to.clone()))
            .collect();
        Some(apply_live(&ApplyContext {
            settings,
            snapshot: &snapshot,
            kept: &kept,
            python: &python,
            installer: &installer,
            index_args: &index_args,
            scratch: &scratch,
            now: computed.now,
        })?)
    } else {
        None
    };

    let report = UpdateReport {
        generated: computed.now,
        project: settings.project.clone(),
        environment: environment.prefix.clone(),
        installer: installer.name(),
        snapshot: snapshot_id.map(|id| id.0),
        dry_run: args.dry_run,
        kept: outcome.kept,
        held_back: outcome.held_back,
        files: file_changes,
        trials: outcome.trials,
        apply,
    };
    let render = |format: UpdateFormat| -> Result<String> {
        Ok(match format {
            UpdateFormat::Table => tend_update::report::table(&report),
            UpdateFormat::Json => tend_update::report::json_text(&report),
            UpdateFormat::Markdown => tend_update::report::markdown(&report),
        })
    };
    let text = render(args.format)?;
    crate::output::write(args.output.as_deref(), &text)?;
    let status = if report.is_clean() {
        ExitStatus::Success
    } else {
        ExitStatus::Failure
    };
    if let Some(store) = store.as_mut() {
        let renderings = super::report::renderings(args.format, &text, render)?;
        record_update(
            store,
            journal.map(|journal| journal.run),
            &report,
            status,
            &renderings,
        )?;
    }
    Ok(status)
}

/// An update run that was cut short: where its journal stopped.
#[derive(Debug, Clone, Copy)]
pub struct Interrupted {
    pub run: RunId,
    pub snapshot: i64,
    pub state: JournalState,
}

/// The steps of an update run the journal notes before each starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JournalState {
    /// Trials in scratch directories: nothing of the project's had changed.
    Trials,
    /// Replacing the requirement files.
    Writing,
    /// Changing the live environment.
    Applying,
}

impl JournalState {
    fn as_str(self) -> &'static str {
        match self {
            Self::Trials => "trials",
            Self::Writing => "writing",
            Self::Applying => "applying",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        [Self::Trials, Self::Writing, Self::Applying]
            .into_iter()
            .find(|state| state.as_str() == text)
    }
}

/// The journal of one update run.
struct Journal {
    run: RunId,
    snapshot: RunId,
    environment: std::path::PathBuf,
}

impl Journal {
    fn note(&self, store: &mut SqliteStore, state: JournalState) -> Result<()> {
        store.attach_report(
            self.run,
            JOURNAL_REPORT,
            &serde_json::json!({
                "state": state.as_str(),
                "snapshot": self.snapshot.0,
                "environment": self.environment,
            })
            .to_string(),
        )?;
        Ok(())
    }
}

/// An update run on the environment at `prefix` that never finished (it was killed, or the
/// machine stopped), with the last step its journal noted. The caller holds the
/// environment's lock, so no such run is still going.
pub fn interrupted(store_path: &Path, prefix: &Path) -> Result<Option<Interrupted>> {
    if !store_path.exists() {
        return Ok(None);
    }
    interrupted_in(&SqliteStore::open(store_path)?, prefix)
}

/// [`interrupted`] in a store already open.
fn interrupted_in(store: &SqliteStore, prefix: &Path) -> Result<Option<Interrupted>> {
    let runs = store.runs(&tend_store::RunFilter {
        kind: Some(RunKind::Update),
        project: None,
        limit: None,
    })?;
    for run in runs.iter().filter(|run| run.finished_at.is_none()) {
        let Some(detail) = store.run(run.id)? else {
            continue;
        };
        // Reports come in the order they were kept: the last journal entry is where it stopped.
        let Some(journal) = detail
            .reports
            .iter()
            .rev()
            .find(|report| report.kind == JOURNAL_REPORT)
        else {
            continue;
        };
        let document = &journal.document;
        if document["environment"].as_str() != Some(&*prefix.to_string_lossy()) {
            continue;
        }
        let state = document["state"].as_str().and_then(JournalState::parse);
        if let (Some(state), Some(snapshot)) = (state, document["snapshot"].as_i64()) {
            return Ok(Some(Interrupted {
                run: run.id,
                snapshot,
                state,
            }));
        }
    }
    Ok(None)
}

/// Warns on standard error when an update of `inventory`'s environment was cut short while it
/// wrote files or applied updates: a command that only reads still reports on a half-changed
/// environment, and should say so. Problems reading the store are not this command's.
pub fn warn_if_interrupted(store: &SqliteStore, inventory: &tend_model::Inventory) {
    let Some(environment) = inventory.environment.as_ref() else {
        return;
    };
    if let Ok(Some(cut)) = interrupted_in(store, &environment.prefix) {
        if cut.state != JournalState::Trials {
            eprintln!(
                "warning: update run {} was cut short while {}; the environment or the \
                 requirement files may be half-changed: `tend rollback {}` restores them",
                cut.run,
                if cut.state == JournalState::Writing {
                    "writing the requirement files"
                } else {
                    "applying updates"
                },
                cut.snapshot
            );
        }
    }
}

/// The report that marks an update run as an apply in progress.
pub const JOURNAL_REPORT: &str = tend_store::JOURNAL_REPORT;

struct ApplyContext<'a> {
    settings: &'a crate::settings::ProjectSettings,
    snapshot: &'a Snapshot,
    kept: &'a BTreeMap<PackageName, Version>,
    python: &'a Path,
    installer: &'a Installer,
    index_args: &'a [String],
    scratch: &'a Path,
    now: jiff::Timestamp,
}

/// Applies the kept updates to the live environment; on any failure puts the environment and
/// the files back to the snapshot and checks that they equal it.
fn apply_live(context: &ApplyContext<'_>) -> Result<tend_update::ApplyRecord> {
    let policy = &context.settings.policy.update;
    let project = &context.settings.project;
    let mut steps = Vec::new();
    let mut failure = None;
    for hook in &policy.pre_apply {
        let step = tend_update::run_hook(&hook.value, project, policy.timeout)?;
        let passed = step.passed();
        steps.push(tend_update::StepRecord::new(&step));
        if !passed {
            failure = Some(format!(
                "pre-apply hook `{}` failed:\n{}",
                step.command,
                step.output()
            ));
            break;
        }
    }
    // A failed pre-apply hook has changed nothing in the environment; the files go back.
    if failure.is_none() {
        let step = tend_update::install_set(
            context.python,
            context.installer,
            context.index_args,
            context.scratch,
            &context.snapshot.requirements_with(context.kept),
            policy.timeout,
        )?;
        if !step.passed() {
            failure = Some(format!("the install failed:\n{}", step.output()));
        }
        steps.push(tend_update::StepRecord::new(&step));
    }
    if failure.is_none() {
        for hook in &policy.post_apply {
            let step = tend_update::run_hook(&hook.value, project, policy.timeout)?;
            let passed = step.passed();
            steps.push(tend_update::StepRecord::new(&step));
            if !passed {
                failure = Some(format!(
                    "post-apply hook `{}` failed:\n{}",
                    step.command,
                    step.output()
                ));
                break;
            }
        }
    }
    if failure.is_none() {
        if let Some(url) = &policy.health_url {
            if let Err(why) = poll_health(&url.value, policy.health_timeout) {
                failure = Some(format!("the health check of {} failed: {why}", url.value));
            }
        }
    }
    let Some(failure) = failure else {
        return Ok(tend_update::ApplyRecord {
            steps,
            outcome: "applied",
            failure: None,
            remaining: Vec::new(),
        });
    };

    // Roll back: files, environment, hooks, then prove it.
    tend_update::restore_files(context.snapshot)?;
    let read =
        || tend_inventory::load(&context.settings.inventory).map_err(|error| error.to_string());
    let inventory = read().map_err(anyhow::Error::msg)?;
    let current = Snapshot::capture(&inventory, Vec::new(), context.now);
    let (restore_steps, remaining) = tend_update::restore_environment(
        context.snapshot,
        &current,
        context.python,
        context.installer,
        context.index_args,
        context.scratch,
        policy.timeout,
        &read,
    )?;
    steps.extend(restore_steps.iter().map(tend_update::StepRecord::new));
    for hook in &policy.on_rollback {
        let step = tend_update::run_hook(&hook.value, project, policy.timeout)?;
        steps.push(tend_update::StepRecord::new(&step));
    }
    Ok(tend_update::ApplyRecord {
        steps,
        outcome: "rolled-back",
        failure: Some(failure),
        remaining: remaining.iter().map(ToString::to_string).collect(),
    })
}

/// Polls `url` until it answers 2xx or `timeout` passes.
fn poll_health(url: &str, timeout: std::time::Duration) -> std::result::Result<(), String> {
    let url = tend_http::Url::parse(url).map_err(|error| error.to_string())?;
    let mut options = tend_http::ClientOptions::default();
    options.cache_dir = None;
    options.retries = 0;
    options.connect_timeout = std::time::Duration::from_secs(5);
    options.read_timeout = std::time::Duration::from_secs(10);
    let client = tend_http::HttpClient::new(options).map_err(|error| error.to_string())?;
    let runtime = super::online::runtime().map_err(|error| error.to_string())?;
    let deadline = std::time::Instant::now() + timeout;
    loop {
        let last = match runtime.block_on(client.get(&url)) {
            Ok(response) if response.status.is_success() => return Ok(()),
            Ok(response) => format!("HTTP {}", response.status.as_u16()),
            Err(error) => error.to_string(),
        };
        if std::time::Instant::now() >= deadline {
            return Err(format!("{last} after {} s", timeout.as_secs()));
        }
        std::thread::sleep(std::time::Duration::from_millis(500));
    }
}

/// The lock of one environment: beside the history store, so that every tend sharing a store
/// shares the locks.
pub fn lock_path(store_path: &Path, prefix: &Path) -> std::path::PathBuf {
    store_path
        .parent()
        .unwrap_or(Path::new("."))
        .join("locks")
        .join(format!("{}.lock", key(prefix)))
}

/// A short, stable name for an environment: lock files and trial directories are per
/// environment.
fn key(prefix: &Path) -> String {
    let absolute = std::path::absolute(prefix).unwrap_or_else(|_| prefix.to_path_buf());
    let digest = Sha256::digest(absolute.to_string_lossy().as_bytes());
    digest[..8].iter().fold(String::new(), |mut hex, byte| {
        let _ = write!(hex, "{byte:02x}");
        hex
    })
}

/// The updates to try: the plan's items to apply now (not held by a cooldown), narrowed to a
/// phase or to packages, or a saved plan's.
fn select(
    args: &UpdateArgs,
    computed: &super::plan::Computed,
    store_flag: Option<&Path>,
) -> Result<Vec<Update>> {
    let categories = &computed.settings.policy.categories;
    let gates = |category: &str| {
        categories
            .get(category)
            .map(|category| category.gates.clone())
            .unwrap_or_default()
    };
    let require_approval = computed.settings.policy.update.require_approval;
    if let Some(id) = args.plan {
        return saved_plan(id, store_flag, &gates, require_approval);
    }
    if require_approval {
        anyhow::bail!(UsageError(
            "the policy requires an approved plan (`update.require-approval`): save one with \
             `tend plan --save`, approve it with `tend approve ID --by NAME`, then run `tend \
             update --plan ID`"
                .to_string()
        ));
    }
    if let Some(phase) = &args.phase {
        let names: Vec<&str> = categories
            .iter()
            .chain(std::iter::once(categories.fallback()))
            .map(|category| category.name.as_str())
            .collect();
        if !names.contains(&phase.as_str()) {
            anyhow::bail!(UsageError(format!(
                "`{phase}` is not a category of the policy (expected one of {}); `tend plan` \
                 shows the phases",
                names.join(", ")
            )));
        }
    }
    let wanted: Vec<PackageName> = args
        .packages
        .iter()
        .map(|name| {
            name.parse::<PackageName>()
                .map_err(|error| UsageError(format!("`{name}` is not a package name: {error}")))
        })
        .collect::<Result<_, _>>()?;
    let mut updates = Vec::new();
    for item in computed.plan.ready_items() {
        if args
            .phase
            .as_ref()
            .is_some_and(|phase| &item.category != phase)
        {
            continue;
        }
        if !wanted.is_empty() && !wanted.contains(&item.name) {
            continue;
        }
        let fixes = item
            .reasons
            .iter()
            .filter_map(|reason| match reason {
                tend_plan::Reason::Fixes { advisory } => {
                    Some(format!("{} ({})", advisory.id.as_str(), advisory.severity))
                }
                tend_plan::Reason::UpdateAvailable { .. } => None,
            })
            .collect();
        updates.push(Update {
            name: item.name.clone(),
            from: item.from.to_string(),
            to: item.to.clone(),
            gates: gates(&item.category),
            fixes,
        });
    }
    for name in &wanted {
        if !updates.iter().any(|update| &update.name == name) {
            anyhow::bail!(UsageError(format!(
                "the plan has no update of `{name}` to apply now; `tend plan` shows what is \
                 planned, held or deferred"
            )));
        }
    }
    Ok(updates)
}

/// The items of a saved plan whose cooldown had passed when it was saved.
fn saved_plan(
    id: i64,
    store_flag: Option<&Path>,
    gates: &dyn Fn(&str) -> Vec<String>,
    require_approval: bool,
) -> Result<Vec<Update>> {
    let path = crate::settings::store_path(store_flag)?;
    let store = SqliteStore::open(&path)?;
    let detail = store.run(RunId(id))?;
    let Some(detail) = detail.filter(|detail| detail.run.kind == RunKind::Plan) else {
        anyhow::bail!(UsageError(format!(
            "the history store `{}` has no saved plan {id}; `tend history --kind plan` lists them",
            path.display()
        )));
    };
    if detail.approvals.is_empty() {
        if require_approval {
            anyhow::bail!(UsageError(format!(
                "plan {id} has not been approved, and the policy requires it \
                 (`update.require-approval`): `tend approve {id} --by NAME`"
            )));
        }
        eprintln!("warning: plan {id} has not been approved (`tend approve {id} --by NAME`)");
    }
    let bad = || {
        UsageError(format!(
            "plan {id} in the history store `{}` has no readable plan document",
            path.display()
        ))
    };
    let document = &detail
        .reports
        .iter()
        .find(|report| report.kind == "plan")
        .ok_or_else(bad)?
        .document;
    let mut updates = Vec::new();
    for phase in document["phases"].as_array().ok_or_else(bad)? {
        for item in phase["items"].as_array().ok_or_else(bad)? {
            if item["cooldown"]["passed"].as_bool() != Some(true) {
                continue;
            }
            let field = |name: &str| item[name].as_str().ok_or_else(bad);
            let name: PackageName = field("name")?.parse().map_err(|_| bad())?;
            let to: Version = field("to")?.parse().map_err(|_| bad())?;
            let fixes = item["reasons"]
                .as_array()
                .map(|reasons| {
                    reasons
                        .iter()
                        .filter(|reason| reason["kind"] == "fixes")
                        .filter_map(|reason| {
                            let advisory = &reason["advisory"];
                            Some(format!(
                                "{} ({})",
                                advisory["id"].as_str()?,
                                advisory["severity"].as_str()?
                            ))
                        })
                        .collect()
                })
                .unwrap_or_default();
            updates.push(Update {
                name,
                from: field("from")?.to_string(),
                to,
                gates: gates(field("category")?),
                fixes,
            });
        }
    }
    Ok(updates)
}

/// `--index-url` and `--extra-index-url` for uv and pip, from the plan's index settings.
pub fn installer_index_args(indexes: &[tend_index::IndexUrl]) -> Vec<String> {
    let mut args = Vec::new();
    for (position, index) in indexes.iter().enumerate() {
        args.push(if position == 0 {
            "--index-url".to_string()
        } else {
            "--extra-index-url".to_string()
        });
        args.push(index.url.to_string());
    }
    args
}

fn record_snapshot(store: &mut SqliteStore, project: &Path, snapshot: &Snapshot) -> Result<RunId> {
    let project = std::path::absolute(project).unwrap_or_else(|_| project.to_path_buf());
    let document = snapshot.to_json();
    let restore = snapshot.restore_requirements();
    let summary = serde_json::json!({
        "distributions": snapshot.distributions.len(),
        "files": snapshot.files.len(),
    });
    Ok(store.record_complete(&CompleteRun {
        run: NewRun {
            kind: RunKind::Snapshot,
            project,
            started_at: snapshot.taken,
            tend_version: env!("CARGO_PKG_VERSION").to_string(),
        },
        reports: &[("snapshot", &document)],
        renderings: &[("requirements", &restore)],
        finished_at: snapshot.taken,
        status: RunStatus::Success,
        summary: Some(&summary),
    })?)
}

fn record_update(
    store: &mut SqliteStore,
    journal: Option<RunId>,
    report: &UpdateReport,
    status: ExitStatus,
    renderings: &super::report::Renderings<'_>,
) -> Result<()> {
    let project = std::path::absolute(&report.project).unwrap_or_else(|_| report.project.clone());
    let summary = serde_json::json!({
        "updated": report.kept.len(),
        "held_back": report.held_back.len(),
        "trials": report.trials.len(),
        "snapshot": report.snapshot,
    });
    let finished_at = crate::settings::now()?.max(report.generated);
    let status = match status {
        ExitStatus::Success => RunStatus::Success,
        ExitStatus::Failure => RunStatus::Findings,
    };
    if let Some(id) = journal {
        // The apply's own run, started before the environment changed, now finished.
        for (kind, document) in renderings.report("update") {
            store.attach_report(id, kind, document)?;
        }
        for (format, text) in renderings.pairs() {
            store.attach_rendering(id, format, text)?;
        }
        store.finish_run(id, finished_at, status, Some(&summary))?;
        return Ok(());
    }
    store.record_complete(&CompleteRun {
        run: NewRun {
            kind: RunKind::Update,
            project,
            started_at: report.generated,
            tend_version: env!("CARGO_PKG_VERSION").to_string(),
        },
        reports: &renderings.report("update"),
        renderings: &renderings.pairs(),
        finished_at,
        status,
        summary: Some(&summary),
    })?;
    Ok(())
}

fn rewrite_one(copy: &FileCopy, changes: &[PinChange]) -> Result<Rewritten, WriteBackError> {
    let is_pyproject = copy
        .path
        .file_name()
        .is_some_and(|name| name == "pyproject.toml");
    if is_pyproject {
        tend_writeback::rewrite_pyproject(&copy.path, &copy.text, changes)
    } else {
        tend_writeback::rewrite_requirements(&copy.path, &copy.text, changes)
    }
}

/// Every snapshot file rewritten in memory, with its diff, and its new text (`None` when it
/// cannot take the change); nothing is written here.
fn rewrite(snapshot: &Snapshot, changes: &[PinChange]) -> (Vec<FileChange>, Vec<Option<String>>) {
    let mut file_changes = Vec::new();
    let mut texts = Vec::new();
    for copy in &snapshot.files {
        let mut change = FileChange {
            path: copy.path.clone(),
            edits: Vec::new(),
            written: false,
            error: None,
            diff: String::new(),
        };
        if changes.is_empty() {
            file_changes.push(change);
            texts.push(None);
            continue;
        }
        match rewrite_one(copy, changes) {
            Ok(rewritten) => {
                change.edits = rewritten
                    .edits
                    .iter()
                    .map(|edit| LineEdit {
                        line: edit.line,
                        name: edit.name.clone(),
                        from: edit.from.clone(),
                        to: edit.to.clone(),
                        hashes: edit.hashes,
                    })
                    .collect();
                change.diff = diff(&copy.path, &copy.text, &rewritten.text);
                texts.push(Some(rewritten.text));
            }
            Err(error) => {
                change.error = Some(error.to_string());
                texts.push(None);
            }
        }
        file_changes.push(change);
    }
    (file_changes, texts)
}

fn diff(path: &Path, old: &str, new: &str) -> String {
    if old == new {
        return String::new();
    }
    let name = path.display().to_string();
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .header(&format!("a/{name}"), &format!("b/{name}"))
        .to_string()
}
