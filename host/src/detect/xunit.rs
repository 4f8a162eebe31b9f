//! The `--xunit` report of `history-perf detect`: one testsuite, one
//! testcase per series (classname the fingerprint, name the check), a
//! `failure` where a new (untriaged) regression starts among the latest
//! builds, a `system-out` where such regressions were all acknowledged or
//! dismissed, and a `skipped` where the series was too short to judge. No
//! timestamp, so the bytes depend only on the history and its triage.

use std::collections::HashMap;

use quick_xml::Writer;
use quick_xml::events::attributes::Attribute;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};

use super::report::{BuildInfo, Finding, bisect_command, fails, recent_regression, text_line};
use super::runperf::{SeriesResult, Skipped};
use super::series::SeriesData;

/// Characters XML 1.0 cannot carry even escaped become `\u{..}`.
fn xml_chars(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let allowed =
            matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{fffe}' && c != '\u{ffff}');
        if allowed {
            out.push(c);
        } else {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        }
    }
    out
}

/// An attribute value escaped so that a parser reads back `text` exactly:
/// quick-xml's escaping, plus line breaks and tabs as character
/// references (a parser would otherwise normalise them to spaces).
fn attribute_value(text: &str) -> String {
    quick_xml::escape::escape(xml_chars(text))
        .replace('\t', "&#9;")
        .replace('\n', "&#10;")
        .replace('\r', "&#13;")
}

fn element<'a>(name: &'a str, attributes: &[(&str, String)]) -> BytesStart<'a> {
    let mut start = BytesStart::new(name);
    for (key, value) in attributes {
        let escaped = attribute_value(value);
        start.push_attribute(Attribute::from((key.as_bytes(), escaped.as_bytes())));
    }
    start
}

/// The failure message of one regression: change id, bisect range and
/// effect in % and in noise units.
fn message(f: &Finding, builds: &[BuildInfo]) -> String {
    let good = f.last_good.map_or("-", |g| builds[g].id);
    let bad = builds[f.first_bad].id;
    let mut text = format!(
        "{} {} {}: builds {good}..{bad} ({:+.2}%, {:+.2} noise units)",
        f.change.class.as_str(),
        f.change.direction.as_str(),
        f.id,
        f.change.change_pct,
        f.change.effect,
    );
    if f.last_good.is_some() {
        text.push_str(&format!("; bisect: {}", bisect_command(good, bad)));
    }
    text
}

/// What one testcase holds.
enum Outcome {
    Pass,
    /// Passing only because its recent regressions were triaged: the
    /// text lines of its changes, with their states.
    Triaged(String),
    Skipped(String),
    Failure {
        message: String,
        details: String,
    },
}

fn outcome(
    result: &SeriesResult,
    findings: &[&Finding],
    builds: &[BuildInfo],
    recent: usize,
) -> Outcome {
    let details = || {
        findings
            .iter()
            .map(|f| text_line(f, builds))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let failing: Vec<&&Finding> = findings.iter().filter(|f| fails(f, recent)).collect();
    if !failing.is_empty() {
        let message = failing
            .iter()
            .map(|f| message(f, builds))
            .collect::<Vec<_>>()
            .join(" | ");
        return Outcome::Failure {
            message,
            details: details(),
        };
    }
    if findings.iter().any(|f| recent_regression(f, recent)) {
        return Outcome::Triaged(details());
    }
    match &result.skipped {
        Some(Skipped::TooShort { builds, needed }) => Outcome::Skipped(format!(
            "too short: {builds} builds, the algorithm needs {needed}"
        )),
        None => Outcome::Pass,
    }
}

/// The xunit document. A testcase fails when one of its new regressions
/// has its first bad build at index `recent` or later (the same rule as
/// the exit code).
pub fn xunit(
    series: &[SeriesData],
    results: &[SeriesResult],
    findings: &[Finding],
    builds: &[BuildInfo],
    recent: usize,
) -> std::io::Result<Vec<u8>> {
    let mut by_series: HashMap<(&str, &str), Vec<&Finding>> = HashMap::new();
    for f in findings {
        by_series
            .entry((f.fingerprint.as_str(), f.check.as_str()))
            .or_default()
            .push(f);
    }
    let cases: Vec<(&SeriesData, Outcome)> = series
        .iter()
        .zip(results)
        .map(|(s, r)| {
            let key = (s.key.fingerprint.as_str(), s.key.check.as_str());
            let own = by_series.get(&key).map_or(&[][..], Vec::as_slice);
            (s, outcome(r, own, builds, recent))
        })
        .collect();
    let count = |pick: fn(&Outcome) -> bool| cases.iter().filter(|(_, o)| pick(o)).count();
    let failures = count(|o| matches!(o, Outcome::Failure { .. }));
    let skipped = count(|o| matches!(o, Outcome::Skipped(_)));

    let mut writer = Writer::new_with_indent(Vec::new(), b'\t', 1);
    writer.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    writer.write_event(Event::Start(element(
        "testsuite",
        &[
            ("name", "history-perf detect".into()),
            ("tests", cases.len().to_string()),
            ("errors", "0".into()),
            ("failures", failures.to_string()),
            ("skipped", skipped.to_string()),
            ("time", "0.000".into()),
        ],
    )))?;
    for (s, outcome) in &cases {
        let case = element(
            "testcase",
            &[
                ("classname", s.key.fingerprint.clone()),
                ("name", s.key.check.clone()),
                ("time", "0.000".into()),
            ],
        );
        match outcome {
            Outcome::Pass => writer.write_event(Event::Empty(case))?,
            Outcome::Triaged(details) => {
                writer.write_event(Event::Start(case))?;
                writer.write_event(Event::Start(BytesStart::new("system-out")))?;
                writer.write_event(Event::Text(BytesText::new(&xml_chars(details))))?;
                writer.write_event(Event::End(BytesEnd::new("system-out")))?;
                writer.write_event(Event::End(BytesEnd::new("testcase")))?;
            }
            Outcome::Skipped(message) => {
                writer.write_event(Event::Start(case))?;
                writer.write_event(Event::Empty(element(
                    "skipped",
                    &[("message", message.clone())],
                )))?;
                writer.write_event(Event::End(BytesEnd::new("testcase")))?;
            }
            Outcome::Failure { message, details } => {
                writer.write_event(Event::Start(case))?;
                writer.write_event(Event::Start(element(
                    "failure",
                    &[("type", "regression".into()), ("message", message.clone())],
                )))?;
                writer.write_event(Event::Text(BytesText::new(&xml_chars(details))))?;
                writer.write_event(Event::End(BytesEnd::new("failure")))?;
                writer.write_event(Event::End(BytesEnd::new("testcase")))?;
            }
        }
    }
    writer.write_event(Event::End(BytesEnd::new("testsuite")))?;
    let mut bytes = writer.into_inner();
    bytes.push(b'\n');
    Ok(bytes)
}

#[cfg(test)]
#[path = "xunit_tests.rs"]
mod tests;
