//! Before any profile: provisioning, host setup (SMT, setup script,
//! packages, reboots on request) in parallel on every host.

use std::{sync::Arc, time::Duration};

use anyhow::{Context, anyhow};
use runperf_plugin_api::{ComponentKind, ProvisionRequest};
use runperf_plugin_sdk::packages::{PackageManager, Unavailable, no_package_manager};

use super::{
    config::RunConfig,
    services::{REBOOT_TIMEOUT, RunServices},
};
use crate::{
    machine::{Command, Machine, Transport},
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
/// `--host-rpms` (installed like plugins install packages, through
/// `services`), and the reboot of `--host-setup-script-reboot`.
pub fn setup_hosts(
    cfg: &RunConfig,
    services: &RunServices,
    hosts: &[Arc<Machine>],
) -> anyhow::Result<()> {
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
            let name = host.name();
            services
                .as_plugin_host(|h| {
                    PackageManager::detect(h, name)?
                        .ok_or_else(|| no_package_manager(name, "the --host-rpms"))?
                        .install(h, name, &cfg.host_rpms, Unavailable::Skip)
                })
                .map_err(|e| anyhow!("{e:#}"))?;
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
        text.push_str(&portable_install_line(&cfg.worker_rpms));
        text.push('\n');
    }
    Ok(script)
}

/// A shell line installing `packages` with whichever package manager the
/// machine running it has, the way [`PackageManager::install`] would
/// (same commands, the package lists refreshed before a second try).
fn portable_install_line(packages: &[String]) -> String {
    let mut line = String::new();
    for manager in PackageManager::ALL {
        let install = shell_words::join(manager.install_argv(packages, Unavailable::Skip));
        let install = match manager.refresh_argv() {
            Some(refresh) => format!(
                "{install} || {{ {} && {install}; }}",
                shell_words::join(refresh)
            ),
            None => install,
        };
        line.push_str(if line.is_empty() { "if" } else { "; elif" });
        line.push_str(&format!(
            " command -v {} >/dev/null 2>&1; then {install}",
            manager.program()
        ));
    }
    line.push_str("; else echo 'neither dnf, yum nor apt-get found' >&2; exit 1; fi");
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_worker_install_line_quotes_names_and_parses() {
        let packages = vec!["fio".to_owned(), "x; rm -rf /".to_owned()];
        let line = portable_install_line(&packages);
        assert!(
            line.starts_with(
                "if command -v dnf >/dev/null 2>&1; then dnf -y --skip-broken --nobest install fio 'x; rm -rf /'; elif command -v yum"
            ),
            "{line}"
        );
        let syntax = std::process::Command::new("sh")
            .args(["-n", "-c", &line])
            .status()
            .unwrap();
        assert!(syntax.success(), "{line}");
    }

    #[test]
    fn the_worker_install_line_refreshes_apt_lists_and_tries_again() {
        let dir = tempfile::tempdir().unwrap();
        let calls = dir.path().join("calls");
        // A machine with apt-get only, whose first installation fails.
        let apt = dir.path().join("apt-get");
        std::fs::write(
            &apt,
            format!(
                "#!/bin/sh\necho \"$*\" >> '{}'\ncase \"$*\" in *update*) : > '{}.fresh';; \
                 *) [ -e '{}.fresh' ] || exit 100;; esac\n",
                calls.display(),
                calls.display(),
                calls.display()
            ),
        )
        .unwrap();
        std::os::unix::fs::symlink("/usr/bin/env", dir.path().join("env")).unwrap();
        let mut permissions = std::fs::metadata(&apt).unwrap().permissions();
        std::os::unix::fs::PermissionsExt::set_mode(&mut permissions, 0o755);
        std::fs::set_permissions(&apt, permissions).unwrap();
        let line = portable_install_line(&["fio".to_owned()]);
        let run = || {
            std::process::Command::new("/bin/sh")
                .args(["-c", &line])
                .env("PATH", dir.path())
                .output()
                .unwrap()
        };
        let mut out = run();
        // A child another test thread forked while the script was being
        // written can hold it open for a moment ("Text file busy").
        for _ in 0..20 {
            if !String::from_utf8_lossy(&out.stderr).contains("busy") {
                break;
            }
            let _ = std::fs::remove_file(&calls);
            std::thread::sleep(std::time::Duration::from_millis(50));
            out = run();
        }
        assert!(out.status.success(), "{line}: {out:?}");
        let calls = std::fs::read_to_string(&calls).unwrap();
        let calls: Vec<&str> = calls.lines().collect();
        assert_eq!(
            calls,
            [
                "install -y --no-install-recommends -o DPkg::Lock::Timeout=300 fio",
                "-o DPkg::Lock::Timeout=300 update",
                "install -y --no-install-recommends -o DPkg::Lock::Timeout=300 fio",
            ]
        );
    }
}
