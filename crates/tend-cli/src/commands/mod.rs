//! One module per subcommand: each calls the libraries and picks a renderer.

mod advisory_data;
mod approve;
mod audit;
mod check;
mod db;
mod download;
mod gc;
mod history;
mod init;
mod inventory;
mod jobs;
mod notify;
mod online;
mod outdated;
mod plan;
mod preflight;
mod report;
mod resolve;
mod rollback;
mod scan;
mod schedule;
mod update;

use anyhow::Result;

use crate::cli::{Cli, Command, DbCommand};
use crate::diagnostics::ExitStatus;

pub fn run(cli: Cli) -> Result<ExitStatus> {
    let config = cli.config.as_deref();
    let cache_dir = cli.cache_dir.as_deref();
    match cli.command {
        Command::Inventory(args) => inventory::run(&args, config, cli.store.as_deref()),
        Command::Check(args) => check::run(&args, config, cli.store.as_deref()),
        Command::Scan(args) => scan::run(&args, config, cache_dir, cli.store.as_deref()),
        Command::Audit(args) => audit::run(&args, config, cache_dir, cli.store.as_deref()),
        Command::Outdated(args) => outdated::run(&args, config, cache_dir, cli.store.as_deref()),
        Command::Plan(args) => plan::run(&args, config, cache_dir, cli.store.as_deref()),
        Command::Approve(args) => approve::run(&args, config, cache_dir, cli.store.as_deref()),
        Command::Update(args) => update::run(&args, config, cache_dir, cli.store.as_deref()),
        Command::Rollback(args) => rollback::run(&args, config, cache_dir, cli.store.as_deref()),
        Command::Init(args) => init::run(&args, config),
        Command::History(args) => history::run(&args, cli.store.as_deref()),
        Command::Report(args) => report::run(&args, cli.store.as_deref()),
        Command::Gc(args) => gc::run(&args, config, cli.store.as_deref()),
        Command::Notify { command } => notify::run(&command, config, cli.store.as_deref()),
        Command::Schedule { command } => {
            schedule::run(&command, config, cache_dir, cli.store.as_deref())
        }
        Command::Daemon(args) => schedule::daemon(&args, config, cache_dir, cli.store.as_deref()),
        Command::Status(args) => schedule::status(&args, config, cli.store.as_deref()),
        Command::Db { command } => match command {
            DbCommand::Update(args) => db::update(&args, config, cache_dir),
            DbCommand::Status(args) => db::status(&args, config, cache_dir),
        },
    }
}
