//! Unit expectations ported from the reference's selftests: VM counts and
//! sizes (`DefaultLibvirtTest`), os-variant resolution
//! (`test_get_os_variant`), and the tuned XML edits.

use runperf_plugin_sdk::serde_json::{Map, Value, json};
use runperf_profile_tuned_libvirt::{
    Kind, domain_xml, host_params::HostParams, os_variant, settings::GuestPlan,
};

fn params() -> HostParams {
    let map = match json!({"arch": "x86_64", "hugepage_kb": 1048576, "numa_nodes": 1, "host_cpus": 32,
                           "guest_cpus": 16, "guest_mem_m": 32768})
    {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    HostParams::from_map("h", map).unwrap()
}

fn plan(kind: Kind, extra: Value) -> (u64, u64, u64) {
    let extra = match extra {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    let p = GuestPlan::new(kind, &params(), &extra).unwrap();
    (p.no_vms, p.cpus, p.mem_m)
}

#[test]
fn default_libvirt_extra() {
    assert_eq!(plan(Kind::DefaultLibvirt, json!({})), (1, 16, 32768));
    assert_eq!(
        plan(Kind::DefaultLibvirt, json!({"force_no_vms": 10})),
        (10, 16, 3276)
    );
}

#[test]
fn default_libvirt_multi_extra() {
    let multi = Kind::DefaultLibvirtMulti;
    assert_eq!(plan(multi, json!({})), (8, 2, 4096));
    assert_eq!(plan(multi, json!({"force_guest_cpus": 3})), (5, 3, 6553));
    assert_eq!(
        plan(multi, json!({"force_guest_cpus": 3, "force_no_vms": 2})),
        (2, 3, 16384)
    );
    assert_eq!(plan(multi, json!({"force_no_vms": 3})), (3, 5, 10922));
    assert_eq!(
        plan(multi, json!({"force_no_vms": 3, "force_guest_mem": 10})),
        (3, 5, 10)
    );
}

#[test]
fn overcommit_uses_one_and_a_half_host_cpus() {
    assert_eq!(plan(Kind::Overcommit1_5, json!({})), (3, 16, 10922));
}

#[test]
fn impossible_plans_are_errors() {
    let extra = match json!({"force_no_vms": 17}) {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    let err = GuestPlan::new(Kind::DefaultLibvirtMulti, &params(), &extra).unwrap_err();
    assert!(
        err.message().contains("less than one CPU per VM on h"),
        "{err}"
    );
    let extra = match json!({"force_no_vms": "lots"}) {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    assert!(GuestPlan::new(Kind::DefaultLibvirt, &params(), &extra).is_err());
}

const OSINFO: &str = "fedora3\nfedora30\nfedora31\nfedora32\nrhl8.0\nrhel8-unknown\nrhel8.0\nrhel8.1\nrhel8.2\nrhel8.8\n";

#[test]
fn get_os_variant() {
    assert!(os_variant::resolve("", OSINFO).is_err());
    assert_eq!(
        os_variant::resolve("Fedora-32", OSINFO).unwrap(),
        "fedora32"
    );
    assert_eq!(
        os_variant::resolve("RHEL-8.0.0-20190404.2", OSINFO).unwrap(),
        "rhel8.0"
    );
    assert_eq!(os_variant::resolve("Fedora32", OSINFO).unwrap(), "fedora32");
    assert_eq!(
        os_variant::resolve("RHEL-7.7.7.7", OSINFO).unwrap(),
        "rhel8.0"
    );
    assert_eq!(
        os_variant::resolve("RHEL-8.2-20200404.0", OSINFO).unwrap(),
        "rhel8.2"
    );
    let err = os_variant::resolve("NOT-RHEL-8.0", OSINFO).unwrap_err();
    assert!(err.message().contains("virt-install-extra"), "{err}");
    assert_eq!(
        os_variant::resolve("Debian-12", " debian12\n").unwrap(),
        "debian12"
    );
    // bookworm's osinfo-db stops at debian11.
    let bookworm =
        " Short ID\n----------\n debian1.1    \n debian10   \n debian11   \n debiantesting\n";
    assert_eq!(
        os_variant::resolve("Debian-12", bookworm).unwrap(),
        "debian11"
    );
}

#[test]
fn template_edits_touch_only_disk_name_uuid_and_emulator() {
    let template = "<domain type=\"kvm\">\n<name>vm0</name><uuid>u</uuid><devices>\
                    <emulator>/usr/libexec/qemu-kvm</emulator>\
                    <disk type=\"block\" device=\"disk\"><driver name=\"qemu\" type=\"qcow2\" cache=\"none\"/>\
                    <source dev=\"/dev/sdb\"/></disk></devices></domain>";
    let xml =
        domain_xml::from_template(template, "h.vm&0", "uu-id", "/img/a b.raw", "raw").unwrap();
    let xml = domain_xml::set_emulator(&xml, "/opt/q").unwrap();
    assert_eq!(
        xml,
        "<domain type=\"kvm\">\n<name>h.vm&amp;0</name><uuid>uu-id</uuid><devices>\
         <emulator>/opt/q</emulator>\
         <disk type=\"file\" device=\"disk\"><driver name=\"qemu\" type=\"raw\" cache=\"none\"/>\
         <source file='/img/a b.raw'/></disk></devices></domain>"
    );
    // Missing name, uuid, driver and emulator are added.
    let xml = domain_xml::from_template(
        "<domain><devices><disk device='disk'></disk></devices></domain>",
        "n",
        "u",
        "/i",
        "qcow2",
    )
    .unwrap();
    let xml = domain_xml::set_emulator(&xml, "/q").unwrap();
    assert_eq!(
        xml,
        "<domain>\n  <uuid>u</uuid>\n  <name>n</name><devices>\n    <emulator>/q</emulator>\
         <disk device='disk' type='file'>\n      <driver name='qemu' type='qcow2'/>\n      <source file='/i'/></disk></devices></domain>"
    );
    assert!(domain_xml::from_template("<domain/>", "n", "u", "/i", "raw").is_err());
}
