//! Everything that can go wrong while talking to a machine, worded for the
//! person at the terminal: which host, what happened, what to do.
//!
//! Messages may quote the command that failed; callers that persist them
//! pass them through a [`crate::machine::Masker`] first.

use std::path::PathBuf;
use std::time::Duration;

/// A transport failure on one host.
#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    /// No TCP connection or SSH handshake was possible.
    #[error(
        "cannot reach {host}: {detail}; check the address and port, that sshd runs there and that the network allows it"
    )]
    Unreachable { host: String, detail: String },

    /// Every authentication method was refused.
    #[error(
        "authentication as {user} on {host} failed (tried: {tried}); install a key with ssh-copy-id, start an ssh-agent, pass --default-passwords or an explicit key"
    )]
    Auth {
        host: String,
        user: String,
        tried: String,
    },

    /// The host presented a key different from the recorded one.
    #[error(
        "host key of {host} changed since it was recorded in {}; if the machine was reinstalled, remove its line from that file (ssh-keygen -R), otherwise someone may be intercepting the connection",
        file.display()
    )]
    HostKeyChanged { host: String, file: PathBuf },

    /// Strict checking is on and the host is not known.
    #[error(
        "host key of {host} is not in {} and strict host key checking is on; connect once with ssh to record it or use the accept-new policy",
        file.display()
    )]
    HostKeyUnknown { host: String, file: PathBuf },

    /// The command ran past its time limit and was killed.
    #[error("command on {host} timed out after {}s and was killed: {command}; raise its timeout or check why it hangs", after.as_secs())]
    Timeout {
        host: String,
        command: String,
        after: Duration,
    },

    /// The command printed nothing for too long and was killed.
    #[error("command on {host} printed nothing for {}s and was killed (output stall watchdog): {command}; check whether the machine still answers", after.as_secs())]
    Stalled {
        host: String,
        command: String,
        after: Duration,
    },

    /// The connection died while a command was running.
    #[error(
        "connection to {host} was lost while running {command}: {detail}; the machine may have rebooted or sshd died, the command's outcome is unknown"
    )]
    ConnectionLost {
        host: String,
        command: String,
        detail: String,
    },

    /// An SSH protocol step failed.
    #[error("ssh {action} on {host} failed: {source}")]
    Ssh {
        host: String,
        action: String,
        #[source]
        source: ssh2::Error,
    },

    /// A file operation failed (locally or through SFTP).
    #[error("{action} {} on {host} failed: {source}", path.display())]
    Io {
        host: String,
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// The command could not be started.
    #[error("cannot start {command} on {host}: {source}")]
    Spawn {
        host: String,
        command: String,
        #[source]
        source: std::io::Error,
    },

    /// The command ran and exited non-zero (from `run_checked`).
    #[error("command on {host} exited with {status}: {command}\n{stderr}")]
    Failed {
        host: String,
        command: String,
        status: i32,
        stderr: String,
    },

    /// A remote directory listed a name that would leave the target dir.
    #[error(
        "refusing unsafe file name {name:?} listed by {host}; it would escape the destination directory"
    )]
    UnsafeName { host: String, name: String },

    /// The machine did not come back (or go down) in time.
    #[error("{host} {what} within {}s; check its console", after.as_secs())]
    NotBack {
        host: String,
        what: &'static str,
        after: Duration,
    },
}

impl TransportError {
    /// Whether this is a file operation on a path that does not exist (and
    /// nothing else: a refused read or a lost connection is not "missing").
    pub fn is_not_found(&self) -> bool {
        matches!(self, Self::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound)
    }
}

/// Shorten a command for an error message.
pub(crate) fn brief(command: &str) -> String {
    const MAX: usize = 300;
    if command.len() <= MAX {
        return command.to_string();
    }
    let mut end = MAX;
    while !command.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", &command[..end])
}
