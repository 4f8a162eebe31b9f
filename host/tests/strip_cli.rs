//! strip-run-perf through the real binary: byte-compatible output with the
//! reference, the optional parts, and bad input.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::str::contains;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures")
}

fn strip_cmd() -> Command {
    Command::cargo_bin("strip-run-perf").unwrap()
}

/// Every file below `root`, by relative path, with its content.
fn files(root: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                out.insert(rel, fs::read(&path).unwrap());
            }
        }
    }
    out
}

fn write(path: &Path, text: &str) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

const RESULT: &str = r#"[{"iteration_name": "read-4KiB", "iteration_data": {
    "parameters": {"benchmark": [{"primary_metric": "iops_sec"}]},
    "throughput": {"iops_sec": [{"client_hostname": "all", "mean": 10.5, "stddevpct": 1,
                                 "samples": [{"value": 1}]}]}}}]"#;

#[test]
fn writes_the_same_bytes_as_the_reference() {
    let out = tempfile::tempdir().unwrap();
    let dst = out.path().join("stripped");
    strip_cmd()
        .arg(fixtures().join("upstream/results/9_bad/result_three_bad"))
        .arg(&dst)
        .assert()
        .success();
    let expected = files(&fixtures().join("stripped-by-reference/result_three_bad"));
    let actual = files(&dst);
    assert_eq!(
        actual.keys().collect::<Vec<_>>(),
        expected.keys().collect::<Vec<_>>()
    );
    for (name, content) in &expected {
        assert!(
            actual[name] == *content,
            "{name} differs from the reference output"
        );
    }
}

#[test]
fn sysinfo_and_incorrect_runs_only_on_request() {
    let tree = tempfile::tempdir().unwrap();
    let src = tree.path().join("result");
    write(&src.join("RUNPERF_METADATA"), "distro:Fedora\n");
    write(&src.join("__sysinfo_before__/uname"), "Linux\n");
    write(&src.join("P/__sysinfo__/lscpu"), "cpus\n");
    write(&src.join("P/T/0000/result.json"), RESULT);
    write(&src.join("P/T/0000/RUNPERF_METADATA.json"), "{}");
    write(&src.join("P/T/tmpab12/result.json"), RESULT);

    let plain = tree.path().join("plain");
    strip_cmd().arg(&src).arg(&plain).assert().success();
    let plain_files = files(&plain);
    assert_eq!(
        plain_files.keys().collect::<Vec<_>>(),
        [
            "P/T/0000/RUNPERF_METADATA.json",
            "P/T/0000/result.json",
            "RUNPERF_METADATA"
        ]
    );
    let stripped = String::from_utf8(plain_files["P/T/0000/result.json"].clone()).unwrap();
    assert_eq!(
        stripped,
        r#"[{"iteration_name": "read-4KiB", "iteration_data": {"parameters": {"benchmark": [{"primary_metric": "iops_sec"}]}, "throughput": {"iops_sec": [{"client_hostname": "all", "mean": 10.5, "stddevpct": 1}]}}}]"#
    );

    let full = tree.path().join("full");
    strip_cmd()
        .args(["-i", "-s"])
        .arg(&src)
        .arg(&full)
        .assert()
        .success();
    let full_files = files(&full);
    for name in [
        "__sysinfo_before__/uname",
        "P/__sysinfo__/lscpu",
        "P/T/tmpab12/result.json",
    ] {
        assert!(full_files.contains_key(name), "{name} missing with -i -s");
    }
}

#[test]
fn a_corrupt_result_is_reported_and_the_rest_is_stripped() {
    let tree = tempfile::tempdir().unwrap();
    let src = tree.path().join("result");
    write(&src.join("P/T/0000/result.json"), RESULT);
    write(
        &src.join("P/T/0001/result.json"),
        r#"[{"iteration_name": "x", "iter"#,
    );
    let dst = tree.path().join("out");
    strip_cmd()
        .arg(&src)
        .arg(&dst)
        .assert()
        .code(1)
        .stderr(contains("P/T/0001/result.json"))
        .stderr(contains("not a valid result.json"));
    assert!(dst.join("P/T/0000/result.json").is_file());
    assert!(!dst.join("P/T/0001/result.json").exists());
}

#[test]
fn a_missing_source_is_a_clear_error() {
    let tree = tempfile::tempdir().unwrap();
    strip_cmd()
        .arg(tree.path().join("nope"))
        .arg(tree.path().join("out"))
        .assert()
        .code(1)
        .stderr(contains("nope is not a run-perf result directory"));
}

#[cfg(unix)]
#[test]
fn never_writes_through_a_symlink_in_the_destination() {
    let tree = tempfile::tempdir().unwrap();
    let src = tree.path().join("result");
    write(&src.join("P/T/0000/result.json"), RESULT);
    let outside = tree.path().join("outside");
    fs::create_dir(&outside).unwrap();
    let dst = tree.path().join("out");
    fs::create_dir(&dst).unwrap();
    std::os::unix::fs::symlink(&outside, dst.join("P")).unwrap();
    strip_cmd()
        .arg(&src)
        .arg(&dst)
        .assert()
        .code(1)
        .stderr(contains("refusing to write through the symlink"));
    assert!(fs::read_dir(&outside).unwrap().next().is_none());
}

#[test]
fn stripped_results_give_the_same_checks_as_the_originals() {
    let upstream = fixtures().join("upstream/results");
    let originals: Vec<PathBuf> = [
        "1_base/result_20200726_080654",
        "1_base/result_20200726_091827",
        "9_bad/result_three_bad",
        "3_kernel_and_less_cpus/result_20200726_125851",
    ]
    .iter()
    .map(|rel| upstream.join(rel))
    .collect();
    let out = tempfile::tempdir().unwrap();
    let mut stripped = Vec::new();
    for original in &originals {
        let dst = out
            .path()
            .join("stripped")
            .join(original.file_name().unwrap());
        strip_cmd().arg(original).arg(&dst).assert().success();
        stripped.push(dst);
    }
    // analyze-perf dumps every check value (CSV) and every model number.
    let analyze = |inputs: &[PathBuf], tag: &str| -> (String, String) {
        let csv = out.path().join(format!("{tag}.csv"));
        let model = out.path().join(format!("{tag}.json"));
        Command::cargo_bin("analyze-perf")
            .unwrap()
            .arg("-c")
            .arg(&csv)
            .arg("-s")
            .arg(&model)
            .args(inputs)
            .assert()
            .success();
        (
            fs::read_to_string(csv).unwrap(),
            fs::read_to_string(model).unwrap(),
        )
    };
    let before = analyze(&originals, "original");
    let after = analyze(&stripped, "stripped");
    assert!(before.0.lines().count() > 10);
    assert_eq!(before, after);
}
