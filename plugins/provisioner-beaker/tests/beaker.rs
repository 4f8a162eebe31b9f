//! Beaker with a fake `bkr` on PATH: a test host runs every command on
//! this machine with std::process, with the fake client's dir first on
//! PATH, and answers `/proc/loadavg` from a script of loads.

use runperf_plugin_sdk::settle;
use runperf_plugin_sdk::{
    PluginResult, ProvisionRequest, Provisioner,
    serde_json::{Map, json},
    testing::{LocalHost, ScriptedHost, fail},
};
use runperf_provisioner_beaker::{Beaker, bkr};

/// Runs commands here with `local`; box1 answers `/proc/loadavg` with
/// `loads` in turn.
fn host_with(local: LocalHost, loads: &[&str]) -> ScriptedHost {
    let host = ScriptedHost::local_with(local);
    host.set_params("box1", json!({"arch": "x86_64"}));
    let loadavg = loads.iter().map(|l| format!("{l} 0.50 0.40 1/100 1234\n"));
    host.on_read("box1:/proc/loadavg", loadavg);
    host
}

/// Runs commands here with `bin` first on PATH.
fn host_on_path(bin: &std::path::Path, loads: &[&str]) -> ScriptedHost {
    host_with(LocalHost::new().path_prefix(bin), loads)
}

/// Whether the plugin logged a message containing `text`.
fn logged(host: &ScriptedHost, text: &str) -> bool {
    host.logs().iter().any(|(_, l)| l.contains(text))
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
    assert_eq!(beaker.client, runperf_plugin_sdk::CONTROLLER);
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

fn provision(host: &ScriptedHost, mut beaker: Beaker) -> PluginResult<()> {
    host.with(|h| beaker.provision(h, &request()))
}

#[test]
fn lists_the_tree_then_provisions_it_and_waits_for_a_calm_machine() {
    let dir = tempfile::tempdir().unwrap();
    fake_bkr(
        dir.path(),
        r#"case "$1" in distro-trees-list) echo '[{"distro_tree_id": 12345, "distro_name": "RHEL-9.4.0-20240101.1"}]';; esac"#,
    );
    let host = host_on_path(dir.path(), &["3.10", "1.20", "0.35"]);
    provision(&host, beaker(5.0)).unwrap();
    let log = std::fs::read_to_string(dir.path().join("bkr.log")).unwrap();
    assert_eq!(
        log,
        "distro-trees-list --arch x86_64 --limit 1 --name RHEL-9.4.0-20240101.1 --format json\n\
         system-provision --distro-tree 12345 box1.lab.example\n"
    );
    let calls = host.calls();
    assert_eq!(
        &calls[..2],
        [
            "run ctl: bkr distro-trees-list --arch x86_64 --limit 1 --name RHEL-9.4.0-20240101.1 --format json",
            "run ctl: bkr system-provision --distro-tree 12345 box1.lab.example"
        ]
    );
    assert_eq!(
        &calls[2..],
        [
            "run box1: true",
            "read box1:/proc/loadavg",
            "read box1:/proc/loadavg",
            "read box1:/proc/loadavg"
        ]
    );
    assert!(!logged(&host, "did not calm down"));
}

#[test]
fn a_busy_machine_is_used_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    fake_bkr(dir.path(), r#"echo '[{"distro_tree_id": 7}]'"#);
    let host = host_on_path(dir.path(), &["4.00"]);
    provision(&host, beaker(0.05)).unwrap();
    assert!(logged(&host, "box1 did not calm down"));
}

#[test]
fn missing_bkr_says_what_to_install() {
    let dir = tempfile::tempdir().unwrap();
    let host = host_with(LocalHost::new().path_only(dir.path()), &["0"]);
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
    let host = host_on_path(dir.path(), &["0"]);
    let err = provision(&host, beaker(1.0)).unwrap_err();
    assert_eq!(
        format!("{err:#}"),
        "bkr distro-trees-list failed on ctl (exit 1): HTTP 401: not logged in"
    );

    let dir = tempfile::tempdir().unwrap();
    fake_bkr(dir.path(), "echo '[]'");
    let host = host_on_path(dir.path(), &["0"]);
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
    let host = host_on_path(dir.path(), &["0"]);
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
    let host = host_on_path(dir.path(), &["0"]);
    // The provisioned machine refuses connections.
    host.on("box1: ", [fail(255, "Connection refused")]);
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
