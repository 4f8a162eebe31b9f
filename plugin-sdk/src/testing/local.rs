//! Commands on this machine, as a test host runs them: argv without a
//! shell, shell lines through `sh -c`, and the command's `timeout_secs`
//! and `stall_secs` enforced like the runperf host does.

use std::io::Read;
use std::path::Path;
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::{Command, CommandLine, CommandOutput, PluginError, PluginResult};

/// How often a running command is checked for its exit and its limits.
const POLL: Duration = Duration::from_millis(10);

/// Runs commands on this machine with std::process.
///
/// A program that cannot be started answers status 127 with the reason on
/// stderr, as a shell would; a command past its `timeout_secs`, or silent
/// for longer than its `stall_secs`, is killed and is an error, as on the
/// runperf host.
#[derive(Debug, Clone, Default)]
pub struct LocalHost {
    /// The commands' PATH, when not this process's.
    path: Option<String>,
    default_timeout: Option<f64>,
}

impl LocalHost {
    /// Runs commands with this process's environment and no default timeout.
    pub fn new() -> Self {
        Self::default()
    }

    /// Puts `dir` first on the commands' PATH (for fake clients such as a
    /// scripted `bkr`).
    #[must_use]
    pub fn path_prefix(mut self, dir: &Path) -> Self {
        let path = std::env::var("PATH").unwrap_or_default();
        self.path = Some(format!("{}:{path}", dir.display()));
        self
    }

    /// Sets the commands' PATH to `dir` alone.
    #[must_use]
    pub fn path_only(mut self, dir: &Path) -> Self {
        self.path = Some(dir.display().to_string());
        self
    }

    /// Gives commands without their own `timeout_secs` this one.
    #[must_use]
    pub fn default_timeout(mut self, secs: f64) -> Self {
        self.default_timeout = Some(secs);
        self
    }

    /// Runs `command` here and waits for it within its limits.
    pub fn run(&self, command: &Command) -> PluginResult<CommandOutput> {
        let mut process = match &command.line {
            CommandLine::Argv(argv) if argv.is_empty() => {
                return Err(PluginError::new("cannot run an empty argv"));
            }
            CommandLine::Argv(argv) => {
                let mut p = std::process::Command::new(&argv[0]);
                p.args(&argv[1..]);
                p
            }
            CommandLine::Shell(line) => {
                let mut p = std::process::Command::new("sh");
                p.args(["-c", line]);
                p
            }
        };
        if let Some(path) = &self.path {
            process.env("PATH", path);
        }
        let spawned = process
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn();
        match spawned {
            Ok(child) => self.wait(child, command),
            Err(err) => Ok(CommandOutput::new(127, "", err.to_string())),
        }
    }

    fn wait(&self, mut child: Child, command: &Command) -> PluginResult<CommandOutput> {
        let (tx, chunks) = mpsc::channel();
        if let Some(stdout) = child.stdout.take() {
            forward(stdout, Stream::Stdout, tx.clone());
        }
        if let Some(stderr) = child.stderr.take() {
            forward(stderr, Stream::Stderr, tx);
        }
        let limits = Limits::of(command, self.default_timeout);
        let mut captured = Captured::default();
        let mut last_output = Instant::now();
        let status = loop {
            if let Ok(chunk) = chunks.recv_timeout(POLL) {
                last_output = Instant::now();
                captured.add(chunk);
                continue;
            }
            if let Some(status) = child.try_wait().map_err(io_error)? {
                break status;
            }
            if let Some(why) = limits.exceeded(last_output) {
                let _ = child.kill();
                let _ = child.wait();
                return Err(PluginError::new(format!(
                    "command {:?} {why} and was killed",
                    command.line
                )));
            }
        };
        // The readers stop at the end of the output, as `Command::output` does.
        chunks.iter().for_each(|chunk| captured.add(chunk));
        Ok(captured.output(status.code().unwrap_or(-1)))
    }
}

#[derive(Clone, Copy)]
enum Stream {
    Stdout,
    Stderr,
}

type Chunk = (Stream, Vec<u8>);

/// What a command printed so far.
#[derive(Default)]
struct Captured {
    stdout: Vec<u8>,
    stderr: Vec<u8>,
}

impl Captured {
    fn add(&mut self, (stream, bytes): Chunk) {
        match stream {
            Stream::Stdout => self.stdout.extend_from_slice(&bytes),
            Stream::Stderr => self.stderr.extend_from_slice(&bytes),
        }
    }

    fn output(self, status: i32) -> CommandOutput {
        CommandOutput::new(
            status,
            String::from_utf8_lossy(&self.stdout),
            String::from_utf8_lossy(&self.stderr),
        )
    }
}

/// Sends what `stream` prints to `tx` until it ends.
fn forward(mut reader: impl Read + Send + 'static, stream: Stream, tx: mpsc::Sender<Chunk>) {
    std::thread::spawn(move || {
        let mut buf = [0u8; 8192];
        while let Ok(n @ 1..) = reader.read(&mut buf) {
            if tx.send((stream, buf[..n].to_vec())).is_err() {
                break;
            }
        }
    });
}

fn io_error(err: std::io::Error) -> PluginError {
    PluginError::new(format!("cannot wait for a local command: {err}"))
}

/// The time limits of one command.
struct Limits {
    start: Instant,
    timeout: Option<Duration>,
    stall: Option<Duration>,
}

impl Limits {
    fn of(command: &Command, default_timeout: Option<f64>) -> Self {
        let secs = |s: Option<f64>| s.map(|s| Duration::from_secs_f64(s.max(0.0)));
        Self {
            start: Instant::now(),
            timeout: secs(command.timeout_secs.or(default_timeout)),
            stall: secs(command.stall_secs),
        }
    }

    /// Why the command must stop, if it must.
    fn exceeded(&self, last_output: Instant) -> Option<String> {
        if let Some(limit) = self.timeout.filter(|l| self.start.elapsed() >= *l) {
            return Some(format!("timed out after {}s", limit.as_secs_f64()));
        }
        let limit = self.stall.filter(|l| last_output.elapsed() >= *l)?;
        Some(format!("printed nothing for {}s", limit.as_secs_f64()))
    }
}
