//! `DummyTest` through the real run-perf under the Localhost profile:
//! its canned result names the host, and runperf 1.2's compare-perf reads
//! it exactly as ours does (a run against itself passes every check).
//!
//! Needs runperf 1.2 for `python3` (`python3 -m pip install runperf==1.2`);
//! a few seconds.

mod support;

use runperf_plugin_sdk::testing::tool_missing;
use support::reference::{self, both_agree};
use support::run_perf::{Bench, read};

#[test]
fn dummy_test_runs_under_localhost_and_both_compare_perfs_read_it() {
    if let Some(reason) = reference::missing() {
        return tool_missing(&reason);
    }
    let bench = Bench::with_plugins(&["runperf_profile_localhost", "runperf_test_fio"]);
    let out = bench.run_localhost("run", "DummyTest");

    let dir = out.join("Localhost/DummyTest/0000");
    let result: serde_json::Value = serde_json::from_str(&read(&dir.join("result.json"))).unwrap();
    let iterations = result.as_array().unwrap();
    assert_eq!(iterations.len(), 3);
    let client = &iterations[0]["iteration_data"]["latency"]["clat"][0];
    assert_eq!(client["role"], "client");
    // run-perf's default host is reached at 127.0.0.1.
    assert_eq!(client["client_hostname"], "127.0.0.1", "{client:#}");
    let metadata: serde_json::Value =
        serde_json::from_str(&read(&dir.join("RUNPERF_METADATA.json"))).unwrap();
    assert_eq!(metadata["profile"], "Localhost");

    let (code, checks) = both_agree(&[&out, &out]);
    assert_eq!(code, Some(0), "{checks:#?}");
    let primary = "Localhost/DummyTest/0000:./read-4KiB/throughput/iops_sec.mean";
    assert!(
        checks
            .iter()
            .any(|c| c.name == primary && c.status == "PASS"),
        "no passing {primary} in {checks:#?}"
    );
    // The canned result is fixed, and so is what compare-perf makes of it.
    assert_eq!(checks.len(), 29, "{checks:#?}");
    assert!(checks.iter().all(|c| c.status == "PASS"), "{checks:#?}");
}
