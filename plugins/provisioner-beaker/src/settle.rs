//! Waiting for a freshly provisioned machine: until it answers commands
//! again, then until its 1-minute load drops below 1 (the reference's
//! "calm machine"), so that the first measurements do not run on a
//! machine still finishing its installation.

use std::time::{Duration, Instant};

use runperf_plugin_sdk::{Command, Host, PluginError, PluginResult};

/// Runs `true` on `machine` until it succeeds or `timeout` passes.
pub fn wait_answering(
    host: &Host<'_>,
    machine: &str,
    timeout: Duration,
    poll: Duration,
) -> PluginResult<()> {
    let end = Instant::now() + timeout;
    loop {
        let why = match host.run(machine, &Command::argv(["true"]).timeout(60.0)) {
            Ok(out) if out.success() => return Ok(()),
            Ok(out) => format!("exit {}: {}", out.status, out.stderr.trim()),
            Err(err) => format!("{err:#}"),
        };
        if Instant::now() >= end {
            return Err(PluginError::new(format!(
                "{machine} does not answer {} s after Beaker started provisioning it; check the \
                 installation in Beaker's console",
                timeout.as_secs()
            ))
            .with_cause(why));
        }
        std::thread::sleep(poll);
    }
}

/// The 1-minute load in a `/proc/loadavg` line.
pub fn one_minute_load(loadavg: &str) -> Option<f64> {
    loadavg.split_whitespace().next()?.parse().ok()
}

/// Waits until the 1-minute load of `machine` is below 1; `Ok(false)` when
/// it still is not after `timeout`.
pub fn wait_calm(
    host: &Host<'_>,
    machine: &str,
    timeout: Duration,
    poll: Duration,
) -> PluginResult<bool> {
    let end = Instant::now() + timeout;
    loop {
        let text = host.read_file(machine, "/proc/loadavg")?;
        let load = one_minute_load(&String::from_utf8_lossy(&text)).ok_or_else(|| {
            PluginError::new(format!("{machine}: /proc/loadavg is not a load average"))
        })?;
        if load < 1.0 {
            return Ok(true);
        }
        if Instant::now() >= end {
            return Ok(false);
        }
        std::thread::sleep(poll);
    }
}
