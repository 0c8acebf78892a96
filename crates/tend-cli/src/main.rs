//! The `tend` binary: parse arguments, run the command, map the outcome to an exit code.

// The binary is where output reaches the terminal; libraries never print.
#![allow(clippy::print_stderr, clippy::print_stdout)]

mod cli;
mod commands;
mod diagnostics;
mod output;
mod settings;

use std::process::ExitCode;

use clap::Parser;

// An audit decodes and drops many small values (versions, ids); mimalloc makes that a third
// cheaper than the system allocator (see bench/RESULTS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    match commands::run(cli) {
        Ok(status) => status.into(),
        Err(error) => diagnostics::report_error(&error),
    }
}
