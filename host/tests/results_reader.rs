//! The result-tree reader on the reference's own result trees and on
//! broken input built by the tests.

use std::path::{Path, PathBuf};

use runperf::results::{CheckValue, Parallelism, ResultParsers, ResultTree};

/// Only result.json is read: no result-parser plugin.
static NONE: ResultParsers = ResultParsers::none();

fn upstream(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/upstream/results")
        .join(rel)
}

#[test]
fn reads_the_checks_the_reference_reads() {
    let tree = ResultTree::load(&upstream("1_base/result_20200726_080654"), false, &NONE).unwrap();
    assert_eq!(tree.len(), 32);
    assert_eq!(tree.checks().iter().filter(|c| c.primary).count(), 8);
    let mean = tree
        .get("Localhost2/fio/0000:./read-4KiB/throughput/iops_sec.mean")
        .unwrap();
    assert_eq!(mean.value, CheckValue::Float(183743.169491525));
    assert!(mean.primary);
    let stddev = tree
        .get("Localhost2/fio/0000:./read-4KiB/throughput/iops_sec.stddev")
        .unwrap();
    assert_eq!(stddev.value, CheckValue::Int(0));
    let slat = tree
        .get("Localhost/fio/0000:./read-64KiB/latency/slat.mean")
        .unwrap();
    assert!(!slat.primary);
    assert_eq!(slat.value, CheckValue::Float(4992.15));
    assert!(
        mean.params
            .iter()
            .any(|(k, v)| k == "0" && v.contains("primary_metric:iops_sec"))
    );
    assert!(tree.problems().is_empty());
}

#[test]
fn error_dirs_become_primary_error_checks() {
    let tree = ResultTree::load(&upstream("9_bad/result_three_bad"), false, &NONE).unwrap();
    assert_eq!(tree.len(), 19);
    let error = tree
        .get("Localhost/fio/2:./ERROR/ERROR/ERROR.error")
        .unwrap();
    assert_eq!(error.value, CheckValue::Text("Some exc".into()));
    assert!(error.primary);
    let sorted: Vec<&str> = tree.sorted().keys().copied().collect();
    let mut expected = sorted.clone();
    expected.sort();
    assert_eq!(sorted, expected);
}

/// Writes `PROFILE/TEST/SERIAL/result.json` with `content` under `root`.
fn write_result(root: &Path, rel: &str, content: &str) {
    let dir = root.join(rel);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("result.json"), content).unwrap();
}

fn iteration(name: &str, mean: &str, hosts: &[&str]) -> String {
    let clients: Vec<String> = hosts
        .iter()
        .map(|h| {
            format!(
                r#"{{"client_hostname": "{h}", "mean": {mean}, "stddevpct": 1.5, "samples": [1, 2, {{"x": [3]}}]}}"#
            )
        })
        .collect();
    format!(
        r#"{{"iteration_name": "{name}", "iteration_data": {{"parameters": {{"benchmark": [{{"primary_metric": "iops"}}], "user": [{{"profile": "P", "big": [1,2,3]}}]}}, "throughput": {{"iops": [{}]}}}}}}"#,
        clients.join(",")
    )
}

#[test]
fn failed_iterations_and_incorrect_serials_only_when_asked() {
    let tmp = tempfile::tempdir().unwrap();
    let good = iteration("read", "10", &["all"]);
    let failed = iteration("read-fail1", "11", &["all"]);
    write_result(tmp.path(), "P/T/0000", &format!("[{good}, {failed}]"));
    write_result(tmp.path(), "P/T/tmpabc", &format!("[{good}]"));
    let strict = ResultTree::load(tmp.path(), false, &NONE).unwrap();
    let names: Vec<&str> = strict.checks().iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "P/T/0000:./read/throughput/iops.mean",
            "P/T/0000:./read/throughput/iops.stddev"
        ]
    );
    let all = ResultTree::load(tmp.path(), true, &NONE).unwrap();
    assert_eq!(all.len(), 6);
    assert!(
        all.get("P/T/0000:./read-fail1/throughput/iops.mean")
            .is_some()
    );
    assert!(all.get("P/T/tmpabc:./read/throughput/iops.mean").is_some());
}

#[test]
fn missing_all_client_is_skipped_and_reported() {
    let tmp = tempfile::tempdir().unwrap();
    write_result(
        tmp.path(),
        "P/T/0000",
        &format!("[{}]", iteration("read", "1", &["host1"])),
    );
    let tree = ResultTree::load(tmp.path(), false, &NONE).unwrap();
    assert!(tree.is_empty());
    assert_eq!(tree.problems().len(), 1);
    assert!(
        tree.problems()[0]
            .to_string()
            .contains("client_hostname==all")
    );
}

#[test]
fn bad_values_become_broken_checks_naming_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    write_result(
        tmp.path(),
        "P/T/0000",
        &format!("[{}]", iteration("read", r#""fast""#, &["all"])),
    );
    write_result(
        tmp.path(),
        "P/T/0001",
        r#"[{"iteration_name": "x", "iteration_data": {"parameters": {}, "throughput": {"iops": [{"client_hostname": "all", "mean": 1}]}}}]"#,
    );
    let tree = ResultTree::load(tmp.path(), false, &NONE).unwrap();
    let mean = tree.get("P/T/0000:./read/throughput/iops.mean").unwrap();
    match &mean.value {
        CheckValue::Broken(why) => {
            assert!(why.contains("result.json"), "{why}");
            assert!(why.contains("string"), "{why}");
        }
        other => panic!("expected broken, got {other:?}"),
    }
    let stddev = tree.get("P/T/0000:./read/throughput/iops.stddev").unwrap();
    assert_eq!(stddev.value, CheckValue::Float(1.5));
    let missing = tree.get("P/T/0001:./x/throughput/iops.stddev").unwrap();
    assert!(matches!(&missing.value, CheckValue::Broken(why) if why.contains("missing")));
    assert_eq!(
        tree.get("P/T/0001:./x/throughput/iops.mean").unwrap().value,
        CheckValue::Int(1)
    );
    assert_eq!(tree.problems().len(), 2);
}

#[test]
fn corrupt_files_become_one_unreadable_check() {
    let tmp = tempfile::tempdir().unwrap();
    let good = iteration("read", "10", &["all"]);
    write_result(tmp.path(), "P/T/0000", &format!("[{good}, {good}")); // truncated
    write_result(
        tmp.path(),
        "P/T/0001",
        &format!("[{}]", iteration("read", "NaN", &["all"])),
    );
    write_result(tmp.path(), "P/T/0002", r#"[{"iteration_data": {}}]"#); // missing keys
    write_result(tmp.path(), "P/U/0000", &format!("[{good}]"));
    let tree = ResultTree::load(tmp.path(), false, &NONE).unwrap();
    for serial in ["0000", "0001", "0002"] {
        let check = tree
            .get(&format!("P/T/{serial}:./ERROR/ERROR/ERROR.unreadable"))
            .unwrap_or_else(|| panic!("no unreadable check for {serial}"));
        assert!(check.primary);
        let file = format!("P/T/{serial}/result.json");
        assert!(matches!(&check.value, CheckValue::Broken(why) if why.contains(&file)));
    }
    assert!(tree.get("P/U/0000:./read/throughput/iops.mean").is_some());
    assert_eq!(tree.problems().len(), 3);
}

#[test]
fn a_missing_path_is_an_error() {
    let err = ResultTree::load(Path::new("/nonexistent/result"), false, &NONE).unwrap_err();
    assert!(err.to_string().contains("/nonexistent/result"));
}

#[test]
fn error_dirs_at_every_level() {
    let tmp = tempfile::tempdir().unwrap();
    for rel in [
        "__error0__",
        "P/__error1__",
        "P/T/__error0__",
        "P/T/3/__error0__",
    ] {
        std::fs::create_dir_all(tmp.path().join(rel)).unwrap();
    }
    std::fs::write(tmp.path().join("P/T/3/__error0__/exception"), "boom\r\n").unwrap();
    let tree = ResultTree::load(tmp.path(), false, &NONE).unwrap();
    let names: Vec<&str> = tree.checks().iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "*/*/*:./ERROR/ERROR/ERROR.error",
            "P/*/*:./ERROR/ERROR/ERROR.error",
            "P/T/*:./ERROR/ERROR/ERROR.error",
            "P/T/3:./ERROR/ERROR/ERROR.error",
        ]
    );
    assert_eq!(
        tree.checks()[0].value,
        CheckValue::Text("<Unknown exception>".into())
    );
    assert_eq!(tree.checks()[3].value, CheckValue::Text("boom\n".into()));
}

#[test]
fn trees_read_on_one_thread_or_on_all_give_the_same_checks_in_the_same_order() {
    let tmp = tempfile::tempdir().unwrap();
    for profile in ["B", "A", "C"] {
        for test in 0..12 {
            for serial in ["0000", "0001", "tmpx"] {
                write_result(
                    tmp.path(),
                    &format!("{profile}/t{test}/{serial}"),
                    &format!("[{}]", iteration(&format!("it{test}"), "1.5", &["all"])),
                );
            }
        }
        std::fs::create_dir_all(tmp.path().join(format!("{profile}/t3/__error0__"))).unwrap();
        std::fs::create_dir_all(tmp.path().join(format!("{profile}/t5/0001/__error1__"))).unwrap();
    }
    std::fs::create_dir_all(tmp.path().join("A/__error2__")).unwrap();
    let read = |parallelism| {
        let (tree, _) =
            ResultTree::read_with_progress(tmp.path(), false, &NONE, parallelism, &NoProgressHere)
                .unwrap();
        tree.checks()
            .iter()
            .map(|c| (c.name.clone(), c.value.clone()))
            .collect::<Vec<_>>()
    };
    let files = read(Parallelism::Files);
    assert_eq!(files, read(Parallelism::Trees));
    // 3 profiles x 12 tests x 2 serials, 2 checks each, then 7 error dirs.
    assert_eq!(files.len(), 3 * 12 * 2 * 2 + 7);
    assert!(files[0].0.starts_with("A/t0/0000:"), "{:?}", files[0]);
    let errors: Vec<&str> = files[144..].iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        errors,
        [
            "A/*/*:./ERROR/ERROR/ERROR.error",
            "A/t3/*:./ERROR/ERROR/ERROR.error",
            "B/t3/*:./ERROR/ERROR/ERROR.error",
            "C/t3/*:./ERROR/ERROR/ERROR.error",
            "A/t5/0001:./ERROR/ERROR/ERROR.error",
            "B/t5/0001:./ERROR/ERROR/ERROR.error",
            "C/t5/0001:./ERROR/ERROR/ERROR.error",
        ]
    );
}

struct NoProgressHere;

impl runperf::results::LoadProgress for NoProgressHere {
    fn discovered(&self, _count: usize) {}
    fn test_done(&self) {}
}

#[test]
fn names_that_are_not_utf8_are_read_and_named_lossily() {
    use std::os::unix::ffi::OsStrExt;
    let tmp = tempfile::tempdir().unwrap();
    let profile = std::ffi::OsStr::from_bytes(b"P\xff");
    let serial = tmp.path().join(profile).join("T/0000");
    std::fs::create_dir_all(&serial).unwrap();
    std::fs::write(
        serial.join("result.json"),
        format!("[{}]", iteration("read", "2.5", &["all"])),
    )
    .unwrap();
    std::fs::create_dir_all(serial.join("__error0__")).unwrap();
    let tree = ResultTree::load(tmp.path(), false, &NONE).unwrap();
    let names: Vec<&str> = tree.checks().iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "P\u{fffd}/T/0000:./read/throughput/iops.mean",
            "P\u{fffd}/T/0000:./read/throughput/iops.stddev",
            "P\u{fffd}/T/0000:./ERROR/ERROR/ERROR.error",
        ]
    );
    assert_eq!(tree.checks()[0].value, CheckValue::Float(2.5));
}

#[test]
fn serial_dirs_without_result_json_or_with_only_files_add_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(tmp.path().join("P/T/0000")).unwrap();
    std::fs::create_dir_all(tmp.path().join("P/T/0001")).unwrap();
    std::fs::write(tmp.path().join("P/T/0001/result.txt"), "x").unwrap();
    write_result(
        tmp.path(),
        "P/T/0002",
        &format!("[{}]", iteration("read", "3", &["all"])),
    );
    // A serial that is a link to a result elsewhere counts like a dir.
    write_result(
        tmp.path(),
        "elsewhere",
        &format!("[{}]", iteration("write", "4", &["all"])),
    );
    std::os::unix::fs::symlink(tmp.path().join("elsewhere"), tmp.path().join("P/T/0003")).unwrap();
    let tree = ResultTree::load(tmp.path(), false, &NONE).unwrap();
    let names: Vec<&str> = tree.checks().iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "P/T/0002:./read/throughput/iops.mean",
            "P/T/0002:./read/throughput/iops.stddev",
            "P/T/0003:./write/throughput/iops.mean",
            "P/T/0003:./write/throughput/iops.stddev",
        ]
    );
    assert!(tree.problems().is_empty());
}

#[test]
fn progress_counts_test_directories_before_reading_them() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    #[derive(Default)]
    struct Counting {
        discovered: AtomicUsize,
        done: AtomicUsize,
        done_before_discovered: AtomicUsize,
    }
    impl runperf::results::LoadProgress for Counting {
        fn discovered(&self, count: usize) {
            self.discovered.fetch_add(count, Ordering::SeqCst);
        }
        fn test_done(&self) {
            if self.discovered.load(Ordering::SeqCst) == 0 {
                self.done_before_discovered.fetch_add(1, Ordering::SeqCst);
            }
            self.done.fetch_add(1, Ordering::SeqCst);
        }
    }
    let tmp = tempfile::tempdir().unwrap();
    for rel in ["A/t1/0000", "A/t2/0000", "A/t2/0001", "B/t1/0000"] {
        write_result(
            tmp.path(),
            rel,
            &format!("[{}]", iteration("it", "1", &["all"])),
        );
    }
    for parallelism in [Parallelism::Files, Parallelism::Trees] {
        let progress = Counting::default();
        ResultTree::read_with_progress(tmp.path(), false, &NONE, parallelism, &progress).unwrap();
        assert_eq!(progress.discovered.load(Ordering::SeqCst), 3);
        assert_eq!(progress.done.load(Ordering::SeqCst), 3);
        assert_eq!(progress.done_before_discovered.load(Ordering::SeqCst), 0);
    }
}

/// A result whose parameters block is long (package lists make real ones
/// tens of kilobytes) and ends with `tail`.
fn long_params_result(tail: &str, after_params: &str) -> String {
    let packages: Vec<String> = (0..60).map(|i| format!("\"pkg-{i}\\n\"")).collect();
    format!(
        r#"[{{"iteration_name": "it", "iteration_data": {{"parameters": {{"benchmark": [{{"primary_metric": "iops", "packages": [{}], "tail": "{tail}"}}]}}{after_params}, "throughput": {{"iops": [{{"client_hostname": "all", "mean": 2, "stddevpct": 1}}]}}}}}}]"#,
        packages.join(", ")
    )
}

#[test]
fn long_parameter_blocks_seen_before_are_recognised_but_never_trusted_blindly() {
    let tmp = tempfile::tempdir().unwrap();
    // Same long block twice, one that differs only after its first 512
    // bytes, and the same block followed by broken JSON.
    let cases = [
        ("0000", long_params_result("a", "")),
        ("0001", long_params_result("a", "")),
        ("0002", long_params_result("b", "")),
        ("0003", long_params_result("a", ", ,")),
    ];
    assert!(cases[0].1.find("\"tail\"").unwrap() > 600);
    for (serial, content) in &cases {
        write_result(tmp.path(), &format!("P/T/{serial}"), content);
    }
    let tree = ResultTree::load(tmp.path(), false, &NONE).unwrap();
    let tail = |serial: &str| {
        let check = tree
            .get(&format!("P/T/{serial}:./it/throughput/iops.mean"))
            .unwrap();
        check
            .params
            .iter()
            .map(|(_, value)| value.clone())
            .find(|value| value.contains("tail:"))
            .unwrap()
    };
    assert!(tail("0000").contains("tail:a"), "{}", tail("0000"));
    assert_eq!(tail("0001"), tail("0000"));
    assert!(tail("0002").contains("tail:b"), "{}", tail("0002"));
    assert!(tree.get("P/T/0003:./it/throughput/iops.mean").is_none());
    let broken = tree.get("P/T/0003:./ERROR/ERROR/ERROR.unreadable").unwrap();
    assert!(broken.value.is_broken());
}
