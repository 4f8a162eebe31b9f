//! XUnit/JUnit report of the target build, byte-compatible with the
//! reference's (minidom pretty-printed, tab indented): one testcase per
//! primary check; failed gains are `skipped`, losses `failure`, broken
//! results `error`. Like the reference, it is written before the grouped
//! checks are evaluated, so grouped checks are not testcases.

use std::io::Write;

use quick_xml::Writer;
use quick_xml::events::attributes::Attribute;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, Event};

use super::Report;
use crate::compare::{Comparison, Status};

/// Python's `string.printable` minus tab/vertical-tab/form-feed: other
/// characters are written as `\xNN` like the reference does.
fn printable(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii_alphanumeric() || c.is_ascii_punctuation() || matches!(c, '\n' | '\r' | ' ') {
            out.push(c);
        } else {
            out.push_str(&format!("\\x{:02x}", c as u32));
        }
    }
    out
}

/// Escapes an attribute value as minidom does.
fn attribute_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('"', "&quot;")
        .replace('>', "&gt;")
}

fn element<'a>(name: &'a str, attributes: &[(&str, String)]) -> BytesStart<'a> {
    let mut start = BytesStart::new(name);
    for (key, value) in attributes {
        let escaped = attribute_escape(&printable(value));
        start.push_attribute(Attribute::from((key.as_bytes(), escaped.as_bytes())));
    }
    start
}

/// Current UTC time as `YYYY-MM-DDTHH:MM:SS.ffffff`.
fn timestamp() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let secs = now.as_secs() as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil date from days since the epoch (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:06}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        now.subsec_micros()
    )
}

/// The xunit report.
pub struct Xunit;

impl Report for Xunit {
    fn name(&self) -> &'static str {
        "XUnit"
    }

    fn write(&self, comparison: &Comparison, out: &mut dyn Write) -> std::io::Result<()> {
        let Some(target) = comparison.target() else {
            return Ok(());
        };
        let (mut errors, mut failures, mut skipped) = (0usize, 0usize, 0usize);
        let mut cases = Vec::new();
        for record in target.records.iter().filter(|r| r.primary) {
            let (classname, name) = record
                .name
                .rsplit_once('/')
                .unwrap_or(("<undefined>", &record.name));
            let kind = match record.status() {
                Status::FailGain => {
                    skipped += 1;
                    Some("skipped")
                }
                Status::FailLoss => {
                    failures += 1;
                    Some("failure")
                }
                Status::Error => {
                    errors += 1;
                    Some("error")
                }
                _ => None,
            };
            cases.push((classname.to_string(), name.to_string(), kind, record));
        }
        let mut writer = Writer::new_with_indent(Vec::new(), b'\t', 1);
        writer.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
        let suite = element(
            "testsuite",
            &[
                ("name", "runperf".into()),
                ("timestamp", timestamp()),
                ("tests", target.records.len().to_string()),
                ("errors", errors.to_string()),
                ("failures", failures.to_string()),
                ("skipped", skipped.to_string()),
                ("time", "0.000".into()),
            ],
        );
        writer.write_event(Event::Start(suite))?;
        for (classname, name, kind, record) in cases {
            let case = element(
                "testcase",
                &[
                    ("classname", classname),
                    ("name", name),
                    ("time", "0.000".into()),
                ],
            );
            match kind {
                None => writer.write_event(Event::Empty(case))?,
                Some(kind) => {
                    writer.write_event(Event::Start(case))?;
                    let child = element(
                        kind,
                        &[("type", kind.into()), ("message", record.details())],
                    );
                    writer.write_event(Event::Empty(child))?;
                    writer.write_event(Event::End(BytesEnd::new("testcase")))?;
                }
            }
        }
        writer.write_event(Event::End(BytesEnd::new("testsuite")))?;
        let mut bytes = writer.into_inner();
        bytes.push(b'\n');
        out.write_all(&bytes)
    }
}
