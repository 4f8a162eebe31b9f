//! The persistent markers every profile keeps on its host, so that a run
//! that crashed with a profile applied is detected by the next one.
//!
//! Same keys as the reference (under `/var/lib/runperf/`): `set_profile`
//! while a profile is being applied or is applied, `applied_profile` once
//! it is fully applied, and `cleanup/paths_to_be_removed` with paths to
//! delete on revert.

use crate::{Command, Host, PluginError, PluginResult};

const SET: &str = "set_profile";
const APPLIED: &str = "applied_profile";
const CLEANUP: &str = "cleanup/paths_to_be_removed";

/// Called first by `Profile::apply`: fails when another profile is still
/// recorded on `machine` (a previous run crashed or is still running),
/// otherwise records `profile` as being set.
pub fn begin_apply(host: &Host<'_>, machine: &str, profile: &str) -> PluginResult<()> {
    if let Some(other) = host.persistent_get(machine, SET)? {
        return Err(PluginError::new(format!(
            "cannot apply profile {profile} on {machine}: profile {} is already applied there \
             (a previous run did not revert it); revert it or remove /var/lib/runperf/{SET} on {machine}",
            other.trim()
        )));
    }
    host.persistent_set(machine, SET, profile)
}

/// Records that `profile` is fully applied on `machine`.
pub fn finish_apply(host: &Host<'_>, machine: &str, profile: &str) -> PluginResult<()> {
    host.persistent_set(machine, APPLIED, profile)
}

/// Forgets the "being set" marker (when apply asks for a reboot first).
pub fn abandon_apply(host: &Host<'_>, machine: &str) -> PluginResult<()> {
    host.persistent_remove(machine, SET)
}

/// Which profile `machine` records as set or applied, if any.
pub fn recorded(host: &Host<'_>, machine: &str) -> PluginResult<Option<String>> {
    Ok(match host.persistent_get(machine, SET)? {
        Some(name) => Some(name),
        None => host.persistent_get(machine, APPLIED)?,
    }
    .map(|name| name.trim().to_owned()))
}

/// Called first by `Profile::revert`: `Ok(false)` when nothing is recorded
/// (nothing to revert), `Ok(true)` when `profile` is recorded, an error when
/// a different profile is.
pub fn begin_revert(host: &Host<'_>, machine: &str, profile: &str) -> PluginResult<bool> {
    match recorded(host, machine)? {
        None => Ok(false),
        Some(name) if name == profile => Ok(true),
        Some(name) => Err(PluginError::new(format!(
            "cannot revert profile {profile} on {machine}: the machine records profile {name}"
        ))),
    }
}

/// Registers `path` on `machine` to be removed by [`finish_revert`].
pub fn remove_on_revert(host: &Host<'_>, machine: &str, path: &str) -> PluginResult<()> {
    if path.contains('\n') {
        return Err(PluginError::new(format!(
            "path {path:?} contains a newline"
        )));
    }
    // A value written by other tools may lack its final newline.
    let mut list = host.persistent_get(machine, CLEANUP)?.unwrap_or_default();
    if !list.is_empty() && !list.ends_with('\n') {
        list.push('\n');
    }
    list.push_str(path);
    list.push('\n');
    host.persistent_set(machine, CLEANUP, &list)
}

/// Removes the registered paths and every marker.
pub fn finish_revert(host: &Host<'_>, machine: &str) -> PluginResult<()> {
    if let Some(list) = host.persistent_get(machine, CLEANUP)? {
        for path in list.lines().filter(|p| !p.trim().is_empty()) {
            host.run_ok(machine, &Command::argv(["rm", "-rf", "--", path]))?;
        }
    }
    host.persistent_remove(machine, CLEANUP)?;
    host.persistent_remove(machine, APPLIED)?;
    host.persistent_remove(machine, SET)
}
