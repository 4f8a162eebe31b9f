//! `Fedora`: Fedora Cloud images. The newest qcow2 listed in the release's
//! `Cloud/ARCH/images/` directory of the Fedora download tree is fetched
//! with curl (or wget) on the host, grown to 20G (virt-resize of its
//! largest filesystem), and customised with virt-customize: root password,
//! our public key for root, cloud-init removed, SELinux relabelled, and the
//! worker setup script run inside.

use runperf_plugin_sdk::{
    Command, Host, ImageProvider, ImageRequest, LogLevel, PluginError, PluginResult,
};

use crate::{freshness, packages};

/// Where Fedora releases are published.
pub const DOWNLOAD_TREE: &str = "https://download.fedoraproject.org/pub/fedora/linux/releases";

/// The Fedora Cloud image provider.
pub struct Fedora;

/// The directory listing the cloud images of `distro` (`Fedora-40`) for `arch`.
pub fn images_url(distro: &str, arch: &str) -> String {
    let release = distro.rsplit('-').next().unwrap_or(distro);
    format!("{DOWNLOAD_TREE}/{release}/Cloud/{arch}/images/")
}

/// The last `href="...qcow2"` of a directory listing, as a full URL.
pub fn newest_qcow2(listing_url: &str, html: &str) -> Option<String> {
    let href = html
        .split("href=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .filter(|link| link.ends_with(".qcow2"))
        .last()?;
    let name = href.rsplit('/').next().unwrap_or(href);
    Some(format!("{listing_url}{name}"))
}

/// The device of the largest filesystem in `virt-filesystems --long` output.
pub fn largest_filesystem(listing: &str) -> Option<String> {
    listing
        .lines()
        .filter_map(|line| {
            let cols: Vec<&str> = line.split_whitespace().collect();
            let size: u64 = cols.get(4)?.parse().ok()?;
            Some((size, cols.first()?.to_string()))
        })
        .max_by_key(|(size, _)| *size)
        .map(|(_, device)| device)
}

fn fetch(host: &Host<'_>, machine: &str, url: &str, to: Option<&str>) -> PluginResult<String> {
    let curl = host
        .run(machine, &Command::argv(["curl", "--version"]))?
        .success();
    let argv: Vec<&str> = match (curl, to) {
        (true, Some(path)) => vec!["curl", "-sSfL", "-o", path, url],
        (true, None) => vec!["curl", "-sSfL", url],
        (false, Some(path)) => vec!["wget", "-q", "-O", path, url],
        (false, None) => vec!["wget", "-q", "-O", "-", url],
    };
    let out = host
        .run_ok(machine, &Command::argv(argv).timeout(3600.0))
        .map_err(|e| e.context(format!("cannot download {url} on {machine}")))?;
    Ok(out.stdout)
}

impl ImageProvider for Fedora {
    fn is_for(&self, distro: &str, _arch: &str) -> bool {
        distro.starts_with("Fedora-")
    }

    fn is_up_to_date(&mut self, host: &Host<'_>, request: &ImageRequest) -> PluginResult<bool> {
        freshness::is_up_to_date(host, request)
    }

    fn prepare(&mut self, host: &Host<'_>, request: &ImageRequest) -> PluginResult<String> {
        let machine = request.host.as_str();
        let image = request.path.as_str();
        packages::ensure(
            host,
            machine,
            &[
                packages::Tool {
                    probe: &["virt-customize", "--version"],
                    rpm: &["libguestfs-tools-c"],
                    deb: &["libguestfs-tools"],
                },
                packages::Tool {
                    probe: &["qemu-img", "--version"],
                    rpm: &["qemu-img"],
                    deb: &["qemu-utils"],
                },
            ],
        )?;
        freshness::start_over(host, request)?;
        let listing_url = images_url(&request.distro, &request.arch);
        let listing = fetch(host, machine, &listing_url, None)?;
        let url = newest_qcow2(&listing_url, &listing).ok_or_else(|| {
            PluginError::new(format!(
                "no qcow2 image listed at {listing_url} (seen from {machine})"
            ))
        })?;
        host.log(LogLevel::Info, &format!("{machine}: downloading {url}"));
        fetch(host, machine, &url, Some(image))?;
        let tmp = format!("{image}.tmp");
        let run =
            |argv: Vec<&str>, secs: f64| host.run_ok(machine, &Command::argv(argv).timeout(secs));
        run(vec!["chmod", "666", image], 60.0)?;
        run(vec!["truncate", "-s", "20G", &tmp], 60.0)?;
        let filesystems = run(vec!["virt-filesystems", "--long", "-a", image], 600.0)?.stdout;
        let largest = largest_filesystem(&filesystems).ok_or_else(|| {
            PluginError::new(format!(
                "virt-filesystems found no filesystem in {image} on {machine}"
            ))
        })?;
        run(
            vec!["virt-resize", "--expand", &largest, image, &tmp],
            1800.0,
        )?;
        run(
            vec![
                "qemu-img",
                "convert",
                "-o",
                "preallocation=full",
                "-f",
                "raw",
                "-O",
                "qcow2",
                &tmp,
                image,
            ],
            1800.0,
        )?;
        run(vec!["rm", "-f", "--", &tmp], 60.0)?;
        let password = match request.default_password.as_deref() {
            Some(p) => format!("password:{p}"),
            None => "disabled".to_owned(),
        };
        let key = format!("root:file:{}", freshness::key_path(image));
        let script = freshness::setup_script_path(image);
        let mut customize = vec![
            "virt-customize",
            "-a",
            image,
            "--root-password",
            &password,
            "--ssh-inject",
            &key,
            // cloud-init would wait for a datasource at every boot.
            "--run-command",
            "yum -y remove cloud-init cloud-utils-growpart || true",
            "--selinux-relabel",
        ];
        if request.setup_script.is_some() {
            customize.extend(["--run", script.as_str()]);
        }
        run(customize, 3600.0)?;
        Ok(image.to_owned())
    }
}
