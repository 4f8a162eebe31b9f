//! Fixture: a plugin whose components panic, to check that the host
//! reports the panic as an error and keeps running.

use runperf_plugin_sdk::{Applied, Host, PluginResult, Profile, Registry};

struct Panicky;

impl Profile for Panicky {
    fn apply(&mut self, _host: &Host<'_>, _script: Option<&str>) -> PluginResult<Applied> {
        panic!("Panicky::apply always panics")
    }

    fn revert(&mut self, _host: &Host<'_>) -> PluginResult<bool> {
        Ok(false)
    }
}

fn registry() -> Registry {
    Registry::new("panicking-plugin")
        .profile("Panicky", "50Panicky", "panics in apply", |_| {
            Ok(Box::new(Panicky))
        })
        .profile(
            "PanicOnCreate",
            "50PanicOnCreate",
            "panics when created",
            |_| panic!("PanicOnCreate cannot be created"),
        )
}

runperf_plugin_sdk::export_plugin!(registry);
