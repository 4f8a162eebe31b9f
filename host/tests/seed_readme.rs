//! The three example commands of the seed README (the original run-perf's),
//! pasted as written: only the paths differ, and `foo.example.org` is this
//! machine, reached through a private sshd that `~/.ssh/config` names.

mod support;

use std::{path::Path, process::Command};

use support::{
    fixture_plugins::libs_dir,
    run_perf::{files, read, stderr},
    sshd::{Sshd, available},
};

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn executable(path: &Path, text: &str) {
    use std::os::unix::fs::PermissionsExt;
    write(path, text);
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// `sh -c LINE` in `dir` with the workspace's binaries first on PATH, so
/// that globs expand as they do for a person at a shell.
fn shell(dir: &Path, line: &str, home: &Path, extra_path: &Path) -> std::process::Output {
    shell_with(dir, line, home, extra_path, &[])
}

fn shell_with(
    dir: &Path,
    line: &str,
    home: &Path,
    extra_path: &Path,
    env: &[(&str, &std::ffi::OsStr)],
) -> std::process::Output {
    let bin = assert_cmd::cargo::cargo_bin("run-perf");
    let bin_dir = bin.parent().unwrap();
    let path = format!(
        "{}:{}:{}",
        extra_path.display(),
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    Command::new("sh")
        .arg("-c")
        .arg(line)
        .current_dir(dir)
        .env("PATH", path)
        .env("HOME", home)
        .env("RUNPERF_PLUGIN_PATH", libs_dir())
        .env_remove("XDG_CONFIG_HOME")
        .env_remove("XDG_DATA_HOME")
        .envs(env.iter().copied())
        .output()
        .unwrap()
}

#[test]
fn seed_run_perf_command_reaches_provisioning_profiles_and_both_tests() {
    if !available() {
        return;
    }
    let sshd = Sshd::start();
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("home");
    let fio_dir = tmp.path().join("fio");
    std::fs::create_dir_all(&fio_dir).unwrap();
    write(
        &home.join(".ssh/config"),
        &format!(
            "Host foo.example.org\n  HostName 127.0.0.1\n  Port {}\n  User root\n  IdentityFile {}\n",
            sshd.port,
            sshd.client_key.display()
        ),
    );
    write(
        &home.join(".config/runperf/hosts/foo.example.org.yaml"),
        "arch: x86_64\nhugepage_kb: 2048\nnuma_nodes: 1\nhost_cpus: 2\nguest_cpus: 1\nguest_mem_m: 1024\n",
    );
    let fake_bin = tmp.path().join("bin");
    let bkr_log = tmp.path().join("bkr.log");
    executable(
        &fake_bin.join("bkr"),
        &format!(
            "#!/bin/sh\necho \"$@\" >> {}\ncase \"$1\" in\n  distro-trees-list) echo '[{{\"distro_tree_id\": 4242}}]' ;;\n  system-provision) ;;\n  *) exit 2 ;;\nesac\n",
            bkr_log.display()
        ),
    );
    let state = tmp.path().join("state");
    std::fs::create_dir_all(&state).unwrap();
    // The seed README's command; only the fio target path differs, and
    // uperf is kept short (its defaults measure for about half an hour),
    // with a 3 s runtime so the trimmed middle holds whole intervals
    // (see run_uperf.rs).
    let line = format!(
        r#"run-perf -vvv --hosts foo:foo.example.org --provisioner beaker --distro Fedora-32 --default-password password --profiles Localhost TunedLibvirt -- uperf:'{{"runtime": "3", "samples": "1", "message-sizes": "64", "instances": "1"}}' fio:'{{"type":"read", "ramptime":"1", "runtime":"10", "samples":"1", "file-size": "100", "targets": "{}"}}'"#,
        fio_dir.display()
    );
    let output = shell_with(
        tmp.path(),
        &line,
        &home,
        &fake_bin,
        &[
            ("RUNPERF_STATE_DIR", state.as_os_str()),
            ("RUNPERF_LOAD_TIMEOUT", "1".as_ref()),
        ],
    );
    let err = stderr(&output);
    // The default output dir: ./result_%Y%m%d_%H%M%S.
    let out = std::fs::read_dir(tmp.path())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("result_")
        })
        .unwrap_or_else(|| panic!("no result_* dir\n{err}"));
    // Provisioning went through the fake Beaker client.
    let bkr = read(&bkr_log);
    assert!(
        bkr.contains("distro-trees-list --arch x86_64 --limit 1 --name Fedora-32"),
        "{bkr}\n{err}"
    );
    assert!(bkr.contains("system-provision"), "{bkr}");
    // fio ran for real under Localhost on foo (this machine over SSH).
    let tree = files(&out);
    assert!(
        tree.iter()
            .any(|f| f.starts_with("Localhost/fio/0000/result.json")),
        "{tree:#?}\n{err}"
    );
    let result = read(&out.join("Localhost/fio/0000/result.json"));
    assert!(
        result.contains("read-4KiB"),
        "type is the seed's spelling of test-types"
    );
    // uperf (not packaged for Debian; CI builds it) runs for real where it
    // is installed, else it fails with a clear reason, recorded.
    if runperf_plugin_sdk::testing::find_on_path(&["uperf"]).is_some() {
        let result = std::fs::read_to_string(out.join("Localhost/uperf/0000/result.json"))
            .unwrap_or_else(|e| panic!("no uperf result ({e}); tree: {tree:#?}\n{err}"));
        assert!(result.contains("tcp_stream-64B-1i"), "{result}\n{err}");
    } else {
        runperf_plugin_sdk::testing::tool_missing(
            "uperf is not on the PATH: only its failure is checked (build it with .ci/uperf-setup.sh)",
        );
        let uperf = read(&out.join("Localhost/uperf/0/__error0__/exception"));
        assert!(uperf.to_lowercase().contains("uperf"), "{uperf}");
        assert!(err.contains("ERROR running uperf@Localhost"), "{err}");
    }
    // TunedLibvirt lacks its host XML: a clear reason, its tests skipped.
    assert!(
        err.contains("ERROR applying profile TunedLibvirt, all tests will be SKIPPED!"),
        "{err}"
    );
    let meta = read(&out.join("RUNPERF_METADATA"));
    assert!(meta.contains("--default-password MASKED"), "{meta}");
    assert!(meta.contains("machine:foo.example.org"), "{meta}");
    assert_eq!(
        output.status.code(),
        Some(1),
        "only what this machine lacks failed"
    );
}

fn copy_tree(from: &Path, to: &Path) {
    for file in files(from) {
        let target = to.join(&file);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::copy(from.join(&file), target).unwrap();
    }
}

fn upstream(rel: &str) -> std::path::PathBuf {
    support::fixture_plugins::workspace()
        .join("tests/fixtures/upstream/results")
        .join(rel)
}

#[test]
fn seed_analyze_perf_command_writes_the_model() {
    let tmp = tempfile::tempdir().unwrap();
    for (i, name) in [
        "result_20200726_080654",
        "result_20200726_091827",
        "result_20200726_092842",
    ]
    .iter()
    .enumerate()
    {
        copy_tree(
            &upstream(&format!("1_base/{name}")),
            &tmp.path().join(format!("result{i}")),
        );
    }
    let out = shell(
        tmp.path(),
        "analyze-perf -vvv -l model1.json -t 3 -- result*",
        tmp.path(),
        tmp.path(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let model: serde_json::Value =
        serde_json::from_str(&read(&tmp.path().join("model1.json"))).unwrap();
    assert_eq!(model["__metadata__"]["version"], 2);
    assert_eq!(model["__metadata__"]["tolerance"], 3.0);
    let check = model
        .as_object()
        .unwrap()
        .keys()
        .find(|k| k.ends_with("iops_sec.mean"))
        .expect("a primary check is modelled");
    assert_eq!(model[check]["equation"].as_array().unwrap().len(), 2);
}

#[test]
fn seed_compare_perf_command_applies_the_references_and_writes_both_reports() {
    let tmp = tempfile::tempdir().unwrap();
    let base = [
        "result_20200726_080654",
        "result_20200726_091827",
        "result_20200726_092842",
        "result_20200726_093220",
    ];
    for (i, name) in base.iter().enumerate() {
        copy_tree(
            &upstream(&format!("1_base/{name}")),
            &tmp.path().join(format!("result{i}")),
        );
    }
    copy_tree(
        &upstream("1_base/result_20200726_093657"),
        &tmp.path().join("src"),
    );
    let update = std::fs::read_dir(upstream("2_kernel_update"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.is_dir())
        .unwrap();
    copy_tree(&update, &tmp.path().join("dst"));
    let home = tmp.path();
    let analyze = shell(
        home,
        "analyze-perf -l model1.json -t 3 -- result*",
        home,
        home,
    );
    assert!(analyze.status.success(), "{}", stderr(&analyze));

    let seed = "compare-perf -vvv --tolerance 5 --stddev-tolerance 10 -l model1.json --xunit result.xml --html result.html --references result* -- src dst";
    let out = shell(home, seed, home, home);
    let err = stderr(&out);
    assert!(matches!(out.status.code(), Some(0) | Some(2)), "{err}");
    let html = read(&home.join("result.html"));
    assert_eq!(
        html.matches(r#"<th class="col-reference">"#).count(),
        4,
        "four reference builds"
    );
    assert_eq!(html.matches(r#"<th class="col-target">"#).count(), 1);
    // Verdicts only: the timestamp differs between runs.
    let verdicts = |file: &str| {
        let text = read(&home.join(file));
        text.lines()
            .filter(|l| !l.contains("<testsuite "))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let xunit = verdicts("result.xml");
    assert!(xunit.contains("<testcase"), "{xunit}");

    // The same comparison with the references given between source and
    // destination, and once more both ways: the same verdicts.
    let positional = shell(
        home,
        // (result? now: the first command's result.xml would match result*)
        "compare-perf --tolerance 5 --stddev-tolerance 10 -l model1.json --xunit positional.xml -- src result? dst",
        home,
        home,
    );
    assert_eq!(positional.status.code(), out.status.code());
    assert_eq!(verdicts("positional.xml"), xunit);
    // With the builds-average modifier every reference counts, so a build
    // used twice would change the destination's scores.
    let averaged = "compare-perf -t 5 -s 10 --model-builds-average 1 --n-out-of-results 1";
    let scores = |file: &str| -> Vec<(String, f64)> {
        let json: serde_json::Value = serde_json::from_str(&read(&home.join(file))).unwrap();
        let target = json["builds"].as_array().unwrap().last().unwrap().clone();
        target["checks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c["name"].as_str().unwrap().to_owned(),
                    c["score"].as_f64().unwrap_or(f64::NAN),
                )
            })
            .collect()
    };
    shell(
        home,
        &format!("{averaged} --json avg.json -- src result? dst"),
        home,
        home,
    );
    shell(
        home,
        &format!("{averaged} --json both.json --references result? -- src result0 result1 dst"),
        home,
        home,
    );
    shell(
        home,
        &format!("{averaged} --json twice.json -- src result0 result0 result1 result2 result3 dst"),
        home,
        home,
    );
    assert_eq!(
        scores("both.json"),
        scores("avg.json"),
        "a build given both ways is used once"
    );
    assert_ne!(
        scores("twice.json"),
        scores("avg.json"),
        "the check above can tell"
    );
}
