//! Guest images: the base image comes from the image providers through
//! `Host::guest_image` (reused while up to date); each VM boots from its
//! own copy, converted with `qemu-img` when `image_format` differs.
//!
//! A base image fetched by this run is removed on revert together with its
//! companions (`.key.pub`, `.setup_script.sh`, `.tmp`), unless
//! `__KEEP_ASSETS__` is set; an image that was already there and still up
//! to date is left alone, as in the reference.

use runperf_plugin_sdk::{
    Command, Host, ImageRequest, LogLevel, PluginError, PluginResult, markers, safe_name,
    serde_json::{Map, Value},
};

/// Where base images go on the host.
pub const IMAGE_DIR: &str = "/var/lib/libvirt/images";

/// Files an image provider keeps beside an image at `image`.
pub fn companions(image: &str) -> Vec<String> {
    vec![
        image.to_owned(),
        format!("{image}.key.pub"),
        format!("{image}.setup_script.sh"),
        format!("{image}.tmp"),
    ]
}

/// Identity of the file at `path` (inode, size, mtime), if it exists.
fn fingerprint(host: &Host<'_>, machine: &str, path: &str) -> PluginResult<Option<String>> {
    let out = host.run(
        machine,
        &Command::argv(["stat", "-c", "%i %s %Y", "--", path]),
    )?;
    Ok(out.success().then(|| out.stdout.trim().to_owned()))
}

/// What the base image is asked for.
#[derive(Debug, Clone)]
pub struct BaseImage<'a> {
    /// Guest distro (`Fedora-32`, `Debian-12`).
    pub distro: &'a str,
    /// Guest arch.
    pub arch: &'a str,
    /// Public key to authorize for root.
    pub public_key: &'a str,
    /// Root password.
    pub password: &'a str,
    /// Worker setup script to run inside the image.
    pub setup_script: Option<&'a str>,
    /// Keep a freshly fetched image after revert.
    pub keep: bool,
}

/// Gets the base image on `machine`; returns its path.
pub fn base_image(host: &Host<'_>, machine: &str, want: &BaseImage<'_>) -> PluginResult<String> {
    let path = format!("{IMAGE_DIR}/{}.qcow2", safe_name(want.distro));
    let before = fingerprint(host, machine, &path)?;
    let request = ImageRequest::new(machine, want.distro, want.arch, path.clone())
        .public_key(want.public_key)
        .default_password(Some(want.password.to_owned()))
        .setup_script(want.setup_script.map(str::to_owned));
    let image = host
        .guest_image(&request)
        .map_err(|e| e.context(format!("cannot get a {} image for {machine}", want.distro)))?;
    let after = fingerprint(host, machine, &image)?;
    let fresh = image != path || before.is_none() || before != after;
    if fresh && !want.keep {
        for file in companions(&image) {
            markers::remove_on_revert(host, machine, &file)?;
        }
    }
    host.log(
        LogLevel::Debug,
        &format!(
            "{machine}: {} image {image}",
            if fresh { "prepared" } else { "reusing" }
        ),
    );
    Ok(image)
}

/// The per-VM image path: `BASE-VM.FORMAT` beside the base image.
pub fn vm_disk(base: &str, vm: &str, format: &str) -> String {
    let stem = match base.rsplit_once('.') {
        Some((stem, ext)) if !ext.contains('/') => stem,
        _ => base,
    };
    format!("{stem}-{vm}.{format}")
}

/// Format of `base`, from its extension (`qcow2` when it has none).
pub fn format_of(base: &str) -> &str {
    match base.rsplit_once('.') {
        Some((_, ext)) if !ext.contains('/') && !ext.is_empty() => ext,
        _ => "qcow2",
    }
}

/// Creates the per-VM image `disk` from `base` (copy or convert), then syncs.
pub fn create_vm_disk(
    host: &Host<'_>,
    machine: &str,
    base: &str,
    disk: &str,
    format: &str,
) -> PluginResult<()> {
    let source_format = format_of(base);
    let command = if source_format == format {
        Command::argv(["cp", "-f", "--", base, disk])
    } else {
        Command::argv([
            "qemu-img",
            "convert",
            "-f",
            source_format,
            "-O",
            format,
            base,
            disk,
        ])
    };
    host.run_ok(machine, &command.timeout(1800.0))
        .map_err(|e| e.context(format!("cannot create the VM image {disk} on {machine}")))?;
    // The host may lag after a big copy; settle it before booting VMs.
    host.run_ok(machine, &Command::argv(["sync"]).timeout(600.0))?;
    Ok(())
}

/// The guest distro of the run: the profile context's (run-perf's
/// `--guest-distro`, else `--distro`), else `guest_distro` from the run's
/// metadata (`DISTRO` there means the same as `distro`), else `distro`.
pub fn guest_distro(host: &Host<'_>, machine: &str, given: &str) -> PluginResult<String> {
    if !given.trim().is_empty() && given != "Unknown" {
        return Ok(given.trim().to_owned());
    }
    let metadata = host.metadata()?;
    let get = |key: &str| {
        metadata
            .get(key)
            .and_then(|v| v.as_str())
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    match get("guest_distro") {
        Some(d) if d != "DISTRO" => Ok(d),
        _ => get("distro").ok_or_else(|| {
            PluginError::new(format!(
                "no guest distro for the VMs on {machine}: pass --guest-distro (or --distro)"
            ))
        }),
    }
}

/// The public key the VMs must accept: run-perf's own (the profile
/// context's: run-perf logs into workers with it, through the host), else
/// the host param `shared_pub_key`, else the host's `~/.ssh/id_rsa.pub`
/// (the key the reference generated there and reached its VMs with).
pub fn shared_public_key(
    host: &Host<'_>,
    machine: &str,
    params: &Map<String, Value>,
    given: &str,
) -> PluginResult<String> {
    if !given.trim().is_empty() {
        return Ok(given.trim().to_owned());
    }
    if let Some(key) = params
        .get("shared_pub_key")
        .and_then(|v| v.as_str())
        .map(str::trim)
        .filter(|k| !k.is_empty())
    {
        return Ok(key.to_owned());
    }
    let out = host.run(
        machine,
        &Command::argv(["sh", "-c", "cat \"$HOME/.ssh/id_rsa.pub\""]),
    )?;
    let key = out.stdout.trim();
    if out.success() && !key.is_empty() {
        return Ok(key.to_owned());
    }
    Err(PluginError::new(format!(
        "no public key for the VMs on {machine}: the host gives no shared_pub_key param and \
         {machine} has no ~/.ssh/id_rsa.pub; create one there with ssh-keygen -t rsa"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vm_disks_sit_beside_the_base_image() {
        assert_eq!(
            vm_disk(
                "/var/lib/libvirt/images/Fedora-32.qcow2",
                "h1.TunedLibvirt0",
                "raw"
            ),
            "/var/lib/libvirt/images/Fedora-32-h1.TunedLibvirt0.raw"
        );
        assert_eq!(vm_disk("/img/base", "vm", "qcow2"), "/img/base-vm.qcow2");
        assert_eq!(format_of("/a.b/base"), "qcow2");
        assert_eq!(format_of("/a/base.raw"), "raw");
    }
}
