//! `run-perf`'s orchestration: hosts, provisioning, profiles, tests,
//! retries, metadata and the result tree the compare tools read.

pub mod metadata;
pub mod services;
pub mod spec;
pub mod tree;
