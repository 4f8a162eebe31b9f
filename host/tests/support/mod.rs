//! Shared helpers of the host's integration tests.
#![allow(dead_code)]

pub mod fake_host;
pub mod fixture_plugins;
pub mod run_perf;
pub mod sshd;
