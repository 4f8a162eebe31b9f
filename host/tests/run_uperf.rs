//! The real uperf through the real run-perf under the Localhost profile
//! (stream and rr over tcp, 64 and 1024 byte messages, loopback), twice,
//! then our compare-perf and runperf 1.2's read the two result trees and
//! agree on every check and on the exit code.
//!
//! Needs `uperf` on the PATH (`.ci/uperf-setup.sh` builds it) and runperf
//! 1.2 for `python3` (`python3 -m pip install runperf==1.2`); about two
//! minutes, most of it uperf running.

mod support;

use runperf_plugin_sdk::testing::{find_on_path, tool_missing};
use support::reference::{self, both_agree, check_lines};
use support::run_perf::{Bench, read};

/// Runtime 3: uperf runs 6 s longer and the parser trims 3 s at each end
/// of the 1 s intervals, so what remains spans about runtime - 0.8 s. With
/// 1 s that held an interval only through timer drift, which a loaded
/// machine can break ("too few Txn2 intervals", the attempt retried).
const UPERF_PARAMS: &str = r#"uperf:{"test-types": "stream,rr", "protocols": "tcp", "message-sizes": "64,1024", "instances": 1, "runtime": 3, "samples": 1, "max-stddev": 1000}"#;

const ITERATIONS: [&str; 4] = [
    "tcp_stream-64B-1i",
    "tcp_stream-1024B-1i",
    "tcp_rr-64B-1i",
    "tcp_rr-1024B-1i",
];

/// `run-perf` of the uperf test under Localhost into `bench`'s dir `name`.
fn run_uperf(bench: &Bench, name: &str) -> std::path::PathBuf {
    let out = bench.run_localhost(name, UPERF_PARAMS);
    let result: serde_json::Value =
        serde_json::from_str(&read(&out.join("Localhost/uperf/0000/result.json"))).unwrap();
    let names: Vec<&str> = result
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|i| i["iteration_name"].as_str())
        .collect();
    assert_eq!(names, ITERATIONS, "{name}");
    out
}

#[test]
fn uperf_runs_through_run_perf_and_both_compare_perfs_agree_on_the_result() {
    if find_on_path(&["uperf"]).is_none() {
        return tool_missing("uperf is not on the PATH (build it with .ci/uperf-setup.sh)");
    }
    if let Some(reason) = reference::missing() {
        return tool_missing(&reason);
    }
    let bench = Bench::with_plugins(&["runperf_profile_localhost", "runperf_test_uperf"]);
    let run1 = run_uperf(&bench, "run1");
    let run2 = run_uperf(&bench, "run2");

    // A run against itself: nothing changed, every check passes.
    let (code, checks) = both_agree(&[&run1, &run1]);
    assert_eq!(code, Some(0), "{checks:#?}");
    for iteration in ITERATIONS {
        let primary = if iteration.starts_with("tcp_rr") {
            "throughput/trans_sec"
        } else {
            "throughput/Gb_sec"
        };
        let name = format!("Localhost/uperf/0000:./{iteration}/{primary}.mean");
        assert!(
            checks.iter().any(|c| c.name == name && c.status == "PASS"),
            "no passing {name} in {checks:#?}"
        );
    }
    assert!(checks.iter().all(|c| c.status == "PASS"), "{checks:#?}");

    // Two real runs: loopback noise may or may not be a regression, but
    // both implementations must read it the same way.
    let (code, checks) = both_agree(&[&run1, &run2]);
    assert!(matches!(code, Some(0 | 2)), "compare-perf exit {code:?}");
    assert!(
        checks
            .iter()
            .any(|c| c.name == "Localhost/uperf/0000:./tcp_rr-1024B-1i/latency/usec.mean"),
        "{checks:#?}"
    );
}

#[test]
fn check_lines_are_read_from_both_levels_and_other_lines_are_not() {
    let stderr = "INFO | PASS: L/uperf/0000:./tcp_rr-64B-1i/latency/usec.mean 0.00 (GOOD raw 0.00% (15.27; 15.26) +-5% tolerance)\n\
                  ERROR| FAIL: L/uperf/0000:./tcp_stream-*/throughput/Gb_sec.mean -7.25 (BAD)\n\
                  ERROR| ERR : b -1 (missing)\n\
                  INFO | Per-result-id averages:\n";
    let summary: Vec<(String, String, f64)> = check_lines(stderr)
        .into_iter()
        .map(|l| (l.name, l.status, l.score))
        .collect();
    let expected = [
        (
            "L/uperf/0000:./tcp_rr-64B-1i/latency/usec.mean",
            "PASS",
            0.0,
        ),
        (
            "L/uperf/0000:./tcp_stream-*/throughput/Gb_sec.mean",
            "FAIL",
            -7.25,
        ),
        ("b", "ERR", -1.0),
    ]
    .map(|(n, s, v)| (n.to_owned(), s.to_owned(), v));
    assert_eq!(summary, expected);
}
