//! The page of `history-perf detect --html` in headless Chromium: it loads
//! with no console message and no network request, markup injected in
//! check names, machine names, build ids and environment values does not
//! run, the filters of the URL fragment (direction, class, triage state,
//! failing only, search) hide the changes they should, and
//! screenshots land in `target/detect-html-report/` for people to look at.
//! Without Chromium the tests say so and pass, except under CI=true.

mod support;

use std::path::{Path, PathBuf};
use support::history::{history, noise};

use support::browser::{Loaded, chromium_or_skip, load, screenshot, url};

/// Markup that would show if it ran or were parsed.
const SCRIPT: &str = "<script>document.documentElement.id='pwned'</script>";
const IMAGE: &str = "<img src=x onerror=\"document.title='INJECTED'\">";

/// A store of 40 builds of one machine (named with markup): `inj` (named
/// with markup, quotes, `&` and `]]>`) drops 8% from build 21, where the
/// kernel changes (to a value with markup); `up` (with a spread of 1.5%
/// per run) rises 6% from build 11;
/// `lat` (lower is better) jumps up in the newest build, whose id holds
/// markup too.
fn store(dir: &Path) -> PathBuf {
    let inj = format!("inj{SCRIPT}\"q\"&amp;]]>/throughput/x.mean");
    let quote = |cell: &str| format!("\"{}\"", cell.replace('"', "\"\""));
    let mut csv = format!(
        "time,build,machine,kernel,{},up/throughput/y.mean,up/throughput/y.stddev,lat/latency/z.mean\n",
        quote(&inj)
    );
    let mut noise = noise(7);
    for build in 1..=40 {
        let id = if build == 40 {
            quote(&format!("40{IMAGE}"))
        } else {
            build.to_string()
        };
        let kernel = if build > 20 {
            quote(&format!("5.2{SCRIPT}"))
        } else {
            "5.1".to_string()
        };
        let x = if build > 20 { 920.0 } else { 1000.0 } * (1.0 + noise());
        let y = if build > 10 { 530.0 } else { 500.0 } * (1.0 + noise());
        let z = if build == 40 { 15.0 } else { 10.0 } * (1.0 + noise());
        csv.push_str(&format!(
            "2026-01-01T00:00:{build:02}Z,{id},{},{kernel},{x},{y},1.5,{z}\n",
            quote(&format!("m1{IMAGE}"))
        ));
    }
    let path = dir.join("history.csv");
    std::fs::write(&path, csv).unwrap();
    let store = dir.join("history.sqlite");
    let out = history(
        &store,
        &[
            "import",
            "--format",
            "otava-csv",
            "--attributes",
            "build,machine,kernel",
            path.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    store
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The page of the store of [`store`], its improvement acknowledged;
/// detect fails on the newest build.
fn page(dir: &Path) -> PathBuf {
    let store = store(dir);
    let out = history(&store, &["detect"]);
    let stdout = text(&out.stdout);
    let improvement = stdout
        .lines()
        .find(|l| l.contains("step improvement up/throughput/y.mean"))
        .and_then(|l| l.split(' ').next())
        .unwrap_or_else(|| panic!("no improvement in {stdout}"));
    let out = history(&store, &["ack", improvement, "--note", "<b>faster</b>"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let page = dir.join("detect.html");
    let out = history(&store, &["detect", "--html", page.to_str().unwrap()]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    page
}

/// The changes of the loaded page: (direction and class, hidden).
fn changes(loaded: &Loaded) -> Vec<(String, bool)> {
    loaded
        .dom
        .split("<tbody ")
        .skip(1)
        .map(|rest| {
            let open = rest.split_once('>').unwrap().0;
            let attribute = |name: &str| {
                open.split_once(&format!("data-{name}=\""))
                    .and_then(|(_, v)| v.split_once('"'))
                    .map_or("", |(v, _)| v)
                    .to_string()
            };
            let kind = format!("{} {}", attribute("direction"), attribute("class"));
            (kind, open.contains(" hidden"))
        })
        .collect()
}

fn assert_quiet(loaded: &Loaded) {
    assert!(loaded.console.is_empty(), "console: {:?}", loaded.console);
    assert!(
        loaded.requests.is_empty(),
        "requests: {:?}",
        loaded.requests
    );
    // The page's own script ran to its end (the CSP lets it, by hash).
    assert!(loaded.dom.contains("data-ready=\"1\""), "{}", loaded.dom);
}

#[test]
fn the_page_loads_offline_and_injected_markup_does_not_run() {
    let Some(chromium) = chromium_or_skip() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let page = page(tmp.path());
    let loaded = load(&chromium, &url(&page, None));
    assert_quiet(&loaded);
    let dom = &loaded.dom;
    assert!(!dom.contains("id=\"pwned\""), "injected script ran");
    assert!(!dom.contains("<title>INJECTED"), "injected script ran");
    assert!(!dom.contains("<img"), "injected element was parsed");
    assert!(dom.contains("<title>Change points</title>"));
    assert!(dom.contains("inj&lt;script&gt;"), "{dom}");
    // Most severe first: the newest regression, the older one, the
    // improvement; each drawn, each shown, the filters shown.
    let kinds: Vec<(String, bool)> = changes(&loaded);
    let expected = [
        ("regression outlier", false),
        ("regression step", false),
        ("improvement step", false),
    ];
    let expected: Vec<(String, bool)> = expected.iter().map(|(k, h)| (k.to_string(), *h)).collect();
    assert_eq!(kinds, expected, "{dom}");
    assert_eq!(dom.matches("<svg class=\"chart\"").count(), 3, "{dom}");
    assert!(
        dom.contains("<div id=\"filters\" class=\"filters\">"),
        "{dom}"
    );
    assert!(dom.contains("3 of 3 changes shown"), "{dom}");
    // The environment diff of the kernel, escaped, and the copy buttons.
    assert!(dom.contains("<li>kernel: 5.1 → 5.2&lt;script&gt;"), "{dom}");
    assert!(!dom.contains("data-copy=\"0\" hidden"), "{dom}");
    assert!(dom.contains("<td class=\"state\">acknowledged 20"), "{dom}");
    assert!(dom.contains(": &lt;b&gt;faster&lt;/b&gt;</td>"), "{dom}");
    screenshot(
        &chromium,
        &url(&page, None),
        "detect-html-report",
        "detect",
        1400,
    );
    screenshot(
        &chromium,
        &url(&page, None),
        "detect-html-report",
        "detect-narrow",
        420,
    );
}

#[test]
fn the_filters_of_the_fragment_hide_changes() {
    let Some(chromium) = chromium_or_skip() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let page = page(tmp.path());
    let hidden = |fragment: &str| {
        let loaded = load(&chromium, &url(&page, Some(fragment)));
        assert_quiet(&loaded);
        let count = loaded
            .dom
            .split_once("<span class=\"count\" aria-live=\"polite\">")
            .and_then(|(_, rest)| rest.split_once('<'))
            .map(|(count, _)| count.to_string());
        let hidden: Vec<bool> = changes(&loaded).into_iter().map(|(_, h)| h).collect();
        (hidden, count.unwrap_or_default())
    };
    let shown = |n| format!("{n} of 3 changes shown");
    assert_eq!(
        hidden("direction=improvement"),
        (vec![true, true, false], shown(1))
    );
    assert_eq!(hidden("failing=1"), (vec![false, true, true], shown(1)));
    assert_eq!(
        hidden("class=step&direction=regression,improvement"),
        (vec![true, false, false], shown(2))
    );
    assert_eq!(hidden("state=new"), (vec![false, false, true], shown(2)));
    assert_eq!(
        hidden("state=acknowledged,dismissed"),
        (vec![true, true, false], shown(1))
    );
    // The search looks in check names (lower case) and fingerprints.
    assert_eq!(
        hidden("q=INJ%3CSCRIPT"),
        (vec![true, false, true], shown(1))
    );
    assert_eq!(hidden("q=m1%3Cimg"), (vec![false, false, false], shown(3)));
    assert_eq!(hidden("q=nothing"), (vec![true, true, true], shown(0)));
    let filtered = url(&page, Some("direction=regression&class=step"));
    screenshot(
        &chromium,
        &filtered,
        "detect-html-report",
        "detect-filtered",
        1400,
    );
}
