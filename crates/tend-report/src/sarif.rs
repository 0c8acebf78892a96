//! SARIF 2.1.0 for code-scanning uploads: one run of `tend`, one rule per diagnostic code and
//! per advisory, one result per diagnostic and per (package, advisory) finding.
//!
//! This module owns where a result points (the requirement line when one is known, else the
//! environment), the mapping of tend's severities onto SARIF levels, and the fingerprints that
//! let a code-scanning service recognise the same result in the next run.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};
use tend_model::{
    AdvisoryId, AuditReport, AuditTarget, Code, Diagnostic, Finding, Fix, Inventory, Location,
    Severity, SeverityRating, TargetOrigin,
};

/// The schema URI written into the log, as the OASIS standard publishes it.
pub const SARIF_SCHEMA_URI: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/// The key of tend's entry in `partialFingerprints`; bump the suffix if what goes into the
/// digest ever changes, so that services do not match old and new fingerprints.
const FINGERPRINT_KEY: &str = "tend/v1";

/// Where the results of a SARIF log are placed and who made them.
#[derive(Debug, Clone, Copy)]
pub struct SarifContext<'a> {
    /// `tend`'s version, for `tool.driver.version`.
    pub tool_version: &'a str,
    /// The directory artifact URIs are relative to (the repository a scanner uploads for).
    pub project_root: &'a Path,
    /// The inventory the findings came from: its declarations place an installed package's
    /// advisories at the requirement line, its environment is where results without a file
    /// point.
    pub inventory: Option<&'a Inventory>,
}

/// The SARIF log for check diagnostics and, when given, an audit report (its findings and its
/// own diagnostics). Results keep the order they are given in: diagnostics first, then the
/// audit's findings package by package.
pub fn sarif(
    diagnostics: &[Diagnostic],
    audit: Option<&AuditReport>,
    context: &SarifContext<'_>,
) -> Value {
    let mut rules: BTreeMap<String, Value> = BTreeMap::new();
    let mut results = Vec::new();
    let audit_diagnostics = audit.map_or(&[][..], |report| &report.diagnostics[..]);
    for diagnostic in diagnostics.iter().chain(audit_diagnostics) {
        rules
            .entry(diagnostic.code.as_str().to_string())
            .or_insert_with(|| code_rule(diagnostic.code));
        results.push(diagnostic_result(diagnostic, context));
    }
    if let Some(report) = audit {
        for package in &report.vulnerable {
            for finding in &package.findings {
                rules
                    .entry(finding.id.as_str().to_string())
                    .or_insert_with(|| advisory_rule(finding));
                results.push(finding_result(&package.target, finding, context));
            }
        }
    }
    json!({
        "$schema": SARIF_SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "tend",
                    "version": context.tool_version,
                    "rules": rules.into_values().collect::<Vec<_>>(),
                }
            },
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
    })
}

/// [`sarif`] as pretty-printed text ending in a newline.
pub fn sarif_text(
    diagnostics: &[Diagnostic],
    audit: Option<&AuditReport>,
    context: &SarifContext<'_>,
) -> String {
    // `{:#}` is serde_json's pretty printing, which cannot fail for a `Value`.
    format!("{:#}\n", sarif(diagnostics, audit, context))
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}

/// Critical and high advisories fail a code-scanning gate, medium ones warn, and the rest
/// (including those with no rating at all) are notes.
pub fn advisory_level(rating: SeverityRating) -> &'static str {
    match rating {
        SeverityRating::Critical | SeverityRating::High => "error",
        SeverityRating::Medium => "warning",
        SeverityRating::Low | SeverityRating::Unknown => "note",
    }
}

fn code_rule(code: Code) -> Value {
    json!({
        "id": code.as_str(),
        "name": rule_name(code.as_str()),
        "shortDescription": { "text": code_description(code) },
        "help": { "text": format!("See `{}` in tend's docs/diagnostics.md.", code.as_str()) },
    })
}

/// `loose-pin` → `LoosePin`: SARIF asks for a readable identifier without spaces.
fn rule_name(id: &str) -> String {
    id.split(['-', '_', '.', ':'])
        .filter(|part| !part.is_empty())
        .map(|part| {
            let mut chars = part.chars();
            chars.next().map_or_else(String::new, |first| {
                first
                    .to_uppercase()
                    .chain(chars.flat_map(char::to_lowercase))
                    .collect()
            })
        })
        .collect()
}

/// One sentence per code, in the terms `docs/diagnostics.md` explains at length.
fn code_description(code: Code) -> &'static str {
    match code {
        Code::BrokenDistribution => "An installed distribution's metadata could not be read.",
        Code::SourceWarning => {
            "A requirement source has a problem that did not stop it being read."
        }
        Code::MissingDependency => "A dependency of an installed distribution is not installed.",
        Code::ConflictingDependency => {
            "An installed dependency's version is not accepted by a package that needs it."
        }
        Code::Drift => "An exact pin differs from the version installed.",
        Code::NotInstalled => "A declared requirement is not installed.",
        Code::Unpinned => "A production requirement has no upper bound.",
        Code::LoosePin => "A production requirement allows a range instead of one version.",
        Code::ModifiedFile => "An installed file differs from its RECORD entry.",
        Code::MissingFile => "A file listed in RECORD is missing from disk.",
        Code::UnverifiableRecord => {
            "An installed distribution's files cannot be checked against a RECORD."
        }
        Code::ImportFailed => "A critical import from the policy failed.",
        Code::VersionRule => "An installed version breaks a version rule of the policy.",
        Code::Vulnerable => "A version is affected by a published advisory.",
        Code::NotAudited => "A package could not be checked against the advisories.",
        Code::BadAdvisory => "An advisory record could not be read.",
        Code::StaleDatabase => "The advisory database is older than the policy allows.",
        Code::IgnoreExpired => "An ignore rule has expired; the finding it hid is reported again.",
        Code::IgnoreUnused => "An ignore rule matched no finding.",
        Code::UnknownPackage => "No configured index knows the package.",
        Code::YankedRelease => "The installed or pinned release has been yanked from its index.",
        Code::IndexError => "An index did not answer usefully for a package.",
        Code::InvalidVersion => "A version is not valid PEP 440.",
    }
}

fn advisory_rule(finding: &Finding) -> Value {
    let mut rule = Map::new();
    rule.insert("id".into(), finding.id.as_str().into());
    rule.insert("name".into(), rule_name(finding.id.as_str()).into());
    let summary = finding
        .summary
        .clone()
        .unwrap_or_else(|| format!("Advisory {}", finding.id));
    rule.insert("shortDescription".into(), json!({ "text": summary }));
    if !finding.aliases.is_empty() {
        let aliases: Vec<&str> = finding.aliases.iter().map(AdvisoryId::as_str).collect();
        rule.insert(
            "fullDescription".into(),
            json!({ "text": format!("{summary} (also known as {})", aliases.join(", ")) }),
        );
    }
    if let Some(url) = &finding.url {
        rule.insert("helpUri".into(), url.as_str().into());
    }
    rule.insert(
        "defaultConfiguration".into(),
        json!({ "level": advisory_level(finding.severity.rating) }),
    );
    let mut properties = Map::new();
    properties.insert("tags".into(), json!(["security", "dependency"]));
    // Code-scanning services rank security alerts by this score (a string, by convention).
    if let Some(score) = finding.severity.score {
        properties.insert("security-severity".into(), format!("{score:.1}").into());
    }
    rule.insert("properties".into(), properties.into());
    rule.into()
}

fn diagnostic_result(diagnostic: &Diagnostic, context: &SarifContext<'_>) -> Value {
    let mut text = diagnostic.message.clone();
    for note in &diagnostic.notes {
        let _ = write!(text, "\n{note}");
    }
    // Line numbers move when a file is edited and checkouts live in different directories; the
    // package (or, for problems about no package, the message) and the file's URI relative to
    // the project say which problem this is. A message's numbers (ages, counts, lines) change
    // from run to run while the problem stays the same, so they are left out.
    let subject = diagnostic.package.as_ref().map_or_else(
        || {
            diagnostic
                .message
                .chars()
                .filter(|c| !c.is_ascii_digit())
                .collect()
        },
        ToString::to_string,
    );
    let path = diagnostic
        .location
        .as_ref()
        .map(|location| file_uri(&location.path, context.project_root))
        .unwrap_or_default();
    result(
        diagnostic.code.as_str(),
        level(diagnostic.severity),
        &text,
        diagnostic.location.as_ref(),
        &[diagnostic.code.as_str(), &subject, &path],
        context,
    )
}

fn finding_result(target: &AuditTarget, finding: &Finding, context: &SarifContext<'_>) -> Value {
    let mut text = format!(
        "{} {} is affected by {}",
        target.name, target.version, finding.id
    );
    if !finding.aliases.is_empty() {
        let aliases: Vec<&str> = finding.aliases.iter().map(AdvisoryId::as_str).collect();
        let _ = write!(text, " ({})", aliases.join(", "));
    }
    let _ = write!(text, ", severity {}", finding.severity.rating);
    if let Some(summary) = &finding.summary {
        let _ = write!(text, ": {summary}");
    }
    match &finding.fix {
        Fix::Version { version } => {
            let _ = write!(text, ". Fixed in {version}.");
        }
        Fix::None => text.push_str(". No fixed version is known."),
    }
    let location = match &target.origin {
        TargetOrigin::Declared { location } | TargetOrigin::Resolved { location } => Some(location),
        TargetOrigin::Installed => context.inventory.and_then(|inventory| {
            inventory
                .declarations
                .iter()
                .find(|declaration| declaration.name == target.name)
                .map(|declaration| &declaration.location)
        }),
    };
    let path = location
        .map(|location| file_uri(&location.path, context.project_root))
        .unwrap_or_default();
    result(
        finding.id.as_str(),
        advisory_level(finding.severity.rating),
        &text,
        location,
        // The version too: a pin and an installed copy of one package may differ, and an
        // upgrade that is still affected is a new result to look at.
        &[
            finding.id.as_str(),
            target.name.as_ref(),
            &target.version.to_string(),
            &path,
        ],
        context,
    )
}

fn result(
    rule_id: &str,
    level: &str,
    text: &str,
    location: Option<&Location>,
    identity: &[&str],
    context: &SarifContext<'_>,
) -> Value {
    let mut result = Map::new();
    result.insert("ruleId".into(), rule_id.into());
    result.insert("level".into(), level.into());
    result.insert("message".into(), json!({ "text": text }));
    let physical = match location {
        Some(location) => Some(physical_location(location, context.project_root)),
        None => context
            .inventory
            .and_then(|inventory| inventory.environment.as_ref())
            .map(|environment| {
                json!({ "artifactLocation": { "uri": directory_uri(&environment.prefix, context.project_root) } })
            }),
    };
    if let Some(physical) = physical {
        result.insert(
            "locations".into(),
            json!([{ "physicalLocation": physical }]),
        );
    }
    result.insert(
        "partialFingerprints".into(),
        json!({ FINGERPRINT_KEY: fingerprint(identity) }),
    );
    result.into()
}

fn physical_location(location: &Location, root: &Path) -> Value {
    let mut physical = Map::new();
    physical.insert(
        "artifactLocation".into(),
        json!({ "uri": file_uri(&location.path, root) }),
    );
    if location.line > 0 {
        let mut region = Map::new();
        region.insert("startLine".into(), location.line.into());
        if let Some(column) = location.column.filter(|column| *column > 0) {
            region.insert("startColumn".into(), column.into());
        }
        physical.insert("region".into(), region.into());
    }
    physical.into()
}

/// A digest of the parts that identify a result, separated so that `a`,`bc` and `ab`,`c`
/// differ.
fn fingerprint(parts: &[&str]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part.as_bytes());
        hasher.update([0]);
    }
    hex(&hasher.finalize())
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut text, byte| {
        let _ = write!(text, "{byte:02x}");
        text
    })
}

/// A file's URI: relative to the project root when inside it (what code scanning matches
/// against the repository), else an absolute `file:` URI.
fn file_uri(path: &Path, root: &Path) -> String {
    let relative = if path.is_absolute() {
        path.strip_prefix(root).ok()
    } else {
        Some(path)
    };
    match relative {
        Some(relative) => encode_path(relative),
        None => format!("file://{}", encode_path(path)),
    }
}

/// A directory's URI ends in `/`, so that resolving a relative reference against it works.
fn directory_uri(path: &Path, root: &Path) -> String {
    let mut uri = file_uri(path, root);
    if uri.is_empty() {
        uri.push_str("./");
    } else if !uri.ends_with('/') {
        uri.push('/');
    }
    uri
}

/// Percent-encodes every byte a URI path may not hold as is; `\` separators become `/`.
fn encode_path(path: &Path) -> String {
    let text = path.to_string_lossy().replace('\\', "/");
    let mut uri = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/!$&'()*+,;=:@".contains(&byte) {
            uri.push(char::from(byte));
        } else {
            let _ = write!(uri, "%{byte:02X}");
        }
    }
    uri
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_names_are_camel_case() {
        assert_eq!(rule_name("loose-pin"), "LoosePin");
        assert_eq!(rule_name("PYSEC-2023-62"), "Pysec202362");
    }

    #[test]
    fn uris_are_relative_inside_the_root_and_encoded() {
        let root = Path::new("/srv/app");
        assert_eq!(
            file_uri(Path::new("/srv/app/requirements/prod files.txt"), root),
            "requirements/prod%20files.txt"
        );
        assert_eq!(
            file_uri(Path::new("requirements.txt"), root),
            "requirements.txt"
        );
        assert_eq!(file_uri(Path::new("/opt/venv"), root), "file:///opt/venv");
        assert_eq!(directory_uri(Path::new("/srv/app/.venv"), root), ".venv/");
        assert_eq!(directory_uri(Path::new("/srv/app"), root), "./");
    }

    #[test]
    fn fingerprints_separate_their_parts() {
        assert_ne!(fingerprint(&["a", "bc"]), fingerprint(&["ab", "c"]));
        assert_eq!(fingerprint(&["a"]), fingerprint(&["a"]));
    }
}
