//! [`Machine`]: a named host or worker, its params and its transport, with
//! every command it is sent recorded (masked) in its session log.

use std::path::Path;
use std::sync::{Arc, OnceLock};

use super::command::{Command, Output};
use super::error::TransportError;
use super::masker::Masker;
use super::params::HostParams;
use super::session_log::SessionLog;
use super::transport::Transport;

/// A machine the run talks to. It is itself a [`Transport`] (the logging
/// one), so `Arc<Machine>` can be handed out as `Arc<dyn Transport>`.
pub struct Machine {
    name: String,
    address: String,
    params: OnceLock<HostParams>,
    transport: Arc<dyn Transport>,
    log: SessionLog,
}

impl std::fmt::Debug for Machine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Machine")
            .field("name", &self.name)
            .field("address", &self.address)
            .field("params", &self.params)
            .finish()
    }
}

impl Machine {
    /// A machine called `name` at `address`, reached through `transport`;
    /// its session log masks whatever `masker` knows.
    pub fn new(
        name: impl Into<String>,
        address: impl Into<String>,
        transport: Arc<dyn Transport>,
        masker: Masker,
    ) -> Self {
        let name = name.into();
        let log = SessionLog::new(&name, masker);
        Self {
            name,
            address: address.into(),
            params: OnceLock::new(),
            transport,
            log,
        }
    }

    /// Attach host params (hosts have them, workers do not).
    pub fn with_params(self, params: HostParams) -> Self {
        self.set_params(params);
        self
    }

    /// Attach host params once they are known (measured on the machine
    /// itself, for example); params already attached are kept.
    pub fn set_params(&self, params: HostParams) {
        if self.params.set(params).is_err() {
            tracing::debug!("{}: host params already attached", self.name);
        }
    }

    /// Human-readable name (used for the session log file).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Address the transport connects to.
    pub fn address(&self) -> &str {
        &self.address
    }

    /// Host params, when this is a host.
    pub fn params(&self) -> Option<&HostParams> {
        self.params.get()
    }

    /// The raw transport (commands sent through it are not logged).
    pub fn transport(&self) -> &Arc<dyn Transport> {
        &self.transport
    }

    /// The session log; point it at a `__sessions__` dir with `set_dir`.
    pub fn session_log(&self) -> &SessionLog {
        &self.log
    }
}

impl std::fmt::Display for Machine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.name)
    }
}

impl Transport for Machine {
    fn host(&self) -> &str {
        self.transport.host()
    }

    fn run(&self, command: &Command) -> Result<Output, TransportError> {
        self.log.command(&command.shell_line());
        self.transport.run(command)
    }

    fn write_file(&self, path: &str, content: &[u8]) -> Result<(), TransportError> {
        self.log
            .command(&format!("# write {path} ({} bytes)", content.len()));
        self.transport.write_file(path, content)
    }

    fn read_file(&self, path: &str) -> Result<Vec<u8>, TransportError> {
        self.log.command(&format!("# read {path}"));
        self.transport.read_file(path)
    }

    fn copy_to(&self, local: &Path, remote: &str) -> Result<(), TransportError> {
        self.log
            .command(&format!("# copy {} to {remote}", local.display()));
        self.transport.copy_to(local, remote)
    }

    fn copy_from(&self, remote: &str, local: &Path) -> Result<(), TransportError> {
        self.log
            .command(&format!("# copy {remote} to {}", local.display()));
        self.transport.copy_from(remote, local)
    }

    fn check_reachable(&self) -> Result<(), TransportError> {
        self.transport.check_reachable()
    }

    fn disconnect(&self) {
        self.transport.disconnect();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::machine::LocalTransport;

    #[test]
    fn commands_are_logged_masked_and_still_run() {
        let dir = tempfile::tempdir().unwrap();
        let masker = Masker::new();
        masker.register("topsecret");
        let machine = Machine::new(
            "h1",
            "127.0.0.1",
            Arc::new(LocalTransport::default()),
            masker,
        );
        machine
            .session_log()
            .set_dir(Some(&dir.path().join("__sessions__")));
        let out = machine.run(&Command::argv(["echo", "topsecret"])).unwrap();
        assert_eq!(out.stdout, "topsecret\n");
        let shared: Arc<dyn Transport> = Arc::new(machine);
        shared
            .write_file(&dir.path().join("f").display().to_string(), b"x")
            .unwrap();
        let log = std::fs::read_to_string(dir.path().join("__sessions__/h1")).unwrap();
        assert!(log.starts_with("echo MASKED\n# write "), "{log}");
        assert!(!log.contains("topsecret"));
    }
}
