//! Host services: what a plugin may ask the host to do during a call.
//!
//! The host implements [`HostServices`] with plain Rust types; a plugin sees
//! the same services through the SDK's `Host`. Between them sits the
//! [`FfiHost`] trait object, lent for one call only by [`lend`], so a plugin
//! cannot keep it.

use abi_stable::{
    sabi_trait::TD_Opaque,
    sabi_types::RRef,
    std_types::{ROption, RSlice, RStr, RString, RVec},
};
use serde_json::{Map, Value};

use crate::{
    Command, CommandOutput, ImageRequest, LogLevel, PbenchRequest, PluginError, PluginResult,
    WorkerSpec,
    error::guard,
    ffi::{
        FfiHost, FfiHost_TO, FfiHostExtras, FfiHostExtras_TO, FfiResult, HostExtrasRef, HostRef,
    },
};

/// Services the host offers to plugins, in plain Rust.
///
/// Machines are named: the host machines given with `--hosts` and the
/// workers registered by profiles.
pub trait HostServices {
    /// Runs `command` on `machine`. A non-zero exit status is not an error.
    fn run(&self, machine: &str, command: &Command) -> PluginResult<CommandOutput>;
    /// Writes `content` to `path` on `machine` (appends when `append`).
    fn write_file(
        &self,
        machine: &str,
        path: &str,
        content: &[u8],
        append: bool,
    ) -> PluginResult<()>;
    /// Reads `path` on `machine`.
    fn read_file(&self, machine: &str, path: &str) -> PluginResult<Vec<u8>>;
    /// Copies the local file or dir `local` to `remote` on `machine`.
    fn copy_to(&self, machine: &str, local: &str, remote: &str) -> PluginResult<()>;
    /// Copies `remote` on `machine` to the local path `local`.
    fn copy_from(&self, machine: &str, remote: &str, local: &str) -> PluginResult<()>;
    /// Reads the persistent key `key` (kept under `/var/lib/runperf/`).
    fn persistent_get(&self, machine: &str, key: &str) -> PluginResult<Option<String>>;
    /// Sets (`Some`) or removes (`None`) the persistent key `key`.
    fn persistent_set(&self, machine: &str, key: &str, value: Option<&str>) -> PluginResult<()>;
    /// Logs `message` on behalf of the plugin.
    fn log(&self, level: LogLevel, message: &str);
    /// The run's metadata.
    fn metadata(&self) -> Map<String, Value>;
    /// The params of `machine` (host params such as `host_cpus`, `arch`).
    fn machine_params(&self, machine: &str) -> PluginResult<Map<String, Value>>;
    /// Registers a worker so that later calls can name it.
    fn add_worker(&self, spec: &WorkerSpec) -> PluginResult<()>;
    /// Forgets a worker.
    fn remove_worker(&self, name: &str) -> PluginResult<()>;
    /// Reboots `machine` and waits until it answers again.
    fn reboot(&self, machine: &str) -> PluginResult<()>;
    /// Gets a guest image from the first image provider that serves the
    /// request's distro and arch; returns its path on the request's host.
    fn guest_image(&self, request: &ImageRequest) -> PluginResult<String>;
    /// Since 0.1.2: makes pbench available as `request` asks, with the
    /// first pbench installer that applies. Hosts without installers keep
    /// this default, which says so.
    fn install_pbench(&self, request: &PbenchRequest) -> PluginResult<()> {
        Err(PluginError::new(format!(
            "cannot install {request}: this host has no pbench installers; install \
             pbench-agent there by hand"
        )))
    }
}

/// Lends `services` to `call` as the borrowed FFI object plugins receive.
pub fn lend<R>(services: &dyn HostServices, call: impl FnOnce(HostRef<'_>) -> R) -> R {
    let adapter = Adapter(services);
    let host: HostRef<'_> = FfiHost_TO::from_ptr(RRef::new(&adapter), TD_Opaque);
    call(host)
}

/// Lends `services` to `call` as both borrowed FFI objects: the host
/// services of 0.1.0 and the extras added since.
pub fn lend_with_extras<R>(
    services: &dyn HostServices,
    call: impl for<'x> FnOnce(HostRef<'x>, HostExtrasRef<'x>) -> R,
) -> R {
    let adapter = Adapter(services);
    let host: HostRef<'_> = FfiHost_TO::from_ptr(RRef::new(&adapter), TD_Opaque);
    let extras: HostExtrasRef<'_> = FfiHostExtras_TO::from_ptr(RRef::new(&adapter), TD_Opaque);
    call(host, extras)
}

/// Implements the FFI trait over plain services, catching host panics so
/// they never unwind through plugin frames.
struct Adapter<'a>(&'a dyn HostServices);

fn json<T: serde::Serialize>(value: &T) -> PluginResult<RString> {
    Ok(RString::from(serde_json::to_string(value)?))
}

impl FfiHost for Adapter<'_> {
    fn run(&self, machine: RStr<'_>, command: RStr<'_>) -> FfiResult<RString> {
        guard("host service run", || {
            let command: Command = serde_json::from_str(command.as_str())?;
            json(&self.0.run(machine.as_str(), &command)?)
        })
        .into()
    }

    fn write_file(
        &self,
        machine: RStr<'_>,
        path: RStr<'_>,
        content: RSlice<'_, u8>,
        append: bool,
    ) -> FfiResult<()> {
        guard("host service write_file", || {
            self.0
                .write_file(machine.as_str(), path.as_str(), content.as_slice(), append)
        })
        .into()
    }

    fn read_file(&self, machine: RStr<'_>, path: RStr<'_>) -> FfiResult<RVec<u8>> {
        guard("host service read_file", || {
            Ok(RVec::from(
                self.0.read_file(machine.as_str(), path.as_str())?,
            ))
        })
        .into()
    }

    fn copy_to(&self, machine: RStr<'_>, local: RStr<'_>, remote: RStr<'_>) -> FfiResult<()> {
        guard("host service copy_to", || {
            self.0
                .copy_to(machine.as_str(), local.as_str(), remote.as_str())
        })
        .into()
    }

    fn copy_from(&self, machine: RStr<'_>, remote: RStr<'_>, local: RStr<'_>) -> FfiResult<()> {
        guard("host service copy_from", || {
            self.0
                .copy_from(machine.as_str(), remote.as_str(), local.as_str())
        })
        .into()
    }

    fn persistent_get(&self, machine: RStr<'_>, key: RStr<'_>) -> FfiResult<ROption<RString>> {
        guard("host service persistent_get", || {
            Ok(self
                .0
                .persistent_get(machine.as_str(), key.as_str())?
                .map(RString::from)
                .into())
        })
        .into()
    }

    fn persistent_set(
        &self,
        machine: RStr<'_>,
        key: RStr<'_>,
        value: ROption<RStr<'_>>,
    ) -> FfiResult<()> {
        guard("host service persistent_set", || {
            let value = value.into_option().map(|v| v.as_str());
            self.0.persistent_set(machine.as_str(), key.as_str(), value)
        })
        .into()
    }

    fn log(&self, level: LogLevel, message: RStr<'_>) {
        // A panicking logger must not take the plugin down; nothing to report to.
        let _ = guard("host service log", || {
            self.0.log(level, message.as_str());
            Ok(())
        });
    }

    fn metadata(&self) -> RString {
        guard("host service metadata", || json(&self.0.metadata()))
            .unwrap_or_else(|_| RString::from("{}"))
    }

    fn machine_params(&self, machine: RStr<'_>) -> FfiResult<RString> {
        guard("host service machine_params", || {
            json(&self.0.machine_params(machine.as_str())?)
        })
        .into()
    }

    fn add_worker(&self, spec: RStr<'_>) -> FfiResult<()> {
        guard("host service add_worker", || {
            let spec: WorkerSpec = serde_json::from_str(spec.as_str())?;
            self.0.add_worker(&spec)
        })
        .into()
    }

    fn remove_worker(&self, name: RStr<'_>) -> FfiResult<()> {
        guard("host service remove_worker", || {
            self.0.remove_worker(name.as_str())
        })
        .into()
    }

    fn reboot(&self, machine: RStr<'_>) -> FfiResult<()> {
        guard("host service reboot", || self.0.reboot(machine.as_str())).into()
    }

    fn guest_image(&self, request: RStr<'_>) -> FfiResult<RString> {
        guard("host service guest_image", || {
            let request: ImageRequest = serde_json::from_str(request.as_str())?;
            Ok(RString::from(self.0.guest_image(&request)?))
        })
        .into()
    }
}

impl FfiHostExtras for Adapter<'_> {
    fn install_pbench(&self, request: RStr<'_>) -> FfiResult<()> {
        guard("host service install_pbench", || {
            let request: PbenchRequest = serde_json::from_str(request.as_str())?;
            self.0.install_pbench(&request)
        })
        .into()
    }
}
