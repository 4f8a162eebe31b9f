//! run-perf against a real OpenSSH server on 127.0.0.1: a password login
//! that installs our key, and sshd dying in the middle of a run.

mod support;

use std::time::{Duration, Instant};

use support::{
    run_perf::{Bench, files, read, stderr},
    sshd::{Sshd, TestUser, available},
};

const PARAMS: &str = r#"{"127.0.0.1": {"hugepage_kb": 2048, "numa_nodes": 1, "host_cpus": 2, "guest_cpus": 1, "guest_mem_m": 1024, "arch": "x86_64"}}"#;

fn ssh_args<'a>(sshd: &'a Sshd, host: &'a str, user: &'a str) -> Vec<String> {
    vec![
        "--hosts".into(),
        host.into(),
        "--ssh-user".into(),
        user.into(),
        "--ssh-key".into(),
        sshd.client_key.display().to_string(),
        "--known-hosts".into(),
        sshd.known_hosts.display().to_string(),
        "--force-params".into(),
        PARAMS.into(),
    ]
}

#[test]
fn password_login_installs_our_key_and_the_tree_is_complete() {
    if !available() {
        return;
    }
    let sshd = Sshd::start();
    let user = TestUser::create("rp");
    let bench = Bench::new();
    let state = user.home.join("state");
    let host = format!("h1:127.0.0.1:{}", sshd.port);
    let out = bench.out("result");
    let mut args = ssh_args(&sshd, &host, &user.name);
    args.extend([
        "--output".into(),
        out.display().to_string(),
        "--default-passwords".into(),
        user.password.clone(),
    ]);
    args.extend(["--".into(), "probe:{\"value\": 7}".into()]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let o = bench
        .command(&args)
        .env("RUNPERF_STATE_DIR", &state)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let tree = files(&out);
    for expected in [
        "Localhost/probe/0000/result.json",
        "__sessions__/h1",
        "Localhost/__sessions__/h1",
        "__sysinfo_before__/h1/COMMANDS/cat _proc_cmdline",
    ] {
        assert!(
            tree.iter().any(|f| f == expected),
            "{expected} missing from {tree:#?}"
        );
    }
    let meta = read(&out.join("RUNPERF_METADATA"));
    assert!(
        meta.contains(&format!("machine:127.0.0.1:{}\n", sshd.port)),
        "{meta}"
    );
    assert!(meta.contains("--default-passwords MASKED"), "{meta}");
    let mut written = stderr(&o);
    for file in &tree {
        written.push_str(&std::fs::read_to_string(out.join(file)).unwrap_or_default());
    }
    assert!(
        !written.contains(&user.password),
        "the password was written somewhere"
    );
    let keys = read(&user.home.join(".ssh/authorized_keys"));
    assert!(
        keys.contains(read(&sshd.client_key.with_extension("pub")).trim()),
        "our key was installed"
    );

    // Later runs need no password.
    let out2 = bench.out("again");
    let mut args = ssh_args(&sshd, &host, &user.name);
    args.extend([
        "--output".into(),
        out2.display().to_string(),
        "--".into(),
        "probe".into(),
    ]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let o = bench
        .command(&args)
        .env("RUNPERF_STATE_DIR", &state)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(out2.join("Localhost/probe/0000/result.json").is_file());
}

#[test]
fn sshd_killed_mid_run_loses_no_completed_result() {
    if !available() {
        return;
    }
    let mut sshd = Sshd::start();
    let bench = Bench::new();
    let host = format!("h1:127.0.0.1:{}", sshd.port);
    let out = bench.out("result");
    let mut args = ssh_args(&sshd, &host, "root");
    args.extend([
        "--output".into(),
        out.display().to_string(),
        "--retry-tests".into(),
        "2".into(),
        "--".into(),
        "probe:{\"__NAME__\": \"quick\"}".into(),
        "probe:{\"__NAME__\": \"slow\", \"sleep\": 6}".into(),
        "probe:{\"__NAME__\": \"after\"}".into(),
    ]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let child = bench
        .command(&args)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let quick = out.join("Localhost/quick/0000/result.json");
    let deadline = Instant::now() + Duration::from_secs(90);
    while !quick.exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(quick.exists(), "the first test completed over SSH");
    std::thread::sleep(Duration::from_secs(2));
    sshd.kill();
    let o = child.wait_with_output().unwrap();
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(quick.exists(), "completed result intact");
    assert!(read(&quick).contains("ops_sec"));
    let slow = read(&out.join("Localhost/slow/0/__error0__/traceback"));
    assert!(
        slow.contains("127.0.0.1"),
        "the error names the host: {slow}"
    );
    assert!(err.contains("ERROR running slow@Localhost"), "{err}");
    assert!(err.contains("ERROR running after@Localhost"), "{err}");
    assert!(
        err.contains("cannot reach 127.0.0.1"),
        "a clear reason: {err}"
    );
    assert!(
        !files(&out)
            .iter()
            .any(|f| f.starts_with("Localhost/slow/0000"))
    );
}

#[test]
fn a_machine_that_stops_answering_trips_the_watchdog() {
    if !available() {
        return;
    }
    let sshd = Sshd::start();
    let bench = Bench::new();
    let host = format!("h1:127.0.0.1:{}", sshd.port);
    let out = bench.out("result");
    let mut args = ssh_args(&sshd, &host, "root");
    args.extend([
        "--output".into(),
        out.display().to_string(),
        "--retry-tests".into(),
        "1".into(),
        "--".into(),
        "probe:{\"__NAME__\": \"hung\", \"sleep\": 60, \"stall\": 3}".into(),
        "probe:{\"__NAME__\": \"after\"}".into(),
    ]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let started = Instant::now();
    let child = bench
        .command(&args)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let hung = out.join("Localhost/hung");
    while !hung.exists() && started.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_secs(1));
    let frozen = sshd.freeze_sessions();
    assert!(!frozen.is_empty(), "there was a session to freeze");
    let o = child.wait_with_output().unwrap();
    let err = stderr(&o);
    assert!(
        started.elapsed() < Duration::from_secs(50),
        "the watchdog ended the wait: {err}"
    );
    assert_eq!(o.status.code(), Some(1), "{err}");
    let traceback = read(&out.join("Localhost/hung/0/__error0__/traceback"));
    assert!(
        traceback.contains("printed nothing") || traceback.contains("127.0.0.1"),
        "{traceback}"
    );
}

#[test]
fn a_host_without_a_params_file_gets_them_measured_over_ssh() {
    if !available() {
        return;
    }
    let sshd = Sshd::start();
    let bench = Bench::new();
    let host = format!("h1:127.0.0.1:{}", sshd.port);
    let out = bench.out("result");
    let args = [
        "-v",
        "--hosts",
        &host,
        "--ssh-user",
        "root",
        "--ssh-key",
        &sshd.client_key.display().to_string(),
        "--known-hosts",
        &sshd.known_hosts.display().to_string(),
        "--paths",
        &bench.out("assets").display().to_string(),
        "--output",
        &out.display().to_string(),
        "--",
        "probe",
    ]
    .map(str::to_owned);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let o = bench
        .command(&args)
        .env("RUNPERF_STATE_DIR", bench.out("state"))
        .output()
        .unwrap();
    let err = stderr(&o);
    assert!(o.status.success(), "{err}");
    assert!(
        err.contains("of 127.0.0.1 are defined neither in a params file (looked for ")
            && err.contains("assets/hosts/127.0.0.1.yaml")
            && err.contains("using values measured there"),
        "{err}"
    );
    assert!(
        read(&out.join("__sessions__/h1")).contains("nproc"),
        "measured over the host's own session"
    );
    let meta = read(&out.join("RUNPERF_METADATA"));
    let world = meta
        .lines()
        .find_map(|l| l.strip_prefix("environment_world:"))
        .expect("environment_world recorded");
    assert!(world.contains("host_cpus: "), "{world}");
}
