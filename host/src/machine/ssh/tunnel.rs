//! [`Tunnel`]: reach a worker through its host, like `ssh -J`. A
//! `direct-tcpip` channel on the host's session is pumped into one end of a
//! local socket pair; the worker's own SSH session runs on the other end.

use std::io::{Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use ssh2::Channel;

use super::link::{Link, StepError, wait_fds};

/// A running forwarder; dropping it closes the tunnel.
pub(crate) struct Tunnel {
    stop: Arc<AtomicBool>,
    pump: Option<JoinHandle<()>>,
}

impl Drop for Tunnel {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(pump) = self.pump.take() {
            let _ = pump.join();
        }
    }
}

/// Open a channel from `via` to `host:port` and start pumping it.
pub(crate) fn open(
    via: &Link,
    host: &str,
    port: u16,
    deadline: Instant,
) -> Result<(UnixStream, Tunnel), StepError> {
    let channel = via.open_direct(host, port, deadline)?;
    let (ours, theirs) = UnixStream::pair().map_err(StepError::Local)?;
    theirs.set_nonblocking(true).map_err(StepError::Local)?;
    let stop = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stop);
    let link = via.clone();
    let pump = std::thread::Builder::new()
        .name(format!("tunnel-{host}:{port}"))
        .spawn(move || pump(&link, channel, theirs, &flag))
        .map_err(StepError::Local)?;
    Ok((
        ours,
        Tunnel {
            stop,
            pump: Some(pump),
        },
    ))
}

/// Outcome of moving bytes one way.
enum Flow {
    Moved,
    Idle,
    Closed,
}

/// Move what `from` has into `to`, keeping unwritten bytes in `pending`.
fn shovel(from: &mut impl Read, to: &mut impl Write, pending: &mut Vec<u8>) -> Flow {
    let mut moved = false;
    if pending.is_empty() {
        let mut buf = [0u8; 32 * 1024];
        match from.read(&mut buf) {
            Ok(0) => return Flow::Closed,
            Ok(n) => pending.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(_) => return Flow::Closed,
        }
    }
    while !pending.is_empty() {
        match to.write(pending) {
            Ok(0) => return Flow::Closed,
            Ok(n) => {
                pending.drain(..n);
                moved = true;
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
            Err(_) => return Flow::Closed,
        }
    }
    if moved { Flow::Moved } else { Flow::Idle }
}

fn pump(link: &Link, mut channel: Channel, mut socket: UnixStream, stop: &AtomicBool) {
    let (mut to_socket, mut to_channel) = (Vec::new(), Vec::new());
    let socket_fd = socket.as_raw_fd();
    while !stop.load(Ordering::Relaxed) {
        let down = shovel(&mut channel, &mut socket, &mut to_socket);
        let up = shovel(&mut socket, &mut channel, &mut to_channel);
        match (down, up) {
            (Flow::Closed, _) | (_, Flow::Closed) => break,
            (Flow::Moved, _) | (_, Flow::Moved) => continue,
            (Flow::Idle, Flow::Idle) => {}
        }
        if channel.eof() {
            break;
        }
        let socket_events = if to_socket.is_empty() {
            libc::POLLIN
        } else {
            libc::POLLIN | libc::POLLOUT
        };
        // Both directions matter: the host socket (channel data) and ours.
        wait_fds(
            &[(socket_fd, socket_events), link.poll_target()],
            Duration::from_millis(20),
        );
    }
    let deadline = Instant::now() + Duration::from_secs(2);
    let _ = link.retry(deadline, || channel.close());
}
