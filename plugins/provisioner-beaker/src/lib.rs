//! The `Beaker` provisioner: installs the requested distro on a host
//! through Beaker's `bkr` client (`bkr distro-trees-list` for the distro
//! tree of the host's arch, then `bkr system-provision`), waits for the
//! host to reboot into it and to calm down, as the reference does.
//!
//! `bkr` runs on the machine named by the `client` param (default
//! [`CONTROLLER`], the machine running run-perf, where the reference ran it).
//! Other params: `reboot_wait` (s before the first connection attempt,
//! default 180), `ssh_timeout` (s to get the host back, 3000),
//! `calm_timeout` (s to wait for a load below 1; default the run's
//! `--load-timeout`, else 1800).

pub mod bkr;

use std::time::Duration;

use runperf_plugin_sdk::{
    CONTROLLER, Host, LogLevel, PluginError, PluginResult, ProvisionRequest, Provisioner, Registry,
    serde_json::{Map, Value},
    settle,
};

/// The Beaker provisioner and its timing.
#[derive(Debug, Clone, PartialEq)]
pub struct Beaker {
    /// Machine running `bkr`.
    pub client: String,
    /// Wait before reconnecting (Beaker needs time to start the reboot).
    pub reboot_wait: Duration,
    /// How long the host may take to answer again.
    pub ssh_timeout: Duration,
    /// How long to wait for the host to calm down.
    pub calm_timeout: Duration,
    /// Between two polls.
    pub poll: Duration,
    /// `calm_timeout` was given in the params (else the run's load timeout wins).
    pub calm_given: bool,
}

fn seconds(params: &Map<String, Value>, key: &str, default: f64) -> PluginResult<Duration> {
    let secs = match params.get(key) {
        None | Some(Value::Null) => default,
        Some(Value::Number(n)) => n.as_f64().unwrap_or(default),
        Some(Value::String(s)) => s.trim().parse().map_err(|_| {
            PluginError::new(format!(
                "Beaker param {key} is {s:?}, not a number of seconds"
            ))
        })?,
        Some(other) => {
            return Err(PluginError::new(format!(
                "Beaker param {key} is {other}, not a number of seconds"
            )));
        }
    };
    Duration::try_from_secs_f64(secs).map_err(|_| {
        PluginError::new(format!(
            "Beaker param {key} is {secs}, not a number of seconds"
        ))
    })
}

impl Beaker {
    /// The provisioner from its params (`Beaker:{"client": ...}`).
    pub fn new(params: &Map<String, Value>) -> PluginResult<Self> {
        Ok(Self {
            client: params
                .get("client")
                .and_then(Value::as_str)
                .unwrap_or(CONTROLLER)
                .to_owned(),
            reboot_wait: seconds(params, "reboot_wait", 180.0)?,
            ssh_timeout: seconds(params, "ssh_timeout", 3000.0)?,
            calm_timeout: seconds(params, "calm_timeout", 1800.0)?,
            poll: seconds(params, "poll", 5.0)?,
            calm_given: params.contains_key("calm_timeout"),
        })
    }
}

impl Provisioner for Beaker {
    fn provision(&mut self, host: &Host<'_>, request: &ProvisionRequest) -> PluginResult<()> {
        let machine = request.machine.as_str();
        let arch = host
            .machine_params(machine)?
            .get("arch")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| {
                PluginError::new(format!(
                    "host param arch is not defined for {machine}; Beaker needs it"
                ))
            })?;
        let tree = bkr::distro_tree(host, &self.client, &request.distro, &arch)?;
        host.log(
            LogLevel::Info,
            &format!(
                "provisioning {machine} ({}) with {} (distro tree {tree})",
                request.address, request.distro
            ),
        );
        bkr::provision(host, &self.client, &tree, &request.address)?;
        std::thread::sleep(self.reboot_wait);
        settle::wait_answering(
            host,
            machine,
            self.ssh_timeout,
            self.poll,
            "Beaker started provisioning it; check the installation in Beaker's console",
        )?;
        let calm_timeout = match (self.calm_given, request.load_timeout_secs) {
            (false, Some(secs)) => Duration::try_from_secs_f64(secs).unwrap_or(self.calm_timeout),
            _ => self.calm_timeout,
        };
        // A machine still loaded after the timeout is logged and used.
        settle::wait_calm(host, machine, calm_timeout, self.poll)?;
        Ok(())
    }
}

fn registry() -> Registry {
    Registry::new(env!("CARGO_PKG_NAME")).provisioner(
        "Beaker",
        "50Beaker",
        "install the distro through Beaker's bkr client",
        |params| Ok(Box::new(Beaker::new(&params)?)),
    )
}

runperf_plugin_sdk::export_plugin!(registry);
