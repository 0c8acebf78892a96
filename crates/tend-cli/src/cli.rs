//! Command-line definitions. The doc comments are the `--help` text.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Keeps the dependencies of Python services patched on a written policy, without breaking them.
#[derive(Debug, Parser)]
#[command(name = "tend", version, propagate_version = true, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,

    /// Read the policy from this file (a tend.toml, or a pyproject.toml with [tool.tend])
    /// instead of the project's own.
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Keep downloaded and derived data here [default: $TEND_CACHE_DIR, else
    /// $XDG_CACHE_HOME/tend, else ~/.cache/tend].
    #[arg(long, global = true, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,

    /// The history database [default: $XDG_STATE_HOME/tend/history.sqlite3, else
    /// ~/.local/state/tend/history.sqlite3].
    #[arg(long, global = true, value_name = "PATH")]
    pub store: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run every stage on the project and print a short summary: the job to run first, and the
    /// one to schedule.
    Scan(ScanArgs),
    /// Show what the project uses: installed distributions and every declaration, merged.
    Inventory(InventoryArgs),
    /// Check dependency health: unmet requirements, drift, unpinned production requirements,
    /// modified installed files, critical imports, version rules.
    Check(CheckArgs),
    /// Find known vulnerabilities (OSV advisories) in what the project installs and pins.
    Audit(AuditArgs),
    /// Show which packages have newer releases on the package index, which release the update
    /// strategy allows, and which packages the index does not know.
    Outdated(OutdatedArgs),
    /// Plan the updates: per category, in priority order, each with its target, the advisories
    /// it fixes, its due date, risk and the command that applies it; deferred updates; a summary.
    Plan(PlanArgs),
    /// Record who approved a saved plan (`tend plan --save`), after checking that its inputs
    /// (environment, pins, advisories, index data) are still what the plan was made from.
    Approve(ApproveArgs),
    /// Try the planned updates in a fresh virtualenv, hold back the ones that break the gates
    /// (found by bisection), and write the new pins into the requirement files. The
    /// environment and the files are snapshot in the history store first.
    Update(UpdateArgs),
    /// Put the environment and the requirement files back as a snapshot had them (the newest
    /// of the project by default), then check that the installed set equals the snapshot.
    Rollback(RollbackArgs),
    /// Write a commented starting policy: `tend.toml` in the project, or the file `--config`
    /// names.
    Init(InitArgs),
    /// Show the runs of tend kept in the history store, newest first, or one of them with its
    /// reports (`tend history show ID`).
    History(HistoryArgs),
    /// Print a recorded run's output again, exactly as it was produced, in any format the run
    /// kept (the newest run by default).
    Report(ReportArgs),
    /// Send a test message to every notification channel of the policy and say which worked.
    Notify {
        #[command(subcommand)]
        command: NotifyCommand,
    },
    /// Run one of the policy's schedules now (`tend schedule run NAME`), or write the schedules
    /// out for cron, systemd, GitHub Actions or Dependabot (`tend schedule export`).
    Schedule {
        #[command(subcommand)]
        command: ScheduleCommand,
    },
    /// Run the policy's schedules (or the defaults) as they fall due, catching up once on
    /// what was missed while it was down; SIGTERM stops it after the running job.
    Daemon(DaemonArgs),
    /// Show each schedule's last run, its outcome, its next run and whether it is late.
    Status(StatusArgs),
    /// Remove runs, schedule runs and notifications older than the retention (`[retention]
    /// keep`, default 90 days) from the history store; never what a rollback may still need.
    Gc(GcArgs),
    /// Manage the local advisory database.
    Db {
        #[command(subcommand)]
        command: DbCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum NotifyCommand {
    /// Send a test message to every channel in `[notify.channels]`; exit 1 when one failed.
    Test(NotifyTestArgs),
}

#[derive(Debug, Args)]
pub struct NotifyTestArgs {
    /// The project whose policy names the channels [default: the current directory].
    #[arg(long, value_name = "DIR")]
    pub project: Option<PathBuf>,

    /// Print the deliveries as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum ScheduleCommand {
    /// Run one schedule's job now, record it and send its notifications (what crontab lines
    /// and systemd units from `tend schedule export` run).
    Run(ScheduleRunArgs),
    /// Write the schedules as crontab lines, systemd units, a GitHub Actions workflow or a
    /// Dependabot config.
    Export(ScheduleExportArgs),
}

#[derive(Debug, Args)]
pub struct ScheduleRunArgs {
    /// The schedule's name (`tend status` lists them).
    #[arg(value_name = "NAME")]
    pub name: String,

    /// The project directory [default: the current directory].
    #[arg(long, value_name = "DIR")]
    pub project: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ScheduleExportArgs {
    /// What to write.
    #[arg(long, value_enum)]
    pub format: ScheduleExportFormat,

    /// The project directory [default: the current directory].
    #[arg(long, value_name = "DIR")]
    pub project: Option<PathBuf>,

    /// The tend binary the crontab lines and units run [default: this one].
    #[arg(long, value_name = "PATH")]
    pub tend: Option<PathBuf>,

    /// Write the files into this directory instead of printing them.
    #[arg(short, long, value_name = "DIR")]
    pub output: Option<PathBuf>,

    /// GitHub Actions: the shell command that installs tend on the runner.
    #[arg(
        long,
        value_name = "COMMAND",
        default_value = "cargo install --locked tend"
    )]
    pub install_command: String,

    /// Dependabot: the project's directory inside the repository.
    #[arg(long, value_name = "DIR", default_value = "/")]
    pub directory: String,
}

/// What `tend schedule export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ScheduleExportFormat {
    Crontab,
    Systemd,
    GithubActions,
    Dependabot,
}

#[derive(Debug, Args)]
pub struct DaemonArgs {
    /// The project directory [default: the current directory].
    #[arg(long, value_name = "DIR")]
    pub project: Option<PathBuf>,

    /// Look once: run what is due (and what was missed), then exit.
    #[arg(long)]
    pub once: bool,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// The project directory [default: the current directory].
    #[arg(long, value_name = "DIR")]
    pub project: Option<PathBuf>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = StatusFormat::Table)]
    pub format: StatusFormat,
}

/// What `tend status` prints in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StatusFormat {
    Table,
    Json,
}

#[derive(Debug, Args)]
pub struct GcArgs {
    /// Keep this much history (`90d`, `12w`) [default: the policy's `[retention] keep`, else
    /// 90 days].
    #[arg(long, value_name = "DURATION")]
    pub keep: Option<String>,

    /// The project whose policy gives the retention [default: the current directory].
    #[arg(long, value_name = "DIR")]
    pub project: Option<PathBuf>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = GcFormat::Table)]
    pub format: GcFormat,
}

/// What `tend gc` prints in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GcFormat {
    Table,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// Download or re-read the advisory sources and rebuild the local index. A failed or
    /// corrupt download never replaces the database already there.
    Update(DbUpdateArgs),
    /// Show the sources of the local database, their size and how old they are.
    Status(DbStatusArgs),
}

#[derive(Debug, Args)]
pub struct DbUpdateArgs {
    /// An OSV zip archive URL, or a local directory, zip archive or file of OSV records
    /// (repeatable) [default: the policy's `advisories.sources`, else OSV's PyPI archive].
    #[arg(long = "source", value_name = "URL|PATH")]
    pub sources: Vec<String>,
}

#[derive(Debug, Args)]
pub struct DbStatusArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// Where advisories come from for one run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Service {
    /// The local database (`tend db update`) and the policy's `advisories.sources`.
    Local,
    /// The OSV API (`/v1/querybatch`, then `/v1/vulns/{id}`).
    Osv,
    /// PyPI's JSON API (`/pypi/<name>/<version>/json`, field `vulnerabilities`).
    Pypi,
}

#[derive(Debug, Args)]
pub struct AdvisoryArgs {
    /// Audit against these OSV records (a directory, zip archive or file; repeatable) instead
    /// of the local database. They are indexed once in the cache directory.
    #[arg(long = "advisories", value_name = "PATH")]
    pub advisories: Vec<PathBuf>,

    /// Where advisories come from.
    #[arg(long, value_enum, default_value_t = Service::Local)]
    pub service: Service,

    /// The OSV API endpoint for `--service osv`.
    #[arg(long, value_name = "URL", default_value = "https://api.osv.dev")]
    pub osv_url: String,

    /// The PyPI JSON API base for `--service pypi`.
    #[arg(long, value_name = "URL", default_value = "https://pypi.org")]
    pub pypi_url: String,

    /// Use only data already on this machine: the local database, or cached online answers.
    #[arg(long)]
    pub offline: bool,
}

/// The lowest severity that makes `tend audit` exit with status 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, ValueEnum)]
pub enum AuditFailOn {
    /// Any finding, including those of unknown severity.
    Any,
    Low,
    Medium,
    High,
    Critical,
    /// Never fail because of findings.
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    Table,
    Json,
    Markdown,
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    #[command(flatten)]
    pub project: ProjectArgs,

    #[command(flatten)]
    pub advisories: AdvisoryArgs,

    /// Resolve declarations that allow more than one version with uv, and audit the result.
    #[arg(long)]
    pub resolve: bool,

    /// Exit with status 1 when any package could not be audited, or the advisory database is
    /// older than the policy's `advisories.max-age`.
    #[arg(long)]
    pub strict: bool,

    /// Exit with status 1 when a finding is at least this severe.
    #[arg(long, value_enum, default_value_t = AuditFailOn::Any)]
    pub fail_on: AuditFailOn,

    /// Output format.
    #[arg(long, value_enum, default_value_t = AuditFormat::Table)]
    pub format: AuditFormat,

    /// Write the output to this file instead of standard output (replaced atomically).
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// The formats of `tend audit`: the common ones, and the two standard ones only an audit
/// fills (SARIF for code scanning, a CycloneDX SBOM with its vulnerabilities).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AuditFormat {
    Table,
    Json,
    Markdown,
    /// SARIF 2.1.0, for code-scanning uploads.
    Sarif,
    /// A CycloneDX 1.6 JSON SBOM of the environment, with the findings as vulnerabilities.
    Cyclonedx,
}

/// Where the project is and which of its sources to read.
#[derive(Debug, Args)]
pub struct ProjectArgs {
    /// The project directory [default: the current directory].
    #[arg(value_name = "PROJECT")]
    pub project: Option<PathBuf>,

    /// Read this virtual environment instead of the detected one.
    #[arg(long, value_name = "DIR", conflicts_with_all = ["python", "no_environment"])]
    pub venv: Option<PathBuf>,

    /// Read the environment of this Python interpreter.
    #[arg(long, value_name = "PYTHON", conflicts_with = "no_environment")]
    pub python: Option<PathBuf>,

    /// Read declarations only; ignore any installed environment.
    #[arg(long)]
    pub no_environment: bool,

    /// Read this pip requirements file, whatever its name (repeatable). Turns off discovery.
    #[arg(short = 'r', long = "requirement", value_name = "FILE")]
    pub requirements: Vec<PathBuf>,

    /// Read this declaration file: requirements*.txt, pyproject.toml, uv.lock, poetry.lock,
    /// Pipfile.lock, pdm.lock or pylock.toml (repeatable). Turns off discovery.
    #[arg(long = "source", value_name = "FILE")]
    pub sources: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,

    /// Write the output to this file instead of standard output (replaced atomically).
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Json,
}

#[derive(Debug, Args)]
pub struct InventoryArgs {
    #[command(flatten)]
    pub project: ProjectArgs,
    #[command(flatten)]
    pub output: InventoryOutputArgs,
}

#[derive(Debug, Args)]
pub struct InventoryOutputArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = InventoryFormat::Table)]
    pub format: InventoryFormat,

    /// Write the output to this file instead of standard output (replaced atomically).
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// The formats of `tend inventory`: the common ones, and the environment as an SBOM.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InventoryFormat {
    Table,
    Json,
    Markdown,
    /// A CycloneDX 1.6 JSON SBOM of the environment (no vulnerabilities: see `tend audit`).
    Cyclonedx,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, ValueEnum)]
pub enum CheckKindArg {
    /// Unmet and conflicting requirements of installed distributions (as `pip check`).
    Requirements,
    /// Declared pins that differ from what is installed; declared but not installed.
    Drift,
    /// Unpinned or loosely pinned requirements in production files.
    Pins,
    /// Installed files compared with their RECORD hashes.
    Integrity,
    /// Critical imports from the policy.
    Imports,
    /// Version rules from the policy.
    Rules,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, ValueEnum)]
pub enum FailOn {
    Note,
    Warning,
    Error,
    /// Never fail because of findings.
    Never,
}

#[derive(Debug, Args)]
pub struct CheckSelection {
    /// Run only these checks (comma-separated).
    #[arg(long, value_enum, value_delimiter = ',', value_name = "CHECK")]
    pub select: Vec<CheckKindArg>,

    /// Skip these checks (comma-separated).
    #[arg(long, value_enum, value_delimiter = ',', value_name = "CHECK")]
    pub skip: Vec<CheckKindArg>,

    /// Exit with status 1 when a finding is at least this severe.
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    pub fail_on: FailOn,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub project: ProjectArgs,
    #[command(flatten)]
    pub selection: CheckSelection,
    #[command(flatten)]
    pub output: CheckOutputArgs,
}

#[derive(Debug, Args)]
pub struct CheckOutputArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = CheckFormat::Table)]
    pub format: CheckFormat,

    /// Write the output to this file instead of standard output (replaced atomically).
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// The formats of `tend check`: the common ones, and SARIF for code scanning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    Table,
    Json,
    Markdown,
    /// SARIF 2.1.0, for code-scanning uploads.
    Sarif,
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    #[command(flatten)]
    pub project: ProjectArgs,
    #[command(flatten)]
    pub selection: CheckSelection,
    #[command(flatten)]
    pub output: ScanOutputArgs,
}

#[derive(Debug, Args)]
pub struct ScanOutputArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = ScanFormat::Table)]
    pub format: ScanFormat,

    /// Write the output to this file instead of standard output (replaced atomically).
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// The formats of `tend plan`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PlanFormat {
    Table,
    Json,
    /// An update summary for a ticket or a pull request: phases, fixes, deadlines, commands.
    Markdown,
}

/// The formats of `tend scan`: the common ones, and a self-contained HTML page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ScanFormat {
    Table,
    Json,
    /// One HTML file with its own style and no script, readable offline and on a phone.
    Html,
    /// The summary for a ticket or a pull request: one section per stage, and the next step.
    Markdown,
}

/// How far `tend outdated` looks for an allowed update.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StrategyArg {
    /// Same major and minor version (1.4.2 -> 1.4.9).
    Patch,
    /// Same major version (1.4.2 -> 1.9.0).
    Minor,
    /// Any newer version.
    Major,
}

/// Which package indexes to ask. Without these flags, tend reads the settings pip and uv users
/// already have: the policy's `[index]` table, `UV_INDEX_URL`, `PIP_INDEX_URL`, `--index-url`
/// in requirements files and `pip.conf` (docs/configuration.md gives the order).
#[derive(Debug, Args, Default)]
pub struct IndexArgs {
    /// The primary package index: a simple repository API URL (PEP 503 / 691), or a local
    /// directory holding one page per project. Credentials may be written in the URL; they are
    /// never printed.
    #[arg(long, value_name = "URL|DIR")]
    pub index_url: Option<String>,

    /// Another index to ask as well (repeatable).
    #[arg(long = "extra-index-url", value_name = "URL|DIR")]
    pub extra_index_urls: Vec<String>,

    /// Ask only the indexes given on this command line (`--index-url`, `--extra-index-url`);
    /// every other index setting is ignored.
    #[arg(long)]
    pub no_index: bool,
}

#[derive(Debug, Args)]
pub struct OutdatedArgs {
    #[command(flatten)]
    pub project: ProjectArgs,

    #[command(flatten)]
    pub index: IndexArgs,

    /// Consider pre-releases for every package (they are otherwise considered only for a
    /// package whose current version is one).
    #[arg(long)]
    pub pre: bool,

    /// The largest change an update may make, for the "allowed" column, for every package
    /// [default: each package's category's strategy when the policy has categories, else
    /// major].
    #[arg(long, value_enum)]
    pub strategy: Option<StrategyArg>,

    /// Skip releases uploaded less than this long ago, e.g. `3d`, `12h`, `2w` (units: m, h, d,
    /// w).
    #[arg(long, value_name = "DURATION", value_parser = parse_min_age)]
    pub min_age: Option<std::time::Duration>,

    /// Answer from the cache alone, whatever its age; say how old it is.
    #[arg(long)]
    pub offline: bool,

    /// Ask the index again even for cached pages that are still fresh (conditionally, so an
    /// unchanged page costs no body).
    #[arg(long, conflicts_with = "offline")]
    pub refresh: bool,

    /// Exit with status 1 when a package is unknown to every index or could not be checked.
    #[arg(long)]
    pub strict: bool,

    /// Output format.
    #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
    pub format: ReportFormat,

    /// Write the output to this file instead of standard output (replaced atomically).
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// `--min-age`: the policy's durations, so the flag and the file read alike.
fn parse_min_age(text: &str) -> Result<std::time::Duration, String> {
    tend_policy::parse_duration(text)
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// The project directory [default: the current directory].
    #[arg(value_name = "PROJECT")]
    pub project: Option<PathBuf>,

    /// Write a policy made for this kind of project instead of a commented skeleton.
    #[arg(long, value_enum, value_name = "PRESET")]
    pub preset: Option<PresetArg>,

    /// Replace an existing `tend.toml`.
    #[arg(long)]
    pub force: bool,
}

/// The policies `tend init --preset` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PresetArg {
    /// A Flask service handling payments: critical packages within 24 hours, the Flask
    /// ecosystem within a week, banking libraries within two weeks, supporting libraries
    /// monthly, the rest quarterly.
    WebService,
}

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct HistoryArgs {
    #[command(subcommand)]
    pub command: Option<HistoryCommand>,

    /// Only runs of this kind: inventory, check, audit, outdated, scan, plan, approval,
    /// snapshot, update or rollback.
    #[arg(long, value_name = "KIND", value_parser = parse_run_kind)]
    pub kind: Option<tend_store::RunKind>,

    /// Show at most this many runs (the newest).
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub limit: usize,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Debug, Subcommand)]
pub enum HistoryCommand {
    /// Show one run: when, how it ended, its summary, approvals and the reports it kept.
    Show(HistoryShowArgs),
}

#[derive(Debug, Args)]
pub struct HistoryShowArgs {
    /// The run's number, as `tend history` lists it.
    #[arg(value_name = "ID")]
    pub id: i64,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The run's number, as `tend history` lists it [default: the newest run].
    #[arg(value_name = "RUN")]
    pub run: Option<i64>,

    /// Without RUN, the newest run of this kind: inventory, check, audit, outdated, scan, plan,
    /// approval, snapshot, update or rollback.
    #[arg(long, value_name = "KIND", value_parser = parse_run_kind, conflicts_with = "run")]
    pub kind: Option<tend_store::RunKind>,

    /// Without RUN, the newest run on this project directory.
    #[arg(long, value_name = "DIR", conflicts_with = "run")]
    pub project: Option<PathBuf>,

    /// Output format; the run must have kept it (if not, the error lists the formats it kept).
    #[arg(long, value_enum, default_value_t = RecordedFormat::Table)]
    pub format: RecordedFormat,

    /// Write the output to this file instead of standard output (replaced atomically).
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// The formats a run's output can be kept in; each command keeps those it can print.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RecordedFormat {
    Table,
    Json,
    Markdown,
    /// One self-contained HTML page (`tend scan`).
    Html,
    /// SARIF 2.1.0 (`tend check`, `tend audit`).
    Sarif,
    /// A CycloneDX 1.6 JSON SBOM (`tend inventory`, `tend audit`).
    Cyclonedx,
}

/// `--kind`: the store's own names, so the flag and the listing agree.
fn parse_run_kind(text: &str) -> Result<tend_store::RunKind, String> {
    text.parse()
}

#[derive(Debug, Args)]
pub struct PlanArgs {
    #[command(flatten)]
    pub project: ProjectArgs,

    #[command(flatten)]
    pub index: IndexArgs,

    /// Answer from the index cache alone, whatever its age.
    #[arg(long)]
    pub offline: bool,

    /// Ask the index again even for cached pages that are still fresh.
    #[arg(long, conflicts_with = "offline")]
    pub refresh: bool,

    /// Output format.
    #[arg(long, value_enum, default_value_t = PlanFormat::Table)]
    pub format: PlanFormat,

    /// Write the output to this file instead of standard output (replaced atomically).
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Record the plan and the fingerprint of its inputs in the history store, for
    /// `tend approve`.
    #[arg(long)]
    pub save: bool,

    /// Skip the pre-flight resolution check (resolving the items to apply now with uv, found
    /// through TEND_UV or on PATH).
    #[arg(long)]
    pub no_preflight: bool,
}

#[derive(Debug, Args)]
pub struct ApproveArgs {
    /// The saved plan's number, as `tend plan --save` printed it.
    #[arg(value_name = "PLAN")]
    pub plan: i64,

    /// Who approves the plan.
    #[arg(long, value_name = "NAME")]
    pub by: String,

    /// Why, or on what condition.
    #[arg(long, value_name = "TEXT")]
    pub comment: Option<String>,

    /// The project and the sources to read, as given to `tend plan` [default: the saved
    /// plan's project].
    #[command(flatten)]
    pub project: ProjectArgs,

    #[command(flatten)]
    pub index: IndexArgs,

    /// Answer from the index cache alone, whatever its age.
    #[arg(long)]
    pub offline: bool,
}

#[derive(Debug, Args)]
pub struct UpdateArgs {
    /// Update only these packages (of the plan's items to apply now).
    #[arg(value_name = "PACKAGE", conflicts_with_all = ["phase", "plan"])]
    pub packages: Vec<String>,

    /// Update only the items of this category's phase.
    #[arg(long, value_name = "CATEGORY", conflicts_with = "plan")]
    pub phase: Option<String>,

    /// Update the items of this saved plan (`tend plan --save`) instead of a new plan.
    #[arg(long, value_name = "ID")]
    pub plan: Option<i64>,

    /// The project directory [default: the current directory].
    #[arg(long, value_name = "DIR")]
    pub project: Option<PathBuf>,

    /// The virtual environment to update [default: the project's].
    #[arg(long, value_name = "DIR", conflicts_with = "python")]
    pub venv: Option<PathBuf>,

    /// The environment of this Python interpreter.
    #[arg(long, value_name = "PYTHON")]
    pub python: Option<PathBuf>,

    /// Read and rewrite this pip requirements file, whatever its name (repeatable). Turns off
    /// discovery.
    #[arg(short = 'r', long = "requirement", value_name = "FILE")]
    pub requirements: Vec<PathBuf>,

    #[command(flatten)]
    pub index: IndexArgs,

    /// Answer from the index cache alone, whatever its age.
    #[arg(long)]
    pub offline: bool,

    /// Run the trials and print the diff of the requirement files; write nothing, record
    /// nothing.
    #[arg(long, conflicts_with = "apply")]
    pub dry_run: bool,

    /// Also apply the kept updates to the environment: the policy's pre-apply hooks, the
    /// install, the post-apply hooks, then its health URL; any failure rolls the environment
    /// and the files back to the snapshot.
    #[arg(long)]
    pub apply: bool,

    /// Output format.
    #[arg(long, value_enum, default_value_t = UpdateFormat::Table)]
    pub format: UpdateFormat,

    /// Write the output to this file instead of standard output (replaced atomically).
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// The formats of `tend update`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum UpdateFormat {
    Table,
    Json,
    /// An update summary, like a team's update log.
    Markdown,
}

#[derive(Debug, Args)]
pub struct RollbackArgs {
    /// The snapshot's run number (`tend history --kind snapshot`) [default: the project's
    /// newest].
    #[arg(value_name = "SNAPSHOT")]
    pub snapshot: Option<i64>,

    /// The project directory [default: the current directory].
    #[arg(long, value_name = "DIR")]
    pub project: Option<PathBuf>,

    #[command(flatten)]
    pub index: IndexArgs,
}
