//! Times the local advisory database as the CLI uses it, one operation per process run:
//!
//! ```text
//! database_timing update ROOT SOURCE        add or refresh SOURCE (directory, zip, file)
//! database_timing load ROOT DIR COUNT       load COUNT names: DIR's subdirectory names (the
//!                                           PyPA layout), then made-up names up to COUNT
//! database_timing adhoc ROOT SOURCE COUNT   `--advisories SOURCE`: check the ad-hoc index and load
//! ```
//!
//! Run it in release mode; the times printed are measured inside the process, the whole
//! process is best timed from outside (`hyperfine`, `time`).
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::str::FromStr;
use std::time::Instant;

use jiff::Timestamp;
use tend_advisory::Database;
use tend_model::PackageName;

fn names(directory: &Path, count: usize) -> Vec<PackageName> {
    let mut names: Vec<PackageName> = fs_err::read_dir(directory)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|entry| entry.path().is_dir())
        .filter_map(|entry| PackageName::from_str(&entry.file_name().to_string_lossy()).ok())
        .take(count)
        .collect();
    let mut filler = 0;
    while names.len() < count {
        if let Ok(name) = PackageName::from_str(&format!("no-such-package-{filler}")) {
            names.push(name);
        }
        filler += 1;
    }
    names
}

fn main() -> ExitCode {
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    let now = Timestamp::now();
    let started = Instant::now();
    let result = match arguments.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["update", root, source] => Database::open(Path::new(root))
            .and_then(|mut database| database.update_path(Path::new(source), now))
            .map(|outcome| format!("{outcome}")),
        ["load", root, directory, count] => {
            let names = names(Path::new(directory), count.parse().unwrap_or(1000));
            Database::open(Path::new(root))
                .and_then(|database| database.load(&names))
                .map(|data| {
                    for diagnostic in &data.diagnostics {
                        eprintln!("{:?}: {}", diagnostic.location, diagnostic.message);
                    }
                    let records: usize = data.advisories.values().map(Vec::len).sum();
                    format!(
                        "{} names asked, {} with advisories, {records} advisories, {} diagnostics",
                        names.len(),
                        data.advisories.len(),
                        data.diagnostics.len()
                    )
                })
        }
        ["repeat", root, directory, count, runs] => {
            // The fastest of several loads in one process: the cost without process start-up.
            let names = names(Path::new(directory), count.parse().unwrap_or(1000));
            let mut fastest = f64::MAX;
            let mut result = Ok(String::new());
            for _ in 0..runs.parse().unwrap_or(10) {
                let started = Instant::now();
                result = Database::open(Path::new(root))
                    .and_then(|database| database.load(&names))
                    .map(|data| format!("{} names with advisories", data.advisories.len()));
                fastest = fastest.min(started.elapsed().as_secs_f64() * 1000.0);
            }
            result.map(|summary| format!("{summary}; fastest load {fastest:.2} ms"))
        }
        ["adhoc", root, source, count] => {
            let names = names(Path::new(source), count.parse().unwrap_or(1000));
            Database::open_paths(Path::new(root), &[PathBuf::from(source)], now)
                .and_then(|(view, outcomes)| Ok((view.load(&names)?, outcomes)))
                .map(|(data, outcomes)| {
                    format!(
                        "{} | {} names with advisories",
                        outcomes[0],
                        data.advisories.len()
                    )
                })
        }
        _ => {
            eprintln!("usage: database_timing update ROOT SOURCE | load ROOT DIR COUNT | adhoc ROOT SOURCE COUNT");
            return ExitCode::from(2);
        }
    };
    let elapsed = started.elapsed();
    match result {
        Ok(summary) => {
            println!("{summary}\n{:.2} ms", elapsed.as_secs_f64() * 1000.0);
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {error}");
            let mut cause = std::error::Error::source(&error);
            while let Some(inner) = cause {
                eprintln!("  caused by: {inner}");
                cause = inner.source();
            }
            ExitCode::FAILURE
        }
    }
}
