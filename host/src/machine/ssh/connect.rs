//! Opening one SSH connection: TCP (or a tunnel through the host), the
//! handshake, the host key check and authentication.

use std::net::{TcpStream, ToSocketAddrs};
use std::os::fd::AsRawFd;
use std::time::Instant;

use ssh2::Session;

use super::auth::{self, Method};
use super::link::Link;
use super::tunnel::{self, Tunnel};
use super::{SshConfig, SshTransport, known_hosts};
use crate::machine::error::TransportError;

/// A live, authenticated session. Fields drop in order: the session goes
/// before the tunnel it may run through.
pub(crate) struct Connection {
    pub(crate) link: Link,
    pub(crate) method: Method,
    _tunnel: Option<Tunnel>,
}

fn millis(duration: std::time::Duration) -> u32 {
    u32::try_from(duration.as_millis()).unwrap_or(u32::MAX)
}

fn tcp(address: &str, config: &SshConfig) -> Result<TcpStream, TransportError> {
    let unreachable = |detail: String| TransportError::Unreachable {
        host: address.to_string(),
        detail,
    };
    let candidates = (address, config.port)
        .to_socket_addrs()
        .map_err(|e| unreachable(format!("cannot resolve the address: {e}")))?;
    let mut last = String::from("the address resolves to nothing");
    for candidate in candidates {
        match TcpStream::connect_timeout(&candidate, config.connect_timeout) {
            Ok(stream) => return Ok(stream),
            Err(e) => last = format!("connecting to {candidate}: {e}"),
        }
    }
    Err(unreachable(last))
}

/// Connect to `address` (through `via` when it is a worker) and log in.
pub(crate) fn establish(
    address: &str,
    config: &SshConfig,
    via: Option<&SshTransport>,
) -> Result<Connection, TransportError> {
    let unreachable = |detail: String| TransportError::Unreachable {
        host: address.to_string(),
        detail,
    };
    let mut session =
        Session::new().map_err(|e| unreachable(format!("cannot start libssh2: {e}")))?;
    let (fd, tunnel) = match via {
        None => {
            let stream = tcp(address, config)?;
            let fd = stream.as_raw_fd();
            session.set_tcp_stream(stream);
            (fd, None)
        }
        Some(hop) => {
            let hop_connection = hop.connection()?;
            let deadline = Instant::now() + config.connect_timeout;
            let (socket, tunnel) =
                tunnel::open(&hop_connection.link, address, config.port, deadline).map_err(
                    |e| unreachable(format!("cannot open a tunnel through {}: {e}", hop.address)),
                )?;
            let fd = socket.as_raw_fd();
            session.set_tcp_stream(socket);
            (fd, Some(tunnel))
        }
    };
    // Blocking with a timeout until logged in; non-blocking afterwards.
    session.set_blocking(true);
    session.set_timeout(millis(config.connect_timeout));
    session
        .handshake()
        .map_err(|e| unreachable(format!("SSH handshake failed: {e}")))?;
    known_hosts::verify(
        &session,
        address,
        config.port,
        config.host_key_policy,
        &config.known_hosts,
    )?;
    let method = auth::authenticate(&session, config, address)?;
    // Still bounds the few blocking calls libssh2 makes when tearing down.
    session.set_timeout(millis(config.io_timeout));
    Ok(Connection {
        link: Link::new(session, fd),
        method,
        _tunnel: tunnel,
    })
}
