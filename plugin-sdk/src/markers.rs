//! The crash markers: runperf records on each machine which profile is
//! applied there, around every `Profile::apply` and `Profile::revert`, so
//! that a run that crashed with a profile applied is detected by the next
//! one. A profile does not write them; it may register files to delete
//! when it is reverted.

use runperf_plugin_api::markers::CLEANUP;

use crate::{Host, PluginError, PluginResult};

/// Registers `path` on `machine` to be removed (`rm -rf`) after the
/// profile is reverted, also when a later run reverts it after a crash.
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
