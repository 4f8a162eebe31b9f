//! `history-perf detect` through the real binary, on histories imported
//! from Otava CSV and on result trees.

mod support;

use std::path::{Path, PathBuf};
use std::process::Output;
use support::history::{history, noise};

/// Asserts the exit code, showing both outputs otherwise.
fn exits(out: &Output, code: i32) {
    assert_eq!(
        out.status.code(),
        Some(code),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A store of 60 builds: `tput` drops 8% from build 31, `flat` never
/// changes, and `last` (lower is better) jumps up in the newest build
/// when `last_jumps`.
fn store(dir: &Path, last_jumps: bool) -> PathBuf {
    let mut csv = String::from(
        "time,build,machine,tput/throughput/x.mean,flat/throughput/y.mean,last/latency/z.mean\n",
    );
    let mut noise = noise(11);
    for build in 1..=60 {
        let tput = if build > 30 { 920.0 } else { 1000.0 } * (1.0 + noise());
        let flat = 50.0 * (1.0 + noise());
        let last = if last_jumps && build == 60 {
            15.0
        } else {
            10.0
        } * (1.0 + noise());
        csv.push_str(&format!(
            "2026-01-01T00:00:{build:02}Z,{build},m1,{tput},{flat},{last}\n"
        ));
    }
    import(dir, &csv, if last_jumps { "jump" } else { "h" })
}

/// A store `NAME.sqlite` in `dir` imported from Otava CSV text.
fn import(dir: &Path, csv: &str, name: &str) -> PathBuf {
    let path = dir.join(format!("{name}.csv"));
    std::fs::write(&path, csv).unwrap();
    let store = dir.join(format!("{name}.sqlite"));
    let out = history(
        &store,
        &["import", "--format", "otava-csv", path.to_str().unwrap()],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    store
}

#[test]
fn finds_the_step_in_both_modes_and_writes_json() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path(), false);
    let json = dir.path().join("d.json");
    let md = dir.path().join("d.md");
    let page = dir.path().join("d.html");
    let out = history(
        &store,
        &[
            "detect",
            "--json",
            json.to_str().unwrap(),
            "--markdown",
            md.to_str().unwrap(),
            "--html",
            page.to_str().unwrap(),
        ],
    );
    exits(&out, 0);
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("step regression tput/throughput/x.mean [machine=m1]"),
        "{stdout}"
    );
    assert!(stdout.contains("builds 30..31"), "{stdout}");
    assert!(
        stdout.contains("1 changes in 3 series of 60 builds (runperf)"),
        "{stdout}"
    );
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let change = &report["changes"][0];
    assert_eq!(change["first_bad"]["build"], "31");
    assert_eq!(change["last_good"]["order"], 30);
    assert_eq!(change["bisect"], "diff-perf -- TREE @30 @31");
    assert!(change["qvalue"].as_f64().unwrap() <= 0.05);
    assert!((change["change_pct"].as_f64().unwrap() + 8.0).abs() < 1.0);

    let md = std::fs::read_to_string(&md).unwrap();
    assert!(
        md.contains("| regression | step | tput/throughput/x.mean | machine=m1 |"),
        "{md}"
    );
    assert!(md.contains("| 30..31 |"), "{md}");

    let page = std::fs::read_to_string(&page).unwrap();
    assert!(page.contains("Content-Security-Policy"), "{page}");
    assert!(
        page.contains("<td class=\"name\">tput/throughput/x.mean</td>"),
        "{page}"
    );
    assert!(page.contains("<td>30 .. 31</td>"), "{page}");
    assert!(page.contains("diff-perf -- TREE @30 @31"), "{page}");

    let out = history(&store, &["detect", "--algorithm", "otava"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("step regression tput/throughput/x.mean"),
        "{stdout}"
    );
    assert!(stdout.contains("builds 30..31"), "{stdout}");
}

#[test]
fn a_regression_in_the_newest_build_fails() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path(), true);
    let out = history(&store, &["detect", "--check", "last/*"]);
    exits(&out, 2);
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("outlier regression last/latency/z.mean"),
        "{stdout}"
    );
    assert!(stdout.contains("builds 59..60"), "{stdout}");
    // Older than the latest build: not failing.
    let out = history(
        &store,
        &["detect", "--check", "last/*", "--fail-recent", "0"],
    );
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn bad_input_gets_a_message() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.sqlite");
    let out = history(&empty, &["detect"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("holds no builds"),
        "{}",
        text(&out.stderr)
    );
    let store = store(dir.path(), false);
    let out = history(&store, &["detect", "--min-segment", "1"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("--min-segment must be at least 2"),
        "{}",
        text(&out.stderr)
    );
    let out = history(&store, &["detect", "--since", "nope"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("--since nope: no such build"));
}

#[test]
fn trees_in_order_without_a_store() {
    let dir = tempfile::tempdir().unwrap();
    let upstream = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/upstream/results");
    let trees: Vec<String> = [
        "1_base/result_20200726_080654",
        "2_kernel_update/result_20200726_114437",
    ]
    .iter()
    .map(|t| upstream.join(t).display().to_string())
    .collect();
    let never = dir.path().join("never.sqlite");
    let mut args = vec!["detect", "--trees"];
    args.extend(trees.iter().map(String::as_str));
    let out = history(&never, &args);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("0 changes in") && stdout.contains("of 2 builds"),
        "{stdout}"
    );
    assert!(
        !stdout.contains(" 0 series too short"),
        "two builds are too short: {stdout}"
    );
    assert!(!never.exists(), "--trees must not create a store");
}

/// The xunit report read back: `(element, classname or message, name)`.
fn xunit_nodes(path: &Path) -> Vec<(String, String, String)> {
    use quick_xml::events::Event;
    let text = std::fs::read_to_string(path).unwrap();
    let mut reader = quick_xml::Reader::from_str(&text);
    let mut nodes = Vec::new();
    loop {
        match reader.read_event().unwrap() {
            Event::Start(e) | Event::Empty(e) => {
                let attribute = |key: &str| {
                    e.try_get_attribute(key)
                        .unwrap()
                        .map(|a| a.unescape_value().unwrap().into_owned())
                        .unwrap_or_default()
                };
                let first = match e.name().as_ref() {
                    b"testcase" => attribute("classname"),
                    b"testsuite" => attribute("failures"),
                    _ => attribute("message"),
                };
                let name = String::from_utf8(e.name().as_ref().to_vec()).unwrap();
                nodes.push((name, first, attribute("name")));
            }
            Event::Eof => break,
            _ => {}
        }
    }
    nodes
}

/// `detect --xunit` on `store`, which must fail (exit 2), read back.
fn failing_xunit(store: &Path) -> Vec<(String, String, String)> {
    let xunit = store.with_extension("xml");
    let out = history(store, &["detect", "--xunit", xunit.to_str().unwrap()]);
    exits(&out, 2);
    xunit_nodes(&xunit)
}

#[test]
fn xunit_fails_the_series_of_a_recent_regression() {
    let dir = tempfile::tempdir().unwrap();
    let nodes = failing_xunit(&store(dir.path(), true));
    assert_eq!(nodes.len(), 5, "{nodes:?}");
    assert_eq!(nodes[0].0, "testsuite");
    assert_eq!(nodes[0].1, "1", "one failure: {nodes:?}");
    let at = nodes
        .iter()
        .position(|n| n.2 == "last/latency/z.mean")
        .unwrap();
    assert_eq!(nodes[at].1, "machine=m1");
    assert_eq!(nodes[at + 1].0, "failure");
    let message = &nodes[at + 1].1;
    assert!(message.contains("outlier regression"), "{message}");
    assert!(message.contains("builds 59..60"), "{message}");
    assert!(message.contains("noise units"), "{message}");
    assert!(message.contains("diff-perf -- TREE @59 @60"), "{message}");
    // The older 8% step of tput is reported but does not fail.
    let tput = nodes
        .iter()
        .position(|n| n.2 == "tput/throughput/x.mean")
        .unwrap();
    assert_ne!(nodes.get(tput + 1).map(|n| n.0.as_str()), Some("failure"));
}

#[test]
fn xunit_carries_hostile_names_intact() {
    let dir = tempfile::tempdir().unwrap();
    let machine = "m<&\"'>]]>";
    let check = "a<b>&\"c'/latency/z.mean";
    let quoted = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    let mut csv = format!("time,build,machine,{}\n", quoted(check));
    for build in 1..=12 {
        let value = if build == 12 {
            20.0
        } else {
            10.0 + f64::from(build % 3) * 0.05
        };
        csv.push_str(&format!(
            "2026-01-01T00:00:{build:02}Z,{build},{},{value}\n",
            quoted(machine)
        ));
    }
    let nodes = failing_xunit(&import(dir.path(), &csv, "hostile"));
    assert_eq!(nodes[1].0, "testcase", "{nodes:?}");
    assert_eq!(nodes[1].1, format!("machine={machine}"));
    assert_eq!(nodes[1].2, check);
    assert_eq!(nodes[2].0, "failure");
    assert!(nodes[2].1.contains("builds 11..12"), "{}", nodes[2].1);
}

/// The id of the one change whose line contains `what`.
fn change_id(stdout: &str, what: &str) -> String {
    let lines: Vec<&str> = stdout.lines().filter(|l| l.contains(what)).collect();
    assert_eq!(lines.len(), 1, "{stdout}");
    lines[0].split(' ').next().unwrap().to_string()
}

#[test]
fn ack_passes_a_regression_until_it_is_reopened() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path(), true);
    let detect = ["detect", "--check", "last/*"];
    let out = history(&store, &detect);
    exits(&out, 2);
    let stdout = text(&out.stdout);
    let id = change_id(&stdout, "outlier regression last/latency/z.mean");
    assert!(stdout.contains("builds 59..60; new"), "{stdout}");

    let out = history(&store, &["ack", &id, "--note", "known: new\nkernel"]);
    exits(&out, 0);
    let said = text(&out.stdout);
    assert!(
        said.contains(&format!(
            "acknowledged change {id} (outlier regression last/latency/z.mean [machine=m1], builds 59..60) at 20"
        )),
        "{said}"
    );

    let json = dir.path().join("d.json");
    let md = dir.path().join("d.md");
    let xunit = dir.path().join("d.xml");
    let page = dir.path().join("d.html");
    let mut args = detect.to_vec();
    for (option, path) in [
        ("--json", &json),
        ("--markdown", &md),
        ("--xunit", &xunit),
        ("--html", &page),
    ] {
        args.extend([option, path.to_str().unwrap()]);
    }
    let out = history(&store, &args);
    exits(&out, 0);
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("builds 59..60; acknowledged 20") && stdout.contains(": known: new kernel"),
        "{stdout}"
    );
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let change = &report["changes"][0];
    assert_eq!(change["id"], id.as_str());
    assert_eq!(change["state"], "acknowledged");
    assert_eq!(change["failing"], false);
    assert_eq!(change["triage"][0]["action"], "ack");
    assert_eq!(change["triage"][0]["note"], "known: new\nkernel");
    let md = std::fs::read_to_string(&md).unwrap();
    assert!(md.contains(&format!("| `{id}` | acknowledged 20")), "{md}");
    let nodes = xunit_nodes(&xunit);
    assert_eq!(nodes[0].1, "0", "no failure: {nodes:?}");
    assert!(nodes.iter().any(|n| n.0 == "system-out"), "{nodes:?}");
    let page = std::fs::read_to_string(&page).unwrap();
    assert!(
        page.contains("<td class=\"state\">acknowledged 20"),
        "{page}"
    );

    let out = history(&store, &["reopen", &id, "--note", "worse"]);
    exits(&out, 0);
    assert!(text(&out.stdout).starts_with(&format!("reopened change {id}")));
    let out = history(&store, &detect);
    exits(&out, 2);
    assert!(
        text(&out.stdout).contains("; new, reopened 20"),
        "{}",
        text(&out.stdout)
    );

    let out = history(&store, &["dismiss", &id.to_uppercase()]);
    exits(&out, 0);
    let out = history(&store, &detect);
    exits(&out, 0);
    assert!(
        text(&out.stdout).contains("builds 59..60; dismissed 20"),
        "{}",
        text(&out.stdout)
    );
    // The older tput step was never triaged: new, but not recent.
    let out = history(&store, &["detect"]);
    exits(&out, 0);
    assert!(text(&out.stdout).contains("builds 30..31; new"));

    let out = history(&store, &["reopen", &id]);
    exits(&out, 0);
    let out = history(&store, &["reopen", &id]);
    exits(&out, 0);
    assert!(
        text(&out.stdout).contains("is new already"),
        "{}",
        text(&out.stdout)
    );
    exits(&history(&store, &detect), 2);
}

#[test]
fn triage_of_an_unknown_change_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.sqlite");
    for command in ["ack", "dismiss", "reopen"] {
        let out = history(&empty, &[command, "0123456789abcdef"]);
        exits(&out, 1);
        assert!(
            text(&out.stderr).contains("no change 0123456789abcdef is known to the store"),
            "{}",
            text(&out.stderr)
        );
    }
    let store = store(dir.path(), false);
    // Known only once detect has reported it on this store.
    let out = history(&store, &["detect"]);
    let id = change_id(&text(&out.stdout), "step regression tput");
    let out = history(&store, &["ack", &id[..15]]);
    exits(&out, 1);
    assert!(
        text(&out.stderr).contains("is not a change id: an id is the 16 hex digits"),
        "{}",
        text(&out.stderr)
    );
    let mut other = id.clone().into_bytes();
    other[0] = if other[0] == b'0' { b'1' } else { b'0' };
    let other = String::from_utf8(other).unwrap();
    let out = history(&store, &["dismiss", &other, "--note", "x"]);
    exits(&out, 1);
    assert!(text(&out.stderr).contains(&format!("no change {other} is known")));
    exits(&history(&store, &["ack", &id]), 0);
    exits(&history(&store, &["ack"]), 1);
}
