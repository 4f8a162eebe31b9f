//! pbench installers loaded from plugin libraries: the host tries them in
//! order-key order (the downstream fixture's `40AcmeMirror` before the
//! built-in `50Dnf`), the first success wins, one that does not apply or
//! fails passes to the next, and when none succeeds the error lists each
//! one's reason. A test plugin reaches them through the host services.

mod support;

use std::sync::Arc;

use runperf::plugins::{Catalog, SearchPath, pbench};
use runperf_plugin_api::{ComponentKind, PbenchRequest, TestContext, TestRun};
use runperf_plugin_sdk::serde_json::json;
use runperf_plugin_sdk::testing::{ScriptedHost, assert_in_order, fail, ok};
use support::fixture_plugins::install;

const DOWNSTREAM: &str = "acme_runperf_plugins";
const INSTALLERS: &str = "runperf_pbench_installers";

fn catalog(libs: &[&str]) -> (tempfile::TempDir, Catalog) {
    let tmp = tempfile::tempdir().unwrap();
    install(tmp.path(), libs);
    let catalog = Catalog::discover(&SearchPath::new(vec![tmp.path().to_owned()]));
    assert!(catalog.rejected().is_empty(), "{:?}", catalog.rejected());
    (tmp, catalog)
}

/// A Fedora machine `h1`: dnf, and the agent's default config.
fn fedora() -> ScriptedHost {
    let host = ScriptedHost::new();
    host.on("h1: sh -c command -v \"$1\" sh dnf", [ok("/usr/bin/dnf\n")]);
    host.set_file(
        "h1",
        "/opt/pbench-agent/config/pbench-agent-default.cfg",
        "[results]\nssh_opts = -q\n",
    );
    host
}

fn request() -> PbenchRequest {
    PbenchRequest::new("h1").test("fio")
}

#[test]
fn the_downstream_installer_comes_before_dnf() {
    let (_tmp, catalog) = catalog(&[INSTALLERS, DOWNSTREAM]);
    let order: Vec<(&str, &str)> = pbench::installers(&catalog)
        .iter()
        .map(|e| (e.info.name.as_str(), e.info.order_key.as_str()))
        .collect();
    assert_eq!(order, [("AcmeMirror", "40AcmeMirror"), ("Dnf", "50Dnf")]);
    let kind = catalog.find(ComponentKind::PbenchInstaller, "dnf").unwrap();
    assert_eq!(kind.info.name, "Dnf");
}

#[test]
fn the_first_installer_that_succeeds_wins() {
    let (_tmp, catalog) = catalog(&[INSTALLERS, DOWNSTREAM]);
    let host = fedora();
    host.set_metadata(json!({"acme_pbench_mirror": "https://mirror.acme.test"}));
    pbench::install(&catalog, &host, &request()).unwrap();
    assert_eq!(
        host.calls(),
        ["run h1: acme-pkg install --mirror https://mirror.acme.test pbench-agent fio pbench-fio"]
    );
}

#[test]
fn an_installer_that_does_not_apply_passes_to_the_next() {
    let (_tmp, catalog) = catalog(&[INSTALLERS, DOWNSTREAM]);
    let host = fedora();
    host.on("h1: rpm -q", [ok("installed\n")]);
    pbench::install(&catalog, &host, &request()).unwrap();
    let calls = host.calls();
    assert!(!calls.iter().any(|c| c.contains("acme-pkg")), "{calls:?}");
    assert_in_order(
        &calls,
        &[
            "run h1: sh -c command -v \"$1\" sh dnf",
            "run h1: dnf -y copr enable ndokos/pbench",
            "run h1: rpm -q pbench-fio",
        ],
    );
}

#[test]
fn a_failing_installer_passes_to_the_next_too() {
    let (_tmp, catalog) = catalog(&[INSTALLERS, DOWNSTREAM]);
    let host = fedora();
    host.set_metadata(json!({"acme_pbench_mirror": "https://mirror.acme.test"}));
    host.on("h1: acme-pkg", [fail(1, "mirror unreachable")]);
    host.on("h1: rpm -q", [ok("installed\n")]);
    pbench::install(&catalog, &host, &request()).unwrap();
    assert_in_order(
        &host.calls(),
        &["run h1: acme-pkg install", "run h1: dnf -y copr enable"],
    );
}

#[test]
fn when_none_succeeds_the_error_lists_every_installer_and_its_reason() {
    let (_tmp, catalog) = catalog(&[INSTALLERS, DOWNSTREAM]);
    let host = ScriptedHost::new();
    let err = pbench::install(&catalog, &host, &request())
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "cannot install pbench-agent and pbench-fio on h1, no pbench installer succeeded:\n  \
         AcmeMirror: no acme_pbench_mirror in the metadata\n  \
         Dnf: h1 has no dnf"
    );
}

#[test]
fn without_installers_the_error_says_so() {
    let (_tmp, catalog) = catalog(&["runperf_profile_localhost"]);
    let err = pbench::install(&catalog, &ScriptedHost::new(), &request())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("no pbench installer plugins were found"),
        "{err}"
    );
}

#[test]
fn a_test_plugin_reaches_the_installers_through_the_host() {
    let (_tmp, catalog) = catalog(&[INSTALLERS, DOWNSTREAM, "runperf_test_fio"]);
    let catalog = Arc::new(catalog);
    let host = ScriptedHost::new();
    host.set_metadata(json!({"acme_pbench_mirror": "https://mirror.acme.test"}));
    host.on(" sh fio", [ok("/usr/bin/fio\n")]);
    let installers = Arc::clone(&catalog);
    host.answer_pbench(move |host, request| {
        pbench::install(&installers, host, request)?;
        host.on(
            " sh pbench-fio",
            [ok("/opt/pbench-agent/bench-scripts/pbench-fio\n")],
        );
        Ok(())
    });
    let entry = catalog.find(ComponentKind::Test, "fio").unwrap();
    let context = TestContext {
        extra: json!({"pbench": "yes"}).as_object().cloned().unwrap(),
        ..TestContext::default()
    };
    let mut test = entry.library.new_test("fio", &context).unwrap();
    let run = TestRun {
        host: "h1".into(),
        profile: "P".into(),
        workers: vec![vec!["w1".into()]],
        output_dir: "/nonexistent".into(),
        ..TestRun::default()
    };
    test.setup(&host, &run).unwrap();
    assert_in_order(
        &host.calls(),
        &[
            "install_pbench h1 fio",
            "run h1: acme-pkg install --mirror https://mirror.acme.test pbench-agent fio pbench-fio",
            "install_pbench w1 fio",
            "run w1: acme-pkg install",
            "pbench-register-tool",
        ],
    );
}
