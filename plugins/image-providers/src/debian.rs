//! `LocalDebian`: a small bootable Debian image built on the host, with no
//! network but the Debian mirror the host's apt already uses. The build
//! (`assets/build-debian-image.sh`, run as root on the host) partitions a
//! raw disk, debootstraps it with mmdebstrap (kernel, sshd,
//! DHCP on eth0, fio), authorizes our key and root password, runs the
//! worker setup script inside, installs extlinux from the host, and
//! converts it to qcow2.
//!
//! Distro names: `Debian-12` / `debian-12` (release number),
//! `Debian-bookworm` (suite), or `debian` (the host's own release).

use runperf_plugin_sdk::{
    Command, Host, ImageProvider, ImageRequest, LogLevel, PluginError, PluginResult,
};

use crate::{freshness, packages};

/// The build script.
pub const BUILD_SCRIPT: &str = include_str!("../assets/build-debian-image.sh");

const SUITES: [(&str, &str); 5] = [
    ("10", "buster"),
    ("11", "bullseye"),
    ("12", "bookworm"),
    ("13", "trixie"),
    ("14", "forky"),
];

/// The Debian suite `distro` names: `Some(None)` for plain `debian` (the
/// host's release), `None` when it is not a Debian name.
pub fn suite_of(distro: &str) -> Option<Option<&'static str>> {
    let lower = distro.to_ascii_lowercase();
    if lower == "debian" {
        return Some(None);
    }
    let release = lower.strip_prefix("debian-")?;
    SUITES
        .iter()
        .find(|(number, name)| {
            release == *number || release == *name || release.split('.').next() == Some(number)
        })
        .map(|(_, name)| Some(*name))
}

/// The codename in an `/etc/os-release`.
pub fn codename(os_release: &str) -> Option<&str> {
    os_release
        .lines()
        .find_map(|l| l.strip_prefix("VERSION_CODENAME="))
        .map(|v| v.trim().trim_matches('"'))
        .filter(|v| !v.is_empty())
}

/// Builds Debian guest images locally.
pub struct LocalDebian;

impl ImageProvider for LocalDebian {
    fn is_for(&self, distro: &str, arch: &str) -> bool {
        // extlinux and linux-image-amd64: PC guests only.
        suite_of(distro).is_some() && arch == "x86_64"
    }

    fn is_up_to_date(&mut self, host: &Host<'_>, request: &ImageRequest) -> PluginResult<bool> {
        freshness::is_up_to_date(host, request)
    }

    fn prepare(&mut self, host: &Host<'_>, request: &ImageRequest) -> PluginResult<String> {
        let machine = request.host.as_str();
        let image = request.path.as_str();
        let suite = match suite_of(&request.distro) {
            Some(Some(suite)) => suite.to_owned(),
            Some(None) => {
                let text = host.read_file(machine, "/etc/os-release")?;
                let text = String::from_utf8_lossy(&text);
                codename(&text).map(str::to_owned).ok_or_else(|| {
                    PluginError::new(format!(
                        "{machine} has no VERSION_CODENAME in /etc/os-release; name the release, e.g. Debian-12"
                    ))
                })?
            }
            None => {
                return Err(PluginError::new(format!(
                    "LocalDebian cannot build {}",
                    request.distro
                )));
            }
        };
        packages::ensure(
            host,
            machine,
            &[
                packages::Tool {
                    probe: &["mmdebstrap", "--version"],
                    rpm: &["mmdebstrap"],
                    deb: &["mmdebstrap"],
                },
                packages::Tool {
                    probe: &["sfdisk", "--version"],
                    rpm: &["util-linux"],
                    deb: &["fdisk"],
                },
                packages::Tool {
                    probe: &["mkfs.ext4", "-V"],
                    rpm: &["e2fsprogs"],
                    deb: &["e2fsprogs"],
                },
                packages::Tool {
                    probe: &["qemu-img", "--version"],
                    rpm: &["qemu-img"],
                    deb: &["qemu-utils"],
                },
                packages::Tool {
                    probe: &["extlinux", "--version"],
                    rpm: &["syslinux-extlinux"],
                    deb: &["extlinux"],
                },
                packages::Tool {
                    probe: &["test", "-e", "/usr/lib/syslinux/mbr/mbr.bin"],
                    rpm: &["syslinux"],
                    deb: &["syslinux-common"],
                },
            ],
        )?;
        freshness::start_over(host, request)?;
        let build = format!("{image}.build.sh");
        host.write_file(machine, &build, BUILD_SCRIPT.as_bytes())?;
        let key = freshness::key_path(image);
        let password = request.default_password.clone().unwrap_or_default();
        let mut argv = vec![
            "sh".to_owned(),
            build.clone(),
            image.to_owned(),
            suite.clone(),
            key,
            password,
        ];
        if request.setup_script.is_some() {
            argv.push(freshness::setup_script_path(image));
        }
        host.log(
            LogLevel::Info,
            &format!("{machine}: building a Debian {suite} image at {image}"),
        );
        let built = host.run(machine, &Command::argv(argv).timeout(3600.0));
        host.run(machine, &Command::argv(["rm", "-f", "--", build.as_str()]))?;
        let built = built?;
        if !built.success() {
            let tail: Vec<&str> = built.stderr.lines().rev().take(15).collect();
            return Err(PluginError::new(format!(
                "building the Debian {suite} image {image} on {machine} failed (exit {}); the build \
                 needs root, loop devices and the host's Debian mirror",
                built.status
            ))
            .with_cause(tail.into_iter().rev().collect::<Vec<_>>().join("\n")));
        }
        Ok(image.to_owned())
    }
}
