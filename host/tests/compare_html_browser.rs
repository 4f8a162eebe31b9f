//! The HTML report in headless Chromium: it loads with no console message
//! and no network request, injected markup in names and metadata does not
//! run, and screenshots land in `target/html-report/` for people to look
//! at. Skipped, with a message, when no Chromium is installed (CI installs
//! it with `.ci/chromium-setup.sh`).
//!
//! Console messages come from `--enable-logging=stderr` (`:CONSOLE` lines);
//! requests from the NetLog (`--log-net-log`), with every host name
//! resolving nowhere. Chromium's own background services (update checks,
//! accounts) also show in the NetLog and are not the page's requests.

#[path = "compare_html_trees.rs"]
mod trees;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use assert_cmd::cargo::CommandCargoExt;

/// Hosts Chromium itself contacts, whatever the page does.
const BROWSER_SERVICES: [&str; 3] = ["google.com/", "googleapis.com/", "gstatic.com/"];

fn chromium() -> Option<PathBuf> {
    runperf_plugin_sdk::testing::find_on_path(&["chromium", "chromium-browser", "google-chrome"])
}

macro_rules! chromium_or_skip {
    () => {
        match chromium() {
            Some(path) => path,
            None => {
                return runperf_plugin_sdk::testing::tool_missing(
                    "chromium is not installed (run .ci/chromium-setup.sh)",
                );
            }
        }
    };
}

/// What a page did while loading.
struct Loaded {
    dom: String,
    console: Vec<String>,
    requests: Vec<String>,
}

/// Output of a finished browser run.
struct Output {
    stdout: String,
    stderr: String,
}

/// Runs `command` with its output in files (a pipe that nobody reads
/// would block Chromium once the dumped DOM fills it), killed after 90 s.
fn run(mut command: Command) -> Output {
    let dir = tempfile::tempdir().expect("output dir");
    let (out, err) = (dir.path().join("stdout"), dir.path().join("stderr"));
    let file = |path: &Path| Stdio::from(std::fs::File::create(path).expect("output file"));
    let mut child = command
        .stdout(file(&out))
        .stderr(file(&err))
        .spawn()
        .expect("start chromium");
    let deadline = Instant::now() + Duration::from_secs(90);
    while child.try_wait().expect("wait for chromium").is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not finish within 90 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let read = |path: &Path| {
        String::from_utf8_lossy(&std::fs::read(path).unwrap_or_default()).into_owned()
    };
    Output {
        stdout: read(&out),
        stderr: read(&err),
    }
}

fn browser(chromium: &Path, profile: &Path) -> Command {
    let mut command = Command::new(chromium);
    command.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--host-resolver-rules=MAP * ~NOTFOUND",
    ]);
    command.arg(format!("--user-data-dir={}", profile.display()));
    command
}

fn url(page: &Path) -> String {
    format!("file://{}", page.display())
}

fn load(chromium: &Path, page: &Path) -> Loaded {
    let profile = tempfile::tempdir().expect("profile dir");
    let netlog = profile.path().join("netlog.json");
    let mut command = browser(chromium, &profile.path().join("profile"));
    command
        .args(["--enable-logging=stderr", "--v=0", "--dump-dom"])
        .arg(format!("--log-net-log={}", netlog.display()))
        .arg(url(page));
    let out = run(command);
    let console = out
        .stderr
        .lines()
        .filter(|l| l.contains(":CONSOLE"))
        .map(String::from)
        .collect();
    let log = std::fs::read_to_string(&netlog).unwrap_or_default();
    let requests = log
        .split("\"url\":\"")
        .skip(1)
        .filter_map(|rest| rest.split_once('"').map(|(url, _)| url.to_string()))
        .filter(|url| !url.starts_with("file:") && !url.starts_with("data:"))
        .filter(|url| !BROWSER_SERVICES.iter().any(|host| url.contains(host)))
        .collect();
    Loaded {
        dom: out.stdout,
        console,
        requests,
    }
}

/// Saves a screenshot of `page` as `target/html-report/NAME.png`.
fn screenshot(chromium: &Path, page: &Path, name: &str, width: u32) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("target dir")
        .join("html-report");
    std::fs::create_dir_all(&dir).expect("screenshot dir");
    let png = dir.join(format!("{name}.png"));
    let _ = std::fs::remove_file(&png);
    let profile = tempfile::tempdir().expect("profile dir");
    let mut command = browser(chromium, profile.path());
    command
        .arg("--hide-scrollbars")
        .arg(format!("--window-size={width},2200"))
        .arg(format!("--screenshot={}", png.display()))
        .arg(url(page));
    run(command);
    let size = std::fs::metadata(&png).map(|m| m.len()).unwrap_or(0);
    assert!(size > 10_000, "no screenshot at {}", png.display());
    println!("screenshot: {}", png.display());
    png
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
    let chromium = chromium_or_skip!();
    let tmp = tempfile::tempdir().expect("temp dir");
    let page = tmp.path().join("control.html");
    std::fs::write(
        &page,
        "<!DOCTYPE html><title>c</title><script>console.error('control');document.title='ran'</script>\
         <img src=\"http://example.invalid/pixel.png\">",
    )
    .expect("write control page");
    let loaded = load(&chromium, &page);
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
    let chromium = chromium_or_skip!();
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
    let loaded = load(&chromium, &page);
    assert!(loaded.console.is_empty(), "console: {:?}", loaded.console);
    assert!(
        loaded.requests.is_empty(),
        "requests: {:?}",
        loaded.requests
    );
    // The page's own script ran to its end (the CSP lets it, by hash).
    assert!(loaded.dom.contains("data-ready=\"1\""));
    assert!(loaded.dom.contains("10 of 12 checks shown"));
    screenshot(&chromium, &page, "selftest", 1400);
    screenshot(&chromium, &page, "selftest-narrow", 420);
}

#[test]
fn injected_markup_does_not_run() {
    let chromium = chromium_or_skip!();
    let tmp = tempfile::tempdir().expect("temp dir");
    let results = trees::generate(tmp.path(), true);
    let page = report(tmp.path(), &results, tmp.path(), &["--html-with-charts"]);
    let loaded = load(&chromium, &page);
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
    screenshot(&chromium, &page, "injected", 1400);
}
