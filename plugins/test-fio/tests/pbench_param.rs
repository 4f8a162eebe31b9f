//! The `pbench` param of fio, PBenchFio, fio-nbd and fio-libblkio with a
//! scripted host: which mode each value picks, when the host's pbench
//! installers are asked, and the errors for values a test cannot take.

use runperf_plugin_sdk::serde_json::json;
use runperf_plugin_sdk::testing::{
    ScriptedHost, assert_in_order, ok, one_worker_run, test_context,
};
use runperf_plugin_sdk::{PluginResult, Test};
use runperf_test_fio::Fio;
use runperf_test_fio::libblkio::FioLibblkio;
use runperf_test_fio::nbd::FioNbd;

const PBENCH_FIO: &str = "/opt/pbench-agent/bench-scripts/pbench-fio\n";

/// Machines with fio (nbd and libblkio engines) and qemu-nbd; `pbench`:
/// whether pbench-fio is on the host from the start. Either way the
/// installers provide it.
fn scripted(pbench: bool) -> ScriptedHost {
    let host = ScriptedHost::new();
    host.set_params("w1", json!({}));
    host.on(" sh fio", [ok("/usr/bin/fio\n")]);
    host.on(" sh qemu-nbd", [ok("/usr/bin/qemu-nbd\n")]);
    host.on(
        " sh qemu-storage-daemon",
        [ok("/usr/bin/qemu-storage-daemon\n")],
    );
    host.on(
        "--enghelp",
        [ok("Available IO engines:\n\tnbd\n\tlibblkio\n")],
    );
    host.on("w1: mktemp -d", [ok("/tmp/runperf-fio.abc\n")]);
    host.on("w1: sh -c p=$1", [ok("4242\n")]);
    host.on("w1: test -S", [ok("")]);
    if pbench {
        host.on(" sh pbench-fio", [ok(PBENCH_FIO)]);
    }
    host.answer_pbench(|host, _| {
        host.on(" sh pbench-fio", [ok(PBENCH_FIO)]);
        Ok(())
    });
    host
}

fn setup(host: &ScriptedHost, test: &mut dyn Test) -> PluginResult<()> {
    let result = host.with(|h| test.setup(h, &one_worker_run()));
    host.with(|h| test.cleanup(h, &one_worker_run())).unwrap();
    result
}

fn installs(host: &ScriptedHost) -> Vec<String> {
    host.calls()
        .into_iter()
        .filter(|c| c.starts_with("install_pbench"))
        .collect()
}

/// Whether setup prepared pbench mode (registered pbench tools).
fn pbench_mode(host: &ScriptedHost) -> bool {
    host.calls()
        .iter()
        .any(|c| c.contains("pbench-register-tool"))
}

#[test]
fn fio_auto_runs_natively_without_pbench_and_installs_nothing() {
    let host = scripted(false);
    setup(&host, &mut Fio::new(&test_context(json!({}))).unwrap()).unwrap();
    assert!(!pbench_mode(&host));
    assert!(host.calls().iter().any(|c| c.contains("w1: mktemp -d")));
    assert!(installs(&host).is_empty());
}

#[test]
fn fio_auto_uses_pbench_when_the_host_has_it() {
    let host = scripted(true);
    setup(
        &host,
        &mut Fio::new(&test_context(json!({"pbench": "auto"}))).unwrap(),
    )
    .unwrap();
    assert!(pbench_mode(&host));
    assert!(installs(&host).is_empty());
}

#[test]
fn fio_yes_installs_on_the_host_and_the_workers_then_uses_pbench() {
    let host = scripted(false);
    setup(
        &host,
        &mut Fio::new(&test_context(json!({"pbench": "yes"}))).unwrap(),
    )
    .unwrap();
    assert_eq!(
        installs(&host),
        ["install_pbench h fio", "install_pbench w1 fio"]
    );
    assert_in_order(
        &host.calls(),
        &["install_pbench w1 fio", "pbench-register-tool"],
    );
}

#[test]
fn fio_no_runs_natively_even_with_pbench_fio_on_the_host() {
    let host = scripted(true);
    setup(
        &host,
        &mut Fio::new(&test_context(json!({"pbench": "no"}))).unwrap(),
    )
    .unwrap();
    assert!(!pbench_mode(&host));
    assert!(!host.calls().iter().any(|c| c.contains("pbench-fio")));
}

#[test]
fn pbench_fio_means_yes_and_refuses_no() {
    let host = scripted(false);
    setup(
        &host,
        &mut Fio::pbench_alias(&test_context(json!({}))).unwrap(),
    )
    .unwrap();
    assert_eq!(
        installs(&host),
        ["install_pbench h fio", "install_pbench w1 fio"]
    );
    assert!(pbench_mode(&host));
    let err = Fio::pbench_alias(&test_context(json!({"pbench": "no"})))
        .err()
        .unwrap()
        .to_string();
    assert!(
        err.contains("PBenchFio always runs through pbench"),
        "{err}"
    );
}

#[test]
fn a_bad_value_is_an_error_naming_the_param() {
    let err = Fio::new(&test_context(json!({"pbench": "sometimes"})))
        .err()
        .unwrap()
        .to_string();
    assert!(
        err.contains("test param \"pbench\" has the value \"sometimes\""),
        "{err}"
    );
}

#[test]
fn fio_nbd_no_serves_the_export_natively_and_yes_installs_pbench_fio() {
    let host = scripted(true);
    setup(
        &host,
        &mut FioNbd::new(&test_context(json!({"pbench": "no"}))).unwrap(),
    )
    .unwrap();
    assert!(!pbench_mode(&host));
    assert!(!host.calls().iter().any(|c| c.contains("write h:")));

    let host = scripted(false);
    setup(
        &host,
        &mut FioNbd::new(&test_context(json!({"pbench": "yes"}))).unwrap(),
    )
    .unwrap();
    assert_eq!(
        installs(&host),
        ["install_pbench h fio", "install_pbench w1 fio"]
    );
    assert!(pbench_mode(&host));
    assert!(host.calls().iter().any(|c| c.contains("write h:")));
}

#[test]
fn fio_libblkio_refuses_no_at_creation_and_installs_with_yes() {
    let err = FioLibblkio::new(&test_context(json!({"pbench": "no"})))
        .err()
        .unwrap()
        .to_string();
    assert!(
        err.contains("fio-libblkio runs through pbench only"),
        "{err}"
    );

    let host = scripted(false);
    let extra = json!({"pbench": "yes", "__SETUP_RAMDISK__": false});
    setup(&host, &mut FioLibblkio::new(&test_context(extra)).unwrap()).unwrap();
    assert_eq!(
        installs(&host),
        ["install_pbench h fio", "install_pbench w1 fio"]
    );
    assert!(pbench_mode(&host));

    let host = scripted(false);
    let mut auto = FioLibblkio::new(&test_context(json!({}))).unwrap();
    let err = setup(&host, &mut auto).unwrap_err().to_string();
    assert!(err.contains("or give \"pbench\": \"yes\""), "{err}");
    assert!(installs(&host).is_empty());
}
