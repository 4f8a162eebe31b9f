//! `history-perf detect`: change points over every series of the history
//! (or of trees given in order), reported as text lines, JSON, Markdown,
//! HTML and xunit. The engine is `crate::detect`; this module only reads the
//! builds, records the changes in the store (with their triage) and writes
//! the reports.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::ValueEnum;

use crate::detect::engine::{self, Algorithm};
use crate::detect::html;
use crate::detect::otava::OtavaParams;
use crate::detect::report::{self, BuildInfo};
use crate::detect::runperf::RunperfParams;
use crate::detect::series::{Assembler, Assembly, BuildView};
use crate::detect::xunit;
use crate::history::{BuildRecord, Store};
use crate::results::{Metadata, ResultParsers};

/// The engines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AlgorithmName {
    /// Noise-aware segmentation with outliers and FDR (docs/detect.md).
    Runperf,
    /// Apache Otava 0.8's windowed e-divisive, reproduced exactly.
    Otava,
}

/// Options of `history-perf detect`.
#[derive(Debug, clap::Args)]
pub struct DetectArgs {
    /// Metadata keys whose values split a check into series.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "machine",
        value_name = "KEYS"
    )]
    pub series_by: Vec<String>,
    /// Only the last N builds of the store.
    #[arg(long, value_name = "N")]
    pub last: Option<usize>,
    /// Only the builds from BUILD on (in store order).
    #[arg(long, value_name = "BUILD", conflicts_with = "last")]
    pub since: Option<String>,
    /// Only checks matching this glob (`*` also matches `/`).
    #[arg(long, value_name = "GLOB")]
    pub check: Option<String>,
    /// The engine.
    #[arg(long, value_enum, default_value_t = AlgorithmName::Runperf)]
    pub algorithm: AlgorithmName,
    /// runperf: fewest builds on each side of a step.
    #[arg(long, default_value_t = 3)]
    pub min_segment: usize,
    /// runperf: false discovery rate across all series.
    #[arg(long, default_value_t = 0.05)]
    pub fdr: f64,
    /// runperf: smallest change reported, in noise units.
    #[arg(long, default_value_t = 1.0)]
    pub min_effect: f64,
    /// otava: values per window.
    #[arg(long, default_value_t = 50)]
    pub window: usize,
    /// otava: significance of the change points.
    #[arg(long, default_value_t = 0.001)]
    pub max_pvalue: f64,
    /// otava: relative change kept whatever its p-value.
    #[arg(long, default_value_t = 0.0)]
    pub min_magnitude: f64,
    /// Exit 2 when a new (not acknowledged, not dismissed) regression's
    /// first bad build is among the latest N.
    #[arg(long, default_value_t = 1, value_name = "N")]
    pub fail_recent: usize,
    /// Write the JSON report to P.
    #[arg(long, value_name = "P")]
    pub json: Option<PathBuf>,
    /// Write a Markdown job summary (regressions first) to P.
    #[arg(long, value_name = "P")]
    pub markdown: Option<PathBuf>,
    /// Write a self-contained HTML page (summary, changes with bisect
    /// range, effect and environment diff) to P.
    #[arg(long, value_name = "P")]
    pub html: Option<PathBuf>,
    /// Write an xunit report (a testcase per series, failing on the
    /// regressions `--fail-recent` fails on) to P.
    #[arg(long, value_name = "P")]
    pub xunit: Option<PathBuf>,
    /// Analyse these result trees, in this order, instead of the store.
    #[arg(long, num_args = 1.., value_name = "DIR")]
    pub trees: Vec<String>,
}

impl DetectArgs {
    fn algorithm(&self) -> Algorithm {
        match self.algorithm {
            AlgorithmName::Runperf => Algorithm::Runperf(RunperfParams {
                min_segment: self.min_segment,
                fdr: self.fdr,
                min_effect: self.min_effect,
            }),
            AlgorithmName::Otava => Algorithm::Otava(OtavaParams {
                window: self.window,
                max_pvalue: self.max_pvalue,
                min_magnitude: self.min_magnitude,
            }),
        }
    }
}

/// The builds of one detection, read one at a time: what the reports need
/// of each (id, order key, metadata) and the series of their checks. The
/// records themselves are dropped once their checks are in the series, so
/// a long history is never held whole.
pub struct History {
    builds: Vec<Head>,
    assembly: Assembly,
}

/// What the reports need of one build.
struct Head {
    id: String,
    order: i64,
    metadata: Metadata,
}

/// Adds `records` in order to the series of one detection.
fn gather(
    args: &DetectArgs,
    records: impl Iterator<Item = anyhow::Result<BuildRecord>>,
) -> anyhow::Result<History> {
    let matcher = args
        .check
        .as_deref()
        .map(super::history::compile_glob)
        .transpose()?;
    let mut assembler = Assembler::new(&args.series_by, |name: &str| {
        matcher.as_ref().is_none_or(|m| m.is_match(name))
    });
    let mut builds = Vec::new();
    for record in records {
        let record = record?;
        let metadata = record.parsed_metadata();
        assembler.add(&BuildView {
            id: &record.id,
            metadata: &metadata,
            checks: &record.checks,
            samples: &record.samples,
        });
        builds.push(Head {
            order: record.order.unwrap_or(0),
            id: record.id,
            metadata,
        });
    }
    Ok(History {
        builds,
        assembly: assembler.finish(),
    })
}

/// The builds of the trees, in the order given (order keys 1, 2, ...).
pub fn trees(args: &DetectArgs, parsers: &ResultParsers) -> anyhow::Result<History> {
    let records = args
        .trees
        .iter()
        .enumerate()
        .map(|(i, tree)| super::history::read_tree(tree, None, Some(i as i64 + 1), parsers));
    gather(args, records)
}

/// The builds of the store, in order, narrowed by `--last`/`--since`.
pub fn stored(args: &DetectArgs, store: &mut dyn Store) -> anyhow::Result<History> {
    let mut summaries = store.list(None, args.last)?;
    if summaries.is_empty() {
        bail!(
            "{} holds no builds: add some with `history-perf add RESULT...`",
            store.location()
        );
    }
    if let Some(since) = &args.since {
        let Some(at) = summaries.iter().position(|s| &s.id == since) else {
            bail!(
                "--since {since}: no such build in {} (see `history-perf list`)",
                store.location()
            );
        };
        summaries.drain(..at);
    }
    let records = summaries.iter().map(|s| {
        let mut record = store.load(&s.id)?;
        record.order = Some(s.order);
        Ok(record)
    });
    gather(args, records)
}

/// Runs the detection over the builds of `history` and reports; exit code
/// 2 when a new regression starts among the latest `--fail-recent` builds,
/// else 0. With the `store` the builds came from, the changes found are
/// recorded there (so that `ack ID` knows them) and reported with their
/// triage; without one (`--trees`) every change is new.
pub fn detect(
    args: &DetectArgs,
    history: &History,
    store: Option<&mut dyn Store>,
    out: &mut dyn Write,
) -> anyhow::Result<ExitCode> {
    let algorithm = args.algorithm();
    if let Err(message) = engine::validate(&algorithm) {
        bail!(message);
    }
    let builds = &history.builds;
    let mut orders: Vec<(i64, &str)> = builds.iter().map(|b| (b.order, b.id.as_str())).collect();
    orders.sort_unstable();
    for pair in orders.windows(2) {
        if pair[0].0 == pair[1].0 {
            tracing::warn!(
                "builds {} and {} share the order key {}: ordered by id",
                pair[0].1,
                pair[1].1,
                pair[0].0
            );
        }
    }
    let assembly = &history.assembly;
    for warning in &assembly.warnings {
        tracing::warn!("{warning}");
    }
    let inputs: Vec<_> = assembly.series.iter().map(|s| s.input.clone()).collect();
    let results = engine::detect(&inputs, &algorithm);
    let infos: Vec<BuildInfo> = builds
        .iter()
        .map(|b| BuildInfo {
            id: &b.id,
            order: b.order,
            metadata: &b.metadata,
        })
        .collect();
    let mut findings = report::findings(&assembly.series, &results, &infos);
    if let Some(store) = store {
        let known: Vec<_> = findings.iter().map(|f| f.known(&infos)).collect();
        let mut triage = store.report_changes(&known)?;
        for f in &mut findings {
            f.triage = triage.remove(&f.id).unwrap_or_default();
        }
    }
    let skipped = report::skipped(&results);
    for f in &findings {
        writeln!(out, "{}", report::text_line(f, &infos))?;
    }
    let name = match args.algorithm {
        AlgorithmName::Runperf => "runperf",
        AlgorithmName::Otava => "otava",
    };
    let summary = format!(
        "{} changes in {} series of {} builds ({name}); {skipped} series too short, {} values left out",
        findings.len(),
        assembly.series.len(),
        builds.len(),
        assembly.warnings.len()
    );
    writeln!(out, "{summary}")?;
    if let Some(path) = &args.markdown {
        std::fs::write(path, report::markdown(&summary, &findings, &infos))
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    let recent = builds.len().saturating_sub(args.fail_recent);
    if let Some(path) = &args.json {
        let json = report::json_report(
            name,
            assembly.series.len(),
            skipped,
            &assembly.warnings,
            &findings,
            &infos,
            recent,
        );
        std::fs::write(path, format!("{json:#}\n"))
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    if let Some(path) = &args.html {
        let page = html::html(
            &summary,
            &findings,
            &assembly.series,
            &infos,
            recent,
            args.fail_recent,
        )?;
        std::fs::write(path, page).with_context(|| format!("cannot write {}", path.display()))?;
    }
    if let Some(path) = &args.xunit {
        let xml = xunit::xunit(&assembly.series, &results, &findings, &infos, recent)
            .with_context(|| format!("cannot build the xunit report for {}", path.display()))?;
        std::fs::write(path, xml).with_context(|| format!("cannot write {}", path.display()))?;
    }
    let failing = findings.iter().any(|f| report::fails(f, recent));
    Ok(if failing {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}
