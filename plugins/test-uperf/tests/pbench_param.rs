//! The `pbench` param of uperf and its aliases (UPerf, PBenchUperf) with
//! a scripted host: which mode each value picks and when the host's pbench
//! installers are asked.

use runperf_plugin_sdk::Test;
use runperf_plugin_sdk::serde_json::json;
use runperf_plugin_sdk::testing::{
    ScriptedHost, assert_in_order, ok, one_worker_run, test_context,
};
use runperf_test_uperf::Uperf;

const PBENCH_UPERF: &str = "/opt/pbench-agent/bench-scripts/pbench-uperf\n";

/// uperf everywhere; pbench-uperf on the host from the start when
/// `pbench`, else once the installers ran.
fn scripted(pbench: bool) -> ScriptedHost {
    let host = ScriptedHost::new();
    host.on(" sh uperf", [ok("/usr/bin/uperf\n")]);
    host.on(": mktemp -d", [ok("/tmp/runperf-uperf.abc\n")]);
    host.on("w1: uperf -V", [ok("Uperf Version 1.0.8\n")]);
    if pbench {
        host.on(" sh pbench-uperf", [ok(PBENCH_UPERF)]);
    }
    host.answer_pbench(|host, _| {
        host.on(" sh pbench-uperf", [ok(PBENCH_UPERF)]);
        Ok(())
    });
    host
}

/// Sets `test` up; whether pbench mode was prepared, and the installs.
fn setup(host: &ScriptedHost, mut test: Uperf) -> (bool, Vec<String>) {
    host.with(|h| test.setup(h, &one_worker_run())).unwrap();
    host.with(|h| test.cleanup(h, &one_worker_run())).unwrap();
    let calls = host.calls();
    let pbench = calls.iter().any(|c| c.contains("pbench-register-tool"));
    let installs = calls
        .into_iter()
        .filter(|c| c.starts_with("install_pbench"))
        .collect();
    (pbench, installs)
}

#[test]
fn auto_follows_the_host() {
    let (pbench, installs) = setup(
        &scripted(false),
        Uperf::new(&test_context(json!({}))).unwrap(),
    );
    assert!(!pbench && installs.is_empty());
    let (pbench, installs) = setup(
        &scripted(true),
        Uperf::new(&test_context(json!({}))).unwrap(),
    );
    assert!(pbench && installs.is_empty());
}

#[test]
fn no_runs_natively_with_pbench_uperf_on_the_host() {
    let host = scripted(true);
    let (pbench, installs) = setup(
        &host,
        Uperf::new(&test_context(json!({"pbench": "no"}))).unwrap(),
    );
    assert!(!pbench && installs.is_empty());
    assert!(host.calls().iter().any(|c| c.contains("w1: uperf -V")));
}

#[test]
fn yes_and_the_aliases_install_pbench_uperf_everywhere_first() {
    for test in [
        Uperf::new(&test_context(json!({"pbench": "yes"}))).unwrap(),
        Uperf::pbench_alias(&test_context(json!({})), "UPerf").unwrap(),
        Uperf::pbench_alias(&test_context(json!({"pbench": "yes"})), "PBenchUperf").unwrap(),
    ] {
        let host = scripted(false);
        let (pbench, installs) = setup(&host, test);
        assert!(pbench);
        assert_eq!(
            installs,
            ["install_pbench h uperf", "install_pbench w1 uperf"]
        );
        assert_in_order(
            &host.calls(),
            &["install_pbench w1 uperf", "pbench-register-tool"],
        );
    }
}

#[test]
fn an_alias_refuses_another_value_and_a_bad_value_names_the_param() {
    let err = Uperf::pbench_alias(&test_context(json!({"pbench": "auto"})), "UPerf")
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("UPerf always runs through pbench"), "{err}");
    let err = Uperf::new(&test_context(json!({"pbench": 2})))
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("test param \"pbench\""), "{err}");
}
