//! Headless Chromium for the HTML reports' browser tests: load a page and
//! see what it did (its DOM after its script ran, its console messages,
//! its network requests), and save screenshots for people to look at.
//!
//! Console messages come from `--enable-logging=stderr` (`:CONSOLE` lines);
//! requests from the NetLog (`--log-net-log`), with every host name
//! resolving nowhere. Chromium's own background services (update checks,
//! accounts) also show in the NetLog and are not the page's requests.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Hosts Chromium itself contacts, whatever the page does.
const BROWSER_SERVICES: [&str; 3] = ["google.com/", "googleapis.com/", "gstatic.com/"];

/// Chromium, or None after saying it is missing (a failure under CI=true:
/// CI installs it with `.ci/chromium-setup.sh`).
pub fn chromium_or_skip() -> Option<PathBuf> {
    let found = runperf_plugin_sdk::testing::find_on_path(&[
        "chromium",
        "chromium-browser",
        "google-chrome",
    ]);
    if found.is_none() {
        runperf_plugin_sdk::testing::tool_missing(
            "chromium is not installed (run .ci/chromium-setup.sh)",
        );
    }
    found
}

/// What a page did while loading.
pub struct Loaded {
    pub dom: String,
    pub console: Vec<String>,
    pub requests: Vec<String>,
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

/// The `file:` URL of `page`, with `fragment` (without its `#`) if any.
pub fn url(page: &Path, fragment: Option<&str>) -> String {
    match fragment {
        Some(fragment) => format!("file://{}#{fragment}", page.display()),
        None => format!("file://{}", page.display()),
    }
}

/// Loads `url` and returns its DOM once loaded, with what it logged and
/// requested.
pub fn load(chromium: &Path, url: &str) -> Loaded {
    let profile = tempfile::tempdir().expect("profile dir");
    let netlog = profile.path().join("netlog.json");
    let mut command = browser(chromium, &profile.path().join("profile"));
    command
        .args(["--enable-logging=stderr", "--v=0", "--dump-dom"])
        .arg(format!("--log-net-log={}", netlog.display()))
        .arg(url);
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

/// Saves a screenshot of `url` as `target/DIR/NAME.png`, `width` pixels wide.
pub fn screenshot(chromium: &Path, url: &str, dir: &str, name: &str, width: u32) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("target dir")
        .join(dir);
    std::fs::create_dir_all(&dir).expect("screenshot dir");
    let png = dir.join(format!("{name}.png"));
    let _ = std::fs::remove_file(&png);
    let profile = tempfile::tempdir().expect("profile dir");
    let mut command = browser(chromium, profile.path());
    command
        .arg("--hide-scrollbars")
        .arg(format!("--window-size={width},2200"))
        .arg(format!("--screenshot={}", png.display()))
        .arg(url);
    run(command);
    let size = std::fs::metadata(&png).map(|m| m.len()).unwrap_or(0);
    assert!(size > 10_000, "no screenshot at {}", png.display());
    println!("screenshot: {}", png.display());
    png
}
