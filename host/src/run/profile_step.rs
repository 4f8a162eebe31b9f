//! Applying a profile on every host (rebooting and applying again when
//! the profile asks for it) and reverting it, recording its environment.

use std::sync::{Arc, Mutex};

use anyhow::anyhow;
use runperf_plugin_api::{ComponentKind, ProfileContext, loader::ProfileHandle};
use serde_json::{Value, json};

use super::{
    config::RunConfig,
    services::{REBOOT_TIMEOUT, RunServices},
    setup::on_each_host,
    spec::Item,
};
use crate::{machine::Machine, plugins::Catalog};

/// How many reboots an apply may ask for before it counts as failed
/// (the reference allows five attempts in all).
const APPLY_ATTEMPTS: usize = 5;
/// Attempts to revert (one reboot may be needed to finish).
const REVERT_ATTEMPTS: usize = 3;

/// A profile applied on every host.
pub struct AppliedProfile {
    /// Its name (after `__NAME__`), safe as a dir name.
    pub name: String,
    /// One handle per host, in host order.
    handles: Vec<(Arc<Machine>, Mutex<ProfileHandle>)>,
    /// Worker names, one group per host.
    pub workers: Vec<Vec<String>>,
}

fn plugin_error(what: &str, e: runperf_plugin_api::PluginError) -> anyhow::Error {
    anyhow!("{what}: {e:#}")
}

/// What every host's profile context shares: asset paths, distros,
/// the controller's public key, the root password for guests.
pub fn context_template(cfg: &RunConfig, public_key: String) -> ProfileContext {
    ProfileContext {
        paths: cfg.paths.iter().map(|p| p.display().to_string()).collect(),
        distro: cfg.distro.clone(),
        guest_distro: cfg.guest_distro().to_owned(),
        public_key,
        default_password: cfg.ssh.passwords.first().cloned(),
        ..ProfileContext::default()
    }
}

/// Creates the profile `item` for every host and applies it.
///
/// On failure the hosts where it was created are reverted before the
/// error is returned, so the next attempt starts clean.
pub fn apply(
    template: &ProfileContext,
    catalog: &Catalog,
    services: &RunServices,
    hosts: &[Arc<Machine>],
    item: &Item,
    setup_script: Option<&str>,
) -> anyhow::Result<AppliedProfile> {
    let entry = catalog.find(ComponentKind::Profile, &item.name)?;
    let name = item.instance_name(&entry.info.name);
    let mut handles = Vec::new();
    for host in hosts {
        let address = host.address();
        let context = ProfileContext {
            name: name.clone(),
            host: host.name().to_owned(),
            address: address.split(':').next().unwrap_or(address).to_owned(),
            extra: item.params.clone(),
            ..template.clone()
        };
        let handle = entry
            .library
            .new_profile(&entry.info.name, &context)
            .map_err(|e| plugin_error(&format!("creating profile {}", entry.info.name), e))?;
        handles.push((host.clone(), Mutex::new(handle)));
    }
    services.stage(&format!("Applying profile {name}"));
    let workers = std::thread::scope(|scope| {
        let jobs: Vec<_> = handles
            .iter()
            .map(|(host, handle)| {
                scope.spawn(move || apply_on(services, host, &mut lock(handle), setup_script))
            })
            .collect();
        jobs.into_iter()
            .map(|j| j.join().map_err(|_| anyhow!("applying profile panicked"))?)
            .collect::<anyhow::Result<Vec<_>>>()
    });
    let applied = AppliedProfile {
        name,
        handles,
        workers: Vec::new(),
    };
    match workers {
        Ok(workers) => Ok(AppliedProfile { workers, ..applied }),
        Err(err) => {
            if let Err(revert_err) = revert_quietly(services, &applied) {
                tracing::warn!(
                    "reverting the failed profile {} also failed: {revert_err:#}",
                    applied.name
                );
            }
            Err(err)
        }
    }
}

fn lock(handle: &Mutex<ProfileHandle>) -> std::sync::MutexGuard<'_, ProfileHandle> {
    handle.lock().unwrap_or_else(|p| p.into_inner())
}

fn apply_on(
    services: &RunServices,
    host: &Machine,
    handle: &mut ProfileHandle,
    setup_script: Option<&str>,
) -> anyhow::Result<Vec<String>> {
    for attempt in 1..=APPLY_ATTEMPTS {
        let applied = handle.apply(services, setup_script).map_err(|e| {
            plugin_error(&format!("applying profile {} on {host}", handle.name()), e)
        })?;
        if !applied.reboot_required {
            return Ok(applied.workers);
        }
        tracing::info!(
            "profile {} asks to reboot {host} (attempt {attempt}/{APPLY_ATTEMPTS})",
            handle.name()
        );
        host.reboot_and_wait(REBOOT_TIMEOUT)?;
    }
    anyhow::bail!(
        "profile {} still asks for a reboot of {host} after {APPLY_ATTEMPTS} attempts",
        handle.name()
    )
}

/// Reverts without recording the environment (after a failed apply).
fn revert_quietly(services: &RunServices, applied: &AppliedProfile) -> anyhow::Result<()> {
    let hosts: Vec<_> = applied.handles.iter().map(|(h, _)| h.clone()).collect();
    on_each_host(&hosts, |host| {
        let (_, handle) = applied
            .handles
            .iter()
            .find(|(h, _)| Arc::ptr_eq(h, host))
            .ok_or_else(|| anyhow!("no profile handle for {host}"))?;
        revert_on(services, host, &mut lock(handle))
    })
    .map(|_| ())
}

fn revert_on(
    services: &RunServices,
    host: &Machine,
    handle: &mut ProfileHandle,
) -> anyhow::Result<()> {
    for _ in 0..REVERT_ATTEMPTS {
        let reboot = handle.revert(services).map_err(|e| {
            plugin_error(&format!("reverting profile {} on {host}", handle.name()), e)
        })?;
        if !reboot {
            return Ok(());
        }
        host.reboot_and_wait(REBOOT_TIMEOUT)?;
    }
    anyhow::bail!(
        "profile {} still asks for a reboot of {host} after {REVERT_ATTEMPTS} reverts",
        handle.name()
    )
}

impl AppliedProfile {
    /// How the profile affected each host (JSON list, one object per host).
    pub fn environment(&self, services: &RunServices) -> Value {
        Value::Array(
            self.handles
                .iter()
                .map(|(host, handle)| match lock(handle).info(services) {
                    Ok(info) => Value::Object(info),
                    Err(e) => {
                        json!({ "failure": format!("Failed to get info from {host}: {e:#}") })
                    }
                })
                .collect(),
        )
    }

    /// Reverts the profile on every host.
    pub fn revert(&self, services: &RunServices) -> anyhow::Result<()> {
        services.stage(&format!("Reverting profile {}", self.name));
        revert_quietly(services, self)
    }
}
