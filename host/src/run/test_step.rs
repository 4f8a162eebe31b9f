//! Running one test under the applied profile: wait for calm machines,
//! setup, run, move the result to its serial, cleanup (always).

use std::path::{Path, PathBuf};

use anyhow::anyhow;
use runperf_plugin_api::{ComponentKind, TestContext, TestRun};
use runperf_plugin_sdk::settle;
use serde_json::{Map, Value};

use super::{
    config::RunConfig, profile_step::AppliedProfile, services::RunServices, spec::Item,
    tree::PendingTestDir,
};
use crate::plugins::Catalog;

/// What a test run needs from the run around it.
pub struct TestEnv<'a> {
    /// Settings.
    pub cfg: &'a RunConfig,
    /// Plugins.
    pub catalog: &'a Catalog,
    /// Host services.
    pub services: &'a RunServices,
    /// Main host name.
    pub host: &'a str,
    /// The applied profile.
    pub profile: &'a AppliedProfile,
    /// The run's metadata given to tests.
    pub metadata: &'a Map<String, Value>,
}

/// The name of test `item` in the run (see [`Item::instance_name`]): it
/// names the dir of its results and of its failures, also when the test
/// is unknown.
pub fn test_name(catalog: &Catalog, item: &Item) -> String {
    let component = catalog
        .find(ComponentKind::Test, &item.name)
        .map_or(item.name.as_str(), |entry| entry.info.name.as_str());
    item.instance_name(component)
}

/// Runs `item`, named `name` in the run ([`test_name`]), once; returns
/// the completed result dir.
pub fn run_once(
    env: &TestEnv<'_>,
    profile_dir: &Path,
    item: &Item,
    name: &str,
) -> anyhow::Result<PathBuf> {
    let entry = env.catalog.find(ComponentKind::Test, &item.name)?;
    let context = TestContext {
        name: name.to_owned(),
        extra: item.params.clone(),
    };
    let mut test = entry
        .library
        .new_test(&entry.info.name, &context)
        .map_err(|e| anyhow!("creating test {}: {e:#}", entry.info.name))?;
    let timeout = env.cfg.load_timeout;
    let poll = std::time::Duration::from_secs(timeout.as_secs().clamp(1, 5));
    for worker in env.profile.workers.iter().flatten() {
        env.services
            .as_plugin_host(|host| settle::wait_calm(host, worker, timeout, poll))
            .map_err(|e| anyhow!("waiting for a calm load on {worker}: {e:#}"))?;
    }
    let pending = PendingTestDir::create(&profile_dir.join(name))?;
    let run = TestRun {
        host: env.host.to_owned(),
        distro: env.cfg.distro.clone(),
        addresses: env.services.addresses(),
        profile: env.profile.name.clone(),
        workers: env.profile.workers.clone(),
        output_dir: pending.path().display().to_string(),
        metadata: env.metadata.clone(),
    };
    env.services.stage(&format!("Running test {name}"));
    let outcome = test
        .setup(env.services, &run)
        .and_then(|()| test.run(env.services, &run))
        .map_err(|e| anyhow!("test {name}: {e:#}"));
    let cleanup = test.cleanup(env.services, &run);
    outcome?;
    if let Err(e) = cleanup {
        tracing::warn!("cleanup of test {name} failed: {e:#}");
    }
    pending.complete()
}
