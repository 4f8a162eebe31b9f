//! The `pbench` test param: whether a test runs through pbench-agent.
//!
//! - `auto` (default): pbench mode when the host machine has
//!   `pbench-<test>`, else native;
//! - `yes`: pbench mode; when `pbench-<test>` is missing, it is installed
//!   first on every machine of the run through the host's pbench
//!   installers;
//! - `no`: native mode, whatever is installed.
//!
//! JSON `true` and `false` mean `yes` and `no`. The reference's class
//! names registered as aliases (`PBenchFio`, `UPerf`, `PBenchUperf`)
//! always use pbench: they mean `yes`, and refuse another value.

use runperf_plugin_sdk::serde_json::Value;
use runperf_plugin_sdk::{Host, LogLevel, PbenchRequest, PluginError, PluginResult, TestRun};

use crate::agent;

/// The param's name.
pub const PARAM: &str = "pbench";

/// The value of the `pbench` param.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Choice {
    /// pbench mode when installed, else native.
    #[default]
    Auto,
    /// pbench mode, installing pbench when missing.
    Yes,
    /// Native mode.
    No,
}

impl Choice {
    /// Reads the param's JSON value.
    pub fn parse(value: &Value) -> PluginResult<Self> {
        match value {
            Value::Bool(true) => Ok(Self::Yes),
            Value::Bool(false) => Ok(Self::No),
            Value::String(text) => match text.trim().to_ascii_lowercase().as_str() {
                "auto" => Ok(Self::Auto),
                "yes" => Ok(Self::Yes),
                "no" => Ok(Self::No),
                _ => Err(bad_value(value)),
            },
            other => Err(bad_value(other)),
        }
    }

    /// The choice of the alias `alias` of test `test` (`PBenchFio` of
    /// `fio`): `yes`, which is also the only value it accepts.
    pub fn of_alias(alias: &str, test: &str, given: Option<Self>) -> PluginResult<Self> {
        match given {
            None | Some(Self::Yes) => Ok(Self::Yes),
            Some(other) => Err(PluginError::new(format!(
                "{alias} always runs through pbench (it is {test} with \"{PARAM}\": \"yes\"), \
                 so \"{PARAM}\": \"{}\" contradicts it; use {test} with that value instead",
                other.label()
            ))),
        }
    }

    /// The value as written (`auto`, `yes`, `no`).
    pub fn label(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::Yes => "yes",
            Self::No => "no",
        }
    }

    /// For tests that only run through pbench (linpack, fio-libblkio):
    /// `no` is an error naming the test.
    pub fn require_pbench(self, test: &str) -> PluginResult<Self> {
        if self == Self::No {
            return Err(PluginError::new(format!(
                "{test} runs through pbench only, so its test param \"{PARAM}\" cannot be \
                 \"no\"; use \"auto\" or \"yes\""
            )));
        }
        Ok(self)
    }
}

fn bad_value(value: &Value) -> PluginError {
    PluginError::new(format!(
        "test param \"{PARAM}\" has the value {value}; give \"auto\" (the default), \"yes\" or \"no\""
    ))
}

/// Whether the test `test` (its pbench benchmark: `fio` for fio-nbd)
/// runs in pbench mode under `choice`; for `yes`, installs pbench on every
/// machine of `run` (host first) through the host's pbench installers when
/// the host machine lacks `pbench-<test>`.
pub fn use_pbench(host: &Host<'_>, run: &TestRun, test: &str, choice: Choice) -> PluginResult<bool> {
    match choice {
        Choice::No => Ok(false),
        Choice::Auto => agent::available(host, &run.host, test),
        Choice::Yes => {
            if agent::available(host, &run.host, test)? {
                return Ok(true);
            }
            host.log(
                LogLevel::Info,
                &format!(
                    "pbench-{test} is not on {}, installing pbench ({PARAM}: yes)",
                    run.host
                ),
            );
            for machine in agent::machines(run) {
                host.install_pbench(&PbenchRequest::new(&machine).test(test))?;
            }
            if agent::available(host, &run.host, test)? {
                Ok(true)
            } else {
                Err(PluginError::new(format!(
                    "pbench-{test} is still not found on {} after the pbench installers ran; \
                     check the installer's log, or install pbench-{test} there by hand",
                    run.host
                )))
            }
        }
    }
}
