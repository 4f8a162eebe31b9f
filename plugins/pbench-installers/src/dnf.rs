//! `Dnf`: pbench-agent from copr on machines with dnf.
//!
//! On a machine without pbench-agent it installs the agent from the copr
//! repos of the metadata's `pbench_copr_repos` (`;`-separated, default
//! `ndokos/pbench;ndokos/pbench-0.73`) and configures it (see
//! [`crate::agent_config`]); on one with the agent but no registered
//! default tool set (no `/var/lib/pbench-agent/tools-*default`) it only
//! configures it again. Then it installs the requested benchmark and its
//! `pbench-<test>` package unless `rpm -q` finds both. It does not apply
//! to machines without dnf.

use runperf_plugin_sdk::packages::{PackageManager, Unavailable, find_program};
use runperf_plugin_sdk::serde_json::{Map, Value};
use runperf_plugin_sdk::{
    Command, Host, LogLevel, PbenchInstall, PbenchInstaller, PbenchRequest, PluginError,
    PluginResult,
};

use crate::agent_config::{
    AGENT_CONFIG, CONFIG_DIR, DEFAULT_CONFIG, agent_config, without_host_key_prompts,
};

/// Component name.
pub const NAME: &str = "Dnf";

/// The copr repos used when the metadata names none.
pub const DEFAULT_COPR_REPOS: &str = "ndokos/pbench;ndokos/pbench-0.73";

/// pbench-agent and what it needs on top.
pub const AGENT_PACKAGES: [&str; 3] = ["pbench-agent", "pbench-sysstat", "python3-libselinux"];

/// Seconds one dnf installation may take.
const INSTALL_TIMEOUT: f64 = 1800.0;

/// The `Dnf` pbench installer.
pub struct Dnf;

/// The copr repos to enable: the metadata's `pbench_copr_repos`, else the
/// default.
pub fn copr_repos(metadata: &Map<String, Value>) -> PluginResult<Vec<String>> {
    let text = match metadata.get("pbench_copr_repos") {
        None => DEFAULT_COPR_REPOS,
        Some(Value::String(text)) => text.as_str(),
        Some(other) => {
            return Err(PluginError::new(format!(
                "metadata pbench_copr_repos must be a string like \"{DEFAULT_COPR_REPOS}\", \
                 not {other}"
            )));
        }
    };
    Ok(text
        .split(';')
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(str::to_owned)
        .collect())
}

/// The metadata's `pbench_server`, empty when not given.
fn server(metadata: &Map<String, Value>) -> String {
    match metadata.get("pbench_server") {
        Some(Value::String(text)) => text.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

/// dnf's installation of `packages`, tolerating missing and older
/// packages (`--skip-broken --nobest`), as the reference installed them.
fn dnf_install(packages: &[&str]) -> Command {
    Command::argv(PackageManager::Dnf.install_argv(packages, Unavailable::Skip))
        .timeout(INSTALL_TIMEOUT)
}

/// Installs pbench-agent from copr and configures it.
fn install_agent(
    host: &Host<'_>,
    machine: &str,
    metadata: &Map<String, Value>,
) -> PluginResult<()> {
    host.log(
        LogLevel::Info,
        &format!("installing pbench-agent on {machine} with dnf"),
    );
    host.run_ok(
        machine,
        &dnf_install(&["wget", "rsync", "dnf-plugins-core"]),
    )?;
    for repo in copr_repos(metadata)? {
        host.run_ok(
            machine,
            &Command::argv(["dnf", "-y", "copr", "enable", &repo]),
        )?;
    }
    host.run_ok(machine, &dnf_install(&AGENT_PACKAGES))?;
    configure(host, machine, metadata)
}

/// Writes the agent config and removes host-key prompts from the
/// defaults.
fn configure(host: &Host<'_>, machine: &str, metadata: &Map<String, Value>) -> PluginResult<()> {
    host.run_ok(machine, &Command::argv(["mkdir", "-p", "--", CONFIG_DIR]))?;
    host.write_file(
        machine,
        AGENT_CONFIG,
        agent_config(&server(metadata)).as_bytes(),
    )?;
    let defaults = host.read_file(machine, DEFAULT_CONFIG).map_err(|e| {
        e.context(format!(
            "pbench-agent on {machine} has no {DEFAULT_CONFIG}; reinstall pbench-agent there"
        ))
    })?;
    let text = String::from_utf8_lossy(&defaults);
    host.write_file(
        machine,
        DEFAULT_CONFIG,
        without_host_key_prompts(&text).as_bytes(),
    )
}

/// Whether `rpm -q` finds every one of `packages`.
fn all_installed(host: &Host<'_>, machine: &str, packages: &[String]) -> PluginResult<bool> {
    for package in packages {
        if !host
            .run(machine, &Command::argv(["rpm", "-q", package]))?
            .success()
        {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Installs `test` and `pbench-<test>` unless both are there already.
fn install_test(host: &Host<'_>, machine: &str, test: &str) -> PluginResult<()> {
    let packages = [test.to_owned(), format!("pbench-{test}")];
    if all_installed(host, machine, &packages)? {
        return Ok(());
    }
    let names: Vec<&str> = packages.iter().map(String::as_str).collect();
    host.run_ok(machine, &dnf_install(&names))?;
    if all_installed(host, machine, &packages)? {
        Ok(())
    } else {
        Err(PluginError::new(format!(
            "dnf did not install {} on {machine} (rpm -q misses one); check its repos",
            names.join(" and ")
        )))
    }
}

impl PbenchInstaller for Dnf {
    fn install(&mut self, host: &Host<'_>, request: &PbenchRequest) -> PluginResult<PbenchInstall> {
        let machine = request.machine.as_str();
        if find_program(host, machine, "dnf")?.is_none() {
            return Ok(PbenchInstall::DoesNotApply(format!("{machine} has no dnf")));
        }
        let metadata = host.metadata()?;
        host.run_ok(
            machine,
            &Command::argv(["mkdir", "-p", "--", "/var/lib/pbench-agent"]),
        )?;
        if find_program(host, machine, "pbench-register-tool-set")?.is_none() {
            install_agent(host, machine, &metadata)?;
        } else if !host
            .run(
                machine,
                &Command::shell("ls -d /var/lib/pbench-agent/tools-*default"),
            )?
            .success()
        {
            configure(host, machine, &metadata)?;
        }
        if let Some(test) = &request.test {
            install_test(host, machine, test)?;
        }
        Ok(PbenchInstall::Installed)
    }
}
