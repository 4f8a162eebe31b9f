//! The binary contract between the runperf host and its plugin libraries.
//!
//! Plugin authors do not use this crate directly: they depend on
//! `runperf-plugin-sdk`, which re-exports what they need. This crate holds
//! only what both sides must agree on byte for byte:
//!
//! - [`ffi`]: the root module every plugin library exports and the trait
//!   objects that cross the boundary (abi_stable prefix types);
//! - the values that cross it as JSON (contexts, requests, replies,
//!   [`Command`], [`Applied`], [`ParsedCheck`], ...) and [`PluginError`];
//! - [`HostServices`], the host's services in plain Rust, and [`lend`],
//!   which hands them to a plugin call;
//! - [`loader`], the host side: opening a library, checking it, calling it,
//!   with the crash [`markers`] the host keeps around every profile.
//!
//! # Versioning
//!
//! This crate's version is the ABI version, and only that: abi_stable
//! records the crate name and version with every type that crosses the
//! boundary and refuses a library whose types come from another crate or
//! from an incompatible version. The crate therefore keeps its name and
//! stays at 0.1.x for as long as plugins built against 0.1.0 must load.
//! See docs/plugins.md ("Versioning") for the rules.

mod error;
pub mod ffi;
pub mod loader;
pub mod markers;
mod services;
mod types;

pub use error::{PluginError, PluginResult, guard};
pub use services::{HostServices, lend, lend_with_extras};
pub use types::{
    Applied, CONTROLLER, Command, CommandLine, CommandOutput, ComponentInfo, ComponentKind,
    ImageRequest, LogLevel, ParsedCheck, PbenchInstall, PbenchRequest, ProfileContext,
    ProvisionRequest, TestContext, TestRun, WorkerSpec,
};

/// The abi_stable version the contract is built on, for the SDK's export
/// macro; not for plugins.
#[doc(hidden)]
pub use abi_stable;
pub use serde_json;

#[cfg(test)]
mod tests {
    #[test]
    fn exported_symbol_is_the_one_abi_stable_looks_up() {
        assert_eq!(
            abi_stable::library::ROOT_MODULE_LOADER_NAME,
            "_1as_0lib_1header_0root_bmodule_bloader"
        );
    }
}
