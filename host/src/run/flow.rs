//! The run from start to end (docs/run-perf.md): setup, sysinfo, then for each
//! profile apply (with retries), each test (with retries), sysinfo and
//! revert; any failure is recorded in the result tree and the run goes on
//! with what can still run.

use std::{path::Path, sync::Arc};

use anyhow::Context;
use serde_json::{Map, Value};

use super::{
    config::RunConfig,
    detect,
    interrupt::Interrupt,
    metadata::{self, RunInfo},
    profile_step::{self, AppliedProfile},
    progress::Progress,
    services::RunServices,
    setup,
    spec::profile_tests,
    sysinfo::{self, LogFetcher},
    test_step::{self, TestEnv},
    tree,
};
use crate::{
    machine::{HostKeyPolicy, Machine},
    plugins::Catalog,
};

/// How a run ended.
#[derive(Debug, Default)]
pub struct Outcome {
    /// What did not complete, one line each.
    pub failures: Vec<String>,
    /// The run was interrupted.
    pub interrupted: bool,
}

struct Run<'a> {
    cfg: &'a RunConfig,
    catalog: Arc<Catalog>,
    services: RunServices,
    hosts: Vec<Arc<Machine>>,
    interrupt: Interrupt,
    progress: Progress,
    fetcher: LogFetcher,
    metadata: Map<String, Value>,
    profile_context: runperf_plugin_api::ProfileContext,
    outcome: Outcome,
}

/// Runs everything `cfg` asks for; the result tree is in `cfg.output`.
pub fn execute(
    cfg: &RunConfig,
    catalog: Arc<Catalog>,
    interrupt: Interrupt,
) -> anyhow::Result<Outcome> {
    let _output = super::output::prepare(&cfg.output)?;
    let info = RunInfo {
        metadata: &cfg.metadata,
        distro: &cfg.distro,
        guest_distro: cfg.guest_distro.as_deref(),
        argv: &cfg.argv,
        hosts: &cfg.hosts,
    };
    metadata::create(&cfg.output, &info)?;
    let masker = crate::machine::Masker::new();
    for password in &cfg.ssh.passwords {
        masker.register(password.clone());
    }
    for (_, value) in &cfg.metadata {
        // Very short values ("1") would mask unrelated text everywhere.
        if value.len() >= 4 {
            masker.register(value.clone());
        }
    }
    let metadata: Map<String, Value> = cfg
        .metadata
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect();
    let mut worker_ssh = cfg.ssh.clone();
    worker_ssh.host_key_policy = HostKeyPolicy::Ignore;
    let services = RunServices::new(
        catalog.clone(),
        metadata.clone(),
        masker.clone(),
        worker_ssh,
    );
    let mut run = Run {
        cfg,
        catalog,
        services,
        hosts: Vec::new(),
        interrupt,
        progress: Progress::new(),
        fetcher: LogFetcher::default(),
        metadata,
        profile_context: profile_step::context_template(cfg, String::new()),
        outcome: Outcome::default(),
    };
    run.services
        .set_sessions_dir(&cfg.output.join("__sessions__"));
    if let Err(err) = run.start() {
        run.fail(&cfg.output, &err.context("run-perf setup failed"), None);
        return Ok(run.outcome);
    }
    run.profiles();
    run.outcome.interrupted = run.interrupt.requested();
    Ok(run.outcome)
}

impl Run<'_> {
    fn fail(&mut self, dir: &Path, err: &anyhow::Error, details: Option<&str>) {
        let line = self.services.masker().mask(&format!("{err:#}"));
        self.progress.note(&format!("ERROR {line}"));
        tree::record_failure(dir, err, details, self.services.masker());
        self.outcome.failures.push(line);
    }

    fn start(&mut self) -> anyhow::Result<()> {
        let cfg = self.cfg;
        for spec in &cfg.hosts {
            let (address, _) = runperf_plugin_sdk::address::split_port(&spec.address);
            let host = if cfg.local {
                self.services
                    .add_host(&spec.name, &spec.address, true, None)
            } else {
                let endpoint = super::client_config::resolve(
                    &spec.address,
                    &cfg.ssh,
                    cfg.ssh_user_given,
                    cfg.ssh.identity.is_some(),
                );
                self.services
                    .add_host(&spec.name, &endpoint.connect, false, Some(endpoint.ssh))
            };
            // Measured on the host (over SSH for --hosts) when no params file
            // defines them; the commands go to the host's session log.
            let params = detect::load_or_measure(
                address,
                &cfg.paths,
                cfg.force_params.as_ref(),
                host.as_ref(),
            )?;
            host.set_params(params);
            self.hosts.push(host);
        }
        self.progress.step(&format!(
            "SETUP hosts {}",
            self.hosts
                .iter()
                .map(|h| h.name().to_owned())
                .collect::<Vec<_>>()
                .join(",")
        ));
        setup::on_each_host(&self.hosts, |h| {
            Ok(crate::machine::Transport::check_reachable(h.as_ref())?)
        })?;
        setup::provision(cfg, &self.catalog, &self.services, &self.hosts)?;
        setup::setup_hosts(cfg, &self.services, &self.hosts)?;
        let world: Vec<Value> = self
            .hosts
            .iter()
            .map(|h| Value::Object(sysinfo::environment(h, &cfg.distro)))
            .collect();
        metadata::append(
            &cfg.output,
            "environment_world",
            &Value::Array(world).to_string(),
        )?;
        let before = cfg.output.join("__sysinfo_before__");
        if let Err(err) = self.collect_sysinfo(&before, &[]) {
            self.fail(&before, &err, None);
        }
        Ok(())
    }

    fn collect_sysinfo(&mut self, dir: &Path, workers: &[Vec<String>]) -> anyhow::Result<()> {
        let mut machines = self.hosts.clone();
        for name in workers.iter().flatten() {
            if let Ok(worker) = self.services.machine(name)
                && !machines.iter().any(|m| m.name() == worker.name())
            {
                machines.push(worker);
            }
        }
        for machine in &machines {
            self.fetcher
                .collect(dir, machine)
                .with_context(|| format!("collecting sysinfo of {machine}"))?;
        }
        sysinfo::check_call_traces(dir)
    }

    fn profiles(&mut self) {
        let cfg = self.cfg;
        match super::keys::controller_public_key(&cfg.ssh) {
            Ok(key) => self.profile_context.public_key = key,
            Err(err) => {
                tracing::warn!("{err:#}; profiles creating workers will lack our public key")
            }
        }
        let setup_script = match setup::worker_setup_script(cfg) {
            Ok(script) => script,
            Err(err) => {
                self.fail(&cfg.output, &err, None);
                return;
            }
        };
        for item in &cfg.profiles {
            if self.interrupt.requested() {
                break;
            }
            let tests = match profile_tests(item, &cfg.tests) {
                Ok(tests) => tests,
                Err(err) => {
                    self.fail(&cfg.output, &err.into(), None);
                    continue;
                }
            };
            let Some(applied) = self.apply(item, setup_script.as_deref()) else {
                continue;
            };
            let profile_dir = cfg.output.join(&applied.name);
            self.services
                .set_sessions_dir(&profile_dir.join("__sessions__"));
            for test in &tests {
                if self.interrupt.requested() {
                    break;
                }
                self.test(&applied, &profile_dir, test);
            }
            let sysinfo_dir = profile_dir.join("__sysinfo__");
            if let Err(err) = self.collect_sysinfo(&sysinfo_dir, &applied.workers) {
                self.fail(&profile_dir, &err, None);
            }
            self.revert(&applied);
            self.services
                .set_sessions_dir(&cfg.output.join("__sessions__"));
        }
    }

    fn apply(
        &mut self,
        item: &super::spec::Item,
        setup_script: Option<&str>,
    ) -> Option<AppliedProfile> {
        let attempts = self.cfg.retry_tests.max(1);
        for attempt in 1..=attempts {
            if self.interrupt.requested() {
                return None;
            }
            self.progress.step(&format!(
                "APPLY profile {} (attempt {attempt}/{attempts})",
                item.name
            ));
            match profile_step::apply(
                &self.profile_context,
                &self.catalog,
                &self.services,
                &self.hosts,
                item,
                setup_script,
            ) {
                Ok(applied) => return Some(applied),
                Err(err) => {
                    let err = err.context(format!(
                        "applying profile {} (attempt {attempt}/{attempts})",
                        item.name
                    ));
                    tree::record_failure(&self.cfg.output, &err, None, self.services.masker());
                    tracing::warn!("{}", self.services.masker().mask(&format!("{err:#}")));
                }
            }
        }
        let err = anyhow::anyhow!(
            "ERROR applying profile {}, all tests will be SKIPPED!",
            item.name
        );
        self.progress.note(&err.to_string());
        self.outcome.failures.push(err.to_string());
        None
    }

    fn test(&mut self, applied: &AppliedProfile, profile_dir: &Path, item: &super::spec::Item) {
        let attempts = self.cfg.retry_tests.max(1);
        let name = test_step::test_name(&self.catalog, item);
        let host = self
            .hosts
            .first()
            .map(|h| h.name().to_owned())
            .unwrap_or_default();
        for attempt in 0..attempts {
            if self.interrupt.requested() {
                return;
            }
            self.progress.step(&format!(
                "{}: test {name} (attempt {}/{attempts})",
                applied.name,
                attempt + 1
            ));
            let env = TestEnv {
                cfg: self.cfg,
                catalog: &self.catalog,
                services: &self.services,
                host: &host,
                profile: applied,
                metadata: &self.metadata,
            };
            match test_step::run_once(&env, profile_dir, item, &name) {
                Ok(path) => {
                    self.progress.note(&format!(
                        "{name}@{} FINISHED: {}",
                        applied.name,
                        path.display()
                    ));
                    return;
                }
                Err(err) => {
                    let details = format!(
                        "test {name}@{} attempt {attempt} execution failure: {err:#}",
                        applied.name
                    );
                    let dir = profile_dir.join(&name).join(attempt.to_string());
                    tree::record_failure(&dir, &err, Some(&details), self.services.masker());
                    self.progress.note(&self.services.masker().mask(&details));
                }
            }
        }
        if !self.interrupt.requested() {
            let line = format!(
                "ERROR running {name}@{}, test will be SKIPPED!",
                applied.name
            );
            self.progress.note(&line);
            self.outcome.failures.push(line);
        }
    }

    fn revert(&mut self, applied: &AppliedProfile) {
        self.progress
            .step(&format!("REVERT profile {}", applied.name));
        let env = applied.environment(&self.services).to_string();
        let key = format!("environment_profile_{}", applied.name);
        if let Err(err) = metadata::append(&self.cfg.output, &key, &env) {
            self.fail(&self.cfg.output.clone(), &err, None);
        }
        if let Err(err) = applied.revert(&self.services) {
            self.fail(
                &self.cfg.output.clone(),
                &err.context(format!("reverting profile {}", applied.name)),
                None,
            );
        }
    }
}
