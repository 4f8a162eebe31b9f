//! Runs the real fio through the plugin (its rlib) with a host that runs
//! everything locally: tiny sizes, a temp dir target whose name is hostile
//! shell text, and checks of the written result.json and metadata.

use std::path::Path;

use pbench_support::testing::{local_host, schema::check_result_json};
use runperf_plugin_sdk::serde_json::{self, Value, json};
use runperf_plugin_sdk::testing::{ScriptedHost, test_context, tool_missing};
use runperf_plugin_sdk::{Test, TestRun};
use runperf_test_fio::Fio;

fn fio_installed() -> bool {
    std::process::Command::new("fio")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

fn run_fio(output: &Path, target: &Path, mut extra: Value) -> ScriptedHost {
    let host = local_host();
    extra["targets"] = json!(target.to_string_lossy());
    let mut test = Fio::new(&test_context(extra)).unwrap();
    let run = TestRun {
        host: "localhost".into(),
        profile: "Localhost".into(),
        workers: vec![vec!["localhost".into()]],
        output_dir: output.to_string_lossy().into_owned(),
        metadata: json!({"distro": "Debian-12", "build": "7"})
            .as_object()
            .cloned()
            .unwrap_or_default(),
        ..TestRun::default()
    };
    host.with(|h| {
        let result = test.setup(h, &run).and_then(|()| test.run(h, &run));
        test.cleanup(h, &run).unwrap();
        result.unwrap();
    });
    host
}

fn dirs() -> (tempfile::TempDir, std::path::PathBuf, std::path::PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let target = tmp.path().join("t $(touch pwned); 'q' \"d\"");
    std::fs::create_dir(&target).unwrap();
    let output = tmp.path().join("out");
    std::fs::create_dir(&output).unwrap();
    (tmp, target, output)
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn real_fio_writes_a_result_compare_perf_can_read() {
    if !fio_installed() {
        return tool_missing("fio is not installed (apt-get install -y fio)");
    }
    let (tmp, target, output) = dirs();
    let host = run_fio(
        &output,
        &target,
        json!({"test-types": "read", "block-sizes": "4,64", "file-size": "16M", "runtime": 2,
               "ramptime": "1", "samples": 2, "direct": 0, "ioengine": "psync", "iodepth": 1,
               "max-stddev": 1000}),
    );
    assert!(
        !tmp.path().join("pwned").exists() && !Path::new("pwned").exists(),
        "a param reached a shell"
    );

    let value = read_json(&output.join("result.json"));
    check_result_json(&value);
    // To feed the reference's compare-perf by hand (see the docs).
    if let Some(keep) = std::env::var_os("RUNPERF_KEEP_FIO_RESULT") {
        std::fs::create_dir_all(&keep).unwrap();
        for file in ["result.json", "RUNPERF_METADATA.json"] {
            std::fs::copy(output.join(file), Path::new(&keep).join(file)).unwrap();
        }
    }
    let names: Vec<&str> = value
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|i| i["iteration_name"].as_str())
        .collect();
    assert_eq!(names, ["read-4KiB", "read-64KiB"]);
    let first = &value[0]["iteration_data"];
    let all = &first["throughput"]["iops_sec"][1];
    assert_eq!(all["client_hostname"], "all");
    assert_eq!(all["samples"].as_array().map(Vec::len), Some(2));
    assert!(all["mean"].as_f64().unwrap() > 0.0);
    assert_eq!(
        first["throughput"]["iops_sec"][0]["client_hostname"],
        "localhost-1"
    );
    let bench = &first["parameters"]["benchmark"][0];
    assert_eq!(bench["bs"], "4k");
    assert_eq!(bench["size"], "16M");
    assert_eq!(bench["directory"], target.to_string_lossy().as_ref());
    assert_eq!(first["parameters"]["user"][0]["profile"], "Localhost");
    assert!(first["latency"]["clat"][1]["mean"].as_f64().unwrap() > 0.0);

    let meta = read_json(&output.join("RUNPERF_METADATA.json"));
    assert_eq!(meta["profile"], "Localhost");
    assert_eq!(meta["distro"], "Debian-12");
    assert_eq!(meta["build"], "7");
    assert!(
        meta["workers"]["0"]["localhost"]["kernel"]
            .as_str()
            .is_some_and(|k| !k.is_empty())
    );

    // The hostile target went to fio as one literal argument.
    let commands = host.commands();
    let literal = format!("--directory={}", target.to_string_lossy());
    assert!(commands.iter().any(
        |(_, c)| matches!(&c.line, runperf_plugin_sdk::CommandLine::Argv(a) if a.contains(&literal))
    ));
}

#[test]
fn too_variable_attempts_are_kept_as_failed_iterations() {
    if !fio_installed() {
        return tool_missing("fio is not installed (apt-get install -y fio)");
    }
    let (_tmp, target, output) = dirs();
    run_fio(
        &output,
        &target,
        json!({"type": "randread", "block-sizes": 4, "file-size": "16M", "runtime": 1, "ramptime": 0,
               "samples": 2, "direct": 0, "ioengine": "psync", "max-stddev": 0, "max-failures": 2}),
    );
    let value = read_json(&output.join("result.json"));
    let names: Vec<(&str, u64)> = value
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|i| {
            Some((
                i["iteration_name"].as_str()?,
                i["iteration_number"].as_u64()?,
            ))
        })
        .collect();
    assert_eq!(
        names,
        [("randread-4KiB-fail1", 1), ("randread-4KiB-fail2", 1)]
    );
    check_result_json(&value);
}
