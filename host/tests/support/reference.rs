//! The Python reference, runperf 1.2 from PyPI, as the tests run it, and
//! the per-check lines both implementations log with `-v`.
//!
//! Its `compare-perf` script has the same name as our binary, so it is not
//! looked up on the PATH: `python3 -c` runs what the script runs
//! (`ComparePerf()()`, whose argument parser names itself `compare-perf`).

use std::path::Path;
use std::process::{Command, Output};

use assert_cmd::cargo::CommandCargoExt;

use super::run_perf::stderr;

/// What the script installed by `pip install runperf==1.2` does.
const COMPARE_PERF: &str = "import sys\nfrom runperf import ComparePerf\nsys.exit(ComparePerf()())";

/// Why runperf 1.2 cannot be used from `python3`, if it cannot.
pub fn missing() -> Option<String> {
    let probe = Command::new("python3")
        .args([
            "-c",
            "import importlib.metadata as m; print(m.version('runperf'))",
        ])
        .output();
    let how = "install it with `python3 -m pip install runperf==1.2`";
    match probe {
        Err(err) => Some(format!("python3 cannot be started ({err}); {how}")),
        Ok(out) if !out.status.success() => Some(format!(
            "runperf (the Python reference) is not installed for python3; {how}"
        )),
        Ok(out) => {
            let version = String::from_utf8_lossy(&out.stdout).trim().to_owned();
            (version != "1.2").then(|| format!("python3 has runperf {version}, not 1.2; {how}"))
        }
    }
}

/// runperf 1.2's `compare-perf`, arguments to be added.
pub fn compare_perf() -> Command {
    let mut cmd = Command::new("python3");
    cmd.args(["-c", COMPARE_PERF]);
    cmd
}

/// One `PASS|FAIL|ERR : NAME SCORE (DETAILS)` line.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckLine {
    pub name: String,
    pub status: String,
    pub score: f64,
    /// The whole line, from the status on.
    pub text: String,
}

/// The check lines of a `compare-perf -v` stderr, sorted by name.
pub fn check_lines(stderr: &str) -> Vec<CheckLine> {
    let mut found: Vec<CheckLine> = stderr.lines().filter_map(check_line).collect();
    found.sort_by(|a, b| a.name.cmp(&b.name));
    found
}

fn check_line(line: &str) -> Option<CheckLine> {
    let (level, message) = line.split_once("| ")?;
    if !matches!(level, "INFO " | "ERROR") {
        return None;
    }
    let (status, rest) = message.split_once(": ")?;
    if !matches!(status, "PASS" | "FAIL" | "ERR ") {
        return None;
    }
    let mut words = rest.splitn(3, ' ');
    let name = words.next()?.to_owned();
    let score = words.next()?.parse().ok()?;
    words.next()?.starts_with('(').then(|| CheckLine {
        name,
        status: status.trim_end().to_owned(),
        score,
        text: message.to_owned(),
    })
}

/// Exit code and check lines of one compare-perf (`-v`) of `trees`.
fn compare(mut cmd: Command, trees: &[&Path]) -> (Option<i32>, Vec<CheckLine>, Output) {
    let out = cmd.arg("-v").args(trees).output().unwrap();
    (out.status.code(), check_lines(&stderr(&out)), out)
}

/// Our compare-perf and the reference's on `trees`: the same exit code and
/// the same checks with the same statuses and scores (to 0.01, as the
/// differential tests compare them). Returns the exit code and checks.
pub fn both_agree(trees: &[&Path]) -> (Option<i32>, Vec<CheckLine>) {
    let (ours, our_checks, our_out) = compare(Command::cargo_bin("compare-perf").unwrap(), trees);
    let (refs, ref_checks, ref_out) = compare(compare_perf(), trees);
    let context = format!(
        "ours:\n{}\nrunperf 1.2:\n{}",
        stderr(&our_out),
        stderr(&ref_out)
    );
    assert_eq!(ours, refs, "exit codes differ\n{context}");
    let names = |c: &[CheckLine]| c.iter().map(|l| l.name.clone()).collect::<Vec<_>>();
    assert_eq!(names(&our_checks), names(&ref_checks), "{context}");
    for (our, theirs) in our_checks.iter().zip(&ref_checks) {
        assert!(
            our.status == theirs.status && (our.score - theirs.score).abs() <= 0.01,
            "{our:?} against the reference's {theirs:?}\n{context}"
        );
    }
    let failing = our_checks.iter().filter(|c| c.status != "PASS").count();
    let identical = our_checks
        .iter()
        .zip(&ref_checks)
        .filter(|(o, r)| o.text == r.text)
        .count();
    eprintln!(
        "compare-perf {trees:?}: exit {ours:?} (ours) / {refs:?} (runperf 1.2); {} checks, \
         {failing} not PASS, same status and score in both, {identical} lines byte-identical",
        our_checks.len()
    );
    (ours, our_checks)
}
