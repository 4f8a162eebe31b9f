//! The libvirt profiles: the tests run inside VMs created on each host.
//!
//! * `DefaultLibvirt`: one VM with libvirt's defaults (`virt-install`),
//!   `guest_cpus` CPUs and `guest_mem_m` MiB;
//! * `DefaultLibvirtMulti`: VMs of 2 CPUs (by default) filling `guest_cpus`;
//! * `Overcommit1_5`: VMs of `guest_cpus` CPUs adding up to 1.5x the host CPUs;
//! * `TunedLibvirt`: one VM from the host's `libvirt/ADDR-tuned.xml`, with
//!   persistent host tuning (hugepages, grub args, tuned-adm, rc.local
//!   cgroup pinning) that needs a reboot and is reverted afterwards.
//!
//! The guest image comes from the image providers through
//! `Host::guest_image`; the VMs are registered as workers reached through
//! their host: at their address on libvirt's network, or (extra `network`
//! `user`) at `127.0.0.1:PORT`, their SSH forwarded by qemu's user-mode
//! network. See `docs/profiles-libvirt.md`.

pub mod accel;
pub mod address;
pub mod domain_xml;
pub mod guest;
pub mod host_params;
pub mod image;
pub mod info;
pub mod network;
pub mod os_variant;
pub mod persistent;
pub mod ports;
pub mod prerequisites;
pub mod profile;
pub mod rc_local;
pub mod settings;
pub mod words;
pub mod xml_filter;

pub use network::Network;
pub use profile::{LibvirtProfile, Timing};
pub use settings::Kind;

use runperf_plugin_sdk::Registry;

fn registry() -> Registry {
    Registry::new(env!("CARGO_PKG_NAME"))
        .profile(
            Kind::DefaultLibvirt.name(),
            "50DefaultLibvirt",
            "one libvirt VM with libvirt's defaults",
            |ctx| Ok(Box::new(LibvirtProfile::new(Kind::DefaultLibvirt, ctx))),
        )
        .profile(
            Kind::DefaultLibvirtMulti.name(),
            "50DefaultLibvirtMulti",
            "libvirt VMs of 2 CPUs filling guest_cpus",
            |ctx| {
                Ok(Box::new(LibvirtProfile::new(
                    Kind::DefaultLibvirtMulti,
                    ctx,
                )))
            },
        )
        .profile(
            Kind::Overcommit1_5.name(),
            "50Overcommit1_5",
            "libvirt VMs using 1.5x the host CPUs",
            |ctx| Ok(Box::new(LibvirtProfile::new(Kind::Overcommit1_5, ctx))),
        )
        .profile(
            Kind::TunedLibvirt.name(),
            "50TunedLibvirt",
            "one tuned libvirt VM (hugepages, pinning, tuned host; needs a reboot)",
            |ctx| Ok(Box::new(LibvirtProfile::new(Kind::TunedLibvirt, ctx))),
        )
}

runperf_plugin_sdk::export_plugin!(registry);
