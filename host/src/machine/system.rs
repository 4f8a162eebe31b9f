//! Machine chores: reboot and wait, wait for a calm load, install packages.

use std::time::{Duration, Instant};

use super::command::Command;
use super::error::TransportError;
use super::named_machine::Machine;
use super::transport::Transport;

/// How long to wait for a calm load before a test (the reference's value).
pub const LOAD_CALM_TIMEOUT: Duration = Duration::from_secs(1800);
/// A machine is calm when its 1-minute load average is below this.
pub const LOAD_CALM_THRESHOLD: f64 = 1.0;

const BOOT_ID: &str = "/proc/sys/kernel/random/boot_id";

/// The package tool a machine has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PackageManager {
    /// Fedora, RHEL, CentOS.
    Dnf,
    /// Debian, Ubuntu.
    AptGet,
}

impl PackageManager {
    /// The shell line installing `packages` (each quoted).
    pub fn install_line(self, packages: &[String]) -> String {
        let names = shell_words::join(packages);
        match self {
            Self::Dnf => format!("dnf install -y --nobest --skip-broken {names}"),
            Self::AptGet => format!(
                "DEBIAN_FRONTEND=noninteractive apt-get install -y {names} || \
                 {{ apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y {names}; }}"
            ),
        }
    }

    /// A line for setup scripts that picks the tool when it runs.
    pub fn portable_install_line(packages: &[String]) -> String {
        format!(
            "if command -v dnf >/dev/null 2>&1; then {}; elif command -v apt-get >/dev/null 2>&1; then {}; else echo 'neither dnf nor apt-get found' >&2; exit 1; fi",
            Self::Dnf.install_line(packages),
            Self::AptGet.install_line(packages)
        )
    }
}

impl Machine {
    /// Which package tool this machine has, if any.
    pub fn package_manager(&self) -> Result<Option<PackageManager>, TransportError> {
        for (tool, manager) in [
            ("dnf", PackageManager::Dnf),
            ("apt-get", PackageManager::AptGet),
        ] {
            let probe = Command::shell(format!("command -v {tool}"));
            if self.run(&probe)?.success() {
                return Ok(Some(manager));
            }
        }
        Ok(None)
    }

    /// Install `packages` with dnf or apt-get, whichever the machine has.
    pub fn install_packages(&self, packages: &[String]) -> Result<(), TransportError> {
        if packages.is_empty() {
            return Ok(());
        }
        let Some(manager) = self.package_manager()? else {
            return Err(TransportError::Failed {
                host: self.host().to_string(),
                command: format!("installing {}", packages.join(" ")),
                status: 127,
                stderr:
                    "neither dnf nor apt-get is available; install the packages by a setup script"
                        .into(),
            });
        };
        let command =
            Command::shell(manager.install_line(packages)).timeout(Some(Duration::from_secs(3600)));
        self.run_checked(&command).map(|_| ())
    }

    /// Wait until the 1-minute load average drops below `threshold`;
    /// after `timeout`, warn and return `Ok(false)` so the run goes on.
    pub fn wait_for_calm_load(
        &self,
        threshold: f64,
        timeout: Duration,
    ) -> Result<bool, TransportError> {
        let secs = timeout.as_secs().max(1);
        let step = secs.clamp(1, 5);
        let line = format!(
            "end=$(( $(date +%s) + {secs} )); while :; do \
             awk -v limit={threshold} '{{ exit !($1 < limit) }}' /proc/loadavg && exit 0; \
             [ \"$(date +%s)\" -lt \"$end\" ] || exit 1; sleep {step}; done"
        );
        let wait = Command::shell(line).timeout(Some(timeout + Duration::from_secs(30)));
        if self.run(&wait)?.success() {
            return Ok(true);
        }
        let load = self.run(&Command::argv(["cat", "/proc/loadavg"]))?;
        tracing::warn!(
            "{} did not calm down below load {threshold} in {secs}s (loadavg: {}), proceeding on a loaded machine",
            self.name(),
            load.stdout.trim()
        );
        Ok(false)
    }

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
        let end = Instant::now() + timeout;
        let mut went_down = false;
        while Instant::now() < end {
            std::thread::sleep(poll);
            self.disconnect();
            if self.check_reachable().is_err() {
                went_down = true;
                continue;
            }
            let now = self.boot_id();
            let rebooted = match (&before, &now) {
                (Some(old), Some(new)) => old != new,
                _ => went_down,
            };
            if rebooted {
                tracing::debug!("{} is back after reboot", self.name());
                return Ok(());
            }
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
