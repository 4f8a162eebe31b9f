//! LocalTransport and Machine on this machine: commands, limits, files,
//! the session log, persistent storage and the machine chores.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use runperf::machine::{
    Command, LocalTransport, Machine, Masker, Output, Transport, TransportError,
};

fn process_running(needle: &str) -> bool {
    std::process::Command::new("pgrep")
        .args(["-f", needle])
        .output()
        .is_ok_and(|out| out.status.success())
}

#[test]
fn runs_argv_and_shell_lines() {
    let local = LocalTransport::default();
    let out = local
        .run(&Command::shell("echo out; echo err >&2; exit 4"))
        .unwrap();
    assert_eq!(
        (out.status, out.stdout.as_str(), out.stderr.as_str()),
        (4, "out\n", "err\n")
    );
    let marker = format!("/tmp/pwned-local-{}", std::process::id());
    let args = [
        "printf",
        "[%s]",
        &format!("$(touch {marker})"),
        ";",
        "it's",
        "\"q\"",
    ];
    let out = local.run(&Command::argv(args)).unwrap();
    assert_eq!(out.stdout, format!("[$(touch {marker})][;][it's][\"q\"]"));
    assert!(!Path::new(&marker).exists());
    let killed = local.run(&Command::shell("kill -TERM $$")).unwrap();
    assert_eq!(killed.status, 143);
}

#[test]
fn a_program_that_cannot_start_answers_as_a_shell_would() {
    let local = LocalTransport::default();
    let missing = local
        .run(&Command::argv(["no-such-program-runperf", "--version"]))
        .unwrap();
    assert_eq!(missing.status, 127, "{missing:?}");
    assert!(
        missing.stderr.contains("no-such-program-runperf") && missing.stderr.contains("not found"),
        "{missing:?}"
    );
    let by_shell = local
        .run(&Command::shell("no-such-program-runperf --version"))
        .unwrap();
    assert_eq!(by_shell.status, 127);
    let dir = tempfile::tempdir().unwrap();
    let not_executable = dir.path().join("script");
    std::fs::write(&not_executable, "#!/bin/sh\n").unwrap();
    let denied = local
        .run(&Command::argv([not_executable.to_str().unwrap()]))
        .unwrap();
    assert_eq!(denied.status, 126, "{denied:?}");
    assert!(denied.stderr.contains("script"), "{denied:?}");
}

#[test]
fn a_timeout_kills_the_whole_process_group() {
    let local = LocalTransport::default();
    let start = Instant::now();
    let err = local
        .run(&Command::shell("sleep 417 | cat; echo never").timeout(Some(Duration::from_secs(1))))
        .unwrap_err();
    assert!(matches!(err, TransportError::Timeout { .. }), "{err}");
    assert!(start.elapsed() < Duration::from_secs(5));
    std::thread::sleep(Duration::from_millis(200));
    assert!(
        !process_running("sleep 417"),
        "a child of the timed-out command survived"
    );
}

#[test]
fn the_stall_watchdog_needs_silence() {
    let local = LocalTransport::default();
    let chatty = Command::shell("for i in 1 2 3; do echo $i; sleep 0.4; done")
        .stall_timeout(Some(Duration::from_secs(1)));
    assert_eq!(local.run(&chatty).unwrap().stdout, "1\n2\n3\n");
    let silent = Command::shell("echo hi; sleep 418").stall_timeout(Some(Duration::from_secs(1)));
    let err = local.run(&silent).unwrap_err();
    assert!(matches!(err, TransportError::Stalled { .. }), "{err}");
    std::thread::sleep(Duration::from_millis(200));
    assert!(!process_running("sleep 418"));
}

#[test]
fn copies_files_and_trees() {
    let local = LocalTransport::default();
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("src/sub")).unwrap();
    std::fs::write(dir.path().join("src/sub/f"), "data").unwrap();
    let dst = dir.path().join("dst");
    local
        .copy_to(&dir.path().join("src"), dst.to_str().unwrap())
        .unwrap();
    let back = dir.path().join("back");
    local.copy_from(dst.to_str().unwrap(), &back).unwrap();
    assert_eq!(std::fs::read_to_string(back.join("sub/f")).unwrap(), "data");
    let file = dir.path().join("w");
    local.write_file(file.to_str().unwrap(), b"abc").unwrap();
    assert_eq!(local.read_file(file.to_str().unwrap()).unwrap(), b"abc");
    assert!(local.check_reachable().is_ok());
}

#[test]
fn machine_chores_run_through_the_logged_transport() {
    let dir = tempfile::tempdir().unwrap();
    let masker = Masker::new();
    masker.register("pa55word");
    let machine = Machine::new(
        "local",
        "127.0.0.1",
        Arc::new(LocalTransport::default()),
        masker,
    );
    machine
        .session_log()
        .set_dir(Some(&dir.path().join("__sessions__")));
    let loadavg = machine.read_file("/proc/loadavg").unwrap();
    assert!(!loadavg.is_empty());
    machine.run(&Command::argv(["echo", "pa55word"])).unwrap();
    let log = std::fs::read_to_string(dir.path().join("__sessions__/local")).unwrap();
    assert!(
        log.contains("/proc/loadavg") && log.contains("echo MASKED"),
        "{log}"
    );
    assert!(!log.contains("pa55word"));
}

/// A machine that reboots when asked: down for a few probes, then up with
/// a new boot id.
struct Rebooting {
    state: Mutex<(u32, u32)>, // (boot number, probes left while down)
    down_probes: u32,
}

impl Transport for Rebooting {
    fn host(&self) -> &str {
        "fake"
    }
    fn run(&self, command: &Command) -> Result<Output, TransportError> {
        let mut state = self.state.lock().unwrap();
        let line = command.shell_line();
        if line.contains("reboot") {
            state.0 += 1;
            state.1 = self.down_probes;
            return Ok(Output::default());
        }
        if state.1 > 0 {
            return Err(TransportError::Unreachable {
                host: "fake".into(),
                detail: "down".into(),
            });
        }
        Ok(Output {
            stdout: format!("boot-{}\n", state.0),
            ..Output::default()
        })
    }
    fn write_file(&self, _: &str, _: &[u8]) -> Result<(), TransportError> {
        Ok(())
    }
    fn read_file(&self, _: &str) -> Result<Vec<u8>, TransportError> {
        Ok(Vec::new())
    }
    fn copy_to(&self, _: &Path, _: &str) -> Result<(), TransportError> {
        Ok(())
    }
    fn copy_from(&self, _: &str, _: &Path) -> Result<(), TransportError> {
        Ok(())
    }
    fn check_reachable(&self) -> Result<(), TransportError> {
        let mut state = self.state.lock().unwrap();
        if state.1 > 0 {
            state.1 -= 1;
            return Err(TransportError::Unreachable {
                host: "fake".into(),
                detail: "down".into(),
            });
        }
        Ok(())
    }
}

#[test]
fn reboot_waits_for_a_new_boot() {
    let fake = Arc::new(Rebooting {
        state: Mutex::new((1, 0)),
        down_probes: 3,
    });
    let machine = Machine::new("fake", "fake", fake.clone(), Masker::new());
    machine
        .reboot_with("reboot", Duration::from_secs(5), Duration::from_millis(10))
        .unwrap();
    assert_eq!(fake.state.lock().unwrap().0, 2);

    let never_back = Arc::new(Rebooting {
        state: Mutex::new((1, 0)),
        down_probes: u32::MAX,
    });
    let machine = Machine::new("fake", "fake", never_back, Masker::new());
    let err = machine
        .reboot_with(
            "reboot",
            Duration::from_millis(200),
            Duration::from_millis(10),
        )
        .unwrap_err();
    assert!(matches!(err, TransportError::NotBack { .. }), "{err}");
    assert!(err.to_string().contains("did not come back"), "{err}");
}
