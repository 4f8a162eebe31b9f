//! The `Dnf` pbench installer against a scripted machine: the commands it
//! runs, in order, for a fresh machine, a configured one and failures.

use runperf_pbench_installers::agent_config::{DEFAULT_CONFIG, NO_HOST_KEY_PROMPTS};
use runperf_pbench_installers::dnf::Dnf;
use runperf_plugin_sdk::serde_json::json;
use runperf_plugin_sdk::testing::{ScriptedHost, assert_in_order, fail, ok};
use runperf_plugin_sdk::{PbenchInstall, PbenchInstaller, PbenchRequest, PluginResult};

const DEFAULTS: &str = "[results]\nssh_opts = -o BatchMode=yes\n";

/// A Fedora machine `m`: dnf exists, `programs` too (found by `command -v`).
fn machine(programs: &[&str]) -> ScriptedHost {
    let host = ScriptedHost::new();
    for program in ["dnf"].iter().chain(programs) {
        host.on(
            &format!("m: sh -c command -v \"$1\" sh {program}"),
            [ok(&format!("/usr/bin/{program}\n"))],
        );
    }
    host.set_file("m", DEFAULT_CONFIG, DEFAULTS);
    host
}

fn install(host: &ScriptedHost, request: &PbenchRequest) -> PluginResult<PbenchInstall> {
    host.with(|h| Dnf.install(h, request))
}

#[test]
fn a_fresh_machine_gets_the_agent_from_copr_configured_then_the_test() {
    let host = machine(&[]);
    host.set_metadata(json!({"pbench_server": "pbench.example.com"}));
    host.on("m: rpm -q", [fail(1, "not installed"), ok("fio-3.35\n")]);
    let out = install(&host, &PbenchRequest::new("m").test("fio")).unwrap();
    assert_eq!(out, PbenchInstall::Installed);
    assert_in_order(
        &host.calls(),
        &[
            "run m: sh -c command -v \"$1\" sh dnf",
            "run m: mkdir -p -- /var/lib/pbench-agent",
            "run m: sh -c command -v \"$1\" sh pbench-register-tool-set",
            "run m: dnf -y --skip-broken --nobest install wget rsync dnf-plugins-core",
            "run m: dnf -y copr enable ndokos/pbench",
            "run m: dnf -y copr enable ndokos/pbench-0.73",
            "run m: dnf -y --skip-broken --nobest install pbench-agent pbench-sysstat python3-libselinux",
            "run m: mkdir -p -- /opt/pbench-agent/config",
            "write m:/opt/pbench-agent/config/pbench-agent.cfg [DEFAULT]",
            "read m:/opt/pbench-agent/config/pbench-agent-default.cfg",
            "write m:/opt/pbench-agent/config/pbench-agent-default.cfg [results]",
            "run m: rpm -q fio",
            "run m: dnf -y --skip-broken --nobest install fio pbench-fio",
            "run m: rpm -q fio",
            "run m: rpm -q pbench-fio",
        ],
    );
    let config = host
        .file("m", "/opt/pbench-agent/config/pbench-agent.cfg")
        .unwrap();
    assert!(
        config.contains("pbench_web_server = pbench.example.com\n"),
        "{config}"
    );
    let defaults = host.file("m", DEFAULT_CONFIG).unwrap();
    assert!(defaults.contains(&format!("ssh_opts = {NO_HOST_KEY_PROMPTS}\n")));
    assert!(defaults.contains(&format!("scp_opts = {NO_HOST_KEY_PROMPTS}\n")));
}

#[test]
fn copr_repos_come_from_the_metadata() {
    let host = machine(&[]);
    host.set_metadata(json!({"pbench_copr_repos": "me/pbench; ;me/extra"}));
    install(&host, &PbenchRequest::new("m")).unwrap();
    let copr: Vec<String> = host
        .calls()
        .into_iter()
        .filter(|c| c.contains("copr enable"))
        .collect();
    assert_eq!(
        copr,
        [
            "run m: dnf -y copr enable me/pbench",
            "run m: dnf -y copr enable me/extra"
        ]
    );
    // Without a test nothing is asked of rpm.
    assert!(!host.calls().iter().any(|c| c.contains("rpm -q")));
}

#[test]
fn repo_names_reach_dnf_as_single_quoted_arguments() {
    let host = machine(&[]);
    host.set_metadata(json!({"pbench_copr_repos": "me/pbench; rm -rf /"}));
    install(&host, &PbenchRequest::new("m")).unwrap();
    let enables: Vec<_> = host
        .commands()
        .into_iter()
        .filter(|(_, c)| format!("{:?}", c.line).contains("copr"))
        .map(|(_, c)| c.line)
        .collect();
    assert_eq!(
        enables[1],
        runperf_plugin_sdk::CommandLine::Argv(
            ["dnf", "-y", "copr", "enable", "rm -rf /"]
                .map(String::from)
                .to_vec()
        )
    );
}

#[test]
fn a_configured_machine_with_the_test_installed_is_left_alone() {
    let host = machine(&["pbench-register-tool-set"]);
    host.on(
        "m: sh -c ls -d /var/lib/pbench-agent/tools-*default",
        [ok("x\n")],
    );
    host.on("m: rpm -q", [ok("installed\n")]);
    let out = install(&host, &PbenchRequest::new("m").test("uperf")).unwrap();
    assert_eq!(out, PbenchInstall::Installed);
    let calls = host.calls();
    assert!(
        !calls
            .iter()
            .any(|c| c.contains("dnf -y --skip-broken --nobest install")),
        "{calls:?}"
    );
    assert!(!calls.iter().any(|c| c.starts_with("write")), "{calls:?}");
    assert_in_order(
        &calls,
        &["run m: rpm -q uperf", "run m: rpm -q pbench-uperf"],
    );
}

#[test]
fn an_agent_without_the_default_tool_set_is_configured_again() {
    let host = machine(&["pbench-register-tool-set"]);
    host.on("m: sh -c ls -d", [fail(2, "No such file or directory")]);
    install(&host, &PbenchRequest::new("m")).unwrap();
    let calls = host.calls();
    assert!(
        !calls
            .iter()
            .any(|c| c.contains("dnf -y --skip-broken --nobest install")),
        "{calls:?}"
    );
    assert_in_order(
        &calls,
        &[
            "write m:/opt/pbench-agent/config/pbench-agent.cfg",
            "write m:/opt/pbench-agent/config/pbench-agent-default.cfg",
        ],
    );
}

#[test]
fn a_machine_without_dnf_is_not_for_this_installer_and_is_left_untouched() {
    let host = ScriptedHost::new();
    let out = install(&host, &PbenchRequest::new("m").test("fio")).unwrap();
    assert_eq!(out, PbenchInstall::DoesNotApply("m has no dnf".into()));
    assert_eq!(host.calls(), ["run m: sh -c command -v \"$1\" sh dnf"]);
}

#[test]
fn a_failing_copr_enable_is_an_error_naming_the_command() {
    let host = machine(&[]);
    host.on("m: dnf -y copr enable", [fail(1, "Error: repo not found")]);
    let err = install(&host, &PbenchRequest::new("m")).unwrap_err();
    let text = format!("{err:#}");
    assert!(
        text.contains("copr") && text.contains("Error: repo not found"),
        "{text}"
    );
    assert!(!host.calls().iter().any(|c| c.contains("pbench-sysstat")));
}

#[test]
fn a_test_package_dnf_cannot_provide_is_an_error() {
    let host = machine(&["pbench-register-tool-set"]);
    host.on("m: sh -c ls -d", [ok("x\n")]);
    host.on("m: rpm -q pbench-linpack", [fail(1, "not installed")]);
    host.on("m: rpm -q linpack", [ok("linpack\n")]);
    let err = install(&host, &PbenchRequest::new("m").test("linpack")).unwrap_err();
    assert!(
        format!("{err:#}").contains("dnf did not install linpack and pbench-linpack on m"),
        "{err:#}"
    );
}

#[test]
fn an_agent_without_its_default_config_is_an_error_saying_to_reinstall() {
    let host = machine(&[]);
    host.remove_file("m", DEFAULT_CONFIG);
    let err = install(&host, &PbenchRequest::new("m")).unwrap_err();
    assert!(
        format!("{err:#}").contains("reinstall pbench-agent"),
        "{err:#}"
    );
}

#[test]
fn a_copr_list_that_is_not_text_is_an_error_naming_the_key() {
    let host = machine(&[]);
    host.set_metadata(json!({"pbench_copr_repos": ["a/b"]}));
    let err = install(&host, &PbenchRequest::new("m")).unwrap_err();
    assert!(format!("{err:#}").contains("pbench_copr_repos"), "{err:#}");
}
