//! Shared helpers of the host's integration tests.
#![allow(dead_code)]

pub mod browser;
pub mod fixture_plugins;
pub mod history;
pub mod postgres;
pub mod reference;
pub mod run_perf;
pub mod sshd;
