//! `fio-nbd`: fio's `nbd` engine against a 256 MiB raw image that
//! `qemu-nbd` serves over a unix socket on each worker (the reference's
//! PBenchNBD). `numjobs` jobs (4 by default) each cover their own slice
//! of the image. Runs natively; the result is the fio test's.

pub mod export;
pub mod job;

use runperf_plugin_sdk::{Host, LogLevel, PluginError, PluginResult, Test, TestContext, TestRun};

use crate::native::run_iterations;
use crate::params::FioParams;
use crate::pbench::extra;
use export::Export;

/// Component name, as users write it.
pub const NAME: &str = "fio-nbd";

/// The fio-nbd test.
pub struct FioNbd {
    extras: extra::Extras,
    params: Option<FioParams>,
    exports: Vec<Export>,
}

impl FioNbd {
    /// Creates the test from its command-line params.
    pub fn new(context: &TestContext) -> PluginResult<Self> {
        Ok(Self {
            extras: extra::split(&context.extra)?,
            params: None,
            exports: Vec::new(),
        })
    }
}

impl Test for FioNbd {
    fn setup(&mut self, host: &Host<'_>, run: &TestRun) -> PluginResult<()> {
        let mut text = self.extras.params.clone();
        extra::substitute_per_worker_cpus(&mut text, host, run)?;
        let params = job::parse(&text)?;
        if self.extras.pbench_tools.is_some() {
            host.log(
                LogLevel::Info,
                "pbench_tools is ignored: fio-nbd runs fio natively",
            );
        }
        let clients = run
            .workers
            .first()
            .filter(|group| !group.is_empty())
            .ok_or_else(|| {
                PluginError::new(format!(
                    "{NAME} needs at least one worker; profile {} gave none",
                    run.profile
                ))
            })?;
        for client in clients {
            // Kept as soon as it exists, so that cleanup stops what started.
            export::start(host, client, &mut self.exports)?;
        }
        self.params = Some(params);
        Ok(())
    }

    fn run(&mut self, host: &Host<'_>, run: &TestRun) -> PluginResult<()> {
        let params = self.params.as_ref().ok_or_else(|| {
            PluginError::new(format!("{NAME}: run called before a successful setup"))
        })?;
        let dirs: Vec<_> = self.exports.iter().map(|e| e.dir.clone()).collect();
        let sockets: Vec<_> = self.exports.iter().map(Export::socket).collect();
        run_iterations(host, run, params, &dirs, &[Vec::new()], &|workload, dir| {
            let index = dirs.iter().position(|d| d == dir).unwrap_or_default();
            job::argv(params, workload, &sockets[index])
        })
    }

    fn cleanup(&mut self, host: &Host<'_>, _run: &TestRun) -> PluginResult<()> {
        let mut failures = Vec::new();
        for export in self.exports.drain(..) {
            if let Err(err) = export.stop(host) {
                failures.push(err.to_string());
            }
        }
        if failures.is_empty() {
            Ok(())
        } else {
            Err(PluginError::new(format!(
                "{NAME} cleanup: {}",
                failures.join("; ")
            )))
        }
    }
}
