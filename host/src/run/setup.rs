//! Before any profile: provisioning, host setup (SMT, setup script,
//! packages, reboots on request) in parallel on every host.

use std::{sync::Arc, time::Duration};

use anyhow::{Context, anyhow};
use runperf_plugin_api::{ComponentKind, ProvisionRequest};

use super::{
    config::RunConfig,
    services::{REBOOT_TIMEOUT, RunServices},
};
use crate::{
    machine::{Command, Machine, PackageManager, Transport},
    plugins::Catalog,
};

/// Runs `job` on every host in parallel; the first error wins.
pub fn on_each_host<T: Send>(
    hosts: &[Arc<Machine>],
    job: impl Fn(&Arc<Machine>) -> anyhow::Result<T> + Sync,
) -> anyhow::Result<Vec<T>> {
    std::thread::scope(|scope| {
        let handles: Vec<_> = hosts.iter().map(|h| scope.spawn(|| job(h))).collect();
        handles
            .into_iter()
            .zip(hosts)
            .map(|(handle, host)| {
                handle
                    .join()
                    .map_err(|_| anyhow!("the thread working on {host} panicked"))?
                    .with_context(|| format!("on host {host}"))
            })
            .collect()
    })
}

/// Provisions every host with the `--provisioner` plugin.
pub fn provision(
    cfg: &RunConfig,
    catalog: &Catalog,
    services: &RunServices,
    hosts: &[Arc<Machine>],
) -> anyhow::Result<()> {
    let Some(item) = &cfg.provisioner else {
        return Ok(());
    };
    let entry = catalog.find(ComponentKind::Provisioner, &item.name)?;
    on_each_host(hosts, |host| {
        let mut provisioner = entry
            .library
            .new_provisioner(&entry.info.name, &item.params)
            .map_err(|e| anyhow!("{e:#}"))?;
        let request = ProvisionRequest {
            machine: host.name().to_owned(),
            address: host.address().to_owned(),
            distro: cfg.distro.clone(),
            extra: item.params.clone(),
            load_timeout_secs: Some(cfg.load_timeout.as_secs_f64()),
        };
        tracing::info!("PROVISION {host} with {} ({})", entry.info.name, cfg.distro);
        provisioner
            .provision(services, &request)
            .map_err(|e| anyhow!("{}: {e:#}", entry.info.name))
    })
    .map(|_| ())
}

/// Turns SMT off when the host params ask for it; `true` when a reboot is needed.
fn disable_smt(host: &Machine) -> anyhow::Result<bool> {
    if !host.params().is_some_and(|p| p.disable_smt()) {
        return Ok(false);
    }
    let control = "/sys/devices/system/cpu/smt/control";
    let state = host.run_checked(&Command::argv(["cat", control]))?.stdout;
    let mut reboot = false;
    if state.trim() != "forceoff" {
        host.run_checked(&Command::shell(format!("echo off > {control}")))?;
        reboot = true;
    }
    host.run_checked(&Command::argv([
        "grubby",
        "--update-kernel=ALL",
        "--args=nosmt=force",
    ]))?;
    Ok(reboot)
}

/// Copies `script` to the machine and runs it with `sh -x`.
pub fn run_script(machine: &Machine, script: &str) -> anyhow::Result<()> {
    let tmp = machine
        .run_checked(&Command::argv(["mktemp"]))?
        .stdout
        .trim()
        .to_owned();
    machine.write_file(&tmp, script.as_bytes())?;
    let out =
        machine.run(&Command::argv(["sh", "-x", &tmp]).timeout(Some(Duration::from_secs(3600))))?;
    let _ = machine.run(&Command::argv(["rm", "-f", &tmp]));
    if !out.success() {
        anyhow::bail!(
            "setup script on {machine} exited with {}: {}",
            out.status,
            out.stderr.trim()
        );
    }
    Ok(())
}

/// Per-host setup: SMT (rebooting when needed), `--host-setup-script`,
/// `--host-rpms`, and the reboot of `--host-setup-script-reboot`.
pub fn setup_hosts(cfg: &RunConfig, hosts: &[Arc<Machine>]) -> anyhow::Result<()> {
    let script = match &cfg.host_setup_script {
        Some(path) => Some(
            std::fs::read_to_string(path)
                .with_context(|| format!("cannot read --host-setup-script {}", path.display()))?,
        ),
        None => None,
    };
    on_each_host(hosts, |host| {
        if disable_smt(host)? {
            host.reboot_and_wait(REBOOT_TIMEOUT)?;
            if disable_smt(host)? {
                anyhow::bail!("SMT is still on after a reboot");
            }
        }
        if let Some(script) = &script {
            run_script(host, script)?;
        }
        if !cfg.host_rpms.is_empty() {
            host.install_packages(&cfg.host_rpms)?;
        }
        if cfg.host_setup_script_reboot {
            host.reboot_and_wait(REBOOT_TIMEOUT)?;
        }
        Ok(())
    })
    .map(|_| ())
}

/// The script given to profiles for their workers: `--worker-setup-script`
/// plus the install of `--worker-rpms`.
pub fn worker_setup_script(cfg: &RunConfig) -> anyhow::Result<Option<String>> {
    let mut script = match &cfg.worker_setup_script {
        Some(path) => Some(
            std::fs::read_to_string(path)
                .with_context(|| format!("cannot read --worker-setup-script {}", path.display()))?,
        ),
        None => None,
    };
    if !cfg.worker_rpms.is_empty() {
        let text = script.get_or_insert_with(|| "#!/bin/sh\n".to_owned());
        text.push_str("\n# Install packages given by --worker-rpms\n");
        text.push_str(&PackageManager::portable_install_line(&cfg.worker_rpms));
        text.push('\n');
    }
    Ok(script)
}
