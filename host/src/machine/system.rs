//! Rebooting a machine and waiting for it to come back. (Waiting for a
//! calm load and installing packages go through the plugin SDK's
//! `settle` and `packages`, as plugins do.)

use std::time::Duration;

use runperf_plugin_sdk::settle::poll_until;

use super::command::Command;
use super::error::TransportError;
use super::named_machine::Machine;
use super::transport::Transport;

const BOOT_ID: &str = "/proc/sys/kernel/random/boot_id";

impl Machine {
    fn boot_id(&self) -> Option<String> {
        let out = self
            .run(&Command::argv(["cat", BOOT_ID]).timeout(Some(Duration::from_secs(30))))
            .ok()?;
        out.success().then(|| out.stdout.trim().to_string())
    }

    /// Reboot and wait until the machine answers again from a new boot
    /// (or, without a boot id, after it stopped answering), within `timeout`.
    pub fn reboot_and_wait(&self, timeout: Duration) -> Result<(), TransportError> {
        self.reboot_with("sleep 1; reboot", timeout, Duration::from_secs(5))
    }

    /// [`Machine::reboot_and_wait`] with the reboot line and poll interval
    /// spelled out (tests, or `systemctl kexec`).
    pub fn reboot_with(
        &self,
        reboot_line: &str,
        timeout: Duration,
        poll: Duration,
    ) -> Result<(), TransportError> {
        let before = self.boot_id();
        let detached = format!(
            "nohup sh -c {} >/dev/null 2>&1 &",
            shell_words::quote(reboot_line)
        );
        // The connection may die under us; that is the point.
        let _ = self.run(&Command::shell(detached).timeout(Some(Duration::from_secs(30))));
        let mut went_down = false;
        // The first probe comes after one poll: the reboot starts 1 s late.
        std::thread::sleep(poll);
        let back = poll_until(timeout, poll, || {
            self.disconnect();
            if self.check_reachable().is_err() {
                went_down = true;
                return Err("down");
            }
            let now = self.boot_id();
            let rebooted = match (&before, &now) {
                (Some(old), Some(new)) => old != new,
                _ => went_down,
            };
            if rebooted { Ok(()) } else { Err("up") }
        });
        if back.is_ok() {
            tracing::debug!("{} is back after reboot", self.name());
            return Ok(());
        }
        Err(TransportError::NotBack {
            host: self.host().to_string(),
            what: if went_down {
                "did not come back after reboot"
            } else {
                "did not reboot"
            },
            after: timeout,
        })
    }
}
