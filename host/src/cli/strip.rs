//! `strip-run-perf SRC DST`: keep only what the comparison tools read.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

use super::result_parsers::ReaderArgs;

use crate::strip::{StripOptions, strip};

/// Command line of strip-run-perf.
#[derive(Debug, Parser)]
#[command(
    name = "strip-run-perf",
    version,
    infer_long_args = true,
    about = "Copy a run-perf result keeping only the data the run-perf tools use"
)]
pub struct Args {
    /// Path to the run-perf result.
    pub src: PathBuf,
    /// Where to put the stripped result (created when missing).
    pub dst: PathBuf,
    /// Include incorrect results (runs that did not complete).
    #[arg(short = 'i', long = "include-incorrect")]
    pub include_incorrect: bool,
    /// Copy the __sysinfo*__ directories as well.
    #[arg(short = 's', long = "attach-sysinfo")]
    pub attach_sysinfo: bool,
    #[command(flatten)]
    pub common: ReaderArgs,
}

/// Entry point of the binary.
pub fn main() -> ExitCode {
    super::exit_with(1, || run(Args::parse()))
}

fn run(args: Args) -> anyhow::Result<ExitCode> {
    let parsers = args.common.init()?;
    let options = StripOptions {
        include_incorrect: args.include_incorrect,
        attach_sysinfo: args.attach_sysinfo,
    };
    let report = strip(&args.src, &args.dst, options, &parsers)?;
    tracing::info!(
        "stripped {} results, copied {} error and {} sysinfo directories to {}",
        report.results,
        report.errors,
        report.sysinfo,
        args.dst.display()
    );
    if report.failures.is_empty() {
        return Ok(ExitCode::SUCCESS);
    }
    for failure in &report.failures {
        eprintln!("error: {failure}");
    }
    anyhow::bail!(
        "{} part(s) of {} could not be stripped; the rest is in {}",
        report.failures.len(),
        args.src.display(),
        args.dst.display()
    )
}
