//! Making sure the host has the tools a provider runs (libguestfs for
//! Fedora images, mmdebstrap for Debian ones), installing them with dnf or
//! apt-get when a probe command fails.

use runperf_plugin_api::{Command, Host, LogLevel, PluginError, PluginResult};

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
    let apt = !runs(host, machine, &["dnf", "--version"])?
        && runs(host, machine, &["apt-get", "--version"])?;
    let (mut argv, packages): (Vec<String>, Vec<&str>) =
        if !apt && runs(host, machine, &["dnf", "--version"])? {
            (
                vec!["dnf".into(), "-y".into(), "install".into()],
                missing.iter().flat_map(|t| t.rpm.iter().copied()).collect(),
            )
        } else if apt {
            (
                [
                    "env",
                    "DEBIAN_FRONTEND=noninteractive",
                    "apt-get",
                    "install",
                    "-y",
                    "--no-install-recommends",
                ]
                .map(String::from)
                .to_vec(),
                missing.iter().flat_map(|t| t.deb.iter().copied()).collect(),
            )
        } else {
            (Vec::new(), Vec::new())
        };
    let wanted: Vec<String> = missing.iter().map(|t| t.probe[0].to_owned()).collect();
    if argv.is_empty() || packages.is_empty() {
        return Err(PluginError::new(format!(
            "{machine} lacks {} and has no package manager runperf knows to install them; install them there",
            wanted.join(", ")
        )));
    }
    host.log(
        LogLevel::Info,
        &format!("{machine}: installing {}", packages.join(" ")),
    );
    argv.extend(packages.iter().map(|p| (*p).to_owned()));
    let install = Command::argv(argv).timeout(1800.0);
    if !host.run(machine, &install)?.success() {
        if apt {
            // Stale package lists are the usual reason; refresh once.
            host.run(
                machine,
                &Command::argv(["apt-get", "update"]).timeout(600.0),
            )?;
        }
        host.run_ok(machine, &install).map_err(|e| {
            e.context(format!(
                "cannot install {} on {machine}; install them by hand",
                packages.join(" ")
            ))
        })?;
    }
    Ok(())
}
