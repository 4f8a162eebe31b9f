//! The `Localhost` profile: runs the tests directly on each host, changing
//! nothing. Only the persistent markers are written, so that a run that
//! crashed is detected by the next one.

use runperf_plugin_sdk::{
    Applied, Host, PluginResult, Profile, ProfileContext, Registry, markers, safe_name,
};

/// Component name, as users write it in `--profiles`.
pub const NAME: &str = "Localhost";

/// Runs directly on the host (bare metal, useful to detect host changes).
pub struct Localhost {
    name: String,
    host: String,
}

impl Localhost {
    /// Creates the profile for `context.host`; `__NAME__` renames it.
    pub fn new(context: ProfileContext) -> Self {
        let name = context
            .extra
            .get("__NAME__")
            .and_then(|v| v.as_str())
            .map_or_else(|| NAME.to_owned(), safe_name);
        Self {
            name,
            host: context.host,
        }
    }
}

impl Profile for Localhost {
    fn name(&self) -> String {
        self.name.clone()
    }

    fn apply(&mut self, host: &Host<'_>, _setup_script: Option<&str>) -> PluginResult<Applied> {
        markers::begin_apply(host, &self.host, &self.name)?;
        markers::finish_apply(host, &self.host, &self.name)?;
        Ok(Applied::workers(vec![self.host.clone()]))
    }

    fn revert(&mut self, host: &Host<'_>) -> PluginResult<bool> {
        if markers::begin_revert(host, &self.host, &self.name)? {
            markers::finish_revert(host, &self.host)?;
        }
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
