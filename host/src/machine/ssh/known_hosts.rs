//! Host key checking against an OpenSSH `known_hosts` file.

use std::io::Write;
use std::path::Path;
use std::sync::Mutex;

use base64::Engine;
use ssh2::{CheckResult, HostKeyType, KnownHostFileKind, Session};

use crate::machine::error::TransportError;

/// What to do with the key a host presents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HostKeyPolicy {
    /// Record unknown hosts, reject a key that changed (default).
    #[default]
    AcceptNew,
    /// Only accept hosts already recorded.
    Strict,
    /// Accept any key and record nothing (for throw-away VMs).
    Ignore,
}

/// Serialises appends to known_hosts files between connecting threads.
static APPEND_LOCK: Mutex<()> = Mutex::new(());

/// The name under which OpenSSH records `host` on `port`.
pub(crate) fn host_pattern(host: &str, port: u16) -> String {
    if port == 22 {
        host.to_string()
    } else {
        format!("[{host}]:{port}")
    }
}

fn key_type_name(kind: HostKeyType) -> Option<&'static str> {
    Some(match kind {
        HostKeyType::Rsa => "ssh-rsa",
        HostKeyType::Dss => "ssh-dss",
        HostKeyType::Ecdsa256 => "ecdsa-sha2-nistp256",
        HostKeyType::Ecdsa384 => "ecdsa-sha2-nistp384",
        HostKeyType::Ecdsa521 => "ecdsa-sha2-nistp521",
        HostKeyType::Ed25519 => "ssh-ed25519",
        HostKeyType::Unknown => return None,
    })
}

/// Check the key `session` was offered by `host:port` against `file`.
pub(crate) fn verify(
    session: &Session,
    host: &str,
    port: u16,
    policy: HostKeyPolicy,
    file: &Path,
) -> Result<(), TransportError> {
    if policy == HostKeyPolicy::Ignore {
        return Ok(());
    }
    let ssh_error = |action: &str, source| TransportError::Ssh {
        host: host.to_string(),
        action: format!("{action} {}", file.display()),
        source,
    };
    let Some((key, kind)) = session.host_key() else {
        return Err(TransportError::Unreachable {
            host: host.to_string(),
            detail: "the server sent no host key".into(),
        });
    };
    let mut known = session
        .known_hosts()
        .map_err(|e| ssh_error("preparing", e))?;
    if file.exists() {
        known
            .read_file(file, KnownHostFileKind::OpenSSH)
            .map_err(|e| ssh_error("reading known hosts", e))?;
    }
    match known.check_port(host, port, key) {
        CheckResult::Match => Ok(()),
        CheckResult::Mismatch => Err(TransportError::HostKeyChanged {
            host: host_pattern(host, port),
            file: file.to_path_buf(),
        }),
        CheckResult::NotFound if policy == HostKeyPolicy::Strict => {
            Err(TransportError::HostKeyUnknown {
                host: host_pattern(host, port),
                file: file.to_path_buf(),
            })
        }
        CheckResult::NotFound => record(host, port, key, kind, file),
        CheckResult::Failure => Err(TransportError::Unreachable {
            host: host.to_string(),
            detail: format!("cannot check its host key against {}", file.display()),
        }),
    }
}

fn record(
    host: &str,
    port: u16,
    key: &[u8],
    kind: HostKeyType,
    file: &Path,
) -> Result<(), TransportError> {
    let io_error = |source| TransportError::Io {
        host: host.to_string(),
        action: "recording host key in",
        path: file.to_path_buf(),
        source,
    };
    let Some(kind) = key_type_name(kind) else {
        return Err(io_error(std::io::Error::other("unknown host key type")));
    };
    let line = format!(
        "{} {kind} {}\n",
        host_pattern(host, port),
        base64::engine::general_purpose::STANDARD.encode(key)
    );
    let _guard = APPEND_LOCK.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(dir) = file.parent() {
        std::fs::create_dir_all(dir).map_err(io_error)?;
    }
    let mut out = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(file)
        .map_err(io_error)?;
    // Start on a fresh line even if the file lacks a final newline.
    let needs_newline = std::fs::read(file)
        .map(|text| text.last().is_some_and(|&b| b != b'\n'))
        .unwrap_or(false);
    if needs_newline {
        out.write_all(b"\n").map_err(io_error)?;
    }
    out.write_all(line.as_bytes()).map_err(io_error)?;
    tracing::info!(
        "recorded host key of {} in {}",
        host_pattern(host, port),
        file.display()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_default_ports_use_brackets() {
        assert_eq!(host_pattern("192.0.2.1", 22), "192.0.2.1");
        assert_eq!(host_pattern("127.0.0.1", 2222), "[127.0.0.1]:2222");
    }
}
