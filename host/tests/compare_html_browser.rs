//! The HTML report in headless Chromium: it loads with no console message
//! and no network request, injected markup in names and metadata does not
//! run, and screenshots land in `target/html-report/` for people to look
//! at. Skipped, with a message, when no Chromium is installed (CI installs
//! it with `.ci/chromium-setup.sh`).
//!
//! The browser is driven by `support::browser`, shared with the page of
//! history-perf detect (`detect_html_browser.rs`).

mod support;
#[path = "compare_html_trees.rs"]
mod trees;

use std::path::{Path, PathBuf};
use std::process::Command;

use assert_cmd::cargo::CommandCargoExt;
use support::browser::{chromium_or_skip, load, screenshot, url};

/// Loads `page` without a fragment.
fn load_page(chromium: &Path, page: &Path) -> support::browser::Loaded {
    load(chromium, &url(page, None))
}

/// Saves a screenshot of `page` in `target/html-report/`.
fn shot(chromium: &Path, page: &Path, name: &str, width: u32) {
    screenshot(chromium, &url(page, None), "html-report", name, width);
}

fn report(dir: &Path, results: &[PathBuf], current_dir: &Path, extra: &[&str]) -> PathBuf {
    let html = dir.join("report.html");
    let out = Command::cargo_bin("compare-perf")
        .expect("compare-perf binary")
        .current_dir(current_dir)
        .args(extra)
        .arg("--html")
        .arg(&html)
        .arg("--")
        .args(results)
        .output()
        .expect("run compare-perf");
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    html
}

#[test]
fn the_harness_sees_console_errors_and_requests() {
    let Some(chromium) = chromium_or_skip() else {
        return;
    };
    let tmp = tempfile::tempdir().expect("temp dir");
    let page = tmp.path().join("control.html");
    std::fs::write(
        &page,
        "<!DOCTYPE html><title>c</title><script>console.error('control');document.title='ran'</script>\
         <img src=\"http://example.invalid/pixel.png\">",
    )
    .expect("write control page");
    let loaded = load_page(&chromium, &page);
    assert!(loaded.dom.contains("<title>ran</title>"), "{}", loaded.dom);
    assert!(
        loaded.console.iter().any(|l| l.contains("control")),
        "{:?}",
        loaded.console
    );
    assert!(
        loaded
            .requests
            .iter()
            .any(|u| u.contains("example.invalid")),
        "{:?}",
        loaded.requests
    );
}

#[test]
fn selftest_report_loads_offline_without_errors() {
    let Some(chromium) = chromium_or_skip() else {
        return;
    };
    let tmp = tempfile::tempdir().expect("temp dir");
    let upstream = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/upstream/results");
    let results: Vec<PathBuf> = [
        "1_base/result_20200726_080654",
        "1_base/result_20200726_112748",
        "2_kernel_update/result_20200726_114437",
        "3_kernel_and_less_cpus/result_20200726_125851",
        "4_kernel_and_less_cpus_and_different_duration/result_20200726_130256",
    ]
    .iter()
    .map(PathBuf::from)
    .collect();
    let extra = [
        "--html-with-charts",
        "--tolerance",
        "5",
        "--stddev-tolerance",
        "10",
        "--model-linear-regression",
        "1_base/linear_model.json",
        "--model-builds-average",
        "1",
        "--n-out-of-results",
        "1",
    ];
    let page = report(tmp.path(), &results, &upstream, &extra);
    let loaded = load_page(&chromium, &page);
    assert!(loaded.console.is_empty(), "console: {:?}", loaded.console);
    assert!(
        loaded.requests.is_empty(),
        "requests: {:?}",
        loaded.requests
    );
    // The page's own script ran to its end (the CSP lets it, by hash).
    assert!(loaded.dom.contains("data-ready=\"1\""));
    assert!(loaded.dom.contains("10 of 12 checks shown"));
    shot(&chromium, &page, "selftest", 1400);
    shot(&chromium, &page, "selftest-narrow", 420);
}

#[test]
fn injected_markup_does_not_run() {
    let Some(chromium) = chromium_or_skip() else {
        return;
    };
    let tmp = tempfile::tempdir().expect("temp dir");
    let results = trees::generate(tmp.path(), true);
    let page = report(tmp.path(), &results, tmp.path(), &["--html-with-charts"]);
    let loaded = load_page(&chromium, &page);
    assert!(loaded.dom.contains("data-ready=\"1\""));
    assert!(!loaded.dom.contains("id=\"pwned\""), "injected script ran");
    assert!(
        !loaded.dom.contains("<title>INJECTED"),
        "injected script ran"
    );
    assert!(!loaded.dom.contains("<img"), "injected element was parsed");
    assert!(
        loaded
            .dom
            .contains("<title>Comparison of build b0&lt;script&gt;")
    );
    assert!(loaded.console.is_empty(), "console: {:?}", loaded.console);
    assert!(
        loaded.requests.is_empty(),
        "requests: {:?}",
        loaded.requests
    );
    shot(&chromium, &page, "injected", 1400);
}
