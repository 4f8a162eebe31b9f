//! The `--html` report of `history-perf detect`: one self-contained page
//! (no script, no fetch: its Content-Security-Policy allows only its own
//! inline style) with the summary and a table of the changes, regressions
//! first, each with its bisect range, effect and environment diff. Every
//! value goes through the template's escaping, as in compare-perf's page.

use serde::Serialize;
use tera::{Context, Tera};

use super::report::{
    BuildInfo, Finding, bisect_command, by_severity, environment_brief, fails, state_brief,
};
use crate::reports::html::{RenderError, escape};

const PAGE: &str = include_str!("templates/detect.html");

/// Nothing from anywhere; only the page's inline style.
const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

/// One table row, every value a string the template escapes.
#[derive(Serialize)]
struct Row {
    id: String,
    direction: &'static str,
    class: &'static str,
    check: String,
    fingerprint: String,
    change_pct: String,
    effect: String,
    last_good: String,
    first_bad: String,
    bisect: Option<String>,
    environment: Vec<String>,
    /// Triage: `new`, or acknowledged/dismissed with when and the note.
    state: String,
    failing: bool,
}

fn row(f: &Finding, builds: &[BuildInfo], recent: usize) -> Row {
    let good = f.last_good.map(|g| builds[g].id);
    let bad = builds[f.first_bad].id;
    Row {
        id: f.id.clone(),
        direction: f.change.direction.as_str(),
        class: f.change.class.as_str(),
        check: f.check.clone(),
        fingerprint: f.fingerprint.clone(),
        change_pct: format!("{:+.2}%", f.change.change_pct),
        effect: format!("{:+.2}", f.change.effect),
        last_good: good.unwrap_or("-").to_string(),
        first_bad: bad.to_string(),
        bisect: good.map(|g| bisect_command(g, bad)),
        environment: environment_brief(f),
        state: state_brief(f),
        failing: fails(f, recent),
    }
}

/// The page. `recent` is the index of the first of the latest
/// `fail_recent` builds (the same rule as the exit code).
pub fn html(
    summary: &str,
    findings: &[Finding],
    builds: &[BuildInfo],
    recent: usize,
    fail_recent: usize,
) -> Result<String, RenderError> {
    let rows: Vec<Row> = by_severity(findings)
        .into_iter()
        .map(|f| row(f, builds, recent))
        .collect();
    let mut tera = Tera::default();
    // A name ending in .html: tera escapes every `{{ }}` in it.
    tera.add_raw_template("detect.html", PAGE)?;
    tera.set_escape_fn(escape);
    let mut context = Context::new();
    context.insert("csp", CSP);
    context.insert("summary", summary);
    context.insert("failing", &rows.iter().filter(|r| r.failing).count());
    context.insert("fail_recent", &fail_recent);
    context.insert("rows", &rows);
    Ok(tera.render("detect.html", &context)?)
}

#[cfg(test)]
#[path = "html_tests.rs"]
mod tests;
