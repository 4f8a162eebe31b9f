//! `fio-libblkio`: fio's `libblkio` engine against a block device that
//! qemu-storage-daemon exports as vhost-user-blk on each worker (the
//! reference's PBenchLibblkio). Like the reference it runs through
//! pbench-fio only: the host machine needs pbench-fio, every worker a fio
//! with the libblkio engine. By default each worker gets a 1 GiB ramdisk
//! (`brd`) as `/dev/ram0` to export.

pub mod job;
pub mod params;

use std::collections::BTreeMap;

use runperf_plugin_sdk::{
    Command, Host, LogLevel, PluginError, PluginResult, Test, TestContext, TestRun,
};

use crate::engine::check_engine;
use crate::nbd::export::{Place, create_dir, wait_for_socket};
use params::Special;
use pbench_support::choice::{Choice, use_pbench};
use pbench_support::launch::{Started, WorkDir, start, stop};
use pbench_support::packages::{ensure, find};
use pbench_support::{agent, extra};

/// Component name, as users write it.
pub const NAME: &str = "fio-libblkio";

/// Loads a 1 GiB ramdisk as `/dev/ram0`.
const RAMDISK: [&str; 5] = [
    "modprobe",
    "brd",
    "rd_nr=1",
    "rd_size=1048576",
    "max_part=0",
];

/// The fio-libblkio test.
pub struct FioLibblkio {
    extras: extra::Extras,
    choice: Choice,
    special: Special,
    /// pbench-fio's params, set by `setup`.
    params: Option<BTreeMap<String, String>>,
    /// The workers with their export dir and, once started, the daemon.
    exports: Vec<(WorkDir, Option<Started>)>,
    /// Where the job file went on the host.
    host_dir: Option<String>,
}

impl FioLibblkio {
    /// Creates the test from its command-line params (its own ones are
    /// checked here, the daemon command's `%s` among them).
    pub fn new(context: &TestContext) -> PluginResult<Self> {
        let extras = extra::split(&context.extra)?;
        Ok(Self {
            choice: extras.pbench.unwrap_or_default().require_pbench(NAME)?,
            extras,
            special: Special::read(&context.extra)?,
            params: None,
            exports: Vec::new(),
            host_dir: None,
        })
    }

    /// Checks `worker`'s fio and daemon, loads the ramdisk and starts the
    /// export; the export is kept as soon as its dir exists.
    fn export_on(&mut self, host: &Host<'_>, worker: &str) -> PluginResult<()> {
        let fio = ensure(host, worker, "fio", "fio")?;
        check_engine(
            host,
            worker,
            &fio,
            "libblkio",
            NAME,
            "install a fio built with libblkio there (Fedora: fio-engine-libblkio; \
             Debian's fio has no libblkio engine, build fio with libblkio >= 1.0 instead)",
        )?;
        let line = self.special.daemon_line(&job::socket())?;
        let program = line.split_whitespace().next().unwrap_or_default();
        if program == "qemu-storage-daemon" && find(host, worker, program)?.is_none() {
            return Err(PluginError::new(format!(
                "{NAME} needs qemu-storage-daemon on {worker} (Fedora: package \
                 qemu-storage-daemon), or another export command as __STORAGE_DAEMON_CMD__"
            )));
        }
        if self.special.setup_ramdisk {
            host.run_ok(worker, &Command::argv(RAMDISK))
                .map_err(|e| e.context(format!("cannot load the brd ramdisk on {worker}")))?;
        }
        let dir = create_dir(host, worker, Place::Fixed(job::BASE))?;
        self.exports.push((dir.clone(), None));
        let argv = ["sh".to_owned(), "-c".into(), format!("exec {line}")];
        let daemon = start(host, &dir, "storage-daemon", &argv)?;
        let prefix = daemon.prefix.clone();
        if let Some(last) = self.exports.last_mut() {
            last.1 = Some(daemon);
        }
        wait_for_socket(host, worker, program, &prefix, &job::socket())
    }
}

impl Test for FioLibblkio {
    fn setup(&mut self, host: &Host<'_>, run: &TestRun) -> PluginResult<()> {
        let text = self.extras.params_for(host, run)?;
        let clients = pbench_support::launch::clients(run, NAME)?.to_vec();
        if !use_pbench(host, run, "fio", self.choice)? {
            return Err(PluginError::new(format!(
                "{NAME} runs through pbench-fio, which is not installed on {}; install \
                 pbench-agent and pbench-fio there, or give \"pbench\": \"yes\" to \
                 install them with the pbench installers",
                run.host
            )));
        }
        crate::prepare_pbench(host, run, &self.extras)?;
        let params = job::pbench_params(&text);
        for client in &clients {
            self.export_on(host, client)?;
        }
        let job_file = &params["job-file"];
        let dir = job_file.rsplit_once('/').map_or(".", |(dir, _)| dir);
        self.host_dir = Some(job::BASE.to_owned());
        host.run_ok(&run.host, &Command::argv(["mkdir", "-p", "--", dir]))?;
        host.write_file(
            &run.host,
            job_file,
            job::pbench_job(self.special.hipri).as_bytes(),
        )?;
        self.params = Some(params);
        Ok(())
    }

    fn run(&mut self, host: &Host<'_>, run: &TestRun) -> PluginResult<()> {
        let params = self.params.as_ref().ok_or_else(|| {
            PluginError::new(format!("{NAME}: run called before a successful setup"))
        })?;
        agent::run_pbench(host, run, &agent::Invocation::new("fio", params))
    }

    fn cleanup(&mut self, host: &Host<'_>, run: &TestRun) -> PluginResult<()> {
        let mut failures = Vec::new();
        for (dir, daemon) in self.exports.drain(..) {
            if let Some(daemon) = daemon {
                stop(host, &[daemon]);
            }
            if self.special.setup_ramdisk
                && let Err(err) = host.run_ok(&dir.machine, &Command::argv(["rmmod", "brd"]))
            {
                host.log(LogLevel::Warn, &format!("{NAME} cleanup: {err}"));
            }
            if let Err(err) = dir.remove(host) {
                failures.push(err.to_string());
            }
        }
        crate::cleanup::finish(host, run, NAME, self.host_dir.take(), failures)
    }
}
