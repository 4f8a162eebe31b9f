//! Installing packages on a machine with its own package manager, for
//! plugins that need tools there (the virtualisation stack, image
//! builders, benchmarks). Knows dnf, yum and apt-get; everything runs
//! through [`Host::run`], so it works on any machine run-perf reaches.

use crate::{Command, Host, LogLevel, PluginError, PluginResult};

/// Seconds an installation may take.
const INSTALL_TIMEOUT: f64 = 1800.0;
/// Seconds refreshing apt's package lists may take.
const UPDATE_TIMEOUT: f64 = 600.0;
/// apt-get waits this long (seconds) for another apt or dpkg (unattended
/// upgrades on a freshly booted machine) to release its lock, instead of
/// failing at once.
const APT_LOCK_WAIT: &str = "DPkg::Lock::Timeout=300";

/// What to do when some of the packages to install do not exist (or
/// cannot be installed in their newest version).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unavailable {
    /// The installation fails (and nothing is installed).
    Fail,
    /// dnf installs the others (`--skip-broken`) and older versions where
    /// the newest cannot be installed (`--nobest`), yum the others; apt-get
    /// has no such option and fails.
    Skip,
}

/// A package manager runperf knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PackageManager {
    /// Fedora, RHEL, CentOS Stream.
    Dnf,
    /// Older RHEL and CentOS.
    Yum,
    /// Debian, Ubuntu.
    Apt,
}

impl PackageManager {
    /// Every package manager runperf knows, in the order they are looked
    /// for.
    pub const ALL: [Self; 3] = [Self::Dnf, Self::Yum, Self::Apt];

    /// The program it runs.
    pub fn program(self) -> &'static str {
        match self {
            Self::Dnf => "dnf",
            Self::Yum => "yum",
            Self::Apt => "apt-get",
        }
    }

    /// The package manager of `machine`: the first of dnf, yum and
    /// apt-get that answers `--version`, `None` when none does.
    pub fn detect(host: &Host<'_>, machine: &str) -> PluginResult<Option<Self>> {
        for manager in Self::ALL {
            if host
                .run(machine, &Command::argv([manager.program(), "--version"]))?
                .success()
            {
                return Ok(Some(manager));
            }
        }
        Ok(None)
    }

    /// Whether it installs rpm packages (dnf, yum) rather than deb ones.
    pub fn is_rpm(self) -> bool {
        self != Self::Apt
    }

    /// Installs `packages` on `machine` (logged). apt-get's usual failure
    /// is stale package lists: they are refreshed and the installation is
    /// tried once more. The error names the packages and the machine.
    pub fn install<S: AsRef<str>>(
        self,
        host: &Host<'_>,
        machine: &str,
        packages: &[S],
        unavailable: Unavailable,
    ) -> PluginResult<()> {
        let names: Vec<&str> = packages.iter().map(AsRef::as_ref).collect();
        if names.is_empty() {
            return Ok(());
        }
        host.log(
            LogLevel::Info,
            &format!("{machine}: installing {}", names.join(" ")),
        );
        let install =
            Command::argv(self.install_argv(&names, unavailable)).timeout(INSTALL_TIMEOUT);
        if host.run(machine, &install)?.success() {
            return Ok(());
        }
        if let Some(refresh) = self.refresh_argv() {
            host.run(machine, &Command::argv(refresh).timeout(UPDATE_TIMEOUT))?;
        }
        host.run_ok(machine, &install).map(drop).map_err(|e| {
            e.context(format!(
                "cannot install {} on {machine}; install them by hand and run again",
                names.join(" ")
            ))
        })
    }

    /// The command line [`PackageManager::install`] runs (for a setup
    /// script that installs later, on a machine not reachable now).
    pub fn install_argv<S: AsRef<str>>(
        self,
        packages: &[S],
        unavailable: Unavailable,
    ) -> Vec<String> {
        let skip = unavailable == Unavailable::Skip;
        let head: &[&str] = match self {
            Self::Dnf if skip => &["dnf", "-y", "--skip-broken", "--nobest", "install"],
            Self::Dnf => &["dnf", "-y", "install"],
            Self::Yum if skip => &["yum", "-y", "--skip-broken", "install"],
            Self::Yum => &["yum", "-y", "install"],
            Self::Apt => &[
                "env",
                "DEBIAN_FRONTEND=noninteractive",
                "apt-get",
                "install",
                "-y",
                "--no-install-recommends",
                "-o",
                APT_LOCK_WAIT,
            ],
        };
        head.iter()
            .copied()
            .chain(packages.iter().map(AsRef::as_ref))
            .map(str::to_owned)
            .collect()
    }

    /// The command refreshing the package lists before a second try when
    /// an installation failed (apt-get's usual failure is stale lists);
    /// `None` for dnf and yum, which refresh by themselves.
    pub fn refresh_argv(self) -> Option<Vec<String>> {
        (self == Self::Apt).then(|| {
            ["apt-get", "-o", APT_LOCK_WAIT, "update"]
                .map(str::to_owned)
                .to_vec()
        })
    }
}

/// Full path of `program` on `machine`, if it is on its `PATH`.
pub fn find_program(host: &Host<'_>, machine: &str, program: &str) -> PluginResult<Option<String>> {
    let out = host.run(
        machine,
        &Command::argv(["sh", "-c", "command -v \"$1\"", "sh", program]),
    )?;
    let path = out.stdout.trim();
    Ok((out.success() && !path.is_empty()).then(|| path.to_owned()))
}

/// The error for a machine without a package manager runperf knows.
pub fn no_package_manager(machine: &str, what: &str) -> PluginError {
    PluginError::new(format!(
        "{machine} has neither dnf, yum nor apt-get to install {what}; install it there by hand"
    ))
}

#[cfg(all(test, feature = "testing"))]
mod tests {
    use super::*;
    use crate::testing::{ScriptedHost, fail, ok};

    #[test]
    fn apt_refreshes_its_lists_and_tries_again() {
        let host = ScriptedHost::new();
        host.on("m: dnf --version", [fail(127, "not found")]);
        host.on("m: yum --version", [fail(127, "not found")]);
        host.on(
            "m: env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends -o DPkg::Lock::Timeout=300 fio",
            [fail(100, "Unable to locate package fio"), ok("")],
        );
        host.with(|h| {
            let manager = PackageManager::detect(h, "m")?.unwrap();
            assert_eq!(manager, PackageManager::Apt);
            assert!(!manager.is_rpm());
            manager.install(h, "m", &["fio"], Unavailable::Fail)
        })
        .unwrap();
        let calls = host.calls();
        let update = calls
            .iter()
            .position(|c| c == "run m: apt-get -o DPkg::Lock::Timeout=300 update")
            .unwrap();
        assert!(
            calls[update + 1].ends_with("--no-install-recommends -o DPkg::Lock::Timeout=300 fio"),
            "{calls:?}"
        );
    }

    #[test]
    fn dnf_skips_unavailable_packages_only_when_asked() {
        let host = ScriptedHost::new();
        host.with(|h| {
            PackageManager::Dnf.install(h, "m", &["a", "b"], Unavailable::Skip)?;
            PackageManager::Dnf.install(h, "m", &["c"], Unavailable::Fail)
        })
        .unwrap();
        let calls = host.calls();
        assert!(calls.contains(&"run m: dnf -y --skip-broken --nobest install a b".to_owned()));
        assert!(calls.contains(&"run m: dnf -y install c".to_owned()));
    }

    #[test]
    fn a_failed_installation_names_the_packages_and_the_machine() {
        let host = ScriptedHost::new();
        host.on("m: yum -y install x", [fail(1, "No package x available.")]);
        let err = host
            .with(|h| PackageManager::Yum.install(h, "m", &["x"], Unavailable::Fail))
            .unwrap_err()
            .to_string();
        assert!(err.contains("cannot install x on m"), "{err}");
    }
}
