//! `history-perf detect` through the real binary, on histories imported
//! from Otava CSV and on result trees.

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;

fn history(store: &Path, args: &[&str]) -> Output {
    Command::cargo_bin("history-perf")
        .unwrap()
        .arg("--store")
        .arg(store)
        .args(args)
        .env_remove("RUNPERF_HISTORY")
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A store of 60 builds: `tput` drops 8% from build 31, `flat` never
/// changes, and `last` (lower is better) jumps up in the newest build
/// when `last_jumps`.
fn store(dir: &Path, last_jumps: bool) -> PathBuf {
    let mut csv = String::from(
        "time,build,machine,tput/throughput/x.mean,flat/throughput/y.mean,last/latency/z.mean\n",
    );
    let mut seed = 11u64;
    let mut noise = || {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((seed >> 11) as f64 / (1u64 << 53) as f64 - 0.5) * 0.02
    };
    for build in 1..=60 {
        let tput = if build > 30 { 920.0 } else { 1000.0 } * (1.0 + noise());
        let flat = 50.0 * (1.0 + noise());
        let last = if last_jumps && build == 60 {
            15.0
        } else {
            10.0
        } * (1.0 + noise());
        csv.push_str(&format!(
            "2026-01-01T00:00:{build:02}Z,{build},m1,{tput},{flat},{last}\n"
        ));
    }
    let path = dir.join("h.csv");
    std::fs::write(&path, csv).unwrap();
    let store = dir.join(if last_jumps {
        "jump.sqlite"
    } else {
        "h.sqlite"
    });
    let out = history(
        &store,
        &["import", "--format", "otava-csv", path.to_str().unwrap()],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    store
}

#[test]
fn finds_the_step_in_both_modes_and_writes_json() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path(), false);
    let json = dir.path().join("d.json");
    let md = dir.path().join("d.md");
    let out = history(
        &store,
        &[
            "detect",
            "--json",
            json.to_str().unwrap(),
            "--markdown",
            md.to_str().unwrap(),
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("step regression tput/throughput/x.mean [machine=m1]"),
        "{stdout}"
    );
    assert!(stdout.contains("builds 30..31"), "{stdout}");
    assert!(
        stdout.contains("1 changes in 3 series of 60 builds (runperf)"),
        "{stdout}"
    );
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let change = &report["changes"][0];
    assert_eq!(change["first_bad"]["build"], "31");
    assert_eq!(change["last_good"]["order"], 30);
    assert_eq!(change["bisect"], "diff-perf -- TREE @30 @31");
    assert!(change["qvalue"].as_f64().unwrap() <= 0.05);
    assert!((change["change_pct"].as_f64().unwrap() + 8.0).abs() < 1.0);

    let md = std::fs::read_to_string(&md).unwrap();
    assert!(
        md.contains("| regression | step | tput/throughput/x.mean | machine=m1 |"),
        "{md}"
    );
    assert!(md.contains("| 30..31 |"), "{md}");

    let out = history(&store, &["detect", "--algorithm", "otava"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("step regression tput/throughput/x.mean"),
        "{stdout}"
    );
    assert!(stdout.contains("builds 30..31"), "{stdout}");
}

#[test]
fn a_regression_in_the_newest_build_fails() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path(), true);
    let out = history(&store, &["detect", "--check", "last/*"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("outlier regression last/latency/z.mean"),
        "{stdout}"
    );
    assert!(stdout.contains("builds 59..60"), "{stdout}");
    // Older than the latest build: not failing.
    let out = history(
        &store,
        &["detect", "--check", "last/*", "--fail-recent", "0"],
    );
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn bad_input_gets_a_message() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.sqlite");
    let out = history(&empty, &["detect"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("holds no builds"),
        "{}",
        text(&out.stderr)
    );
    let store = store(dir.path(), false);
    let out = history(&store, &["detect", "--min-segment", "1"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("--min-segment must be at least 2"),
        "{}",
        text(&out.stderr)
    );
    let out = history(&store, &["detect", "--since", "nope"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("--since nope: no such build"));
}

#[test]
fn trees_in_order_without_a_store() {
    let dir = tempfile::tempdir().unwrap();
    let upstream = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/upstream/results");
    let trees: Vec<String> = [
        "1_base/result_20200726_080654",
        "2_kernel_update/result_20200726_114437",
    ]
    .iter()
    .map(|t| upstream.join(t).display().to_string())
    .collect();
    let never = dir.path().join("never.sqlite");
    let mut args = vec!["detect", "--trees"];
    args.extend(trees.iter().map(String::as_str));
    let out = history(&never, &args);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("0 changes in") && stdout.contains("of 2 builds"),
        "{stdout}"
    );
    assert!(
        !stdout.contains(" 0 series too short"),
        "two builds are too short: {stdout}"
    );
    assert!(!never.exists(), "--trees must not create a store");
}
