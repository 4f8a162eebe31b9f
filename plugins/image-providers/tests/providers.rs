//! The image providers: the reference's up-to-date check on real files,
//! distro names, and the command sequences of Fedora and LocalDebian.

use runperf_image_providers::{debian, fedora, freshness};
use runperf_plugin_sdk::testing::{ScriptedHost, assert_in_order, fail, ok, with_host};
use runperf_plugin_sdk::{ImageProvider, ImageRequest};

/// A scripted host1 that runs Debian trixie.
fn scripted() -> ScriptedHost {
    let host = ScriptedHost::new();
    host.set_file(
        "host1",
        "/etc/os-release",
        "PRETTY_NAME=\"Debian GNU/Linux 13 (trixie)\"\nVERSION_CODENAME=trixie\n",
    );
    host
}

fn request(path: &str, key: &str, script: Option<&str>) -> ImageRequest {
    ImageRequest::new("host1", "Fedora-40", "x86_64", path)
        .public_key(key)
        .default_password(Some("redhat".into()))
        .setup_script(script.map(str::to_owned))
}

#[test]
fn libvirt_image_up_to_date() {
    let dir = tempfile::tempdir().unwrap();
    let local = ScriptedHost::local();
    let image = dir.path().join("image").display().to_string();
    let check = |key: &str, script: Option<&str>| {
        with_host(&local, |h| {
            freshness::outdated(h, &request(&image, key, script))
        })
        .unwrap()
    };
    assert_eq!(check("aaa", Some("foo")), Some("does not exists"));
    std::fs::write(&image, "").unwrap();
    std::fs::write(freshness::key_path(&image), "bbb\n").unwrap();
    assert_eq!(check("aaa", Some("foo")), Some("has wrong public key"));
    std::fs::write(freshness::key_path(&image), "aaa\n").unwrap();
    assert_eq!(
        check("aaa", Some("foo")),
        Some("not created with setup script")
    );
    std::fs::write(freshness::setup_script_path(&image), "bar\n").unwrap();
    assert_eq!(
        check("aaa", Some("foo")),
        Some("created with a different setup script")
    );
    assert_eq!(check("aaa", None), Some("created with setup script"));
    std::fs::write(freshness::setup_script_path(&image), "foo\n").unwrap();
    assert_eq!(check("aaa", Some("foo")), None);
    std::fs::remove_file(freshness::setup_script_path(&image)).unwrap();
    assert_eq!(check("aaa", None), None);
    let mut provider = debian::LocalDebian;
    assert!(
        with_host(&local, |h| provider
            .is_up_to_date(h, &request(&image, "aaa", None)))
        .unwrap()
    );
}

#[test]
fn distro_names_choose_the_provider() {
    assert!(fedora::Fedora.is_for("Fedora-40", "x86_64"));
    assert!(!fedora::Fedora.is_for("Debian-12", "x86_64"));
    let local = debian::LocalDebian;
    for name in [
        "Debian-12",
        "debian-12",
        "Debian-bookworm",
        "debian",
        "Debian-12.5",
    ] {
        assert!(local.is_for(name, "x86_64"), "{name}");
    }
    assert!(!local.is_for("Debian-12", "aarch64"));
    assert!(!local.is_for("Debian-99", "x86_64"));
    assert!(!local.is_for("Fedora-40", "x86_64"));
    assert_eq!(debian::suite_of("Debian-13"), Some(Some("trixie")));
    assert_eq!(debian::suite_of("debian"), Some(None));
}

#[test]
fn fedora_finds_the_newest_qcow2_and_customises_it() {
    let listing_url = fedora::images_url("Fedora-40", "x86_64");
    assert_eq!(
        listing_url,
        "https://download.fedoraproject.org/pub/fedora/linux/releases/40/Cloud/x86_64/images/"
    );
    let html = "<a href=\"Fedora-Cloud-Base-40-1.13.x86_64.raw.xz\">x</a>\
                <a href=\"Fedora-Cloud-Base-40-1.10.x86_64.qcow2\">a</a>\
                <a href=\"/pub/x/Fedora-Cloud-Base-Generic.x86_64-40-1.14.qcow2\">b</a>";
    let image_url = format!("{listing_url}Fedora-Cloud-Base-Generic.x86_64-40-1.14.qcow2");
    assert_eq!(
        fedora::newest_qcow2(&listing_url, html).as_deref(),
        Some(image_url.as_str())
    );
    assert_eq!(fedora::newest_qcow2(&listing_url, "<html></html>"), None);

    let host = scripted();
    host.on(&format!("curl -sSfL {listing_url}"), [ok(html)]);
    host.on(
        "virt-filesystems --long", [ok("Name       Type        VFS   Label  Size        Parent\n/dev/sda2  filesystem  ext4  boot   999292928   -\n\
            /dev/sda5  filesystem  btrfs fedora 4087349248  -\n/dev/sda3  filesystem  vfat  -      104857600   -\n")]);
    let img = "/var/lib/libvirt/images/Fedora-40.qcow2";
    let req = request(img, "ssh-rsa KEY", Some("dnf -y install fio"));
    let path = with_host(&host, |h| fedora::Fedora.prepare(h, &req)).unwrap();
    assert_eq!(path, img);
    assert_in_order(
        &host.calls(),
        &[
            "run host1: virt-customize --version",
            &format!("run host1: rm -f -- {img} {img}.setup_script.sh {img}.key.pub {img}.tmp"),
            &format!("write host1:{img}.key.pub ssh-rsa KEY"),
            &format!("write host1:{img}.setup_script.sh dnf -y install fio"),
            &format!("run host1: curl -sSfL {listing_url}"),
            &format!("run host1: curl -sSfL -o {img} {image_url}"),
            &format!("run host1: chmod 666 {img}"),
            &format!("run host1: truncate -s 20G {img}.tmp"),
            &format!("run host1: virt-resize --expand /dev/sda5 {img} {img}.tmp"),
            &format!(
                "run host1: qemu-img convert -o preallocation=full -f raw -O qcow2 {img}.tmp {img}"
            ),
            &format!(
                "run host1: virt-customize -a {img} --root-password password:redhat --ssh-inject root:file:{img}.key.pub \
                 --run-command yum -y remove cloud-init cloud-utils-growpart || true --selinux-relabel --run {img}.setup_script.sh"
            ),
        ],
    );
}

#[test]
fn fedora_download_failures_name_the_url_and_host() {
    let host = scripted();
    host.on("curl -sSfL https://", [fail(6, "Could not resolve host")]);
    let err = with_host(&host, |h| {
        fedora::Fedora.prepare(h, &request("/i/F.qcow2", "k", None))
    })
    .unwrap_err();
    let text = format!("{err:#}");
    assert!(
        text.contains("cannot download https://download.fedoraproject.org/")
            && text.contains("on host1"),
        "{text}"
    );
}

#[test]
fn local_debian_builds_with_the_host_release_and_our_key() {
    let host = scripted();
    host.on("host1: mmdebstrap --version", [fail(127, "not found")]);
    host.on("host1: dnf --version", [fail(127, "not found")]);
    host.on("host1: yum --version", [fail(127, "not found")]);
    let img = "/var/lib/libvirt/images/debian.qcow2";
    let mut req = request(img, "ssh-ed25519 KEY", None);
    req.distro = "debian".into();
    with_host(&host, |h| debian::LocalDebian.prepare(h, &req)).unwrap();
    assert_in_order(
        &host.calls(),
        &[
            "read host1:/etc/os-release",
            "run host1: env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends -o DPkg::Lock::Timeout=300 mmdebstrap",
            &format!("write host1:{img}.key.pub ssh-ed25519 KEY"),
            &format!("write host1:{img}.build.sh #!/bin/sh"),
            &format!("run host1: sh {img}.build.sh {img} trixie {img}.key.pub redhat"),
            &format!("run host1: rm -f -- {img}.build.sh"),
        ],
    );
    assert!(
        !host
            .calls()
            .iter()
            .any(|c| c.contains(".build.sh /") && c.ends_with("setup_script.sh"))
    );

    let host = scripted();
    host.on(".build.sh /", [fail(25, "E: mmdebstrap failed to run")]);
    let err = with_host(&host, |h| {
        debian::LocalDebian.prepare(h, &request(img, "k", None))
    })
    .unwrap_err();
    // Fedora-40 is no Debian name.
    assert!(
        err.message().contains("LocalDebian cannot build Fedora-40"),
        "{err:#}"
    );
    let mut req = request(img, "k", Some("apt-get -y install fio"));
    req.distro = "Debian-12".into();
    let err = format!(
        "{:#}",
        with_host(&host, |h| debian::LocalDebian.prepare(h, &req)).unwrap_err()
    );
    assert!(
        err.contains("building the Debian bookworm image") && err.contains("mmdebstrap failed"),
        "{err}"
    );
    assert!(host.calls().iter().any(|c| c.ends_with(&format!(
        "bookworm {img}.key.pub redhat {img}.setup_script.sh"
    ))));
}
