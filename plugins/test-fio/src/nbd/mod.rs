//! `fio-nbd`: fio's `nbd` engine against a 256 MiB raw image that
//! `qemu-nbd` serves over a unix socket on each worker (the reference's
//! PBenchNBD). With pbench-fio on the host it runs pbench-fio with a job
//! file for the export (pbench mode, as the reference); otherwise fio
//! natively, `numjobs` jobs (4 by default) each covering their own slice
//! of the image, with the fio test's result.

pub mod export;
pub mod job;

use std::collections::BTreeMap;

use runperf_plugin_sdk::{Command, Host, PluginError, PluginResult, Test, TestContext, TestRun};

use crate::native::run_iterations;
use crate::params::FioParams;
use export::{Export, Place};
use pbench_support::choice::{Choice, use_pbench};
use pbench_support::{agent, extra};

/// Component name, as users write it.
pub const NAME: &str = "fio-nbd";

/// How the test runs, decided in `setup`.
enum Mode {
    Undecided,
    Native(Box<FioParams>),
    Pbench(BTreeMap<String, String>),
}

/// The fio-nbd test.
pub struct FioNbd {
    extras: extra::Extras,
    choice: Choice,
    mode: Mode,
    exports: Vec<Export>,
    /// The dir holding the job file on the host (pbench mode).
    host_dir: Option<String>,
}

impl FioNbd {
    /// Creates the test from its command-line params.
    pub fn new(context: &TestContext) -> PluginResult<Self> {
        let extras = extra::split(&context.extra)?;
        Ok(Self {
            choice: extras.pbench.unwrap_or_default(),
            extras,
            mode: Mode::Undecided,
            exports: Vec::new(),
            host_dir: None,
        })
    }

    /// pbench mode's setup: pbench's tools, the exports in the reference's
    /// fixed dir, the job file on the host.
    fn setup_pbench(
        &mut self,
        host: &Host<'_>,
        run: &TestRun,
        text: &BTreeMap<String, String>,
        clients: &[String],
    ) -> PluginResult<()> {
        crate::prepare_pbench(host, run, &self.extras)?;
        let params = job::pbench_params(text);
        let job_text = job::pbench_job(&params)?;
        for client in clients {
            export::start(
                host,
                client,
                Place::Fixed(job::PBENCH_DIR),
                &mut self.exports,
            )?;
        }
        let job_file = &params["job-file"];
        let dir = job_file.rsplit_once('/').map_or(".", |(dir, _)| dir);
        self.host_dir = Some(job::PBENCH_DIR.to_owned());
        host.run_ok(&run.host, &Command::argv(["mkdir", "-p", "--", dir]))?;
        host.write_file(&run.host, job_file, job_text.as_bytes())?;
        self.mode = Mode::Pbench(params);
        Ok(())
    }
}

impl Test for FioNbd {
    fn setup(&mut self, host: &Host<'_>, run: &TestRun) -> PluginResult<()> {
        let text = self.extras.params_for(host, run)?;
        let clients = pbench_support::launch::clients(run, NAME)?.to_vec();
        if use_pbench(host, run, "fio", self.choice)? {
            return self.setup_pbench(host, run, &text, &clients);
        }
        let params = job::parse(&text)?;
        crate::native_notice(host, &self.extras);
        for client in &clients {
            // Kept as soon as it exists, so that cleanup stops what started.
            export::start(host, client, Place::Temp, &mut self.exports)?;
        }
        self.mode = Mode::Native(Box::new(params));
        Ok(())
    }

    fn run(&mut self, host: &Host<'_>, run: &TestRun) -> PluginResult<()> {
        match &self.mode {
            Mode::Undecided => Err(PluginError::new(format!(
                "{NAME}: run called before a successful setup"
            ))),
            Mode::Pbench(params) => {
                agent::run_pbench(host, run, &agent::Invocation::new("fio", params))
            }
            Mode::Native(params) => {
                let dirs: Vec<_> = self.exports.iter().map(|e| e.dir.clone()).collect();
                let sockets: Vec<_> = self.exports.iter().map(Export::socket).collect();
                run_iterations(host, run, params, &dirs, &[Vec::new()], &|workload, dir| {
                    let index = dirs.iter().position(|d| d == dir).unwrap_or_default();
                    job::argv(params, workload, &sockets[index])
                })
            }
        }
    }

    fn cleanup(&mut self, host: &Host<'_>, run: &TestRun) -> PluginResult<()> {
        let mut failures = Vec::new();
        for export in self.exports.drain(..) {
            if let Err(err) = export.stop(host) {
                failures.push(err.to_string());
            }
        }
        crate::cleanup::finish(host, run, NAME, self.host_dir.take(), failures)
    }
}
