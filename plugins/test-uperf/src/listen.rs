//! Waits until a TCP port on a machine is listening, or free again, by
//! reading the kernel's socket tables (`/proc/net/tcp` and `tcp6`) there:
//! no connection is made, so a uperf server never sees a stray client,
//! and it works the same over SSH and locally without extra tools.
//!
//! Used around each sample's `uperf -s`: a client started before its
//! server listens fails to connect (a fixed pause was not enough on a
//! loaded machine), and a server started while the previous sample's
//! server still holds the port fails to bind.

use runperf_plugin_sdk::{Command, Host, PluginError, PluginResult};

/// How long a server may take to listen, or an old one to let go.
pub const WAIT_SECS: u32 = 60;

/// `$1` the port as four upper-case hex digits, `$2` 1 to wait for a
/// listener or 0 to wait for none, `$3` the number of 0.1 s polls.
/// Exit 0 once the state is reached, 1 when the polls ran out.
const WAIT: &str = "re=\"^ *[0-9]+: [0-9A-F]+:$1 [0-9A-F]+:0000 0A \"; n=0; \
                    while :; do \
                    if grep -qsE \"$re\" /proc/net/tcp /proc/net/tcp6; then s=1; else s=0; fi; \
                    [ \"$s\" = \"$2\" ] && exit 0; \
                    n=$((n + 1)); [ \"$n\" -ge \"$3\" ] && exit 1; sleep 0.1; done";

/// Whether to wait for a listener or for the port to be free.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Something listens on the port.
    Listening,
    /// Nothing listens on the port.
    Free,
}

/// The shell command that waits on `machine` until `port` is in `state`.
pub fn wait_command(port: u16, state: State) -> Command {
    let want = match state {
        State::Listening => "1",
        State::Free => "0",
    };
    let polls = (WAIT_SECS * 10).to_string();
    Command::argv([
        "sh",
        "-c",
        WAIT,
        "runperf",
        &format!("{port:04X}"),
        want,
        &polls,
    ])
    .timeout(f64::from(WAIT_SECS) + 30.0)
}

/// Waits until `port` on `machine` is in `state`; an error names the
/// machine, the port and what did not happen.
pub fn wait(host: &Host<'_>, machine: &str, port: u16, state: State) -> PluginResult<()> {
    let out = host.run(machine, &wait_command(port, state))?;
    if out.status == 0 {
        return Ok(());
    }
    let what = match state {
        State::Listening => "nothing listened on",
        State::Free => "something still listened on",
    };
    Err(PluginError::new(format!(
        "{what} TCP port {port} on {machine} after {WAIT_SECS} s{}",
        match out.stderr.trim() {
            "" => String::new(),
            err => format!(": {err}"),
        }
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;
    use std::process::Command as Std;

    /// Runs the wait script locally, as a machine would, with few polls.
    fn run(port: u16, want: &str, polls: &str) -> bool {
        Std::new("sh")
            .args(["-c", WAIT, "runperf", &format!("{port:04X}"), want, polls])
            .status()
            .unwrap()
            .success()
    }

    #[test]
    fn a_listening_port_is_seen_and_a_closed_one_is_free() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        assert!(run(port, "1", "5"));
        assert!(!run(port, "0", "2"));
        drop(listener);
        assert!(run(port, "0", "5"));
        assert!(!run(port, "1", "2"));
    }

    #[test]
    fn an_ipv6_listener_counts_too() {
        // uperf listens on an IPv6 socket (dual stack) where it can.
        let listener = TcpListener::bind("[::1]:0").expect("an IPv6 loopback socket");
        let port = listener.local_addr().unwrap().port();
        assert!(run(port, "1", "5"));
    }

    #[test]
    fn a_connected_socket_is_not_a_listener() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let _client = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        let (_accepted, _) = listener.accept().unwrap();
        drop(listener);
        // Established connections on the port remain; none listens.
        assert!(run(port, "0", "5"));
    }

    #[test]
    fn the_port_is_four_hex_digits() {
        let command = wait_command(20010, State::Listening);
        let runperf_plugin_sdk::CommandLine::Argv(argv) = command.line else {
            panic!("{command:?} is not an argv");
        };
        assert_eq!(argv[4..6], ["4E2A", "1"]);
    }
}
