//! SshTransport against a real sshd on 127.0.0.1: commands, quoting,
//! limits, faults, file copies and workers reached through their host.

mod support;

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use runperf::machine::{Command, SshTransport, Transport, TransportError};
use support::sshd::{self, Sshd};

fn connect(server: &Sshd) -> SshTransport {
    SshTransport::new("127.0.0.1", server.config("root"))
}

/// Whether a process whose command line contains `needle` still runs.
fn process_running(needle: &str) -> bool {
    std::process::Command::new("pgrep")
        .args(["-f", needle])
        .output()
        .is_ok_and(|out| out.status.success())
}

#[test]
fn runs_commands_with_output_and_exit_status() {
    if !sshd::available() {
        return;
    }
    let server = Sshd::start();
    let ssh = connect(&server);
    let out = ssh
        .run(&Command::shell("echo out; echo err >&2; exit 3"))
        .unwrap();
    assert_eq!(
        (out.status, out.stdout.as_str(), out.stderr.as_str()),
        (3, "out\n", "err\n")
    );
    let ok = ssh.run_checked(&Command::argv(["uname", "-s"])).unwrap();
    assert_eq!(ok.stdout, "Linux\n");
    let failed = ssh.run_checked(&Command::argv(["false"])).unwrap_err();
    assert!(
        matches!(failed, TransportError::Failed { status: 1, .. }),
        "{failed}"
    );
    // Large output is collected whole.
    let big = ssh
        .run(&Command::shell("head -c 3000000 /dev/zero | tr '\\0' x"))
        .unwrap();
    assert_eq!(big.stdout.len(), 3_000_000);
    // stdin is closed, so a reader does not hang.
    assert_eq!(ssh.run(&Command::argv(["cat"])).unwrap().stdout, "");
}

#[test]
fn arguments_reach_the_program_literally() {
    if !sshd::available() {
        return;
    }
    let server = Sshd::start();
    let ssh = connect(&server);
    let marker = format!("/tmp/pwned-{}", std::process::id());
    let args = [
        "printf".to_string(),
        "[%s]".into(),
        format!("$(touch {marker})"),
        ";".into(),
        "a;b && c".into(),
        "it's".into(),
        "\"double\"".into(),
        "`id`".into(),
        "../..".into(),
    ];
    let out = ssh.run(&Command::argv(args.clone())).unwrap();
    let expected: String = args[2..].iter().map(|a| format!("[{a}]")).collect();
    assert_eq!(out.stdout, expected);
    assert!(!Path::new(&marker).exists(), "command substitution ran");
}

#[test]
fn a_timeout_kills_the_remote_command() {
    if !sshd::available() {
        return;
    }
    let server = Sshd::start();
    let ssh = connect(&server);
    let start = Instant::now();
    let err = ssh
        .run(&Command::shell("sleep 317 | cat").timeout(Some(Duration::from_secs(2))))
        .unwrap_err();
    assert!(matches!(err, TransportError::Timeout { .. }), "{err}");
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "took {:?}",
        start.elapsed()
    );
    assert!(err.to_string().contains("127.0.0.1"), "{err}");
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        !process_running("sleep 317"),
        "remote command survived its timeout"
    );
    // The connection is still usable.
    assert_eq!(
        ssh.run(&Command::argv(["echo", "next"])).unwrap().stdout,
        "next\n"
    );
}

#[test]
fn the_stall_watchdog_fires_only_on_silence() {
    if !sshd::available() {
        return;
    }
    let server = Sshd::start();
    let ssh = connect(&server);
    let chatty = Command::shell("for i in 1 2 3 4; do echo $i; sleep 0.5; done")
        .stall_timeout(Some(Duration::from_millis(1500)));
    assert_eq!(ssh.run(&chatty).unwrap().stdout, "1\n2\n3\n4\n");
    let start = Instant::now();
    let silent =
        Command::shell("echo started; sleep 318").stall_timeout(Some(Duration::from_secs(2)));
    let err = ssh.run(&silent).unwrap_err();
    assert!(matches!(err, TransportError::Stalled { .. }), "{err}");
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "took {:?}",
        start.elapsed()
    );
    std::thread::sleep(Duration::from_millis(300));
    assert!(!process_running("sleep 318"), "stalled command survived");
}

#[test]
fn a_frozen_machine_trips_the_watchdog_without_hanging() {
    if !sshd::available() {
        return;
    }
    let server = Sshd::start();
    let ssh = connect(&server);
    ssh.connect().unwrap();
    let freezer = std::thread::spawn({
        let dir = server.dir.path().to_path_buf();
        move || {
            std::thread::sleep(Duration::from_millis(700));
            dir
        }
    });
    let start = Instant::now();
    let runner = std::thread::scope(|scope| {
        let run = scope.spawn(|| {
            ssh.run(
                &Command::shell("echo tick; sleep 319").stall_timeout(Some(Duration::from_secs(3))),
            )
        });
        let _ = freezer.join();
        server.freeze_sessions();
        run.join()
    });
    let err = runner.expect("no panic").unwrap_err();
    assert!(matches!(err, TransportError::Stalled { .. }), "{err}");
    assert!(
        start.elapsed() < Duration::from_secs(25),
        "took {:?}",
        start.elapsed()
    );
}

#[test]
fn sshd_killed_mid_command_gives_a_clear_error() {
    if !sshd::available() {
        return;
    }
    let mut server = Sshd::start();
    let ssh = connect(&server);
    ssh.connect().unwrap();
    let start = Instant::now();
    let err = std::thread::scope(|scope| {
        let run = scope.spawn(|| {
            ssh.run(&Command::shell("echo begun; sleep 320").timeout(Some(Duration::from_secs(60))))
        });
        std::thread::sleep(Duration::from_millis(800));
        server.kill();
        run.join().expect("no panic").unwrap_err()
    });
    assert!(
        start.elapsed() < Duration::from_secs(15),
        "took {:?}",
        start.elapsed()
    );
    assert!(
        matches!(err, TransportError::ConnectionLost { .. }),
        "{err}"
    );
    assert!(
        err.to_string().contains("connection to 127.0.0.1 was lost"),
        "{err}"
    );
    let next = ssh.run(&Command::argv(["true"])).unwrap_err();
    assert!(matches!(next, TransportError::Unreachable { .. }), "{next}");
    assert!(ssh.check_reachable().is_err());
}

#[test]
fn a_dropped_session_is_reopened_once() {
    if !sshd::available() {
        return;
    }
    let server = Sshd::start();
    let ssh = connect(&server);
    assert!(ssh.run(&Command::argv(["true"])).unwrap().success());
    server.kill_sessions();
    std::thread::sleep(Duration::from_millis(300));
    let out = ssh.run(&Command::argv(["echo", "again"])).unwrap();
    assert_eq!(out.stdout, "again\n");
}

#[test]
fn one_connection_serves_parallel_commands() {
    if !sshd::available() {
        return;
    }
    let server = Sshd::start();
    let ssh = Arc::new(connect(&server));
    let handles: Vec<_> = (0..4)
        .map(|i| {
            let ssh = Arc::clone(&ssh);
            std::thread::spawn(move || ssh.run(&Command::shell(format!("sleep 0.3; echo {i}"))))
        })
        .collect();
    for (i, handle) in handles.into_iter().enumerate() {
        let out = handle.join().expect("no panic").unwrap();
        assert_eq!(out.stdout, format!("{i}\n"));
    }
    let connections = server.log().matches("Accepted publickey for root").count();
    assert_eq!(
        connections,
        1,
        "expected one persistent connection:\n{}",
        server.log()
    );
}

fn write_tree(root: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(root.join("a/b/c")).unwrap();
    std::fs::write(root.join("top.txt"), "top\n").unwrap();
    std::fs::write(
        root.join("a/b/c/deep.bin"),
        (0..=255u8).cycle().take(200_000).collect::<Vec<u8>>(),
    )
    .unwrap();
    std::fs::write(root.join("a/run me.sh"), "#!/bin/sh\necho ran\n").unwrap();
    std::fs::set_permissions(
        root.join("a/run me.sh"),
        std::fs::Permissions::from_mode(0o750),
    )
    .unwrap();
    std::fs::create_dir(root.join("empty")).unwrap();
}

fn assert_same_tree(left: &Path, right: &Path) {
    use std::os::unix::fs::PermissionsExt;
    for rel in ["top.txt", "a/b/c/deep.bin", "a/run me.sh"] {
        assert_eq!(
            std::fs::read(left.join(rel)).unwrap(),
            std::fs::read(right.join(rel)).unwrap(),
            "{rel}"
        );
    }
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&right.join("a/run me.sh")), 0o750);
    assert!(right.join("empty").is_dir());
}

#[test]
fn files_and_trees_are_copied_both_ways() {
    if !sshd::available() {
        return;
    }
    let server = Sshd::start();
    let ssh = connect(&server);
    let work = tempfile::tempdir().unwrap();
    let local = work.path().join("local");
    write_tree(&local);
    let remote = work.path().join("remote copy");
    let remote_str = remote.to_str().unwrap();
    ssh.copy_to(&local, remote_str).unwrap();
    assert_same_tree(&local, &remote);
    let out = ssh
        .run(&Command::argv(["sh", &format!("{remote_str}/a/run me.sh")]))
        .unwrap();
    assert_eq!(out.stdout, "ran\n");
    let back = work.path().join("back");
    ssh.copy_from(remote_str, &back).unwrap();
    assert_same_tree(&local, &back);
    // Single files and whole-file helpers.
    let file = work.path().join("it's a file");
    ssh.write_file(file.to_str().unwrap(), b"line1\n$(x)\n")
        .unwrap();
    assert_eq!(
        ssh.read_file(file.to_str().unwrap()).unwrap(),
        b"line1\n$(x)\n"
    );
    let missing = ssh.read_file("/nonexistent/runperf").unwrap_err();
    assert!(
        missing.to_string().contains("/nonexistent/runperf"),
        "{missing}"
    );
}

#[test]
fn a_worker_is_reached_through_its_host() {
    if !sshd::available() {
        return;
    }
    let server = Sshd::start();
    let host = Arc::new(connect(&server));
    let worker = SshTransport::through(Arc::clone(&host), "127.0.0.1", server.config("root"));
    let out = worker.run(&Command::shell("echo from worker")).unwrap();
    assert_eq!(out.stdout, "from worker\n");
    let work = tempfile::tempdir().unwrap();
    let target = work.path().join("via-tunnel");
    worker
        .write_file(target.to_str().unwrap(), b"tunnelled")
        .unwrap();
    assert_eq!(std::fs::read(&target).unwrap(), b"tunnelled");
    assert!(host.run(&Command::argv(["true"])).unwrap().success());
    let log = server.log();
    assert!(
        log.contains("direct-tcpip"),
        "no tunnel request in sshd log:\n{log}"
    );
    assert_eq!(
        log.matches("Accepted publickey for root").count(),
        2,
        "{log}"
    );
}
