//! Extra `network` `user` against the scripted host: each VM's SSH is
//! forwarded to its own free 127.0.0.1 port, the worker is registered
//! there, and nothing of libvirt's network (default network, DHCP lease,
//! dnsmasq) is asked for.

mod common;

use common::{domains, profile, scripted};
use runperf_plugin_sdk::address::{is_loopback, split_port};
use runperf_plugin_sdk::testing::assert_in_order;
use runperf_plugin_sdk::{Profile, serde_json::json};
use runperf_profile_tuned_libvirt::{Kind, ports};

/// A `/proc/net/tcp` where every port of the forwarding range but the
/// last four is taken.
fn busy_tcp_table() -> String {
    let mut table = String::from("  sl  local_address rem_address   st\n");
    let (low, high) = (*ports::RANGE.start(), *ports::RANGE.end());
    for (i, port) in (low..=high - 4).enumerate() {
        table.push_str(&format!("{i}: 0100007F:{port:04X} 00000000:0000 0A\n"));
    }
    table
}

#[test]
fn each_vm_gets_its_own_free_loopback_port_and_no_libvirt_network() {
    let host = scripted();
    host.set_file("host1", "/proc/net/tcp", &busy_tcp_table());
    // 16 host CPUs / 8 guest CPUs * 1.5: three VMs.
    let mut p = profile(Kind::Overcommit1_5, json!({"network": "user"}));
    let applied = common::apply(&host, &mut p, None).unwrap();
    assert_eq!(applied.workers.len(), 3);
    let workers = host.workers();
    let free: Vec<u16> = (ports::RANGE.end() - 3..=*ports::RANGE.end()).collect();
    let mut seen = Vec::new();
    for worker in &workers {
        assert!(is_loopback(&worker.address), "{worker:?}");
        assert_eq!(worker.via, "host1");
        let port = split_port(&worker.address).1.expect("a port");
        assert!(free.contains(&port), "{port} was in use");
        assert!(!seen.contains(&port), "{port} given twice");
        seen.push(port);
        let disk = format!("Debian-12-{}.qcow2", worker.name);
        let xml = host
            .file("host1", &format!("/var/log/libvirt/{disk}_.xml"))
            .unwrap();
        assert!(
            xml.contains(&format!("hostfwd=tcp:127.0.0.1:{port}-:22"))
                && xml.contains("<interface type='user'>"),
            "{xml}"
        );
    }
    let calls = host.calls();
    for call in &calls {
        assert!(
            !call.contains("net-info") && !call.contains("domifaddr"),
            "{call}"
        );
    }
    assert_in_order(
        &calls,
        &[
            "--name host1.Overcommit1_50 --os-variant debian12 --vcpus 8 --serial",
            "--network none --dry-run --print-xml",
            "run host1.Overcommit1_50: true",
        ],
    );
    let info = host.with(|h| p.info(h)).unwrap();
    assert_eq!(info["guest_network"], "user");
    common::revert(&host, &mut p).unwrap();
    assert!(domains(&host).is_empty() && host.workers().is_empty());
    assert!(host.persistent_keys().is_empty());
}

#[test]
fn the_default_network_is_libvirt_s() {
    let host = scripted();
    let mut p = profile(Kind::DefaultLibvirt, json!({"network": "default"}));
    common::apply(&host, &mut p, None).unwrap();
    assert_in_order(
        &host.calls(),
        &[
            "run host1: virsh net-info default",
            "run host1: virsh domifaddr host1.DefaultLibvirt0",
        ],
    );
    assert!(!host.calls().iter().any(|c| c.contains("--network none")));
    common::revert(&host, &mut p).unwrap();
}

#[test]
fn bad_network_settings_are_errors_that_say_what_to_write() {
    for (extra, expected) in [
        (json!({"network": "bridge"}), "expected default"),
        (
            json!({"network": "user", "virt-install-extra": "--network bridge=br0"}),
            "drop --network from virt-install-extra",
        ),
    ] {
        let host = scripted();
        let mut p = profile(Kind::DefaultLibvirt, extra);
        let err = format!("{:#}", common::apply(&host, &mut p, None).unwrap_err());
        assert!(err.contains(expected), "{err}");
        common::revert(&host, &mut p).unwrap();
        assert!(domains(&host).is_empty());
    }
}

#[test]
fn a_host_whose_tcp_table_cannot_be_read_fails_naming_it() {
    let host = scripted();
    let mut p = profile(Kind::DefaultLibvirt, json!({"network": "user"}));
    let err = format!("{:#}", common::apply(&host, &mut p, None).unwrap_err());
    assert!(
        err.contains("cannot list the TCP ports in use on host1"),
        "{err}"
    );
    common::revert(&host, &mut p).unwrap();
    assert!(domains(&host).is_empty() && host.persistent_keys().is_empty());
}
