//! One change as the page shows it: a table row of strings (the template
//! escapes every one), its filter values, its details (means, p-value,
//! environment diff, bisect command) and, for the first rows, its chart.

use serde::Serialize;

use super::chart::Chart;
use super::filters;
use crate::detect::report::{
    BuildInfo, Finding, bisect_command, environment_brief, fails, state_brief,
};
use crate::reports::html::clipboard::Clipboard;
use crate::reports::html::sparkline::compact;

/// One change.
#[derive(Serialize)]
pub struct Row {
    id: String,
    direction: &'static str,
    class: &'static str,
    check: String,
    fingerprint: String,
    change_pct: String,
    effect: String,
    last_good: String,
    first_bad: String,
    /// `before ± sd → after ± sd`.
    means: String,
    pvalue: String,
    qvalue: Option<String>,
    bisect: Option<String>,
    /// Index of the bisect command in the page's copy list.
    copy: Option<usize>,
    environment: Vec<String>,
    /// Triage: `new`, or acknowledged/dismissed with when and the note.
    state: String,
    failing: bool,
    /// What the search looks in: check, fingerprint and id, lower case.
    search: String,
    /// `data-NAME="VALUE"` of each filter group.
    filters: Vec<(&'static str, &'static str)>,
    chart: Option<Chart>,
}

/// The row of `f`; `recent` is the first of the latest builds that fail.
pub fn row(
    f: &Finding,
    builds: &[BuildInfo],
    recent: usize,
    clipboard: &mut Clipboard,
    chart: Option<Chart>,
) -> Row {
    let c = &f.change;
    let good = f.last_good.map(|g| builds[g].id);
    let bad = builds[f.first_bad].id;
    let bisect = good.map(|g| bisect_command(g, bad));
    Row {
        id: f.id.clone(),
        direction: c.direction.as_str(),
        class: c.class.as_str(),
        check: f.check.clone(),
        fingerprint: f.fingerprint.clone(),
        change_pct: format!("{:+.2}%", c.change_pct),
        effect: format!("{:+.2}", c.effect),
        last_good: good.unwrap_or("-").to_string(),
        first_bad: bad.to_string(),
        means: format!(
            "{} ± {} → {} ± {}",
            compact(c.mean_before),
            compact(c.stddev_before),
            compact(c.mean_after),
            compact(c.stddev_after)
        ),
        pvalue: format!("{:.3e}", c.pvalue),
        qvalue: c.qvalue.map(|q| format!("{q:.3e}")),
        copy: bisect.clone().map(|b| clipboard.add(b)),
        bisect,
        environment: environment_brief(f),
        state: state_brief(f),
        failing: fails(f, recent),
        search: format!("{} {} {}", f.check, f.fingerprint, f.id).to_lowercase(),
        filters: filters::values(f),
        chart,
    }
}
