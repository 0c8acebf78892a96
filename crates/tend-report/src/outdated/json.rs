//! The outdated report as a versioned JSON document (`kind: "outdated"`), described in
//! `docs/json-schema.md`. Versions are strings; ages are whole seconds from the release's (or
//! page's) time to `generated`, so a document reads the same whenever it is parsed.

use serde::Serialize;
use tend_model::jiff::Timestamp;
use tend_model::{
    ChangeKind, CurrentOrigin, Diagnostic, DistVersion, NotChecked, OutdatedPackage,
    OutdatedReport, ReleaseInfo, Skipped, Strategy, UnknownPackage, Version,
};

use super::{data_age, Ordered, OutdatedSummary};
use crate::SCHEMA_VERSION;

#[derive(Serialize)]
struct OutdatedDocument<'a> {
    schema_version: u32,
    kind: &'static str,
    generated: Timestamp,
    settings: SettingsView<'a>,
    data: DataView,
    packages: Vec<PackageView<'a>>,
    unknown: Vec<&'a UnknownPackage>,
    not_checked: Vec<&'a NotChecked>,
    diagnostics: Vec<&'a Diagnostic>,
    summary: OutdatedSummary,
}

#[derive(Serialize)]
struct SettingsView<'a> {
    strategy: Strategy,
    /// Each package's strategy is its category's; `strategy` is then only the default.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    by_category: bool,
    pre: bool,
    python: Option<&'a Version>,
    min_age_seconds: Option<i64>,
    indexes: &'a [String],
    offline: bool,
}

#[derive(Serialize)]
struct DataView {
    requests: usize,
    from_cache: usize,
    oldest: Option<Timestamp>,
    age_seconds: Option<i64>,
}

#[derive(Serialize)]
struct PackageView<'a> {
    name: &'a tend_model::PackageName,
    #[serde(skip_serializing_if = "Option::is_none")]
    current: Option<&'a DistVersion>,
    origin: &'a CurrentOrigin,
    index: &'a str,
    outdated: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    change: Option<ChangeKind>,
    behind: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    current_release: Option<ReleaseView<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    latest: Option<ReleaseView<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    allowed: Option<ReleaseView<'a>>,
    /// The strategy `allowed` follows, when it is the package's category's.
    #[serde(skip_serializing_if = "Option::is_none")]
    strategy: Option<Strategy>,
    skipped: Skipped,
}

#[derive(Serialize)]
struct ReleaseView<'a> {
    version: &'a Version,
    #[serde(skip_serializing_if = "Option::is_none")]
    uploaded: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    age_seconds: Option<i64>,
    yanked: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    yank_reason: Option<&'a str>,
}

impl<'a> ReleaseView<'a> {
    fn new(release: &'a ReleaseInfo, generated: Timestamp) -> Self {
        Self {
            version: &release.version,
            uploaded: release.uploaded,
            age_seconds: release
                .uploaded
                .map(|uploaded| generated.duration_since(uploaded).as_secs().max(0)),
            yanked: release.yanked,
            yank_reason: release.yank_reason.as_deref(),
        }
    }
}

impl<'a> PackageView<'a> {
    fn new(package: &'a OutdatedPackage, generated: Timestamp, by_category: bool) -> Self {
        let release = |release: Option<&'a ReleaseInfo>| {
            release.map(|release| ReleaseView::new(release, generated))
        };
        Self {
            name: &package.name,
            current: package.current.as_ref(),
            origin: &package.origin,
            index: &package.index,
            outdated: package.is_outdated(),
            change: package.change,
            behind: package.behind,
            current_release: release(package.current_release.as_ref()),
            latest: release(package.latest.as_ref()),
            allowed: release(package.allowed.as_ref()),
            strategy: by_category.then_some(package.strategy),
            skipped: package.skipped,
        }
    }
}

/// The whole report with its computed summary; ages are counted to `generated`.
pub fn outdated_json(report: &OutdatedReport) -> serde_json::Value {
    serde_json::to_value(document(report, false)).unwrap_or_default()
}

/// [`outdated_json`] as pretty-printed text with a final newline, written straight from the
/// report without a `serde_json::Value` tree in between (the same bytes).
pub fn outdated_json_text(report: &OutdatedReport) -> String {
    let mut text = serde_json::to_string_pretty(&document(report, false)).unwrap_or_default();
    text.push('\n');
    text
}

/// The document `tend scan` embeds: `packages` holds only the outdated ones (the summary
/// still counts them all), so a scan of a large environment stays short.
pub(crate) fn outdated_scan_json(report: &OutdatedReport) -> serde_json::Value {
    serde_json::to_value(document(report, true)).unwrap_or_default()
}

fn document(report: &OutdatedReport, only_outdated: bool) -> OutdatedDocument<'_> {
    let ordered = Ordered::new(report);
    let generated = report.generated;
    let settings = &report.settings;
    OutdatedDocument {
        schema_version: SCHEMA_VERSION,
        kind: "outdated",
        generated,
        settings: SettingsView {
            strategy: settings.strategy,
            by_category: settings.by_category,
            pre: settings.pre,
            python: settings.python.as_ref(),
            min_age_seconds: settings.min_age.map(|age| age.as_secs()),
            indexes: &settings.indexes,
            offline: settings.offline,
        },
        data: DataView {
            requests: report.data.requests,
            from_cache: report.data.from_cache,
            oldest: report.data.oldest,
            age_seconds: data_age(report, generated).map(|age| age.as_secs()),
        },
        packages: ordered
            .packages
            .iter()
            .filter(|package| !only_outdated || package.is_outdated())
            .map(|package| PackageView::new(package, generated, settings.by_category))
            .collect(),
        unknown: ordered.unknown,
        not_checked: ordered.not_checked,
        diagnostics: ordered.diagnostics,
        summary: OutdatedSummary::new(report),
    }
}
