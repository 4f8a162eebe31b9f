//! Beaker with a fake `bkr` on PATH: a test host runs every command on
//! this machine with std::process, with the fake client's dir first on
//! PATH, and answers `/proc/loadavg` from a script of loads.

use std::sync::Mutex;

use runperf_plugin_api::{
    Command, CommandLine, CommandOutput, Host, HostServices, ImageRequest, LogLevel, PluginError,
    PluginResult, ProvisionRequest, Provisioner, WorkerSpec, lend,
    serde_json::{Map, Value, json},
};
use runperf_provisioner_beaker::{Beaker, bkr, settle};

/// Runs commands locally with `path` first on PATH.
struct Local {
    path: String,
    loads: Mutex<Vec<&'static str>>,
    calls: Mutex<Vec<String>>,
    logs: Mutex<Vec<String>>,
    /// The provisioned machine refuses connections.
    down: bool,
}

impl Local {
    fn new(bin: &std::path::Path, loads: Vec<&'static str>) -> Self {
        let path = format!(
            "{}:{}",
            bin.display(),
            std::env::var("PATH").unwrap_or_default()
        );
        Self {
            path,
            loads: Mutex::new(loads),
            calls: Mutex::new(Vec::new()),
            logs: Mutex::new(Vec::new()),
            down: false,
        }
    }
}

impl HostServices for Local {
    fn run(&self, machine: &str, command: &Command) -> PluginResult<CommandOutput> {
        let CommandLine::Argv(argv) = &command.line else {
            return Err("argv expected".into());
        };
        self.calls
            .lock()
            .unwrap()
            .push(format!("{machine}: {}", argv.join(" ")));
        if self.down && machine == "box1" {
            return Ok(CommandOutput {
                status: 255,
                stdout: String::new(),
                stderr: "Connection refused".into(),
            });
        }
        let out = std::process::Command::new(&argv[0])
            .args(&argv[1..])
            .env("PATH", &self.path)
            .output();
        Ok(match out {
            Ok(out) => CommandOutput {
                status: out.status.code().unwrap_or(-1),
                stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
                stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            },
            // What a shell says for a missing program.
            Err(err) => CommandOutput {
                status: 127,
                stdout: String::new(),
                stderr: err.to_string(),
            },
        })
    }
    fn write_file(&self, _: &str, _: &str, _: &[u8], _: bool) -> PluginResult<()> {
        Err("not used".into())
    }
    fn read_file(&self, machine: &str, path: &str) -> PluginResult<Vec<u8>> {
        self.calls
            .lock()
            .unwrap()
            .push(format!("{machine}: read {path}"));
        let mut loads = self.loads.lock().unwrap();
        let load = if loads.len() > 1 {
            loads.remove(0)
        } else {
            loads[0]
        };
        Ok(format!("{load} 0.50 0.40 1/100 1234\n").into_bytes())
    }
    fn copy_to(&self, _: &str, _: &str, _: &str) -> PluginResult<()> {
        Err("not used".into())
    }
    fn copy_from(&self, _: &str, _: &str, _: &str) -> PluginResult<()> {
        Err("not used".into())
    }
    fn persistent_get(&self, _: &str, _: &str) -> PluginResult<Option<String>> {
        Ok(None)
    }
    fn persistent_set(&self, _: &str, _: &str, _: Option<&str>) -> PluginResult<()> {
        Ok(())
    }
    fn log(&self, _level: LogLevel, message: &str) {
        self.logs.lock().unwrap().push(message.to_owned());
    }
    fn metadata(&self) -> Map<String, Value> {
        Map::new()
    }
    fn machine_params(&self, machine: &str) -> PluginResult<Map<String, Value>> {
        match machine {
            "box1" => Ok(match json!({"arch": "x86_64"}) {
                Value::Object(m) => m,
                _ => Map::new(),
            }),
            _ => Err(PluginError::new(format!("no params for {machine}"))),
        }
    }
    fn add_worker(&self, _: &WorkerSpec) -> PluginResult<()> {
        Err("not used".into())
    }
    fn remove_worker(&self, _: &str) -> PluginResult<()> {
        Err("not used".into())
    }
    fn reboot(&self, _: &str) -> PluginResult<()> {
        Err("not used".into())
    }
    fn guest_image(&self, _: &ImageRequest) -> PluginResult<String> {
        Err("not used".into())
    }
}

/// A fake `bkr` logging its arguments to `bkr.log` beside it.
fn fake_bkr(dir: &std::path::Path, body: &str) {
    let script = dir.join("bkr");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\necho \"$@\" >> '{}/bkr.log'\n{body}\n",
            dir.display()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn bkr_runs_on_the_controller_by_default() {
    let beaker = Beaker::new(&Map::new()).unwrap();
    assert_eq!(beaker.client, runperf_plugin_api::CONTROLLER);
    assert!(!beaker.calm_given);
}

fn beaker(calm_timeout: f64) -> Beaker {
    let params = json!({"client": "ctl", "reboot_wait": 0, "ssh_timeout": 1, "calm_timeout": calm_timeout, "poll": 0.01});
    Beaker::new(params.as_object().unwrap()).unwrap()
}

fn request() -> ProvisionRequest {
    ProvisionRequest {
        machine: "box1".into(),
        address: "box1.lab.example".into(),
        distro: "RHEL-9.4.0-20240101.1".into(),
        extra: Map::new(),
        load_timeout_secs: Some(3600.0),
    }
}

fn provision(host: &Local, mut beaker: Beaker) -> PluginResult<()> {
    lend(host, |ffi| {
        beaker.provision(&Host::from_ffi(ffi), &request())
    })
}

#[test]
fn lists_the_tree_then_provisions_it_and_waits_for_a_calm_machine() {
    let dir = tempfile::tempdir().unwrap();
    fake_bkr(
        dir.path(),
        r#"case "$1" in distro-trees-list) echo '[{"distro_tree_id": 12345, "distro_name": "RHEL-9.4.0-20240101.1"}]';; esac"#,
    );
    let host = Local::new(dir.path(), vec!["3.10", "1.20", "0.35"]);
    provision(&host, beaker(5.0)).unwrap();
    let log = std::fs::read_to_string(dir.path().join("bkr.log")).unwrap();
    assert_eq!(
        log,
        "distro-trees-list --arch x86_64 --limit 1 --name RHEL-9.4.0-20240101.1 --format json\n\
         system-provision --distro-tree 12345 box1.lab.example\n"
    );
    let calls = host.calls.lock().unwrap().clone();
    assert_eq!(
        &calls[..2],
        [
            "ctl: bkr distro-trees-list --arch x86_64 --limit 1 --name RHEL-9.4.0-20240101.1 --format json",
            "ctl: bkr system-provision --distro-tree 12345 box1.lab.example"
        ]
    );
    assert_eq!(
        &calls[2..],
        [
            "box1: true",
            "box1: read /proc/loadavg",
            "box1: read /proc/loadavg",
            "box1: read /proc/loadavg"
        ]
    );
    assert!(
        host.logs
            .lock()
            .unwrap()
            .iter()
            .all(|l| !l.contains("did not calm down"))
    );
}

#[test]
fn a_busy_machine_is_used_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    fake_bkr(dir.path(), r#"echo '[{"distro_tree_id": 7}]'"#);
    let host = Local::new(dir.path(), vec!["4.00"]);
    provision(&host, beaker(0.05)).unwrap();
    assert!(
        host.logs
            .lock()
            .unwrap()
            .iter()
            .any(|l| l.contains("box1 did not calm down"))
    );
}

#[test]
fn missing_bkr_says_what_to_install() {
    let dir = tempfile::tempdir().unwrap();
    let host = Local {
        path: dir.path().display().to_string(),
        ..Local::new(dir.path(), vec!["0"])
    };
    let err = provision(&host, beaker(1.0)).unwrap_err();
    assert!(
        err.message()
            .contains("bkr (the Beaker client) is not installed on ctl: install beaker-client"),
        "{err:#}"
    );
}

#[test]
fn bkr_failures_and_unknown_distros_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    fake_bkr(dir.path(), "echo 'HTTP 401: not logged in' >&2; exit 1");
    let host = Local::new(dir.path(), vec!["0"]);
    let err = provision(&host, beaker(1.0)).unwrap_err();
    assert_eq!(
        format!("{err:#}"),
        "bkr distro-trees-list failed on ctl (exit 1): HTTP 401: not logged in"
    );

    let dir = tempfile::tempdir().unwrap();
    fake_bkr(dir.path(), "echo '[]'");
    let host = Local::new(dir.path(), vec!["0"]);
    let err = provision(&host, beaker(1.0)).unwrap_err();
    assert!(
        err.message()
            .contains("Beaker has no distro tree named RHEL-9.4.0-20240101.1 for x86_64"),
        "{err:#}"
    );

    let dir = tempfile::tempdir().unwrap();
    fake_bkr(
        dir.path(),
        r#"case "$1" in distro-trees-list) echo '[{"distro_tree_id": 9}]';; *) echo 'system busy' >&2; exit 2;; esac"#,
    );
    let host = Local::new(dir.path(), vec!["0"]);
    let err = provision(&host, beaker(1.0)).unwrap_err();
    assert_eq!(
        format!("{err:#}"),
        "bkr system-provision failed on ctl (exit 2): system busy"
    );
}

#[test]
fn a_machine_that_never_comes_back_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    fake_bkr(dir.path(), r#"echo '[{"distro_tree_id": 7}]'"#);
    let host = Local {
        down: true,
        ..Local::new(dir.path(), vec!["0"])
    };
    let err = provision(&host, beaker(1.0)).unwrap_err();
    let text = format!("{err:#}");
    assert!(
        text.starts_with("box1 does not answer 1 s after Beaker started provisioning it"),
        "{text}"
    );
    assert!(text.ends_with("Connection refused"), "{text}");
}

#[test]
fn answers_are_parsed_like_the_reference() {
    assert_eq!(
        bkr::parse_tree_id(r#"[{"distro_tree_id": 42, "arch": "x86_64"}]"#).as_deref(),
        Some("42")
    );
    assert_eq!(bkr::parse_tree_id("[]"), None);
    assert_eq!(bkr::parse_tree_id("not json"), None);
    assert_eq!(settle::one_minute_load("0.99 1 1 1/2 3"), Some(0.99));
    assert!(Beaker::new(json!({"ssh_timeout": "soon"}).as_object().unwrap()).is_err());
}
