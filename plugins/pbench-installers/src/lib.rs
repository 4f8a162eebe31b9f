//! The built-in pbench installers: `Dnf`, which installs pbench-agent
//! from copr on machines with dnf (Fedora, RHEL and its relatives), as
//! the reference's `runperf.utils.pbench` entry point `Dnf` did.
//!
//! The host tries every pbench installer in order-key order when a test
//! needs pbench (`pbench: yes`); see `docs/plugins.md`.

pub mod agent_config;
pub mod dnf;

use runperf_plugin_sdk::Registry;

fn registry() -> Registry {
    Registry::new(env!("CARGO_PKG_NAME")).pbench_installer(
        dnf::NAME,
        "50Dnf",
        "pbench-agent from copr with dnf (Fedora, RHEL)",
        || Ok(Box::new(dnf::Dnf)),
    )
}

runperf_plugin_sdk::export_plugin!(registry);
