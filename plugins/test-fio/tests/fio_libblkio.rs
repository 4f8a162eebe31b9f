//! fio-libblkio's setup and cleanup with a scripted host and worker: the
//! command sequence, the errors for a missing pbench-fio, for a fio
//! without the libblkio engine and for a bad daemon command.

use runperf_plugin_sdk::Test;
use runperf_plugin_sdk::serde_json::{Value, json};
use runperf_plugin_sdk::testing::{
    ScriptedHost, assert_in_order, ok, one_worker_run, test_context,
};
use runperf_test_fio::libblkio::FioLibblkio;

const BASE: &str = "/var/lib/runperf/runperf-libblkio";

fn scripted(engines: &str) -> ScriptedHost {
    let host = ScriptedHost::new();
    host.set_params("w1", json!({}));
    host.on(
        "h: sh -c command -v \"$1\" sh pbench-fio",
        [ok("/opt/pbench-agent/bench-scripts/pbench-fio\n")],
    );
    host.on(" sh fio", [ok("/usr/bin/fio\n")]);
    host.on(
        " sh qemu-storage-daemon",
        [ok("/usr/bin/qemu-storage-daemon\n")],
    );
    host.on("w1: /usr/bin/fio --enghelp", [ok(engines)]);
    host
}

fn test(extra: Value) -> FioLibblkio {
    FioLibblkio::new(&test_context(extra)).unwrap()
}

#[test]
fn setup_exports_the_ramdisk_and_cleanup_undoes_everything() {
    let host = scripted("Available IO engines:\n\tlibaio\n\tlibblkio\n");
    host.on("w1: sh -c p=$1", [ok("4242\n")]);
    let mut test = test(json!({"hipri": 1}));
    host.with(|h| test.setup(h, &one_worker_run())).unwrap();
    let job = host
        .file("h", &format!("{BASE}/libblkio.fio"))
        .expect("job file on the host");
    assert!(job.contains("hipri = 1\n"), "{job}");
    host.with(|h| test.cleanup(h, &one_worker_run())).unwrap();
    assert_in_order(
        &host.calls(),
        &[
            "pbench-register-tool --name=sar --remotes=h,w1",
            "run w1: /usr/bin/fio --enghelp",
            "run w1: modprobe brd rd_nr=1 rd_size=1048576 max_part=0",
            &format!("run w1: rm -rf -- {BASE}"),
            &format!("run w1: mkdir -p -- {BASE}"),
            &format!(
                "exec qemu-storage-daemon --blockdev driver=host_device,node-name=file,\
                 filename=/dev/ram0,cache.direct=on --object iothread,id=iothread0 --export \
                 type=vhost-user-blk,iothread=iothread0,id=export,node-name=file,addr.type=unix,\
                 addr.path={BASE}/vhost-user-blk.sock,writable=on"
            ),
            &format!("{BASE}/vhost-user-blk.sock"),
            &format!("run h: mkdir -p -- {BASE}"),
            &format!("write h:{BASE}/libblkio.fio"),
            "run w1: kill -KILL 4242",
            "run w1: rmmod brd",
            &format!("run w1: rm -rf -- {BASE}"),
            &format!("run h: rm -rf -- {BASE}"),
        ],
    );
}

#[test]
fn a_custom_daemon_on_a_given_target_without_ramdisk() {
    let host = scripted("Available IO engines:\n\tlibblkio\n");
    host.on("w1: sh -c p=$1", [ok("7\n")]);
    let mut test = test(json!({
        "target": "/dev/nvme0n1",
        "__SETUP_RAMDISK__": false,
        "__STORAGE_DAEMON_CMD__": "my-export --dev %s --sock %s",
    }));
    host.with(|h| test.setup(h, &one_worker_run())).unwrap();
    host.with(|h| test.cleanup(h, &one_worker_run())).unwrap();
    let calls = host.calls();
    assert_in_order(
        &calls,
        &[&format!(
            "exec my-export --dev /dev/nvme0n1 --sock {BASE}/vhost-user-blk.sock"
        )],
    );
    assert!(!calls.iter().any(|c| c.contains("brd")), "{calls:#?}");
}

#[test]
fn a_fio_without_libblkio_is_refused_before_anything_is_started() {
    let host = scripted("Available IO engines:\n\tlibaio\n\tnbd\n");
    let mut test = test(json!({}));
    let err = host
        .with(|h| test.setup(h, &one_worker_run()))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("/usr/bin/fio on w1 has no libblkio ioengine")
            && err.contains("fio built with libblkio"),
        "{err}"
    );
    assert!(!host.calls().iter().any(|c| c.contains("modprobe")));
}

#[test]
fn without_pbench_fio_or_with_a_bad_daemon_command_it_says_why() {
    let host = ScriptedHost::new();
    let mut t = test(json!({}));
    let err = host
        .with(|h| t.setup(h, &one_worker_run()))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("pbench-fio, which is not installed on h"),
        "{err}"
    );
    let context = test_context(json!({"__STORAGE_DAEMON_CMD__": "qsd %s"}));
    let err = FioLibblkio::new(&context)
        .err()
        .expect("refused")
        .to_string();
    assert!(err.contains("exactly two %s"), "{err}");
}
