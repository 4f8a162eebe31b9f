//! The `Localhost` profile: runs the tests directly on each host, changing
//! nothing. runperf keeps the crash markers around it like around every
//! profile, so that a run that crashed is detected by the next one.

use runperf_plugin_sdk::{Applied, Host, PluginResult, Profile, ProfileContext, Registry};

/// Component name, as users write it in `--profiles`.
pub const NAME: &str = "Localhost";

/// Runs directly on the host (bare metal, useful to detect host changes).
pub struct Localhost {
    host: String,
}

impl Localhost {
    /// Creates the profile for `context.host`.
    pub fn new(context: ProfileContext) -> Self {
        Self { host: context.host }
    }
}

impl Profile for Localhost {
    fn apply(&mut self, _host: &Host<'_>, _setup_script: Option<&str>) -> PluginResult<Applied> {
        Ok(Applied::workers(vec![self.host.clone()]))
    }

    fn revert(&mut self, _host: &Host<'_>) -> PluginResult<bool> {
        Ok(false)
    }
}

fn registry() -> Registry {
    Registry::new(env!("CARGO_PKG_NAME")).profile(
        NAME,
        "50Localhost",
        "run directly on the host, changing nothing",
        |context| Ok(Box::new(Localhost::new(context))),
    )
}

runperf_plugin_sdk::export_plugin!(registry);
