//! Validation against the published SARIF 2.1.0 and CycloneDX 1.6 schemas vendored in
//! `../schemas` (see the README there). The schemas are registered under the URLs their
//! references resolve to, so nothing is fetched. Shared with tend-cli's end-to-end tests,
//! which include this file by path.
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use boon::{Compiler, Schemas};
use serde_json::Value;

const SARIF_URL: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";
const BOM_URL: &str = "http://cyclonedx.org/schema/bom-1.6.schema.json";

fn parse(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

fn check(resources: &[(&str, &str)], instance: &Value) -> Result<(), String> {
    let mut compiler = Compiler::new();
    compiler.enable_format_assertions();
    for (url, text) in resources {
        compiler.add_resource(url, parse(text)).unwrap();
    }
    let mut schemas = Schemas::new();
    let index = compiler
        .compile(resources[0].0, &mut schemas)
        .map_err(|error| format!("the schema does not compile: {error:#}"))?;
    schemas
        .validate(instance, index)
        .map_err(|error| format!("{error:#}"))
}

/// Whether `log` is valid SARIF 2.1.0; the error lists every violation.
pub fn sarif(log: &Value) -> Result<(), String> {
    check(
        &[(
            SARIF_URL,
            include_str!("../schemas/sarif-schema-2.1.0.json"),
        )],
        log,
    )
}

/// Whether `bom` is a valid CycloneDX 1.6 JSON document.
pub fn cyclonedx(bom: &Value) -> Result<(), String> {
    check(
        &[
            (BOM_URL, include_str!("../schemas/bom-1.6.schema.json")),
            (
                "http://cyclonedx.org/schema/spdx.SNAPSHOT.schema.json",
                include_str!("../schemas/spdx.schema.json"),
            ),
            (
                "http://cyclonedx.org/schema/jsf-0.82.SNAPSHOT.schema.json",
                include_str!("../schemas/jsf-0.82.schema.json"),
            ),
        ],
        bom,
    )
}
