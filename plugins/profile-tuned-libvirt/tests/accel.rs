//! The accelerator and CPU model of the VMs against the scripted host:
//! libvirt's default on a KVM host, TCG with a reason on a PVM host or
//! one without /dev/kvm, the `accel` and `cpu_model` extras, templates,
//! and what a failed `virsh create` tells the user to do.

mod common;

use common::{domains, scripted};
use runperf_plugin_sdk::testing::{ScriptedHost, fail};
use runperf_plugin_sdk::{
    Profile,
    serde_json::{Value, json},
};
use runperf_profile_tuned_libvirt::{Kind, LibvirtProfile};

const XML: &str = "/var/log/libvirt/Debian-12-host1.DefaultLibvirt0.qcow2_.xml";

fn profile(extra: Value) -> LibvirtProfile {
    common::profile(Kind::DefaultLibvirt, extra)
}

/// Applies `extra` on `host`; returns the virt-install call and the info's
/// `guest_accel`, after reverting.
fn apply(host: &ScriptedHost, extra: Value) -> (String, String) {
    let mut p = profile(extra);
    host.clear_calls();
    common::apply(host, &mut p, None).unwrap();
    let virt_install = host
        .calls()
        .into_iter()
        .find(|c| c.contains("virt-install --import"))
        .unwrap();
    let info = host.with(|h| p.info(h)).unwrap();
    common::revert(host, &mut p).unwrap();
    (
        virt_install,
        info["guest_accel"].as_str().unwrap().to_owned(),
    )
}

#[test]
fn a_kvm_host_keeps_libvirts_choice() {
    let host = scripted();
    let (virt_install, accel) = apply(&host, json!({}));
    assert!(!virt_install.contains("--virt-type"), "{virt_install}");
    assert!(!virt_install.contains("--cpu"), "{virt_install}");
    assert_eq!(accel, "libvirt default: host1 has /dev/kvm");
}

#[test]
fn a_pvm_host_runs_the_vms_under_tcg_and_says_why() {
    let host = scripted();
    host.set_file("host1", "/sys/module/kvm_pvm", "");
    let (virt_install, accel) = apply(&host, json!({}));
    assert!(
        virt_install.contains(" --virt-type qemu "),
        "{virt_install}"
    );
    assert!(
        accel.starts_with("qemu: KVM on host1 is PVM (module kvm_pvm)"),
        "{accel}"
    );

    // Forcing KVM (a PVM-enabled guest image) is the user's call.
    let (virt_install, accel) = apply(&host, json!({"accel": "kvm"}));
    assert!(virt_install.contains(" --virt-type kvm "), "{virt_install}");
    assert_eq!(accel, "kvm: accel extra is kvm");
}

#[test]
fn a_host_without_dev_kvm_runs_the_vms_under_tcg() {
    let host = scripted();
    host.remove_file("host1", "/dev/kvm");
    let (virt_install, accel) = apply(&host, json!({}));
    assert!(
        virt_install.contains(" --virt-type qemu "),
        "{virt_install}"
    );
    assert_eq!(accel, "qemu: host1 has no /dev/kvm");
}

#[test]
fn cpu_model_and_accel_extras_reach_virt_install_unless_given_there() {
    let host = scripted();
    let (virt_install, _) = apply(
        &host,
        json!({"accel": "tcg", "cpu_model": "host-passthrough,disable=arch-capabilities"}),
    );
    assert!(
        virt_install.contains(
            " --virt-type qemu --cpu host-passthrough,disable=arch-capabilities --dry-run"
        ),
        "{virt_install}"
    );

    let host = scripted();
    host.set_file("host1", "/sys/module/kvm_pvm", "");
    let (virt_install, accel) = apply(
        &host,
        json!({"cpu_model": "qemu64", "virt-install-extra": "--virt-type=kvm --cpu max"}),
    );
    assert!(
        virt_install.ends_with(" --virt-type=kvm --cpu max --dry-run --print-xml"),
        "{virt_install}"
    );
    assert_eq!(
        accel,
        "libvirt default: virt-install-extra gives --virt-type"
    );

    let host = scripted();
    let mut p = profile(json!({"accel": "hvf"}));
    let err = format!("{:#}", common::apply(&host, &mut p, None).unwrap_err());
    assert!(
        err.contains("accel is \"hvf\"; use auto, kvm or tcg"),
        "{err}"
    );
    common::revert(&host, &mut p).unwrap();
}

#[test]
fn a_failed_start_says_what_to_change() {
    for (stderr, hint) in [
        (
            "qemu-system-x86_64: error: failed to set MSR 0x10a to 0x69",
            "set the cpu_model extra, e.g. host-passthrough,disable=arch-capabilities",
        ),
        (
            "error: the CPU is incompatible with host CPU: Host CPU does not provide required features: svm",
            "`virsh domcapabilities` lists as usable",
        ),
        (
            "error: Failed to connect socket to '/var/run/libvirt/virtlogd-sock': No such file or directory",
            "virtlogd is not running there",
        ),
        (
            "error: Could not access KVM kernel module: /dev/kvm",
            "set the accel extra to tcg",
        ),
    ] {
        let host = scripted();
        host.on("host1: virsh create", vec![fail(1, stderr)]);
        let mut p = profile(json!({}));
        let err = format!("{:#}", common::apply(&host, &mut p, None).unwrap_err());
        assert!(
            err.contains(&format!(
                "cannot start VM host1.DefaultLibvirt0 on host1 from {XML}"
            )) && err.contains(hint)
                && err.contains(stderr),
            "{err}"
        );
        common::revert(&host, &mut p).unwrap();
        assert!(domains(&host).is_empty());
    }
}

#[test]
fn a_template_gets_the_chosen_domain_type() {
    let host = scripted();
    host.set_file("host1", "/sys/module/kvm_pvm", "");
    let mut p = profile(
        json!({"xml": "<domain type='kvm'>\n  <name>x</name>\n  <devices>\n    <disk type='file' device='disk'><source file='/x'/></disk>\n  </devices>\n</domain>\n"}),
    );
    common::apply(&host, &mut p, None).unwrap();
    let xml = host.file("host1", XML).unwrap();
    assert!(xml.starts_with("<domain type='qemu'>"), "{xml}");
    common::revert(&host, &mut p).unwrap();

    let mut p = profile(json!({"xml": "<domain type='kvm'/>", "cpu_model": "qemu64"}));
    let err = format!("{:#}", common::apply(&host, &mut p, None).unwrap_err());
    assert!(err.contains("set the <cpu> element there instead"), "{err}");
    common::revert(&host, &mut p).unwrap();
}
