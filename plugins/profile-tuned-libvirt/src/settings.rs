//! What a libvirt profile will do on a host: its kind, how many VMs of
//! which size (the reference's `force_*` arithmetic), and every extra
//! (`image_format`, `xml`, `qemu_bin`, persistent tuning, ...), resolved
//! against the host params before anything is changed.

use std::path::Path;

use runperf_plugin_sdk::{
    PluginError, PluginResult,
    serde_json::{Map, Value},
};

use crate::{
    accel::{self, Accel},
    host_params::{HostParams, as_bool, as_number},
    network::Network,
    persistent::PersistentPlan,
    rc_local, words,
};

/// The four libvirt profiles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// One VM with libvirt's defaults.
    DefaultLibvirt,
    /// VMs of 2 CPUs (or `force_guest_cpus`) filling `guest_cpus`.
    DefaultLibvirtMulti,
    /// VMs adding up to 1.5x the host CPUs.
    Overcommit1_5,
    /// One VM from the host's tuned XML, with persistent host tuning.
    TunedLibvirt,
}

impl Kind {
    /// The component name.
    pub fn name(self) -> &'static str {
        match self {
            Self::DefaultLibvirt => "DefaultLibvirt",
            Self::DefaultLibvirtMulti => "DefaultLibvirtMulti",
            Self::Overcommit1_5 => "Overcommit1_5",
            Self::TunedLibvirt => "TunedLibvirt",
        }
    }
}

/// How many VMs, and their size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GuestPlan {
    /// Number of VMs.
    pub no_vms: u64,
    /// CPUs per VM.
    pub cpus: u64,
    /// Memory per VM, in MiB.
    pub mem_m: u64,
}

fn forced(extra: &Map<String, Value>, key: &str) -> PluginResult<Option<u64>> {
    match extra.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(value) => match as_number(value) {
            // 0 means "not forced", as an empty value did in the reference.
            Some(0) => Ok(None),
            Some(n) => Ok(Some(n)),
            None => Err(PluginError::new(format!(
                "profile extra {key} is {value}, not a whole number"
            ))),
        },
    }
}

impl GuestPlan {
    /// The VMs `kind` creates on a host with `params`, given the extras.
    pub fn new(kind: Kind, params: &HostParams, extra: &Map<String, Value>) -> PluginResult<Self> {
        let mut cpus = forced(extra, "force_guest_cpus")?;
        let mut no_vms = forced(extra, "force_no_vms")?;
        let guest_cpus = params.guest_cpus;
        match kind {
            Kind::DefaultLibvirtMulti => {
                let per_vm = match (cpus, no_vms) {
                    (Some(c), Some(_)) => c,
                    (Some(c), None) => {
                        no_vms = Some(guest_cpus / c);
                        c
                    }
                    (None, None) => {
                        no_vms = Some(guest_cpus / 2);
                        2
                    }
                    (None, Some(n)) => {
                        let c = guest_cpus / n;
                        if c == 0 {
                            return Err(too_many(params, n));
                        }
                        no_vms = Some(guest_cpus / c);
                        c
                    }
                };
                cpus = Some(per_vm);
            }
            Kind::Overcommit1_5 => {
                if guest_cpus == 0 {
                    return Err(PluginError::new(format!(
                        "host param guest_cpus of {} is 0; Overcommit1_5 needs at least one",
                        params.machine
                    )));
                }
                no_vms = Some(params.host_cpus * 3 / (guest_cpus * 2));
            }
            Kind::DefaultLibvirt | Kind::TunedLibvirt => {}
        }
        let no_vms = no_vms.unwrap_or(1);
        let cpus = cpus.unwrap_or(guest_cpus);
        if no_vms == 0 || cpus == 0 {
            return Err(PluginError::new(format!(
                "{} would create {no_vms} VMs of {cpus} CPUs on {} (guest_cpus {}, host_cpus {}); \
                 raise guest_cpus or set force_guest_cpus / force_no_vms",
                kind.name(),
                params.machine,
                guest_cpus,
                params.host_cpus
            )));
        }
        let mem_m = match forced(extra, "force_guest_mem")? {
            Some(mem) => mem,
            None => params.guest_mem_m / no_vms,
        };
        Ok(Self {
            no_vms,
            cpus,
            mem_m,
        })
    }
}

fn too_many(params: &HostParams, n: u64) -> PluginError {
    PluginError::new(format!(
        "force_no_vms {n} leaves less than one CPU per VM on {} (guest_cpus {})",
        params.machine, params.guest_cpus
    ))
}

/// Everything the profile needs to know, resolved for one host.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// The VMs.
    pub guests: GuestPlan,
    /// Disk format of the per-VM images (`qcow2`, `raw` for TunedLibvirt).
    pub image_format: String,
    /// Domain XML template (TunedLibvirt or `xml`), instead of virt-install.
    pub xml: Option<String>,
    /// Emulator replacing the one in the domain XML.
    pub qemu_bin: Option<String>,
    /// Extra virt-install arguments.
    pub virt_install_extra: Vec<String>,
    /// The accelerator asked for (`accel`).
    pub accel: accel::Request,
    /// virt-install's `--cpu` (`cpu_model`), e.g.
    /// `host-passthrough,disable=arch-capabilities` on nested KVM.
    pub cpu_model: Option<String>,
    /// Keep fetched images on revert (`__KEEP_ASSETS__`).
    pub keep_assets: bool,
    /// The VMs' network (`network`): libvirt's or user mode.
    pub network: Network,
    /// Persistent host tuning.
    pub persistent: PersistentPlan,
}

fn string(extra: &Map<String, Value>, key: &str) -> PluginResult<Option<String>> {
    match extra.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(PluginError::new(format!(
            "profile extra {key} is {other}, expected a string"
        ))),
    }
}

impl Settings {
    /// Resolves the extras of `kind` for the host with `params`;
    /// `paths` are the asset dirs searched for `libvirt/ADDR-tuned.xml`
    /// under each of `addresses` (the host's name and address).
    pub fn new(
        kind: Kind,
        params: &HostParams,
        extra: &Map<String, Value>,
        paths: &[String],
        addresses: &[String],
    ) -> PluginResult<Self> {
        let guests = GuestPlan::new(kind, params, extra)?;
        let tuned = kind == Kind::TunedLibvirt;
        let default_format = if tuned { "raw" } else { "qcow2" };
        let image_format = string(extra, "image_format")?.unwrap_or_else(|| default_format.into());
        if image_format.is_empty() || !image_format.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(PluginError::new(format!(
                "profile extra image_format {image_format:?} is not a disk format like qcow2 or raw"
            )));
        }
        let xml = match string(extra, "xml")? {
            Some(xml) => Some(xml),
            None if tuned => {
                let suffix = string(extra, "xml_suffix")?.unwrap_or_else(|| "-tuned".into());
                Some(find_xml(paths, addresses, &suffix, kind)?)
            }
            None => None,
        };
        let virt_install_extra = match extra.get("virt-install-extra") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::String(line)) => words::split(line)
                .map_err(|e| PluginError::new(format!("profile extra virt-install-extra: {e}")))?,
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| match v {
                    Value::String(s) => Ok(s.clone()),
                    other => Ok(other.to_string()),
                })
                .collect::<PluginResult<_>>()?,
            Some(other) => {
                return Err(PluginError::new(format!(
                    "profile extra virt-install-extra is {other}, expected a string or a list"
                )));
            }
        };
        let accel = accel::Request::parse(&string(extra, "accel")?.unwrap_or_default())?;
        let cpu_model = string(extra, "cpu_model")?.filter(|s| !s.trim().is_empty());
        if cpu_model.is_some() && xml.is_some() {
            return Err(PluginError::new(format!(
                "profile extra cpu_model is for VMs described by virt-install; {} uses a domain XML, \
                 set the <cpu> element there instead",
                kind.name()
            )));
        }
        let network = Network::parse(&string(extra, "network")?.unwrap_or_default())?;
        let settings = Self {
            guests,
            image_format,
            network,
            xml,
            accel,
            cpu_model,
            qemu_bin: string(extra, "qemu_bin")?.filter(|s| !s.is_empty()),
            virt_install_extra,
            keep_assets: extra.get("__KEEP_ASSETS__").is_some_and(as_bool),
            persistent: persistent_plan(kind, params, extra)?,
        };
        if settings.network == Network::User
            && (settings.virt_install_extra_has("--network")
                || settings.virt_install_extra_has("-w"))
        {
            return Err(PluginError::new(
                "profile extra network user gives the VMs their interface; drop --network from \
                 virt-install-extra, or use network default",
            ));
        }
        Ok(settings)
    }
}

impl Settings {
    /// Whether virt-install-extra has `flag` (`--cpu`, `--cpu=...`).
    pub fn virt_install_extra_has(&self, flag: &str) -> bool {
        self.virt_install_extra
            .iter()
            .any(|a| a == flag || a.strip_prefix(flag).is_some_and(|v| v.starts_with('=')))
    }

    /// The arguments added to virt-install's: `--network none` in user
    /// mode (the interface is added to the XML), the accelerator's and
    /// `--cpu cpu_model`, unless virt-install-extra gives them, then
    /// virt-install-extra.
    pub fn virt_install_args(&self, accel: &Accel) -> Vec<String> {
        let mut args = Vec::new();
        if self.network == Network::User {
            args.extend(["--network".to_owned(), "none".to_owned()]);
        }
        if !self.virt_install_extra_has("--virt-type") {
            args.extend(accel.virt_install_args());
        }
        let cpu_given = self.virt_install_extra_has("--cpu");
        if let Some(cpu) = self.cpu_model.as_ref().filter(|_| !cpu_given) {
            args.extend(["--cpu".to_owned(), cpu.clone()]);
        }
        args.extend(self.virt_install_extra.iter().cloned());
        args
    }
}

fn find_xml(
    paths: &[String],
    addresses: &[String],
    suffix: &str,
    kind: Kind,
) -> PluginResult<String> {
    let mut tried = Vec::new();
    for dir in paths {
        for addr in addresses {
            let path = Path::new(dir)
                .join("libvirt")
                .join(format!("{addr}{suffix}.xml"));
            if path.exists() {
                return std::fs::read_to_string(&path)
                    .map_err(|e| PluginError::new(format!("cannot read {}: {e}", path.display())));
            }
            tried.push(path.display().to_string());
        }
    }
    Err(PluginError::new(format!(
        "{} needs the domain XML libvirt/ADDR{suffix}.xml; none of {} exists: add it to a --paths dir \
         or give the XML with the xml extra",
        kind.name(),
        if tried.is_empty() {
            "(no --paths given)".to_owned()
        } else {
            tried.join(", ")
        }
    )))
}

fn persistent_plan(
    kind: Kind,
    params: &HostParams,
    extra: &Map<String, Value>,
) -> PluginResult<PersistentPlan> {
    let tuned = kind == Kind::TunedLibvirt;
    let total_hugepages = (params.guest_mem_m * 1024)
        .checked_div(params.hugepage_kb)
        .unwrap_or(0);
    let grub_args = match extra.get("grub_args") {
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect(),
        Some(Value::String(line)) => line.split_whitespace().map(str::to_owned).collect(),
        Some(Value::Null) | None if tuned => vec![
            "default_hugepagesz=1G".to_owned(),
            "hugepagesz=1G".to_owned(),
            "nosoftlockup".to_owned(),
            "nohz=on".to_owned(),
            format!("hugepages={total_hugepages}"),
        ],
        Some(Value::Null) | None => Vec::new(),
        Some(other) => {
            return Err(PluginError::new(format!(
                "profile extra grub_args is {other}, expected a list of kernel arguments"
            )));
        }
    };
    let tuned_adm_profile = match string(extra, "tuned_adm_profile")? {
        Some(p) => Some(p).filter(|p| !p.is_empty()),
        None if tuned => Some("virtual-host".to_owned()),
        None => None,
    };
    let mut template_params = Map::new();
    // An empty or null rc_local_file turns the boot script off.
    let rc_local_given = extra.contains_key("rc_local_file");
    let rc_local = match string(extra, "rc_local_file")?.filter(|f| !f.is_empty()) {
        None if rc_local_given => None,
        Some(file) => {
            let text = std::fs::read_to_string(&file)
                .map_err(|e| PluginError::new(format!("cannot read rc_local_file {file}: {e}")))?;
            Some((file, text))
        }
        None if tuned => {
            let nodes = params.numa_nodes.max(1);
            template_params.insert("mem_per_node".into(), Value::from(total_hugepages / nodes));
            Some((
                "built-in TunedLibvirt rc.local".to_owned(),
                rc_local::TUNED_TEMPLATE.to_owned(),
            ))
        }
        None => None,
    };
    let rc_local = match rc_local {
        Some((origin, template)) => {
            let mut values = params.all.clone();
            values.insert(
                "performed_setup_path".into(),
                Value::from(crate::persistent::PERFORMED_SETUP_PATH),
            );
            values.extend(template_params);
            match extra.get("rc_local_file_params") {
                Some(Value::Object(user)) => values.extend(user.clone()),
                None | Some(Value::Null) => {}
                Some(other) => {
                    return Err(PluginError::new(format!(
                        "profile extra rc_local_file_params is {other}, expected an object"
                    )));
                }
            }
            Some(
                rc_local::render(&template, &values)
                    .map_err(|e| e.context(format!("cannot fill in {origin}")))?,
            )
        }
        None => None,
    };
    let irqbalance = extra
        .get("irqbalance")
        .filter(|v| !v.is_null())
        .map(as_bool);
    Ok(PersistentPlan {
        grub_args,
        tuned_adm_profile,
        rc_local,
        irqbalance,
    })
}
