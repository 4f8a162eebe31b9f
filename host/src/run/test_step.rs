//! Running one test under the applied profile: wait for calm machines,
//! setup, run, move the result to its serial, cleanup (always).

use std::path::{Path, PathBuf};

use anyhow::anyhow;
use runperf_plugin_api::{ComponentKind, TestContext, TestRun};
use runperf_plugin_sdk::safe_name;
use serde_json::{Map, Value};

use super::{
    config::RunConfig, profile_step::AppliedProfile, services::RunServices, spec::Item,
    tree::PendingTestDir,
};
use crate::{machine::LOAD_CALM_THRESHOLD, plugins::Catalog};

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

/// The dir name of test `item` (its `__NAME__`, else its component name).
pub fn test_dir_name(item: &Item) -> String {
    safe_name(
        item.params
            .get("__NAME__")
            .and_then(Value::as_str)
            .unwrap_or(&item.name),
    )
}

/// Runs `item` once; returns the completed result dir.
pub fn run_once(env: &TestEnv<'_>, profile_dir: &Path, item: &Item) -> anyhow::Result<PathBuf> {
    let entry = env.catalog.find(ComponentKind::Test, &item.name)?;
    let context = TestContext {
        extra: item.params.clone(),
    };
    let mut test = entry
        .library
        .new_test(&entry.info.name, &context)
        .map_err(|e| anyhow!("creating test {}: {e:#}", entry.info.name))?;
    let name = safe_name(&test.name());
    for group in &env.profile.workers {
        for worker in group {
            let machine = env.services.machine(worker).map_err(|e| anyhow!("{e:#}"))?;
            machine.wait_for_calm_load(LOAD_CALM_THRESHOLD, env.cfg.load_timeout)?;
        }
    }
    let pending = PendingTestDir::create(&profile_dir.join(&name))?;
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
