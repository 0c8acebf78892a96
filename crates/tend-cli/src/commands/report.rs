//! `tend report`: a recorded run's output printed again, exactly as the run produced it, from
//! the renderings the history store keeps; and [`renderings`], with which the recording
//! commands render their output once in every format they can print.
//!
//! Kept text rather than a re-rendering from the JSON report: a regulated team needs the report
//! of a past run as it was, even after tend (and its renderers) changed.

use std::borrow::Cow;
use std::path::Path;

use anyhow::Result;
use clap::ValueEnum;
use tend_store::{RunDetail, RunFilter, RunId, SqliteStore, Store};

use crate::cli::ReportArgs;
use crate::diagnostics::{ExitStatus, UsageError};

pub fn run(args: &ReportArgs, store_flag: Option<&Path>) -> Result<ExitStatus> {
    let path = crate::settings::store_path(store_flag)?;
    let store = SqliteStore::open(&path)?;
    let detail = match args.run {
        Some(id) => match store.run(RunId(id))? {
            Some(detail) => detail,
            None => anyhow::bail!(UsageError(format!(
                "the history store `{}` has no run {id}; `tend history` lists the runs it has",
                store.path().display()
            ))),
        },
        None => newest(&store, args)?,
    };
    let Some(format) = args.format.to_possible_value() else {
        anyhow::bail!("the format {:?} has no name", args.format);
    };
    let format = format.get_name();
    match store.rendering(detail.run.id, format)? {
        Some(body) => crate::output::write(args.output.as_deref(), &body)?,
        None => anyhow::bail!(UsageError(not_kept(&store, &detail, format))),
    }
    Ok(ExitStatus::Success)
}

/// The newest run, of `--kind` and on `--project` when given.
fn newest(store: &SqliteStore, args: &ReportArgs) -> Result<RunDetail> {
    // Projects are recorded absolute (`super::history`), so the filter is made absolute too.
    let project = match &args.project {
        Some(project) => Some(std::path::absolute(project)?),
        None => None,
    };
    let runs = store.runs(&RunFilter {
        kind: args.kind,
        project: project.clone(),
        limit: Some(1),
    })?;
    let Some(run) = runs.first() else {
        let store = store.path().display();
        let what = match (args.kind, &project) {
            (None, None) => {
                anyhow::bail!(UsageError(format!(
                    "the history store `{store}` has no runs yet; `tend inventory`, `tend check`, \
                     `tend audit`, `tend outdated` and `tend scan` record theirs"
                )))
            }
            (Some(kind), None) => format!("no {kind} run"),
            (None, Some(project)) => format!("no run on `{}`", project.display()),
            (Some(kind), Some(project)) => {
                format!("no {kind} run on `{}`", project.display())
            }
        };
        anyhow::bail!(UsageError(format!(
            "the history store `{store}` has {what}; `tend history` lists the runs it has"
        )));
    };
    match store.run(run.id)? {
        Some(detail) => Ok(detail),
        // Deleted between the two reads: the store is shared with other processes.
        None => anyhow::bail!(UsageError(format!(
            "run {} left the history store `{}` while it was being read",
            run.id,
            store.path().display()
        ))),
    }
}

/// Why a run cannot be printed in `format`, and what can be printed instead.
fn not_kept(store: &SqliteStore, detail: &RunDetail, format: &str) -> String {
    let run = &detail.run;
    let which = format!(
        "run {} ({}) in the history store `{}`",
        run.id,
        run.kind,
        store.path().display()
    );
    if !detail.renderings.is_empty() {
        return format!(
            "{which} was kept as {}, not as {format}",
            detail.renderings.join(", ")
        );
    }
    if run.status.is_none() {
        return format!(
            "{which} never finished (it was stopped, or is still going), so none of its output \
             was kept; `tend history show {}` shows what was recorded",
            run.id
        );
    }
    if detail.reports.is_empty() {
        return format!(
            "{which} kept no output to print; `tend history show {}` shows what was recorded",
            run.id
        );
    }
    format!(
        "{which} kept only its JSON report, not its output: it was recorded before tend kept \
         each run's output, or by a command that keeps only its report; `tend history show {} \
         --format json` prints the report",
        run.id
    )
}

/// A run's output in every format its command can print, for the history store.
pub struct Renderings<'a>(Vec<(String, Cow<'a, str>)>);

/// Renders the output in every format of `F` once, in the order `--format` lists them;
/// `printed`, already rendered as `text`, is kept as it was printed rather than rendered again.
pub fn renderings<F: ValueEnum + PartialEq + Copy>(
    printed: F,
    text: &str,
    mut render: impl FnMut(F) -> Result<String>,
) -> Result<Renderings<'_>> {
    let mut kept = Vec::new();
    for format in F::value_variants() {
        let Some(name) = format.to_possible_value() else {
            continue;
        };
        let body = if *format == printed {
            Cow::Borrowed(text)
        } else {
            Cow::Owned(render(*format)?)
        };
        kept.push((name.get_name().to_string(), body));
    }
    Ok(Renderings(kept))
}

impl Renderings<'_> {
    /// `(format, text)` pairs, as [`super::history::Finished`] takes them.
    pub fn pairs(&self) -> Vec<(&str, &str)> {
        self.0
            .iter()
            .map(|(format, body)| (format.as_str(), body.as_ref()))
            .collect()
    }

    /// The JSON rendering as the run's report named `kind`: the document `--format json`
    /// prints, which `tend history show` parses.
    pub fn report<'s>(&'s self, kind: &'s str) -> Vec<(&'s str, &'s str)> {
        self.0
            .iter()
            .filter(|(format, _)| format == "json")
            .map(|(_, body)| (kind, body.as_ref()))
            .collect()
    }
}
