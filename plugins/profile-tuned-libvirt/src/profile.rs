//! [`LibvirtProfile`]: the apply / revert / info flow shared by the four
//! libvirt profiles.
//!
//! runperf keeps the crash markers around apply and revert.
//!
//! apply: host params and extras, prerequisites, persistent
//! tuning (may ask for a reboot, after which apply runs again), the base
//! image, then per VM: its image, domain XML (with network `user`, a
//! forwarded loopback port for its SSH), start; then per VM: address
//! (`virsh domifaddr`, or `127.0.0.1:PORT`), worker registration, wait
//! until it answers.
//! revert: workers forgotten, VMs destroyed with their files, persistent
//! tuning undone (runperf then removes the registered paths); also after a
//! failed apply and in a later run (everything is recorded on the host).

use std::time::Duration;

use runperf_plugin_sdk::{
    Applied, Host, LogLevel, PluginError, PluginResult, Profile, ProfileContext, WorkerSpec,
    safe_name,
    serde_json::{Map, Value},
};

use crate::{
    accel::{self, Accel},
    address, domain_xml,
    guest::{self, Guest},
    host_params::HostParams,
    image::{self, BaseImage},
    info,
    network::{self, Network},
    persistent, ports,
    prerequisites::{self, Needs},
    settings::{Kind, Settings},
};

/// Root password of the guests, as in the reference.
pub const GUEST_PASSWORD: &str = "redhat";

/// How long the profile waits for things on the host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timing {
    /// For a VM's address (`virsh domifaddr`).
    pub address: Duration,
    /// For a VM to answer commands.
    pub reachable: Duration,
    /// For the boot scripts of the persistent setup to report.
    pub boot_setup: Duration,
    /// Between two polls.
    pub poll: Duration,
    /// After a graceful shutdown failed, before forcing it.
    pub settle: Duration,
}

impl Default for Timing {
    fn default() -> Self {
        Self {
            address: Duration::from_secs(240),
            reachable: Duration::from_secs(360),
            boot_setup: Duration::from_secs(60),
            poll: Duration::from_secs(2),
            settle: Duration::from_secs(5),
        }
    }
}

/// One of the libvirt profiles on one host.
pub struct LibvirtProfile {
    kind: Kind,
    name: String,
    context: ProfileContext,
    timing: Timing,
    settings: Option<Settings>,
    accel: Option<Accel>,
    guests: Vec<Guest>,
    /// The forwarded SSH port of each guest (network `user`), in order.
    ssh_ports: Vec<u16>,
    workers: Vec<String>,
}

impl LibvirtProfile {
    /// The profile `kind` for `context.host`, named `context.name` in the
    /// run (the kind's name when empty).
    pub fn new(kind: Kind, context: ProfileContext) -> Self {
        let name = if context.name.is_empty() {
            kind.name().to_owned()
        } else {
            context.name.clone()
        };
        Self {
            kind,
            name,
            context,
            timing: Timing::default(),
            settings: None,
            accel: None,
            guests: Vec::new(),
            ssh_ports: Vec::new(),
            workers: Vec::new(),
        }
    }

    /// Replaces the waiting times (tests use short ones).
    #[must_use]
    pub fn with_timing(mut self, timing: Timing) -> Self {
        self.timing = timing;
        self
    }

    /// The profile's name in the run.
    pub fn name(&self) -> &str {
        &self.name
    }

    fn machine(&self) -> &str {
        &self.context.host
    }

    fn vm_name(&self, index: u64) -> String {
        safe_name(&format!("{}.{}{index}", self.machine(), self.kind.name()))
            .replace(char::is_whitespace, "_")
    }

    fn settings(&self, params: &HostParams) -> PluginResult<Settings> {
        let mut addresses = Vec::new();
        if !self.context.address.is_empty() {
            addresses.push(self.context.address.clone());
        }
        for key in ["address", "addr"] {
            if let Some(addr) = params.all.get(key).and_then(|v| v.as_str()) {
                addresses.push(addr.to_owned());
            }
        }
        addresses.push(self.machine().to_owned());
        Settings::new(
            self.kind,
            params,
            &self.context.extra,
            &self.context.paths,
            &addresses,
        )
    }

    fn apply_steps(
        &mut self,
        host: &Host<'_>,
        setup_script: Option<&str>,
    ) -> PluginResult<Applied> {
        let machine = self.machine().to_owned();
        if !self.guests.is_empty() {
            return Err(PluginError::new(format!(
                "{} already has VMs on {machine}; revert it before applying it again",
                self.name
            )));
        }
        let params = HostParams::read(host, &machine)?;
        let settings = self.settings(&params)?;
        self.settings = Some(settings.clone());
        let needs = Needs {
            custom_qemu: settings.qemu_bin.is_some(),
            tuned: settings.persistent.tuned_adm_profile.is_some(),
            nat_network: settings.network == Network::Default,
        };
        prerequisites::ensure(host, &machine, &params.arch, needs)?;
        if persistent::apply(
            host,
            &machine,
            &self.name,
            &settings.persistent,
            self.timing.boot_setup,
        )? {
            host.log(
                LogLevel::Info,
                &format!(
                    "{machine}: persistent setup of {} needs a reboot",
                    self.name
                ),
            );
            return Ok(Applied::reboot());
        }
        let accel = if settings.virt_install_extra_has("--virt-type") {
            Accel::given_in_virt_install_extra()
        } else {
            accel::choose(host, &machine, settings.accel)?
        };
        host.log(
            LogLevel::Info,
            &format!("{machine}: VMs of {}: {}", self.name, accel.describe()),
        );
        self.accel = Some(accel.clone());
        let distro = image::guest_distro(host, &machine, &self.context.guest_distro)?;
        let public_key =
            image::shared_public_key(host, &machine, &params.all, &self.context.public_key)?;
        let base = image::base_image(
            host,
            &machine,
            &BaseImage {
                distro: &distro,
                arch: &params.arch,
                public_key: &public_key,
                password: GUEST_PASSWORD,
                setup_script,
                keep: settings.keep_assets,
            },
        )?;
        let existing = guest::defined(host, &machine)?;
        for index in 0..settings.guests.no_vms {
            let name = self.vm_name(index);
            if existing.contains(&name) {
                return Err(PluginError::new(format!(
                    "VM {name} already exists on {machine} (left by an earlier run?); remove it with \
                     virsh destroy {name}; virsh undefine {name}"
                )));
            }
            let vm = Guest {
                disk: image::vm_disk(&base, &name, &settings.image_format),
                name,
            };
            guest::record(host, &machine, &vm)?;
            self.guests.push(vm.clone());
            image::create_vm_disk(host, &machine, &base, &vm.disk, &settings.image_format)?;
            let mut xml = self.domain_xml(host, &machine, &vm, &settings, &accel, &distro)?;
            if settings.network == Network::User {
                let port = ports::free_port(host, &machine, &self.ssh_ports)?;
                xml = network::use_user_mode(&xml, port)?;
                self.ssh_ports.push(port);
            }
            guest::start(host, &machine, &vm, &xml)?;
        }
        for (index, vm) in self.guests.iter().enumerate() {
            let addr = match self.ssh_ports.get(index) {
                Some(&port) => network::forwarded_address(port),
                None => address::discover(
                    host,
                    &machine,
                    &vm.name,
                    self.timing.address,
                    self.timing.poll,
                )?,
            };
            host.log(
                LogLevel::Info,
                &format!("{machine}: VM {} has address {addr}", vm.name),
            );
            host.add_worker(&WorkerSpec::new(&vm.name, addr, &machine).user("root"))?;
            self.workers.push(vm.name.clone());
            address::wait_reachable(host, &vm.name, self.timing.reachable, self.timing.poll)?;
        }
        Ok(Applied::workers(self.workers.clone()))
    }

    fn domain_xml(
        &self,
        host: &Host<'_>,
        machine: &str,
        vm: &Guest,
        settings: &Settings,
        accel: &Accel,
        distro: &str,
    ) -> PluginResult<String> {
        let xml = match &settings.xml {
            Some(template) => {
                let uuid = host.read_file(machine, "/proc/sys/kernel/random/uuid")?;
                let uuid = String::from_utf8_lossy(&uuid).trim().to_owned();
                let xml = domain_xml::from_template(
                    template,
                    &vm.name,
                    &uuid,
                    &vm.disk,
                    &settings.image_format,
                )?;
                match accel.domain_type {
                    Some(domain_type) => domain_xml::set_domain_type(&xml, domain_type)?,
                    None => xml,
                }
            }
            None => {
                let shape = guest::shape(vm, settings.guests.cpus, settings.guests.mem_m);
                domain_xml::from_virt_install(
                    host,
                    machine,
                    &shape,
                    distro,
                    &settings.virt_install_args(accel),
                )?
            }
        };
        match &settings.qemu_bin {
            Some(bin) => domain_xml::set_emulator(&xml, bin),
            None => Ok(xml),
        }
    }
}

impl Profile for LibvirtProfile {
    fn apply(&mut self, host: &Host<'_>, setup_script: Option<&str>) -> PluginResult<Applied> {
        let machine = self.machine().to_owned();
        self.apply_steps(host, setup_script)
            .map_err(|e| e.context(format!("cannot apply profile {} on {machine}", self.name)))
    }

    fn revert(&mut self, host: &Host<'_>) -> PluginResult<bool> {
        let machine = self.machine().to_owned();
        let owner = persistent::recorded(host, &machine)?.map(|o| o.trim().to_owned());
        let owns_persistent = owner.as_deref() == Some(self.name.as_str());
        let mut guests = guest::recorded(host, &machine)?;
        for vm in self.guests.drain(..) {
            if !guests.contains(&vm) {
                guests.push(vm);
            }
        }
        if guests.is_empty() && self.workers.is_empty() && !owns_persistent {
            // Nothing of ours on the machine (a failed apply, or reverted before).
            return Ok(false);
        }
        self.ssh_ports.clear();
        let mut workers = std::mem::take(&mut self.workers);
        // After a crash, the workers of the recorded VMs may still be known.
        for vm in &guests {
            if !workers.contains(&vm.name) {
                workers.push(vm.name.clone());
            }
        }
        for worker in workers {
            if let Err(err) = host.remove_worker(&worker) {
                host.log(
                    LogLevel::Debug,
                    &format!("cannot forget worker {worker}: {err:#}"),
                );
            }
        }
        let mut failed = Vec::new();
        for vm in &guests {
            failed.extend(guest::destroy(host, &machine, vm, self.timing.settle)?);
        }
        if failed.is_empty() {
            guest::forget_all(host, &machine)?;
        }
        let reboot = if owns_persistent {
            persistent::revert(host, &machine)?
        } else {
            false
        };
        if !failed.is_empty() {
            return Err(PluginError::new(format!(
                "reverting {} on {machine} left VMs behind: {} failed; remove them by hand \
                 (virsh destroy / undefine) or revert again",
                self.name,
                failed.join(", ")
            )));
        }
        Ok(reboot)
    }

    fn info(&mut self, host: &Host<'_>) -> PluginResult<Map<String, Value>> {
        info::collect(
            host,
            self.machine(),
            &self.guests,
            self.settings.as_ref(),
            self.accel.as_ref(),
        )
    }
}
