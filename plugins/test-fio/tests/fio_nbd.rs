//! fio-nbd's setup and cleanup with a scripted worker: the command
//! sequence, the error for a fio without the nbd engine, and that a
//! failed setup still gets its qemu-nbd stopped and its dir removed.

use runperf_plugin_sdk::serde_json::json;
use runperf_plugin_sdk::testing::{ScriptedHost, assert_in_order, fail, ok, one_worker_run};
use runperf_plugin_sdk::{Test, TestContext};
use runperf_test_fio::nbd::FioNbd;

fn scripted(engines: &str) -> ScriptedHost {
    let host = ScriptedHost::new();
    host.set_params("w1", json!({}));
    host.on(" sh fio", [ok("/usr/bin/fio\n")]);
    host.on(" sh qemu-nbd", [ok("/usr/bin/qemu-nbd\n")]);
    host.on("w1: /usr/bin/fio --enghelp", [ok(engines)]);
    host.on("w1: mktemp -d", [ok("/tmp/runperf-nbd.abc\n")]);
    host
}

#[test]
fn setup_serves_a_random_image_and_cleanup_kills_the_server_and_removes_the_dir() {
    let host = scripted("Available IO engines:\n\tlibaio\n\tnbd\n");
    host.on("w1: sh -c p=$1", [ok("4242\n")]);
    let mut test = FioNbd::new(&TestContext::default()).unwrap();
    host.with(|h| test.setup(h, &one_worker_run())).unwrap();
    host.with(|h| test.cleanup(h, &one_worker_run())).unwrap();
    let calls = host.calls();
    assert_in_order(
        &calls,
        &[
            "run w1: /usr/bin/fio --enghelp",
            "run w1: mktemp -d /tmp/runperf-nbd.XXXXXX",
            "run w1: dd bs=1M count=256 if=/dev/urandom of=/tmp/runperf-nbd.abc/disk.img status=none",
            "qemu-nbd -t -k /tmp/runperf-nbd.abc/socket -f raw /tmp/runperf-nbd.abc/disk.img",
            "/tmp/runperf-nbd.abc/socket",
            "run w1: pkill -KILL -P 4242",
            "run w1: kill -KILL 4242",
            "run w1: rm -rf -- /tmp/runperf-nbd.abc",
        ],
    );
}

#[test]
fn a_fio_without_the_nbd_engine_is_refused_before_anything_is_created() {
    let host = scripted("Available IO engines:\n\tlibaio\n\tnbdx\n");
    let mut test = FioNbd::new(&TestContext::default()).unwrap();
    let err = host
        .with(|h| test.setup(h, &one_worker_run()))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("/usr/bin/fio on w1 has no nbd ioengine") && err.contains("libnbd"),
        "{err}"
    );
    assert!(!host.calls().iter().any(|c| c.contains("mktemp")));
}

#[test]
fn a_server_that_never_listens_fails_setup_and_is_still_cleaned_up() {
    let host = scripted("Available IO engines:\n\tnbd\n");
    host.on("w1: sh -c p=$1", [ok("77\n")]);
    host.on("w1: sh -c i=0", [fail(1, "")]);
    host.set_file(
        "w1",
        "/tmp/runperf-nbd.abc/qemu-nbd.err",
        "qemu-nbd: cannot bind",
    );
    let mut test = FioNbd::new(&TestContext::default()).unwrap();
    let err = format!(
        "{:?}",
        host.with(|h| test.setup(h, &one_worker_run())).unwrap_err()
    );
    assert!(
        err.contains("did not create /tmp/runperf-nbd.abc/socket"),
        "{err}"
    );
    assert!(err.contains("cannot bind"), "{err}");
    host.with(|h| test.cleanup(h, &one_worker_run())).unwrap();
    assert_in_order(
        &host.calls(),
        &["kill -KILL 77", "rm -rf -- /tmp/runperf-nbd.abc"],
    );
}

#[test]
fn with_pbench_fio_on_the_host_the_exports_use_the_fixed_dir_and_the_host_gets_the_job() {
    let host = scripted("Available IO engines:\n\tnbd\n");
    host.on(
        " sh pbench-fio",
        [ok("/opt/pbench-agent/bench-scripts/pbench-fio\n")],
    );
    host.on("w1: sh -c p=$1", [ok("99\n")]);
    let mut test = FioNbd::new(&TestContext::default()).unwrap();
    host.with(|h| test.setup(h, &one_worker_run())).unwrap();
    let base = "/var/lib/runperf/runperf-nbd";
    let job = host
        .file("h", &format!("{base}/nbd.fio"))
        .expect("job file on the host");
    assert!(
        job.contains(&format!("uri = nbd+unix:///?socket={base}/socket")),
        "{job}"
    );
    assert_eq!(job.matches("[job").count(), 4, "{job}");
    host.with(|h| test.cleanup(h, &one_worker_run())).unwrap();
    assert_in_order(
        &host.calls(),
        &[
            &format!("run w1: rm -rf -- {base}"),
            &format!("run w1: mkdir -p -- {base}"),
            &format!("qemu-nbd -t -k {base}/socket -f raw {base}/disk.img"),
            &format!("run h: mkdir -p -- {base}"),
            &format!("write h:{base}/nbd.fio"),
            "run w1: kill -KILL 99",
            &format!("run w1: rm -rf -- {base}"),
            &format!("run h: rm -rf -- {base}"),
        ],
    );
}
