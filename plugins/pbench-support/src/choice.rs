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
pub fn use_pbench(
    host: &Host<'_>,
    run: &TestRun,
    test: &str,
    choice: Choice,
) -> PluginResult<bool> {
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

#[cfg(test)]
mod tests {
    use runperf_plugin_sdk::serde_json::json;
    use runperf_plugin_sdk::testing::{ScriptedHost, assert_in_order, ok};

    use super::*;
    use crate::extra;

    const FOUND: &str = "/opt/pbench-agent/bench-scripts/pbench-fio\n";

    fn run() -> TestRun {
        TestRun {
            host: "h".into(),
            workers: vec![vec!["w1".into(), "w2".into()]],
            ..TestRun::default()
        }
    }

    fn decide(host: &ScriptedHost, choice: Choice) -> PluginResult<bool> {
        host.with(|h| use_pbench(h, &run(), "fio", choice))
    }

    /// A host where `pbench-fio` appears once the installers ran.
    fn installable() -> ScriptedHost {
        let host = ScriptedHost::new();
        host.answer_pbench(|host, _| {
            host.on(" sh pbench-fio", [ok(FOUND)]);
            Ok(())
        });
        host
    }

    #[test]
    fn values_and_their_errors() {
        for (value, choice) in [
            (json!("auto"), Choice::Auto),
            (json!("yes"), Choice::Yes),
            (json!(" No "), Choice::No),
            (json!(true), Choice::Yes),
            (json!(false), Choice::No),
        ] {
            assert_eq!(Choice::parse(&value).unwrap(), choice, "{value}");
        }
        for value in [json!("maybe"), json!(1), json!(null), json!(["yes"])] {
            let err = Choice::parse(&value).unwrap_err().to_string();
            assert!(err.contains("test param \"pbench\""), "{err}");
            assert!(
                err.contains("\"auto\" (the default), \"yes\" or \"no\""),
                "{err}"
            );
        }
    }

    #[test]
    fn the_param_is_no_benchmark_param() {
        let extra = json!({"pbench": "yes", "runtime": 10});
        let extras = extra::split(extra.as_object().unwrap()).unwrap();
        assert_eq!(extras.pbench, Some(Choice::Yes));
        assert!(!extras.params.contains_key("pbench"));
        let bad = json!({"pbench": "sometimes"});
        assert!(extra::split(bad.as_object().unwrap()).is_err());
    }

    #[test]
    fn aliases_mean_yes_and_refuse_the_other_values() {
        assert_eq!(
            Choice::of_alias("PBenchFio", "fio", None).unwrap(),
            Choice::Yes
        );
        let yes = Some(Choice::Yes);
        assert_eq!(
            Choice::of_alias("PBenchFio", "fio", yes).unwrap(),
            Choice::Yes
        );
        let err = Choice::of_alias("PBenchFio", "fio", Some(Choice::No)).unwrap_err();
        assert!(
            err.to_string()
                .contains("PBenchFio always runs through pbench"),
            "{err}"
        );
    }

    #[test]
    fn pbench_only_tests_refuse_no() {
        assert_eq!(Choice::Yes.require_pbench("linpack").unwrap(), Choice::Yes);
        let err = Choice::No
            .require_pbench("linpack")
            .unwrap_err()
            .to_string();
        assert!(err.contains("linpack runs through pbench only"), "{err}");
    }

    #[test]
    fn no_looks_at_nothing() {
        let host = installable();
        host.on(" sh pbench-fio", [ok(FOUND)]);
        assert!(!decide(&host, Choice::No).unwrap());
        assert!(host.calls().is_empty(), "{:?}", host.calls());
    }

    #[test]
    fn auto_follows_what_the_host_has_and_never_installs() {
        let host = installable();
        assert!(!decide(&host, Choice::Auto).unwrap());
        host.on(" sh pbench-fio", [ok(FOUND)]);
        assert!(decide(&host, Choice::Auto).unwrap());
        assert!(!host.calls().iter().any(|c| c.starts_with("install_pbench")));
    }

    #[test]
    fn yes_installs_on_every_machine_host_first_when_missing() {
        let host = installable();
        assert!(decide(&host, Choice::Yes).unwrap());
        assert_in_order(
            &host.calls(),
            &[
                "run h: sh -c command -v \"$1\" sh pbench-fio",
                "install_pbench h fio",
                "install_pbench w1 fio",
                "install_pbench w2 fio",
                "run h: sh -c command -v \"$1\" sh pbench-fio",
            ],
        );
        // Present now: nothing more is installed.
        host.clear_calls();
        assert!(decide(&host, Choice::Yes).unwrap());
        assert!(!host.calls().iter().any(|c| c.starts_with("install_pbench")));
    }

    #[test]
    fn yes_passes_on_the_installers_error() {
        let host = ScriptedHost::new();
        host.answer_pbench(|_, request| {
            Err(PluginError::new(format!(
                "cannot install {request}, no pbench installer succeeded:\n  Dnf: {} has no dnf",
                request.machine
            )))
        });
        let err = decide(&host, Choice::Yes).unwrap_err().to_string();
        assert!(err.contains("Dnf: h has no dnf"), "{err}");
        assert!(!host.calls().iter().any(|c| c == "install_pbench w1 fio"));
    }

    #[test]
    fn yes_fails_when_the_installers_did_not_provide_the_benchmark() {
        let host = ScriptedHost::new();
        let err = decide(&host, Choice::Yes).unwrap_err().to_string();
        assert!(
            err.contains("pbench-fio is still not found on h after the pbench installers ran"),
            "{err}"
        );
    }
}
