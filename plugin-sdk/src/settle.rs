//! Waiting for a machine to be usable: until it answers commands again
//! (after a reboot or an installation), and until its load calms down (its
//! 1-minute load average below 1, the reference's "calm machine") so that
//! measurements do not run on a machine still busy with something else.
//! Plugins (the Beaker provisioner) and the host itself (after a reboot,
//! before every test) wait the same way.

use std::time::{Duration, Instant};

use crate::{Command, Host, LogLevel, PluginError, PluginResult};

/// A machine is calm when its 1-minute load average is below this.
pub const CALM_LOAD: f64 = 1.0;

/// Calls `probe` until it succeeds, sleeping `poll` between calls, for at
/// most `timeout` (the first call is made at once): its value, or the
/// last failure once the time is up.
pub fn poll_until<T, E>(
    timeout: Duration,
    poll: Duration,
    mut probe: impl FnMut() -> Result<T, E>,
) -> Result<T, E> {
    let end = Instant::now() + timeout;
    loop {
        match probe() {
            Ok(value) => return Ok(value),
            Err(why) if Instant::now() >= end => return Err(why),
            Err(_) => std::thread::sleep(poll),
        }
    }
}

/// Runs `true` on `machine` until it succeeds or `timeout` passes. The
/// error reads "MACHINE does not answer N s after `after`", with the last
/// failure as its cause; `after` says what started the wait and what to
/// check.
pub fn wait_answering(
    host: &Host<'_>,
    machine: &str,
    timeout: Duration,
    poll: Duration,
    after: &str,
) -> PluginResult<()> {
    poll_until(timeout, poll, || {
        match host.run(machine, &Command::argv(["true"]).timeout(60.0)) {
            Ok(out) if out.success() => Ok(()),
            Ok(out) => Err(format!("exit {}: {}", out.status, out.stderr.trim())),
            Err(err) => Err(format!("{err:#}")),
        }
    })
    .map_err(|why| {
        PluginError::new(format!(
            "{machine} does not answer {} s after {after}",
            timeout.as_secs()
        ))
        .with_cause(why)
    })
}

/// The 1-minute load in a `/proc/loadavg` line.
pub fn one_minute_load(loadavg: &str) -> Option<f64> {
    loadavg.split_whitespace().next()?.parse().ok()
}

/// Waits until the 1-minute load of `machine` is below [`CALM_LOAD`],
/// reading its `/proc/loadavg` every `poll`. When it still is not after
/// `timeout`, logs a warning with the load and returns `Ok(false)`: the
/// caller goes on, on a loaded machine.
pub fn wait_calm(
    host: &Host<'_>,
    machine: &str,
    timeout: Duration,
    poll: Duration,
) -> PluginResult<bool> {
    let mut unreadable = None;
    let calm = poll_until(timeout, poll, || {
        let text = match host.read_file(machine, "/proc/loadavg") {
            Ok(text) => String::from_utf8_lossy(&text).into_owned(),
            Err(err) => {
                unreadable = Some(err);
                return Ok(());
            }
        };
        match one_minute_load(&text) {
            Some(load) if load < CALM_LOAD => Ok(()),
            Some(_) => Err(text.trim().to_owned()),
            None => {
                unreadable = Some(PluginError::new(format!(
                    "{machine}: /proc/loadavg is not a load average: {}",
                    text.trim()
                )));
                Ok(())
            }
        }
    });
    if let Some(err) = unreadable {
        return Err(err);
    }
    match calm {
        Ok(()) => Ok(true),
        Err(loadavg) => {
            host.log(
                LogLevel::Warn,
                &format!(
                    "{machine} did not calm down below load {CALM_LOAD} in {} s (loadavg: \
                     {loadavg}), proceeding on a loaded machine",
                    timeout.as_secs()
                ),
            );
            Ok(false)
        }
    }
}

#[cfg(all(test, feature = "testing"))]
mod tests {
    use super::*;
    use crate::testing::{ScriptedHost, fail, ok};

    const POLL: Duration = Duration::from_millis(1);

    #[test]
    fn polling_stops_at_the_first_success_or_gives_the_last_reason() {
        let mut calls = 0;
        let found = poll_until(Duration::from_secs(5), POLL, || {
            calls += 1;
            if calls == 3 {
                Ok(calls)
            } else {
                Err(format!("try {calls}"))
            }
        });
        assert_eq!(found, Ok(3));
        let mut calls = 0;
        let failed: Result<(), String> = poll_until(Duration::ZERO, POLL, || {
            calls += 1;
            Err(format!("try {calls}"))
        });
        assert_eq!(failed, Err("try 1".to_owned()));
    }

    #[test]
    fn a_machine_answering_late_is_waited_for() {
        let host = ScriptedHost::new();
        host.on("m: true", [fail(255, "Connection refused"), ok("")]);
        host.with(|h| wait_answering(h, "m", Duration::from_secs(5), POLL, "the reboot"))
            .unwrap();
        let silent = ScriptedHost::new();
        silent.on("m: true", [fail(255, "Connection refused")]);
        let err = silent
            .with(|h| wait_answering(h, "m", Duration::ZERO, POLL, "the reboot"))
            .unwrap_err();
        assert_eq!(
            format!("{err:#}"),
            "m does not answer 0 s after the reboot: exit 255: Connection refused"
        );
    }

    #[test]
    fn calm_is_a_one_minute_load_below_one() {
        let host = ScriptedHost::new();
        host.on_read("m:/proc/loadavg", ["2.50 1 1 1/2 3", "0.99 1 1 1/2 3"]);
        assert!(
            host.with(|h| wait_calm(h, "m", Duration::from_secs(5), POLL))
                .unwrap()
        );
        let busy = ScriptedHost::new();
        busy.on_read("m:/proc/loadavg", ["3.00 2 1 1/2 3"]);
        assert!(
            !busy
                .with(|h| wait_calm(h, "m", Duration::ZERO, POLL))
                .unwrap()
        );
        assert!(
            busy.logs().iter().any(|(_, line)| line
                .contains("m did not calm down below load 1 in 0 s (loadavg: 3.00 2 1 1/2 3)")),
            "{:?}",
            busy.logs()
        );
        let odd = ScriptedHost::new();
        odd.on_read("m:/proc/loadavg", ["busy"]);
        let err = odd
            .with(|h| wait_calm(h, "m", Duration::from_secs(5), POLL))
            .unwrap_err();
        assert!(err.to_string().contains("not a load average"), "{err}");
        assert_eq!(one_minute_load("0.99 1 1 1/2 3"), Some(0.99));
    }
}
