//! Result trees generated for the HTML report tests (shared by
//! `compare_html.rs` and `compare_html_browser.rs` through `#[path]`):
//! a source, two references and a target over two profiles and two tests,
//! with known losses, gains, a missing check and a runtime error, and
//! optionally with markup injected into every string the page shows.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// Markup that must render as text: it would add an element, change the
/// title or close a textarea if it reached the page unescaped.
pub const INJECTED: &str = "<script>document.title='INJECTED';var e=document.createElement('div');e.id='pwned';document.body.appendChild(e)</script>\"onmouseover=\"document.title='HOVER'\"</textarea><img src=x onerror=alert(1)>";

/// Means of each check per build: (profile, test, iteration, [src, ref1, ref2, dst]).
const MEANS: [(&str, &str, &str, [f64; 4]); 8] = [
    ("P1", "fio", "read-4KiB", [100.0, 99.0, 101.0, 80.0]),
    ("P1", "fio", "read-64KiB", [200.0, 198.0, 202.0, 240.0]),
    ("P1", "uperf", "tcp-1", [50.0, 50.5, 49.5, 50.2]),
    ("P1", "uperf", "tcp-2", [60.0, 61.0, 59.0, 61.5]),
    ("P2", "fio", "read-4KiB", [100.0, 100.0, 100.0, 100.0]),
    ("P2", "fio", "read-64KiB", [300.0, 310.0, 280.0, 297.0]),
    ("P2", "uperf", "tcp-1", [40.0, 40.0, 40.0, 30.0]),
    ("P2", "uperf", "tcp-2", [70.0, 70.0, 70.0, f64::NAN]),
];

/// Primary mean checks in the target that fail: P1 fio 4KiB (-20 %),
/// P1 fio 64KiB (+20 %), P2 uperf tcp-1 (-25 %), P2 uperf tcp-2 (missing).
pub const TARGET_PRIMARY_FAILURES: usize = 4;
/// Target cells whose params differ from the source (fio mean + stddev).
pub const TARGET_PARAMS_CHANGED: usize = 8;
/// Distinct primary checks over all builds (a mean and a stddev per
/// iteration, plus the target's runtime error).
pub const PRIMARY_ROWS: usize = 2 * MEANS.len() + 1;

fn iteration_json(iteration: &str, mean: f64, build: usize, injected: bool) -> serde_json::Value {
    let note = if injected { INJECTED } else { "plain" };
    // The target ran the fio iterations with other params (wrench marks).
    let note = if build == 3 && iteration.starts_with("read") {
        format!("{note} v2")
    } else {
        note.to_string()
    };
    let name = if injected {
        // `/` would split the check name; the rest of the markup stays.
        format!("{iteration}{}", INJECTED.replace('/', "|"))
    } else {
        iteration.to_string()
    };
    serde_json::json!({
        "iteration_name": name,
        "iteration_data": {
            "parameters": {"benchmark": [{"primary_metric": "iops", "note": note}]},
            "throughput": {"iops": [{"client_hostname": "all", "mean": mean, "stddevpct": 1.0}]}
        }
    })
}

fn metadata(build: usize, injected: bool) -> String {
    let text = |plain: &str| {
        if injected {
            format!("{plain}{INJECTED}")
        } else {
            plain.to_string()
        }
    };
    let env = serde_json::json!([{"kernel": text(&format!("5.{build}")), "general": "Name:gen"}]);
    [
        format!("build:{}", text(&format!("b{build}"))),
        format!(
            "url:{}",
            if injected {
                "javascript:document.title='URL'"
            } else {
                "https://ci.example/job/1"
            }
        ),
        format!("distro:{}", text("Fedora-30")),
        format!("machine:{}", text("host1")),
        "machine_url:https://machines.example/host1".into(),
        format!("runperf_version:{}", text("0.9-96-g04b4b9f")),
        format!("runperf_cmd:{}", text("run-perf --profiles P1 P2")),
        format!("environment_world:{env}"),
        format!("environment_profile_P1:{env}"),
        format!("environment_profile_P2:{env}"),
    ]
    .join("\n")
}

/// Writes the four results under `root`: source, two references, target.
pub fn generate(root: &Path, injected: bool) -> Vec<PathBuf> {
    (0..4)
        .map(|build| {
            let dir = root.join(format!("build{build}"));
            let mut files: Vec<((&str, &str), Vec<serde_json::Value>)> = Vec::new();
            for (profile, test, iteration, means) in MEANS {
                let key = (profile, test);
                if !files.iter().any(|(k, _)| *k == key) {
                    files.push((key, Vec::new()));
                }
                if !means[build].is_nan()
                    && let Some((_, iterations)) = files.iter_mut().find(|(k, _)| *k == key)
                {
                    iterations.push(iteration_json(iteration, means[build], build, injected));
                }
            }
            for ((profile, test), iterations) in files {
                let path = dir.join(profile).join(test).join("0000");
                std::fs::create_dir_all(&path).expect("create result dir");
                let json = serde_json::Value::Array(iterations).to_string();
                std::fs::write(path.join("result.json"), json).expect("write result.json");
            }
            if build == 3 {
                let error = dir.join("P1/fio/1/__error0__");
                std::fs::create_dir_all(&error).expect("create error dir");
                std::fs::write(error.join("exception"), "boom").expect("write exception");
            }
            std::fs::write(dir.join("RUNPERF_METADATA"), metadata(build, injected))
                .expect("write metadata");
            dir
        })
        .collect()
}
