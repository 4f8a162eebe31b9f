//! analyze-perf through the real binary: the reference's own expectations
//! (models, CSV, rebase) and bad input.

use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::str::contains;

fn results() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/upstream/results")
}

const BASE: [&str; 5] = [
    "result_20200726_080654",
    "result_20200726_091827",
    "result_20200726_092842",
    "result_20200726_093220",
    "result_20200726_093657",
];

fn analyze() -> Command {
    Command::cargo_bin("analyze-perf").unwrap()
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|err| panic!("{}: {err}", path.display()))
}

#[test]
fn reproduces_the_reference_models_and_csv() {
    let out = tempfile::tempdir().unwrap();
    let (linear, stddev, csv) = (
        out.path().join("linear.json"),
        out.path().join("stddev.json"),
        out.path().join("data.csv"),
    );
    let mut cmd = analyze();
    cmd.arg("-l")
        .arg(&linear)
        .arg("-s")
        .arg(&stddev)
        .arg("-c")
        .arg(&csv)
        .arg("--");
    for name in BASE {
        cmd.arg(results().join("1_base").join(name));
    }
    cmd.assert().success();
    assert_eq!(
        read(&linear),
        read(&results().join("1_base/linear_model.json"))
    );
    assert_eq!(
        read(&stddev),
        read(&results().join("1_base/stddev_model.json"))
    );
    assert_eq!(read(&csv), read(&results().join("data.csv")));
}

#[test]
fn rebase_reproduces_the_reference_model() {
    let out = tempfile::tempdir().unwrap();
    let rebased = out.path().join("rebased.json");
    analyze()
        .arg("-s")
        .arg(&rebased)
        .arg("--rebase-model")
        .arg(results().join("1_base/stddev_model.json"))
        .arg("--")
        .arg(results().join("2_kernel_update/result_20200726_114437"))
        .assert()
        .success();
    assert_eq!(
        read(&rebased),
        read(&results().join("2_kernel_update/rebased_model.json"))
    );
}

#[test]
fn bad_results_from_the_reference_do_not_crash_and_errors_are_not_modelled() {
    let out = tempfile::tempdir().unwrap();
    let (linear, csv) = (out.path().join("l.json"), out.path().join("d.csv"));
    let mut cmd = analyze();
    cmd.arg("-l").arg(&linear).arg("-c").arg(&csv).arg("--");
    for name in [
        "result_20200726_091827",
        "result_20200726_114437",
        "result_three_bad",
        "result_two_bad",
    ] {
        cmd.arg(results().join("9_bad").join(name));
    }
    cmd.assert().success();
    let model = read(&linear);
    assert!(model.contains("\"version\": 2"));
    assert!(!model.contains("ERROR/ERROR/ERROR.error"));
    // Error checks are primary: the CSV lists them with their exception text.
    assert!(read(&csv).contains("Localhost/fio/1:./ERROR/ERROR/ERROR.error,"));
}

#[test]
fn a_given_tolerance_is_written_as_a_float() {
    let out = tempfile::tempdir().unwrap();
    let linear = out.path().join("l.json");
    analyze()
        .args(["-t", "5", "-l"])
        .arg(&linear)
        .arg(results().join("1_base").join(BASE[0]))
        .assert()
        .success();
    assert!(read(&linear).contains("\"tolerance\": 5.0"));
}

#[test]
fn a_missing_result_is_an_error_naming_it() {
    let out = tempfile::tempdir().unwrap();
    let csv = out.path().join("d.csv");
    analyze()
        .arg("-c")
        .arg(&csv)
        .arg(out.path().join("no_such_result"))
        .assert()
        .code(1)
        .stderr(contains("no_such_result"));
    assert!(!csv.exists(), "nothing is written when an input is bad");
}

#[test]
fn a_corrupt_result_json_is_left_out_and_named() {
    let tree = tempfile::tempdir().unwrap();
    let good = results()
        .join("1_base")
        .join(BASE[0])
        .join("Localhost/fio/0000/result.json");
    let run = tree.path().join("r1/P/fio");
    fs::create_dir_all(run.join("0000")).unwrap();
    fs::create_dir_all(run.join("0001")).unwrap();
    fs::copy(&good, run.join("0000/result.json")).unwrap();
    fs::write(run.join("0001/result.json"), "[{\"iteration_name\": ").unwrap();
    let linear = tree.path().join("l.json");
    analyze()
        .arg("-l")
        .arg(&linear)
        .arg(tree.path().join("r1"))
        .assert()
        .success()
        .stderr(contains("0001/result.json"));
    let model = read(&linear);
    assert!(model.contains("P/fio/0000:./read-4KiB/throughput/iops_sec.mean"));
    assert!(!model.contains("P/fio/0001"));
}

#[test]
fn a_corrupt_model_to_rebase_is_an_error_naming_it() {
    let out = tempfile::tempdir().unwrap();
    let model = out.path().join("model.json");
    fs::write(&model, "{\"__metadata__\": ").unwrap();
    analyze()
        .arg("-c")
        .arg(out.path().join("data.csv"))
        .arg("-l")
        .arg(out.path().join("new.json"))
        .arg("--rebase-model")
        .arg(&model)
        .arg(results().join("1_base").join(BASE[0]))
        .assert()
        .code(1)
        .stderr(contains("model.json is not a run-perf model"));
    // Everything is computed before anything is written.
    assert!(!out.path().join("data.csv").exists());
    assert!(!out.path().join("new.json").exists());
}
