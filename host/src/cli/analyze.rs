//! `analyze-perf RESULT...`: CSV export and model training.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

use super::result_parsers::ReaderArgs;
use super::store_args::{StoreArgs, StoredBuilds};
use crate::analyze::model::{DEFAULT_TOLERANCE, Tolerance};
use crate::analyze::{AnalyzeRequest, analyze};

/// Command line of analyze-perf.
#[derive(Debug, Parser)]
#[command(
    name = "analyze-perf",
    version,
    infer_long_args = true,
    about = "Export run-perf results to CSV and train models for compare-perf"
)]
pub struct Args {
    /// Paths to run-perf results, or @ID for a build in the history store.
    #[arg(required = true)]
    pub results: Vec<PathBuf>,
    /// Dump primary results to this CSV file.
    #[arg(short = 'c', long = "csv", value_name = "CSV")]
    pub csv: Option<PathBuf>,
    /// Write a per-check linear regression model using the min-max range
    /// widened to the tolerance (recommended -t 8 for 2 results, 4 for 5+).
    #[arg(short = 'l', long = "linear-regression", value_name = "MODEL")]
    pub linear_regression: Option<PathBuf>,
    /// Write a per-check linear regression model mapping average -/+ 3
    /// standard deviations to -/+ tolerance.
    #[arg(short = 's', long = "stddev-linear-regression", value_name = "MODEL")]
    pub stddev_linear_regression: Option<PathBuf>,
    /// Keep the deviation of this model but move its averages to the
    /// provided results; checks it lacks are trained from the results.
    #[arg(long = "rebase-model", value_name = "MODEL")]
    pub rebase_model: Option<PathBuf>,
    /// Tolerance (-x,+x) used by the models [default: 4].
    #[arg(short = 't', long = "tolerance", value_name = "TOL")]
    pub tolerance: Option<f64>,
    #[command(flatten)]
    pub store: StoreArgs,
    #[command(flatten)]
    pub common: ReaderArgs,
}

/// Entry point of the binary.
pub fn main() -> ExitCode {
    super::exit_with(1, || run(Args::parse()))
}

fn run(args: Args) -> anyhow::Result<ExitCode> {
    let parsers = args.common.init()?;
    let request = AnalyzeRequest {
        results: StoredBuilds::new(&args.store).resolve_all(&args.results)?,
        csv: args.csv,
        linear_model: args.linear_regression,
        stddev_model: args.stddev_linear_regression,
        rebase_model: args.rebase_model,
        tolerance: args.tolerance.map_or(DEFAULT_TOLERANCE, Tolerance::Given),
    };
    analyze(&request, &parsers)?;
    Ok(ExitCode::SUCCESS)
}
