//! The `--html` report of `history-perf detect`: one self-contained page
//! under compare-perf's rules (nothing loaded, a Content-Security-Policy
//! that allows only the page's own script by its hash, every value
//! escaped by the template) with the summary, a verdict and the changes
//! by severity: filters and a search, and per change its chart
//! ([`chart`]), its means, environment diff and bisect command.
//!
//! Only the first [`MAX_CHARTS`] changes get a chart, so that a detection
//! with thousands of changes still gives a page a browser opens quickly.

mod chart;
mod filters;
mod row;

use std::collections::HashMap;

use tera::{Context, Tera};

use self::chart::History;
use self::row::Row;
use super::report::{BuildInfo, Finding, by_severity};
use super::runperf::Class;
use super::series::SeriesData;
use crate::reports::html::clipboard::Clipboard;
use crate::reports::html::{COPY_JS, MACROS, RenderError, content_security_policy, escape};

const PAGE: &str = include_str!("templates/detect.html");
const CSS: &str = include_str!("templates/detect.css");
const JS: &str = include_str!("templates/detect.js");

/// Changes drawn as a chart, the most severe first. A chart of 240 builds
/// is about 40 kB, so 100 charts keep the page under a few megabytes.
pub const MAX_CHARTS: usize = 100;

/// The series of `findings` as the charts need them, by (fingerprint,
/// check): the builds' ids and values, and where its steps and outliers are.
fn histories<'a>(
    series: &'a [SeriesData],
    findings: &'a [Finding],
    builds: &[BuildInfo<'a>],
) -> HashMap<(&'a str, &'a str), History<'a>> {
    let mut map: HashMap<(&str, &str), History> = series
        .iter()
        .map(|s| {
            let key = (s.key.fingerprint.as_str(), s.key.check.as_str());
            let history = History {
                ids: s.builds.iter().map(|&b| builds[b].id).collect(),
                input: &s.input,
                steps: Vec::new(),
                outliers: Vec::new(),
            };
            (key, history)
        })
        .collect();
    for f in findings {
        if let Some(h) = map.get_mut(&(f.fingerprint.as_str(), f.check.as_str())) {
            match f.change.class {
                Class::Step => h.steps.push(f.change.index),
                Class::Outlier => h.outliers.push(f.change.index),
            }
        }
    }
    map
}

/// The page. `series` are the series the findings were found in; `recent`
/// is the index of the first of the latest `fail_recent` builds (the same
/// rule as the exit code).
pub fn html(
    summary: &str,
    findings: &[Finding],
    series: &[SeriesData],
    builds: &[BuildInfo],
    recent: usize,
    fail_recent: usize,
) -> Result<String, RenderError> {
    let histories = histories(series, findings, builds);
    let mut clipboard = Clipboard::default();
    let rows: Vec<Row> = by_severity(findings)
        .into_iter()
        .enumerate()
        .map(|(i, f)| {
            let history = histories.get(&(f.fingerprint.as_str(), f.check.as_str()));
            let chart = history
                .filter(|_| i < MAX_CHARTS)
                .map(|h| chart::draw(h, &f.change));
            row::row(f, builds, recent, &mut clipboard, chart)
        })
        .collect();
    let script = format!("{COPY_JS}{JS}");
    let mut tera = Tera::default();
    // Names ending in .html: tera escapes every `{{ }}` in them.
    tera.add_raw_templates(vec![("macros.html", MACROS), ("detect.html", PAGE)])?;
    tera.set_escape_fn(escape);
    let mut context = Context::new();
    context.insert("csp", &content_security_policy(&script));
    context.insert("css", CSS);
    context.insert("js", &script);
    context.insert("data_json", &clipboard.script_json());
    context.insert("summary", summary);
    context.insert(
        "failing",
        &findings
            .iter()
            .filter(|f| super::report::fails(f, recent))
            .count(),
    );
    context.insert("fail_recent", &fail_recent);
    context.insert("filters", filters::FILTERS);
    context.insert("max_charts", &MAX_CHARTS);
    context.insert("max_builds", &chart::MAX_BUILDS);
    context.insert("rows", &rows);
    Ok(tera.render("detect.html", &context)?)
}

#[cfg(test)]
#[path = "html_tests.rs"]
mod tests;
