//! What the fio and uperf tests share: the pbench result format, the
//! pbench-agent mode and the `pbench` param choosing it.
//!
//! A plain library both test plugins link in (it is no plugin itself). It
//! may depend on the plugin crates (`runperf-plugin-sdk`, which brings
//! `runperf-plugin-api`) and general crates only, never on a plugin or on
//! the host, so that every plugin built on it stays loadable on its own.

pub mod agent;
pub mod choice;
pub mod extra;
pub mod launch;
pub mod metadata;
pub mod packages;
pub mod params;
pub mod result;
pub mod stats;
#[cfg(feature = "testing")]
pub mod testing;
