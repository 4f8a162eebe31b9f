//! TunedLibvirt against the scripted host, ported from the reference's
//! `test_tuned_libvirt`: the persistent apply asks for a reboot, the apply
//! after the reboot starts the VM from the host's tuned XML, applying
//! twice fails, info has the persistent part, and revert undoes every
//! persistent change (also when the run stops between reboot and apply).

mod common;

use std::time::Duration;

use common::{domains, scripted};
use runperf_plugin_sdk::testing::{ScriptedHost, assert_in_order, ok};
use runperf_plugin_sdk::{
    Profile, ProfileContext,
    serde_json::{Value, json},
};
use runperf_profile_tuned_libvirt::{Kind, LibvirtProfile, Timing};

const TUNED_XML: &str = "<!-- tuned -->\n<domain type='kvm'>\n  <name>vm0</name>\n  \
    <uuid>6337ddb1-efb7-4fdc-952f-ff8c4b8f9c10</uuid>\n  <memoryBacking><hugepages/></memoryBacking>\n  \
    <devices>\n    <emulator>/usr/libexec/qemu-kvm</emulator>\n    <disk type='file' device='cdrom'>\n      \
    <source file='/iso'/>\n    </disk>\n    <disk type='file' device='disk'>\n      \
    <driver name='qemu' type='qcow2'/>\n      <source file='/var/lib/libvirt/images/src.qcow2'/>\n      \
    <target dev='vda' bus='virtio'/>\n    </disk>\n  </devices>\n</domain>\n";

fn quick() -> Timing {
    Timing {
        address: Duration::from_millis(50),
        reachable: Duration::from_millis(50),
        boot_setup: Duration::from_millis(30),
        poll: Duration::from_millis(5),
        settle: Duration::from_millis(1),
    }
}

fn tuned(paths: Vec<String>, extra: Value) -> LibvirtProfile {
    let extra = match extra {
        Value::Object(map) => map,
        _ => Default::default(),
    };
    LibvirtProfile::new(
        Kind::TunedLibvirt,
        ProfileContext {
            host: "host1".into(),
            paths,
            extra,
            ..ProfileContext::default()
        },
    )
    .with_timing(quick())
}

fn assets() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("libvirt")).unwrap();
    std::fs::write(dir.path().join("libvirt/host1-tuned.xml"), TUNED_XML).unwrap();
    dir
}

/// What the rc.local and the new kernel command line do at boot.
fn reboot(host: &ScriptedHost) {
    host.set_file("host1", "/proc/cmdline", "BOOT_IMAGE=/vmlinuz ro default_hugepagesz=1G hugepagesz=1G nosoftlockup nohz=on hugepages=22\n");
    host.set_persistent("host1", "persistent_setup_finished", "rc_local\n");
}

#[test]
fn tuned_libvirt_reboots_once_then_starts_the_tuned_vm_and_reverts_everything() {
    let dir = assets();
    let host = scripted();
    host.set_file("host1", "/etc/rc.d", "");
    host.set_file("host1", "/etc/rc.d/rc.local", "#!/bin/sh\necho original\n");
    let mut p = tuned(
        vec![dir.path().display().to_string()],
        json!({"irqbalance": false}),
    );

    // Persistent apply: asks for a reboot.
    let applied = common::apply(&host, &mut p, None).unwrap();
    assert!(applied.reboot_required);
    assert!(applied.workers.is_empty());
    assert_in_order(
        &host.calls(),
        &[
            "set host1/set_profile=TunedLibvirt",
            "run host1: tuned-adm --version",
            "set host1/persistent_setup/profile=TunedLibvirt",
            "set host1/persistent_setup_expected=rc_local",
            "set host1/persistent_setup/rc_local_path=/etc/rc.d/rc.local",
            "set host1/persistent_setup/rc_local=#!/bin/sh",
            "write host1:/etc/rc.d/rc.local",
            "run host1: chmod 755 /etc/rc.d/rc.local",
            "run host1: tuned-adm active",
            "set host1/persistent_setup/tuned_adm_profile=balanced",
            "run host1: tuned-adm profile virtual-host",
            "read host1:/proc/cmdline",
            "set host1/persistent_setup/grub_args=default_hugepagesz=1G hugepagesz=1G nosoftlockup nohz=on hugepages=22",
            "run host1: grubby --args=default_hugepagesz=1G hugepagesz=1G nosoftlockup nohz=on hugepages=22 --update-kernel=/boot/vmlinuz-6.1",
            "run host1: systemctl is-enabled irqbalance",
            "set host1/persistent_setup/irqbalance=enabled",
            "run host1: systemctl disable irqbalance",
            "remove host1/set_profile",
        ],
    );
    let rc_local = host.file("host1", "/etc/rc.d/rc.local").unwrap();
    assert!(
        rc_local.contains("MEM_PER_NODE='11'") && rc_local.contains("NODES='2'"),
        "{rc_local}"
    );
    assert!(
        rc_local.ends_with("\n\n#!/bin/sh\necho original\n"),
        "the original rc.local runs after ours"
    );
    assert_eq!(host.persistent("host1", "set_profile"), None);

    // Before the boot scripts reported, apply asks for another reboot.
    assert!(common::apply(&host, &mut p, None).unwrap().reboot_required);

    // After the reboot: the VM starts from the tuned XML.
    reboot(&host);
    host.clear_calls();
    let applied = common::apply(&host, &mut p, None).unwrap();
    assert_eq!(applied.workers, ["host1.TunedLibvirt0"]);
    let disk = "/var/lib/libvirt/images/Debian-12-host1.TunedLibvirt0.raw";
    let xml_path = "/var/log/libvirt/Debian-12-host1.TunedLibvirt0.raw_.xml";
    assert_in_order(
        &host.calls(),
        &[
            "set host1/set_profile=TunedLibvirt",
            &format!(
                "run host1: qemu-img convert -f qcow2 -O raw /var/lib/libvirt/images/Debian-12.qcow2 {disk}"
            ),
            "read host1:/proc/sys/kernel/random/uuid",
            &format!("write host1:{xml_path}"),
            "run host1: id -u qemu",
            "run host1: chown -R qemu:qemu /dev/hugepages/",
            &format!("run host1: virsh create {xml_path}"),
            "add_worker host1.TunedLibvirt0@192.0.2.10 via host1",
            "set host1/applied_profile=TunedLibvirt",
        ],
    );
    assert!(
        !host
            .calls()
            .iter()
            .any(|c| c.contains("virt-install --import"))
    );
    let xml = host.file("host1", xml_path).unwrap();
    assert!(
        xml.starts_with(
            "<!-- tuned -->\n<domain type='kvm'>\n  <name>host1.TunedLibvirt0</name>\n  \
                             <uuid>6c1f0d3e-0000-4000-8000-000000000001</uuid>"
        ),
        "{xml}"
    );
    assert!(
        xml.contains("<source file='/iso'/>"),
        "the cdrom is not the VM disk: {xml}"
    );
    assert!(
        xml.contains(&format!(
            "<driver name='qemu' type='raw'/>\n      <source file='{disk}'/>"
        )),
        "{xml}"
    );

    // Applying again while applied fails (reference: RuntimeError).
    let err = common::apply(&host, &mut p, None).unwrap_err();
    assert!(err.message().contains("already applied"), "{err:#}");

    // info: persistent part and both XMLs.
    host.on(
        "virsh dumpxml",
        vec![ok(
            "<domain id='3'><uuid>x</uuid><mac address='52:54:00:00:00:01'/></domain>",
        )],
    );
    let info = host.with(|h| p.info(h)).unwrap();
    let keys: Vec<&str> = info.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "guest_accel",
            "guest_network",
            "persistent",
            "guest0_libvirt_xml",
            "guest0_libvirt_xml_raw"
        ]
    );
    assert_eq!(info["guest_accel"], "libvirt default: host1 has /dev/kvm");
    assert_eq!(info["guest0_libvirt_xml"], "<domain ID>UUIDMAC</domain>");
    assert_eq!(
        info["persistent"]["tuned_adm_profile"],
        "Current active profile: balanced\n"
    );

    // Revert: everything persistent is undone and a reboot requested.
    host.clear_calls();
    assert!(common::revert(&host, &mut p).unwrap());
    assert_in_order(
        &host.calls(),
        &[
            "run host1: virsh destroy host1.TunedLibvirt0 --graceful",
            &format!("run host1: rm -f -- {disk}"),
            "run host1: systemctl enable irqbalance",
            "remove host1/persistent_setup/irqbalance",
            "run host1: grubby --remove-args=default_hugepagesz=1G hugepagesz=1G nosoftlockup nohz=on hugepages=22 --update-kernel=/boot/vmlinuz-6.1",
            "remove host1/persistent_setup/grub_args",
            "run host1: tuned-adm profile balanced",
            "remove host1/persistent_setup/tuned_adm_profile",
            "write host1:/etc/rc.d/rc.local",
            "remove host1/persistent_setup/rc_local",
            "remove host1/persistent_setup_finished",
            "remove host1/persistent_setup_expected",
            "remove host1/applied_profile",
            "remove host1/set_profile",
        ],
    );
    assert_eq!(
        host.file("host1", "/etc/rc.d/rc.local").as_deref(),
        Some("#!/bin/sh\necho original\n")
    );
    assert!(
        host.persistent_keys().is_empty(),
        "{:?}",
        host.persistent_keys()
    );
    assert!(domains(&host).is_empty());
}

#[test]
fn a_run_stopped_between_reboot_and_apply_still_reverts_the_host() {
    let dir = assets();
    let host = scripted();
    let mut p = tuned(vec![dir.path().display().to_string()], json!({}));
    assert!(common::apply(&host, &mut p, None).unwrap().reboot_required);
    // The run stops here; a later run's revert of the same profile.
    let mut later = tuned(vec![dir.path().display().to_string()], json!({}));
    assert!(common::revert(&host, &mut later).unwrap());
    let calls = host.calls();
    assert_in_order(
        &calls,
        &[
            "grubby --remove-args=",
            "tuned-adm profile balanced",
            "run host1: rm -f -- /etc/rc.local",
        ],
    );
    assert!(
        host.persistent_keys().is_empty(),
        "{:?}",
        host.persistent_keys()
    );
}

#[test]
fn tuned_xml_is_searched_in_paths_or_given() {
    let host = scripted();
    let mut p = tuned(vec!["/nonexistent".into()], json!({}));
    let err = format!("{:#}", common::apply(&host, &mut p, None).unwrap_err());
    assert!(
        err.contains("/nonexistent/libvirt/host1-tuned.xml") && err.contains("--paths"),
        "{err}"
    );
    common::revert(&host, &mut p).unwrap();

    let dir = assets();
    std::fs::write(
        dir.path().join("libvirt/host1-fast.xml"),
        TUNED_XML.replace("vm0", "fast"),
    )
    .unwrap();
    let mut p = tuned(
        vec![dir.path().display().to_string()],
        json!({"xml_suffix": "-fast", "grub_args": [], "rc_local_file": null, "tuned_adm_profile": "",
               "image_format": "qcow2"}),
    );
    // Nothing persistent left to do: no reboot, the VM starts at once.
    let applied = common::apply(&host, &mut p, None).unwrap();
    assert!(!applied.reboot_required);
    assert!(
        host.calls()
            .iter()
            .any(|c| c.contains("cp -f -- /var/lib/libvirt/images/Debian-12.qcow2"))
    );
    common::revert(&host, &mut p).unwrap();
}

#[test]
fn rc_local_file_templates_take_host_and_user_params() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("rc.sh");
    std::fs::write(
        &script,
        "echo %(host_cpus)s %(mine)s > %(performed_setup_path)s\n",
    )
    .unwrap();
    let host = scripted();
    let mut p = LibvirtProfile::new(
        Kind::DefaultLibvirt,
        ProfileContext {
            host: "host1".into(),
            paths: vec![],
            extra: match json!({"rc_local_file": script.display().to_string(), "rc_local_file_params": {"mine": "x"}}) {
                Value::Object(m) => m,
                _ => unreachable!(),
            },
            ..ProfileContext::default()
        },
    )
    .with_timing(quick());
    assert!(common::apply(&host, &mut p, None).unwrap().reboot_required);
    assert_eq!(
        host.file("host1", "/etc/rc.local").as_deref(),
        Some("echo 16 x > /var/lib/runperf/persistent_setup_finished\n")
    );
    common::revert(&host, &mut p).unwrap();
    assert_eq!(host.file("host1", "/etc/rc.local"), None);
}
