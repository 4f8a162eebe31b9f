//! run-perf on this machine through the local transport: the result tree,
//! metadata, retries, failures, hostile input and interrupts.

mod support;

use std::time::Duration;

use support::run_perf::{Bench, files, read, stderr};

#[test]
fn a_local_run_writes_a_complete_result_tree() {
    let bench = Bench::new();
    let out = bench.out("result");
    let o = bench.run(&[
        "--output",
        out.to_str().unwrap(),
        "--distro",
        "Fedora-40",
        "--metadata",
        "build=1234",
        "url=https://ci.example/1234",
        "--",
        "probe:{\"value\": 42}",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let result = read(&out.join("Localhost/probe/0000/result.json"));
    let json: serde_json::Value = serde_json::from_str(&result).unwrap();
    assert_eq!(
        json[0]["iteration_data"]["throughput"]["ops_sec"][1]["mean"],
        42.0
    );
    let tree = files(&out);
    for expected in [
        "RUNPERF_METADATA",
        "__sessions__/localhost",
        "__sysinfo_before__/localhost/COMMANDS/cat _proc_cmdline",
        "Localhost/__sysinfo__/localhost/COMMANDS/cat _proc_cmdline",
        "Localhost/__sessions__/localhost",
        "Localhost/probe/0000/result.json",
    ] {
        assert!(
            tree.iter().any(|f| f == expected),
            "{expected} missing from {tree:#?}"
        );
    }
    assert!(!tree.iter().any(|f| f.contains("__error")), "{tree:#?}");
    assert!(
        !tree.iter().any(|f| f.contains("/tmp")),
        "no test left in progress: {tree:#?}"
    );

    let meta = read(&out.join("RUNPERF_METADATA"));
    let lines: Vec<&str> = meta.lines().collect();
    assert_eq!(lines[0], "build:1234");
    assert_eq!(lines[1], "url:https://ci.example/1234");
    assert_eq!(lines[2], "distro:Fedora-40");
    assert_eq!(lines[3], "guest_distro:DISTRO");
    assert!(lines[4].starts_with("runperf_version:"));
    assert!(
        lines[5].starts_with("runperf_cmd:")
            && lines[5].contains("--distro DISTRO --metadata MASKED MASKED --")
    );
    assert_eq!(lines[6], "machine:127.0.0.1");
    assert_eq!(lines[7], "machine_url:127.0.0.1");
    let world = lines[8].strip_prefix("environment_world:").unwrap();
    let world: serde_json::Value = serde_json::from_str(world).unwrap();
    assert!(
        world[0]["kernel"].as_str().unwrap().contains("FILTERED") || world[0]["kernel"].is_string()
    );
    assert!(world[0]["params"].as_str().unwrap().contains("host_cpus: "));
    let profile_env = lines[9]
        .strip_prefix("environment_profile_Localhost:")
        .unwrap();
    assert!(
        serde_json::from_str::<serde_json::Value>(profile_env)
            .unwrap()
            .is_array()
    );
    assert_eq!(bench.markers(), Vec::<String>::new(), "profile reverted");

    let sessions = read(&out.join("Localhost/__sessions__/localhost"));
    assert!(sessions.contains("Running test probe"), "{sessions}");
    assert!(sessions.contains("hostname"), "{sessions}");
}

#[test]
fn a_second_run_into_the_same_dir_replaces_the_old_result() {
    let bench = Bench::new();
    let out = bench.out("result");
    let path = out.to_str().unwrap();
    assert!(
        bench
            .run(&["--output", path, "--", "probe"])
            .status
            .success()
    );
    let o = bench.run(&["--output", path, "--", "probe", "probe"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let serials: Vec<_> = files(&out)
        .into_iter()
        .filter(|f| f.ends_with("result.json"))
        .collect();
    assert_eq!(
        serials,
        [
            "Localhost/probe/0000/result.json",
            "Localhost/probe/0001/result.json"
        ]
    );
}

#[test]
fn failed_attempts_are_recorded_and_retried() {
    let bench = Bench::new();
    let out = bench.out("result");
    let o = bench.run(&[
        "--output",
        out.to_str().unwrap(),
        "--",
        "probe:{\"fail_attempts\": 2}",
    ]);
    assert!(
        o.status.success(),
        "recovered on the third attempt: {}",
        stderr(&o)
    );
    let tree = files(&out);
    assert!(
        tree.contains(&"Localhost/probe/0000/result.json".to_owned()),
        "{tree:#?}"
    );
    for attempt in ["0", "1"] {
        let exception = read(&out.join(format!("Localhost/probe/{attempt}/__error0__/exception")));
        assert!(
            exception.contains("probe failing on purpose"),
            "{exception}"
        );
        let details = read(&out.join(format!("Localhost/probe/{attempt}/__error0__/details")));
        assert!(
            details.starts_with(&format!(
                "test probe@Localhost attempt {attempt} execution failure"
            )),
            "{details}"
        );
    }
}

#[test]
fn a_test_failing_every_attempt_is_skipped_and_the_run_goes_on() {
    let bench = Bench::new();
    let out = bench.out("result");
    let o = bench.run(&[
        "--output",
        out.to_str().unwrap(),
        "--retry-tests",
        "2",
        "--",
        "probe:{\"fail_attempts\": 5, \"__NAME__\": \"broken\"}",
        "probe:{\"__NAME__\": \"fine\"}",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("ERROR running broken@Localhost, test will be SKIPPED!"));
    let tree = files(&out);
    assert!(
        tree.contains(&"Localhost/fine/0000/result.json".to_owned()),
        "{tree:#?}"
    );
    assert!(
        tree.contains(&"Localhost/broken/1/__error0__/exception".to_owned()),
        "{tree:#?}"
    );
    assert!(!tree.iter().any(|f| f.starts_with("Localhost/broken/0000")));
    assert_eq!(
        bench.markers(),
        ["probe/attempts"],
        "profile reverted, only the probe's counter left"
    );
}

#[test]
fn profile_apply_is_retried_and_then_skipped() {
    let bench = Bench::new();
    let out = bench.out("result");
    let o = bench.run(&[
        "--output",
        out.to_str().unwrap(),
        "--profiles",
        "Flaky:{\"fail_apply\": 1}",
        "--",
        "probe",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        read(&out.join("__error0__/exception")).contains("applying profile Flaky (attempt 1/3)")
    );
    assert!(out.join("Flaky/probe/0000/result.json").is_file());

    let bench = Bench::new();
    let out = bench.out("result");
    let o = bench.run(&[
        "--output",
        out.to_str().unwrap(),
        "--profiles",
        "Flaky:{\"fail_apply\": 9}",
        "Localhost",
        "--",
        "probe",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("ERROR applying profile Flaky, all tests will be SKIPPED!"));
    assert!(out.join("__error2__/exception").is_file());
    assert!(!out.join("Flaky").exists());
    assert!(
        out.join("Localhost/probe/0000/result.json").is_file(),
        "the next profile still ran"
    );
}

#[test]
fn a_profile_left_applied_by_a_crashed_run_is_detected() {
    let bench = Bench::new();
    std::fs::write(bench.state().join("set_profile"), "Localhost\n").unwrap();
    let out = bench.out("result");
    let o = bench.run(&[
        "--output",
        out.to_str().unwrap(),
        "--retry-tests",
        "1",
        "--",
        "probe",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let exception = read(&out.join("__error0__/traceback"));
    assert!(
        exception.contains("profile Localhost is already applied there"),
        "{exception}"
    );
}

#[test]
fn hostile_params_and_names_stay_literal_and_inside_the_result() {
    let bench = Bench::new();
    let out = bench.out("result");
    let marker = bench.dir.path().join("pwned");
    let hostile = format!(
        "$(touch {m}); touch {m}; `touch {m}` 'q\" \\",
        m = marker.display()
    );
    let test = serde_json::json!({"echo": hostile, "__NAME__": "../../escape"}).to_string();
    let o = bench.run(&[
        "--output",
        out.to_str().unwrap(),
        "--default-passwords",
        "hunter2-secret",
        "--metadata",
        "token=s3cr3t-token-value",
        "--log",
        bench.out("debug.log").to_str().unwrap(),
        "--",
        &format!("probe:{test}"),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!marker.exists(), "a param was interpreted by a shell");
    let result = read(&out.join("Localhost/_._.._escape/0000/result.json"));
    let json: serde_json::Value = serde_json::from_str(&result).unwrap();
    assert_eq!(
        json[0]["iteration_data"]["parameters"]["benchmark"][0]["echo"],
        hostile.as_str()
    );
    let mut written = String::new();
    for file in files(&out) {
        written.push_str(&std::fs::read_to_string(out.join(&file)).unwrap_or_default());
    }
    written.push_str(&read(&bench.out("debug.log")));
    written.push_str(&stderr(&o));
    assert!(
        !written.contains("hunter2-secret"),
        "a password was written"
    );
    let meta = read(&out.join("RUNPERF_METADATA"));
    assert_eq!(
        meta.matches("s3cr3t-token-value").count(),
        1,
        "only as its own metadata line"
    );
    assert!(meta.contains("token:s3cr3t-token-value\n"));
    assert!(
        !written
            .replacen("token:s3cr3t-token-value", "", 1)
            .contains("s3cr3t-token-value")
    );
}

#[test]
fn an_existing_dir_that_is_not_a_result_is_refused() {
    let bench = Bench::new();
    let out = bench.out("precious");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("thesis.tex"), "x").unwrap();
    let o = bench.run(&["--output", out.to_str().unwrap(), "--", "probe"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("is not a run-perf result"),
        "{}",
        stderr(&o)
    );
    assert!(out.join("thesis.tex").exists());
}

#[test]
fn interrupt_reverts_the_profile_and_keeps_completed_results() {
    let bench = Bench::new();
    let out = bench.out("result");
    let child = bench
        .command(&[
            "--output",
            out.to_str().unwrap(),
            "--",
            "probe:{\"__NAME__\": \"quick\"}",
            "probe:{\"__NAME__\": \"slow\", \"sleep\": 4}",
            "probe:{\"__NAME__\": \"never\"}",
        ])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let quick = out.join("Localhost/quick/0000/result.json");
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while !quick.exists() && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(quick.exists(), "the first test completed");
    std::thread::sleep(Duration::from_millis(500));
    // SAFETY: plain kill(2) on our own child.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(130), "{}", stderr(&o));
    assert!(quick.exists(), "completed results kept");
    assert!(
        !out.join("Localhost/never").exists(),
        "nothing started after the interrupt"
    );
    assert_eq!(bench.markers(), Vec::<String>::new(), "profile reverted");
    assert!(read(&out.join("RUNPERF_METADATA")).contains("environment_profile_Localhost:"));
}

#[test]
fn history_receives_the_finished_tree_and_a_failure_there_fails_the_run() {
    let bench = Bench::new();
    let store = bench.out("history.sqlite");
    let out = bench.out("result");
    let o = bench.run(&[
        "--output",
        out.to_str().unwrap(),
        "--metadata",
        "build=4321",
        "--history",
        store.to_str().unwrap(),
        "--",
        "probe:{\"value\": 42}",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let history = |args: &[&str]| {
        std::process::Command::new(assert_cmd::cargo::cargo_bin("history-perf"))
            .arg("--store")
            .arg(&store)
            .args(args)
            .output()
            .unwrap()
    };
    let series = history(&["series", "Localhost/probe/0000:*ops_sec.mean"]);
    let series = String::from_utf8_lossy(&series.stdout).into_owned();
    let name = series.split_whitespace().nth(1).expect(&series);
    let list = history(&["show", name]);
    let shown = String::from_utf8_lossy(&list.stdout);
    assert!(list.status.success(), "{}", stderr(&list));
    assert!(shown.contains("4321   4321   42.0"), "{shown}");

    // A store that cannot be used: the run fails, the tree stays.
    let out2 = bench.out("result2");
    let o = bench.run(&[
        "--output",
        out2.to_str().unwrap(),
        "--history",
        "postgres://ci:hunter2@127.0.0.1:1/perf",
        "--",
        "probe:{\"value\": 42}",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("Cannot add the results to the history store"),
        "{err}"
    );
    assert!(err.contains("postgres://ci:***@127.0.0.1:1/perf"), "{err}");
    assert!(!err.contains("hunter2"), "{err}");
    assert!(out2.join("Localhost/probe/0000/result.json").exists());
}
