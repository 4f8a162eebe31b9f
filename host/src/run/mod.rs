//! `run-perf`'s orchestration: hosts, provisioning, profiles, tests,
//! retries, metadata and the result tree the compare tools read.

mod client_config;
pub mod config;
mod detect;
pub mod flow;
pub mod interrupt;
mod keys;
pub mod metadata;
mod output;
mod profile_step;
mod progress;
pub mod services;
mod setup;
pub mod spec;
pub mod sysinfo;
mod test_step;
pub mod tree;

pub use config::RunConfig;
pub use flow::{Outcome, execute};
pub use interrupt::{EXIT_INTERRUPTED, Interrupt};
