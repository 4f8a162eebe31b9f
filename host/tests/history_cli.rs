//! history-perf through the real binary: adding trees (broken files
//! included), listing, series, show, remove, Otava CSV, concurrent adds,
//! a killed add, and bad stores.

mod support;

use std::path::{Path, PathBuf};
use std::process::Output;
use support::history::history;

use assert_cmd::Command;

fn upstream() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/upstream/results")
}

const BASE: &str = "1_base/result_20200726_080654";
const KERNEL: &str = "2_kernel_update/result_20200726_114437";
const LESS_CPUS: &str = "3_kernel_and_less_cpus/result_20200726_125851";

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn tree(name: &str) -> String {
    upstream().join(name).display().to_string()
}

#[test]
fn add_list_series_show_remove() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("h.sqlite");
    let out = history(
        &store,
        &["add", &format!("101:{}", tree(BASE)), &tree(KERNEL)],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("added build 101 (32 checks"), "{text}");
    let again = history(&store, &["add", &format!("101:{}", tree(BASE))]);
    assert!(again.status.success());
    assert!(
        stdout(&again).contains("build 101 unchanged"),
        "{}",
        stdout(&again)
    );
    let clash = history(&store, &["add", "--build", "101", &tree(KERNEL)]);
    assert_eq!(clash.status.code(), Some(1));
    assert!(stderr(&clash).contains("build 101 is already stored with different results"));

    let list = stdout(&history(&store, &["list"]));
    let lines: Vec<&str> = list.lines().collect();
    assert_eq!(lines.len(), 3, "{list}");
    assert!(lines[0].starts_with("BUILD  ORDER  MACHINE"), "{list}");
    assert!(lines[2].starts_with("101 "), "{list}");
    let last = stdout(&history(&store, &["list", "--last", "1"]));
    assert_eq!(last.lines().count(), 2, "{last}");

    let series = stdout(&history(
        &store,
        &["series", "Localhost/*read-4KiB*clat.mean"],
    ));
    assert_eq!(
        series,
        "     2 Localhost/fio/0000:./read-4KiB/latency/clat.mean\n"
    );
    let name = "Localhost/fio/0000:./read-4KiB/latency/clat.mean";
    let show = stdout(&history(&store, &["show", name]));
    assert!(show.contains("101    101    161927.333333333"), "{show}");
    let json: serde_json::Value =
        serde_json::from_slice(&history(&store, &["show", name, "--json"]).stdout).unwrap();
    assert_eq!(json["points"][1]["build"], "101");
    assert_eq!(json["points"][1]["value"], 161927.333333333);
    assert_eq!(
        json["points"][1]["samples"],
        serde_json::json!([161927.333333333])
    );
    let missing = history(&store, &["show", "no/such"]);
    assert_eq!(missing.status.code(), Some(1));

    let refused = history(&store, &["remove", "101"]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(stderr(&refused).contains("--yes"));
    assert!(
        history(&store, &["remove", "101", "--yes"])
            .status
            .success()
    );
    let unknown = history(&store, &["remove", "101", "--yes"]);
    assert_eq!(unknown.status.code(), Some(1));
    assert!(
        stderr(&unknown).contains("no build 101"),
        "{}",
        stderr(&unknown)
    );
    assert_eq!(stdout(&history(&store, &["list"])).lines().count(), 2);
}

#[test]
fn broken_files_become_the_error_checks_compare_perf_names() {
    let dir = tempfile::tempdir().unwrap();
    let result = dir.path().join("broken");
    let serial = result.join("Localhost/fio/0000");
    std::fs::create_dir_all(&serial).unwrap();
    std::fs::write(serial.join("result.json"), "[{\"iteration_name\": ").unwrap();
    std::fs::write(result.join("RUNPERF_METADATA"), "build:5\nmachine:m\n").unwrap();
    let store = dir.path().join("h.sqlite");
    let out = history(&store, &["add", result.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("not a valid pbench result"),
        "{}",
        stderr(&out)
    );
    let series = stdout(&history(&store, &["series"]));
    assert_eq!(
        series,
        "     1 Localhost/fio/0000:./ERROR/ERROR/ERROR.unreadable\n"
    );
}

#[test]
fn bad_stores_and_arguments_are_refused_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let out = history(Path::new("redis://u:pw@h/0"), &["list"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("unknown store URL scheme \"redis\""));
    assert!(!stderr(&out).contains("pw@"));
    let corrupt = dir.path().join("corrupt.sqlite");
    std::fs::write(
        &corrupt,
        "definitely not sqlite, but long enough to look like a file".repeat(100),
    )
    .unwrap();
    let out = history(&corrupt, &["list"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("not a runperf history store or damaged"),
        "{}",
        stderr(&out)
    );
    let store = dir.path().join("h.sqlite");
    let out = history(&store, &["add", "--build", "1", &tree(BASE), &tree(KERNEL)]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("one RESULT"), "{}", stderr(&out));
    let out = history(&store, &["add", "/no/such/result"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("does not exist"), "{}", stderr(&out));
}

#[test]
fn otava_csv_export_and_import() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("h.sqlite");
    for (id, name) in [("1", BASE), ("2", KERNEL), ("3", LESS_CPUS)] {
        let out = history(&store, &["add", "--build", id, &tree(name)]);
        assert!(out.status.success(), "{}", stderr(&out));
    }
    let csv = dir.path().join("h.csv");
    let out = history(
        &store,
        &[
            "export",
            "--format",
            "otava-csv",
            "-o",
            csv.to_str().unwrap(),
            "*.mean",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let text = std::fs::read_to_string(&csv).unwrap();
    let header = text.lines().next().unwrap();
    assert!(
        header.starts_with("time,build,machine,distro,Localhost/fio/"),
        "{header}"
    );
    assert!(
        header.split(',').skip(4).all(|c| c.ends_with(".mean")),
        "{header}"
    );
    assert_eq!(text.lines().count(), 4);
    // Into a fresh store and out again: the same file.
    let other = dir.path().join("other.sqlite");
    let out = history(
        &other,
        &["import", "--format", "otava-csv", csv.to_str().unwrap()],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let again = stdout(&history(&other, &["export", "--format", "otava-csv"]));
    let strip_time = |t: &str| -> Vec<String> {
        t.lines()
            .map(|l| l.split_once(',').map_or(l, |(_, rest)| rest).to_string())
            .collect()
    };
    assert_eq!(strip_time(&again), strip_time(&text));
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "time,build,x\nt,1,fast\n").unwrap();
    let out = history(
        &other,
        &["import", "--format", "otava-csv", bad.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("line 2: column \"x\": \"fast\" is not a number"));
}

#[test]
fn two_concurrent_adds_both_land() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("h.sqlite");
    let spawn = |id: &str, name: &str| {
        std::process::Command::new(assert_cmd::cargo::cargo_bin("history-perf"))
            .arg("--store")
            .arg(&store)
            .args(["add", "--build", id, &tree(name)])
            .output()
    };
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..6)
            .map(|i| {
                let name = [BASE, KERNEL, LESS_CPUS][i % 3];
                let spawn = &spawn;
                scope.spawn(move || spawn(&format!("c{i}"), name).unwrap())
            })
            .collect();
        for handle in handles {
            let out = handle.join().unwrap();
            assert!(out.status.success(), "{}", stderr(&out));
        }
    });
    let list = stdout(&history(&store, &["list"]));
    assert_eq!(list.lines().count(), 7, "{list}");
}

#[test]
fn a_killed_add_leaves_the_store_as_it_was_or_complete() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("h.sqlite");
    assert!(
        history(&store, &["add", "--build", "keep", &tree(BASE)])
            .status
            .success()
    );
    let before = stdout(&history(&store, &["list"]));
    for delay_ms in [0u64, 5, 20, 41, 80, 151] {
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("history-perf"))
            .arg("--store")
            .arg(&store)
            .args(["add", "--build", "killed", &tree(KERNEL)])
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        // Ctrl-C (SIGINT) and SIGKILL in turn.
        let signal = if delay_ms % 2 == 0 {
            libc::SIGINT
        } else {
            libc::SIGKILL
        };
        unsafe { libc::kill(child.id() as i32, signal) };
        child.wait().unwrap();
        let list = stdout(&history(&store, &["list"]));
        if list.contains("killed") {
            // It finished before the kill: complete, then removed again.
            assert!(
                list.lines()
                    .any(|l| l.starts_with("killed ") && l.ends_with(" 16")),
                "{list}"
            );
            assert!(
                history(&store, &["remove", "killed", "--yes"])
                    .status
                    .success()
            );
        } else {
            assert_eq!(list, before, "after a kill at {delay_ms} ms");
        }
        let conn = rusqlite::Connection::open(&store).unwrap();
        let check: String = conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(check, "ok");
        let orphans: i64 = conn
            .query_row(
                "SELECT COUNT(*) FROM checks WHERE build NOT IN (SELECT pk FROM builds)",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(orphans, 0);
    }
}

#[test]
fn the_default_store_is_in_the_data_dir_and_shown_at_v() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::cargo_bin("history-perf")
        .unwrap()
        .env_remove("RUNPERF_HISTORY")
        .env("XDG_DATA_HOME", dir.path())
        .args(["-v", "add", &tree(BASE)])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let path = dir.path().join("runperf/history.sqlite");
    assert!(path.exists());
    assert!(
        stderr(&out).contains(&format!(
            "History store: sqlite:{} (the default)",
            path.display()
        )),
        "{}",
        stderr(&out)
    );
}
