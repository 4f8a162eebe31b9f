//! The host services plugins call during a run, implemented over the
//! run's machines (hosts from `--hosts` and workers registered by
//! profiles) and the plugin catalog (image providers, pbench installers).

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
    sync::{Arc, RwLock},
    time::Duration,
};

use runperf_plugin_api::{
    self as api, CommandOutput, ComponentKind, HostServices, ImageRequest, LogLevel, PbenchRequest,
    PluginError, PluginResult, WorkerSpec,
    serde_json::{Map, Value},
};

use crate::{
    machine::{
        Command, LocalTransport, Machine, Masker, PERSISTENT_DIR, PersistentStorage, SshConfig,
        SshTransport, Transport,
    },
    plugins::Catalog,
};

/// How long a reboot may take before the machine counts as lost.
pub const REBOOT_TIMEOUT: Duration = Duration::from_secs(900);

/// A machine of the run and, for SSH hosts, the transport workers tunnel through.
struct Slot {
    machine: Arc<Machine>,
    ssh: Option<Arc<SshTransport>>,
}

/// The services a run offers its plugins.
pub struct RunServices {
    machines: RwLock<BTreeMap<String, Slot>>,
    catalog: Arc<Catalog>,
    metadata: Map<String, Value>,
    masker: Masker,
    ssh: SshConfig,
    sessions_dir: RwLock<Option<PathBuf>>,
    state_dir: String,
}

/// Where persistent keys live on machines: `RUNPERF_STATE_DIR` when set
/// (unprivileged users, parallel test runs on one machine), else
/// `/var/lib/runperf` like the reference.
pub fn state_dir() -> String {
    std::env::var("RUNPERF_STATE_DIR")
        .ok()
        .filter(|d| !d.is_empty())
        .unwrap_or_else(|| PERSISTENT_DIR.to_owned())
}

fn err(e: impl std::fmt::Display) -> PluginError {
    PluginError::new(e.to_string())
}

/// The host part of `address` and `config` with the port `address`
/// names (`ADDR:PORT`, `[V6]:PORT`), if any.
fn with_port(address: &str, mut config: SshConfig) -> (&str, SshConfig) {
    let (host, port) = runperf_plugin_sdk::address::split_port(address);
    if let Some(port) = port {
        config.port = port;
    }
    (host, config)
}

impl RunServices {
    /// Services over no machines yet.
    pub fn new(
        catalog: Arc<Catalog>,
        metadata: Map<String, Value>,
        masker: Masker,
        ssh: SshConfig,
    ) -> Self {
        let services = Self {
            machines: RwLock::new(BTreeMap::new()),
            catalog,
            metadata,
            masker,
            ssh,
            sessions_dir: RwLock::new(None),
            state_dir: state_dir(),
        };
        let controller = Machine::new(
            api::CONTROLLER,
            "127.0.0.1",
            Arc::new(LocalTransport::new(api::CONTROLLER)),
            services.masker.clone(),
        );
        services.insert(Arc::new(controller), None);
        services
    }

    /// Calls `work` with these services as the [`api::Host`] plugins see,
    /// so that the host waits and installs with the same helpers as
    /// plugins (`settle`, `packages`).
    pub fn as_plugin_host<R>(&self, work: impl FnOnce(&runperf_plugin_sdk::Host<'_>) -> R) -> R {
        runperf_plugin_sdk::Host::lent(self, work)
    }

    /// Address of every machine by name, the controller excepted.
    pub fn addresses(&self) -> BTreeMap<String, String> {
        let machines = self.machines.read().unwrap_or_else(|p| p.into_inner());
        machines
            .iter()
            .filter(|(name, _)| name.as_str() != api::CONTROLLER)
            .map(|(name, slot)| (name.clone(), slot.machine.address().to_owned()))
            .collect()
    }

    /// Adds a host: this machine itself (`local`) or one reached over SSH
    /// with `ssh` (`ADDR` may end in `:PORT`). Its params are attached
    /// with [`Machine::set_params`] once known.
    pub fn add_host(
        &self,
        name: &str,
        address: &str,
        local: bool,
        ssh: Option<SshConfig>,
    ) -> Arc<Machine> {
        let (transport, ssh): (Arc<dyn Transport>, _) = if local {
            (Arc::new(LocalTransport::new(name)), None)
        } else {
            let (host, config) = with_port(address, ssh.unwrap_or_else(|| self.ssh.clone()));
            let ssh = Arc::new(SshTransport::new(host, config));
            (ssh.clone() as Arc<dyn Transport>, Some(ssh))
        };
        let machine = Arc::new(Machine::new(name, address, transport, self.masker.clone()));
        self.insert(machine.clone(), ssh);
        machine
    }

    fn insert(&self, machine: Arc<Machine>, ssh: Option<Arc<SshTransport>>) {
        if let Some(dir) = self
            .sessions_dir
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .as_deref()
        {
            machine.session_log().set_dir(Some(dir));
        }
        let mut machines = self.machines.write().unwrap_or_else(|p| p.into_inner());
        machines.insert(machine.name().to_owned(), Slot { machine, ssh });
    }

    /// The machine called `name`.
    pub fn machine(&self, name: &str) -> PluginResult<Arc<Machine>> {
        let machines = self.machines.read().unwrap_or_else(|p| p.into_inner());
        machines
            .get(name)
            .map(|s| s.machine.clone())
            .ok_or_else(|| {
                PluginError::new(format!(
                    "no machine named {name:?} in this run (known: {})",
                    machines.keys().cloned().collect::<Vec<_>>().join(", ")
                ))
            })
    }

    /// Sends every machine's session log to `dir` (`__sessions__` of the
    /// result root or of a profile).
    pub fn set_sessions_dir(&self, dir: &Path) {
        *self.sessions_dir.write().unwrap_or_else(|p| p.into_inner()) = Some(dir.to_owned());
        for slot in self
            .machines
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .values()
        {
            slot.machine.session_log().set_dir(Some(dir));
        }
    }

    /// Writes a stage marker into every session log.
    pub fn stage(&self, what: &str) {
        for slot in self
            .machines
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .values()
        {
            slot.machine.session_log().stage(what);
        }
    }

    /// The masker shared by every log of the run.
    pub fn masker(&self) -> &Masker {
        &self.masker
    }
}

fn to_command(command: &api::Command) -> Command {
    let base = match &command.line {
        api::CommandLine::Argv(args) => Command::argv(args.iter().cloned()),
        api::CommandLine::Shell(line) => Command::shell(line.clone()),
    };
    let secs = |s: f64| Duration::try_from_secs_f64(s).ok();
    let base = match command.timeout_secs {
        Some(s) => base.timeout(secs(s)),
        None => base,
    };
    base.stall_timeout(command.stall_secs.and_then(secs))
}

impl HostServices for RunServices {
    fn run(&self, machine: &str, command: &api::Command) -> PluginResult<CommandOutput> {
        let out = self
            .machine(machine)?
            .run(&to_command(command))
            .map_err(err)?;
        Ok(CommandOutput::new(out.status, out.stdout, out.stderr))
    }

    fn write_file(
        &self,
        machine: &str,
        path: &str,
        content: &[u8],
        append: bool,
    ) -> PluginResult<()> {
        let machine = self.machine(machine)?;
        if append {
            // A missing file is appended to as an empty one; any other read
            // failure would truncate the file, so it is an error.
            let mut current = match machine.read_file(path) {
                Ok(current) => current,
                Err(e) if e.is_not_found() => Vec::new(),
                Err(e) => {
                    return Err(err(format_args!(
                        "cannot append to {path} on {}: reading what it holds failed ({e}); the file was left as it was",
                        machine.name()
                    )));
                }
            };
            current.extend_from_slice(content);
            machine.write_file(path, &current).map_err(err)
        } else {
            machine.write_file(path, content).map_err(err)
        }
    }

    fn read_file(&self, machine: &str, path: &str) -> PluginResult<Vec<u8>> {
        self.machine(machine)?.read_file(path).map_err(err)
    }

    fn copy_to(&self, machine: &str, local: &str, remote: &str) -> PluginResult<()> {
        self.machine(machine)?
            .copy_to(Path::new(local), remote)
            .map_err(err)
    }

    fn copy_from(&self, machine: &str, remote: &str, local: &str) -> PluginResult<()> {
        self.machine(machine)?
            .copy_from(remote, Path::new(local))
            .map_err(err)
    }

    fn persistent_get(&self, machine: &str, key: &str) -> PluginResult<Option<String>> {
        let machine = self.machine(machine)?;
        PersistentStorage::with_root(machine.as_ref(), &self.state_dir)
            .get(key)
            .map_err(err)
    }

    fn persistent_set(&self, machine: &str, key: &str, value: Option<&str>) -> PluginResult<()> {
        let machine = self.machine(machine)?;
        let storage = PersistentStorage::with_root(machine.as_ref(), &self.state_dir);
        match value {
            Some(value) => storage.set(key, value),
            None => storage.remove(key),
        }
        .map_err(err)
    }

    fn log(&self, level: LogLevel, message: &str) {
        let message = self.masker.mask(message);
        match level {
            LogLevel::Debug => tracing::debug!("{message}"),
            LogLevel::Info => tracing::info!("{message}"),
            LogLevel::Warn => tracing::warn!("{message}"),
            LogLevel::Error => tracing::error!("{message}"),
        }
    }

    fn metadata(&self) -> Map<String, Value> {
        self.metadata.clone()
    }

    fn machine_params(&self, machine: &str) -> PluginResult<Map<String, Value>> {
        let machine = self.machine(machine)?;
        Ok(machine
            .params()
            .map(|p| {
                p.values()
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect()
            })
            .unwrap_or_default())
    }

    fn add_worker(&self, spec: &WorkerSpec) -> PluginResult<()> {
        let via = {
            let machines = self.machines.read().unwrap_or_else(|p| p.into_inner());
            let slot = machines.get(&spec.via).ok_or_else(|| {
                PluginError::new(format!(
                    "worker {} is reached via unknown machine {:?}",
                    spec.name, spec.via
                ))
            })?;
            slot.ssh.clone()
        };
        let mut config = self.ssh.clone();
        if !spec.user.is_empty() {
            config.user = spec.user.clone();
        }
        // `127.0.0.1:PORT`: an SSH port forwarded to the worker (the libvirt
        // profiles' user-mode networking), seen from the host it runs on.
        let (address, config) = with_port(&spec.address, config);
        let ssh = Arc::new(match via {
            Some(host) => SshTransport::through(host, address, config),
            None => SshTransport::new(address, config),
        });
        let machine = Machine::new(
            spec.name.clone(),
            spec.address.clone(),
            ssh.clone(),
            self.masker.clone(),
        );
        self.insert(Arc::new(machine), Some(ssh));
        Ok(())
    }

    fn remove_worker(&self, name: &str) -> PluginResult<()> {
        let removed = self
            .machines
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .remove(name);
        if let Some(slot) = removed {
            slot.machine.disconnect();
        }
        Ok(())
    }

    fn reboot(&self, machine: &str) -> PluginResult<()> {
        self.machine(machine)?
            .reboot_and_wait(REBOOT_TIMEOUT)
            .map_err(err)
    }

    fn guest_image(&self, request: &ImageRequest) -> PluginResult<String> {
        let mut filled;
        let request = if request.public_key.is_empty() {
            filled = request.clone();
            filled.public_key =
                super::keys::controller_public_key(&self.ssh).map_err(|e| err(format!("{e:#}")))?;
            &filled
        } else {
            request
        };
        let mut tried = Vec::new();
        for entry in self
            .catalog
            .active()
            .filter(|e| e.info.kind == ComponentKind::ImageProvider)
        {
            let mut provider = entry.library.new_image_provider(&entry.info.name)?;
            if !provider.is_for(&request.distro, &request.arch) {
                tried.push(entry.info.name.clone());
                continue;
            }
            if provider.is_up_to_date(self, request)? {
                tracing::info!(
                    "reusing up-to-date image {} from {}",
                    request.path,
                    entry.info.name
                );
                return Ok(request.path.clone());
            }
            return provider.prepare(self, request);
        }
        Err(PluginError::new(format!(
            "no image provider serves {} on {} (tried: {}); install an image-provider plugin for it",
            request.distro,
            request.arch,
            if tried.is_empty() {
                "none found".to_owned()
            } else {
                tried.join(", ")
            }
        )))
    }

    fn install_pbench(&self, request: &PbenchRequest) -> PluginResult<()> {
        crate::plugins::pbench::install(&self.catalog, self, request)
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use runperf_plugin_sdk::packages::PackageManager;
    use runperf_plugin_sdk::testing::{find_on_path, with_host};

    use super::*;
    use crate::machine::{Output, TransportError};

    fn services() -> RunServices {
        RunServices::new(
            Arc::new(Catalog::default()),
            Map::new(),
            Masker::new(),
            SshConfig::default(),
        )
    }

    #[test]
    fn package_manager_detection_on_the_local_transport_reaches_apt_get() {
        let services = services();
        let found = services
            .as_plugin_host(|host| PackageManager::detect(host, api::CONTROLLER))
            .unwrap();
        let expected = if find_on_path(&["dnf"]).is_some() {
            Some(PackageManager::Dnf)
        } else if find_on_path(&["yum"]).is_some() {
            Some(PackageManager::Yum)
        } else if find_on_path(&["apt-get"]).is_some() {
            Some(PackageManager::Apt)
        } else {
            None
        };
        assert_eq!(found, expected);
        if cfg!(target_os = "linux") && Path::new("/etc/debian_version").exists() {
            assert_eq!(
                found,
                Some(PackageManager::Apt),
                "a Debian machine has apt-get"
            );
        }
    }

    #[test]
    fn the_calm_wait_reads_the_load_through_the_services() {
        let services = services();
        let poll = Duration::from_millis(10);
        // Whether this machine's load is below 1 depends on what else
        // runs; either answer is no error, a machine that is not is one.
        services
            .as_plugin_host(|h| {
                runperf_plugin_sdk::settle::wait_calm(h, api::CONTROLLER, Duration::ZERO, poll)
            })
            .unwrap();
        let err = services
            .as_plugin_host(|h| {
                runperf_plugin_sdk::settle::wait_calm(h, "nowhere", Duration::ZERO, poll)
            })
            .unwrap_err();
        assert!(
            err.to_string().contains("no machine named \"nowhere\""),
            "{err}"
        );
    }

    /// Reads of any file fail as `kind`; everything else works locally.
    struct FailingReads(std::io::ErrorKind, LocalTransport);

    impl Transport for FailingReads {
        fn host(&self) -> &str {
            "flaky"
        }
        fn run(&self, command: &Command) -> Result<Output, TransportError> {
            self.1.run(command)
        }
        fn write_file(&self, path: &str, content: &[u8]) -> Result<(), TransportError> {
            self.1.write_file(path, content)
        }
        fn read_file(&self, path: &str) -> Result<Vec<u8>, TransportError> {
            Err(TransportError::Io {
                host: "flaky".into(),
                action: "reading",
                path: path.into(),
                source: std::io::Error::new(self.0, "injected"),
            })
        }
        fn copy_to(&self, local: &Path, remote: &str) -> Result<(), TransportError> {
            self.1.copy_to(local, remote)
        }
        fn copy_from(&self, remote: &str, local: &Path) -> Result<(), TransportError> {
            self.1.copy_from(remote, local)
        }
        fn check_reachable(&self) -> Result<(), TransportError> {
            Ok(())
        }
    }

    fn with_flaky_machine(kind: std::io::ErrorKind) -> RunServices {
        let services = services();
        let transport = Arc::new(FailingReads(kind, LocalTransport::new("flaky")));
        let machine = Machine::new("flaky", "127.0.0.1", transport, Masker::new());
        services.insert(Arc::new(machine), None);
        services
    }

    #[test]
    fn append_keeps_the_file_when_reading_it_fails() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("rc.local");
        std::fs::write(&file, "first\n").unwrap();
        let path = file.to_str().unwrap();
        let services = with_flaky_machine(std::io::ErrorKind::PermissionDenied);
        let err = services
            .write_file("flaky", path, b"second\n", true)
            .unwrap_err()
            .to_string();
        assert!(err.contains(path) && err.contains("flaky"), "{err}");
        assert!(err.contains("injected"), "{err}");
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "first\n");
    }

    #[test]
    fn append_to_a_missing_file_creates_it() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("new");
        let path = file.to_str().unwrap();
        let flaky = with_flaky_machine(std::io::ErrorKind::NotFound);
        flaky.write_file("flaky", path, b"line\n", true).unwrap();
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "line\n");
        let local = services();
        local
            .write_file(api::CONTROLLER, path, b"more\n", true)
            .unwrap();
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "line\nmore\n");
    }

    #[test]
    fn a_worker_at_addr_colon_port_is_reached_on_that_port() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        // Accept one connection and close it: the SSH handshake fails, but
        // the connection shows which port the transport dialled.
        listener.set_nonblocking(true).unwrap();
        let accepted = std::thread::spawn(move || {
            let end = std::time::Instant::now() + std::time::Duration::from_secs(10);
            while std::time::Instant::now() < end {
                if listener.accept().is_ok() {
                    return true;
                }
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            false
        });
        let ssh = SshConfig {
            connect_timeout: std::time::Duration::from_secs(5),
            ..SshConfig::default()
        };
        let services =
            RunServices::new(Arc::new(Catalog::default()), Map::new(), Masker::new(), ssh);
        let address = format!("127.0.0.1:{port}");
        with_host(&services, |host| {
            host.add_worker(&WorkerSpec::new("vm0", &address, api::CONTROLLER).user("root"))
        })
        .unwrap();
        let err = with_host(&services, |host| {
            host.run("vm0", &api::Command::argv(["true"]))
        })
        .unwrap_err()
        .to_string();
        assert!(accepted.join().unwrap(), "nothing connected to {address}");
        assert!(err.contains("127.0.0.1"), "{err}");
        assert_eq!(services.machine("vm0").unwrap().address(), address);
    }
}
