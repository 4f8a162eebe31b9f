//! `run-perf --list-plugins` through the real binary: where plugins are
//! found, which file is rejected and why, which component wins.

mod support;

use std::{path::Path, process::Output};

use assert_cmd::Command;
use support::fixture_plugins::{install, lib};

const LOCALHOST: &str = "runperf_profile_localhost";

/// `run-perf --list-plugins` with a clean environment: no user data dir,
/// no RUNPERF_PLUGIN_PATH, so only what the test sets up is found.
fn list(exe: &Path, home: &Path, args: &[&str], env_path: Option<&Path>) -> Output {
    let mut cmd = Command::new(exe);
    cmd.arg("--list-plugins")
        .args(args)
        .env("HOME", home)
        .env_remove("XDG_DATA_HOME")
        .env_remove("RUNPERF_PLUGIN_PATH");
    if let Some(path) = env_path {
        cmd.env("RUNPERF_PLUGIN_PATH", path);
    }
    cmd.output().unwrap()
}

/// A copy of the run-perf binary in `dir/bin`, so that the plugins next
/// to it are the test's own.
fn private_run_perf(dir: &Path) -> std::path::PathBuf {
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let exe = bin.join("run-perf");
    std::fs::copy(assert_cmd::cargo::cargo_bin("run-perf"), &exe).unwrap();
    exe
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn line_with<'a>(text: &'a str, needle: &str) -> &'a str {
    text.lines()
        .find(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("no line with {needle:?} in:\n{text}"))
}

#[test]
fn finds_plugins_next_to_the_executable() {
    let tmp = tempfile::tempdir().unwrap();
    let exe = private_run_perf(tmp.path());
    install(&tmp.path().join("bin"), &[LOCALHOST]);
    let out = list(&exe, tmp.path(), &[], None);
    assert!(out.status.success());
    let text = stdout(&out);
    let line = line_with(&text, "Localhost");
    let fields: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(fields[..3], ["profile", "Localhost", "50Localhost"]);
    assert!(
        fields[3].ends_with("bin/librunperf_profile_localhost.so"),
        "{line}"
    );
    assert_eq!(text.lines().count(), 1, "{text}");
}

#[test]
fn finds_plugins_in_lib_runperf_plugins_and_user_data_dir() {
    let tmp = tempfile::tempdir().unwrap();
    let exe = private_run_perf(tmp.path());
    install(&tmp.path().join("lib/runperf/plugins"), &[LOCALHOST]);
    install(
        &tmp.path().join(".local/share/runperf/plugins"),
        &["acme_runperf_plugins"],
    );
    let text = stdout(&list(&exe, tmp.path(), &[], None));
    assert!(line_with(&text, "50Localhost").contains("lib/runperf/plugins/"));
    assert!(line_with(&text, "AcmeMetrics").contains(".local/share/runperf/plugins/"));
}

#[test]
fn paths_option_searches_its_plugins_subdir() {
    let tmp = tempfile::tempdir().unwrap();
    let exe = private_run_perf(tmp.path());
    install(&tmp.path().join("assets/plugins"), &[LOCALHOST]);
    let assets = tmp.path().join("assets");
    let text = stdout(&list(
        &exe,
        tmp.path(),
        &["--paths", assets.to_str().unwrap()],
        None,
    ));
    assert!(line_with(&text, "Localhost").contains("assets/plugins/"));
}

#[test]
fn every_rejected_file_gets_one_clear_reason_and_the_listing_goes_on() {
    let tmp = tempfile::tempdir().unwrap();
    let exe = private_run_perf(tmp.path());
    install(&tmp.path().join("bin"), &[LOCALHOST]);
    let bad = tmp.path().join("bad");
    install(
        &bad,
        &[
            "not_a_plugin",
            "wrong_version_plugin",
            "wrong_layout_plugin",
        ],
    );
    std::fs::write(bad.join("libempty.so"), b"").unwrap();
    std::fs::write(bad.join("libfoo.so"), b"this is a text file\n").unwrap();
    let noise: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    std::fs::write(bad.join("librandom.so"), noise).unwrap();

    let out = list(&exe, tmp.path(), &[], Some(&bad));
    assert!(out.status.success(), "{out:?}");
    let text = stdout(&out);
    line_with(&text, "50Localhost");
    let reason = |file: &str| {
        line_with(&text, file)
            .split_once(": ")
            .unwrap()
            .1
            .to_owned()
    };
    assert!(reason("libempty.so").starts_with("cannot be opened as a shared library"));
    assert!(reason("libfoo.so").starts_with("cannot be opened as a shared library"));
    assert!(reason("librandom.so").starts_with("cannot be opened as a shared library"));
    assert_eq!(
        reason("libnot_a_plugin.so"),
        "not a runperf plugin (it exports no plugin root module)"
    );
    assert!(
        reason("libwrong_version_plugin.so")
            .contains("built against runperf-plugin-api 9.0.0, but this runperf uses 0.1.2"),
        "{text}"
    );
    assert!(
        reason("libwrong_layout_plugin.so").contains("incompatible runperf-plugin-api layout"),
        "{text}"
    );
    assert_eq!(
        text.lines().filter(|l| l.starts_with("rejected")).count(),
        6,
        "{text}"
    );
    for line in text.lines() {
        assert!(line.len() < 400, "over-long line: {line}");
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        stderr.matches("ignoring plugin file").count(),
        6,
        "{stderr}"
    );
}

#[test]
fn lower_order_key_overrides_and_the_listing_names_both() {
    let tmp = tempfile::tempdir().unwrap();
    let exe = private_run_perf(tmp.path());
    install(&tmp.path().join("bin"), &[LOCALHOST]);
    let downstream = tmp.path().join("acme");
    install(&downstream, &["acme_runperf_plugins"]);
    let text = stdout(&list(
        &exe,
        tmp.path(),
        &["--plugin-path", downstream.to_str().unwrap()],
        None,
    ));
    let active = line_with(&text, "profile          Localhost");
    assert!(
        active.contains("40Localhost") && active.contains("acme/"),
        "{text}"
    );
    let overridden = line_with(&text, "overridden");
    assert!(
        overridden.contains("50Localhost")
            && overridden.contains("bin/librunperf_profile_localhost.so")
    );
    assert!(
        overridden.contains("by 40Localhost")
            && overridden.contains("acme/libacme_runperf_plugins.so")
    );
}

#[test]
fn the_same_library_found_twice_is_loaded_once() {
    let tmp = tempfile::tempdir().unwrap();
    let exe = private_run_perf(tmp.path());
    let dir = tmp.path().join("plugins");
    install(&dir, &[LOCALHOST]);
    let d = dir.to_str().unwrap();
    let text = stdout(&list(
        &exe,
        tmp.path(),
        &["--plugin-path", d, "--plugin-path", d],
        Some(&dir),
    ));
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(lib(LOCALHOST).is_file());
}

/// The `(kind, name, order key)` of every component `--list-plugins`
/// shows from the plugin libraries `libs` alone.
fn components_of(libs: &[&str]) -> Vec<Vec<String>> {
    // The cargo-built run-perf (no copy to execute: fewer chances of
    // "Text file busy"); only what the plugin path gives is looked at.
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("plugins");
    install(&dir, libs);
    let exe = assert_cmd::cargo::cargo_bin("run-perf");
    let args = ["--plugin-path", dir.to_str().unwrap()];
    let text = stdout(&list(&exe, tmp.path(), &args, None));
    text.lines()
        .filter(|l| l.ends_with(".so") && l.contains(dir.to_str().unwrap()))
        .map(|l| l.split_whitespace().take(3).map(str::to_owned).collect())
        .collect()
}

#[test]
fn the_fio_plugin_lists_fio_nbd_fio_libblkio_and_dummy_test_beside_fio() {
    assert_eq!(
        components_of(&["runperf_test_fio"]),
        [
            ["test", "DummyTest", "50DummyTest"],
            ["test", "PBenchFio", "50PBenchFio"],
            ["test", "fio", "50fio"],
            ["test", "fio-libblkio", "50fio-libblkio"],
            ["test", "fio-nbd", "50fio-nbd"],
        ]
    );
}

#[test]
fn the_linpack_plugin_lists_linpack() {
    assert_eq!(
        components_of(&["runperf_test_linpack"]),
        [["test", "linpack", "50linpack"]]
    );
}

#[test]
fn the_installers_plugin_lists_dnf_as_a_pbench_installer() {
    assert_eq!(
        components_of(&["runperf_pbench_installers"]),
        [["pbench-installer", "Dnf", "50Dnf"]]
    );
}

#[test]
fn the_uperf_plugin_lists_its_aliases() {
    assert_eq!(
        components_of(&["runperf_test_uperf"]),
        [
            ["test", "PBenchUperf", "50PBenchUperf"],
            ["test", "UPerf", "50UPerf"],
            ["test", "uperf", "50uperf"],
        ]
    );
}

#[test]
fn a_downstream_installer_is_listed_beside_dnf_not_over_it() {
    let listed = components_of(&["runperf_pbench_installers", "acme_runperf_plugins"]);
    let installers: Vec<_> = listed
        .iter()
        .filter(|c| c[0] == "pbench-installer")
        .collect();
    assert_eq!(
        installers,
        [
            &["pbench-installer", "AcmeMirror", "40AcmeMirror"],
            &["pbench-installer", "Dnf", "50Dnf"],
        ]
    );
}
