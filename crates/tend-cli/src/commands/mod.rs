//! One module per subcommand: each calls the libraries and picks a renderer.

mod check;
mod inventory;
mod scan;

use anyhow::Result;

use crate::cli::{Cli, Command};
use crate::diagnostics::ExitStatus;

pub fn run(cli: Cli) -> Result<ExitStatus> {
    let config = cli.config.as_deref();
    match cli.command {
        Command::Inventory(args) => inventory::run(&args, config),
        Command::Check(args) => check::run(&args, config),
        Command::Scan(args) => scan::run(&args, config),
    }
}
