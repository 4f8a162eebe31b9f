//! `diff` front end.

use std::process::ExitCode;

use clap::Parser;

/// Placeholder argument set until the full command lands.
#[derive(Debug, Parser)]
#[command(version, about)]
pub struct Args {}

/// Entry point of the binary.
pub fn main() -> ExitCode {
    super::exit_with(1, || {
        let _args = Args::parse();
        anyhow::bail!("not implemented yet")
    })
}
