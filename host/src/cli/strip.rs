//! `strip-run-perf SRC DST`: keep only what the comparison tools read.
//!
//! Also home of [`LogArgs`], the `-v`/`--log` pair shared by the
//! analysis front ends (strip, analyze, diff).

use std::fs::File;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Mutex;

use anyhow::Context;
use clap::{Args as ClapArgs, Parser};
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::prelude::*;

use crate::strip::{StripOptions, strip};

/// Command line of strip-run-perf.
#[derive(Debug, Parser)]
#[command(
    name = "strip-run-perf",
    version,
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
    pub log: LogArgs,
}

/// `-v` (repeatable) and `--log FILE`, as the reference tools take them.
#[derive(Debug, Clone, ClapArgs)]
pub struct LogArgs {
    /// Increase the stderr verbosity (-v info, -vv debug).
    #[arg(short = 'v', long = "verbose", action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Store a debug log in this file.
    #[arg(long = "log", value_name = "FILE")]
    pub log: Option<PathBuf>,
}

impl LogArgs {
    /// Sends warnings (more with `-v`) to stderr and everything to `--log`.
    pub fn init(&self) -> anyhow::Result<()> {
        let level = match self.verbose {
            0 => LevelFilter::WARN,
            1 => LevelFilter::INFO,
            _ => LevelFilter::DEBUG,
        };
        let stderr = tracing_subscriber::fmt::layer()
            .with_writer(std::io::stderr)
            .without_time()
            .with_target(false)
            .with_filter(level);
        let file = match &self.log {
            Some(path) => {
                let file = File::create(path)
                    .with_context(|| format!("cannot create the log file {}", path.display()))?;
                Some(
                    tracing_subscriber::fmt::layer()
                        .with_writer(Mutex::new(file))
                        .with_ansi(false)
                        .with_target(false)
                        .with_filter(LevelFilter::DEBUG),
                )
            }
            None => None,
        };
        // A second init (tests calling main twice) keeps the first one.
        let _ = tracing_subscriber::registry()
            .with(stderr)
            .with(file)
            .try_init();
        Ok(())
    }
}

/// Entry point of the binary.
pub fn main() -> ExitCode {
    super::exit_with(1, || run(Args::parse()))
}

fn run(args: Args) -> anyhow::Result<ExitCode> {
    args.log.init()?;
    let options = StripOptions {
        include_incorrect: args.include_incorrect,
        attach_sysinfo: args.attach_sysinfo,
    };
    let report = strip(&args.src, &args.dst, options)?;
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
