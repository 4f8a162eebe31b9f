//! The `uperf` test (also registered as the reference's `UPerf` and as
//! `PBenchUperf`, both meaning `pbench: yes`): runs pbench-uperf when the
//! host machine has it, otherwise runs uperf natively (servers on the
//! host machine, clients on the workers) and writes the same
//! pbench-compatible `result.json`; the `pbench` param chooses (see
//! `pbench_support::choice`).

use std::collections::BTreeMap;

use runperf_plugin_sdk::{
    Command, Host, LogLevel, PluginError, PluginResult, Registry, Test, TestContext, TestRun,
};

pub mod listen;
pub mod native;
pub mod output;
pub mod params;
pub mod profile;

use native::Machines;
use params::UperfParams;
use pbench_support::choice::{Choice, use_pbench};
use pbench_support::launch::WorkDir;
use pbench_support::{agent, extra, packages};

/// Component name, as users write it.
pub const NAME: &str = "uperf";

/// Where pbench-uperf's perl helpers live (the reference's workaround).
const PERL5LIB: &str =
    "/opt/pbench-agent/tool-scripts/postprocess/:/opt/pbench-agent/bench-scripts/postprocess/";

#[derive(Debug)]
enum Mode {
    Undecided,
    Native {
        params: Box<UperfParams>,
        machines: Option<Machines>,
        dirs: Vec<WorkDir>,
    },
    Pbench {
        params: BTreeMap<String, String>,
        servers: String,
    },
}

/// The uperf test.
pub struct Uperf {
    extras: extra::Extras,
    choice: Choice,
    mode: Mode,
}

impl Uperf {
    /// Creates the test from its command-line params.
    pub fn new(context: &TestContext) -> PluginResult<Self> {
        let extras = extra::split(&context.extra)?;
        Ok(Self {
            choice: extras.pbench.unwrap_or_default(),
            extras,
            mode: Mode::Undecided,
        })
    }

    /// Creates the alias `alias` (`UPerf`, `PBenchUperf`): uperf with
    /// `pbench: yes`.
    pub fn pbench_alias(context: &TestContext, alias: &str) -> PluginResult<Self> {
        let mut test = Self::new(context)?;
        test.choice = Choice::of_alias(alias, NAME, test.extras.pbench)?;
        Ok(test)
    }

    fn setup_native(
        &mut self,
        host: &Host<'_>,
        run: &TestRun,
        params: UperfParams,
        clients: &[String],
    ) -> PluginResult<()> {
        self.mode = Mode::Native {
            params: Box::new(params),
            machines: None,
            dirs: Vec::new(),
        };
        let Mode::Native { machines, dirs, .. } = &mut self.mode else {
            return Ok(());
        };
        packages::ensure(host, &run.host, "uperf", "uperf")?;
        let server = WorkDir::create(host, &run.host, "runperf-uperf")?;
        dirs.push(server.clone());
        let mut client_dirs = Vec::new();
        for client in clients {
            packages::ensure(host, client, "uperf", "uperf")?;
            let dir = WorkDir::create(host, client, "runperf-uperf")?;
            dirs.push(dir.clone());
            client_dirs.push(dir);
        }
        let version = host.run(&clients[0], &Command::argv(["uperf", "-V"]))?;
        *machines = Some(Machines {
            server,
            clients: client_dirs,
            version: output::version(&version.stdout),
        });
        Ok(())
    }
}

impl Test for Uperf {
    fn setup(&mut self, host: &Host<'_>, run: &TestRun) -> PluginResult<()> {
        let text = self.extras.params_for(host, run)?;
        let clients = pbench_support::launch::clients(run, NAME)?.to_vec();
        if use_pbench(host, run, NAME, self.choice)? {
            agent::refuse_forwarded(run, NAME)?;
            host.log(
                LogLevel::Info,
                &format!("pbench-uperf on {}, using pbench mode", run.host),
            );
            for machine in agent::machines(run) {
                packages::ensure(host, &machine, "uperf", "uperf")?;
            }
            agent::register_tools(host, run, &extra::tools(&self.extras, &run.metadata)?)?;
            // As the reference: every client talks to the host machine.
            let servers = vec![agent::address_of(run, &run.host); clients.len()].join(",");
            self.mode = Mode::Pbench {
                params: params::pbench_params(&text),
                servers,
            };
            return Ok(());
        }
        let params = UperfParams::parse(&text)?;
        native::check_reachable_servers(run, &clients)?;
        self.setup_native(host, run, params, &clients)
    }

    fn run(&mut self, host: &Host<'_>, run: &TestRun) -> PluginResult<()> {
        match &self.mode {
            Mode::Native {
                params,
                machines: Some(machines),
                ..
            } => native::run(host, run, params, machines),
            Mode::Pbench { params, servers } => agent::run_pbench(
                host,
                run,
                &agent::Invocation {
                    trailing: vec![("servers".to_owned(), servers.clone())],
                    env: vec![("PERL5LIB".to_owned(), PERL5LIB.to_owned())],
                    ..agent::Invocation::new(NAME, params)
                },
            ),
            _ => Err(PluginError::new(
                "uperf: run called before a successful setup",
            )),
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

/// What the aliases meaning `pbench: yes` are.
const ALIAS_SUMMARY: &str =
    "uperf through pbench-uperf, installed when missing (uperf with pbench: yes)";

fn registry() -> Registry {
    let summary = "uperf network benchmark (pbench-uperf when installed, else uperf natively)";
    Registry::new(env!("CARGO_PKG_NAME"))
        .test(NAME, "50uperf", summary, |ctx| {
            Ok(Box::new(Uperf::new(&ctx)?))
        })
        .test("UPerf", "50UPerf", ALIAS_SUMMARY, |ctx| {
            Ok(Box::new(Uperf::pbench_alias(&ctx, "UPerf")?))
        })
        .test("PBenchUperf", "50PBenchUperf", ALIAS_SUMMARY, |ctx| {
            Ok(Box::new(Uperf::pbench_alias(&ctx, "PBenchUperf")?))
        })
}

runperf_plugin_sdk::export_plugin!(registry);
