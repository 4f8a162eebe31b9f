//! Persistent host tuning that takes effect at the next boot: kernel
//! arguments (grubby), an `rc.local` script, the tuned-adm profile and the
//! irqbalance service. Every change is recorded in persistent keys before
//! it is made, so that `revert` (even in a later run) undoes exactly what
//! was changed.
//!
//! Keys, as in the reference: `persistent_setup_expected` (what the boot
//! scripts must report in `persistent_setup_finished`),
//! `persistent_setup/{grub_args,tuned_adm_profile,irqbalance,rc_local,rc_local_was_missing}`;
//! ours: `persistent_setup/profile` (who made the changes) and
//! `persistent_setup/rc_local_path`.

use std::time::{Duration, Instant};

use runperf_plugin_sdk::{Command, Host, LogLevel, PluginError, PluginResult};

/// Where the boot scripts report what they did (a persistent key).
pub const PERFORMED_SETUP_PATH: &str = "/var/lib/runperf/persistent_setup_finished";
const PERFORMED: &str = "persistent_setup_finished";
const EXPECTED: &str = "persistent_setup_expected";
const OWNER: &str = "persistent_setup/profile";
const GRUB: &str = "persistent_setup/grub_args";
const TUNED: &str = "persistent_setup/tuned_adm_profile";
const IRQBALANCE: &str = "persistent_setup/irqbalance";
const RC_LOCAL: &str = "persistent_setup/rc_local";
const RC_LOCAL_MISSING: &str = "persistent_setup/rc_local_was_missing";
const RC_LOCAL_PATH: &str = "persistent_setup/rc_local_path";

/// The persistent tuning a profile asks for.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PersistentPlan {
    /// Kernel arguments to add.
    pub grub_args: Vec<String>,
    /// tuned-adm profile to activate.
    pub tuned_adm_profile: Option<String>,
    /// Rendered rc.local script.
    pub rc_local: Option<String>,
    /// Whether irqbalance must be enabled (`Some(true)`) or disabled.
    pub irqbalance: Option<bool>,
}

impl PersistentPlan {
    /// Whether nothing persistent is asked for.
    pub fn is_empty(&self) -> bool {
        self.grub_args.is_empty()
            && self.tuned_adm_profile.is_none()
            && self.rc_local.is_none()
            && self.irqbalance.is_none()
    }
}

fn argv(args: &[&str]) -> Command {
    Command::argv(args.iter().copied())
}

fn exists(host: &Host<'_>, machine: &str, path: &str) -> PluginResult<bool> {
    Ok(host.run(machine, &argv(&["test", "-e", path]))?.success())
}

/// Applies `plan` on `machine` for `profile`; returns whether a reboot is
/// needed before the profile can go on (also when the boot scripts have
/// not reported within `wait`).
pub fn apply(
    host: &Host<'_>,
    machine: &str,
    profile: &str,
    plan: &PersistentPlan,
    wait: Duration,
) -> PluginResult<bool> {
    if plan.is_empty() {
        return Ok(false);
    }
    if let Some(expected) = host.persistent_get(machine, EXPECTED)? {
        return Ok(!boot_scripts_done(host, machine, &expected, wait)?);
    }
    host.persistent_set(machine, OWNER, profile)?;
    let mut reboot = false;
    if let Some(script) = &plan.rc_local {
        install_rc_local(host, machine, script)?;
        reboot = true;
    }
    if let Some(wanted) = &plan.tuned_adm_profile {
        set_tuned(host, machine, wanted)?;
    }
    if !plan.grub_args.is_empty() {
        reboot |= add_grub_args(host, machine, &plan.grub_args)?;
    }
    if let Some(enabled) = plan.irqbalance {
        reboot |= set_irqbalance(host, machine, enabled)?;
    }
    Ok(reboot)
}

fn boot_scripts_done(
    host: &Host<'_>,
    machine: &str,
    expected: &str,
    wait: Duration,
) -> PluginResult<bool> {
    let end = Instant::now() + wait;
    loop {
        let performed = host.persistent_get(machine, PERFORMED)?.unwrap_or_default();
        let missing: Vec<&str> = expected
            .lines()
            .filter(|item| !item.trim().is_empty())
            .filter(|item| !performed.lines().any(|done| done.trim() == item.trim()))
            .collect();
        if missing.is_empty() {
            return Ok(true);
        }
        if Instant::now() >= end {
            host.log(
                LogLevel::Warn,
                &format!(
                    "{machine}: boot setup {} did not finish, rebooting again",
                    missing.join(", ")
                ),
            );
            return Ok(false);
        }
        std::thread::sleep(Duration::from_secs(1).min(wait));
    }
}

fn rc_local_path(host: &Host<'_>, machine: &str) -> PluginResult<&'static str> {
    // Fedora and RHEL read /etc/rc.d/rc.local, Debian /etc/rc.local.
    Ok(if exists(host, machine, "/etc/rc.d")? {
        "/etc/rc.d/rc.local"
    } else {
        "/etc/rc.local"
    })
}

fn install_rc_local(host: &Host<'_>, machine: &str, script: &str) -> PluginResult<()> {
    let path = rc_local_path(host, machine)?;
    let mut expected = host.persistent_get(machine, EXPECTED)?.unwrap_or_default();
    expected.push_str("rc_local\n");
    host.persistent_set(machine, EXPECTED, &expected)?;
    host.persistent_remove(machine, PERFORMED)?;
    host.persistent_set(machine, RC_LOCAL_PATH, path)?;
    let mut content = script.to_owned();
    if exists(host, machine, path)? {
        let old = String::from_utf8_lossy(&host.read_file(machine, path)?).into_owned();
        if host.persistent_get(machine, RC_LOCAL)?.is_some() {
            return Err(PluginError::new(format!(
                "{machine} already keeps a saved {path} in /var/lib/runperf/{RC_LOCAL} (an earlier \
                 profile was not reverted); restore {path} from it and remove the key"
            )));
        }
        host.persistent_set(machine, RC_LOCAL, &old)?;
        content.push_str("\n\n");
        content.push_str(&old);
    } else {
        host.persistent_set(machine, RC_LOCAL_MISSING, "missing")?;
    }
    host.write_file(machine, path, content.as_bytes())?;
    host.run_ok(machine, &argv(&["chmod", "755", path]))?;
    Ok(())
}

fn active_tuned(host: &Host<'_>, machine: &str) -> PluginResult<String> {
    let out = host
        .run_ok(machine, &argv(&["tuned-adm", "active"]))
        .map_err(|e| {
            e.context(format!(
                "cannot query tuned on {machine}: install tuned and start its service"
            ))
        })?;
    // "Current active profile: virtual-host", or "No current active profile."
    Ok(out
        .stdout
        .lines()
        .find_map(|line| line.split_once(':').map(|(_, p)| p.trim().to_owned()))
        .unwrap_or_default())
}

fn set_tuned(host: &Host<'_>, machine: &str, wanted: &str) -> PluginResult<()> {
    let current = active_tuned(host, machine)?;
    if current != wanted {
        host.persistent_set(machine, TUNED, &current)?;
        host.run_ok(machine, &argv(&["tuned-adm", "profile", wanted]))?;
    }
    Ok(())
}

fn default_kernel(host: &Host<'_>, machine: &str) -> PluginResult<String> {
    let out = host
        .run_ok(machine, &argv(&["grubby", "--default-kernel"]))
        .map_err(|e| {
            e.context(format!(
                "cannot find the default kernel of {machine} with grubby (grub_args need grubby)"
            ))
        })?;
    Ok(out.stdout.trim().to_owned())
}

fn add_grub_args(host: &Host<'_>, machine: &str, wanted: &[String]) -> PluginResult<bool> {
    let cmdline = String::from_utf8_lossy(&host.read_file(machine, "/proc/cmdline")?).into_owned();
    let missing: Vec<&str> = wanted
        .iter()
        .map(String::as_str)
        .filter(|arg| !cmdline.split_whitespace().any(|have| have == *arg))
        .collect();
    if missing.is_empty() {
        return Ok(false);
    }
    let args = missing.join(" ");
    let kernel = default_kernel(host, machine)?;
    host.persistent_set(machine, GRUB, &args)?;
    host.run_ok(
        machine,
        &Command::argv([
            "grubby".into(),
            format!("--args={args}"),
            format!("--update-kernel={kernel}"),
        ]),
    )?;
    Ok(true)
}

fn irqbalance_enabled(host: &Host<'_>, machine: &str) -> PluginResult<bool> {
    Ok(host
        .run(machine, &argv(&["systemctl", "is-enabled", "irqbalance"]))?
        .success())
}

fn set_irqbalance(host: &Host<'_>, machine: &str, enabled: bool) -> PluginResult<bool> {
    let current = irqbalance_enabled(host, machine)?;
    if current == enabled {
        return Ok(false);
    }
    host.persistent_set(
        machine,
        IRQBALANCE,
        if current { "enabled" } else { "disabled" },
    )?;
    let action = if enabled { "enable" } else { "disable" };
    host.run_ok(machine, &argv(&["systemctl", action, "irqbalance"]))?;
    Ok(true)
}

/// Whether `machine` records persistent setup made by a libvirt profile.
pub fn recorded(host: &Host<'_>, machine: &str) -> PluginResult<Option<String>> {
    host.persistent_get(machine, OWNER)
}

/// Undoes every recorded change; returns whether a reboot is needed for
/// the host to be as before (kernel arguments, boot script or irqbalance
/// were changed).
pub fn revert(host: &Host<'_>, machine: &str) -> PluginResult<bool> {
    let mut reboot = false;
    if let Some(previous) = host.persistent_get(machine, IRQBALANCE)? {
        let action = if previous.trim() == "enabled" {
            "enable"
        } else {
            "disable"
        };
        host.run_ok(machine, &argv(&["systemctl", action, "irqbalance"]))?;
        host.persistent_remove(machine, IRQBALANCE)?;
        reboot = true;
    }
    if let Some(args) = host.persistent_get(machine, GRUB)? {
        let kernel = default_kernel(host, machine)?;
        host.run_ok(
            machine,
            &Command::argv([
                "grubby".into(),
                format!("--remove-args={}", args.trim()),
                format!("--update-kernel={kernel}"),
            ]),
        )?;
        host.persistent_remove(machine, GRUB)?;
        reboot = true;
    }
    if let Some(previous) = host.persistent_get(machine, TUNED)? {
        let previous = previous.trim();
        let command = if previous.is_empty() {
            argv(&["tuned-adm", "off"])
        } else {
            argv(&["tuned-adm", "profile", previous])
        };
        host.run_ok(machine, &command)?;
        host.persistent_remove(machine, TUNED)?;
    }
    let path = host
        .persistent_get(machine, RC_LOCAL_PATH)?
        .map(|p| p.trim().to_owned())
        .unwrap_or_else(|| "/etc/rc.d/rc.local".to_owned());
    if let Some(original) = host.persistent_get(machine, RC_LOCAL)? {
        host.write_file(machine, &path, original.as_bytes())?;
        host.persistent_remove(machine, RC_LOCAL)?;
        reboot = true;
    } else if host.persistent_get(machine, RC_LOCAL_MISSING)?.is_some() {
        host.run_ok(machine, &argv(&["rm", "-f", "--", &path]))?;
        host.persistent_remove(machine, RC_LOCAL_MISSING)?;
        reboot = true;
    }
    for key in [PERFORMED, EXPECTED, RC_LOCAL_PATH, OWNER] {
        host.persistent_remove(machine, key)?;
    }
    Ok(reboot)
}

/// The persistent state as it is now, for the profile's info.
pub fn describe(
    host: &Host<'_>,
    machine: &str,
    plan: &PersistentPlan,
) -> PluginResult<runperf_plugin_sdk::serde_json::Map<String, runperf_plugin_sdk::serde_json::Value>>
{
    let mut out = runperf_plugin_sdk::serde_json::Map::new();
    if plan.rc_local.is_some() {
        let path = rc_local_path(host, machine)?;
        let text = host
            .read_file(machine, path)
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default();
        out.insert("rc_local".into(), text.into());
    }
    if plan.tuned_adm_profile.is_some() {
        let text = host.run(machine, &argv(&["tuned-adm", "active"]))?;
        out.insert("tuned_adm_profile".into(), text.stdout.into());
    }
    let irq = host.run(machine, &argv(&["systemctl", "is-enabled", "irqbalance"]))?;
    out.insert(
        "irqbalance".into(),
        format!("{}{}", irq.stdout, irq.stderr).into(),
    );
    Ok(out)
}
