//! What to run on a machine ([`Command`]) and what came back ([`Output`]).

use std::time::Duration;

/// Default limit for one command when the caller sets none.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(600);

/// Stall watchdog for a test of `runtime`: three times the runtime, at least
/// six minutes (the reference's rule).
pub fn stall_timeout_for_runtime(runtime: Duration) -> Duration {
    (runtime * 3).max(Duration::from_secs(360))
}

/// The program to run: an argument vector (passed literally) or a shell line
/// (interpreted by `sh`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Script {
    /// Program and arguments; every argument reaches the program unchanged.
    Argv(Vec<String>),
    /// A line for `sh -c`, with its expansions, pipes and redirections.
    Shell(String),
}

/// One command with its limits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    /// What to run.
    pub script: Script,
    /// Kill the command when it runs longer than this (`None`: no limit).
    pub timeout: Option<Duration>,
    /// Kill the command when it prints nothing for this long (`None`: off).
    pub stall_timeout: Option<Duration>,
}

impl Command {
    /// A command from an argument vector, each argument passed literally.
    pub fn argv<I, S>(args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self::new(Script::Argv(args.into_iter().map(Into::into).collect()))
    }

    /// A command from a shell line.
    pub fn shell(line: impl Into<String>) -> Self {
        Self::new(Script::Shell(line.into()))
    }

    fn new(script: Script) -> Self {
        Self {
            script,
            timeout: Some(DEFAULT_TIMEOUT),
            stall_timeout: None,
        }
    }

    /// Set the overall time limit (`None`: wait as long as it takes).
    pub fn timeout(mut self, timeout: Option<Duration>) -> Self {
        self.timeout = timeout;
        self
    }

    /// Set the output-stall watchdog (`None`: off).
    pub fn stall_timeout(mut self, stall: Option<Duration>) -> Self {
        self.stall_timeout = stall;
        self
    }

    /// The command as one line for a POSIX shell: argv quoted so that each
    /// argument arrives literally, shell lines as they are.
    pub fn shell_line(&self) -> String {
        match &self.script {
            Script::Argv(args) => shell_words::join(args),
            Script::Shell(line) => line.clone(),
        }
    }
}

/// Exit status and captured output of a finished command.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Output {
    /// Exit code; `128 + N` when killed by signal N (as shells report it).
    pub status: i32,
    /// Everything written to standard output (lossy UTF-8).
    pub stdout: String,
    /// Everything written to standard error (lossy UTF-8).
    pub stderr: String,
}

impl Output {
    /// Whether the command exited with status 0.
    pub fn success(&self) -> bool {
        self.status == 0
    }
}

/// Exit code for a signal name as reported by SSH (`"KILL"`, `"TERM"`...).
pub(crate) fn signal_status(name: &str) -> i32 {
    let number = match name.trim_start_matches("SIG") {
        "HUP" => 1,
        "INT" => 2,
        "QUIT" => 3,
        "ILL" => 4,
        "ABRT" => 6,
        "FPE" => 8,
        "KILL" => 9,
        "SEGV" => 11,
        "PIPE" => 13,
        "ALRM" => 14,
        "TERM" => 15,
        _ => 127,
    };
    128 + number
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argv_is_quoted_so_each_argument_stays_literal() {
        let cmd = Command::argv(["echo", "$(touch /tmp/pwned)", "a;b", "it's", "\"q\""]);
        let line = cmd.shell_line();
        let back = shell_words::split(&line).unwrap();
        assert_eq!(
            back,
            ["echo", "$(touch /tmp/pwned)", "a;b", "it's", "\"q\""]
        );
        assert!(!line.contains(" $(touch"), "unquoted expansion in {line}");
    }

    #[test]
    fn shell_line_is_kept_verbatim() {
        assert_eq!(Command::shell("a | b > c").shell_line(), "a | b > c");
    }

    #[test]
    fn stall_timeout_follows_the_reference_rule() {
        assert_eq!(
            stall_timeout_for_runtime(Duration::from_secs(10)).as_secs(),
            360
        );
        assert_eq!(
            stall_timeout_for_runtime(Duration::from_secs(200)).as_secs(),
            600
        );
    }

    #[test]
    fn signals_map_to_shell_status() {
        assert_eq!(signal_status("KILL"), 137);
        assert_eq!(signal_status("SIGTERM"), 143);
    }
}
