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
    pub output: OutputArgs,
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
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    #[command(flatten)]
    pub project: ProjectArgs,
    #[command(flatten)]
    pub selection: CheckSelection,
    #[command(flatten)]
    pub output: OutputArgs,
}
