//! Calling components of loaded plugin libraries through the host's
//! catalog: the real Localhost profile, panics, name lookup.

mod support;

use runperf::plugins::{Catalog, SearchPath};
use runperf_plugin_api::{ComponentKind, ProfileContext};
use runperf_plugin_sdk::{markers, testing::ScriptedHost};
use support::fixture_plugins::install;

fn catalog(libs: &[&str]) -> (tempfile::TempDir, Catalog) {
    let tmp = tempfile::tempdir().unwrap();
    install(tmp.path(), libs);
    let search = SearchPath::new(vec![tmp.path().to_owned()]);
    (tmp, Catalog::discover(&search))
}

fn context(host: &str) -> ProfileContext {
    ProfileContext {
        host: host.into(),
        ..ProfileContext::default()
    }
}

#[test]
fn localhost_keeps_persistent_markers_and_detects_a_crashed_run() {
    let (_tmp, catalog) = catalog(&["runperf_profile_localhost"]);
    let entry = catalog.find(ComponentKind::Profile, "Localhost").unwrap();
    let host = ScriptedHost::new();
    let mut profile = entry
        .library
        .new_profile("Localhost", &context("h1"))
        .unwrap();
    assert_eq!(profile.name(), "Localhost");

    let applied = profile.apply(&host, None).unwrap();
    assert_eq!(applied.workers, ["h1"]);
    assert!(!applied.reboot_required);
    assert_eq!(
        host.persistent("h1", "set_profile").as_deref(),
        Some("Localhost")
    );
    assert_eq!(
        host.persistent("h1", "applied_profile").as_deref(),
        Some("Localhost")
    );

    // A second run while the first is still applied (it crashed) is refused.
    let mut again = entry
        .library
        .new_profile("Localhost", &context("h1"))
        .unwrap();
    let err = again.apply(&host, None).unwrap_err();
    assert!(err.message().contains("already applied"), "{err:#}");

    assert!(!profile.revert(&host).unwrap());
    assert_eq!(host.persistent("h1", "set_profile"), None);
    assert_eq!(host.persistent("h1", "applied_profile"), None);
    // Nothing left to revert: still fine.
    assert!(!profile.revert(&host).unwrap());
}

#[test]
fn paths_registered_for_removal_stay_separate_lines() {
    let (_tmp, catalog) = catalog(&["runperf_profile_localhost"]);
    let entry = catalog.find(ComponentKind::Profile, "Localhost").unwrap();
    let host = ScriptedHost::new();
    let mut profile = entry
        .library
        .new_profile("Localhost", &context("h1"))
        .unwrap();
    profile.apply(&host, None).unwrap();
    // Written by another tool (the reference): no final newline.
    runperf_plugin_api::HostServices::persistent_set(
        &host,
        "h1",
        "cleanup/paths_to_be_removed",
        Some("/img/old"),
    )
    .unwrap();
    host.with(|h| {
        markers::remove_on_revert(h, "h1", "/img/a.qcow2").unwrap();
        markers::remove_on_revert(h, "h1", "/img/a.qcow2.key.pub").unwrap();
    });
    assert_eq!(
        host.persistent("h1", "cleanup/paths_to_be_removed")
            .as_deref(),
        Some("/img/old\n/img/a.qcow2\n/img/a.qcow2.key.pub\n")
    );
    profile.revert(&host).unwrap();
    let removed: Vec<String> = host
        .commands()
        .iter()
        .map(|(_, c)| format!("{:?}", c.line))
        .filter(|l| l.contains("rm"))
        .collect();
    assert_eq!(removed.len(), 3, "{removed:?}");
    assert!(removed[1].contains("\"/img/a.qcow2\""), "{removed:?}");
}

#[test]
fn the_host_keeps_the_markers_under_the_name_it_gave_the_profile() {
    let (_tmp, catalog) = catalog(&["runperf_profile_localhost"]);
    let entry = catalog.find(ComponentKind::Profile, "Localhost").unwrap();
    let host = ScriptedHost::new();
    let mut ctx = context("h1");
    ctx.name = "quick".into();
    let mut profile = entry.library.new_profile("Localhost", &ctx).unwrap();
    assert_eq!(profile.name(), "quick");
    profile.apply(&host, None).unwrap();
    assert_eq!(
        host.persistent("h1", "set_profile").as_deref(),
        Some("quick")
    );
    assert_eq!(
        host.persistent("h1", "applied_profile").as_deref(),
        Some("quick")
    );
    // Another name recorded there: the revert refuses, naming both.
    let mut other = entry
        .library
        .new_profile("Localhost", &context("h1"))
        .unwrap();
    let err = other.revert(&host).unwrap_err();
    assert!(err.message().contains("records profile quick"), "{err:#}");
    assert!(!profile.revert(&host).unwrap());
    assert!(
        host.persistent_keys().is_empty(),
        "{:?}",
        host.persistent_keys()
    );
}

#[test]
fn a_failed_apply_leaves_the_marker_for_the_revert_which_clears_it() {
    let (_tmp, catalog) = catalog(&["probe_plugin"]);
    let entry = catalog.find(ComponentKind::Profile, "Flaky").unwrap();
    let host = ScriptedHost::new();
    let mut ctx = context("h1");
    ctx.extra.insert("fail_apply".into(), 1.into());
    let mut profile = entry.library.new_profile("Flaky", &ctx).unwrap();
    let err = profile.apply(&host, None).unwrap_err();
    assert!(err.message().contains("failing on purpose"), "{err:#}");
    assert_eq!(
        host.persistent("h1", "set_profile").as_deref(),
        Some("Flaky")
    );
    assert_eq!(host.persistent("h1", "applied_profile"), None);
    assert!(!profile.revert(&host).unwrap());
    assert_eq!(host.persistent("h1", "set_profile"), None);
}

#[test]
fn a_panic_in_a_plugin_call_is_an_error_naming_the_call() {
    let (_tmp, catalog) = catalog(&["panicking_plugin"]);
    let host = ScriptedHost::new();
    let entry = catalog.find(ComponentKind::Profile, "Panicky").unwrap();
    let mut profile = entry
        .library
        .new_profile("Panicky", &context("h1"))
        .unwrap();
    let err = profile.apply(&host, None).unwrap_err();
    assert_eq!(err.message(), "panicked in Profile::apply");
    assert_eq!(
        err.causes().collect::<Vec<_>>(),
        ["Panicky::apply always panics"]
    );
    // The library still answers after the panic.
    assert!(!profile.revert(&host).unwrap());

    let entry = catalog
        .find(ComponentKind::Profile, "PanicOnCreate")
        .unwrap();
    let err = entry
        .library
        .new_profile("PanicOnCreate", &context("h1"))
        .err()
        .expect("creation fails");
    assert_eq!(err.message(), "panicked in creating profile PanicOnCreate");
}

#[test]
fn names_match_ignoring_case_when_unambiguous() {
    let (_tmp, catalog) = catalog(&["runperf_profile_localhost", "panicking_plugin"]);
    let found = catalog.find(ComponentKind::Profile, "localhost").unwrap();
    assert_eq!(found.info.name, "Localhost");
    let err = catalog
        .find(ComponentKind::Profile, "Nope")
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "no profile named \"Nope\"; known: Localhost, PanicOnCreate, Panicky"
    );
    let err = catalog
        .find(ComponentKind::Test, "fio")
        .unwrap_err()
        .to_string();
    assert!(err.contains("no test plugins were found"), "{err}");
}

#[test]
fn downstream_result_parser_reads_its_files() {
    let (tmp, catalog) = catalog(&["acme_runperf_plugins"]);
    let entry = catalog
        .find(ComponentKind::ResultParser, "AcmeMetrics")
        .unwrap();
    let parser = entry.library.new_result_parser("AcmeMetrics").unwrap();
    assert!(parser.handles("metrics.json"));
    assert!(!parser.handles("result.json"));
    let file = tmp.path().join("metrics.json");
    std::fs::write(&file, r#"{"boot_ms": 812.5}"#).unwrap();
    let checks = parser.parse(&file).unwrap();
    assert_eq!(checks.len(), 1);
    assert_eq!(checks[0].name, "./metrics/boot_ms.mean");
    assert_eq!(checks[0].value, Some(812.5));
    std::fs::write(&file, r#"{"boot_ms": "#).unwrap();
    let err = parser.parse(&file).unwrap_err();
    assert!(err.message().starts_with("invalid JSON"), "{err:#}");
}
