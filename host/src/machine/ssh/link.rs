//! [`Link`]: a non-blocking SSH session plus its socket, and the retry loop
//! that turns libssh2's "would block" into waiting on the socket with a
//! deadline. Every SSH step goes through here, so nothing can hang forever
//! and several threads can share one session.

use std::os::fd::RawFd;
use std::time::{Duration, Instant};

use std::sync::{Arc, Mutex};

use ssh2::{BlockDirections, Channel, ErrorCode, Session, Sftp};

/// libssh2's "try again" code.
const EAGAIN: i32 = -37;
/// Upper bound of one wait, so a wake-up consumed by another thread costs
/// little.
const MAX_POLL: Duration = Duration::from_millis(50);

/// Why a retried step gave up.
#[derive(Debug)]
pub(crate) enum StepError {
    /// The deadline passed while libssh2 kept asking to try again.
    TimedOut,
    /// libssh2 reported a real error.
    Ssh(ssh2::Error),
    /// A local resource (socket pair, thread) could not be set up.
    Local(std::io::Error),
}

impl std::fmt::Display for StepError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::TimedOut => write!(f, "no answer in time"),
            Self::Ssh(err) => write!(f, "{err}"),
            Self::Local(err) => write!(f, "{err}"),
        }
    }
}

pub(crate) fn is_would_block(err: &ssh2::Error) -> bool {
    err.code() == ErrorCode::Session(EAGAIN)
}

/// A session in non-blocking mode with the descriptor it talks through.
#[derive(Clone)]
pub(crate) struct Link {
    pub(crate) session: Session,
    fd: RawFd,
    /// libssh2 keeps the state of a half-done channel or SFTP opening in the
    /// session itself, so only one thread may be opening at a time.
    opening: Arc<Mutex<()>>,
}

impl Link {
    pub(crate) fn new(session: Session, fd: RawFd) -> Self {
        session.set_blocking(false);
        Self {
            session,
            fd,
            opening: Arc::new(Mutex::new(())),
        }
    }

    /// Open a session channel and start `line` on it. The whole start is
    /// one thread at a time: with several commands starting at once on one
    /// session, libssh2 could lose the reply to an `exec` request
    /// ("Failed waiting for channel success").
    pub(crate) fn start_command(
        &self,
        line: &str,
        deadline: Instant,
    ) -> Result<Channel, StepError> {
        let _one_at_a_time = self.opening.lock().unwrap_or_else(|p| p.into_inner());
        let mut channel = self.retry(deadline, || self.session.channel_session())?;
        self.retry(deadline, || channel.exec(line))?;
        Ok(channel)
    }

    /// Open a `direct-tcpip` channel to `host:port` as seen from this end.
    pub(crate) fn open_direct(
        &self,
        host: &str,
        port: u16,
        deadline: Instant,
    ) -> Result<Channel, StepError> {
        let _one_at_a_time = self.opening.lock().unwrap_or_else(|p| p.into_inner());
        self.retry(deadline, || {
            self.session.channel_direct_tcpip(host, port, None)
        })
    }

    /// Start an SFTP subsystem.
    pub(crate) fn open_sftp(&self, deadline: Instant) -> Result<Sftp, StepError> {
        let _one_at_a_time = self.opening.lock().unwrap_or_else(|p| p.into_inner());
        self.retry(deadline, || self.session.sftp())
    }

    /// The descriptor and `poll` events libssh2 is waiting for.
    pub(crate) fn poll_target(&self) -> (RawFd, libc::c_short) {
        let events = match self.session.block_directions() {
            BlockDirections::Outbound => libc::POLLOUT,
            BlockDirections::Both => libc::POLLIN | libc::POLLOUT,
            BlockDirections::Inbound | BlockDirections::None => libc::POLLIN,
        };
        (self.fd, events)
    }

    /// Wait until the socket may let libssh2 progress, at most `max`.
    pub(crate) fn wait(&self, max: Duration) {
        wait_fds(&[self.poll_target()], max.min(MAX_POLL));
    }

    /// Run `step` until it stops asking to be retried or `deadline` passes.
    pub(crate) fn retry<T>(
        &self,
        deadline: Instant,
        mut step: impl FnMut() -> Result<T, ssh2::Error>,
    ) -> Result<T, StepError> {
        loop {
            match step() {
                Ok(value) => return Ok(value),
                Err(err) if is_would_block(&err) => {}
                Err(err) => return Err(StepError::Ssh(err)),
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(StepError::TimedOut);
            }
            self.wait(left);
        }
    }

    /// Like [`Link::retry`] for steps reporting through `std::io`.
    pub(crate) fn retry_io<T>(
        &self,
        deadline: Instant,
        mut step: impl FnMut() -> std::io::Result<T>,
    ) -> std::io::Result<T> {
        loop {
            match step() {
                Ok(value) => return Ok(value),
                Err(err) if err.kind() == std::io::ErrorKind::WouldBlock => {}
                Err(err) => return Err(err),
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    "no answer in time",
                ));
            }
            self.wait(left);
        }
    }
}

/// `poll(2)` on a few descriptors; errors just end the wait early.
pub(crate) fn wait_fds(fds: &[(RawFd, libc::c_short)], max: Duration) {
    let mut polls: Vec<libc::pollfd> = fds
        .iter()
        .map(|&(fd, events)| libc::pollfd {
            fd,
            events,
            revents: 0,
        })
        .collect();
    let millis = libc::c_int::try_from(max.as_millis()).unwrap_or(libc::c_int::MAX);
    // SAFETY: `polls` is a valid, exclusively borrowed array of `len` items.
    unsafe {
        libc::poll(polls.as_mut_ptr(), polls.len() as libc::nfds_t, millis);
    }
}
