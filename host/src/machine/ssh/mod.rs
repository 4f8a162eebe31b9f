//! [`SshTransport`]: a remote machine over SSH (libssh2 via the `ssh2`
//! crate), with one persistent connection per machine, reconnecting once
//! when it dropped, and workers reached through their host.

mod auth;
mod connect;
mod exec;
mod known_hosts;
mod link;
mod sftp;
mod tunnel;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub use known_hosts::HostKeyPolicy;

use self::connect::Connection;
use self::exec::ExecError;
use self::sftp::{Transfer, remote_path};
use super::command::{Command, Output};
use super::error::{TransportError, brief};
use super::transport::Transport;

/// How to log in and what to trust.
#[derive(Clone)]
pub struct SshConfig {
    /// Remote user (`root` by default, like the reference).
    pub user: String,
    /// sshd port.
    pub port: u16,
    /// Explicit private key; `None` tries `~/.ssh/id_{ed25519,ecdsa,rsa}`.
    pub identity: Option<PathBuf>,
    /// Try the ssh-agent from `SSH_AUTH_SOCK` first.
    pub use_agent: bool,
    /// Passwords to try (`--default-passwords`); never logged.
    pub passwords: Vec<String>,
    /// After a password login, install our public key like ssh-copy-id.
    pub install_key: bool,
    /// Host key policy.
    pub host_key_policy: HostKeyPolicy,
    /// The known_hosts file read and appended to.
    pub known_hosts: PathBuf,
    /// Limit for TCP connect, handshake and login.
    pub connect_timeout: Duration,
    /// Limit for each SFTP step and each protocol step.
    pub io_timeout: Duration,
}

fn ssh_dir() -> PathBuf {
    std::env::var_os("HOME")
        .map_or_else(|| PathBuf::from("/root"), PathBuf::from)
        .join(".ssh")
}

impl Default for SshConfig {
    fn default() -> Self {
        Self {
            user: "root".into(),
            port: 22,
            identity: None,
            use_agent: true,
            passwords: Vec::new(),
            install_key: true,
            host_key_policy: HostKeyPolicy::AcceptNew,
            known_hosts: ssh_dir().join("known_hosts"),
            connect_timeout: Duration::from_secs(30),
            io_timeout: Duration::from_secs(120),
        }
    }
}

impl std::fmt::Debug for SshConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SshConfig")
            .field("user", &self.user)
            .field("port", &self.port)
            .field("identity", &self.identity)
            .field("use_agent", &self.use_agent)
            .field(
                "passwords",
                &format_args!("<{} hidden>", self.passwords.len()),
            )
            .field("install_key", &self.install_key)
            .field("host_key_policy", &self.host_key_policy)
            .field("known_hosts", &self.known_hosts)
            .finish()
    }
}

impl SshConfig {
    /// Private keys to try, in order.
    pub fn identity_files(&self) -> Vec<PathBuf> {
        if let Some(key) = &self.identity {
            return vec![key.clone()];
        }
        let dir = ssh_dir();
        ["id_ed25519", "id_ecdsa", "id_rsa"]
            .iter()
            .map(|name| dir.join(name))
            .filter(|path| path.exists())
            .collect()
    }
}

/// A machine reached over SSH. Cheap to share (`Arc`); commands from
/// several threads share the one connection.
pub struct SshTransport {
    address: String,
    config: SshConfig,
    via: Option<Arc<SshTransport>>,
    connection: Mutex<Option<Arc<Connection>>>,
}

impl std::fmt::Debug for SshTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SshTransport")
            .field("address", &self.address)
            .field("via", &self.via.as_ref().map(|hop| hop.address.clone()))
            .finish()
    }
}

impl SshTransport {
    /// A machine at `address`; connects on first use.
    pub fn new(address: impl Into<String>, config: SshConfig) -> Self {
        Self {
            address: address.into(),
            config,
            via: None,
            connection: Mutex::new(None),
        }
    }

    /// A worker at `address` as seen from `host`, reached through a tunnel
    /// over the host's connection (like `ssh -J host worker`).
    pub fn through(host: Arc<SshTransport>, address: impl Into<String>, config: SshConfig) -> Self {
        Self {
            via: Some(host),
            ..Self::new(address, config)
        }
    }

    /// Connect now (instead of on first use) to report problems early.
    pub fn connect(&self) -> Result<(), TransportError> {
        self.connection().map(|_| ())
    }

    /// The live connection, opening it (and installing our key after a
    /// password login) when there is none.
    fn connection(&self) -> Result<Arc<Connection>, TransportError> {
        let mut slot = self.connection.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(connection) = slot.as_ref() {
            return Ok(Arc::clone(connection));
        }
        let connection = Arc::new(connect::establish(
            &self.address,
            &self.config,
            self.via.as_deref(),
        )?);
        if connection.method == auth::Method::Password && self.config.install_key {
            self.install_key(&connection);
        }
        *slot = Some(Arc::clone(&connection));
        Ok(connection)
    }

    fn install_key(&self, connection: &Connection) {
        let Some((path, key)) = auth::public_key(&self.config) else {
            tracing::warn!(
                "logged in to {} with a password but have no public key to install",
                self.address
            );
            return;
        };
        let command = auth::install_key_command(&key).timeout(Some(Duration::from_secs(60)));
        match exec::run(&connection.link, &command) {
            Ok(out) if out.success() => {
                tracing::info!(
                    "installed {} on {}; later logins need no password",
                    path.display(),
                    self.address
                );
            }
            Ok(out) => tracing::warn!(
                "installing our key on {} failed: {}",
                self.address,
                out.stderr.trim()
            ),
            Err(err) => tracing::warn!("installing our key on {} failed: {err:?}", self.address),
        }
    }

    /// Forget `used` if it is still the current connection.
    fn drop_connection(&self, used: &Arc<Connection>) {
        let mut slot = self.connection.lock().unwrap_or_else(|p| p.into_inner());
        if slot
            .as_ref()
            .is_some_and(|current| Arc::ptr_eq(current, used))
        {
            *slot = None;
        }
    }

    fn lost(&self, command: &Command, detail: String) -> TransportError {
        TransportError::ConnectionLost {
            host: self.address.clone(),
            command: brief(&command.shell_line()),
            detail,
        }
    }

    /// Run an SFTP job, reconnecting once if the session cannot start one.
    fn with_sftp<T>(
        &self,
        job: impl Fn(&Transfer<'_>) -> Result<T, TransportError>,
    ) -> Result<T, TransportError> {
        let mut retried = false;
        loop {
            let connection = self.connection()?;
            match Transfer::open(&connection.link, &self.address, self.config.io_timeout) {
                Ok(transfer) => return job(&transfer),
                Err(err) => {
                    self.drop_connection(&connection);
                    if retried {
                        return Err(TransportError::ConnectionLost {
                            host: self.address.clone(),
                            command: "sftp".into(),
                            detail: err.to_string(),
                        });
                    }
                    retried = true;
                }
            }
        }
    }
}

impl Transport for SshTransport {
    fn host(&self) -> &str {
        &self.address
    }

    fn run(&self, command: &Command) -> Result<Output, TransportError> {
        let mut retried = false;
        loop {
            let connection = self.connection()?;
            match exec::run(&connection.link, command) {
                Ok(output) => return Ok(output),
                Err(ExecError::NotStarted(err)) => {
                    self.drop_connection(&connection);
                    if retried {
                        return Err(self.lost(command, format!("cannot start the command: {err}")));
                    }
                    tracing::debug!("session to {} unusable ({err}), reconnecting", self.address);
                    retried = true;
                }
                Err(ExecError::Expired { expiry, killed }) => {
                    if !killed {
                        self.drop_connection(&connection);
                    }
                    return Err(expiry.into_error(&self.address, command));
                }
                Err(ExecError::Lost(detail)) => {
                    self.drop_connection(&connection);
                    return Err(self.lost(command, detail));
                }
            }
        }
    }

    fn write_file(&self, path: &str, content: &[u8]) -> Result<(), TransportError> {
        self.with_sftp(|sftp| sftp.write(&remote_path(path), content, 0o644))
    }

    fn read_file(&self, path: &str) -> Result<Vec<u8>, TransportError> {
        self.with_sftp(|sftp| sftp.read(&remote_path(path)))
    }

    fn copy_to(&self, local: &Path, remote: &str) -> Result<(), TransportError> {
        self.with_sftp(|sftp| sftp.upload(local, &remote_path(remote)))
    }

    fn copy_from(&self, remote: &str, local: &Path) -> Result<(), TransportError> {
        self.with_sftp(|sftp| sftp.download(&remote_path(remote), local))
    }

    fn check_reachable(&self) -> Result<(), TransportError> {
        let probe = Command::argv(["true"]).timeout(Some(self.config.connect_timeout));
        self.run(&probe).map(|_| ())
    }

    fn disconnect(&self) {
        *self.connection.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }
}
