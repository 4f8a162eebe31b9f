//! The `linpack` test: Intel's linpack through pbench-linpack on the host
//! machine, against the first worker group, as the reference's Linpack
//! did. There is no native mode: the host machine needs pbench-agent with
//! pbench-linpack. pbench's result.json has `gflops` as its primary
//! metric.
//!
//! Params are pbench-linpack's; `samples` defaults to 3 and `threads` to
//! a sweep up to twice the host's `guest_cpus` (see `threads`). The
//! binary is found on the host (see `binary`) unless `linpack-binary`
//! names it. Documented in `docs/tests-fio-uperf.md`.

pub mod binary;
pub mod call;
pub mod threads;

use std::collections::BTreeMap;

use runperf_plugin_sdk::{
    Command, Host, LogLevel, PluginError, PluginResult, Registry, Test, TestContext, TestRun,
};

use pbench_support::choice::{Choice, use_pbench};
use pbench_support::params::over_defaults;
use pbench_support::{agent, extra};

/// Component name, as users write it.
pub const NAME: &str = "linpack";

/// The param naming the binary, which skips the detection.
pub const BINARY_PARAM: &str = "linpack-binary";

/// The linpack test.
pub struct Linpack {
    extras: extra::Extras,
    choice: Choice,
    /// The params to run with, set by `setup`.
    params: Option<BTreeMap<String, String>>,
}

impl Linpack {
    /// Creates the test from its command-line params.
    pub fn new(context: &TestContext) -> PluginResult<Self> {
        let extras = extra::split(&context.extra)?;
        Ok(Self {
            choice: extras.pbench.unwrap_or_default().require_pbench(NAME)?,
            extras,
            params: None,
        })
    }
}

impl Test for Linpack {
    fn setup(&mut self, host: &Host<'_>, run: &TestRun) -> PluginResult<()> {
        let mut params = over_defaults(&[("samples", "3")], self.extras.params.clone());
        extra::substitute_per_worker_cpus(&mut params, host, run)?;
        if !params.contains_key("threads") {
            let cpus = extra::guest_cpus(host, run, "compute linpack's default threads")?;
            params.insert("threads".into(), threads::sweep(cpus * 2)?);
        }
        pbench_support::launch::clients(run, NAME)?;
        agent::refuse_forwarded(run, NAME)?;
        if !use_pbench(host, run, NAME, self.choice)? {
            return Err(PluginError::new(format!(
                "linpack runs through pbench-linpack, which is not installed on {}; \
                 install pbench-agent and pbench-linpack there (with linpack itself), or \
                 give \"pbench\": \"yes\" to install them with the pbench installers",
                run.host
            )));
        }
        let tools = extra::tools(&self.extras, &run.metadata)?;
        agent::register_tools(host, run, &tools)?;
        self.params = Some(params);
        Ok(())
    }

    fn run(&mut self, host: &Host<'_>, run: &TestRun) -> PluginResult<()> {
        let params = self.params.as_ref().ok_or_else(|| {
            PluginError::new(format!("{NAME}: run called before a successful setup"))
        })?;
        let binary = match params.get(BINARY_PARAM) {
            Some(given) => given.clone(),
            None => binary::detect(host, &run.host)?,
        };
        let help = host.run(&run.host, &Command::shell("pbench-linpack -h 2>&1"))?;
        let call = call::call(&help.stdout, &binary, params);
        host.log(
            LogLevel::Info,
            &format!("linpack binary on {}: {binary}", run.host),
        );
        agent::run_pbench(
            host,
            run,
            &agent::Invocation {
                test: NAME,
                program: call.program,
                params: &call.params,
                trailing: call.trailing,
                env: call.env,
            },
        )
    }

    fn cleanup(&mut self, _host: &Host<'_>, _run: &TestRun) -> PluginResult<()> {
        Ok(())
    }
}

fn registry() -> runperf_plugin_sdk::Registry {
    Registry::new(env!("CARGO_PKG_NAME")).test(
        NAME,
        "50linpack",
        "Intel linpack through pbench-linpack (gflops)",
        |ctx| Ok(Box::new(Linpack::new(&ctx)?)),
    )
}

runperf_plugin_sdk::export_plugin!(registry);
