use std::path::Path;

use super::*;
use crate::detect::direction::Direction;
use crate::detect::report::{test_builds, test_event, test_finding};
use crate::history::triage::Action;
use crate::results::Metadata;

const HOSTILE: &str = "<x-evil a=\"1\" b='2'>&amp;</x-evil>";
const ESCAPED: &str = "&lt;x-evil a=&quot;1&quot; b=&#39;2&#39;&gt;&amp;amp;&lt;/x-evil&gt;";

fn finding(check: &str, direction: Direction, first_bad: usize) -> Finding {
    let mut f = test_finding(&format!("machine={HOSTILE}"), check, direction, first_bad);
    f.environment = vec![("kernel".into(), HOSTILE.into(), "6.1".into())];
    f
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

#[test]
fn hostile_names_are_escaped_everywhere() {
    let m = Metadata::parse("build:1", Path::new("a"));
    let ids = ["1", HOSTILE, "3"];
    let builds = test_builds(&ids, &m);
    let findings = [
        finding(
            &format!("{HOSTILE}/throughput/x.mean"),
            Direction::Improvement,
            2,
        ),
        finding("b/latency/y.mean", Direction::Regression, 1),
    ];
    let page = html(HOSTILE, &findings, &builds, 2, 1).unwrap();
    assert!(!page.contains("<x-evil"), "{page}");
    assert!(!page.contains("</x-evil"), "{page}");
    // Summary, fingerprints, a check, a build id (twice), environment.
    assert!(page.matches(ESCAPED).count() >= 6, "{page}");
    let allowed = [
        "!DOCTYPE", "html", "head", "meta", "link", "title", "style", "body", "h1", "p", "table",
        "thead", "tbody", "tr", "th", "td", "code", "ul", "li",
    ];
    for tag in tags(&page) {
        let name = tag.trim_start_matches('/');
        assert!(allowed.contains(&name), "unexpected tag <{tag}> in {page}");
    }
    // Regressions first; the one among the latest builds is not failing
    // here (recent = 2, its first bad build is 1).
    let regression = page.find("b/latency/y.mean").unwrap();
    let improvement = page.find("/throughput/x.mean").unwrap();
    assert!(regression < improvement);
    assert!(page.contains("no regression among the latest 1 build(s)"));
    assert!(page.contains("default-src &#39;none&#39;"), "{page}");
    for external in ["http:", "https:", "//", "src=", "url("] {
        assert!(!page.contains(external), "{external} in {page}");
    }
    assert!(!page.contains("<script"), "{page}");
}

#[test]
fn a_recent_regression_is_marked_failing() {
    let m = Metadata::parse("build:1", Path::new("a"));
    let builds = test_builds(&["1", "2", "3"], &m);
    let findings = [finding("b/latency/y.mean", Direction::Regression, 2)];
    let page = html("1 change", &findings, &builds, 2, 1).unwrap();
    assert!(page.contains("<tr class=\"regression failing\">"), "{page}");
    assert!(page.contains("1 new regression(s) among the latest 1 build(s)"));
    assert!(page.contains("diff-perf -- TREE @2 @3"), "{page}");
    assert!(page.contains("kernel: "), "{page}");
}

#[test]
fn the_state_has_its_cell_and_a_triaged_regression_does_not_fail() {
    let m = Metadata::parse("build:1", Path::new("a"));
    let builds = test_builds(&["1", "2", "3"], &m);
    let mut acked = finding("b/latency/y.mean", Direction::Regression, 2);
    acked.triage = vec![test_event(Action::Ack, Some(HOSTILE))];
    let page = html("1 change", &[acked], &builds, 2, 1).unwrap();
    assert!(page.contains("<th>state</th>"), "{page}");
    assert!(
        page.contains(&format!(
            "<td class=\"state\">acknowledged 2026-11-30T15:00:00Z: {ESCAPED}</td>"
        )),
        "{page}"
    );
    assert!(page.contains("<tr class=\"regression\">"), "{page}");
    assert!(page.contains("no regression among the latest 1 build(s)"));
}
