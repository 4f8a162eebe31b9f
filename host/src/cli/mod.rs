//! Command-line front ends of the six binaries; each submodule parses its
//! arguments and delegates to the library.

pub mod analyze;
pub mod compare;
mod compare_builds;
mod compare_log;
pub mod detect;
pub mod diff;
pub mod history;
mod log_format;
pub mod logging;
pub mod result_parsers;
pub mod run;
pub mod store_args;
pub mod strip;
pub mod triage;

use std::process::ExitCode;

/// Parses the command line; on a usage error or `--help`/`--version`
/// prints it and gives the exit code (1 for errors, 0 otherwise).
pub fn parse_or_exit<A: clap::Parser>() -> Result<A, ExitCode> {
    A::try_parse().map_err(|err| {
        let code = if err.use_stderr() { 1 } else { 0 };
        let _ = err.print();
        ExitCode::from(code)
    })
}

/// Runs `run`, printing an error chain to stderr and mapping it to `code`.
pub fn exit_with(code_on_error: u8, run: impl FnOnce() -> anyhow::Result<ExitCode>) -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(code_on_error)
        }
    }
}
