//! Opt-in: runs the real uperf through the plugin when `uperf` is on the
//! PATH (it is not packaged for Debian, so this usually skips), with the
//! local test host of test-fio's tests, and checks the written result.json.

#[path = "../../test-fio/tests/common/mod.rs"]
mod common;

use common::{local_host, schema::check_result_json};
use runperf_plugin_api::serde_json::{self, Value, json};
use runperf_plugin_api::testing::tool_missing;
use runperf_plugin_api::{Test, TestContext, TestRun};
use runperf_test_uperf::Uperf;

#[test]
fn real_uperf_writes_a_result_compare_perf_can_read() {
    let installed = std::process::Command::new("uperf")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success());
    if !installed {
        return tool_missing(
            "uperf is not on the PATH (build it from ../shared/third-party, as .ci/run does)",
        );
    }
    let tmp = tempfile::tempdir().unwrap();
    let extra = json!({"test-types": "stream,rr", "message-sizes": 64, "instances": 1, "runtime": 4,
                       "samples": 2, "max-stddev": 1000});
    let mut test = Uperf::new(&TestContext {
        extra: extra.as_object().cloned().unwrap_or_default(),
    })
    .unwrap();
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
    let names: Vec<&str> = value
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|i| i["iteration_name"].as_str())
        .collect();
    assert_eq!(names, ["tcp_stream-64B-1i", "tcp_rr-64B-1i"]);
    assert!(
        value[1]["iteration_data"]["latency"]["usec"][1]["mean"]
            .as_f64()
            .unwrap()
            > 0.0
    );
}
