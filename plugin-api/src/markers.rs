//! The crash markers the host keeps on every machine a profile is applied
//! on, so that a run that crashed with a profile applied is detected by the
//! next one. Libraries built for [`crate::ffi::PROTOCOL`] 1 leave them to
//! the host ([`around_apply`], [`around_revert`]); 0.1.0 libraries keep
//! them themselves, with the same keys.
//!
//! The keys, under `/var/lib/runperf/` (the reference's): [`SET`] while a
//! profile is being applied or is applied, [`APPLIED`] once it is fully
//! applied, and [`CLEANUP`] with paths to delete on revert, one per line
//! (plugins add to it with the SDK's `markers::remove_on_revert`).

use crate::{Applied, Command, HostServices, PluginError, PluginResult};

/// Name of the profile being applied or applied.
pub const SET: &str = "set_profile";
/// Name of the profile fully applied.
pub const APPLIED: &str = "applied_profile";
/// Paths to remove on revert, one per line.
pub const CLEANUP: &str = "cleanup/paths_to_be_removed";

/// Runs `apply` (profile `profile` on `machine`) between the markers:
/// refuses when another profile is recorded there (a previous run crashed
/// or is still running), records `profile` as being set, and once `apply`
/// succeeds records it as applied, or forgets it when `apply` asks for a
/// reboot first. A failed `apply` leaves the marker for the revert.
pub fn around_apply(
    services: &dyn HostServices,
    machine: &str,
    profile: &str,
    apply: impl FnOnce() -> PluginResult<Applied>,
) -> PluginResult<Applied> {
    if let Some(other) = services.persistent_get(machine, SET)? {
        return Err(PluginError::new(format!(
            "cannot apply profile {profile} on {machine}: profile {} is already applied there \
             (a previous run did not revert it); revert it or remove /var/lib/runperf/{SET} on {machine}",
            other.trim()
        )));
    }
    services.persistent_set(machine, SET, Some(profile))?;
    let applied = apply()?;
    if applied.reboot_required {
        services.persistent_set(machine, SET, None)?;
    } else {
        services.persistent_set(machine, APPLIED, Some(profile))?;
    }
    Ok(applied)
}

/// Runs `revert` (profile `profile` on `machine`) and, when a profile was
/// recorded there, removes the registered paths and every marker after it
/// succeeded. Refuses when a different profile is recorded.
pub fn around_revert(
    services: &dyn HostServices,
    machine: &str,
    profile: &str,
    revert: impl FnOnce() -> PluginResult<bool>,
) -> PluginResult<bool> {
    let recorded = match services.persistent_get(machine, SET)? {
        Some(name) => Some(name),
        None => services.persistent_get(machine, APPLIED)?,
    };
    let marked = match recorded.as_deref().map(str::trim) {
        None => false,
        Some(name) if name == profile => true,
        Some(name) => {
            return Err(PluginError::new(format!(
                "cannot revert profile {profile} on {machine}: the machine records profile {name}"
            )));
        }
    };
    let reboot = revert()?;
    if marked {
        clean_up(services, machine)?;
    }
    Ok(reboot)
}

fn clean_up(services: &dyn HostServices, machine: &str) -> PluginResult<()> {
    if let Some(list) = services.persistent_get(machine, CLEANUP)? {
        for path in list.lines().filter(|p| !p.trim().is_empty()) {
            let out = services.run(machine, &Command::argv(["rm", "-rf", "--", path]))?;
            if !out.success() {
                return Err(PluginError::new(format!(
                    "cannot remove {path} on {machine} (registered for removal on revert): \
                     rm exited with {}",
                    out.status
                ))
                .with_cause(out.stderr.trim().to_owned()));
            }
        }
    }
    for key in [CLEANUP, APPLIED, SET] {
        services.persistent_set(machine, key, None)?;
    }
    Ok(())
}
