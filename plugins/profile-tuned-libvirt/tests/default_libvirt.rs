//! DefaultLibvirt, DefaultLibvirtMulti and Overcommit1_5 against the
//! scripted host: the command sequence of apply, revert after success,
//! after a failed apply and from a later run, reuse of images, extras.

mod common;

use common::{domains, profile, scripted};
use runperf_plugin_sdk::testing::{ScriptedHost, assert_in_order, fail, ok};
use runperf_plugin_sdk::{Profile, serde_json::json};
use runperf_profile_tuned_libvirt::Kind;

/// Nothing of the profile is left on the host.
fn assert_clean(host: &ScriptedHost) {
    assert!(
        host.persistent_keys().is_empty(),
        "keys left: {:?}",
        host.persistent_keys()
    );
    assert!(
        domains(host).is_empty(),
        "domains left: {:?}",
        domains(host)
    );
    assert!(host.workers().is_empty(), "workers left");
}

#[test]
fn default_libvirt_applies_in_the_reference_order_and_reverts_everything() {
    let host = scripted();
    let mut p = profile(Kind::DefaultLibvirt, json!({}));
    let applied = common::apply(&host, &mut p, None).unwrap();
    assert!(!applied.reboot_required);
    assert_eq!(applied.workers, ["host1.DefaultLibvirt0"]);
    let image = "/var/lib/libvirt/images/Debian-12.qcow2";
    let disk = "/var/lib/libvirt/images/Debian-12-host1.DefaultLibvirt0.qcow2";
    let xml = "/var/log/libvirt/Debian-12-host1.DefaultLibvirt0.qcow2_.xml";
    assert_in_order(
        &host.calls(),
        &[
            "set host1/set_profile=DefaultLibvirt",
            "run host1: virt-install --version",
            "run host1: virsh version",
            "run host1: virsh net-info default",
            &format!("guest_image Debian-12 x86_64 -> {image}"),
            "run host1: virsh list --all --name",
            "set host1/libvirt/guests=host1.DefaultLibvirt0",
            &format!("run host1: cp -f -- {image} {disk}"),
            "run host1: sync",
            "run host1: osinfo-query os -f short-id",
            &format!(
                "run host1: virt-install --import --disk {disk} --memory 22528 --name host1.DefaultLibvirt0 \
                 --os-variant debian12 --vcpus 8 --serial file,path=/var/log/libvirt/Debian-12-host1.DefaultLibvirt0.qcow2__serial.log \
                 --dry-run --print-xml"
            ),
            &format!("write host1:{xml}"),
            &format!("run host1: virsh create {xml}"),
            "run host1: virsh domifaddr host1.DefaultLibvirt0",
            "add_worker host1.DefaultLibvirt0@192.0.2.10 via host1",
            "run host1.DefaultLibvirt0: true",
            "set host1/applied_profile=DefaultLibvirt",
        ],
    );
    let request = host.image_requests()[0].clone();
    assert_eq!(request.public_key, "ssh-ed25519 AAAA runperf");
    assert_eq!(request.default_password.as_deref(), Some("redhat"));
    // The image did not exist before: fetched by this run, removed on revert.
    assert!(
        host.persistent("host1", "cleanup/paths_to_be_removed")
            .unwrap()
            .contains(&format!("{image}.key.pub"))
    );

    host.clear_calls();
    assert!(!common::revert(&host, &mut p).unwrap());
    assert_in_order(
        &host.calls(),
        &[
            "remove_worker host1.DefaultLibvirt0",
            "run host1: virsh destroy host1.DefaultLibvirt0 --graceful",
            &format!("run host1: rm -f -- {disk} {disk}.xml {xml}"),
            "remove host1/libvirt/guests",
            &format!("run host1: rm -rf -- {image}"),
            "remove host1/applied_profile",
            "remove host1/set_profile",
        ],
    );
    assert_clean(&host);
    // A second revert has nothing to do.
    host.clear_calls();
    assert!(!common::revert(&host, &mut p).unwrap());
    assert!(
        host.calls().iter().all(|c| !c.starts_with("run")),
        "{:?}",
        host.calls()
    );
}

#[test]
fn an_up_to_date_image_is_reused_and_kept() {
    let host = scripted();
    host.on("host1: stat -c", vec![ok("42 1000 1700000000\n")]);
    let mut p = profile(Kind::DefaultLibvirt, json!({}));
    common::apply(&host, &mut p, Some("echo setup")).unwrap();
    assert_eq!(
        host.image_requests()[0].setup_script.as_deref(),
        Some("echo setup")
    );
    assert_eq!(
        host.persistent("host1", "cleanup/paths_to_be_removed"),
        None
    );
    common::revert(&host, &mut p).unwrap();
    assert!(
        !host
            .calls()
            .iter()
            .any(|c| c.contains("rm -rf -- /var/lib/libvirt/images/Debian-12.qcow2"))
    );
    assert_clean(&host);
}

#[test]
fn keep_assets_keeps_a_fetched_image() {
    let host = scripted();
    let mut p = profile(Kind::DefaultLibvirt, json!({"__KEEP_ASSETS__": "yes"}));
    common::apply(&host, &mut p, None).unwrap();
    assert_eq!(
        host.persistent("host1", "cleanup/paths_to_be_removed"),
        None
    );
    common::revert(&host, &mut p).unwrap();
    assert_clean(&host);
}

#[test]
fn multi_vm_profiles_split_the_host_as_the_reference() {
    let host = scripted();
    let mut p = profile(Kind::DefaultLibvirtMulti, json!({"image_format": "raw"}));
    let applied = common::apply(&host, &mut p, None).unwrap();
    let names: Vec<String> = (0..4)
        .map(|i| format!("host1.DefaultLibvirtMulti{i}"))
        .collect();
    assert_eq!(applied.workers, names);
    let calls = host.calls();
    assert_in_order(
        &calls,
        &[
            "run host1: qemu-img convert -f qcow2 -O raw /var/lib/libvirt/images/Debian-12.qcow2 \
             /var/lib/libvirt/images/Debian-12-host1.DefaultLibvirtMulti0.raw",
            "--memory 5632 --name host1.DefaultLibvirtMulti0 --os-variant debian12 --vcpus 2",
            "virsh create",
            "--name host1.DefaultLibvirtMulti3",
            "add_worker host1.DefaultLibvirtMulti0@192.0.2.10",
            "add_worker host1.DefaultLibvirtMulti3@192.0.2.13",
        ],
    );
    common::revert(&host, &mut p).unwrap();
    assert_clean(&host);

    let mut p = profile(Kind::Overcommit1_5, json!({"force_no_vms": 1}));
    let applied = common::apply(&host, &mut p, None).unwrap();
    // 16 host CPUs / 8 guest CPUs * 1.5 = 3 VMs, whatever force_no_vms says.
    assert_eq!(applied.workers.len(), 3);
    assert!(host.calls().iter().any(|c| {
        c.contains("--memory 7509 --name host1.Overcommit1_50 --os-variant debian12 --vcpus 8")
    }));
    common::revert(&host, &mut p).unwrap();
    assert_clean(&host);
}

#[test]
fn revert_after_a_failed_apply_removes_what_was_created() {
    let host = scripted();
    // The second VM fails to start.
    host.on(
        "virsh create /var/log/libvirt/Debian-12-host1.DefaultLibvirtMulti1",
        vec![fail(1, "error: out of memory")],
    );
    let mut p = profile(Kind::DefaultLibvirtMulti, json!({"force_no_vms": 2}));
    let err = common::apply(&host, &mut p, None).unwrap_err();
    assert!(
        format!("{err:#}").contains("cannot start VM host1.DefaultLibvirtMulti1 on host1"),
        "{err:#}"
    );
    assert_eq!(domains(&host).len(), 1);
    assert!(common::revert(&host, &mut p).is_ok());
    let calls = host.calls();
    assert_in_order(
        &calls,
        &[
            "virsh destroy host1.DefaultLibvirtMulti0 --graceful",
            "rm -f -- /var/lib/libvirt/images/Debian-12-host1.DefaultLibvirtMulti0.qcow2",
            "rm -f -- /var/lib/libvirt/images/Debian-12-host1.DefaultLibvirtMulti1.qcow2",
            "remove host1/set_profile",
        ],
    );
    assert_clean(&host);
}

#[test]
fn a_later_run_reverts_what_a_crashed_run_left() {
    let host = scripted();
    let mut crashed = profile(Kind::DefaultLibvirt, json!({}));
    common::apply(&host, &mut crashed, None).unwrap();
    drop(crashed);
    // The next run refuses to apply on top of it...
    let mut next = profile(Kind::DefaultLibvirt, json!({}));
    let err = common::apply(&host, &mut next, None).unwrap_err();
    assert!(err.message().contains("already applied"), "{err:#}");
    // ...and its revert finds the VM through the persistent record.
    common::revert(&host, &mut next).unwrap();
    assert!(
        host.calls()
            .iter()
            .any(|c| c.contains("virsh destroy host1.DefaultLibvirt0 --graceful"))
    );
    assert_clean(&host);
}

#[test]
fn a_vm_without_address_fails_with_what_to_check_and_is_cleaned() {
    let host = scripted();
    host.on(
        "virsh domifaddr",
        vec![ok(" Name MAC address Protocol Address\n---\n")],
    );
    let mut p = profile(Kind::DefaultLibvirt, json!({}));
    let err = format!("{:#}", common::apply(&host, &mut p, None).unwrap_err());
    assert!(
        err.contains("VM host1.DefaultLibvirt0 on host1 got no IPv4 address"),
        "{err}"
    );
    common::revert(&host, &mut p).unwrap();
    assert_clean(&host);
}

#[test]
fn an_unreachable_vm_fails_after_registration_and_is_forgotten_on_revert() {
    let host = scripted();
    host.on(
        "host1.DefaultLibvirt0: true",
        vec![fail(255, "Connection refused")],
    );
    let mut p = profile(Kind::DefaultLibvirt, json!({}));
    let err = format!("{:#}", common::apply(&host, &mut p, None).unwrap_err());
    assert!(
        err.contains("does not answer") && err.contains("Connection refused"),
        "{err}"
    );
    common::revert(&host, &mut p).unwrap();
    assert!(
        host.calls()
            .iter()
            .any(|c| c == "remove_worker host1.DefaultLibvirt0")
    );
    assert_clean(&host);
}

#[test]
fn missing_tools_are_installed_and_libvirt_started_without_systemd() {
    let host = scripted();
    host.on(
        "host1: virt-install --version",
        vec![fail(127, "not found"), ok("4.1.0")],
    );
    host.on(
        "host1: virsh version",
        vec![
            fail(1, "failed to connect"),
            fail(1, "failed to connect"),
            ok(""),
        ],
    );
    host.on(
        "host1: systemctl start libvirtd",
        vec![fail(1, "System has not been booted with systemd")],
    );
    let mut p = profile(Kind::DefaultLibvirt, json!({}));
    common::apply(&host, &mut p, None).unwrap();
    assert_in_order(
        &host.calls(),
        &[
            "run host1: dnf --version",
            "run host1: apt-get --version",
            "run host1: env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends -o DPkg::Lock::Timeout=300 \
             libvirt-daemon-system libvirt-clients virtinst qemu-system-x86 qemu-utils libosinfo-bin dnsmasq-base",
            "run host1: systemctl start libvirtd",
            "run host1: virtlogd --daemon",
            "run host1: libvirtd --daemon",
            "run host1: virsh version",
            "run host1: virsh net-info default",
        ],
    );
    common::revert(&host, &mut p).unwrap();
}

#[test]
fn errors_name_the_machine_and_the_fix() {
    let host = scripted();
    host.on(
        "virsh net-info default",
        vec![fail(1, "error: Network not found")],
    );
    let mut p = profile(Kind::DefaultLibvirt, json!({}));
    let err = format!("{:#}", common::apply(&host, &mut p, None).unwrap_err());
    assert!(
        err.contains("libvirt on host1 has no network named default"),
        "{err}"
    );
    common::revert(&host, &mut p).unwrap();
    assert_clean(&host);

    let host = scripted();
    host.set_metadata(json!({}));
    let mut p = profile(Kind::DefaultLibvirt, json!({}));
    let err = format!("{:#}", common::apply(&host, &mut p, None).unwrap_err());
    assert!(err.contains("pass --guest-distro"), "{err}");
    common::revert(&host, &mut p).unwrap();

    let host = scripted();
    host.answer_images(|_, _| Err("no image provider serves Plan9-4".into()));
    let mut p = profile(Kind::DefaultLibvirt, json!({}));
    let err = format!("{:#}", common::apply(&host, &mut p, None).unwrap_err());
    assert!(
        err.contains("cannot get a Debian-12 image for host1") && err.contains("Plan9-4"),
        "{err}"
    );
    common::revert(&host, &mut p).unwrap();
    assert_clean(&host);
}

#[test]
fn extras_reach_virt_install_and_the_domain() {
    let host = scripted();
    let mut p = common::profile_named(
        Kind::DefaultLibvirt,
        "My_Libvirt",
        json!({"virt-install-extra": "--os-variant debian11 --metadata 'title=perf vm'",
               "qemu_bin": "/opt/qemu/bin/qemu-system-x86_64", "force_guest_mem": 2048, "force_guest_cpus": "2"}),
    );
    assert_eq!(p.name(), "My_Libvirt");
    common::apply(&host, &mut p, None).unwrap();
    let calls = host.calls();
    assert!(
        !calls.iter().any(|c| c.contains("osinfo-query")),
        "the user chose the os variant"
    );
    assert!(calls.iter().any(|c| c.ends_with(
        "--memory 2048 --name host1.DefaultLibvirt0 --vcpus 2 --serial file,path=/var/log/libvirt/Debian-12-host1.DefaultLibvirt0.qcow2__serial.log \
         --os-variant debian11 --metadata title=perf vm --dry-run --print-xml"
    )), "{calls:#?}");
    let xml = host
        .file(
            "host1",
            "/var/log/libvirt/Debian-12-host1.DefaultLibvirt0.qcow2_.xml",
        )
        .unwrap();
    assert!(
        xml.contains("<emulator>/opt/qemu/bin/qemu-system-x86_64</emulator>"),
        "{xml}"
    );
    assert_eq!(
        host.persistent("host1", "set_profile").as_deref(),
        Some("My_Libvirt")
    );
    let info = host.with(|h| p.info(h)).unwrap();
    assert!(
        info["custom_qemu_details"]
            .as_str()
            .unwrap()
            .starts_with("version:")
    );
    common::revert(&host, &mut p).unwrap();
    assert_clean(&host);
}
