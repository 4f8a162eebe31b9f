//! runperf image providers: where the guest images of the libvirt
//! profiles come from.
//!
//! * `Fedora` (`Fedora-NN`): the newest Fedora Cloud qcow2 of the release
//!   and arch, downloaded on the host, grown to 20G and customised with
//!   virt-customize (root password, our key, the worker setup script);
//! * `LocalDebian` (`Debian-12`, `debian-bookworm`, `debian`): a small
//!   bootable Debian image built on the host with mmdebstrap from the
//!   Debian mirror the host's apt already uses, so air-gapped labs and CI
//!   need no other network.
//!
//! Both keep the public key and setup script beside the image
//! (`IMAGE.key.pub`, `IMAGE.setup_script.sh`) and reuse the image while
//! both are unchanged.

pub mod debian;
pub mod fedora;
pub mod freshness;
pub mod packages;

use runperf_plugin_sdk::Registry;

fn registry() -> Registry {
    Registry::new(env!("CARGO_PKG_NAME"))
        .image_provider(
            "Fedora",
            "50Fedora",
            "Fedora Cloud images (Fedora-NN), downloaded and customised",
            || Ok(Box::new(fedora::Fedora)),
        )
        .image_provider(
            "LocalDebian",
            "60LocalDebian",
            "Debian images (Debian-NN, debian) built locally with mmdebstrap",
            || Ok(Box::new(debian::LocalDebian)),
        )
}

runperf_plugin_sdk::export_plugin!(registry);
