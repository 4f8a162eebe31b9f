//! The `fio` test (also registered as the reference's `PBenchFio`, which
//! means `pbench: yes`): runs pbench-fio when the host machine has it,
//! otherwise runs fio natively on the workers and writes the same
//! pbench-compatible `result.json`; the `pbench` param chooses (see
//! `pbench_support::choice`).
//!
//! Params are pbench-fio's (`test-types`, `block-sizes`, `file-size`,
//! `targets`, `runtime`, `ramptime`, `samples`, ...), see
//! `docs/tests-fio-uperf.md`.
//!
//! The library also ships `DummyTest` (a canned fio result, see `dummy`)
//! `fio-nbd` (fio against qemu-nbd, see `nbd`) and `fio-libblkio` (fio's
//! libblkio engine against qemu-storage-daemon, see `libblkio`).

use std::collections::BTreeMap;

use runperf_plugin_sdk::{
    Host, LogLevel, PluginError, PluginResult, Registry, Test, TestContext, TestRun,
};

pub mod cleanup;
pub mod command;
pub mod dummy;
pub mod engine;
pub mod fio_json;
pub mod libblkio;
pub mod native;
pub mod nbd;
pub mod params;
pub mod samples;

use params::FioParams;
use pbench_support::choice::{Choice, use_pbench};
use pbench_support::launch::WorkDir;
use pbench_support::{agent, extra, packages};

/// Component name, as users write it.
pub const NAME: &str = "fio";

/// How the test runs, decided in `setup`.
#[derive(Debug)]
enum Mode {
    Undecided,
    Native {
        params: Box<FioParams>,
        dirs: Vec<WorkDir>,
    },
    Pbench {
        params: BTreeMap<String, String>,
    },
}

/// The fio test.
pub struct Fio {
    extras: extra::Extras,
    choice: Choice,
    mode: Mode,
}

impl Fio {
    /// Creates the test from its command-line params.
    pub fn new(context: &TestContext) -> PluginResult<Self> {
        let extras = extra::split(&context.extra)?;
        Ok(Self {
            choice: extras.pbench.unwrap_or_default(),
            extras,
            mode: Mode::Undecided,
        })
    }

    /// Creates the reference's `PBenchFio`: fio with `pbench: yes`.
    pub fn pbench_alias(context: &TestContext) -> PluginResult<Self> {
        let mut test = Self::new(context)?;
        test.choice = Choice::of_alias("PBenchFio", NAME, test.extras.pbench)?;
        Ok(test)
    }

    fn clients(run: &TestRun) -> PluginResult<&[String]> {
        pbench_support::launch::clients(run, "fio")
    }
}

/// pbench mode's preparation shared by the tests built on fio: refuses
/// forwarded workers, installs fio on every machine and registers the
/// pbench tools.
pub(crate) fn prepare_pbench(
    host: &Host<'_>,
    run: &TestRun,
    extras: &extra::Extras,
) -> PluginResult<()> {
    agent::refuse_forwarded(run, NAME)?;
    host.log(
        LogLevel::Info,
        &format!("pbench-fio on {}, using pbench mode", run.host),
    );
    for machine in agent::machines(run) {
        packages::ensure(host, &machine, "fio", "fio")?;
    }
    let tools = extra::tools(extras, &run.metadata)?;
    agent::register_tools(host, run, &tools)
}

/// Says that `pbench_tools` has no effect in native mode.
pub(crate) fn native_notice(host: &Host<'_>, extras: &extra::Extras) {
    if extras.pbench_tools.is_some() {
        host.log(
            LogLevel::Info,
            "pbench_tools is ignored: native mode (pbench-fio is not on the host, or pbench: no)",
        );
    }
}

impl Test for Fio {
    fn setup(&mut self, host: &Host<'_>, run: &TestRun) -> PluginResult<()> {
        let text = self.extras.params_for(host, run)?;
        let clients = Self::clients(run)?.to_vec();
        if use_pbench(host, run, NAME, self.choice)? {
            prepare_pbench(host, run, &self.extras)?;
            self.mode = Mode::Pbench {
                params: params::pbench_params(&text),
            };
            return Ok(());
        }
        let params = FioParams::parse(&text)?;
        native_notice(host, &self.extras);
        let mut dirs = Vec::new();
        for client in &clients {
            packages::ensure(host, client, "fio", "fio")?;
            match WorkDir::create(host, client, "runperf-fio") {
                Ok(dir) => dirs.push(dir),
                Err(err) => {
                    // Keep what was created so that cleanup removes it.
                    self.mode = Mode::Native {
                        params: Box::new(params),
                        dirs,
                    };
                    return Err(err);
                }
            }
        }
        self.mode = Mode::Native {
            params: Box::new(params),
            dirs,
        };
        Ok(())
    }

    fn run(&mut self, host: &Host<'_>, run: &TestRun) -> PluginResult<()> {
        match &self.mode {
            Mode::Undecided => Err(PluginError::new(
                "fio: run called before a successful setup",
            )),
            Mode::Native { params, dirs } => native::run(host, run, params, dirs),
            Mode::Pbench { params } => {
                agent::run_pbench(host, run, &agent::Invocation::new(NAME, params))
            }
        }
    }

    fn cleanup(&mut self, host: &Host<'_>, _run: &TestRun) -> PluginResult<()> {
        if let Mode::Native { dirs, .. } = &self.mode {
            for dir in dirs {
                dir.remove(host)?;
            }
        }
        Ok(())
    }
}

fn registry() -> Registry {
    let summary = "fio storage benchmark (pbench-fio when installed, else fio natively)";
    Registry::new(env!("CARGO_PKG_NAME"))
        .test(NAME, "50fio", summary, |ctx| Ok(Box::new(Fio::new(&ctx)?)))
        .test(
            "PBenchFio",
            "50PBenchFio",
            "fio through pbench-fio, installed when missing (fio with pbench: yes)",
            |ctx| Ok(Box::new(Fio::pbench_alias(&ctx)?)),
        )
        .test(
            dummy::NAME,
            "50DummyTest",
            "a canned fio result naming the host, instantly (selftests, trying profiles)",
            |_ctx| Ok(Box::new(dummy::DummyTest)),
        )
        .test(
            nbd::NAME,
            "50fio-nbd",
            "fio's nbd engine against a 256 MiB image served by qemu-nbd on each worker",
            |ctx| Ok(Box::new(nbd::FioNbd::new(&ctx)?)),
        )
        .test(
            libblkio::NAME,
            "50fio-libblkio",
            "fio's libblkio engine against a qemu-storage-daemon vhost-user-blk export (pbench-fio)",
            |ctx| Ok(Box::new(libblkio::FioLibblkio::new(&ctx)?)),
        )
}

runperf_plugin_sdk::export_plugin!(registry);
