//! Making sure the host has the tools a provider runs (libguestfs for
//! Fedora images, mmdebstrap for Debian ones), installing them with the
//! host's package manager when a probe command fails.

use runperf_plugin_sdk::packages::{PackageManager, Unavailable, no_package_manager};
use runperf_plugin_sdk::{Command, Host, PluginError, PluginResult};

/// A tool: the command proving it is there, and its packages.
pub struct Tool<'a> {
    /// Probe run on the host; exit status 0 means present.
    pub probe: &'a [&'a str],
    /// Package names for dnf/yum.
    pub rpm: &'a [&'a str],
    /// Package names for apt-get (empty: not available on Debian).
    pub deb: &'a [&'a str],
}

fn runs(host: &Host<'_>, machine: &str, argv: &[&str]) -> PluginResult<bool> {
    Ok(host
        .run(machine, &Command::argv(argv.iter().copied()))?
        .success())
}

/// Installs whatever of `tools` is missing on `machine`.
pub fn ensure(host: &Host<'_>, machine: &str, tools: &[Tool<'_>]) -> PluginResult<()> {
    let mut missing = Vec::new();
    for tool in tools {
        if !runs(host, machine, tool.probe)? {
            missing.push(tool);
        }
    }
    if missing.is_empty() {
        return Ok(());
    }
    let wanted: Vec<&str> = missing.iter().map(|t| t.probe[0]).collect();
    let manager = PackageManager::detect(host, machine)?
        .ok_or_else(|| no_package_manager(machine, &wanted.join(", ")))?;
    let packages: Vec<&str> = missing
        .iter()
        .flat_map(|t| if manager.is_rpm() { t.rpm } else { t.deb })
        .copied()
        .collect();
    if packages.is_empty() {
        return Err(PluginError::new(format!(
            "{machine} lacks {} and its package manager has no package for it; install it there",
            wanted.join(", ")
        )));
    }
    manager.install(host, machine, &packages, Unavailable::Fail)
}
