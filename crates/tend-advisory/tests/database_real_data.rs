//! The local database on the real PyPA advisory database, when the checkout beside the
//! repository has it (`../shared/advisories/pypa-advisory-database/vulns`): every record read
//! back through the index equals the record parsed straight from its file. Ignored by default
//! (it reads 2,661 files); run with
//!
//! ```text
//! cargo test --release -p tend-advisory --test database_real_data -- --ignored --nocapture
//! ```
//!
//! which also prints how long the build and the lookups took in this process.
#![allow(clippy::unwrap_used, clippy::print_stderr)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::Instant;

use tend_advisory::{read_source, Database};
use tend_model::PackageName;

fn pypa_vulns() -> Option<PathBuf> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/advisories/pypa-advisory-database/vulns");
    path.is_dir().then_some(path)
}

#[test]
#[ignore = "reads the PyPA advisory database beside the repository"]
fn every_pypa_record_reads_back_through_the_index_unchanged() {
    let Some(vulns) = pypa_vulns() else {
        eprintln!("skipped: no PyPA advisory database beside the repository");
        return;
    };
    let direct = read_source(&vulns).unwrap();
    let names: BTreeSet<PackageName> = direct
        .advisories
        .iter()
        .flat_map(|advisory| &advisory.affected)
        .map(|affected| affected.package.clone())
        .collect();
    let names: Vec<PackageName> = names.into_iter().collect();

    let temp = tempfile::tempdir().unwrap();
    let now = "2026-01-01T00:00:00Z".parse().unwrap();
    let started = Instant::now();
    let mut database = Database::open(temp.path()).unwrap();
    let outcome = database.update_path(&vulns, now).unwrap();
    let build = started.elapsed();
    assert_eq!(outcome.records, direct.advisories.len());
    assert_eq!(outcome.problems, direct.problems);

    let started = Instant::now();
    let data = Database::open(temp.path()).unwrap().load(&names).unwrap();
    let load_all = started.elapsed();
    let loaded: BTreeMap<&str, _> = data
        .advisories
        .values()
        .flatten()
        .map(|advisory| (advisory.id.as_str(), advisory))
        .collect();
    assert_eq!(loaded.len(), direct.advisories.len());
    for advisory in &direct.advisories {
        assert_eq!(**loaded[advisory.id.as_str()], *advisory, "{}", advisory.id);
    }

    let started = Instant::now();
    let again = database.update_path(&vulns, now).unwrap();
    let check = started.elapsed();
    assert_eq!(again.parsed, 0);

    let started = Instant::now();
    let few = Database::open(temp.path())
        .unwrap()
        .load(&names[..10])
        .unwrap();
    let load_few = started.elapsed();
    assert_eq!(few.advisories.len(), 10);
    eprintln!(
        "{} records, {} packages: build {build:?}, unchanged check {check:?}, \
         load of every package {load_all:?}, load of 10 packages {load_few:?}",
        outcome.records, outcome.packages
    );
}
