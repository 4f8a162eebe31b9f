//! [`LocalTransport`]: this machine, through `std::process`.
//!
//! Each command runs in its own process group so a timeout or a stall kills
//! everything it started; two reader threads feed the output to the
//! watchdog loop.

use std::io::Read;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStderr, ChildStdout, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::time::Duration;

use super::command::{Command, Output, Script};
use super::error::{TransportError, brief};
use super::transport::Transport;
use super::tree_copy::copy_local_tree;
use super::watchdog::Watchdog;

/// Runs everything on this machine; no sshd needed.
#[derive(Debug, Clone)]
pub struct LocalTransport {
    name: String,
}

impl Default for LocalTransport {
    fn default() -> Self {
        Self::new("localhost")
    }
}

impl LocalTransport {
    /// A local transport reported as `name` in messages.
    pub fn new(name: impl Into<String>) -> Self {
        Self { name: name.into() }
    }

    fn io_error(
        &self,
        action: &'static str,
        path: &Path,
        source: std::io::Error,
    ) -> TransportError {
        TransportError::Io {
            host: self.name.clone(),
            action,
            path: path.to_path_buf(),
            source,
        }
    }

    fn spawn(&self, command: &Command) -> Result<Child, TransportError> {
        let mut process = match &command.script {
            Script::Argv(args) => {
                let Some((program, rest)) = args.split_first() else {
                    return Err(self.spawn_error(command, "empty argument vector".into()));
                };
                let mut process = std::process::Command::new(program);
                process.args(rest);
                process
            }
            Script::Shell(line) => {
                let mut process = std::process::Command::new("sh");
                process.arg("-c").arg(line);
                process
            }
        };
        process
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0)
            .spawn()
            .map_err(|source| TransportError::Spawn {
                host: self.name.clone(),
                command: brief(&command.shell_line()),
                source,
            })
    }

    fn spawn_error(&self, command: &Command, detail: String) -> TransportError {
        TransportError::Spawn {
            host: self.name.clone(),
            command: brief(&command.shell_line()),
            source: std::io::Error::new(std::io::ErrorKind::InvalidInput, detail),
        }
    }
}

/// A piece of output from one of the two streams (`None`: stream closed).
enum Chunk {
    Stdout(Option<Vec<u8>>),
    Stderr(Option<Vec<u8>>),
}

fn pump<R: Read>(mut reader: R, tx: Sender<Chunk>, wrap: fn(Option<Vec<u8>>) -> Chunk) {
    let mut buf = [0u8; 8192];
    loop {
        match reader.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                if tx.send(wrap(Some(buf[..n].to_vec()))).is_err() {
                    return;
                }
            }
        }
    }
    let _ = tx.send(wrap(None));
}

fn start_readers(stdout: ChildStdout, stderr: ChildStderr) -> Receiver<Chunk> {
    let (tx, rx) = mpsc::channel();
    let tx_err = tx.clone();
    std::thread::spawn(move || pump(stdout, tx, Chunk::Stdout));
    std::thread::spawn(move || pump(stderr, tx_err, Chunk::Stderr));
    rx
}

fn kill_group(child: &mut Child) {
    if let Ok(pid) = i32::try_from(child.id()) {
        // SAFETY: plain syscall; the group id is our child's own pid.
        unsafe {
            libc::kill(-pid, libc::SIGKILL);
        }
    }
    let _ = child.kill();
    let _ = child.wait();
}

fn exit_code(status: ExitStatus) -> i32 {
    status
        .code()
        .or_else(|| status.signal().map(|sig| 128 + sig))
        .unwrap_or(-1)
}

/// A program that could not be started answers as a shell (and so the SSH
/// transport) does: 127 when it does not exist, 126 when it cannot be
/// executed, with the reason on stderr. Anything else stays an error.
fn not_started(command: &Command, error: TransportError) -> Result<Output, TransportError> {
    let (Script::Argv(args), TransportError::Spawn { source, .. }) = (&command.script, &error)
    else {
        return Err(error);
    };
    let program = args.first().map(String::as_str).unwrap_or_default();
    let status = match source.kind() {
        std::io::ErrorKind::NotFound => 127,
        std::io::ErrorKind::PermissionDenied => 126,
        _ => return Err(error),
    };
    let reason = if status == 127 {
        "command not found".to_string()
    } else {
        source.to_string()
    };
    Ok(Output {
        status,
        stdout: String::new(),
        stderr: format!("{program}: {reason}\n"),
    })
}

const POLL: Duration = Duration::from_millis(100);

impl Transport for LocalTransport {
    fn host(&self) -> &str {
        &self.name
    }

    fn run(&self, command: &Command) -> Result<Output, TransportError> {
        let mut child = match self.spawn(command) {
            Ok(child) => child,
            Err(error) => return not_started(command, error),
        };
        let (Some(stdout), Some(stderr)) = (child.stdout.take(), child.stderr.take()) else {
            kill_group(&mut child);
            return Err(self.spawn_error(command, "output pipes missing".into()));
        };
        let chunks = start_readers(stdout, stderr);
        let mut dog = Watchdog::start(command);
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let mut open_streams = 2;
        while open_streams > 0 {
            if let Some(expiry) = dog.expired() {
                kill_group(&mut child);
                return Err(expiry.into_error(&self.name, command));
            }
            match chunks.recv_timeout(dog.wait_budget(POLL)) {
                Ok(Chunk::Stdout(Some(data))) => {
                    dog.output_seen();
                    out.extend(data);
                }
                Ok(Chunk::Stderr(Some(data))) => {
                    dog.output_seen();
                    err.extend(data);
                }
                Ok(Chunk::Stdout(None) | Chunk::Stderr(None)) => open_streams -= 1,
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => break,
            }
        }
        // Output is closed; the process may still run (it closed its pipes).
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break status,
                Ok(None) => {}
                Err(source) => {
                    return Err(self.io_error("waiting for", Path::new("child"), source));
                }
            }
            if let Some(expiry) = dog.timed_out() {
                kill_group(&mut child);
                return Err(expiry.into_error(&self.name, command));
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        Ok(Output {
            status: exit_code(status),
            stdout: String::from_utf8_lossy(&out).into_owned(),
            stderr: String::from_utf8_lossy(&err).into_owned(),
        })
    }

    fn write_file(&self, path: &str, content: &[u8]) -> Result<(), TransportError> {
        std::fs::write(path, content).map_err(|e| self.io_error("writing", Path::new(path), e))
    }

    fn read_file(&self, path: &str) -> Result<Vec<u8>, TransportError> {
        std::fs::read(path).map_err(|e| self.io_error("reading", Path::new(path), e))
    }

    fn copy_to(&self, local: &Path, remote: &str) -> Result<(), TransportError> {
        copy_local_tree(local, Path::new(remote)).map_err(|e| self.io_error("copying", local, e))
    }

    fn copy_from(&self, remote: &str, local: &Path) -> Result<(), TransportError> {
        let src = PathBuf::from(remote);
        copy_local_tree(&src, local).map_err(|e| self.io_error("copying", &src, e))
    }

    fn check_reachable(&self) -> Result<(), TransportError> {
        Ok(())
    }
}
