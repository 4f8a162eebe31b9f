//! The ABI promise of docs/plugins.md ("Versioning"): a plugin built
//! against runperf-plugin-api 0.1.0 (the downstream example as it was
//! then, against plugin-api as it was then; see tests/plugins-0.1.0/)
//! loads into today's host, which sees the root-module fields appended
//! since (`protocol` in 0.1.1; `extra_components`, `new_test_2` and
//! `new_pbench_installer` in 0.1.2) as absent, and its components work.
//! Likewise a test plugin built against 0.1.1 (tests/plugins-0.1.1/),
//! whose tests the host creates with `new_test` of 0.1.0.

mod support;

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use runperf::plugins::{Catalog, SearchPath};
use runperf_plugin_api::{ComponentKind, ProfileContext, ffi::PROTOCOL};
use runperf_plugin_sdk::testing::ScriptedHost;
use support::fixture_plugins::{install, released_0_1_0, released_0_1_1};
use support::run_perf::{Bench, files, read, stderr};

/// `dir` with the 0.1.0-built library and today's `libs`.
fn plugin_dir(dir: &Path, libs: &[&str]) {
    install(dir, libs);
    let old = released_0_1_0();
    std::fs::copy(old, dir.join(old.file_name().unwrap())).unwrap();
}

#[test]
fn run_perf_lists_a_plugin_built_against_0_1_0_without_rejection() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("plugins");
    plugin_dir(&dir, &["runperf_profile_localhost"]);
    let out = Command::cargo_bin("run-perf")
        .unwrap()
        .args(["--list-plugins", "--plugin-path"])
        .arg(&dir)
        .env("HOME", tmp.path())
        .env_remove("XDG_DATA_HOME")
        .env_remove("RUNPERF_PLUGIN_PATH")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains("rejected"), "{text}");
    let line = |needle: &str| {
        text.lines()
            .find(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("no line with {needle:?} in:\n{text}"))
            .to_owned()
    };
    assert!(
        line("40Localhost").contains("libacme_runperf_plugins.so"),
        "{text}"
    );
    assert!(line("AcmeMetrics").starts_with("result-parser"), "{text}");
    assert!(line("overridden").contains("50Localhost"), "{text}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("ignoring plugin file"), "{stderr}");
}

#[test]
fn the_field_appended_since_0_1_0_is_absent_in_an_old_library_and_present_in_new_ones() {
    let tmp = tempfile::tempdir().unwrap();
    plugin_dir(tmp.path(), &["runperf_profile_localhost"]);
    let catalog = Catalog::discover(&SearchPath::new(vec![tmp.path().to_owned()]));
    assert!(catalog.rejected().is_empty(), "{:?}", catalog.rejected());
    let old = catalog.find(ComponentKind::Profile, "Localhost").unwrap();
    assert!(old.path().ends_with("libacme_runperf_plugins.so"));
    assert_eq!(old.library.protocol(), None);
    let overridden = catalog.overrides();
    assert_eq!(overridden[0].loser.library.protocol(), Some(PROTOCOL));
}

#[test]
fn the_fields_appended_in_0_1_2_are_absent_in_an_old_library_and_present_in_new_ones() {
    let tmp = tempfile::tempdir().unwrap();
    plugin_dir(tmp.path(), &["runperf_pbench_installers"]);
    let catalog = Catalog::discover(&SearchPath::new(vec![tmp.path().to_owned()]));
    assert!(catalog.rejected().is_empty(), "{:?}", catalog.rejected());
    let old = &catalog
        .find(ComponentKind::Profile, "Localhost")
        .unwrap()
        .library;
    // No extra components, and asking for an installer says why.
    assert_eq!(old.components().len(), 2, "{:?}", old.components());
    let err = old.new_pbench_installer("Dnf").err().unwrap().to_string();
    assert!(err.contains("predates pbench installers"), "{err}");
    // The new library declares its installer through extra_components.
    let dnf = catalog.find(ComponentKind::PbenchInstaller, "Dnf").unwrap();
    assert_eq!(dnf.info.order_key, "50Dnf");
    dnf.library.new_pbench_installer("Dnf").unwrap();
}

#[test]
fn an_old_librarys_profile_keeps_its_own_markers_and_its_parser_reads() {
    let tmp = tempfile::tempdir().unwrap();
    plugin_dir(tmp.path(), &[]);
    let catalog = Catalog::discover(&SearchPath::new(vec![tmp.path().to_owned()]));
    let entry = catalog.find(ComponentKind::Profile, "Localhost").unwrap();
    let host = ScriptedHost::new();
    let context = ProfileContext {
        host: "h1".into(),
        ..ProfileContext::default()
    };
    let mut profile = entry.library.new_profile("Localhost", &context).unwrap();
    let applied = profile.apply(&host, None).unwrap();
    assert_eq!(applied.workers, ["h1"]);
    assert_eq!(
        host.persistent("h1", "set_profile").as_deref(),
        Some("Localhost")
    );
    assert!(!profile.revert(&host).unwrap());
    assert_eq!(host.persistent("h1", "set_profile"), None);
    assert_eq!(host.persistent("h1", "applied_profile"), None);

    let parser = catalog
        .find(ComponentKind::ResultParser, "AcmeMetrics")
        .unwrap()
        .library
        .new_result_parser("AcmeMetrics")
        .unwrap();
    let file = tmp.path().join("metrics.json");
    std::fs::write(&file, r#"{"boot_ms": 812.5}"#).unwrap();
    let checks = parser.parse(&file).unwrap();
    assert_eq!(checks[0].name, "./metrics/boot_ms.mean");
    assert_eq!(checks[0].value, Some(812.5));
}

/// Runs the probe test with value 7 under Localhost, asserts it passed
/// and wrote that value, and returns the result dir.
fn runs_probe_with_value_7(bench: &Bench) -> PathBuf {
    let out = bench.out("result");
    let o = bench.run(&[
        "--output",
        out.to_str().unwrap(),
        "--",
        "probe:{\"value\": 7}",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let result = read(&out.join("Localhost/probe/0000/result.json"));
    assert!(result.contains("\"mean\": 7.0"), "{result}");
    out
}

#[test]
fn run_perf_runs_tests_under_the_profile_of_a_0_1_0_library() {
    let bench = Bench::with_plugins(&["probe_plugin"]);
    plugin_dir(&bench.plugins(), &[]);
    let out = runs_probe_with_value_7(&bench);
    assert!(
        files(&out).contains(&"Localhost/__sessions__/localhost".to_owned()),
        "{:?}",
        files(&out)
    );
    assert!(bench.markers().is_empty(), "{:?}", bench.markers());

    // Its own markers still detect a run that crashed with it applied.
    std::fs::write(bench.state().join("set_profile"), "Localhost\n").unwrap();
    let again = bench.out("again");
    let o = bench.run(&[
        "--output",
        again.to_str().unwrap(),
        "--retry-tests",
        "1",
        "--",
        "probe",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let traceback = read(&again.join("__error0__/traceback"));
    assert!(
        traceback.contains("profile Localhost is already applied there"),
        "{traceback}"
    );
}

#[test]
fn run_perf_runs_the_test_of_a_0_1_1_library() {
    let bench = Bench::with_plugins(&["runperf_profile_localhost"]);
    let old = released_0_1_1();
    std::fs::copy(old, bench.plugins().join(old.file_name().unwrap())).unwrap();
    let catalog = Catalog::discover(&SearchPath::new(vec![bench.plugins()]));
    assert!(catalog.rejected().is_empty(), "{:?}", catalog.rejected());
    let probe = &catalog.find(ComponentKind::Test, "probe").unwrap().library;
    assert_eq!(probe.protocol(), Some(PROTOCOL));
    let err = probe.new_pbench_installer("Dnf").err().unwrap().to_string();
    assert!(err.contains("predates pbench installers"), "{err}");

    runs_probe_with_value_7(&bench);
}
