//! linpack with a scripted host: the refusal without pbench-linpack, the
//! binary detection in its order, and the command run for new and old
//! pbench-agents.

use runperf_plugin_sdk::serde_json::{Value, json};
use runperf_plugin_sdk::testing::{ScriptedHost, assert_in_order, ok, test_context};
use runperf_plugin_sdk::{Test, TestContext, TestRun};
use runperf_test_linpack::Linpack;

const RESULT_DIR: &str = "/var/lib/pbench-agent/linpack__2026.11.30T13.00.00";

/// A host `h` with 4 CPUs and pbench-linpack whose help prints `help`.
fn scripted(help: &str) -> ScriptedHost {
    let host = ScriptedHost::new();
    host.set_params("h", json!({"guest_cpus": 4}));
    host.on(
        "h: sh -c command -v \"$1\" sh pbench-linpack",
        [ok("/opt/pbench-agent/bench-scripts/pbench-linpack\n")],
    );
    host.on("h: sh -c pbench-linpack -h", [ok(help)]);
    host.on("h: sh -c ls -dt", [ok(&format!("{RESULT_DIR}/\n"))]);
    host
}

fn run(output: &std::path::Path) -> TestRun {
    TestRun {
        host: "h".into(),
        profile: "P".into(),
        workers: vec![vec!["w1".into()]],
        output_dir: output.to_string_lossy().into_owned(),
        ..TestRun::default()
    }
}

/// Runs setup and run in a dir already holding pbench's result.json (the
/// scripted copy copies nothing); the pbench command line run.
fn pbench_line(host: &ScriptedHost, extra: Value) -> String {
    let out = tempfile::tempdir().unwrap();
    std::fs::write(out.path().join("result.json"), "[]").unwrap();
    let mut test = Linpack::new(&test_context(extra)).unwrap();
    host.with(|h| test.setup(h, &run(out.path()))).unwrap();
    host.with(|h| test.run(h, &run(out.path()))).unwrap();
    host.calls()
        .into_iter()
        .find(|c| c.contains("/opt/pbench-agent/base"))
        .expect("a pbench command was run")
}

#[test]
fn without_pbench_linpack_setup_says_what_to_install() {
    let host = ScriptedHost::new();
    host.set_params("h", json!({"guest_cpus": 4}));
    let out = tempfile::tempdir().unwrap();
    let mut test = Linpack::new(&TestContext::default()).unwrap();
    let err = host
        .with(|h| test.setup(h, &run(out.path())))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("pbench-linpack, which is not installed on h"),
        "{err}"
    );
    assert!(!host.calls().iter().any(|c| c.contains("register-tool")));
}

#[test]
fn new_agents_get_the_binary_dir_and_the_default_sweep() {
    let host = scripted("Usage: pbench-linpack [--clients=...]");
    host.on(
        "h: sh -c command -v \"$1\" sh xlinpack_xeon64",
        [ok("/opt/intel/linpack/xlinpack_xeon64\n")],
    );
    let line = pbench_line(&host, json!({}));
    assert_eq!(
        line,
        "run h: sh -c . /opt/pbench-agent/base && linpack_dir='/opt/intel/linpack' \
         pbench-linpack --samples='3' --threads='1,2,4,6,8' --clients='w1'"
    );
    assert_in_order(
        &host.calls(),
        &[
            "pbench-register-tool --name=sar --remotes=h,w1",
            "sh linpack",
            "sh xlinpack_xeon64",
            "pbench-linpack -h",
            &format!("write h:{RESULT_DIR}/RUNPERF_METADATA.json"),
            &format!("copy_from h:{RESULT_DIR}/"),
        ],
    );
    assert!(
        !host
            .calls()
            .iter()
            .any(|c| c.contains("/usr/local/*/benchmarks"))
    );
}

#[test]
fn old_agents_run_pbench_run_benchmark_with_the_installed_binary() {
    let host = scripted("Usage: pbench-linpack [--samples=N]");
    host.on(
        "h: sh -c ls /usr/local/",
        [ok("/usr/local/intel/benchmarks/linpack/xlinpack_xeon64\n")],
    );
    let line = pbench_line(&host, json!({"samples": 1, "threads": "2"}));
    assert_eq!(
        line,
        "run h: sh -c . /opt/pbench-agent/base && ANSIBLE_HOST_KEY_CHECKING='false' \
         ANSIBLE_PYTHON_INTERPRETER='/usr/bin/python3' pbench-run-benchmark linpack \
         --run-samples='1' --threads='2' --clients='w1' \
         --linpack-binary='/usr/local/intel/benchmarks/linpack/xlinpack_xeon64'"
    );
}

#[test]
fn a_given_binary_skips_the_detection_and_none_found_is_an_error() {
    let host = scripted("--clients");
    let line = pbench_line(&host, json!({"linpack-binary": "/srv/lp/linpack"}));
    assert!(
        line.contains("linpack_dir='/srv/lp' pbench-linpack --linpack-binary='/srv/lp/linpack'"),
        "{line}"
    );
    assert!(
        !host
            .calls()
            .iter()
            .any(|c| c.contains("sh xlinpack_xeon64"))
    );

    let host = scripted("--clients");
    let out = tempfile::tempdir().unwrap();
    let mut test = Linpack::new(&TestContext::default()).unwrap();
    host.with(|h| test.setup(h, &run(out.path()))).unwrap();
    let err = host
        .with(|h| test.run(h, &run(out.path())))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("no linpack binary on h") && err.contains("linpack-binary param"),
        "{err}"
    );
    assert!(!host.calls().iter().any(|c| c.contains("base &&")));
}

#[test]
fn pbench_no_is_refused_when_the_test_is_created() {
    let context = test_context(json!({"pbench": "no"}));
    let err = Linpack::new(&context).err().unwrap().to_string();
    assert!(err.contains("linpack runs through pbench only"), "{err}");
}

#[test]
fn pbench_yes_installs_linpack_through_the_installers_first() {
    let host = ScriptedHost::new();
    host.set_params("h", json!({"guest_cpus": 4}));
    host.answer_pbench(|host, _| {
        host.on(
            "h: sh -c command -v \"$1\" sh pbench-linpack",
            [ok("/opt/pbench-agent/bench-scripts/pbench-linpack\n")],
        );
        Ok(())
    });
    let out = tempfile::tempdir().unwrap();
    let context = test_context(json!({"pbench": "yes"}));
    let mut test = Linpack::new(&context).unwrap();
    host.with(|h| test.setup(h, &run(out.path()))).unwrap();
    assert_in_order(
        &host.calls(),
        &[
            "install_pbench h linpack",
            "install_pbench w1 linpack",
            "run h: sh -c command -v \"$1\" sh pbench-linpack",
            "pbench-register-tool",
        ],
    );
}

#[test]
fn pbench_auto_without_pbench_linpack_installs_nothing_and_names_the_param() {
    let host = ScriptedHost::new();
    host.set_params("h", json!({"guest_cpus": 4}));
    let out = tempfile::tempdir().unwrap();
    let mut test = Linpack::new(&TestContext::default()).unwrap();
    let err = host
        .with(|h| test.setup(h, &run(out.path())))
        .unwrap_err()
        .to_string();
    assert!(err.contains("give \"pbench\": \"yes\""), "{err}");
    assert!(!host.calls().iter().any(|c| c.starts_with("install_pbench")));
}
