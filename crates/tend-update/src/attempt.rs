//! Trying updates: each set of updates is installed into a fresh trial environment on top of
//! the snapshot's exact set, checked for dependency consistency, and put through the gates its
//! updates' categories name. When the whole batch fails, the set of updates that break it is
//! found by [`crate::bisect`] and held back with the failing gate's output as the reason; the
//! rest is kept.
//!
//! Before blaming an update, the current versions are tried alone (the baseline): gates that
//! already fail without any update say nothing about the updates, so then every update is held
//! back with that reason. The deprecation gate compares with the baseline's warnings too, so
//! when a category names it the baseline runs first.
//!
//! Every trial is recorded ([`TrialRecord`]): which updates, the install, each gate with its
//! command, time and bounded output. Trial directories are removed when their trial ends.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::Duration;

use serde::Serialize;
use tend_check::{CheckKind, CheckOptions, CriticalImport};
use tend_inventory::{EnvironmentRequest, InventoryRequest, SourceSelection};
use tend_model::{PackageName, Severity, Version};
use tend_policy::{UpdatePolicy, BUILTIN_GATES, DEFAULT_TEST_COMMAND};

use crate::deprecations::{self, Warning};
use crate::snapshot::Snapshot;
use crate::trial::{self, Installer, Step, TrialEnv, TrialError};

/// One update to try.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Update {
    pub name: PackageName,
    pub from: String,
    pub to: Version,
    /// The gates of its category.
    pub gates: Vec<String>,
    /// The advisories it fixes, as `ID (severity)`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fixes: Vec<String>,
}

/// Where and how trials run.
#[derive(Debug, Clone, Copy)]
pub struct Setup<'a> {
    /// The interpreter trial environments are made from (the live environment's).
    pub base_python: &'a Path,
    /// Gates run from here (the project's tests import its code from the working directory).
    pub project: &'a Path,
    /// Trial environments are made under here, one directory per trial.
    pub scratch: &'a Path,
    pub installer: &'a Installer,
    /// `--index-url`, `--extra-index-url`, `--find-links`, `--no-index` for the installer:
    /// written into the requirements file (index URLs may hold a password); any other option
    /// is passed on the command line.
    pub index_args: &'a [String],
    pub policy: &'a UpdatePolicy,
    pub critical_imports: &'a [String],
    pub snapshot: &'a Snapshot,
    /// The installer's cache holds what the trials need: a resolution of the same packages
    /// (the plan's pre-flight, by the same uv) has just filled it. Trials then install from
    /// the cache first ([`trial::install_from_cache`]).
    pub cache_is_fresh: bool,
}

/// One command of a trial, as recorded.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepRecord {
    pub command: String,
    pub passed: bool,
    pub timed_out: bool,
    pub seconds: f64,
    pub output: String,
}

impl StepRecord {
    pub fn new(step: &Step) -> Self {
        Self {
            command: step.command.clone(),
            passed: step.passed(),
            timed_out: step.finished.timed_out(),
            seconds: step.finished.elapsed.as_secs_f64(),
            output: step.output(),
        }
    }
}

/// A new deprecation warning, as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeprecationRecord {
    /// The distribution that warned; absent for the project's own code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub package: Option<PackageName>,
    pub category: String,
    pub message: String,
    pub location: String,
}

/// One gate of one trial.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GateResult {
    pub gate: String,
    pub passed: bool,
    /// Why it failed, in one line (empty when it passed).
    pub reason: String,
    /// The command the gate ran, when it ran one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step: Option<StepRecord>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub deprecations: Vec<DeprecationRecord>,
}

/// One trial.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrialRecord {
    pub number: usize,
    /// The updates tried (none: the baseline).
    pub updates: Vec<PackageName>,
    pub install: StepRecord,
    pub gates: Vec<GateResult>,
    pub passed: bool,
}

impl TrialRecord {
    /// The first failure, for a held-back update's reason.
    pub fn failure(&self) -> Option<String> {
        if !self.install.passed {
            return Some(format!(
                "the install failed: {}",
                last_lines(&self.install.output, 12)
            ));
        }
        self.gates
            .iter()
            .find(|gate| !gate.passed)
            .map(|gate| format!("gate `{}` failed: {}", gate.gate, gate.reason))
    }
}

/// An update that was not kept, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HeldBack {
    pub update: Update,
    pub reason: String,
}

/// What trying the updates found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outcome {
    /// The updates that passed together.
    pub kept: Vec<Update>,
    pub held_back: Vec<HeldBack>,
    pub trials: Vec<TrialRecord>,
}

fn last_lines(text: &str, count: usize) -> String {
    let lines: Vec<&str> = text
        .lines()
        .filter(|line| !line.trim().is_empty())
        .collect();
    lines[lines.len().saturating_sub(count)..].join("\n")
}

/// The gates a set of updates must pass: built-in ones first in their fixed order, then custom
/// ones by name.
fn gates_of(updates: &[Update]) -> Vec<String> {
    let named: BTreeSet<&str> = updates
        .iter()
        .flat_map(|update| update.gates.iter().map(String::as_str))
        .collect();
    let mut gates: Vec<String> = BUILTIN_GATES
        .iter()
        .map(|(name, _)| *name)
        .filter(|name| named.contains(name))
        .map(str::to_string)
        .collect();
    gates.extend(
        named
            .iter()
            .filter(|name| !BUILTIN_GATES.iter().any(|(builtin, _)| builtin == *name))
            .map(|name| (*name).to_string()),
    );
    gates
}

const WARNINGS_SHOWN: &str =
    "default::DeprecationWarning,default::PendingDeprecationWarning,default::FutureWarning";

struct Runner<'a> {
    setup: Setup<'a>,
    /// The gates of the whole batch: every trial, the baseline too, runs the same ones, so that
    /// trials compare.
    gates: Vec<String>,
    trials: Vec<TrialRecord>,
    baseline_warnings: Option<Vec<Warning>>,
}

impl Runner<'_> {
    fn trial(&mut self, updates: &[Update]) -> Result<TrialRecord, TrialError> {
        let number = self.trials.len() + 1;
        let root = self.setup.scratch.join(format!("trial-{number}"));
        // A leftover of an earlier, killed run must not be mistaken for a fresh venv.
        let _ = fs_err::remove_dir_all(&root);
        let result = self.trial_in(number, &root, updates);
        let _ = fs_err::remove_dir_all(&root);
        let record = result?;
        self.trials.push(record.clone());
        Ok(record)
    }

    fn trial_in(
        &mut self,
        number: usize,
        root: &Path,
        updates: &[Update],
    ) -> Result<TrialRecord, TrialError> {
        let timeout = self.setup.policy.timeout;
        let (env, _) =
            trial::create_venv(self.setup.base_python, root, self.setup.installer, timeout)?;
        let changes: BTreeMap<PackageName, Version> = updates
            .iter()
            .map(|update| (update.name.clone(), update.to.clone()))
            .collect();
        let requirements = root.join("tend-requirements.txt");
        let (index_lines, argv) = trial::split_index_args(self.setup.index_args);
        let text = index_lines + &self.setup.snapshot.requirements_with(&changes);
        fs_err::write(&requirements, text).map_err(|source| TrialError::Spawn {
            command: format!("write {}", requirements.display()),
            source,
        })?;
        let install = if self.setup.cache_is_fresh {
            trial::install_from_cache(&env, &requirements, &argv, self.setup.installer, timeout)?
        } else {
            trial::install(&env, &requirements, &argv, self.setup.installer, timeout)?
        };
        let mut record = TrialRecord {
            number,
            updates: updates.iter().map(|update| update.name.clone()).collect(),
            install: StepRecord::new(&install),
            gates: Vec::new(),
            passed: false,
        };
        if !install.passed() {
            return Ok(record);
        }
        record.gates.push(self.consistency(&env));
        let gates = self.gates.clone();
        let mut tests_run: Option<(Step, Vec<Warning>)> = None;
        for gate in &gates {
            let result = match gate.as_str() {
                "tests" | "deprecations" => {
                    if tests_run.is_none() {
                        tests_run = Some(self.tests(&env)?);
                    }
                    let Some((step, warnings)) = &tests_run else {
                        continue;
                    };
                    if gate == "tests" {
                        command_result(gate, step)
                    } else {
                        self.deprecation_result(updates, warnings)
                    }
                }
                "imports" => self.engine(&env, gate, CheckKind::Imports),
                "integrity" => self.engine(&env, gate, CheckKind::Integrity),
                custom => match self.setup.policy.gate(custom) {
                    Some(definition) => {
                        let step = trial::run_in(
                            &env,
                            &definition.command,
                            self.setup.project,
                            &[],
                            definition.timeout.unwrap_or(timeout),
                        )?;
                        command_result(gate, &step)
                    }
                    None => GateResult {
                        gate: gate.clone(),
                        passed: false,
                        reason: "no such gate in the policy".to_string(),
                        step: None,
                        deprecations: Vec::new(),
                    },
                },
            };
            record.gates.push(result);
        }
        record.passed = record.gates.iter().all(|gate| gate.passed);
        if updates.is_empty() {
            self.baseline_warnings = tests_run.map(|(_, warnings)| warnings);
        }
        Ok(record)
    }

    /// The test command, with deprecation warnings shown, and the warnings it printed.
    fn tests(&self, env: &TrialEnv) -> Result<(Step, Vec<Warning>), TrialError> {
        let argv: Vec<String> = match &self.setup.policy.test_command {
            Some(command) => command.value.clone(),
            None => DEFAULT_TEST_COMMAND
                .iter()
                .map(ToString::to_string)
                .collect(),
        };
        let step = trial::run_in(
            env,
            &argv,
            self.setup.project,
            &[("PYTHONWARNINGS", WARNINGS_SHOWN)],
            self.setup.policy.timeout,
        )?;
        let warnings = match env.site_packages() {
            Some(site_packages) => {
                let owners = deprecations::owners(&site_packages);
                deprecations::parse(&step.output(), &site_packages, &owners)
            }
            None => Vec::new(),
        };
        Ok((step, warnings))
    }

    fn deprecation_result(&self, updates: &[Update], warnings: &[Warning]) -> GateResult {
        let baseline = self.baseline_warnings.as_deref().unwrap_or_default();
        let new = if updates.is_empty() {
            BTreeMap::new()
        } else {
            deprecations::introduced(baseline, warnings)
        };
        let records: Vec<DeprecationRecord> = new
            .values()
            .flatten()
            .map(|warning| DeprecationRecord {
                package: warning.package.clone(),
                category: warning.category.clone(),
                message: warning.message.clone(),
                location: warning.location.clone(),
            })
            .collect();
        let reason = records
            .iter()
            .map(|record| {
                format!(
                    "{}: {}: {}",
                    record
                        .package
                        .as_ref()
                        .map_or("the project's code", AsRef::as_ref),
                    record.category,
                    record.message
                )
            })
            .collect::<Vec<_>>()
            .join("; ");
        GateResult {
            gate: "deprecations".to_string(),
            passed: records.is_empty(),
            reason: if records.is_empty() {
                String::new()
            } else {
                format!("new deprecation warnings: {reason}")
            },
            step: None,
            deprecations: records,
        }
    }

    /// The trial's dependency consistency, as `tend check --select requirements` sees it.
    fn consistency(&self, env: &TrialEnv) -> GateResult {
        self.engine(env, "check", CheckKind::Requirements)
    }

    /// One check of the `tend check` engine on the trial environment: errors fail the gate.
    fn engine(&self, env: &TrialEnv, gate: &str, kind: CheckKind) -> GateResult {
        let failed = |reason: String| GateResult {
            gate: gate.to_string(),
            passed: false,
            reason,
            step: None,
            deprecations: Vec::new(),
        };
        let inventory = match tend_inventory::load(&InventoryRequest {
            project: self.setup.project.to_path_buf(),
            environment: Some(EnvironmentRequest::Venv(env.root.clone())),
            sources: SourceSelection::Files {
                files: Vec::new(),
                requirements: Vec::new(),
            },
            ..InventoryRequest::default()
        }) {
            Ok(inventory) => inventory,
            Err(error) => return failed(format!("cannot read the trial environment: {error}")),
        };
        let options = CheckOptions {
            select: [kind].into_iter().collect(),
            critical_imports: self
                .setup
                .critical_imports
                .iter()
                .map(CriticalImport::new)
                .collect(),
            import_timeout: self.setup.policy.timeout.min(Duration::from_secs(600)),
            ..CheckOptions::default()
        };
        let report = tend_check::check(&inventory, &options);
        let errors: Vec<String> = report
            .findings
            .iter()
            .filter(|finding| finding.severity == Severity::Error)
            .map(|finding| finding.message.clone())
            .collect();
        if errors.is_empty() {
            GateResult {
                gate: gate.to_string(),
                passed: true,
                reason: String::new(),
                step: None,
                deprecations: Vec::new(),
            }
        } else {
            failed(errors.join("; "))
        }
    }
}

fn command_result(gate: &str, step: &Step) -> GateResult {
    let reason = if step.passed() {
        String::new()
    } else if step.finished.timed_out() {
        format!(
            "`{}` did not finish within {} s and was stopped",
            step.command,
            step.finished.elapsed.as_secs()
        )
    } else {
        let code = step
            .finished
            .status
            .and_then(|status| status.code())
            .map_or_else(
                || "a signal".to_string(),
                |code| format!("exit code {code}"),
            );
        format!(
            "`{}` ended with {code}:\n{}",
            step.command,
            last_lines(&step.output(), 20)
        )
    };
    GateResult {
        gate: gate.to_string(),
        passed: step.passed(),
        reason,
        step: Some(StepRecord::new(step)),
        deprecations: Vec::new(),
    }
}

/// Tries `updates` (most urgent first: when two fail only together, the later one is held
/// back) and keeps what passes.
pub fn try_updates(setup: Setup<'_>, updates: &[Update]) -> Result<Outcome, TrialError> {
    let mut runner = Runner {
        setup,
        gates: gates_of(updates),
        trials: Vec::new(),
        baseline_warnings: None,
    };
    if updates.is_empty() {
        return Ok(Outcome {
            kept: Vec::new(),
            held_back: Vec::new(),
            trials: Vec::new(),
        });
    }
    let mut baseline_done = false;
    let baseline = |runner: &mut Runner<'_>| -> Result<Option<String>, TrialError> {
        let record = runner.trial(&[])?;
        Ok((!record.passed).then(|| {
            record
                .failure()
                .unwrap_or_else(|| "the baseline failed".to_string())
        }))
    };
    let hold_all = |reason: &str, runner: Runner<'_>| Outcome {
        kept: Vec::new(),
        held_back: updates
            .iter()
            .map(|update| HeldBack {
                update: update.clone(),
                reason: format!("the gates fail without any update ({reason}); fix them first"),
            })
            .collect(),
        trials: runner.trials,
    };
    if runner.gates.iter().any(|gate| gate == "deprecations") {
        baseline_done = true;
        if let Some(reason) = baseline(&mut runner)? {
            return Ok(hold_all(&reason, runner));
        }
    }
    let batch = runner.trial(updates)?;
    if batch.passed {
        return Ok(Outcome {
            kept: updates.to_vec(),
            held_back: Vec::new(),
            trials: runner.trials,
        });
    }
    if !baseline_done {
        if let Some(reason) = baseline(&mut runner)? {
            return Ok(hold_all(&reason, runner));
        }
    }
    let failure = batch.failure().unwrap_or_default();
    // Trial errors (a venv that cannot be made) stop the search: they are not the updates'.
    let mut error: Option<TrialError> = None;
    let isolation = crate::bisect::isolate(updates, failure, &mut |set: &[Update]| {
        if error.is_some() {
            return Err("not tried: an earlier trial could not run".to_string());
        }
        match runner.trial(set) {
            Ok(record) if record.passed => Ok(()),
            Ok(record) => Err(record.failure().unwrap_or_default()),
            Err(trial_error) => {
                let message = trial_error.to_string();
                error = Some(trial_error);
                Err(message)
            }
        }
    });
    if let Some(error) = error {
        return Err(error);
    }
    Ok(Outcome {
        kept: isolation.kept,
        held_back: isolation
            .held_back
            .into_iter()
            .map(|(update, reason)| HeldBack { update, reason })
            .collect(),
        trials: runner.trials,
    })
}
