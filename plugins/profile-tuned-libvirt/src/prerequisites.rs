//! What a host needs before VMs can be created: libvirt answering,
//! virt-install, qemu and osinfo (installed with dnf or apt-get when
//! missing), the libvirt daemon started (systemd, or the daemons directly
//! on hosts without systemd) and, for VMs on libvirt's network, its
//! `default` network active (user-mode networking needs no network).
//! Installed packages and started services are left in place on revert,
//! as the reference does.

use runperf_plugin_sdk::packages::{PackageManager, Unavailable, no_package_manager};
use runperf_plugin_sdk::{Command, Host, LogLevel, PluginError, PluginResult};

/// What the profile will use besides libvirt itself.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Needs {
    /// A custom qemu binary (`qemu_bin`): install the stack unconditionally.
    pub custom_qemu: bool,
    /// tuned-adm is used.
    pub tuned: bool,
    /// The VMs use libvirt's `default` network (NAT, DHCP by dnsmasq).
    pub nat_network: bool,
}

/// The packages of the libvirt stack for `arch` with `manager`.
pub fn packages(manager: PackageManager, arch: &str, needs: Needs) -> Vec<&'static str> {
    let mut out = if manager.is_rpm() {
        vec![
            "libvirt",
            "virt-install",
            "qemu-kvm",
            "qemu-img",
            "libosinfo",
        ]
    } else {
        vec![
            "libvirt-daemon-system",
            "libvirt-clients",
            "virtinst",
            qemu_system_package(arch),
            "qemu-utils",
            "libosinfo-bin",
        ]
    };
    if needs.nat_network && !manager.is_rpm() {
        out.push("dnsmasq-base");
    }
    if needs.tuned {
        out.push("tuned");
    }
    out
}

fn qemu_system_package(arch: &str) -> &'static str {
    match arch {
        "aarch64" | "arm" | "armv7l" => "qemu-system-arm",
        "ppc64" | "ppc64le" => "qemu-system-ppc",
        "s390x" => "qemu-system-s390x",
        _ => "qemu-system-x86",
    }
}

fn libvirt_answers(host: &Host<'_>, machine: &str) -> PluginResult<bool> {
    Ok(host
        .run(machine, &Command::argv(["virsh", "version"]))?
        .success())
}

/// Makes sure `machine` can run VMs for the profile.
pub fn ensure(host: &Host<'_>, machine: &str, arch: &str, needs: Needs) -> PluginResult<()> {
    let have_virt_install = host
        .run(machine, &Command::argv(["virt-install", "--version"]))?
        .success();
    let answering = libvirt_answers(host, machine)?;
    let tuned_missing = needs.tuned
        && !host
            .run(machine, &Command::argv(["tuned-adm", "--version"]))?
            .success();
    if needs.custom_qemu || !have_virt_install || !answering || tuned_missing {
        let manager = PackageManager::detect(host, machine)?
            .ok_or_else(|| no_package_manager(machine, "libvirt, virt-install and qemu"))?;
        let packages = packages(manager, arch, needs);
        manager.install(host, machine, &packages, Unavailable::Skip)?;
    }
    if !libvirt_answers(host, machine)? {
        start_libvirt(host, machine)?;
    }
    if needs.nat_network {
        ensure_default_network(host, machine)?;
    }
    Ok(())
}

fn start_libvirt(host: &Host<'_>, machine: &str) -> PluginResult<()> {
    let systemd = host.run(machine, &Command::argv(["systemctl", "start", "libvirtd"]))?;
    if !systemd.success() {
        // No systemd (containers, some CI machines): start the daemons.
        host.log(
            LogLevel::Info,
            &format!("{machine}: systemctl cannot start libvirtd, starting the daemons directly"),
        );
        host.run(machine, &Command::argv(["virtlogd", "--daemon"]))?;
        host.run(machine, &Command::argv(["libvirtd", "--daemon"]))?;
    }
    for _ in 0..30 {
        if libvirt_answers(host, machine)? {
            return Ok(());
        }
        std::thread::sleep(std::time::Duration::from_millis(500));
    }
    Err(PluginError::new(format!(
        "libvirt does not answer on {machine} (virsh version fails) after starting libvirtd; \
         check the libvirtd service there"
    ))
    .with_cause(systemd.stderr.trim().to_owned()))
}

fn ensure_default_network(host: &Host<'_>, machine: &str) -> PluginResult<()> {
    let info = host.run(machine, &Command::argv(["virsh", "net-info", "default"]))?;
    if !info.success() {
        return Err(PluginError::new(format!(
            "libvirt on {machine} has no network named default, so the VMs would get no address; \
             define it (Debian: package libvirt-daemon-config-network, or virsh net-define)"
        ))
        .with_cause(info.stderr.trim().to_owned()));
    }
    let active = info.stdout.lines().any(|line| {
        line.split_once(':')
            .is_some_and(|(k, v)| k.trim() == "Active" && v.trim() == "yes")
    });
    if !active {
        host.run_ok(machine, &Command::argv(["virsh", "net-start", "default"]))?;
    }
    Ok(())
}
