//! One VM on a host: its names and files, creating and starting it
//! (`virsh create` of a transient domain), and destroying it with every
//! file it left (its image, domain XML, serial and qemu logs).
//!
//! Each VM is recorded in the persistent key `libvirt/guests` before
//! anything is created for it, so that a revert in a later run (after a
//! crash) still finds and removes it.

use std::time::Duration;

use runperf_plugin_sdk::{Command, Host, LogLevel, PluginError, PluginResult};

use crate::domain_xml::VmShape;

const GUESTS: &str = "libvirt/guests";
const LOG_DIR: &str = "/var/log/libvirt";

/// A VM and the files that belong to it on its host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Guest {
    /// Domain name (also the worker name): `HOST.PROFILEi`.
    pub name: String,
    /// The VM's own image.
    pub disk: String,
}

impl Guest {
    /// The domain XML as written before `virsh create`.
    pub fn xml_path(&self) -> String {
        format!("{LOG_DIR}/{}_.xml", basename(&self.disk))
    }

    /// The serial console log.
    pub fn serial_log(&self) -> String {
        format!("{LOG_DIR}/{}__serial.log", basename(&self.disk))
    }

    /// Every file removed with the VM.
    pub fn files(&self) -> Vec<String> {
        vec![
            self.disk.clone(),
            format!("{}.xml", self.disk),
            self.xml_path(),
            self.serial_log(),
            format!("{LOG_DIR}/qemu/{}.log", self.name),
        ]
    }
}

fn basename(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// The guests recorded on `machine`.
pub fn recorded(host: &Host<'_>, machine: &str) -> PluginResult<Vec<Guest>> {
    let text = host.persistent_get(machine, GUESTS)?.unwrap_or_default();
    Ok(text
        .lines()
        .filter_map(|line| line.split_once('\t'))
        .map(|(name, disk)| Guest {
            name: name.to_owned(),
            disk: disk.to_owned(),
        })
        .collect())
}

/// Records `guest` on `machine` (before anything is created for it).
pub fn record(host: &Host<'_>, machine: &str, guest: &Guest) -> PluginResult<()> {
    if guest.name.contains(['\t', '\n']) || guest.disk.contains(['\t', '\n']) {
        return Err(PluginError::new(format!(
            "VM name {:?} or image {:?} contains a tab or newline",
            guest.name, guest.disk
        )));
    }
    let mut text = host.persistent_get(machine, GUESTS)?.unwrap_or_default();
    text.push_str(&format!("{}\t{}\n", guest.name, guest.disk));
    host.persistent_set(machine, GUESTS, &text)
}

/// Forgets every recorded guest.
pub fn forget_all(host: &Host<'_>, machine: &str) -> PluginResult<()> {
    host.persistent_remove(machine, GUESTS)
}

/// Domains libvirt knows on `machine`, running or not.
pub fn defined(host: &Host<'_>, machine: &str) -> PluginResult<Vec<String>> {
    let out = host.run_ok(
        machine,
        &Command::argv(["virsh", "list", "--all", "--name"]),
    )?;
    Ok(out
        .stdout
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect())
}

/// Writes the domain XML and starts the VM from it.
pub fn start(host: &Host<'_>, machine: &str, guest: &Guest, xml: &str) -> PluginResult<()> {
    let path = guest.xml_path();
    host.write_file(machine, &path, xml.as_bytes())?;
    if xml.contains("<hugepages") {
        give_hugepages_to_qemu(host, machine)?;
    }
    let out = host.run(
        machine,
        &Command::argv(["virsh", "create", path.as_str()]).timeout(300.0),
    )?;
    if out.success() {
        return Ok(());
    }
    let mut message = format!(
        "cannot start VM {} on {machine} from {path} (virsh create exited with {})",
        guest.name, out.status
    );
    if let Some(hint) = start_hint(&out.stderr) {
        message.push_str("; ");
        message.push_str(hint);
    }
    Err(PluginError::new(message).with_cause(out.stderr.trim().to_owned()))
}

/// What to do about a `virsh create` failure, for the ones we know.
pub fn start_hint(stderr: &str) -> Option<&'static str> {
    if stderr.contains("failed to set MSR") {
        // Nested KVM refusing an MSR of the host-passthrough CPU
        // (0x10a is IA32_ARCH_CAPABILITIES).
        Some(
            "the host's KVM (nested?) rejects an MSR of the host CPU model: set the cpu_model extra, \
             e.g. host-passthrough,disable=arch-capabilities, or accel tcg",
        )
    } else if stderr.contains("CPU is incompatible with host CPU") {
        Some(
            "the CPU model needs features the host's KVM lacks: set the cpu_model extra to a model \
             `virsh domcapabilities` lists as usable, or host-passthrough",
        )
    } else if stderr.contains("host forwarding rule") {
        Some(
            "qemu cannot listen on the VM's forwarded SSH port (network user): another program took \
             it meanwhile; apply again, a new port is picked",
        )
    } else if stderr.contains("virtlogd") {
        Some(
            "virtlogd is not running there: start it (systemctl start virtlogd, or virtlogd --daemon)",
        )
    } else if stderr.contains("/dev/kvm") || stderr.contains("KVM is not available") {
        Some(
            "KVM is not usable there: fix /dev/kvm (module, permissions) or set the accel extra to tcg",
        )
    } else {
        None
    }
}

/// The qemu user must own the hugepages mount to back guests with it.
fn give_hugepages_to_qemu(host: &Host<'_>, machine: &str) -> PluginResult<()> {
    for user in ["qemu", "libvirt-qemu"] {
        if host
            .run(machine, &Command::argv(["id", "-u", user]))?
            .success()
        {
            let owner = format!("{user}:{user}");
            host.run_ok(
                machine,
                &Command::argv(["chown", "-R", owner.as_str(), "/dev/hugepages/"]),
            )?;
            return Ok(());
        }
    }
    host.log(
        LogLevel::Warn,
        &format!("{machine}: no qemu user found, /dev/hugepages keeps its owner"),
    );
    Ok(())
}

/// The shape virt-install needs for `guest`.
pub fn shape(guest: &Guest, cpus: u64, mem_m: u64) -> VmShape {
    VmShape {
        name: guest.name.clone(),
        disk: guest.disk.clone(),
        mem_m,
        cpus,
        serial_log: guest.serial_log(),
    }
}

/// Destroys and undefines `guest` if libvirt knows it, then removes its
/// files; returns what failed.
pub fn destroy(
    host: &Host<'_>,
    machine: &str,
    guest: &Guest,
    settle: Duration,
) -> PluginResult<Vec<String>> {
    let mut failed = Vec::new();
    let name = guest.name.as_str();
    if defined(host, machine)?.iter().any(|d| d == name) {
        let graceful = host.run(
            machine,
            &Command::argv(["virsh", "destroy", name, "--graceful"]).timeout(120.0),
        )?;
        if !graceful.success() {
            std::thread::sleep(settle);
            if defined(host, machine)?.iter().any(|d| d == name)
                && !host
                    .run(machine, &Command::argv(["virsh", "destroy", name]))?
                    .success()
            {
                failed.push(format!("virsh destroy {name}"));
            }
        }
    }
    // A persistent domain (defined elsewhere) stays after destroy.
    if defined(host, machine)?.iter().any(|d| d == name)
        && !host
            .run(machine, &Command::argv(["virsh", "undefine", name]))?
            .success()
    {
        failed.push(format!("virsh undefine {name}"));
    }
    let mut rm = vec!["rm".to_owned(), "-f".to_owned(), "--".to_owned()];
    rm.extend(guest.files());
    if !host.run(machine, &Command::argv(rm))?.success() {
        failed.push(format!("removing the files of {name}"));
    }
    Ok(failed)
}
