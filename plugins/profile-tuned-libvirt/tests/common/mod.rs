//! The scripted host of the profile tests: the testing `ScriptedHost`
//! (every call recorded in order, like the reference's mocked sessions,
//! answers from the rules a test adds) set up as host1 with the
//! reference's selftest params, plus a model of just enough of a libvirt
//! host to follow a profile through apply and revert: files, libvirt
//! domains created from written XML, DHCP leases.

#![allow(dead_code)]

use std::time::Duration;

use runperf_plugin_sdk::serde_json::{Value, json};
use runperf_plugin_sdk::testing::{ScriptedHost, apply_profile, fail, ok, revert_profile};
use runperf_plugin_sdk::{Applied, CommandLine, CommandOutput, PluginResult, ProfileContext};
use runperf_profile_tuned_libvirt::{Kind, LibvirtProfile, Timing};

/// Where the model keeps the running domains, as libvirt keeps their XML.
const DOMAINS: &str = "/run/libvirt/qemu/";

/// A host "host1" with the reference's selftest params and guest distro.
pub fn scripted() -> ScriptedHost {
    let host = ScriptedHost::new();
    host.set_params(
        "host1",
        json!({"arch": "x86_64", "hugepage_kb": 1048576, "numa_nodes": 2,
               "host_cpus": 16, "guest_cpus": 8, "guest_mem_m": 22528,
               "shared_pub_key": "ssh-ed25519 AAAA runperf"}),
    );
    host.set_metadata(json!({"distro": "Debian-12", "guest_distro": "DISTRO"}));
    // A KVM host, not a PVM one (see accel.rs).
    host.set_file("host1", "/dev/kvm", "");
    host.set_file("host1", "/proc/cmdline", "BOOT_IMAGE=/vmlinuz ro quiet\n");
    host.on_read(
        "host1:/proc/sys/kernel/random/uuid",
        ["6c1f0d3e-0000-4000-8000-000000000001\n"],
    );
    host.otherwise(|host, machine, command| {
        Ok(match &command.line {
            CommandLine::Argv(argv) => model(host, machine, argv),
            CommandLine::Shell(_) => ok(""),
        })
    });
    host
}

/// Waiting times short enough for the scripted host.
pub fn quick() -> Timing {
    Timing {
        address: Duration::from_millis(50),
        reachable: Duration::from_millis(50),
        boot_setup: Duration::from_millis(50),
        poll: Duration::from_millis(5),
        settle: Duration::from_millis(1),
    }
}

/// Profile `kind` on host1 with the extras of the object `extra` and
/// [`quick`] waits.
pub fn profile(kind: Kind, extra: Value) -> LibvirtProfile {
    profile_named(kind, "", extra)
}

/// [`profile`] named `name` in the run (as runperf names it from `__NAME__`).
pub fn profile_named(kind: Kind, name: &str, extra: Value) -> LibvirtProfile {
    LibvirtProfile::new(
        kind,
        ProfileContext {
            name: name.into(),
            host: "host1".into(),
            extra: extra.as_object().cloned().unwrap_or_default(),
            ..ProfileContext::default()
        },
    )
    .with_timing(quick())
}

/// The domains running on host1.
pub fn domains(host: &ScriptedHost) -> Vec<String> {
    host.files_under("host1", DOMAINS)
        .iter()
        .filter_map(|p| {
            p.strip_prefix(DOMAINS)?
                .strip_suffix(".xml")
                .map(str::to_owned)
        })
        .collect()
}

/// What an ordinary libvirt host would answer to `argv`.
fn model(host: &ScriptedHost, machine: &str, argv: &[String]) -> CommandOutput {
    let args: Vec<&str> = argv.iter().map(String::as_str).collect();
    match args.as_slice() {
        ["test", "-e", path] => {
            if host.file(machine, path).is_some() {
                ok("")
            } else {
                fail(1, "")
            }
        }
        ["rm", rest @ ..] => {
            for path in rest.iter().filter(|a| !a.starts_with('-')) {
                host.remove_file(machine, path);
            }
            ok("")
        }
        ["virsh", "list", "--all", "--name"] => ok(&(domains(host).join("\n") + "\n")),
        ["virsh", "create", path] => {
            let xml = host.file(machine, path).unwrap_or_default();
            let name = xml
                .split("<name>")
                .nth(1)
                .and_then(|s| s.split("</name>").next())
                .unwrap_or("");
            host.set_file(machine, &format!("{DOMAINS}{name}.xml"), &xml);
            ok(&format!("Domain '{name}' created from {path}\n"))
        }
        ["virsh", "destroy", name, ..] => {
            host.remove_file(machine, &format!("{DOMAINS}{name}.xml"));
            ok("")
        }
        ["virsh", "domifaddr", name] => match domains(host).iter().position(|d| d == name) {
            Some(i) => ok(&format!(
                " Name MAC address Protocol Address\n---\n vnet{i} 52:54:00:00:00:0{i} ipv4 192.0.2.{}/24\n",
                10 + i
            )),
            None => fail(1, "error: domain not found"),
        },
        ["virsh", "net-info", "default"] => ok("Name: default\nActive: yes\n"),
        ["osinfo-query", ..] => ok(" debian11\n debian12\n fedora32\n"),
        ["virt-install", .., "--dry-run", "--print-xml"] => {
            let name = args
                .iter()
                .position(|a| *a == "--name")
                .map_or("", |i| args[i + 1]);
            let disk = args
                .iter()
                .position(|a| *a == "--disk")
                .map_or("", |i| args[i + 1]);
            ok(&format!(
                "<domain type='kvm'>\n  <name>{name}</name>\n  <uuid>1-2</uuid>\n  <devices>\n    <emulator>/usr/bin/qemu-system-x86_64</emulator>\n    <disk type='file' device='disk'><source file='{disk}'/></disk>\n  </devices>\n</domain>\n"
            ))
        }
        ["dnf" | "yum", "--version"] => fail(127, "not found"),
        ["tuned-adm", "active"] => ok("Current active profile: balanced\n"),
        ["stat", ..] => fail(1, "No such file"),
        ["grubby", "--default-kernel"] => ok("/boot/vmlinuz-6.1\n"),
        ["systemctl", "is-enabled", "irqbalance"] => ok("enabled\n"),
        _ => ok(""),
    }
}

/// Applies `profile` on its host as runperf does (crash markers around it).
pub fn apply(
    host: &ScriptedHost,
    profile: &mut LibvirtProfile,
    setup_script: Option<&str>,
) -> PluginResult<Applied> {
    let name = profile.name().to_owned();
    apply_profile(host, profile, "host1", &name, setup_script)
}

/// Reverts `profile` on its host as runperf does (markers cleared after it).
pub fn revert(host: &ScriptedHost, profile: &mut LibvirtProfile) -> PluginResult<bool> {
    let name = profile.name().to_owned();
    revert_profile(host, profile, "host1", &name)
}
