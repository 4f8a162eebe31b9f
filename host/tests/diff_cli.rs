//! diff-perf through the real binary: the exit codes the reference's own
//! selftests expect, and failures (always 255).

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::str::contains;

fn results() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/upstream/results")
}

fn base(i: usize) -> PathBuf {
    let names = [
        "result_20200726_080654",
        "result_20200726_091827",
        "result_20200726_092842",
        "result_20200726_093220",
        "result_20200726_093657",
    ];
    results().join("1_base").join(names[i])
}

fn bad(name: &str) -> PathBuf {
    results().join("9_bad").join(name)
}

fn diff() -> Command {
    Command::cargo_bin("diff-perf").unwrap()
}

#[test]
fn full_set_picks_the_third() {
    diff().arg("--").args((0..5).map(base)).assert().code(2);
}

#[test]
fn groups_come_after_the_results() {
    // -g [0 1 2] -g [4] -- 0 2 3: candidates are 2, 3, g[0 1 2], g[4].
    diff()
        .arg("-g")
        .args([base(0), base(1), base(2)])
        .arg("-g")
        .arg(base(4))
        .arg("--")
        .args([base(0), base(2), base(3)])
        .assert()
        .code(2);
}

#[test]
fn broken_stddevs_and_missing_tests_do_not_crash() {
    diff()
        .arg("--")
        .args([
            base(0),
            bad("result_20200726_091827"),
            bad("result_20200726_114437"),
        ])
        .assert()
        .code(1);
}

#[test]
fn extra_results_do_not_affect_closeness() {
    diff()
        .arg("--")
        .args([
            bad("result_20200726_091827"),
            bad("result_three_bad"),
            bad("result_20200726_091827"),
        ])
        .assert()
        .code(0);
}

#[test]
fn error_results_are_compared_too() {
    diff()
        .arg("--")
        .args([
            bad("result_two_bad"),
            bad("result_three_bad"),
            bad("result_20200726_091827"),
            bad("result_two_bad"),
        ])
        .assert()
        .code(2);
}

#[test]
fn all_alike_returns_the_first() {
    diff()
        .arg("--")
        .args([base(0), base(0), base(0)])
        .assert()
        .code(0);
}

#[test]
fn fewer_than_two_candidates_is_a_failure() {
    diff()
        .arg("--")
        .args([base(0), base(1)])
        .assert()
        .code(255)
        .stderr(contains("at least one src and two dst"));
}

#[test]
fn a_missing_result_is_a_failure_naming_it() {
    diff()
        .arg("--")
        .args([base(0), base(1)])
        .arg("/no/such/result")
        .assert()
        .code(255)
        .stderr(contains("/no/such/result"));
}

#[test]
fn a_usage_error_is_a_failure_not_an_index() {
    diff().arg("--no-such-option").assert().code(255);
}

#[test]
fn a_corrupt_result_json_is_reported_and_the_rest_compared() {
    let tree = tempfile::tempdir().unwrap();
    let broken = tree.path().join("broken");
    let run = broken.join("Localhost/fio/0000");
    std::fs::create_dir_all(&run).unwrap();
    std::fs::write(run.join("result.json"), "[{\"iteration_name\": 3").unwrap();
    diff()
        .arg("--")
        .args([base(0), broken.clone(), base(0)])
        .assert()
        .code(1)
        .stderr(contains("result.json"));
}
