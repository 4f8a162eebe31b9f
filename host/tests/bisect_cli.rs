//! The bisect helper (`$(runperf-contrib-path)/bisect.sh`) driving a real
//! `git bisect run` over a small repository whose builds produce a
//! DummyTest-like result: builds 1-5 as fast as the canned result, builds
//! 6-8 at 60 % of it, build 4 broken (its "run-perf" fails, so it is
//! skipped). The bisection must name build 6.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use runperf_plugin_sdk::testing::{find_on_path, tool_missing};
use serde_json::Value;
use support::fixture_plugins::workspace;
use support::run_perf::{read, stderr};

/// The first slow build.
const PLANTED: usize = 6;
const BUILDS: usize = 8;
const BROKEN: usize = 4;

/// Stands in for run-perf: copies the build's `result/` (the cwd is the
/// repository) to `--output` and writes the `--metadata` items as
/// RUNPERF_METADATA; fails when the build has no result.
const FAKE_RUN_PERF: &str = r#"#!/bin/bash
out= meta=()
while [ $# -gt 0 ]; do
    case $1 in
        --output) out=$2; shift 2 ;;
        --metadata) shift; while [ $# -gt 0 ] && [[ $1 == *=* ]]; do meta+=("$1"); shift; done ;;
        *) shift ;;
    esac
done
[ -d result ] || { echo "this build does not run" >&2; exit 1; }
mkdir -p "$out" && cp -r result/. "$out/"
for m in "${meta[@]}"; do printf '%s\n' "${m/=/:}"; done >"$out/RUNPERF_METADATA"
"#;

fn git(repo: &Path, args: &[&str]) -> Output {
    let out = Command::new("git")
        .args(args)
        .current_dir(repo)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.invalid")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.invalid")
        .output()
        .unwrap();
    assert!(out.status.success(), "git {args:?}: {}", stderr(&out));
    out
}

/// Every `mean` and `value` under `value` multiplied by `factor`.
fn scale(value: &mut Value, factor: f64) {
    match value {
        Value::Object(map) => {
            for (key, item) in map.iter_mut() {
                match item.as_f64() {
                    Some(number) if key == "mean" || key == "value" => {
                        *item = serde_json::json!(number * factor);
                    }
                    _ => scale(item, factor),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|i| scale(i, factor)),
        _ => {}
    }
}

/// A repository of `BUILDS` commits; returns their hashes, oldest first.
fn repository(repo: &Path) -> Vec<String> {
    let canned: Value = serde_json::from_str(&read(
        &workspace().join("plugins/test-fio/assets/dummy-result.json"),
    ))
    .unwrap();
    std::fs::create_dir_all(repo).unwrap();
    git(repo, &["init", "-q"]);
    let dir = repo.join("result/Localhost/DummyTest/0000");
    (1..=BUILDS)
        .map(|build| {
            let _ = std::fs::remove_dir_all(repo.join("result"));
            if build != BROKEN {
                let speed = if build < PLANTED { 1.0 } else { 0.6 };
                let mut result = canned.clone();
                scale(&mut result, speed + build as f64 * 0.002);
                std::fs::create_dir_all(&dir).unwrap();
                std::fs::write(dir.join("result.json"), result.to_string()).unwrap();
            }
            std::fs::write(repo.join("build"), build.to_string()).unwrap();
            git(repo, &["add", "-A", "."]);
            git(repo, &["commit", "-q", "-m", &format!("build {build}")]);
            let head = git(repo, &["rev-parse", "HEAD"]);
            String::from_utf8_lossy(&head.stdout).trim().to_owned()
        })
        .collect()
}

/// Writes the script `text` as the executable `dir/name`; returns its path.
fn executable(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    path.to_string_lossy().into_owned()
}

fn bin(name: &str) -> PathBuf {
    assert_cmd::cargo::cargo_bin(name)
}

/// `bisect.sh ARGS` in `dir` with our diff-perf and compare-perf, and
/// `TWO_OUT_OF_THREE` as `two_of_three` says.
fn bisect(helper: &Path, dir: &Path, two_of_three: bool, args: &[&str]) -> Output {
    helper_command(helper, dir, two_of_three)
        .args(args)
        .output()
        .unwrap()
}

fn helper_command(program: &Path, dir: &Path, two_of_three: bool) -> Command {
    let mut cmd = Command::new(program);
    cmd.current_dir(dir)
        .env("DIFFPERF", bin("diff-perf"))
        .env("COMPAREPERF", bin("compare-perf"))
        .env("TWO_OUT_OF_THREE", if two_of_three { "true" } else { "" });
    cmd
}

/// Why this machine cannot run the bisection, if it cannot.
fn missing() -> Option<String> {
    ["git", "bash"]
        .into_iter()
        .find(|t| find_on_path(&[t]).is_none())
        .map(|t| format!("{t} is not on the PATH (apt-get install {t})"))
}

#[test]
fn git_bisect_run_with_the_helper_finds_the_planted_commit() {
    if let Some(reason) = missing() {
        return tool_missing(&reason);
    }
    let checked = bisection(false);
    assert!(
        !checked.is_empty() && checked.len() < BUILDS - 2,
        "{checked:?}"
    );
}

#[test]
fn two_out_of_three_runs_each_build_twice_and_finds_it_too() {
    if let Some(reason) = missing() {
        return tool_missing(&reason);
    }
    let checked = bisection(true);
    assert!(
        checked.len() >= 4 && checked.len().is_multiple_of(2),
        "{checked:?}"
    );
}

/// The whole bisection; returns the names of the checked results kept.
fn bisection(two_of_three: bool) -> Vec<String> {
    let contrib = Command::new(bin("runperf-contrib-path")).output().unwrap();
    assert!(contrib.status.success(), "{}", stderr(&contrib));
    let helper = PathBuf::from(String::from_utf8_lossy(&contrib.stdout).trim()).join("bisect.sh");
    assert!(helper.is_file(), "{}", helper.display());

    let tmp = tempfile::tempdir().unwrap();
    let fake = executable(tmp.path(), "fake-run-perf", FAKE_RUN_PERF);
    let fake = fake.as_str();
    let repo = tmp.path().join("repo");
    let builds = repository(&repo);
    let cmd = [fake, "--profiles", "Localhost", "--", "DummyTest"];
    let helper_in_repo = |args: &[&str]| bisect(&helper, &repo, two_of_three, args);

    // Nothing to compare against yet: a failure, not a verdict.
    let o = helper_in_repo(&[&["check", "x"], &cmd[..]].concat());
    assert_eq!(o.status.code(), Some(255), "{}", stderr(&o));
    assert!(stderr(&o).contains("no good result"), "{}", stderr(&o));

    for (name, sha) in [("good", &builds[0]), ("bad", &builds[BUILDS - 1])] {
        git(&repo, &["checkout", "-q", sha]);
        let o = helper_in_repo(&[&[name, sha.as_str()], &cmd[..]].concat());
        assert!(o.status.success(), "{name}: {}", stderr(&o));
        assert_eq!(
            repo.join(format!(".diff-perf/{name}2")).exists(),
            two_of_three
        );
    }
    let metadata = read(&repo.join(".diff-perf/good/RUNPERF_METADATA"));
    assert_eq!(
        metadata,
        format!("build:{}\nurl:{}\n", &builds[0][..3], builds[0])
    );

    git(&repo, &["bisect", "start", &builds[BUILDS - 1], &builds[0]]);
    let script = r#"exec "$0" check "$(git rev-parse HEAD)" "$@""#;
    let run = helper_command(Path::new("git"), &repo, two_of_three)
        .args(["bisect", "run", "sh", "-c", script])
        .arg(&helper)
        .args(cmd)
        .output()
        .unwrap();
    let log = format!("{}\n{}", String::from_utf8_lossy(&run.stdout), stderr(&run));
    assert!(run.status.success(), "{log}");
    assert!(
        log.contains(&format!("{} is the first bad commit", builds[PLANTED - 1])),
        "expected build {PLANTED} ({}):\n{log}",
        builds[PLANTED - 1]
    );
    // The broken build was tried and skipped.
    assert!(log.contains("skipping this build"), "{log}");
    git(&repo, &["bisect", "reset"]);
    let mut checked: Vec<String> = std::fs::read_dir(repo.join(".diff-perf"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(|c: char| c.is_ascii_digit()))
        .collect();
    checked.sort();
    eprintln!("bisect kept {} checked results: {checked:?}", checked.len());

    let o = helper_in_repo(&["report"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let report = repo.join(String::from_utf8_lossy(&o.stdout).trim());
    assert!(read(&report).contains("<html"), "{}", report.display());

    let o = helper_in_repo(&["clean"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!repo.join(".diff-perf").exists());
    checked
}

#[test]
fn a_failing_run_skips_the_build_and_bad_usage_fails() {
    if find_on_path(&["bash"]).is_none() {
        return tool_missing("bash is not on the PATH");
    }
    let helper = workspace().join("contrib/bisect.sh");
    let tmp = tempfile::tempdir().unwrap();
    let o = bisect(&helper, tmp.path(), false, &["good", "n", "false"]);
    assert_eq!(o.status.code(), Some(125), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("false --metadata build=n url=n --output .diff-perf/current-result")
    );
    for args in [&["frobnicate"][..], &["check", "n"], &[]] {
        let o = bisect(&helper, tmp.path(), false, args);
        assert_eq!(o.status.code(), Some(255), "{args:?}: {}", stderr(&o));
    }
    let o = Command::new(&helper)
        .args(["good", "n", "true"])
        .current_dir(tmp.path())
        .env("DIFFDIR", "")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(255), "{}", stderr(&o));
}

/// Stands in for a jittery run-perf: odd runs copy `fast/`, even runs
/// `slow/` (counted in `count`, all in the cwd).
const JITTERY_RUN_PERF: &str = r#"#!/bin/bash
n=$(( $(cat count 2>/dev/null || echo 0) + 1 )); echo $n >count
while [ $# -gt 0 ]; do [ "$1" = --output ] && out=$2; shift; done
src=slow; [ $((n % 2)) = 1 ] && src=fast
mkdir -p "$out" && cp -r "$src/." "$out/"
"#;

#[test]
fn two_out_of_three_lets_a_third_run_decide_when_two_disagree() {
    if find_on_path(&["bash"]).is_none() {
        return tool_missing("bash is not on the PATH");
    }
    let helper = workspace().join("contrib/bisect.sh");
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let canned: Value = serde_json::from_str(&read(
        &workspace().join("plugins/test-fio/assets/dummy-result.json"),
    ))
    .unwrap();
    for (name, speed) in [("fast", 1.0), ("slow", 0.6)] {
        let mut result = canned.clone();
        scale(&mut result, speed);
        let tree = dir.join(name).join("Localhost/DummyTest/0000");
        std::fs::create_dir_all(&tree).unwrap();
        std::fs::write(tree.join("result.json"), result.to_string()).unwrap();
    }
    let fake = executable(dir, "jittery", JITTERY_RUN_PERF);
    let fake = fake.as_str();
    for name in ["good", "bad"] {
        let o = bisect(&helper, dir, false, &[name, name, fake]);
        assert!(o.status.success(), "{name}: {}", stderr(&o));
    }
    // Runs 3, 4 and 5: fast, slow, fast.
    let o = bisect(&helper, dir, true, &["check", "c", fake]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("runs disagree (0, 1, 0)"),
        "{}",
        stderr(&o)
    );
    for kept in ["1g", "2g", "3g"] {
        assert!(dir.join(".diff-perf").join(kept).is_dir(), "{kept}");
    }
    assert_eq!(read(&dir.join("count")).trim(), "5");
}
