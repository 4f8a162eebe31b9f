//! compare-perf through the real binary: the reference's own expectations
//! on its selftest results, exit codes, reports and bad input.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

fn upstream() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/upstream/results")
}

/// The five results of the reference's `test_full_and_stripped`.
const SELFTEST_RESULTS: [&str; 5] = [
    "1_base/result_20200726_080654",
    "1_base/result_20200726_112748",
    "2_kernel_update/result_20200726_114437",
    "3_kernel_and_less_cpus/result_20200726_125851",
    "4_kernel_and_less_cpus_and_different_duration/result_20200726_130256",
];

fn compare_perf() -> Command {
    Command::cargo_bin("compare-perf").unwrap()
}

fn filtered_timestamp(xunit: &str) -> String {
    let start = xunit.find("timestamp=\"").unwrap() + "timestamp=\"".len();
    let end = start + xunit[start..].find('"').unwrap();
    format!("{}FILTERED{}", &xunit[..start], &xunit[end..])
}

/// Runs the reference selftest's comparison over `base` and checks exit
/// code 2 and the reference's xunit byte for byte.
fn selftest_comparison(base: &Path) {
    let tmp = tempfile::tempdir().unwrap();
    let xunit = tmp.path().join("result.xunit");
    let mut cmd = compare_perf();
    cmd.current_dir(base).args([
        "--tolerance",
        "5",
        "--stddev-tolerance",
        "10",
        "--model-linear-regression",
        "1_base/linear_model.json",
        "--model-builds-average",
        "1",
        "--n-out-of-results",
        "1",
        "--xunit",
    ]);
    cmd.arg(&xunit).arg("--").args(SELFTEST_RESULTS);
    cmd.assert().code(2);
    let expected = std::fs::read_to_string(upstream().join("result.xunit")).unwrap();
    let actual = std::fs::read_to_string(&xunit).unwrap();
    assert_eq!(filtered_timestamp(&actual), expected);
}

#[test]
fn reproduces_the_reference_selftest_xunit() {
    selftest_comparison(&upstream());
}

/// Keeps only what strip-run-perf keeps of a result.json.
fn strip(value: &Value) -> Value {
    let iterations = value.as_array().unwrap().iter().map(|iteration| {
        let data = &iteration["iteration_data"];
        let mut out = serde_json::json!({
            "iteration_name": iteration["iteration_name"],
            "iteration_data": {"parameters": data["parameters"]},
        });
        for workflow in ["throughput", "latency"] {
            if let Some(types) = data.get(workflow).and_then(Value::as_object) {
                let stripped: serde_json::Map<String, Value> = types
                    .iter()
                    .map(|(name, clients)| {
                        let clients: Vec<Value> = clients
                            .as_array()
                            .unwrap()
                            .iter()
                            .map(|c| {
                                serde_json::json!({
                                    "client_hostname": c["client_hostname"],
                                    "mean": c["mean"],
                                    "stddevpct": c["stddevpct"],
                                })
                            })
                            .collect();
                        (name.clone(), Value::Array(clients))
                    })
                    .collect();
                out["iteration_data"][workflow] = Value::Object(stripped);
            }
        }
        out
    });
    Value::Array(iterations.collect())
}

fn copy_stripped(src: &Path, dst: &Path) {
    std::fs::create_dir_all(dst).unwrap();
    for entry in std::fs::read_dir(src).unwrap() {
        let entry = entry.unwrap();
        let target = dst.join(entry.file_name());
        if entry.path().is_dir() {
            copy_stripped(&entry.path(), &target);
        } else if entry.file_name() == "result.json" {
            let value: Value =
                serde_json::from_slice(&std::fs::read(entry.path()).unwrap()).unwrap();
            std::fs::write(&target, serde_json::to_vec(&strip(&value)).unwrap()).unwrap();
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

#[test]
fn stripped_results_give_the_same_verdicts() {
    let tmp = tempfile::tempdir().unwrap();
    for result in SELFTEST_RESULTS {
        copy_stripped(&upstream().join(result), &tmp.path().join(result));
    }
    std::fs::copy(
        upstream().join("1_base/linear_model.json"),
        tmp.path().join("1_base/linear_model.json"),
    )
    .unwrap();
    selftest_comparison(tmp.path());
}

#[test]
fn per_check_lines_on_stderr_gated_by_verbosity() {
    let run = |verbose: bool| {
        let mut cmd = compare_perf();
        cmd.current_dir(upstream());
        if verbose {
            cmd.arg("-v");
        }
        let out = cmd
            .args(["--", SELFTEST_RESULTS[0], SELFTEST_RESULTS[4]])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        assert!(out.stdout.is_empty());
        String::from_utf8(out.stderr).unwrap()
    };
    let quiet = run(false);
    assert!(!quiet.contains("PASS: "), "{quiet}");
    assert!(quiet.contains(
        "ERROR| ERR : Localhost2/fio/0000:./read-4KiB/throughput/iops_sec.mean -100.00 (ERROR  Not present in target results (-100) (0; -100) +-1% tolerance)"
    ));
    assert!(quiet.contains("primary/grouped/non-primary/all checks failed"));
    let verbose = run(true);
    assert!(verbose.contains("INFO | PASS: "), "{verbose}");
    assert!(verbose.contains("Per-result-id averages:"));
    assert!(verbose.contains("Minor losses"));
}

#[test]
fn named_results_and_self_comparison() {
    compare_perf()
        .current_dir(upstream())
        .args([
            "--",
            &format!("foo:{}", SELFTEST_RESULTS[0]),
            SELFTEST_RESULTS[4],
        ])
        .assert()
        .code(2);
    compare_perf()
        .current_dir(upstream())
        .args([SELFTEST_RESULTS[0], SELFTEST_RESULTS[0]])
        .assert()
        .code(0);
    // A single result is compared with itself.
    compare_perf()
        .current_dir(upstream())
        .arg(SELFTEST_RESULTS[1])
        .assert()
        .code(0);
}

#[test]
fn missing_paths_and_usage_errors_exit_1() {
    let out = compare_perf()
        .current_dir(upstream())
        .args(["--", SELFTEST_RESULTS[0], "/non/existing/location"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("/non/existing/location"), "{stderr}");
    compare_perf()
        .current_dir(upstream())
        .args(["--", SELFTEST_RESULTS[0], "foo:/non/existing/location"])
        .assert()
        .code(1);
    compare_perf().arg("--no-such-option").assert().code(1);
    compare_perf().assert().code(1);
    compare_perf()
        .current_dir(upstream())
        .args(["-l", "missing_model.json", "--", SELFTEST_RESULTS[0]])
        .assert()
        .code(1);
}

#[test]
fn nothing_compared_exits_3() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(tmp.path().join("a")).unwrap();
    std::fs::create_dir_all(tmp.path().join("b")).unwrap();
    compare_perf()
        .current_dir(tmp.path())
        .args(["a", "b"])
        .assert()
        .code(3);
}

fn result_json(mean: &str) -> String {
    format!(
        r#"[{{"iteration_name": "read", "iteration_data": {{"parameters": {{"benchmark": [{{"primary_metric": "iops"}}]}}, "throughput": {{"iops": [{{"client_hostname": "all", "mean": {mean}, "stddevpct": 1}}]}}}}}}]"#
    )
}

fn tree(root: &Path, name: &str, files: &[(&str, String)]) -> PathBuf {
    let dir = root.join(name);
    for (rel, content) in files {
        let path = dir.join(rel);
        std::fs::create_dir_all(&path).unwrap();
        std::fs::write(path.join("result.json"), content).unwrap();
    }
    dir
}

/// compare-perf `src` -> `dst`: exit code and stderr.
fn compare_trees(src: &Path, dst: &Path) -> (i32, String) {
    let out = compare_perf().arg(src).arg(dst).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn bad_input_is_an_err_check_naming_the_file_never_a_crash() {
    let tmp = tempfile::tempdir().unwrap();
    let good = vec![
        ("P/T/0000", result_json("100")),
        ("P/U/0000", result_json("50")),
    ];
    let src = tree(tmp.path(), "src", &good);
    let cases = [
        (
            "truncated",
            result_json("100")[..40].to_string(),
            "not a valid pbench result",
        ),
        ("string-mean", result_json(r#""100""#), "is a string"),
        ("nan", result_json("NaN"), "not a valid pbench result"),
        (
            "missing-key",
            r#"[{"iteration_data": {"parameters": {}}}]"#.to_string(),
            "iteration_name",
        ),
    ];
    for (name, content, message) in cases {
        let dst = tree(
            tmp.path(),
            name,
            &[("P/T/0000", content), ("P/U/0000", result_json("50"))],
        );
        let (code, stderr) = compare_trees(&src, &dst);
        assert_eq!(code, 2, "{name}: {stderr}");
        assert!(stderr.contains(message), "{name}: {stderr}");
        assert!(stderr.contains("P/T/0000/result.json"), "{name}: {stderr}");
        assert!(stderr.contains("ERR : P/T/0000:./"), "{name}: {stderr}");
        assert!(
            !stderr.contains("P/U/0000:./read"),
            "{name}: the good test must pass: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{name}: {stderr}");
    }
}

#[test]
fn zero_means_compare_as_equal() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tree(tmp.path(), "src", &[("P/T/0000", result_json("0"))]);
    let dst = tree(tmp.path(), "dst", &[("P/T/0000", result_json("12.5"))]);
    let (code, stderr) = compare_trees(&src, &dst);
    assert_eq!(code, 0, "{stderr}");
}

#[test]
fn json_markdown_and_html_data_reports() {
    let tmp = tempfile::tempdir().unwrap();
    let (json, markdown, html) = (
        tmp.path().join("r.json"),
        tmp.path().join("r.md"),
        tmp.path().join("r.html"),
    );
    let out = compare_perf()
        .current_dir(upstream())
        .args([
            "-t",
            "5",
            "-s",
            "10",
            "-l",
            "1_base/linear_model.json",
            "--json",
        ])
        .arg(&json)
        .arg("--markdown")
        .arg(&markdown)
        .arg("--html")
        .arg(&html)
        .arg("--")
        .args(SELFTEST_RESULTS)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(!String::from_utf8_lossy(&out.stderr).contains("HTML report lands in a later version"));
    let report: Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    assert_eq!(report["verdict"], "regression");
    assert_eq!(report["exit_code"], 2);
    let builds = report["builds"].as_array().unwrap();
    assert_eq!(builds.len(), 4);
    let target = &builds[3];
    assert_eq!(target["role"], "target");
    assert!(builds[0].get("checks").is_none());
    let checks = target["checks"].as_array().unwrap();
    assert_eq!(checks.len(), 32);
    let iops = checks
        .iter()
        .find(|c| c["name"] == "Localhost/fio/0000:./read-4KiB/throughput/iops_sec.mean")
        .unwrap();
    assert_eq!(iops["label"], "PASS");
    assert_eq!(iops["parts"][0]["label"], "model0");
    assert_eq!(iops["src"], 183743.169491525);
    assert!(
        iops["params"]["0"]
            .as_str()
            .unwrap()
            .contains("primary_metric:iops_sec")
    );
    assert_eq!(target["metadata"]["build"], "10");
    let html = std::fs::read_to_string(&html).unwrap();
    assert!(
        html.starts_with("<!DOCTYPE html>"),
        "{}",
        &html[..100.min(html.len())]
    );
    let markdown = std::fs::read_to_string(&markdown).unwrap();
    assert!(markdown.contains("Regression found"), "{markdown}");
    assert!(markdown.contains("### Worst regressions"), "{markdown}");
}

#[test]
fn json_alone_reports_the_same_reference_summaries_as_with_every_record_kept() {
    let tmp = tempfile::tempdir().unwrap();
    let report = |extra: &[&str], name: &str| -> Value {
        let json = tmp.path().join(name);
        compare_perf()
            .current_dir(upstream())
            .args(["-t", "5", "-s", "10", "-l", "1_base/linear_model.json"])
            .args(extra)
            .arg("--json")
            .arg(&json)
            .arg("--")
            .args(SELFTEST_RESULTS)
            .assert()
            .code(2);
        serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap()
    };
    // --html keeps the records of every build; alone, --json keeps only
    // the summaries of the references.
    let html = tmp.path().join("r.html");
    let with_records = report(&["--html", html.to_str().unwrap()], "all.json");
    let summaries_only = report(&[], "alone.json");
    assert_eq!(with_records, summaries_only);
    let builds = summaries_only["builds"].as_array().unwrap();
    assert_eq!(builds[1]["role"], "reference");
    assert!(builds[1]["summary"]["total"].is_object(), "{}", builds[1]);
}
