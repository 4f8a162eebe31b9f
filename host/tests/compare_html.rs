//! The HTML report of compare-perf through the real binary: the reference
//! selftest data (everything its report shows, size limit, small file) and
//! generated trees (counts, filters, wrench marks, escaping).

#[path = "compare_html_trees.rs"]
mod trees;

use std::path::{Path, PathBuf};

use assert_cmd::Command;

fn upstream() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/upstream/results")
}

/// The five results of the reference's `test_full_and_stripped`.
const SELFTEST_RESULTS: [&str; 5] = [
    "1_base/result_20200726_080654",
    "1_base/result_20200726_112748",
    "2_kernel_update/result_20200726_114437",
    "3_kernel_and_less_cpus/result_20200726_125851",
    "4_kernel_and_less_cpus_and_different_duration/result_20200726_130256",
];

/// Size of the reference's report of the selftest data with charts.
const REFERENCE_SIZE: usize = 594 * 1024;

/// Runs compare-perf with `extra` options and the selftest comparison's
/// settings; returns the exit code and the page.
fn selftest_report(extra: &[&str]) -> (i32, String) {
    let tmp = tempfile::tempdir().expect("temp dir");
    let html = tmp.path().join("report.html");
    let out = Command::cargo_bin("compare-perf")
        .expect("compare-perf binary")
        .current_dir(upstream())
        .args(["--tolerance", "5", "--stddev-tolerance", "10"])
        .args(["--model-linear-regression", "1_base/linear_model.json"])
        .args(["--model-builds-average", "1", "--n-out-of-results", "1"])
        .args(extra)
        .arg("--html")
        .arg(&html)
        .arg("--")
        .args(SELFTEST_RESULTS)
        .output()
        .expect("run compare-perf");
    let page = std::fs::read_to_string(&html).expect("the report was written");
    (out.status.code().unwrap_or(-1), page)
}

fn generated_report(injected: bool) -> (i32, String) {
    let tmp = tempfile::tempdir().expect("temp dir");
    let results = trees::generate(tmp.path(), injected);
    let html = tmp.path().join("report.html");
    let out = Command::cargo_bin("compare-perf")
        .expect("compare-perf binary")
        .arg("--html-with-charts")
        .arg("--html")
        .arg(&html)
        .arg("--")
        .args(&results)
        .output()
        .expect("run compare-perf");
    let page = std::fs::read_to_string(&html).expect("the report was written");
    if let Ok(dir) = std::env::var("RUNPERF_KEEP_HTML") {
        let _ = std::fs::write(
            Path::new(&dir).join(format!("generated-{injected}.html")),
            &page,
        );
    }
    (out.status.code().unwrap_or(-1), page)
}

/// Text of `html` with tags removed and entities of digits left alone.
fn text(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.trim().to_string()
}

/// The cells of the overall-table row headed `label`, tooltips removed.
fn overview_row(page: &str, label: &str) -> Vec<String> {
    let head = format!("<th scope=\"row\">{label}</th>");
    let start = page.find(&head).unwrap_or_else(|| panic!("no row {label}")) + head.len();
    let row = &page[start..start + page[start..].find("</tr>").expect("row end")];
    row.split("<td>")
        .skip(1)
        .map(|cell| {
            let cell = cell.trim_end_matches("</td>");
            let without_tips: String = cell
                .split("<span class=\"tip\">")
                .enumerate()
                .map(|(i, part)| {
                    if i == 0 {
                        part
                    } else {
                        part.split_once("</span>").map_or("", |(_, rest)| rest)
                    }
                })
                .collect();
            text(&without_tips)
        })
        .collect()
}

/// Rows of the table `id` (`failures` or `groups`): (shown, total).
fn table_rows(page: &str, id: &str) -> (usize, usize) {
    let start = page
        .find(&format!("id=\"{id}-table\""))
        .unwrap_or_else(|| panic!("no {id} table"));
    let body = &page[start..];
    let body =
        &body[body.find("<tbody>").expect("tbody")..body.find("</tbody>").expect("tbody end")];
    let rows: Vec<&str> = body.split("<tr ").skip(1).collect();
    let hidden = rows
        .iter()
        .filter(|row| {
            row.split_once('>')
                .is_some_and(|(attrs, _)| attrs.ends_with(" hidden"))
        })
        .count();
    (rows.len() - hidden, rows.len())
}

#[test]
fn selftest_report_shows_what_the_reference_shows() {
    let (code, page) = selftest_report(&["--html-with-charts"]);
    assert_eq!(code, 2);
    assert!(page.len() <= REFERENCE_SIZE, "{} bytes", page.len());
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert!(page.contains("<title>Comparison of build 1 and 10 (Fedora-30 and Fedora-30)</title>"));
    for section in [
        "summary", "overview", "groups", "failures", "details", "charts",
    ] {
        assert!(
            page.contains(&format!("id=\"{section}\"")),
            "section {section}"
        );
    }
    assert_eq!(overview_row(&page, "Build"), ["1", "7", "8", "9", "10"]);
    assert_eq!(
        overview_row(&page, "Failures"),
        ["\u{2013}", "5", "5", "9", "6"]
    );
    assert_eq!(
        overview_row(&page, "Group failures"),
        ["\u{2013}", "0", "0", "3", "0"]
    );
    assert_eq!(
        overview_row(&page, "Non-primary failures"),
        ["\u{2013}", "15", "15", "28", "16"]
    );
    assert_eq!(
        overview_row(&page, "Total checks"),
        ["\u{2013}", "35", "35", "51", "35"]
    );
    assert_eq!(
        overview_row(&page, "Build score"),
        ["0", "6", "6", "26", "7"]
    );
    assert_eq!(overview_row(&page, "Distro"), ["A", "A", "A", "A", "A"]);
    for row in [
        "World env",
        "Localhost env",
        "Localhost2 env",
        "Localhost3 env",
        "Tests env",
    ] {
        assert_eq!(overview_row(&page, row).len(), 5, "{row}");
    }
    // Build 8 and 9 run on two machines, both linked.
    assert!(page.contains("href=\"https://example.org/192.168.122.163/details\""));
    assert_eq!(table_rows(&page, "groups"), (3, 3));
    assert_eq!(table_rows(&page, "failures"), (10, 12));
    for filter in ["this", "any", "profile", "test", "kind"] {
        assert!(
            page.contains(&format!("data-filter=\"{filter}\"")),
            "filter {filter}"
        );
    }
    assert!(page.contains("type=\"search\""));
    let details = &page[page.find("id=\"details\"").expect("details")..];
    assert!(
        details.starts_with("id=\"details\">"),
        "details is collapsed by default"
    );
    let failures = &details[..details.find("<h3>Group failures").expect("group failures")];
    assert_eq!(failures.matches("<li><b>").count(), 6);
    assert!(page.matches("<svg class=\"chart\"").count() >= 4);
    // Nothing is fetched: no external script, style, font or image.
    for fetch in [" src=", "<link rel=\"stylesheet\"", "@import", "url("] {
        assert!(!page.contains(fetch), "{fetch}");
    }
    assert!(page.contains("Content-Security-Policy\" content=\"default-src &#39;none&#39;"));
}

#[test]
fn small_file_leaves_out_full_environments() {
    let (_, full) = selftest_report(&[]);
    let (code, small) = selftest_report(&["--html-small-file"]);
    assert_eq!(code, 2);
    // `Name:foo` is in every environment and never differs: only the
    // full (copied) environments carry it.
    assert!(full.contains("Name:foo"));
    assert!(!small.contains("Name:foo"));
    assert!(
        small.len() * 2 < full.len(),
        "{} vs {}",
        small.len(),
        full.len()
    );
    assert!(small.contains("full environments left out"));
}

#[test]
fn generated_tree_counts_filters_and_wrench_marks() {
    let (code, page) = generated_report(false);
    assert_eq!(code, 2);
    assert_eq!(table_rows(&page, "failures"), (7, trees::PRIMARY_ROWS));
    assert!(page.contains("<b>2</b> losses"));
    assert!(page.contains("<b>1</b> gains"));
    assert!(page.contains("<b>3</b> errors"));
    for (filter, value) in [
        ("profile", "P1"),
        ("profile", "P2"),
        ("test", "fio"),
        ("test", "uperf"),
        ("kind", "mean"),
        ("kind", "stddev"),
    ] {
        assert!(
            page.contains(&format!("data-filter=\"{filter}\" value=\"{value}\"")),
            "{filter} {value}"
        );
    }
    assert_eq!(
        page.matches("params differ from the source (click copies them)")
            .count(),
        trees::TARGET_PARAMS_CHANGED
    );
    assert_eq!(overview_row(&page, "Build"), ["b0", "b1", "b2", "b3"]);
    assert_eq!(
        overview_row(&page, "Tests env"),
        ["A", "A", "A", "B8\u{394}"]
    );
    // Largest loss first in the verdict.
    let verdict = &page[page.find("class=\"changes\"").expect("changes")..];
    let first = verdict
        .find("P2/uperf/0000:./tcp-1/throughput/iops.mean")
        .expect("tcp-1");
    let second = verdict
        .find("P1/fio/0000:./read-4KiB/throughput/iops.mean")
        .expect("4KiB");
    assert!(first < second);
}

#[test]
fn injected_markup_renders_as_text() {
    let (code, page) = generated_report(true);
    assert_eq!(code, 2);
    let data_start = page.find("id=\"report-data\">").expect("data");
    // The JSON data block holds the values with `\"`; its `<` are escaped.
    let markup = &page[..data_start];
    for raw in [
        "<script>document",
        "\"onmouseover=",
        "</textarea>",
        "<img",
        "href=\"javascript:",
    ] {
        assert!(!markup.contains(raw), "{raw} reached the page unescaped");
    }
    assert!(page.contains("&lt;script&gt;document.title="));
    // Only the page's own two script elements.
    assert_eq!(page.matches("<script").count(), 2);
    assert_eq!(page.matches("</script>").count(), 2);
    let data = &page[data_start..];
    let data = &data["id=\"report-data\">".len()..data.find("</script>").expect("end")];
    let json: serde_json::Value = serde_json::from_str(data).expect("script-safe JSON");
    let copies = json["copy"].as_array().expect("copy list");
    assert!(
        copies
            .iter()
            .any(|c| c.as_str().is_some_and(|c| c.contains(trees::INJECTED)))
    );
}

/// A build with one result file of `iterations` iterations, each giving a
/// mean and a stddev check.
fn wide_build(root: &Path, name: &str, iterations: usize, mean: f64) -> PathBuf {
    let serial = root.join(name).join("P/fio/0000");
    std::fs::create_dir_all(&serial).unwrap();
    let items: Vec<String> = (0..iterations)
        .map(|i| {
            format!(
                r#"{{"iteration_name": "it{i:04}", "iteration_data": {{"parameters": {{"benchmark": [{{"primary_metric": "iops"}}]}}, "throughput": {{"iops": [{{"client_hostname": "all", "mean": {mean}, "stddevpct": 1.0}}]}}}}}}"#
            )
        })
        .collect();
    std::fs::write(serial.join("result.json"), format!("[{}]", items.join(","))).unwrap();
    root.join(name)
}

#[test]
fn tables_longer_than_one_render_slice_keep_every_row_in_order() {
    let tmp = tempfile::tempdir().unwrap();
    let src = wide_build(tmp.path(), "src", 300, 100.0);
    let dst = wide_build(tmp.path(), "dst", 300, 80.0);
    let html = tmp.path().join("report.html");
    Command::cargo_bin("compare-perf")
        .unwrap()
        .arg("--html")
        .arg(&html)
        .arg("--")
        .args([&src, &dst])
        .assert()
        .code(2);
    let page = std::fs::read_to_string(&html).unwrap();
    // 300 failing means shown, 300 equal stddevs hidden.
    assert_eq!(table_rows(&page, "failures"), (300, 600));
    assert!(page.contains("300 of 600 checks shown"));
    let start = page.find("id=\"failures-table\"").unwrap();
    let names: Vec<&str> = page[start..]
        .split("<th scope=\"row\" class=\"name\">")
        .skip(1)
        .map(|rest| rest.split('<').next().unwrap())
        .collect();
    assert_eq!(names.len(), 600);
    let mut sorted = names.clone();
    sorted.sort_unstable();
    assert_eq!(names, sorted);
    assert_eq!(names[0], "P/fio/0000:./it0000/throughput/iops.mean");
}
