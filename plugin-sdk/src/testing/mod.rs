//! Test hosts for plugin authors (cargo feature `testing`).
//!
//! A plugin's component is called with a [`Host`]; these build one in a
//! test, without the runperf host:
//!
//! - [`ScriptedHost`] records every call in order and answers commands
//!   from rules, with files, persistent keys and workers in memory, to pin
//!   down command sequences that need root, a network or a real lab;
//!   [`ScriptedHost::local`] runs what no rule answers on this machine.
//! - [`LocalHost`] runs commands on this machine with their timeouts.
//! - [`tool_missing`] skips a test whose tool this machine lacks, or
//!   fails it under CI, which must provide every tool.
//! - [`with_host`] calls a component with any [`HostServices`] as a plugin
//!   sees it; [`apply_profile`] and [`revert_profile`] call a profile the
//!   way runperf does, crash markers included; [`assert_in_order`] checks
//!   recorded calls.
//!
//! ```
//! use runperf_plugin_sdk::testing::{ScriptedHost, assert_in_order, fail};
//! use runperf_plugin_sdk::Command;
//!
//! let host = ScriptedHost::new();
//! host.on("host1: virsh net-info", [fail(1, "error: Network not found")]);
//! let out = host.with(|h| h.run("host1", &Command::argv(["virsh", "net-info", "default"])));
//! assert_eq!(out.unwrap().status, 1);
//! assert_in_order(&host.calls(), &["run host1: virsh net-info default"]);
//! ```

mod local;
mod scripted;
mod tools;

pub use local::LocalHost;
pub use scripted::{ImageResponder, Responder, ScriptedHost};
pub use tools::{find_on_path, in_ci, tool_missing};

use runperf_plugin_api::markers;

use crate::{
    Applied, Command, CommandLine, CommandOutput, Host, HostServices, PluginResult, Profile,
    TestContext, TestRun,
};

/// Calls `call` with `services` lent as the [`Host`] a plugin receives.
pub fn with_host<R>(services: &dyn HostServices, call: impl FnOnce(&Host<'_>) -> R) -> R {
    Host::lent(services, call)
}

/// A command's text as recorded: argv joined by spaces, `sh -c LINE` for
/// a shell line.
pub fn command_text(command: &Command) -> String {
    match &command.line {
        CommandLine::Argv(argv) => argv.join(" "),
        CommandLine::Shell(line) => format!("sh -c {line}"),
    }
}

/// A test's context whose params are the entries of `extra` (a JSON
/// object; anything else gives no params).
pub fn test_context(extra: serde_json::Value) -> TestContext {
    TestContext {
        extra: extra.as_object().cloned().unwrap_or_default(),
        ..TestContext::default()
    }
}

/// A run for scripted tests: host `h`, profile `P`, one worker `w1`, and
/// an output dir that does not exist (a scripted host copies nothing).
pub fn one_worker_run() -> TestRun {
    TestRun {
        host: "h".into(),
        profile: "P".into(),
        workers: vec![vec!["w1".into()]],
        output_dir: "/nonexistent".into(),
        ..TestRun::default()
    }
}

/// A successful command that printed `stdout`.
pub fn ok(stdout: &str) -> CommandOutput {
    CommandOutput::new(0, stdout, "")
}

/// A command that exited with `status` and printed `stderr`.
pub fn fail(status: i32, stderr: &str) -> CommandOutput {
    CommandOutput::new(status, "", stderr)
}

/// Asserts that `calls` contains each of `expected` (as a substring of a
/// call), in this order; other calls may come between.
#[track_caller]
pub fn assert_in_order(calls: &[String], expected: &[&str]) {
    let mut at = 0;
    for want in expected {
        match calls[at..].iter().position(|c| c.contains(want)) {
            Some(found) => at += found + 1,
            None => panic!(
                "expected a call containing {want:?} after call #{at}; calls were:\n{}",
                calls
                    .iter()
                    .enumerate()
                    .map(|(i, c)| format!("{i:3} {c}"))
                    .collect::<Vec<_>>()
                    .join("\n")
            ),
        }
    }
}

/// Applies `profile` the way runperf does: between the crash markers of
/// profile `name` on `machine` (see [`crate::markers`]).
pub fn apply_profile(
    services: &dyn HostServices,
    profile: &mut dyn Profile,
    machine: &str,
    name: &str,
    setup_script: Option<&str>,
) -> PluginResult<Applied> {
    markers::around_apply(services, machine, name, || {
        with_host(services, |host| profile.apply(host, setup_script))
    })
}

/// Reverts `profile` the way runperf does: clears the crash markers of
/// profile `name` on `machine` (and the paths registered for removal)
/// after a successful revert.
pub fn revert_profile(
    services: &dyn HostServices,
    profile: &mut dyn Profile,
    machine: &str,
    name: &str,
) -> PluginResult<bool> {
    markers::around_revert(services, machine, name, || {
        with_host(services, |host| profile.revert(host))
    })
}
