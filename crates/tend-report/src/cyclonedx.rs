//! CycloneDX 1.6 JSON: the inventory as a software bill of materials, with the audit's
//! findings as its vulnerabilities.
//!
//! This module owns how a distribution becomes a component (its package URL and `bom-ref`),
//! how a finding becomes a vulnerability (source, ratings, affects, recommendation), and the
//! serial number, which is derived from the content so that the same inputs give the same
//! document.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};
use tend_model::jiff::Timestamp;
use tend_model::{
    AdvisoryId, AdvisoryIdKind, AuditReport, DistVersion, Finding, Fix, Inventory, SeveritySource,
};

/// Who made the document and when.
#[derive(Debug, Clone, Copy)]
pub struct CycloneDxContext<'a> {
    /// `tend`'s version, for `metadata.tools`.
    pub tool_version: &'a str,
    /// `metadata.timestamp`; passed in so that the document is reproducible.
    pub generated: Timestamp,
}

/// The bill of materials for every installed distribution (and every audited pin that is not
/// installed), with the audit's findings as vulnerabilities when an audit is given.
pub fn cyclonedx(
    inventory: &Inventory,
    audit: Option<&AuditReport>,
    context: &CycloneDxContext<'_>,
) -> Value {
    // Keyed by bom-ref: one component per name and version, in a stable order.
    let mut components: BTreeMap<String, Value> = BTreeMap::new();
    if let Some(environment) = &inventory.environment {
        for distribution in &environment.distributions {
            let reference = purl(distribution.name.as_ref(), &distribution.version);
            components.entry(reference.clone()).or_insert_with(|| {
                component(
                    &reference,
                    &distribution.display_name,
                    &distribution.version,
                )
            });
        }
    }
    let mut vulnerabilities: BTreeMap<String, Vulnerability> = BTreeMap::new();
    for package in audit.iter().flat_map(|report| &report.vulnerable) {
        let target = &package.target;
        let reference = purl(target.name.as_ref(), &target.version);
        components
            .entry(reference.clone())
            .or_insert_with(|| component(&reference, target.name.as_ref(), &target.version));
        for finding in &package.findings {
            let entry = vulnerabilities
                .entry(finding.id.as_str().to_string())
                .or_insert_with(|| Vulnerability::new(finding));
            entry.affects.push(json!({
                "ref": reference,
                "versions": [{ "version": target.version.to_string(), "status": "affected" }],
            }));
            if let Fix::Version { version } = &finding.fix {
                entry
                    .fixes
                    .push(format!("upgrade {} to {version} or later", target.name));
            }
        }
    }

    let mut bom = Map::new();
    bom.insert("bomFormat".into(), "CycloneDX".into());
    bom.insert("specVersion".into(), "1.6".into());
    bom.insert("version".into(), 1.into());
    bom.insert(
        "metadata".into(),
        json!({
            "timestamp": context.generated.to_string(),
            "tools": {
                "components": [{
                    "type": "application",
                    "name": "tend",
                    "version": context.tool_version,
                }]
            },
        }),
    );
    bom.insert(
        "components".into(),
        components.into_values().collect::<Vec<_>>().into(),
    );
    if audit.is_some() {
        bom.insert(
            "vulnerabilities".into(),
            vulnerabilities
                .into_values()
                .map(Vulnerability::into_json)
                .collect::<Vec<_>>()
                .into(),
        );
    }
    let serial = serial_number(&Value::Object(bom.clone()));
    // Right after `specVersion`, where readers expect it; the digest above is of the rest.
    let mut ordered = Map::new();
    for (key, value) in bom {
        let after_spec = key == "specVersion";
        ordered.insert(key, value);
        if after_spec {
            ordered.insert("serialNumber".into(), serial.clone().into());
        }
    }
    let mut document = Map::new();
    document.insert(
        "$schema".into(),
        "http://cyclonedx.org/schema/bom-1.6.schema.json".into(),
    );
    document.extend(ordered);
    document.into()
}

/// [`cyclonedx`] as pretty-printed text ending in a newline.
pub fn cyclonedx_text(
    inventory: &Inventory,
    audit: Option<&AuditReport>,
    context: &CycloneDxContext<'_>,
) -> String {
    // `{:#}` is serde_json's pretty printing, which cannot fail for a `Value`.
    format!("{:#}\n", cyclonedx(inventory, audit, context))
}

/// The package URL of a PyPI distribution: the normalised name, and the version with every
/// character a purl must escape (a local version's `+`, for one) percent-encoded.
pub fn purl(normalized_name: &str, version: &DistVersion) -> String {
    let mut purl = format!("pkg:pypi/{normalized_name}@");
    for byte in version.to_string().bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            purl.push(char::from(byte));
        } else {
            let _ = write!(purl, "%{byte:02X}");
        }
    }
    purl
}

fn component(reference: &str, name: &str, version: &DistVersion) -> Value {
    json!({
        "type": "library",
        "bom-ref": reference,
        "name": name,
        "version": version.to_string(),
        "purl": reference,
    })
}

/// A name-based UUID from a SHA-256 of the document: the version nibble says "name-based"
/// (5) and the variant bits are RFC 9562's, as the schema's pattern requires.
fn serial_number(document: &Value) -> String {
    let digest = Sha256::digest(document.to_string().as_bytes());
    let mut bytes = [0_u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    bytes[6] = (bytes[6] & 0x0f) | 0x50;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex = crate::sarif::hex(&bytes);
    format!(
        "urn:uuid:{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// One advisory and every audited version it affects.
struct Vulnerability<'a> {
    finding: &'a Finding,
    affects: Vec<Value>,
    fixes: Vec<String>,
}

impl<'a> Vulnerability<'a> {
    fn new(finding: &'a Finding) -> Self {
        Self {
            finding,
            affects: Vec::new(),
            fixes: Vec::new(),
        }
    }

    fn into_json(self) -> Value {
        let finding = self.finding;
        let mut vulnerability = Map::new();
        vulnerability.insert(
            "bom-ref".into(),
            format!("vulnerability:{}", finding.id).into(),
        );
        vulnerability.insert("id".into(), finding.id.as_str().into());
        vulnerability.insert("source".into(), source(&finding.id));
        let references: Vec<Value> = finding
            .aliases
            .iter()
            .map(|alias| json!({ "id": alias.as_str(), "source": source(alias) }))
            .collect();
        if !references.is_empty() {
            vulnerability.insert("references".into(), references.into());
        }
        vulnerability.insert("ratings".into(), json!([rating(finding)]));
        if let Some(summary) = &finding.summary {
            vulnerability.insert("description".into(), summary.as_str().into());
        }
        vulnerability.insert(
            "recommendation".into(),
            if self.fixes.is_empty() {
                "No fixed version is known.".to_string()
            } else {
                let mut text = self.fixes.join("; ");
                if let Some(first) = text.get_mut(0..1) {
                    first.make_ascii_uppercase();
                }
                text.push('.');
                text
            }
            .into(),
        );
        if let Some(url) = &finding.url {
            vulnerability.insert("advisories".into(), json!([{ "url": url }]));
        }
        if let Some(published) = finding.published {
            vulnerability.insert("published".into(), published.to_string().into());
        }
        vulnerability.insert("updated".into(), finding.modified.to_string().into());
        vulnerability.insert("affects".into(), self.affects.into());
        vulnerability.into()
    }
}

fn rating(finding: &Finding) -> Value {
    let severity = &finding.severity;
    let mut rating = Map::new();
    rating.insert("severity".into(), severity.rating.as_str().into());
    if let Some(score) = severity.score {
        rating.insert("score".into(), score.into());
    }
    let method = match (severity.source, severity.vector.as_deref()) {
        (SeveritySource::CvssV4, _) => Some("CVSSv4"),
        (SeveritySource::CvssV3, Some(vector)) if vector.starts_with("CVSS:3.0/") => Some("CVSSv3"),
        (SeveritySource::CvssV3, _) => Some("CVSSv31"),
        (SeveritySource::Database, _) => Some("other"),
        (SeveritySource::None, _) => None,
    };
    if let Some(method) = method {
        rating.insert("method".into(), method.into());
    }
    if let Some(vector) = &severity.vector {
        rating.insert("vector".into(), vector.as_str().into());
    }
    rating.into()
}

/// The database that publishes an id, by its prefix, with the page for that id.
fn source(id: &AdvisoryId) -> Value {
    let (name, url) = match id.kind() {
        AdvisoryIdKind::Pysec => (
            "PyPA",
            format!("https://github.com/pypa/advisory-database/blob/main/vulns/{id}.yaml"),
        ),
        AdvisoryIdKind::Ghsa => ("GitHub", format!("https://github.com/advisories/{id}")),
        AdvisoryIdKind::Cve => ("NVD", format!("https://nvd.nist.gov/vuln/detail/{id}")),
        AdvisoryIdKind::Other => ("OSV", format!("https://osv.dev/vulnerability/{id}")),
    };
    json!({ "name": name, "url": url })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purls_escape_local_versions() {
        assert_eq!(
            purl("torch", &DistVersion::parse("2.1.0+cpu")),
            "pkg:pypi/torch@2.1.0%2Bcpu"
        );
        assert_eq!(
            purl("flask-login", &DistVersion::parse("0.6.3")),
            "pkg:pypi/flask-login@0.6.3"
        );
    }

    #[test]
    fn serial_numbers_are_name_based_uuids() {
        let serial = serial_number(&json!({ "a": 1 }));
        assert_eq!(serial, serial_number(&json!({ "a": 1 })));
        assert_ne!(serial, serial_number(&json!({ "a": 2 })));
        assert_eq!(serial.len(), "urn:uuid:".len() + 36);
        assert_eq!(&serial[23..24], "5");
    }
}
