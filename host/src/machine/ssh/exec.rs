//! Running one command over an SSH channel with the watchdog.
//!
//! The line sent first reports the remote shell's PID on stderr and then
//! `exec`s the command, so that PID leads the command's process group
//! (sshd starts each session in a new one) and a timeout can kill it all.

use std::io::Read;
use std::time::{Duration, Instant};

use ssh2::Channel;

use super::link::{Link, StepError, is_would_block};
use crate::machine::command::{Command, Output, signal_status};
use crate::machine::watchdog::{Expiry, Watchdog};

const PID_MARKER: &str = "RUNPERF_PID=";
/// Stop looking for the marker after this much stderr.
const MARKER_SEARCH_LIMIT: usize = 64 * 1024;
const POLL: Duration = Duration::from_millis(100);
/// Budget for opening the channel and for the kill request.
const STEP_TIMEOUT: Duration = Duration::from_secs(30);

/// The line sent to the remote login shell.
pub(crate) fn remote_line(command: &Command) -> String {
    format!(
        "printf '{PID_MARKER}%s\\n' \"$$\" >&2; exec sh -c {}",
        shell_words::quote(&command.shell_line())
    )
}

/// Why a command did not produce an [`Output`].
#[derive(Debug)]
pub(crate) enum ExecError {
    /// The channel could not be opened; nothing ran (safe to retry).
    NotStarted(StepError),
    /// A limit ran out; `killed` tells whether the kill request got through.
    Expired { expiry: Expiry, killed: bool },
    /// The connection broke while the command ran.
    Lost(String),
}

/// Open a channel and start the command.
fn start(link: &Link, command: &Command) -> Result<Channel, StepError> {
    let deadline = Instant::now() + STEP_TIMEOUT;
    let mut channel = link.start_command(&remote_line(command), deadline)?;
    link.retry(deadline, || channel.send_eof())?;
    Ok(channel)
}

/// Output collected so far, with the PID marker taken off stderr.
#[derive(Default)]
struct Collected {
    stdout: Vec<u8>,
    stderr: Vec<u8>,
    pid: Option<u32>,
    marker_done: bool,
}

impl Collected {
    fn add_stderr(&mut self, data: &[u8]) {
        self.stderr.extend_from_slice(data);
        if self.marker_done {
            return;
        }
        // Shell start-up files may print before our marker line.
        let mut start = 0;
        while let Some(offset) = self.stderr[start..].iter().position(|&b| b == b'\n') {
            let end = start + offset;
            if let Some(pid) = self.stderr[start..end].strip_prefix(PID_MARKER.as_bytes()) {
                self.pid = String::from_utf8_lossy(pid).trim().parse().ok();
                self.stderr.drain(start..=end);
                self.marker_done = true;
                return;
            }
            start = end + 1;
        }
        if self.stderr.len() > MARKER_SEARCH_LIMIT {
            self.marker_done = true;
        }
    }
}

/// Read whatever is ready on one stream; `Ok(true)` when bytes arrived.
fn read_ready(stream: &mut impl Read, sink: &mut Vec<u8>) -> Result<bool, String> {
    let mut buf = [0u8; 16 * 1024];
    match stream.read(&mut buf) {
        Ok(0) => Ok(false),
        Ok(n) => {
            sink.extend_from_slice(&buf[..n]);
            Ok(true)
        }
        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => Ok(false),
        Err(e) => Err(e.to_string()),
    }
}

/// Run `command` on `link`, enforcing its timeout and stall watchdog.
pub(crate) fn run(link: &Link, command: &Command) -> Result<Output, ExecError> {
    let mut channel = start(link, command).map_err(ExecError::NotStarted)?;
    let mut dog = Watchdog::start(command);
    let mut got = Collected::default();
    let mut stderr = channel.stderr();
    let mut scratch = Vec::new();
    loop {
        let out = read_ready(&mut channel, &mut got.stdout).map_err(ExecError::Lost)?;
        scratch.clear();
        let err = read_ready(&mut stderr, &mut scratch).map_err(ExecError::Lost)?;
        got.add_stderr(&scratch);
        if out || err {
            dog.output_seen();
            continue;
        }
        if channel.eof() {
            break;
        }
        if let Some(expiry) = dog.expired() {
            return Err(expire(link, expiry, got.pid));
        }
        link.wait(dog.wait_budget(POLL));
    }
    // Output is closed; wait for the exit status (the process may linger).
    loop {
        match channel.wait_close() {
            Ok(()) => break,
            Err(e) if is_would_block(&e) => {}
            Err(e) => return Err(ExecError::Lost(e.to_string())),
        }
        if let Some(expiry) = dog.timed_out() {
            return Err(expire(link, expiry, got.pid));
        }
        link.wait(dog.wait_budget(POLL));
    }
    let status = match channel.exit_signal() {
        Ok(signal) => match signal.exit_signal {
            Some(name) => signal_status(&name),
            None => channel
                .exit_status()
                .map_err(|e| ExecError::Lost(e.to_string()))?,
        },
        Err(e) => return Err(ExecError::Lost(e.to_string())),
    };
    Ok(Output {
        status,
        stdout: String::from_utf8_lossy(&got.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&got.stderr).into_owned(),
    })
}

/// Kill the command's process group through a second channel.
fn expire(link: &Link, expiry: Expiry, pid: Option<u32>) -> ExecError {
    let killed = pid.is_some_and(|pid| kill(link, pid).is_ok());
    ExecError::Expired { expiry, killed }
}

fn kill(link: &Link, pid: u32) -> Result<(), StepError> {
    let deadline = Instant::now() + Duration::from_secs(10).min(STEP_TIMEOUT);
    let line = format!("kill -KILL -- -{pid} 2>/dev/null; kill -KILL {pid} 2>/dev/null; true");
    let mut channel = link.start_command(&line, deadline)?;
    link.retry(deadline, || channel.send_eof())?;
    link.retry(deadline, || channel.wait_eof())?;
    link.retry(deadline, || channel.wait_close())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_marker_is_taken_off_stderr_even_when_split() {
        let mut got = Collected::default();
        got.add_stderr(b"RUNPERF_P");
        got.add_stderr(b"ID=4242\nreal error\n");
        assert_eq!(got.pid, Some(4242));
        assert_eq!(got.stderr, b"real error\n");
        got.add_stderr(b"RUNPERF_PID=1\n");
        assert_eq!(got.pid, Some(4242), "only the first marker counts");
        let mut noisy = Collected::default();
        noisy.add_stderr(b"bashrc says hi\nRUNPERF_PID=7\nerr\n");
        assert_eq!(
            (noisy.pid, noisy.stderr.as_slice()),
            (Some(7), &b"bashrc says hi\nerr\n"[..])
        );
    }

    #[test]
    fn the_remote_line_runs_the_command_through_sh_literally() {
        let cmd = Command::argv(["echo", "$(touch /tmp/pwned)", "a'b"]);
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(remote_line(&cmd))
            .output()
            .unwrap();
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            "$(touch /tmp/pwned) a'b\n"
        );
        assert!(String::from_utf8_lossy(&out.stderr).starts_with(PID_MARKER));
    }
}
