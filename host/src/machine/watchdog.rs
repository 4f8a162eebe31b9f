//! Time limits of a running command: the overall timeout and the
//! output-stall watchdog, shared by every transport.

use std::time::{Duration, Instant};

use super::command::Command;
use super::error::{TransportError, brief};

/// Which limit ran out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Expiry {
    Timeout(Duration),
    Stall(Duration),
}

impl Expiry {
    /// The error to report for `command` on `host`.
    pub(crate) fn into_error(self, host: &str, command: &Command) -> TransportError {
        let host = host.to_string();
        let command = brief(&command.shell_line());
        match self {
            Self::Timeout(after) => TransportError::Timeout {
                host,
                command,
                after,
            },
            Self::Stall(after) => TransportError::Stalled {
                host,
                command,
                after,
            },
        }
    }
}

/// Tracks one command's start and last output.
#[derive(Debug)]
pub(crate) struct Watchdog {
    start: Instant,
    last_output: Instant,
    timeout: Option<Duration>,
    stall: Option<Duration>,
}

impl Watchdog {
    pub(crate) fn start(command: &Command) -> Self {
        let now = Instant::now();
        Self {
            start: now,
            last_output: now,
            timeout: command.timeout,
            stall: command.stall_timeout,
        }
    }

    /// Record that the command printed something.
    pub(crate) fn output_seen(&mut self) {
        self.last_output = Instant::now();
    }

    /// The limit that ran out, if any; the overall timeout wins.
    pub(crate) fn expired(&self) -> Option<Expiry> {
        let now = Instant::now();
        if let Some(limit) = self.timeout
            && now.duration_since(self.start) >= limit
        {
            return Some(Expiry::Timeout(limit));
        }
        if let Some(limit) = self.stall
            && now.duration_since(self.last_output) >= limit
        {
            return Some(Expiry::Stall(limit));
        }
        None
    }

    /// Whether only the overall timeout ran out (the stall watchdog no
    /// longer applies once the output streams are closed).
    pub(crate) fn timed_out(&self) -> Option<Expiry> {
        let limit = self.timeout?;
        (self.start.elapsed() >= limit).then_some(Expiry::Timeout(limit))
    }

    /// How long one may wait before a limit could run out, capped by `cap`.
    pub(crate) fn wait_budget(&self, cap: Duration) -> Duration {
        let now = Instant::now();
        let mut budget = cap;
        if let Some(limit) = self.timeout {
            budget = budget.min((self.start + limit).saturating_duration_since(now));
        }
        if let Some(limit) = self.stall {
            budget = budget.min((self.last_output + limit).saturating_duration_since(now));
        }
        budget
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stall_fires_before_timeout_and_output_resets_it() {
        let cmd = Command::shell("x")
            .timeout(Some(Duration::from_secs(60)))
            .stall_timeout(Some(Duration::from_millis(30)));
        let mut dog = Watchdog::start(&cmd);
        assert_eq!(dog.expired(), None);
        std::thread::sleep(Duration::from_millis(20));
        dog.output_seen();
        std::thread::sleep(Duration::from_millis(20));
        assert_eq!(dog.expired(), None);
        std::thread::sleep(Duration::from_millis(20));
        assert_eq!(
            dog.expired(),
            Some(Expiry::Stall(Duration::from_millis(30)))
        );
        assert_eq!(dog.timed_out(), None);
    }

    #[test]
    fn budget_is_capped_by_the_nearest_limit() {
        let cmd = Command::shell("x").timeout(Some(Duration::from_millis(50)));
        let dog = Watchdog::start(&cmd);
        assert!(dog.wait_budget(Duration::from_secs(1)) <= Duration::from_millis(50));
        let none = Watchdog::start(&Command::shell("x").timeout(None));
        assert_eq!(
            none.wait_budget(Duration::from_secs(1)),
            Duration::from_secs(1)
        );
    }
}
