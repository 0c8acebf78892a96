//! `tend outdated`, and the outdated stage `tend scan` shares with it: which indexes to ask,
//! the cached HTTP client, the progress bar, then `tend-index`'s comparison and a renderer.

use std::io::IsTerminal as _;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use tend_http::{CacheMode, ClientOptions, Clock, HttpClient};
use tend_index::{IndexClient, OutdatedOptions};
use tend_model::{Inventory, NotCheckedReason, OutdatedReport, PackageName, Strategy};

use crate::cli::{IndexArgs, OutdatedArgs, ReportFormat, StrategyArg};
use crate::diagnostics::{print_warnings, ExitStatus};
use crate::settings::ProjectSettings;

/// Index pages asked for at once. A page is small and an index that speaks HTTP/2 carries many
/// requests on one connection, so the bound is well above the client's default; it still keeps
/// a run of hundreds of packages from opening hundreds of HTTP/1.1 connections to one host.
const PAGES_IN_FLIGHT: usize = 50;

/// The progress bar stays hidden until the lookups have taken this long: a warm cache answers
/// in milliseconds, and a bar that flashes by is noise.
const PROGRESS_DELAY: Duration = Duration::from_secs(1);

/// The rules and data sources of one outdated check.
pub struct OutdatedRequest<'a> {
    pub index: &'a IndexArgs,
    /// The strategy of every package; `None`: each package's category's (the policy's), or
    /// `major` when the policy has no categories.
    pub strategy: Option<Strategy>,
    /// `--pre`; a requirements file's `--pre` turns it on too.
    pub pre: bool,
    pub min_age: Option<Duration>,
    pub cache_mode: CacheMode,
    pub cache_dir: &'a Path,
    pub now: jiff::Timestamp,
}

pub fn run(
    args: &OutdatedArgs,
    config: Option<&Path>,
    cache_dir: Option<&Path>,
    store: Option<&Path>,
) -> Result<ExitStatus> {
    let settings = ProjectSettings::resolve(&args.project, config)?;
    let now = crate::settings::now()?;
    let inventory = tend_inventory::load(&settings.inventory)?;
    let cache_dir = crate::settings::cache_dir(cache_dir)?;
    let cache_mode = super::online::cache_mode(args.offline, args.refresh);
    let report = check(
        &settings,
        &inventory,
        &OutdatedRequest {
            index: &args.index,
            strategy: args.strategy.map(strategy),
            pre: args.pre,
            min_age: args.min_age,
            cache_mode,
            cache_dir: &cache_dir,
            now,
        },
    )?;

    if args.format == ReportFormat::Table {
        print_warnings(&inventory.diagnostics);
    }
    let display = settings.display();
    let render_as = |format| {
        Ok(match format {
            ReportFormat::Table => tend_report::outdated_table(&report, now, &display),
            ReportFormat::Json => tend_report::outdated_json_text(&report),
            ReportFormat::Markdown => tend_report::outdated_markdown(&report, now, &display),
        })
    };
    let text = render_as(args.format)?;
    crate::output::write(args.output.as_deref(), &text)?;
    let status = exit_status(&report, args.strict);

    let renderings = super::report::renderings(args.format, &text, render_as)?;
    let summary = tend_report::OutdatedSummary::new(&report);
    super::history::record(
        store,
        &super::history::Finished {
            kind: tend_store::RunKind::Outdated,
            project: &settings.project,
            started_at: now,
            status,
            summary: serde_json::json!({
                "packages": summary.packages,
                "outdated": summary.outdated,
                "yanked": summary.yanked,
                "unknown": summary.unknown,
                "not_checked": summary.not_checked,
            }),
            reports: &renderings.report("outdated"),
            renderings: &renderings.pairs(),
        },
    );
    Ok(status)
}

/// Asks the run's indexes about every package of the inventory and compares.
pub fn check(
    settings: &ProjectSettings,
    inventory: &Inventory,
    request: &OutdatedRequest<'_>,
) -> Result<OutdatedReport> {
    let indexes = crate::settings::index_settings(request.index, &settings.policy, inventory)?;
    if indexes.indexes.is_empty() {
        // The settings report this themselves, naming the setting; kept so that an empty list
        // can never pass for "nothing outdated".
        anyhow::bail!(crate::settings::NoIndex {
            origin: "the settings".to_string(),
            message: "no index to ask; give `--index-url URL|DIR`".to_string(),
        });
    }
    let categories = &settings.policy.categories;
    let by_category = request.strategy.is_none() && categories.iter().next().is_some();
    let options = OutdatedOptions {
        strategy: request.strategy.unwrap_or(Strategy::Major),
        by_category,
        pre: request.pre || inventory.sources.iter().any(|source| source.options.pre),
        python: inventory
            .environment
            .as_ref()
            .and_then(|environment| environment.python_version.clone()),
        min_age: request
            .min_age
            .map(jiff::SignedDuration::try_from)
            .transpose()
            .context("--min-age is too long")?,
        now: request.now,
        indexes: indexes
            .indexes
            .iter()
            .map(tend_index::IndexUrl::redacted)
            .collect(),
        offline: request.cache_mode == CacheMode::Offline,
    };

    let mut subjects = tend_index::subjects(inventory);
    if by_category {
        // The name decides the category here: the outdated check knows no advisories.
        for subject in &mut subjects {
            let category = categories.category_for(&subject.name, false).category;
            subject.strategy = Some(category.strategy.ceiling());
        }
    }
    let names: Vec<PackageName> = subjects
        .iter()
        .filter(|subject| subject.direct_url.is_none())
        .map(|subject| subject.name.clone())
        .collect();
    let client = IndexClient::new(
        http_client(request.cache_dir, request.cache_mode, request.now)?,
        indexes.indexes,
    );
    let progress = Progress::new(names.len());
    let runtime = super::online::runtime()?;
    let answers = runtime.block_on(client.projects(&names, &|done| progress.update(done)));
    // Every answer is in. A DNS lookup for a connection that turned out not to be needed may
    // still be waiting in the blocking pool (the resolver's timeout is seconds); the run must
    // not wait for it.
    runtime.shutdown_background();
    progress.finish();
    Ok(tend_index::compare(&subjects, &answers, &options))
}

/// The index client's HTTP client: the shared cache under the cache directory, the run's cache
/// mode, and the run's clock, so that freshness and the report agree on "now" (`TEND_NOW`).
pub fn http_client(cache_dir: &Path, mode: CacheMode, now: jiff::Timestamp) -> Result<HttpClient> {
    let mut options = ClientOptions::default();
    options.cache_dir = Some(super::online::http_cache_dir(cache_dir));
    options.cache_mode = mode;
    options.clock = Clock::fixed(now);
    options.max_in_flight = PAGES_IN_FLIGHT;
    HttpClient::new(options).context("could not set up the HTTP client")
}

/// Exit 1 with `--strict` when a package is unknown to every index or could not be checked;
/// packages installed from a URL or a path are not looked up on purpose and do not count.
/// Outdated packages never fail the run: being behind is news, not an error.
pub fn exit_status(report: &OutdatedReport, strict: bool) -> ExitStatus {
    let unchecked = report
        .not_checked
        .iter()
        .any(|package| !matches!(package.reason, NotCheckedReason::DirectReference { .. }));
    if strict && (!report.unknown.is_empty() || unchecked) {
        ExitStatus::Failure
    } else {
        ExitStatus::Success
    }
}

pub fn strategy(strategy: StrategyArg) -> Strategy {
    match strategy {
        StrategyArg::Patch => Strategy::Patch,
        StrategyArg::Minor => Strategy::Minor,
        StrategyArg::Major => Strategy::Major,
    }
}

/// A progress bar on standard error, drawn only on a terminal and only once the lookups have
/// taken longer than [`PROGRESS_DELAY`].
struct Progress {
    bar: ProgressBar,
    started: Instant,
    terminal: bool,
    shown: AtomicBool,
}

impl Progress {
    fn new(total: usize) -> Self {
        let bar = ProgressBar::with_draw_target(
            Some(u64::try_from(total).unwrap_or(u64::MAX)),
            ProgressDrawTarget::hidden(),
        );
        if let Ok(style) =
            ProgressStyle::with_template("{spinner} checking the index {pos}/{len} {wide_bar}")
        {
            bar.set_style(style);
        }
        Self {
            bar,
            started: Instant::now(),
            terminal: std::io::stderr().is_terminal(),
            shown: AtomicBool::new(false),
        }
    }

    fn update(&self, done: usize) {
        if !self.terminal {
            return;
        }
        self.bar
            .set_position(u64::try_from(done).unwrap_or(u64::MAX));
        if self.started.elapsed() >= PROGRESS_DELAY && !self.shown.swap(true, Ordering::Relaxed) {
            self.bar.set_draw_target(ProgressDrawTarget::stderr());
            self.bar.enable_steady_tick(Duration::from_millis(100));
        }
    }

    fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
