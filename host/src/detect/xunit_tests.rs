use std::collections::BTreeMap;
use std::path::Path;

use quick_xml::Reader;
use quick_xml::events::Event;

use super::*;
use crate::detect::direction::{Better, Direction};
use crate::detect::report::{test_builds, test_event, test_finding};
use crate::detect::runperf::SeriesInput;
use crate::detect::series::SeriesKey;
use crate::history::triage::Action;
use crate::results::Metadata;

/// An element as a parser reads it back: name, attributes, text.
#[derive(Debug, Default)]
struct Node {
    name: String,
    attributes: BTreeMap<String, String>,
    text: String,
}

fn parse(bytes: &[u8]) -> Vec<Node> {
    let text = std::str::from_utf8(bytes).unwrap();
    let mut reader = Reader::from_str(text);
    let mut nodes: Vec<Node> = Vec::new();
    loop {
        match reader.read_event().unwrap() {
            Event::Start(e) | Event::Empty(e) => {
                let mut node = Node {
                    name: String::from_utf8(e.name().as_ref().to_vec()).unwrap(),
                    ..Node::default()
                };
                for a in e.attributes() {
                    let a = a.unwrap();
                    node.attributes.insert(
                        String::from_utf8(a.key.as_ref().to_vec()).unwrap(),
                        a.unescape_value().unwrap().into_owned(),
                    );
                }
                nodes.push(node);
            }
            Event::Text(t) => {
                if let Some(last) = nodes.last_mut() {
                    last.text.push_str(&t.unescape().unwrap());
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    nodes
}

fn series(fingerprint: &str, check: &str, builds: usize) -> SeriesData {
    SeriesData {
        key: SeriesKey {
            fingerprint: fingerprint.into(),
            check: check.into(),
        },
        builds: (0..builds).collect(),
        input: SeriesInput::without_noise(&vec![1.0; builds], Better::Higher),
    }
}

fn finding(s: &SeriesData, first_bad: usize, direction: Direction) -> Finding {
    test_finding(&s.key.fingerprint, &s.key.check, direction, first_bad)
}

fn passed() -> SeriesResult {
    SeriesResult {
        changes: Vec::new(),
        skipped: None,
    }
}

#[test]
fn hostile_names_read_back_exactly() {
    let m = Metadata::parse("build:1", Path::new("a"));
    let ids = ["<1&>", "b\"2'", "c<3>"];
    let builds = test_builds(&ids, &m);
    let fingerprint = "machine=<a href=\"x\">&amp;'";
    let check = "t<&\"'>/throughput/x\ny\t]]>.mean";
    let s = series(fingerprint, check, 3);
    let f = finding(&s, 2, Direction::Regression);
    let xml = xunit(&[s], &[passed()], std::slice::from_ref(&f), &builds, 2).unwrap();
    let nodes = parse(&xml);
    let names: Vec<&str> = nodes.iter().map(|n| n.name.as_str()).collect();
    assert_eq!(names, ["testsuite", "testcase", "failure"]);
    assert_eq!(nodes[1].attributes["classname"], fingerprint);
    assert_eq!(nodes[1].attributes["name"], check);
    let message = &nodes[2].attributes["message"];
    assert!(message.contains(&f.id), "{message}");
    assert!(message.contains("builds b\"2'..c<3>"), "{message}");
    assert!(message.contains("-10.00%, -10.00 noise units"), "{message}");
    assert!(
        message.contains("diff-perf -- TREE @b\"2' @c<3>"),
        "{message}"
    );
    assert!(nodes[2].text.contains(check), "{}", nodes[2].text);
}

#[test]
fn characters_xml_cannot_carry_are_spelt_out() {
    let m = Metadata::parse("build:1", Path::new("a"));
    let builds = [BuildInfo {
        id: "1",
        order: 1,
        metadata: &m,
    }];
    let s = series("machine=\u{1}x", "a/b\u{ffff}", 1);
    let xml = xunit(&[s], &[passed()], &[], &builds, 1).unwrap();
    let nodes = parse(&xml);
    assert_eq!(nodes[1].attributes["classname"], "machine=\\u{1}x");
    assert_eq!(nodes[1].attributes["name"], "a/b\\u{ffff}");
}

#[test]
fn only_recent_regressions_fail_and_short_series_are_skipped() {
    let m = Metadata::parse("build:1", Path::new("a"));
    let ids = ["1", "2", "3", "4", "5", "6"];
    let builds = test_builds(&ids, &m);
    let all = [
        series("machine=a", "old/throughput/x.mean", 6),
        series("machine=a", "new/throughput/x.mean", 6),
        series("machine=a", "better/throughput/x.mean", 6),
        series("machine=a", "short/throughput/x.mean", 2),
    ];
    let findings = [
        finding(&all[0], 2, Direction::Regression),
        finding(&all[1], 5, Direction::Regression),
        finding(&all[2], 5, Direction::Improvement),
    ];
    let results = [
        passed(),
        passed(),
        passed(),
        SeriesResult {
            changes: Vec::new(),
            skipped: Some(Skipped::TooShort {
                builds: 2,
                needed: 6,
            }),
        },
    ];
    let xml = xunit(&all, &results, &findings, &builds, 5).unwrap();
    assert_eq!(xml, xunit(&all, &results, &findings, &builds, 5).unwrap());
    let nodes = parse(&xml);
    let suite = &nodes[0].attributes;
    assert_eq!(suite["tests"], "4");
    assert_eq!(suite["failures"], "1");
    assert_eq!(suite["skipped"], "1");
    let kinds: Vec<(&str, &str)> = nodes
        .iter()
        .map(|n| {
            (
                n.name.as_str(),
                n.attributes.get("name").map_or("", String::as_str),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("testsuite", "history-perf detect"),
            ("testcase", "old/throughput/x.mean"),
            ("testcase", "new/throughput/x.mean"),
            ("failure", ""),
            ("testcase", "better/throughput/x.mean"),
            ("testcase", "short/throughput/x.mean"),
            ("skipped", ""),
        ]
    );
    assert!(nodes[3].attributes["message"].contains("builds 5..6"));
    assert!(nodes[6].attributes["message"].contains("2 builds"));

    // With --fail-recent 4 the older regression fails too.
    let nodes = parse(&xunit(&all, &results, &findings, &builds, 2).unwrap());
    assert_eq!(nodes[0].attributes["failures"], "2");
}

#[test]
fn triaged_recent_regressions_pass_with_their_state_in_system_out() {
    let m = Metadata::parse("build:1", Path::new("a"));
    let builds = test_builds(&["1", "2", "3"], &m);
    let all = [
        series("machine=a", "acked/throughput/x.mean", 3),
        series("machine=a", "dismissed/throughput/x.mean", 3),
        series("machine=a", "reopened/throughput/x.mean", 3),
    ];
    let mut findings = [
        finding(&all[0], 2, Direction::Regression),
        finding(&all[1], 2, Direction::Regression),
        finding(&all[2], 2, Direction::Regression),
    ];
    findings[0].triage = vec![test_event(Action::Ack, Some("bisecting <now>"))];
    findings[1].triage = vec![test_event(Action::Dismiss, None)];
    findings[2].triage = vec![
        test_event(Action::Ack, None),
        test_event(Action::Reopen, Some("again")),
    ];
    let results = [passed(), passed(), passed()];
    let nodes = parse(&xunit(&all, &results, &findings, &builds, 2).unwrap());
    assert_eq!(nodes[0].attributes["failures"], "1");
    let names: Vec<&str> = nodes.iter().map(|n| n.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "testsuite",
            "testcase",
            "system-out",
            "testcase",
            "system-out",
            "testcase",
            "failure"
        ]
    );
    assert!(
        nodes[2]
            .text
            .contains("; acknowledged 2026-11-30T15:00:00Z: bisecting <now>"),
        "{}",
        nodes[2].text
    );
    assert!(nodes[4].text.contains("; dismissed 2026-11-30T15:00:00Z"));
    assert!(
        nodes[6]
            .text
            .contains("; new, reopened 2026-11-30T15:00:00Z: again"),
        "{}",
        nodes[6].text
    );
}
