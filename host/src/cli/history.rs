//! `history-perf`: every build's results in one store (SQLite or
//! PostgreSQL): add result trees, list builds and series, show one series,
//! remove a build, exchange histories with Apache Otava as CSV, detect
//! change points and triage them.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand, ValueEnum};

use super::compare::named_result;
use super::result_parsers::ReaderArgs;
use super::store_args::StoreArgs;
use crate::history::otava_csv::{self, Row};
use crate::history::triage::Action;
use crate::history::{AddOutcome, BuildRecord, Store};
use crate::results::{CheckValue, Metadata, NoProgress, Parallelism, ResultParsers, ResultTree};

/// Keep every build's results in one store, for the compare tools (`@ID`)
/// and change-point detection.
#[derive(Debug, Parser)]
#[command(
    name = "history-perf",
    version,
    about,
    infer_long_args = true,
    infer_subcommands = true
)]
pub struct Args {
    #[command(subcommand)]
    pub command: Command,
    #[command(flatten)]
    pub store: StoreArgs,
    #[command(flatten)]
    pub common: ReaderArgs,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Add result trees (PATH or NAME:PATH, NAME being the build id), each
    /// in one transaction.
    Add {
        /// Build id (one RESULT only; default: the NAME of NAME:PATH, else
        /// metadata `build`, else the directory name).
        #[arg(long)]
        build: Option<String>,
        /// Order key (one RESULT only; default: the build id when it is a
        /// number, else after every stored build).
        #[arg(long, allow_negative_numbers = true)]
        order: Option<i64>,
        /// Replace a stored build of the same id with different results.
        #[arg(long)]
        replace: bool,
        /// Result trees.
        #[arg(required = true, value_name = "RESULT")]
        results: Vec<String>,
    },
    /// List the stored builds in order.
    List {
        /// Only builds of this machine (metadata `machine`).
        #[arg(long)]
        machine: Option<String>,
        /// Only the last N builds.
        #[arg(long, value_name = "N")]
        last: Option<usize>,
    },
    /// List the series (check names) and how many builds have each.
    Series {
        /// Only names matching this glob (`*` also matches `/`).
        glob: Option<String>,
    },
    /// Show one check over the builds.
    Show {
        /// The check name.
        check: String,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Remove a build.
    Remove {
        /// The build id.
        build: String,
        /// Confirm the removal.
        #[arg(long)]
        yes: bool,
    },
    /// Write the history as CSV.
    Export {
        /// Output format.
        #[arg(long, value_enum)]
        format: Format,
        /// Write to FILE instead of stdout.
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Only builds of this machine.
        #[arg(long)]
        machine: Option<String>,
        /// Only metrics matching this glob.
        glob: Option<String>,
    },
    /// Find change points over every series (docs/detect.md).
    Detect(super::detect::DetectArgs),
    /// Acknowledge a change `detect` reported: known and being dealt with,
    /// it no longer fails `detect`.
    Ack(super::triage::TriageArgs),
    /// Dismiss a change `detect` reported as not a real one: it no longer
    /// fails `detect`.
    Dismiss(super::triage::TriageArgs),
    /// Make an acknowledged or dismissed change new again.
    Reopen(super::triage::TriageArgs),
    /// Add builds from CSV, one per row.
    Import {
        /// Input format.
        #[arg(long, value_enum)]
        format: Format,
        /// The time column.
        #[arg(long, default_value = otava_csv::TIME)]
        time_column: String,
        /// Attribute columns (not metrics); the first one present is the
        /// build id.
        #[arg(long, value_delimiter = ',', default_values_t = otava_csv::ATTRIBUTES.map(String::from))]
        attributes: Vec<String>,
        /// Replace stored builds of the same ids.
        #[arg(long)]
        replace: bool,
        /// The CSV file.
        file: PathBuf,
    },
}

/// Exchange formats.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Format {
    /// Apache Otava's CSV (time, attributes, one column per metric).
    OtavaCsv,
}

/// Entry point of the binary: 0 on success, 1 on any error.
pub fn main() -> ExitCode {
    let args = match super::parse_or_exit::<Args>() {
        Ok(args) => args,
        Err(code) => return code,
    };
    super::exit_with(1, || run(args))
}

fn run(args: Args) -> anyhow::Result<ExitCode> {
    let parsers = args.common.init()?;
    let out = &mut std::io::stdout().lock();
    let command = match args.command {
        Command::Detect(detect) => {
            // --trees needs no store (and must not create one).
            if !detect.trees.is_empty() {
                let history = super::detect::trees(&detect, &parsers)?;
                return super::detect::detect(&detect, &history, None, out);
            }
            let mut store = args.store.open()?;
            let history = super::detect::stored(&detect, &mut *store)?;
            return super::detect::detect(&detect, &history, Some(&mut *store), out);
        }
        command => command,
    };
    let mut store = args.store.open()?;
    match command {
        Command::Detect(_) => {}
        Command::Ack(triage) => super::triage::run(out, &mut *store, &triage, Action::Ack)?,
        Command::Dismiss(triage) => super::triage::run(out, &mut *store, &triage, Action::Dismiss)?,
        Command::Reopen(triage) => super::triage::run(out, &mut *store, &triage, Action::Reopen)?,
        Command::Add {
            build,
            order,
            replace,
            results,
        } => {
            if results.len() > 1 && (build.is_some() || order.is_some()) {
                bail!("--build and --order apply to one RESULT; add the trees one at a time");
            }
            for arg in &results {
                let record = read_tree(arg, build.as_deref(), order, &parsers)?;
                let outcome = store.add(&record, replace)?;
                report_add(out, &*store, &record, outcome)?;
            }
        }
        Command::List { machine, last } => {
            let builds = store.list(machine.as_deref(), last)?;
            let rows: Vec<[String; 6]> = builds
                .into_iter()
                .map(|b| {
                    [
                        b.id,
                        b.order.to_string(),
                        b.machine,
                        b.distro,
                        b.added,
                        b.checks.to_string(),
                    ]
                })
                .collect();
            write_table(
                out,
                ["BUILD", "ORDER", "MACHINE", "DISTRO", "ADDED", "CHECKS"],
                &rows,
            )?;
        }
        Command::Series { glob } => {
            let matcher = glob.as_deref().map(compile_glob).transpose()?;
            for series in store.series(matcher.as_ref())? {
                writeln!(out, "{:>6} {}", series.points, series.name)?;
            }
        }
        Command::Show { check, json } => show(out, &mut *store, &check, json)?,
        Command::Remove { build, yes } => {
            if !yes {
                bail!("removing build {build} cannot be undone; pass --yes to remove it");
            }
            store.remove(&build)?;
            writeln!(out, "removed build {build} from {}", store.location())?;
        }
        Command::Export {
            format: Format::OtavaCsv,
            output,
            machine,
            glob,
        } => {
            let matcher = glob.as_deref().map(compile_glob).transpose()?;
            let summaries = store.list(machine.as_deref(), None)?;
            let builds = summaries
                .iter()
                .map(|s| store.load_checks(&s.id))
                .collect::<Result<Vec<_>, _>>()?;
            let rows: Vec<Row> = summaries
                .iter()
                .zip(&builds)
                .map(|(s, build)| Row {
                    time: &s.added,
                    build,
                })
                .collect();
            let text = otava_csv::write(&rows, |name| {
                matcher.as_ref().is_none_or(|m| m.is_match(name))
            });
            match output {
                Some(path) => std::fs::write(&path, text)
                    .with_context(|| format!("cannot write {}", path.display()))?,
                None => out.write_all(text.as_bytes())?,
            }
        }
        Command::Import {
            format: Format::OtavaCsv,
            time_column,
            attributes,
            replace,
            file,
        } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let path = std::path::absolute(&file).unwrap_or(file.clone());
            let builds = otava_csv::read(
                &text,
                &path.display().to_string(),
                &time_column,
                &attributes,
            )
            .with_context(|| format!("{}: not an Otava CSV file", file.display()))?;
            for record in &builds {
                let outcome = store.add(record, replace)?;
                report_add(out, &*store, record, outcome)?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Reads one RESULT argument the way compare-perf does, as a record.
pub(super) fn read_tree(
    arg: &str,
    build: Option<&str>,
    order: Option<i64>,
    parsers: &ResultParsers,
) -> anyhow::Result<BuildRecord> {
    let named = named_result(arg)?;
    let path = std::path::absolute(&named.path).unwrap_or(named.path.clone());
    let name = (named.name != arg).then_some(named.name.as_str());
    read_dir(&path, build.or(name), order, parsers)
}

/// Reads the tree at `path` (absolute: reports show it) as a record, with
/// the per-sample values of its pbench means; `parsers` read the files
/// besides `result.json`.
pub fn read_dir(
    path: &Path,
    build: Option<&str>,
    order: Option<i64>,
    parsers: &ResultParsers,
) -> anyhow::Result<BuildRecord> {
    let (tree, notes) =
        ResultTree::read_with_progress(path, false, parsers, Parallelism::Files, &NoProgress)?;
    crate::log_note::emit_all(&notes);
    let metadata = Metadata::read_text(path).unwrap_or_default();
    let mut record = BuildRecord::from_tree(&tree, notes, metadata, build, order);
    record.samples = crate::history::samples::read(path, &record.checks);
    Ok(record)
}

fn report_add(
    out: &mut dyn Write,
    store: &dyn Store,
    record: &BuildRecord,
    outcome: AddOutcome,
) -> anyhow::Result<()> {
    let what = match outcome {
        AddOutcome::Added => "added",
        AddOutcome::Replaced => "replaced",
        AddOutcome::Unchanged => {
            writeln!(
                out,
                "build {} unchanged: {} holds the same results already",
                record.id,
                store.location()
            )?;
            return Ok(());
        }
    };
    writeln!(
        out,
        "{what} build {} ({} checks from {}) in {}",
        record.id,
        record.checks.len(),
        record.path,
        store.location()
    )?;
    Ok(())
}

pub(super) fn compile_glob(pattern: &str) -> anyhow::Result<globset::GlobMatcher> {
    Ok(globset::Glob::new(pattern)
        .with_context(|| format!("{pattern:?} is not a valid glob"))?
        .compile_matcher())
}

fn show(out: &mut dyn Write, store: &mut dyn Store, check: &str, json: bool) -> anyhow::Result<()> {
    let points = store.show(check)?;
    if points.is_empty() {
        bail!(
            "no check {check} in {}; `history-perf series` lists them",
            store.location()
        );
    }
    if json {
        let values: Vec<serde_json::Value> = points
            .iter()
            .map(|p| {
                let value = match &p.value {
                    CheckValue::Int(v) => serde_json::json!(v),
                    CheckValue::Float(v) => serde_json::json!(v),
                    CheckValue::Text(t) => serde_json::json!(t),
                    CheckValue::Broken(_) => serde_json::Value::Null,
                };
                let mut point = serde_json::json!({
                    "build": p.build, "order": p.order, "added": p.added, "value": value,
                });
                if let CheckValue::Broken(why) = &p.value {
                    point["broken"] = serde_json::json!(why);
                }
                if let Some(samples) = &p.samples {
                    point["samples"] = serde_json::json!(samples);
                }
                point
            })
            .collect();
        let doc = serde_json::json!({"check": check, "points": values});
        writeln!(out, "{}", serde_json::to_string_pretty(&doc)?)?;
    } else {
        let rows: Vec<[String; 3]> = points
            .into_iter()
            .map(|p| [p.build, p.order.to_string(), p.value.to_string()])
            .collect();
        write_table(out, ["BUILD", "ORDER", "VALUE"], &rows)?;
    }
    Ok(())
}

/// Left-aligned columns separated by two spaces.
fn write_table<const N: usize>(
    out: &mut dyn Write,
    header: [&str; N],
    rows: &[[String; N]],
) -> anyhow::Result<()> {
    let mut widths = header.map(str::len);
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut line = |cells: [&str; N]| -> std::io::Result<()> {
        let text: Vec<String> = cells
            .iter()
            .zip(widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        writeln!(out, "{}", text.join("  ").trim_end())
    };
    line(header)?;
    for row in rows {
        line(row.each_ref().map(String::as_str))?;
    }
    Ok(())
}
