//! Making pbench available on a machine with the catalog's pbench
//! installers: each is asked in order-key order (name order for equal
//! keys) until one installs; the first success wins. An installer that
//! does not apply, or fails, passes to the next one; when none succeeds
//! the error lists every installer with its reason.

use runperf_plugin_api::{
    ComponentKind, HostServices, PbenchInstall, PbenchRequest, PluginError, PluginResult,
};

use super::{Catalog, Entry};

/// The pbench installers in use, in the order they are tried.
pub fn installers(catalog: &Catalog) -> Vec<&Entry> {
    let mut out: Vec<&Entry> = catalog
        .active()
        .filter(|e| e.info.kind == ComponentKind::PbenchInstaller)
        .collect();
    out.sort_by(|a, b| (&a.info.order_key, &a.info.name).cmp(&(&b.info.order_key, &b.info.name)));
    out
}

/// Installs what `request` asks for with the first installer that does.
pub fn install(
    catalog: &Catalog,
    services: &dyn HostServices,
    request: &PbenchRequest,
) -> PluginResult<()> {
    let mut reasons = Vec::new();
    for entry in installers(catalog) {
        let name = &entry.info.name;
        let outcome = entry
            .library
            .new_pbench_installer(name)
            .and_then(|mut installer| installer.install(services, request));
        match outcome {
            Ok(PbenchInstall::Installed) => {
                tracing::info!("pbench installer {name} installed {request}");
                return Ok(());
            }
            Ok(PbenchInstall::DoesNotApply(reason)) => {
                tracing::debug!("pbench installer {name} does not apply: {reason}");
                reasons.push(format!("{name}: {reason}"));
            }
            Err(err) => {
                tracing::warn!("pbench installer {name} failed: {err:#}");
                reasons.push(format!("{name}: failed: {err:#}"));
            }
        }
    }
    if reasons.is_empty() {
        return Err(PluginError::new(format!(
            "cannot install {request}: no pbench installer plugins were found \
             (see `run-perf --list-plugins`); install pbench-agent there by hand"
        )));
    }
    Err(PluginError::new(format!(
        "cannot install {request}, no pbench installer succeeded:\n  {}",
        reasons.join("\n  ")
    )))
}
