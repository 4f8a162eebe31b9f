//! The host services as a plugin sees them: [`Host`], lent for one call.

use runperf_plugin_api::{
    HostServices,
    abi_stable::std_types::{ROption, RSlice, RString},
    ffi::{HostExtrasRef, HostRef},
    lend_with_extras,
};
use serde_json::{Map, Value};

use crate::{
    Command, CommandOutput, ImageRequest, LogLevel, PbenchRequest, PluginError, PluginResult,
    WorkerSpec,
};

/// The host services as a plugin sees them during one call.
pub struct Host<'a> {
    inner: HostRef<'a>,
    /// The services added since 0.1.0; `None` in calls from a runperf
    /// that predates them, or through a 0.1.0 entry point.
    extras: Option<HostExtrasRef<'a>>,
}

impl<'a> Host<'a> {
    /// Wraps the borrowed trait object handed to a plugin call.
    pub(crate) fn from_ffi(inner: HostRef<'a>) -> Self {
        Self {
            inner,
            extras: None,
        }
    }

    /// Wraps both borrowed trait objects handed to a 0.1.2 plugin call.
    pub(crate) fn from_ffi_with_extras(inner: HostRef<'a>, extras: HostExtrasRef<'a>) -> Self {
        Self {
            inner,
            extras: Some(extras),
        }
    }

    /// Calls `call` with `services` as the `Host` a plugin receives during
    /// one call: for the runperf host itself, which waits for and installs
    /// on its own machines with this SDK's helpers (`settle`, `packages`),
    /// and for test hosts.
    pub fn lent<R>(services: &dyn HostServices, call: impl FnOnce(&Host<'_>) -> R) -> R {
        lend_with_extras(services, |ffi, extras| {
            call(&Host::from_ffi_with_extras(ffi, extras))
        })
    }

    /// Runs `command` on `machine`; a non-zero exit status is not an error.
    pub fn run(&self, machine: &str, command: &Command) -> PluginResult<CommandOutput> {
        let request = serde_json::to_string(command)?;
        let reply = self
            .inner
            .run(machine.into(), request.as_str().into())
            .into_result()?;
        Ok(serde_json::from_str(&reply)?)
    }

    /// Runs `command` and fails unless it exits with status 0.
    pub fn run_ok(&self, machine: &str, command: &Command) -> PluginResult<CommandOutput> {
        let out = self.run(machine, command)?;
        if out.success() {
            Ok(out)
        } else {
            Err(PluginError::new(format!(
                "command {:?} on {machine} exited with {}",
                command.line, out.status
            ))
            .with_cause(out.stderr.trim().to_owned()))
        }
    }

    /// Writes `content` to `path` on `machine`.
    pub fn write_file(&self, machine: &str, path: &str, content: &[u8]) -> PluginResult<()> {
        self.inner
            .write_file(
                machine.into(),
                path.into(),
                RSlice::from_slice(content),
                false,
            )
            .into_result()
    }

    /// Appends `content` to `path` on `machine`.
    pub fn append_file(&self, machine: &str, path: &str, content: &[u8]) -> PluginResult<()> {
        self.inner
            .write_file(
                machine.into(),
                path.into(),
                RSlice::from_slice(content),
                true,
            )
            .into_result()
    }

    /// Reads `path` on `machine`.
    pub fn read_file(&self, machine: &str, path: &str) -> PluginResult<Vec<u8>> {
        Ok(self
            .inner
            .read_file(machine.into(), path.into())
            .into_result()?
            .into_vec())
    }

    /// Copies a local file or dir to `machine`.
    pub fn copy_to(&self, machine: &str, local: &str, remote: &str) -> PluginResult<()> {
        self.inner
            .copy_to(machine.into(), local.into(), remote.into())
            .into_result()
    }

    /// Copies a file or dir from `machine` to a local path.
    pub fn copy_from(&self, machine: &str, remote: &str, local: &str) -> PluginResult<()> {
        self.inner
            .copy_from(machine.into(), remote.into(), local.into())
            .into_result()
    }

    /// Reads a persistent key.
    pub fn persistent_get(&self, machine: &str, key: &str) -> PluginResult<Option<String>> {
        Ok(self
            .inner
            .persistent_get(machine.into(), key.into())
            .into_result()?
            .into_option()
            .map(RString::into_string))
    }

    /// Sets a persistent key.
    pub fn persistent_set(&self, machine: &str, key: &str, value: &str) -> PluginResult<()> {
        self.inner
            .persistent_set(machine.into(), key.into(), ROption::RSome(value.into()))
            .into_result()
    }

    /// Removes a persistent key.
    pub fn persistent_remove(&self, machine: &str, key: &str) -> PluginResult<()> {
        self.inner
            .persistent_set(machine.into(), key.into(), ROption::RNone)
            .into_result()
    }

    /// Logs a message.
    pub fn log(&self, level: LogLevel, message: &str) {
        self.inner.log(level, message.into());
    }

    /// The run's metadata.
    pub fn metadata(&self) -> PluginResult<Map<String, Value>> {
        Ok(serde_json::from_str(&self.inner.metadata())?)
    }

    /// The params of `machine`.
    pub fn machine_params(&self, machine: &str) -> PluginResult<Map<String, Value>> {
        let text = self.inner.machine_params(machine.into()).into_result()?;
        Ok(serde_json::from_str(&text)?)
    }

    /// Registers a worker.
    pub fn add_worker(&self, spec: &WorkerSpec) -> PluginResult<()> {
        let text = serde_json::to_string(spec)?;
        self.inner.add_worker(text.as_str().into()).into_result()
    }

    /// Forgets a worker.
    pub fn remove_worker(&self, name: &str) -> PluginResult<()> {
        self.inner.remove_worker(name.into()).into_result()
    }

    /// Reboots `machine` and waits for it.
    pub fn reboot(&self, machine: &str) -> PluginResult<()> {
        self.inner.reboot(machine.into()).into_result()
    }

    /// Gets a guest image from the image providers; returns its path.
    pub fn guest_image(&self, request: &ImageRequest) -> PluginResult<String> {
        let text = serde_json::to_string(request)?;
        Ok(self
            .inner
            .guest_image(text.as_str().into())
            .into_result()?
            .into_string())
    }

    /// Makes pbench available as `request` asks, with the first of the
    /// host's pbench installers (in order-key order) that applies; the
    /// error lists every installer's reason when none does. Offered to
    /// tests (by a runperf with runperf-plugin-api 0.1.2 or later); other
    /// calls get an error saying so.
    pub fn install_pbench(&self, request: &PbenchRequest) -> PluginResult<()> {
        let extras = self.extras.as_ref().ok_or_else(|| {
            PluginError::new(format!(
                "cannot install {request}: this call's host services offer no pbench \
                 installers (tests reach them in a runperf with runperf-plugin-api 0.1.2 or \
                 later); update runperf or install pbench-agent there by hand"
            ))
        })?;
        let text = serde_json::to_string(request)?;
        extras.install_pbench(text.as_str().into()).into_result()
    }
}

#[cfg(all(test, feature = "testing"))]
mod tests {
    use runperf_plugin_api::lend;

    use super::*;
    use crate::testing::ScriptedHost;

    #[test]
    fn install_pbench_reaches_the_host_only_with_the_extras() {
        let services = ScriptedHost::new();
        let request = PbenchRequest::new("h1").test("fio");
        // A call made through a 0.1.0 entry point: no extras.
        let err = lend(&services, |ffi| {
            Host::from_ffi(ffi).install_pbench(&request)
        })
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("cannot install pbench-agent and pbench-fio on h1"),
            "{err}"
        );
        assert!(services.calls().is_empty());
        // With them (as tests get from a 0.1.2 host) the host is asked.
        services.with(|host| host.install_pbench(&request)).unwrap();
        assert_eq!(services.calls(), ["install_pbench h1 fio"]);
    }
}
