//! The test hosts of the `testing` feature: rules, recording, local
//! commands and their limits.

use runperf_plugin_sdk::testing::{LocalHost, ScriptedHost, assert_in_order, fail, ok};
use runperf_plugin_sdk::{Command, HostServices, ImageRequest, WorkerSpec, serde_json::json};

#[test]
fn rules_answer_in_turn_newest_first_and_every_call_is_recorded() {
    let host = ScriptedHost::new();
    host.on("h1: probe", [fail(1, "no"), ok("yes")]);
    host.on("h1: probe --fast", [ok("fast")]);
    host.with(|h| {
        let probe = Command::argv(["probe"]);
        assert_eq!(h.run("h1", &probe).unwrap().status, 1);
        assert_eq!(h.run("h1", &probe).unwrap().stdout, "yes");
        assert_eq!(h.run("h1", &probe).unwrap().stdout, "yes");
        assert_eq!(
            h.run("h1", &Command::argv(["probe", "--fast"]))
                .unwrap()
                .stdout,
            "fast"
        );
        assert_eq!(h.run("h2", &Command::shell("anything")).unwrap(), ok(""));
        h.write_file("h1", "/etc/x", b"first\nsecond").unwrap();
        h.append_file("h1", "/etc/x", b"\nthird").unwrap();
        assert_eq!(
            h.read_file("h1", "/etc/x").unwrap(),
            b"first\nsecond\nthird"
        );
        assert!(h.read_file("h2", "/etc/x").is_err());
        h.persistent_set("h1", "k", "v\nmore").unwrap();
        h.persistent_remove("h1", "k").unwrap();
        h.persistent_remove("h1", "k").unwrap();
    });
    assert_eq!(
        host.calls(),
        [
            "run h1: probe",
            "run h1: probe",
            "run h1: probe",
            "run h1: probe --fast",
            "run h2: sh -c anything",
            "write h1:/etc/x first",
            "write h1:/etc/x",
            "read h1:/etc/x",
            "read h2:/etc/x",
            "set h1/k=v",
            "remove h1/k",
        ]
    );
    assert_eq!(host.commands()[4].1, Command::shell("anything"));
}

#[test]
fn the_responder_reads_rules_and_bookkeeping() {
    let host = ScriptedHost::new();
    host.otherwise(|host, machine, _| {
        Ok(ok(&format!(
            "{} workers on {machine}",
            host.workers().len()
        )))
    });
    host.on_read("h1:/proc/loadavg", ["3.0", "0.1"]);
    host.set_params("h1", json!({"arch": "x86_64"}));
    host.answer_images(|_, r| Err(format!("no image for {}", r.distro).into()));
    host.with(|h| {
        let worker = WorkerSpec::new("w", "a", "h1");
        h.add_worker(&worker).unwrap();
        assert_eq!(
            h.run("h1", &Command::argv(["x"])).unwrap().stdout,
            "1 workers on h1"
        );
        assert_eq!(h.read_file("h1", "/proc/loadavg").unwrap(), b"3.0");
        assert_eq!(h.read_file("h1", "/proc/loadavg").unwrap(), b"0.1");
        assert_eq!(h.machine_params("h1").unwrap()["arch"], "x86_64");
        assert!(h.machine_params("h2").is_err());
        let request = ImageRequest::new("h1", "Plan9", "x86_64", "/img");
        assert_eq!(
            h.guest_image(&request).unwrap_err().message(),
            "no image for Plan9"
        );
    });
    assert_in_order(
        &host.calls(),
        &["add_worker w@a via h1", "run h1: x", "guest_image Plan9"],
    );
}

#[test]
fn local_commands_run_here_within_their_limits() {
    let local = LocalHost::new();
    let out = local
        .run(&Command::shell("echo out; echo err >&2; exit 3"))
        .unwrap();
    assert_eq!(
        (out.status, out.stdout.as_str(), out.stderr.as_str()),
        (3, "out\n", "err\n")
    );
    let missing = local.run(&Command::argv(["/nonexistent/program"])).unwrap();
    assert_eq!(missing.status, 127);
    let err = local
        .run(&Command::argv(["sleep", "5"]).timeout(0.2))
        .unwrap_err();
    assert!(err.message().contains("timed out after 0.2s"), "{err:#}");
    let err = local
        .run(&Command::shell("echo a; sleep 5").stall(0.2))
        .unwrap_err();
    assert!(
        err.message().contains("printed nothing for 0.2s"),
        "{err:#}"
    );
    let err = LocalHost::new()
        .default_timeout(0.2)
        .run(&Command::argv(["sleep", "5"]))
        .unwrap_err();
    assert!(err.message().contains("timed out"), "{err:#}");
}

/// A process another test thread forked while `tool` was open for writing
/// holds it open until it execs, and executing it meanwhile fails with
/// "Text file busy" (ETXTBSY); wait until it runs.
fn wait_until_executable(tool: &std::path::Path) {
    for _ in 0..200 {
        match std::process::Command::new(tool).output() {
            Err(e) if e.raw_os_error() == Some(26) => {
                std::thread::sleep(std::time::Duration::from_millis(10))
            }
            _ => return,
        }
    }
}

#[test]
fn a_local_scripted_host_uses_this_machines_files_and_path() {
    let dir = std::env::temp_dir().join(format!("runperf-testing-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let tool = dir.join("fake-tool");
    std::fs::write(&tool, "#!/bin/sh\necho fake \"$@\"\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&tool, std::fs::Permissions::from_mode(0o755)).unwrap();
    wait_until_executable(&tool);
    let host = ScriptedHost::local_with(LocalHost::new().path_prefix(&dir));
    let file = dir.join("f").display().to_string();
    let copy = dir.join("g").display().to_string();
    host.with(|h| {
        let out = h.run("m", &Command::argv(["fake-tool", "x"])).unwrap();
        assert_eq!(out.stdout, "fake x\n");
        h.write_file("m", &file, b"content").unwrap();
        h.copy_to("m", &file, &copy).unwrap();
    });
    assert_eq!(std::fs::read_to_string(&copy).unwrap(), "content");
    assert_eq!(host.read_file("m", &file).unwrap(), b"content");
    std::fs::remove_dir_all(&dir).unwrap();
}
