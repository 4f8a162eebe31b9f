//! `diff-perf [-g R...]... SRC R...`: exit code = index of the result (or
//! group) closest to SRC; 254 for any index from 254 on, 255 on failure.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches, Parser};

use super::result_parsers::ReaderArgs;
use super::store_args::{StoreArgs, StoredBuilds};
use crate::diff::{FAILURE, closest_result, exit_code};
use crate::results::ResultInput;

/// Command line of diff-perf.
#[derive(Debug, Parser)]
#[command(
    name = "diff-perf",
    version,
    infer_long_args = true,
    about = "Report (as the exit code) which result or group is closest to the source result",
    long_about = "Compares multiple results and reports the closest result (or group) to the \
                  source one. The exit code is the index of that result (or group) up to 253; \
                  254 means any higher index and 255 a failure."
)]
pub struct Args {
    /// Source result, then the results to compare it with (paths, or @ID
    /// for a build in the history store).
    #[arg(required = true)]
    pub results: Vec<PathBuf>,
    /// A group of results averaged together (repeatable); groups get the
    /// indexes after the positional results.
    #[arg(
        short = 'g',
        long = "group",
        num_args = 1..,
        action = clap::ArgAction::Append,
        value_name = "RESULT"
    )]
    pub group: Vec<PathBuf>,
    /// Coefficient flattening the probability curve based on the standard
    /// deviation.
    #[arg(long = "flatten-coefficient", default_value_t = 1.0)]
    pub flatten_coefficient: f64,
    #[command(flatten)]
    pub store: StoreArgs,
    #[command(flatten)]
    pub common: ReaderArgs,
}

/// Entry point of the binary.
pub fn main() -> ExitCode {
    let parsed = Args::command().try_get_matches().and_then(|matches| {
        let args = Args::from_arg_matches(&matches)?;
        // Each -g occurrence is one group.
        let groups = matches
            .get_occurrences::<PathBuf>("group")
            .map(|groups| groups.map(|group| group.cloned().collect()).collect())
            .unwrap_or_default();
        Ok((args, groups))
    });
    let (args, groups) = match parsed {
        Ok(parsed) => parsed,
        Err(err) => {
            let _ = err.print();
            // Usage errors must not be mistaken for an index.
            return if err.use_stderr() {
                ExitCode::from(FAILURE)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    super::exit_with(FAILURE, || run(args, groups))
}

fn run(args: Args, extra_groups: Vec<Vec<PathBuf>>) -> anyhow::Result<ExitCode> {
    let parsers = args.common.init()?;
    let Some((source, results)) = args.results.split_first() else {
        anyhow::bail!("no source result given");
    };
    let mut stored = StoredBuilds::new(&args.store);
    stored.prefetch(
        args.results
            .iter()
            .chain(extra_groups.iter().flatten())
            .filter_map(|arg| arg.to_str().and_then(StoredBuilds::id)),
    );
    let source = stored.resolve(source)?;
    let mut groups: Vec<Vec<ResultInput>> = results
        .iter()
        .map(|path| Ok(vec![stored.resolve(path)?]))
        .collect::<anyhow::Result<_>>()?;
    for group in &extra_groups {
        groups.push(stored.resolve_all(group)?);
    }
    let index = closest_result(&source, &groups, args.flatten_coefficient, &parsers)?;
    Ok(ExitCode::from(exit_code(index)))
}
