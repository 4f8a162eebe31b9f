//! Result-parser plugins teach compare-perf and analyze-perf to read other
//! files under a result dir (the downstream fixture parses metrics.json).

mod support;

use std::path::Path;

use assert_cmd::Command;
use support::fixture_plugins::install;

fn tree(dir: &Path, metrics: &str) {
    let serial = dir.join("Localhost/boot/0000");
    std::fs::create_dir_all(&serial).unwrap();
    std::fs::write(serial.join("metrics.json"), metrics).unwrap();
    std::fs::write(serial.join("result.json"), "[]").unwrap();
    std::fs::write(
        dir.join("RUNPERF_METADATA"),
        "distro:Fedora\nmachine:lab1\n",
    )
    .unwrap();
}

fn tool(name: &str, plugins: &Path) -> Command {
    let mut cmd = Command::cargo_bin(name).unwrap();
    cmd.arg("--plugin-path")
        .arg(plugins)
        .env_remove("RUNPERF_PLUGIN_PATH");
    cmd
}

#[test]
fn compare_and_analyze_read_files_of_result_parser_plugins() {
    let tmp = tempfile::tempdir().unwrap();
    let plugins = tmp.path().join("plugins");
    install(&plugins, &["acme_runperf_plugins"]);
    let (src, dst, bad) = (
        tmp.path().join("src"),
        tmp.path().join("dst"),
        tmp.path().join("bad"),
    );
    tree(&src, r#"{"boot_ms": 800.0}"#);
    tree(&dst, r#"{"boot_ms": 1000.0}"#);
    tree(&bad, r#"{"boot_ms": "#);

    let out = tool("compare-perf", &plugins)
        .arg(&src)
        .arg(&dst)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("Localhost/boot/0000:./metrics/boot_ms.mean 25.00"),
        "{err}"
    );

    let same = tool("compare-perf", &plugins)
        .arg(&src)
        .arg(&src)
        .output()
        .unwrap();
    assert_eq!(
        same.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&same.stderr)
    );

    let broken = tool("compare-perf", &plugins)
        .arg(&src)
        .arg(&bad)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&broken.stderr);
    assert_eq!(broken.status.code(), Some(2), "{err}");
    assert!(
        err.contains("metrics.json: result parser AcmeMetrics failed"),
        "{err}"
    );

    let csv = tmp.path().join("data.csv");
    let analyze = tool("analyze-perf", &plugins)
        .arg("-c")
        .arg(&csv)
        .arg(&src)
        .arg(&dst)
        .output()
        .unwrap();
    assert!(
        analyze.status.success(),
        "{}",
        String::from_utf8_lossy(&analyze.stderr)
    );
    let text = std::fs::read_to_string(&csv).unwrap();
    assert!(
        text.contains("Localhost/boot/0000:./metrics/boot_ms.mean"),
        "{text}"
    );

    // strip-run-perf keeps the plugin's files: same verdict after stripping.
    let stripped = tmp.path().join("stripped");
    let strip = tool("strip-run-perf", &plugins)
        .arg(&dst)
        .arg(&stripped)
        .output()
        .unwrap();
    assert!(
        strip.status.success(),
        "{}",
        String::from_utf8_lossy(&strip.stderr)
    );
    assert!(stripped.join("Localhost/boot/0000/metrics.json").is_file());
    let again = tool("compare-perf", &plugins)
        .arg(&src)
        .arg(&stripped)
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&again.stderr).contains("boot_ms.mean 25.00"));

    // Without the plugin the same trees hold nothing to compare.
    let none = Command::cargo_bin("compare-perf")
        .unwrap()
        .arg("--plugin-path")
        .arg(tmp.path().join("empty"))
        .arg(&src)
        .arg(&dst)
        .env_remove("RUNPERF_PLUGIN_PATH")
        .output()
        .unwrap();
    assert_ne!(none.status.code(), Some(2));
}
