//! Which accelerator the VMs run on: KVM, or TCG (qemu's emulator) where
//! the host's KVM cannot run an ordinary guest kernel.
//!
//! The extra `accel` is `auto` (the default), `kvm` or `tcg`. `auto` keeps
//! libvirt's choice (KVM when `/dev/kvm` exists) except on hosts whose KVM
//! is PVM (the `kvm_pvm` module, used by some cloud sandboxes for nested
//! virtualization without hardware support): PVM runs only guests with a
//! PVM-enabled kernel, an ordinary distribution kernel stalls while it
//! boots, so such hosts get TCG, with a warning. TCG is an emulator: its
//! results are for checking the pipeline, never comparable with KVM runs;
//! the choice is reported in the profile's info (`guest_accel`).

use runperf_plugin_sdk::{Command, Host, LogLevel, PluginError, PluginResult};

/// The `accel` extra.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Request {
    /// KVM unless the host cannot run ordinary guests with it.
    #[default]
    Auto,
    /// KVM, whatever the host looks like.
    Kvm,
    /// TCG emulation.
    Tcg,
}

impl Request {
    /// Parses the extra's value.
    pub fn parse(value: &str) -> PluginResult<Self> {
        match value.trim().to_ascii_lowercase().as_str() {
            "" | "auto" => Ok(Self::Auto),
            "kvm" => Ok(Self::Kvm),
            "tcg" | "qemu" => Ok(Self::Tcg),
            other => Err(PluginError::new(format!(
                "profile extra accel is {other:?}; use auto, kvm or tcg"
            ))),
        }
    }
}

/// The accelerator chosen for the VMs of one host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accel {
    /// libvirt's domain type to ask for (`kvm`, `qemu`), or `None` to
    /// keep libvirt's default.
    pub domain_type: Option<&'static str>,
    /// Why, for the log and the profile's info.
    pub reason: String,
}

impl Accel {
    /// The user chose with `--virt-type` in virt-install-extra.
    pub fn given_in_virt_install_extra() -> Self {
        Self {
            domain_type: None,
            reason: "virt-install-extra gives --virt-type".into(),
        }
    }

    /// The virt-install arguments selecting it.
    pub fn virt_install_args(&self) -> Vec<String> {
        match self.domain_type {
            Some(kind) => vec!["--virt-type".into(), kind.into()],
            None => Vec::new(),
        }
    }

    /// What the profile's info says about it.
    pub fn describe(&self) -> String {
        format!(
            "{}: {}",
            self.domain_type.unwrap_or("libvirt default"),
            self.reason
        )
    }
}

fn exists(host: &Host<'_>, machine: &str, path: &str) -> PluginResult<bool> {
    Ok(host
        .run(machine, &Command::argv(["test", "-e", path]))?
        .success())
}

/// Chooses the accelerator on `machine` for `request`.
pub fn choose(host: &Host<'_>, machine: &str, request: Request) -> PluginResult<Accel> {
    let accel = match request {
        Request::Kvm => Accel {
            domain_type: Some("kvm"),
            reason: "accel extra is kvm".into(),
        },
        Request::Tcg => Accel {
            domain_type: Some("qemu"),
            reason: "accel extra is tcg".into(),
        },
        Request::Auto => {
            if exists(host, machine, "/sys/module/kvm_pvm")? {
                let accel = Accel {
                    domain_type: Some("qemu"),
                    reason: format!(
                        "KVM on {machine} is PVM (module kvm_pvm), which runs only PVM-enabled guest \
                         kernels; an ordinary guest stalls while booting"
                    ),
                };
                host.log(
                    LogLevel::Warn,
                    &format!(
                        "{machine}: the VMs run under TCG emulation, not KVM ({}); their results are \
                         not comparable with KVM runs. Set the accel extra to kvm to force KVM \
                         (with a PVM guest image).",
                        accel.reason
                    ),
                );
                accel
            } else if exists(host, machine, "/dev/kvm")? {
                Accel {
                    domain_type: None,
                    reason: format!("{machine} has /dev/kvm"),
                }
            } else {
                let accel = Accel {
                    domain_type: Some("qemu"),
                    reason: format!("{machine} has no /dev/kvm"),
                };
                host.log(
                    LogLevel::Warn,
                    &format!(
                        "{machine} has no /dev/kvm: the VMs run under TCG emulation, not KVM; their \
                         results are not comparable with KVM runs. Load kvm_intel or kvm_amd (enable \
                         virtualization in the firmware, or nested virtualization on a VM) for KVM."
                    ),
                );
                accel
            }
        }
    };
    Ok(accel)
}
