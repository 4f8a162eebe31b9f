//! `compare-perf` front end (docs/compare-perf.md): parses the reference's options,
//! reads the results, runs the comparison and writes the reports.
//!
//! Per-check lines and tables are logged like the reference logs them: to
//! stderr as `LEVEL| message`, failures always, the rest with `-v`.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, bail};
use clap::Parser;
use indicatif::{ProgressBar, ProgressStyle};
use tracing::level_filters::LevelFilter;

use super::compare_builds::{BuildJob, compare_builds};
use super::compare_log::CompareLog;
use super::store_args::{StoreArgs, StoredBuilds};
use crate::compare::{
    Comparison, DEFAULT_TOLERANCE, LinearModel, Role, Settings, SourceInfo, Tolerance,
};
use crate::reports::{self, Report};
use crate::results::{LoadProgress, Parallelism, ResultInput, ResultParsers, ResultTree};

/// Compare run-perf results: the first is the source, the last the
/// destination, the ones between are references.
#[derive(Debug, Parser)]
#[command(name = "compare-perf", version, about, infer_long_args = true)]
pub struct Args {
    /// Results as PATH or NAME:PATH (source, references..., destination);
    /// @ID or NAME:@ID for a build in the history store (--store).
    #[arg(required = true, num_args = 1..)]
    pub results: Vec<String>,
    /// Reference builds, as an option (the seed README's spelling): the
    /// same as giving them between the source and the destination; a
    /// build given both ways, or also given as source or destination, is
    /// used once.
    #[arg(long, num_args = 1.., value_name = "RESULT")]
    pub references: Vec<String>,
    /// Include incorrect/partial results (by default only [0-9]* serials
    /// and no `-failN` iterations).
    #[arg(long)]
    pub include_incorrect_results: bool,
    /// Acceptable tolerance of means in percent [default: 5].
    #[arg(short = 't', long, allow_negative_numbers = true)]
    pub tolerance: Option<f64>,
    /// Acceptable tolerance of standard deviations [default: 5].
    #[arg(short = 's', long, allow_negative_numbers = true)]
    pub stddev_tolerance: Option<f64>,
    /// Weight of the average-of-all-builds modifier (0 = off).
    #[arg(long, default_value_t = 0.0)]
    pub model_builds_average: f64,
    /// Linear regression model files (from analyze-perf -l/-s).
    #[arg(short = 'l', long, num_args = 1..)]
    pub model_linear_regression: Vec<PathBuf>,
    /// Weight of the N-out-of-results modifier (0 = off).
    #[arg(long, default_value_t = 0.0)]
    pub n_out_of_results: f64,
    /// How many builds may fail and still PASS.
    #[arg(long, default_value_t = 2, allow_negative_numbers = true)]
    pub n_out_of_results_n: i64,
    /// Write a standalone HTML report to PATH.
    #[arg(long)]
    pub html: Option<PathBuf>,
    /// Charts in the HTML report.
    #[arg(long)]
    pub html_with_charts: bool,
    /// Smaller HTML report without full environments.
    #[arg(long)]
    pub html_small_file: bool,
    /// Write XUnit/JUnit results to PATH.
    #[arg(long)]
    pub xunit: Option<PathBuf>,
    /// Write every destination check as JSON to PATH (docs/compare-json.md).
    #[arg(long)]
    pub json: Option<PathBuf>,
    /// Write a short Markdown summary to PATH.
    #[arg(long)]
    pub markdown: Option<PathBuf>,
    /// Increase the stderr verbosity (-v info, -vv debug).
    #[arg(short, long, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Store the debug log to FILE.
    #[arg(long)]
    pub log: Option<PathBuf>,
    #[command(flatten)]
    pub plugins: crate::plugins::PluginArgs,
    #[command(flatten)]
    pub store: StoreArgs,
}

/// A result given on the command line.
pub(super) struct NamedResult {
    /// The name shown in reports (the argument when no `NAME:` was given).
    pub name: String,
    /// The result directory.
    pub path: PathBuf,
    /// Where its checks come from.
    pub input: ResultInput,
}

impl NamedResult {
    /// What tells two results apart: the canonical directory, or `@ID`.
    fn key(&self) -> PathBuf {
        match &self.input {
            ResultInput::Read(read) => PathBuf::from(&read.origin),
            ResultInput::Dir(path) => std::fs::canonicalize(path).unwrap_or_else(|_| path.clone()),
        }
    }
}

/// The (name, id) of an `@ID` or `NAME:@ID` argument.
fn stored_build(arg: &str) -> Option<(Option<&str>, &str)> {
    match arg.split_once(':') {
        Some((name, rest)) if !arg.starts_with('@') && rest.starts_with('@') => {
            Some((Some(name), &rest[1..]))
        }
        _ => StoredBuilds::id(arg).map(|id| (None, id)),
    }
}

/// A result argument: `@ID` or `NAME:@ID` from the store (named after the
/// directory it was added from, as that tree would be), else as
/// [`named_result`] reads it.
fn resolve(arg: &str, stored: &mut StoredBuilds) -> anyhow::Result<NamedResult> {
    let Some((name, id)) = stored_build(arg) else {
        return named_result(arg);
    };
    let input = stored.input(id)?;
    let path = input.path().to_path_buf();
    Ok(NamedResult {
        name: name.map_or_else(|| path.display().to_string(), str::to_string),
        path,
        input,
    })
}

/// Parses `[name:]path` like the reference: `name:path` when that path
/// exists, else the whole argument as a path.
pub(super) fn named_result(arg: &str) -> anyhow::Result<NamedResult> {
    if let Some((name, path)) = arg.split_once(':')
        && Path::new(path).exists()
    {
        let path = std::path::absolute(path).unwrap_or_else(|_| PathBuf::from(path));
        return Ok(NamedResult {
            name: name.to_string(),
            input: ResultInput::Dir(path.clone()),
            path,
        });
    }
    if Path::new(arg).exists() {
        return Ok(NamedResult {
            name: arg.to_string(),
            path: PathBuf::from(arg),
            input: ResultInput::Dir(PathBuf::from(arg)),
        });
    }
    match arg.split_once(':') {
        Some((_, path)) => bail!("none of the possible result paths exists: {path} or {arg}"),
        None => bail!("result path {arg} does not exist"),
    }
}

/// The positional results with `--references` builds inserted before the
/// destination, each build (by canonical path) used once.
fn with_references(positional: Vec<NamedResult>, extra: Vec<NamedResult>) -> Vec<NamedResult> {
    if extra.is_empty() {
        return positional;
    }
    let key = NamedResult::key;
    let mut all = positional;
    let target = if all.len() > 1 { all.pop() } else { None };
    let mut seen: Vec<PathBuf> = all.iter().chain(target.as_ref()).map(key).collect();
    for result in extra {
        let k = key(&result);
        if !seen.contains(&k) {
            seen.push(k);
            all.push(result);
        }
    }
    all.extend(target);
    all
}

/// Progress bar on stderr while reading, only in a terminal.
struct Progress(ProgressBar);

impl Progress {
    fn new(label: &str) -> Self {
        let bar = if std::io::stderr().is_terminal() {
            let bar = ProgressBar::new(0);
            let style =
                ProgressStyle::with_template("{prefix} [{bar:40}] {pos}/{len} test directories")
                    .unwrap_or_else(|_| ProgressStyle::default_bar());
            bar.set_style(style);
            bar.set_prefix(label.to_string());
            bar
        } else {
            ProgressBar::hidden()
        };
        Self(bar)
    }
}

impl LoadProgress for Progress {
    fn discovered(&self, count: usize) {
        self.0.inc_length(count as u64);
    }
    fn test_done(&self) {
        self.0.inc(1);
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.0.finish_and_clear();
    }
}

fn load(
    result: &NamedResult,
    include_incorrect: bool,
    parsers: &ResultParsers,
    log: &CompareLog,
) -> anyhow::Result<ResultTree> {
    log.flush();
    let progress = Progress::new(&result.name);
    let (tree, notes) =
        result
            .input
            .read(include_incorrect, parsers, Parallelism::Files, &progress)?;
    crate::log_note::emit_all(&notes);
    Ok(tree)
}

fn write_report(report: &dyn Report, comparison: &Comparison, path: &Path) -> anyhow::Result<()> {
    reports::write_file(report, comparison, path)?;
    tracing::info!("{} results written to {}", report.name(), path.display());
    Ok(())
}

fn run(args: Args) -> anyhow::Result<ExitCode> {
    let log = CompareLog::install(args.verbose, args.log.as_deref())?;
    let parsers = super::result_parsers::load(&args.plugins);
    let mut stored = StoredBuilds::new(&args.store);
    stored.prefetch(
        args.results
            .iter()
            .chain(&args.references)
            .filter_map(|arg| stored_build(arg).map(|(_, id)| id)),
    );
    let positional = args
        .results
        .iter()
        .map(|arg| resolve(arg, &mut stored))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let extra = args
        .references
        .iter()
        .map(|arg| resolve(arg, &mut stored))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let results = with_references(positional, extra);
    if args.include_incorrect_results && results.iter().skip(1).any(|r| r.input.is_stored()) {
        bail!(
            "stored builds hold the results read without --include-incorrect-results; \
             compare their trees to include incorrect results"
        );
    }
    let models = args
        .model_linear_regression
        .iter()
        .map(|path| LinearModel::load(path))
        .collect::<Result<Vec<_>, _>>()?;
    let settings = Settings {
        mean_tolerance: args.tolerance.map_or(DEFAULT_TOLERANCE, Tolerance::Given),
        stddev_tolerance: args
            .stddev_tolerance
            .map_or(DEFAULT_TOLERANCE, Tolerance::Given),
        models,
        builds_average: args.model_builds_average,
        n_out_of_results: args.n_out_of_results,
        n_out_of_results_n: args.n_out_of_results_n,
        // Only the HTML report looks at the records of reference builds,
        // the JSON report at their summaries.
        keep_reference_records: args.html.is_some(),
        keep_reference_summaries: args.json.is_some(),
    };
    let (source, rest) = results.split_first().context("no result given")?;
    // The reference always reads the source without incorrect results.
    let source_tree = load(source, false, &parsers, &log)?;
    let source_info = SourceInfo {
        name: source.name.clone(),
        path: source.path.clone(),
        metadata: source.input.metadata(),
    };
    let mut comparison = Comparison::new(settings, source_info, &source_tree);
    drop(source_tree);
    // With a single result the source is compared with itself.
    let (target, references) = rest.split_last().unwrap_or((source, &[]));
    let jobs: Vec<BuildJob> = references
        .iter()
        .map(|r| (r, Role::Reference))
        .chain(std::iter::once((target, Role::Target)))
        .map(|(result, role)| BuildJob {
            name: result.name.clone(),
            path: result.path.clone(),
            input: result.input.clone(),
            role,
        })
        .collect();
    log.flush();
    let progress = Arc::new(Progress::new("results"));
    compare_builds(
        &mut comparison,
        &jobs,
        args.include_incorrect_results,
        &parsers,
        progress,
    )?;
    if let Some(path) = &args.xunit {
        write_report(&reports::xunit::Xunit, &comparison, path)?;
    }
    // The tables are only logged at info level: skip them when nothing
    // would show them.
    let tables_shown = LevelFilter::current() >= tracing::Level::INFO;
    if let Some(target) = comparison.target().filter(|_| tables_shown) {
        for table in reports::text::per_type_tables(target) {
            tracing::info!("\n\n{table}\n\n");
        }
        tracing::info!("\n\n{}\n\n", reports::text::summary_table(target));
    }
    if let Some(path) = &args.json {
        write_report(
            &reports::json::Json { all_builds: false },
            &comparison,
            path,
        )?;
    }
    if let Some(path) = &args.markdown {
        write_report(&reports::markdown::Markdown, &comparison, path)?;
    }
    if let Some(path) = &args.html {
        let html = reports::html::Html {
            with_charts: args.html_with_charts,
            small_file: args.html_small_file,
        };
        write_report(&html, &comparison, path)?;
    }
    Ok(ExitCode::from(finish(&comparison)))
}

/// Logs the outcome like the reference and returns the exit code.
fn finish(comparison: &Comparison) -> u8 {
    let outcome = comparison.outcome();
    let records = comparison.target().map_or(0, |t| t.records.len());
    let code = outcome.exit_code(records);
    match code {
        2 => tracing::error!(
            "{}/{}/{}/{} primary/grouped/non-primary/all checks failed, see logs for details",
            outcome.failures,
            outcome.grouped_failures,
            outcome.non_primary_failures,
            outcome.total
        ),
        3 => tracing::error!("No comparisons performed"),
        _ if outcome.non_primary_failures > 0 => tracing::warn!(
            "{}/{} non-primary results failed.",
            outcome.non_primary_failures,
            records
        ),
        _ => tracing::info!("All {records} checks were in limits"),
    }
    code
}

/// Entry point of the binary: exit 2 on regression, 3 when nothing was
/// compared, 1 on usage errors and unusable input, 0 otherwise.
pub fn main() -> ExitCode {
    let args = match super::parse_or_exit::<Args>() {
        Ok(args) => args,
        Err(code) => return code,
    };
    // The log is flushed when `run` drops it, before an error is printed.
    super::exit_with(1, || run(args))
}
