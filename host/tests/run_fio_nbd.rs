//! The real fio-nbd through the real run-perf under the Localhost profile:
//! qemu-nbd serves a 256 MiB image on this machine, fio's nbd engine runs
//! two short iterations against it, runperf 1.2's compare-perf reads the
//! result as ours does, and cleanup leaves no qemu-nbd and no dir behind.
//!
//! Needs fio with the nbd engine, qemu-nbd (`apt-get install fio
//! qemu-utils`) and runperf 1.2 for `python3`; about 20 s.

mod support;

use std::collections::BTreeSet;
use std::process::Command;

use runperf_plugin_sdk::testing::{find_on_path, tool_missing};
use support::reference::{self, both_agree};
use support::run_perf::{Bench, read};

const PARAMS: &str = r#"fio-nbd:{"test-types": "read,randwrite", "block-sizes": 4, "runtime": 2, "ramptime": 1, "samples": 1, "max-stddev": 1000}"#;

/// Why this machine cannot run the test, if it cannot.
fn missing() -> Option<String> {
    for tool in ["fio", "qemu-nbd"] {
        if find_on_path(&[tool]).is_none() {
            return Some(format!(
                "{tool} is not on the PATH (apt-get install fio qemu-utils)"
            ));
        }
    }
    let engines = Command::new("fio").arg("--enghelp").output().ok()?;
    if !String::from_utf8_lossy(&engines.stdout)
        .lines()
        .any(|l| l.trim() == "nbd")
    {
        return Some("this fio has no nbd engine (fio --enghelp)".into());
    }
    reference::missing()
}

/// The fio-nbd work dirs and the processes naming them, right now.
fn leftovers() -> (BTreeSet<String>, BTreeSet<String>) {
    let dirs = std::fs::read_dir("/tmp")
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("runperf-nbd."))
        .collect();
    let processes = std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| std::fs::read(e.path().join("cmdline")).ok())
        .map(|c| String::from_utf8_lossy(&c).replace('\0', " "))
        .filter(|c| c.starts_with("qemu-nbd") && c.contains("/tmp/runperf-nbd."))
        .collect();
    (dirs, processes)
}

#[test]
fn fio_nbd_runs_under_localhost_cleans_up_and_both_compare_perfs_read_it() {
    if let Some(reason) = missing() {
        return tool_missing(&reason);
    }
    let before = leftovers();
    let bench = Bench::with_plugins(&["runperf_profile_localhost", "runperf_test_fio"]);
    let out = bench.run_localhost("run", PARAMS);
    assert_eq!(leftovers(), before, "qemu-nbd or its dir left behind");

    let result: serde_json::Value =
        serde_json::from_str(&read(&out.join("Localhost/fio-nbd/0000/result.json"))).unwrap();
    let iterations = result.as_array().unwrap();
    let names: Vec<&str> = iterations
        .iter()
        .filter_map(|i| i["iteration_name"].as_str())
        .collect();
    assert_eq!(names, ["read-4KiB", "randwrite-4KiB"]);
    for iteration in iterations {
        let iops = iteration["iteration_data"]["throughput"]["iops_sec"][0]["mean"]
            .as_f64()
            .unwrap();
        assert!(iops > 0.0, "{iteration:#}");
    }

    let (code, checks) = both_agree(&[&out, &out]);
    assert_eq!(code, Some(0), "{checks:#?}");
    let primary = "Localhost/fio-nbd/0000:./read-4KiB/throughput/iops_sec.mean";
    assert!(
        checks
            .iter()
            .any(|c| c.name == primary && c.status == "PASS"),
        "no passing {primary} in {checks:#?}"
    );
    assert!(checks.iter().all(|c| c.status == "PASS"), "{checks:#?}");
}
