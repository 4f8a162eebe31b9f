//! What the fio and uperf tests share: the pbench result format and the
//! pbench-agent mode.
//!
//! This directory is compiled into both test plugins (`test-uperf` includes
//! it with `#[path]`), because a plugin may depend on `runperf-plugin-api`
//! only; it is meant to move into `plugin-api` next to `markers`.

pub mod agent;
pub mod extra;
pub mod launch;
pub mod metadata;
pub mod packages;
pub mod result;
pub mod stats;
