//! Runs the real uperf through the plugin (stream and rr over tcp, 64 and
//! 1024 byte messages, loopback) with the local test host of pbench-support's
//! `testing` feature, and checks the written result.json. Needs `uperf` on the PATH:
//! it is not packaged for Debian, `.ci/uperf-setup.sh` builds it.

use pbench_support::testing::{local_host, schema::check_result_json};
use runperf_plugin_sdk::serde_json::{self, Value, json};
use runperf_plugin_sdk::testing::{test_context, tool_missing};
use runperf_plugin_sdk::{Test, TestRun};
use runperf_test_uperf::Uperf;

fn uperf_installed() -> bool {
    std::process::Command::new("uperf")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// The sample values of the `all` entry of `metric` (`throughput/Gb_sec`)
/// in `iteration`.
fn all_samples(iteration: &Value, metric: &str) -> Vec<f64> {
    let (workflow, kind) = metric.split_once('/').unwrap();
    let entries = iteration["iteration_data"][workflow][kind]
        .as_array()
        .unwrap_or_else(|| panic!("{metric} missing from {iteration}"));
    let all = entries
        .iter()
        .find(|e| e["client_hostname"] == "all")
        .unwrap_or_else(|| panic!("{metric} has no `all` entry"));
    let samples: Vec<f64> = all["samples"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["value"].as_f64().unwrap())
        .collect();
    assert_eq!(samples.len(), 2, "{metric}: {samples:?}");
    assert!(samples.iter().all(|v| *v > 0.0), "{metric}: {samples:?}");
    samples
}

#[test]
fn real_uperf_stream_and_rr_write_a_result_compare_perf_can_read() {
    if !uperf_installed() {
        return tool_missing("uperf is not on the PATH (build it with .ci/uperf-setup.sh)");
    }
    let tmp = tempfile::tempdir().unwrap();
    // Runtime 3: with 3 s trimmed at each end, a 1 s runtime left an
    // interval only through timer drift, which a loaded machine can break.
    let extra = json!({"test-types": "stream,rr", "protocols": "tcp", "message-sizes": "64,1024",
                       "instances": 1, "runtime": 3, "samples": 2, "max-stddev": 1000});
    let mut test = Uperf::new(&test_context(extra)).unwrap();
    let run = TestRun {
        host: "localhost".into(),
        profile: "Localhost".into(),
        workers: vec![vec!["localhost".into()]],
        output_dir: tmp.path().to_string_lossy().into_owned(),
        metadata: Default::default(),
        ..TestRun::default()
    };
    let host = local_host();
    host.with(|h| {
        let result = test.setup(h, &run).and_then(|()| test.run(h, &run));
        test.cleanup(h, &run).unwrap();
        result.unwrap();
    });
    let value: Value =
        serde_json::from_str(&std::fs::read_to_string(tmp.path().join("result.json")).unwrap())
            .unwrap();
    check_result_json(&value);
    let iterations = value.as_array().unwrap();
    let names: Vec<&str> = iterations
        .iter()
        .filter_map(|i| i["iteration_name"].as_str())
        .collect();
    assert_eq!(
        names,
        [
            "tcp_stream-64B-1i",
            "tcp_stream-1024B-1i",
            "tcp_rr-64B-1i",
            "tcp_rr-1024B-1i"
        ]
    );
    for iteration in iterations {
        let name = iteration["iteration_name"].as_str().unwrap();
        let benchmark = &iteration["iteration_data"]["parameters"]["benchmark"][0];
        assert_eq!(benchmark["protocol"], "tcp", "{name}");
        let size: u64 = name[name.find('-').unwrap() + 1..name.find("B-").unwrap()]
            .parse()
            .unwrap();
        assert_eq!(benchmark["message_size_bytes"], size, "{name}");
        if name.starts_with("tcp_rr") {
            assert_eq!(benchmark["primary_metric"], "trans_sec", "{name}");
            let trans_sec = all_samples(iteration, "throughput/trans_sec");
            let usec = all_samples(iteration, "latency/usec");
            // One instance: each interval's latency is the inverse of its
            // transaction rate, and a sample averages both over its
            // intervals, so the mean latency is at least the inverse of
            // the mean rate (equal for one interval; the arithmetic mean
            // of inverses is never below the inverse of the mean).
            for (trans, usec) in trans_sec.iter().zip(&usec) {
                let product = usec * trans / 1e6;
                assert!(
                    (1.0 - 1e-9..2.0).contains(&product),
                    "{name}: {usec} usec against {trans} trans/s"
                );
            }
        } else {
            assert_eq!(benchmark["primary_metric"], "Gb_sec", "{name}");
            all_samples(iteration, "throughput/Gb_sec");
            assert!(
                iteration["iteration_data"].get("latency").is_none(),
                "{name}: stream has no latency"
            );
        }
    }
}
