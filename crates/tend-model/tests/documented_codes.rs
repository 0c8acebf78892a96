#![allow(clippy::unwrap_used)]

//! Every diagnostic code users can meet is documented in `docs/diagnostics.md`, and the
//! document names no code that does not exist.

use std::collections::BTreeSet;
use std::path::Path;

use tend_model::Code;

#[test]
fn every_code_is_documented_and_every_documented_code_exists() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/diagnostics.md");
    let text = fs_err::read_to_string(&path).unwrap();
    let documented: BTreeSet<&str> = text
        .lines()
        .filter_map(|line| line.strip_prefix("### "))
        .map(str::trim)
        .collect();
    let codes: BTreeSet<&str> = Code::ALL.iter().map(|code| code.as_str()).collect();
    let undocumented: Vec<_> = codes.difference(&documented).collect();
    let unknown: Vec<_> = documented.difference(&codes).collect();
    assert!(
        undocumented.is_empty(),
        "codes missing from docs/diagnostics.md: {undocumented:?}"
    );
    assert!(
        unknown.is_empty(),
        "docs/diagnostics.md documents unknown codes: {unknown:?}"
    );
}
