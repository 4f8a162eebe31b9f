use std::path::Path;

use base64::Engine as _;
use sha2::{Digest, Sha256};

use super::*;
use crate::detect::direction::{Better, Direction};
use crate::detect::report::{test_builds, test_event, test_finding};
use crate::detect::runperf::{Build, Noise, SeriesInput};
use crate::detect::series::SeriesKey;
use crate::history::triage::Action;
use crate::results::Metadata;

/// Markup, both quotes, an entity, the end of a CDATA section and a
/// script end tag: everything that could break out of text or attributes.
const HOSTILE: &str = "<script>alert(1)</script><x-evil a=\"1\" b='2'>&amp;]]>";
const ESCAPED: &str = "&lt;script&gt;alert(1)&lt;/script&gt;&lt;x-evil a=&quot;1&quot; b=&#39;2&#39;&gt;&amp;amp;]]&gt;";

fn finding(check: &str, direction: Direction, first_bad: usize) -> Finding {
    let mut f = test_finding(&format!("machine={HOSTILE}"), check, direction, first_bad);
    f.environment = vec![("kernel".into(), HOSTILE.into(), "6.1".into())];
    f
}

/// The series of `f` over the builds 0..n: 100 up to its change, 90 after,
/// with a known spread from build 2 on.
fn series_of(f: &Finding, n: usize) -> SeriesData {
    SeriesData {
        key: SeriesKey {
            fingerprint: f.fingerprint.clone(),
            check: f.check.clone(),
        },
        builds: (0..n).collect(),
        input: SeriesInput {
            builds: (0..n)
                .map(|i| Build {
                    value: if i < f.first_bad { 100.0 } else { 90.0 },
                    noise: if i >= 2 {
                        Noise::Samples(vec![99.0, 101.0])
                    } else {
                        Noise::Unknown
                    },
                })
                .collect(),
            better: Better::Higher,
        },
    }
}

/// The tag names of the page, in order of appearance.
fn tags(page: &str) -> Vec<String> {
    page.split('<')
        .skip(1)
        .map(|rest| {
            rest.chars()
                .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '!' | '-'))
                .collect()
        })
        .collect()
}

/// The text of each `<script…>` element of the page.
fn scripts(page: &str) -> Vec<(&str, &str)> {
    page.split("<script")
        .skip(1)
        .map(|rest| {
            let (open, rest) = rest.split_once('>').unwrap();
            (open, rest.split_once("</script>").unwrap().0)
        })
        .collect()
}

fn hostile_page() -> String {
    let m = Metadata::parse("build:1", Path::new("a"));
    let ids = ["1", HOSTILE, "3", "4", "5", "6"];
    let builds = test_builds(&ids, &m);
    let findings = [
        finding(
            &format!("{HOSTILE}/throughput/x.mean"),
            Direction::Improvement,
            2,
        ),
        finding("b/latency/y.mean", Direction::Regression, 1),
    ];
    let series: Vec<SeriesData> = findings.iter().map(|f| series_of(f, 6)).collect();
    html(HOSTILE, &findings, &series, &builds, 5, 1).unwrap()
}

#[test]
fn hostile_names_are_escaped_everywhere() {
    let page = hostile_page();
    assert!(!page.contains("<x-evil"), "{page}");
    assert!(!page.contains("</x-evil"), "{page}");
    assert!(!page.contains("alert(1)</"), "{page}");
    // Summary, fingerprints (cell, search, chart label), checks, build ids
    // (range, hover titles, axis), environment.
    assert!(page.matches(ESCAPED).count() >= 10, "{page}");
    // The search text is lower case, still escaped.
    assert!(page.contains("data-search=\"&lt;script&gt;"), "{page}");
    let allowed = [
        "!DOCTYPE",
        "html",
        "head",
        "meta",
        "link",
        "title",
        "style",
        "body",
        "h1",
        "p",
        "div",
        "span",
        "label",
        "input",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
        "code",
        "ul",
        "li",
        "dl",
        "dt",
        "dd",
        "button",
        "figure",
        "figcaption",
        "svg",
        "rect",
        "line",
        "circle",
        "polyline",
        "text",
        "script",
    ];
    // The script's own `<` are not tags.
    let (before_js, _) = page.rsplit_once("<script>").unwrap();
    for tag in tags(before_js) {
        let name = tag.trim_start_matches('/');
        assert!(allowed.contains(&name), "unexpected tag <{tag}> in {page}");
    }
    for external in ["http:", "https:", "src=", "url(", "<![CDATA["] {
        assert!(!page.contains(external), "{external} in {page}");
    }
}

#[test]
fn the_only_script_is_the_pages_own_allowed_by_its_hash() {
    let page = hostile_page();
    let scripts = scripts(&page);
    assert_eq!(scripts.len(), 2, "{page}");
    // The copy list: JSON, not a script, with nothing HTML could parse.
    assert_eq!(
        scripts[0].0,
        " type=\"application/json\" id=\"report-data\""
    );
    let json = scripts[0].1;
    assert!(!json.contains(['<', '>', '&']), "{json}");
    let data: serde_json::Value = serde_json::from_str(json).unwrap();
    assert_eq!(data["copy"][0], format!("diff-perf -- TREE @1 @{HOSTILE}"));
    // The code, and the CSP's hash of exactly that code.
    let (open, code) = scripts[1];
    assert_eq!(open, "");
    assert_eq!(code, format!("{COPY_JS}{JS}"));
    let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(code.as_bytes()));
    let csp = format!(
        "content=\"default-src &#39;none&#39;; script-src &#39;sha256-{hash}&#39;; style-src"
    );
    assert!(page.contains(&csp), "{page}");
}

#[test]
fn changes_by_severity_with_filters_charts_and_details() {
    let page = hostile_page();
    // Regressions first.
    let regression = page.find("b/latency/y.mean").unwrap();
    let improvement = page.find("/throughput/x.mean").unwrap();
    assert!(regression < improvement);
    // The filter values of each change, for the script.
    assert!(page.contains(
        "<tbody class=\"change regression\" data-direction=\"regression\" data-class=\"step\" data-state=\"new\" data-failing=\"0\""
    ), "{page}");
    assert!(
        page.contains("data-filter=\"class\" value=\"outlier\""),
        "{page}"
    );
    assert!(page.contains("<input type=\"checkbox\" data-only=\"failing\">"));
    // Without script, the filters are hidden and every change shown.
    assert!(page.contains("<div id=\"filters\" class=\"filters\" hidden>"));
    assert!(!page.contains("<tbody class=\"change regression\" hidden"));
    assert_eq!(page.matches("<svg class=\"chart\"").count(), 2, "{page}");
    // A dot per build with its id and value, whiskers where noise is known.
    assert!(
        page.contains("<title>build 1: 100.0, last good</title>"),
        "{page}"
    );
    assert!(
        page.contains("<title>build 6: 90.0 ± 1.414 (one run)</title>"),
        "{page}"
    );
    assert_eq!(page.matches("class=\"l-noise\"").count(), 8, "{page}");
    assert!(page.contains("class=\"f-range\""));
    assert!(page.contains("class=\"l-before\""));
    assert!(page.contains("class=\"l-regression\""));
    assert!(page.contains("class=\"l-improvement\""));
    // Details: means, environment diff, bisect command with its copy button.
    assert!(
        page.contains("<dd>100.0 ± 1.000 → 90.0 ± 1.000</dd>"),
        "{page}"
    );
    assert!(
        page.contains(&format!("<li>kernel: {ESCAPED} → 6.1</li>")),
        "{page}"
    );
    assert!(
        page.contains(
            "<button type=\"button\" class=\"copy\" data-copy=\"0\" hidden>copy</button>"
        )
    );
    assert!(page.contains("2 of 2 changes shown"));
}

#[test]
fn a_recent_regression_is_marked_failing() {
    let m = Metadata::parse("build:1", Path::new("a"));
    let builds = test_builds(&["1", "2", "3"], &m);
    let findings = [finding("b/latency/y.mean", Direction::Regression, 2)];
    let page = html("1 change", &findings, &[], &builds, 2, 1).unwrap();
    assert!(
        page.contains("<tbody class=\"change regression failing\""),
        "{page}"
    );
    assert!(page.contains("data-failing=\"1\""), "{page}");
    assert!(page.contains("1 new regression(s) among the latest 1 build(s)"));
    assert!(page.contains("diff-perf -- TREE @2 @3"), "{page}");
    assert!(page.contains("kernel: "), "{page}");
    // No series given: no chart, and no claim that charts were cut.
    assert!(!page.contains("<svg"), "{page}");
    assert!(!page.contains("No chart"), "{page}");
}

#[test]
fn only_the_most_severe_changes_are_drawn() {
    let m = Metadata::parse("build:1", Path::new("a"));
    let ids: Vec<String> = (0..8).map(|i| i.to_string()).collect();
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    let builds = test_builds(&ids, &m);
    let findings: Vec<Finding> = (0..MAX_CHARTS + 3)
        .map(|i| {
            let direction = if i < 3 {
                Direction::Improvement
            } else {
                Direction::Regression
            };
            test_finding("m=1", &format!("c{i}"), direction, 4)
        })
        .collect();
    let series: Vec<SeriesData> = findings.iter().map(|f| series_of(f, 8)).collect();
    let page = html("many", &findings, &series, &builds, 7, 1).unwrap();
    assert_eq!(page.matches("<svg class=\"chart\"").count(), MAX_CHARTS);
    assert_eq!(page.matches("No chart: only the first 100").count(), 3);
    assert!(page.contains("only the first 100 changes are drawn, the other 3"));
    // The three without a chart are the improvements, the least severe.
    let last_chart = page.rfind("<svg class=\"chart\"").unwrap();
    assert!(
        page[..last_chart]
            .matches("data-direction=\"improvement\"")
            .count()
            == 0
    );
}

#[test]
fn the_state_has_its_cell_and_filter_and_a_triaged_regression_does_not_fail() {
    let m = Metadata::parse("build:1", Path::new("a"));
    let builds = test_builds(&["1", "2", "3"], &m);
    let mut acked = finding("b/latency/y.mean", Direction::Regression, 2);
    acked.triage = vec![test_event(Action::Ack, Some(HOSTILE))];
    let page = html("1 change", &[acked], &[], &builds, 2, 1).unwrap();
    assert!(page.contains("<th>state</th>"), "{page}");
    assert!(
        page.contains(&format!(
            "<td class=\"state\">acknowledged 2026-11-30T15:00:00Z: {ESCAPED}</td>"
        )),
        "{page}"
    );
    assert!(
        page.contains("<tbody class=\"change regression\" data-direction=\"regression\" data-class=\"step\" data-state=\"acknowledged\" data-failing=\"0\""),
        "{page}"
    );
    assert!(
        page.contains("data-filter=\"state\" value=\"dismissed\""),
        "{page}"
    );
    assert!(page.contains("no new regression among the latest 1 build(s)"));
}
