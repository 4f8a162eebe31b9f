//! What `history-perf detect` reports of each change: ids, builds, the
//! environment diff and the bisect command, as text lines and JSON.

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::runperf::{Change, SeriesResult, Skipped};
use super::series::SeriesData;
use crate::history::triage::{Action, KnownChange, State, TriageEvent};
use crate::results::Metadata;

/// One build as the reports name it.
pub struct BuildInfo<'a> {
    pub id: &'a str,
    pub order: i64,
    pub metadata: &'a Metadata,
}

/// A change with everything the reports show.
#[derive(Clone, Debug)]
pub struct Finding {
    /// Hash of the series and the first bad build.
    pub id: String,
    pub fingerprint: String,
    pub check: String,
    pub change: Change,
    pub last_good: Option<usize>,
    pub first_bad: usize,
    /// Changed metadata entries between the last good and first bad build:
    /// `(key, before, after)`.
    pub environment: Vec<(String, String, String)>,
    /// Its triage events in the store, oldest first (none: new).
    pub triage: Vec<TriageEvent>,
}

impl Finding {
    /// Where the change stands: new unless acknowledged or dismissed.
    pub fn state(&self) -> State {
        State::of(&self.triage)
    }

    /// The change as the store records it.
    pub fn known(&self, builds: &[BuildInfo]) -> KnownChange {
        KnownChange {
            id: self.id.clone(),
            fingerprint: self.fingerprint.clone(),
            check: self.check.clone(),
            class: self.change.class.as_str().to_string(),
            direction: self.change.direction.as_str().to_string(),
            last_good: self.last_good.map(|g| builds[g].id.to_string()),
            first_bad: builds[self.first_bad].id.to_string(),
        }
    }
}

/// The stable id of a change: the first 16 hex digits of SHA-256 over the
/// fingerprint, the check and the first bad build id.
pub fn change_id(fingerprint: &str, check: &str, first_bad: &str) -> String {
    let mut h = Sha256::new();
    for part in [fingerprint, check, first_bad] {
        h.update(part.as_bytes());
        h.update([0u8]);
    }
    h.finalize()
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Whether a metadata key describes the environment.
fn environmental(key: &str) -> bool {
    key.starts_with("environment_")
        || matches!(key, "kernel" | "distro" | "packages")
        || key.starts_with("package")
}

/// The environment entries that differ between two builds, by key.
pub fn environment_diff(before: &Metadata, after: &Metadata) -> Vec<(String, String, String)> {
    let mut keys: Vec<&str> = before
        .entries()
        .iter()
        .chain(after.entries())
        .map(|(k, _)| k.as_str())
        .filter(|k| environmental(k))
        .collect();
    keys.sort_unstable();
    keys.dedup();
    keys.into_iter()
        .filter_map(|k| {
            let (a, b) = (
                before.get(k).unwrap_or("").trim(),
                after.get(k).unwrap_or("").trim(),
            );
            (a != b).then(|| (k.to_string(), a.to_string(), b.to_string()))
        })
        .collect()
}

/// The findings of all series, in series order then build order.
pub fn findings(
    series: &[SeriesData],
    results: &[SeriesResult],
    builds: &[BuildInfo],
) -> Vec<Finding> {
    let mut out = Vec::new();
    for (s, r) in series.iter().zip(results) {
        for change in &r.changes {
            let last_good = change.last_good.map(|i| s.builds[i]);
            let first_bad = s.builds[change.first_bad];
            let environment = match last_good {
                Some(g) => environment_diff(builds[g].metadata, builds[first_bad].metadata),
                None => Vec::new(),
            };
            out.push(Finding {
                id: change_id(&s.key.fingerprint, &s.key.check, builds[first_bad].id),
                fingerprint: s.key.fingerprint.clone(),
                check: s.key.check.clone(),
                change: change.clone(),
                last_good,
                first_bad,
                environment,
                triage: Vec::new(),
            });
        }
    }
    out
}

/// Whether a regression (step or outlier alike, a bad newest build is
/// what CI must catch) has its first bad build at index `recent` or later,
/// whatever its triage.
pub fn recent_regression(f: &Finding, recent: usize) -> bool {
    f.change.direction == super::direction::Direction::Regression && f.first_bad >= recent
}

/// Whether a finding fails the detection: a recent regression
/// ([`recent_regression`]) that is new (neither acknowledged nor
/// dismissed).
pub fn fails(f: &Finding, recent: usize) -> bool {
    recent_regression(f, recent) && f.state() == State::New
}

/// Builds named `ids` sharing one metadata, for tests.
#[cfg(test)]
pub fn test_builds<'a>(ids: &[&'a str], metadata: &'a Metadata) -> Vec<BuildInfo<'a>> {
    ids.iter()
        .map(|id| BuildInfo {
            id,
            order: 1,
            metadata,
        })
        .collect()
}

/// A 10% step (100 to 90, 10 noise units) from build `first_bad - 1`
/// to `first_bad`, for tests.
#[cfg(test)]
pub fn test_finding(
    fingerprint: &str,
    check: &str,
    direction: super::direction::Direction,
    first_bad: usize,
) -> Finding {
    Finding {
        id: change_id(fingerprint, check, &first_bad.to_string()),
        fingerprint: fingerprint.into(),
        check: check.into(),
        change: test_step(first_bad, direction),
        last_good: Some(first_bad - 1),
        first_bad,
        environment: Vec::new(),
        triage: Vec::new(),
    }
}

/// A 10% step down from 100 (spread 1 on both sides) whose first bad
/// build is `first_bad`, for tests.
#[cfg(test)]
pub fn test_step(first_bad: usize, direction: super::direction::Direction) -> Change {
    Change {
        class: super::runperf::Class::Step,
        index: first_bad,
        last_good: Some(first_bad - 1),
        first_bad,
        mean_before: 100.0,
        stddev_before: 1.0,
        mean_after: 90.0,
        stddev_after: 1.0,
        change_pct: -10.0,
        effect: -10.0,
        pvalue: 1e-6,
        qvalue: None,
        direction,
    }
}

/// A triage event at a fixed time, for tests.
#[cfg(test)]
pub fn test_event(action: Action, note: Option<&str>) -> TriageEvent {
    TriageEvent {
        action,
        at: "2026-11-30T15:00:00Z".into(),
        note: note.map(str::to_string),
    }
}

/// How many series were skipped as too short.
pub fn skipped(results: &[SeriesResult]) -> usize {
    results
        .iter()
        .filter(|r| matches!(r.skipped, Some(Skipped::TooShort { .. })))
        .count()
}

fn short(text: &str) -> String {
    const MAX: usize = 60;
    if text.chars().count() <= MAX {
        text.to_string()
    } else {
        format!("{}…", text.chars().take(MAX).collect::<String>())
    }
}

/// The state of a change in a few words: `new`, or `acknowledged`/
/// `dismissed` with when and the note (shortened, on one line), or `new,
/// reopened` with when and the note.
pub fn state_brief(f: &Finding) -> String {
    let Some(last) = f.triage.last() else {
        return State::New.as_str().to_string();
    };
    let mut text = match last.action {
        Action::Reopen => format!("new, reopened {}", last.at),
        action => format!("{} {}", action.done(), last.at),
    };
    if let Some(note) = &last.note {
        let one_line = note.split_whitespace().collect::<Vec<_>>().join(" ");
        text.push_str(&format!(": {}", short(&one_line)));
    }
    text
}

/// The diff-perf command that tells which side of the range a build
/// tree `TREE` is on (exit code 0: good side, 1: bad side).
pub fn bisect_command(good: &str, bad: &str) -> String {
    format!("diff-perf -- TREE @{good} @{bad}")
}

/// One text line per change.
pub fn text_line(f: &Finding, builds: &[BuildInfo]) -> String {
    let c = &f.change;
    let good = f
        .last_good
        .map_or("-".to_string(), |g| builds[g].id.to_string());
    let q = c.qvalue.map_or(String::new(), |q| format!(" q={q:.3e}"));
    let mut line = format!(
        "{} {} {} {} [{}]: {} -> {} ({:+.2}%, {:+.2} noise units) p={:.3e}{q} builds {}..{}",
        f.id,
        c.class.as_str(),
        c.direction.as_str(),
        f.check,
        f.fingerprint,
        c.mean_before,
        c.mean_after,
        c.change_pct,
        c.effect,
        c.pvalue,
        good,
        builds[f.first_bad].id
    );
    line.push_str(&format!("; {}", state_brief(f)));
    if !f.environment.is_empty() {
        let diff: Vec<String> = f
            .environment
            .iter()
            .map(|(k, a, b)| format!("{k}: {} -> {}", short(a), short(b)))
            .collect();
        line.push_str(&format!("; changed {}", diff.join("; ")));
    }
    line
}

fn number(v: f64) -> Value {
    if v.is_finite() { json!(v) } else { Value::Null }
}

fn build_json(b: &BuildInfo) -> Value {
    json!({"build": b.id, "order": b.order, "url": b.metadata.get("url").map(str::trim)})
}

fn event_json(e: &TriageEvent) -> Value {
    json!({"action": e.action.as_str(), "at": e.at, "note": e.note})
}

/// The JSON report (schema in docs/detect.md); `recent` as for [`fails`].
pub fn json_report(
    algorithm: &str,
    series: usize,
    skipped: usize,
    warnings: &[String],
    findings: &[Finding],
    builds: &[BuildInfo],
    recent: usize,
) -> Value {
    let changes: Vec<Value> = findings
        .iter()
        .map(|f| {
            let c = &f.change;
            let good = f.last_good.map(|g| build_json(&builds[g]));
            json!({
                "id": f.id,
                "series": {"fingerprint": f.fingerprint, "check": f.check},
                "class": c.class.as_str(),
                "direction": c.direction.as_str(),
                "last_good": good,
                "first_bad": build_json(&builds[f.first_bad]),
                "mean_before": number(c.mean_before),
                "stddev_before": number(c.stddev_before),
                "mean_after": number(c.mean_after),
                "stddev_after": number(c.stddev_after),
                "change_pct": number(c.change_pct),
                "effect_noise": number(c.effect),
                "pvalue": number(c.pvalue),
                "qvalue": c.qvalue.map(number),
                "environment": f.environment.iter().map(|(k, a, b)| json!({"key": k, "before": a, "after": b})).collect::<Vec<_>>(),
                "bisect": f.last_good.map(|g| bisect_command(builds[g].id, builds[f.first_bad].id)),
                "state": f.state().as_str(),
                "triage": f.triage.iter().map(event_json).collect::<Vec<_>>(),
                "failing": fails(f, recent),
            })
        })
        .collect();
    json!({
        "algorithm": algorithm,
        "series": series,
        "skipped_short": skipped,
        "warnings": warnings,
        "changes": changes,
    })
}

/// The findings as the job summary and the page list them: new
/// regressions first, then acknowledged or dismissed ones, then
/// improvements (new ones first), each group the newest first bad build
/// first.
pub fn by_severity(findings: &[Finding]) -> Vec<&Finding> {
    let mut order: Vec<&Finding> = findings.iter().collect();
    order.sort_by_key(|f| {
        (
            f.change.direction != super::direction::Direction::Regression,
            f.state() != State::New,
            std::cmp::Reverse(f.first_bad),
        )
    });
    order
}

/// The changed environment entries, one `key: before → after` each,
/// long values shortened.
pub fn environment_brief(f: &Finding) -> Vec<String> {
    f.environment
        .iter()
        .map(|(k, a, b)| format!("{k}: {} → {}", short(a), short(b)))
        .collect()
}

/// A Markdown table cell: `|` escaped, line breaks as spaces.
fn cell(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace(['\n', '\r'], " ")
}

/// The Markdown job summary, in [`by_severity`]'s order: new regressions
/// first.
pub fn markdown(summary: &str, findings: &[Finding], builds: &[BuildInfo]) -> String {
    let order = by_severity(findings);
    let mut out = String::from("# Change points\n\n");
    out.push_str(&cell(summary));
    out.push_str("\n\n");
    if order.is_empty() {
        return out;
    }
    out.push_str("| id | state | direction | class | check | series | change | noise units | builds | environment |\n");
    out.push_str("|---|---|---|---|---|---|---|---|---|---|\n");
    for f in order {
        let c = &f.change;
        let good = f
            .last_good
            .map_or("-".to_string(), |g| builds[g].id.to_string());
        let env = environment_brief(f);
        out.push_str(&format!(
            "| `{}` | {} | {} | {} | {} | {} | {:+.2}% | {:+.2} | {}..{} | {} |\n",
            f.id,
            cell(&state_brief(f)),
            c.direction.as_str(),
            c.class.as_str(),
            cell(&f.check),
            cell(&f.fingerprint),
            c.change_pct,
            c.effect,
            cell(&good),
            cell(builds[f.first_bad].id),
            cell(&env.join("; "))
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    #[test]
    fn markdown_puts_regressions_first_and_escapes_cells() {
        use crate::detect::direction::Direction;
        let m = Metadata::parse("build:1", Path::new("a"));
        let builds = test_builds(&["1", "2", "3"], &m);
        let finding =
            |check, direction, first_bad| test_finding("machine=a", check, direction, first_bad);
        let findings = [
            finding("up|x", Direction::Improvement, 2),
            finding("down", Direction::Regression, 1),
        ];
        let md = markdown("2 changes", &findings, &builds);
        let down = md.find("| down |").unwrap();
        let up = md.find("| up\\|x |").unwrap();
        assert!(down < up, "{md}");
        assert!(md.contains("| 1..2 |"), "{md}");
    }

    #[test]
    fn triaged_regressions_follow_new_ones_and_show_their_state() {
        use crate::detect::direction::Direction;
        let m = Metadata::parse("build:1", Path::new("a"));
        let builds = test_builds(&["1", "2", "3", "4"], &m);
        let mut acked = test_finding("machine=a", "acked", Direction::Regression, 3);
        acked.triage = vec![test_event(Action::Ack, Some("kernel\nbump | known"))];
        let mut reopened = test_finding("machine=a", "reopened", Direction::Regression, 1);
        reopened.triage = vec![
            test_event(Action::Dismiss, None),
            test_event(Action::Reopen, None),
        ];
        let findings = [acked, reopened];
        assert!(!fails(&findings[0], 3) && recent_regression(&findings[0], 3));
        assert!(fails(&findings[1], 1) && !fails(&findings[1], 2));
        let md = markdown("2 changes", &findings, &builds);
        let new = md
            .find("| new, reopened 2026-11-30T15:00:00Z | regression |")
            .unwrap();
        let acked = md
            .find("| acknowledged 2026-11-30T15:00:00Z: kernel bump \\| known | regression |")
            .unwrap_or_else(|| panic!("{md}"));
        assert!(new < acked, "{md}");
        let line = text_line(&findings[0], &builds);
        assert!(
            line.ends_with("builds 3..4; acknowledged 2026-11-30T15:00:00Z: kernel bump | known"),
            "{line}"
        );
        let json = json_report("runperf", 2, 0, &[], &findings, &builds, 1);
        let changes = json["changes"].as_array().unwrap();
        assert_eq!(changes[0]["state"], "acknowledged");
        assert_eq!(changes[0]["failing"], false);
        assert_eq!(changes[0]["triage"][0]["note"], "kernel\nbump | known");
        assert_eq!(changes[1]["state"], "new");
        assert_eq!(changes[1]["failing"], true);
        let actions: Vec<&str> = changes[1]["triage"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["action"].as_str().unwrap())
            .collect();
        assert_eq!(actions, ["dismiss", "reopen"]);
        assert_eq!(changes[1]["triage"][1]["note"], Value::Null);
        let known = findings[1].known(&builds);
        assert_eq!(
            (known.last_good.as_deref(), known.first_bad.as_str()),
            (Some("1"), "2")
        );
    }

    #[test]
    fn ids_are_stable_and_distinct() {
        let a = change_id("machine=a", "x.mean", "101");
        assert_eq!(a, change_id("machine=a", "x.mean", "101"));
        assert_eq!(a.len(), 16);
        assert_ne!(a, change_id("machine=a", "x.mean", "102"));
        assert_ne!(change_id("a", "bc", "d"), change_id("ab", "c", "d"));
    }

    #[test]
    fn environment_diff_lists_changed_entries_only() {
        let a = Metadata::parse(
            "build:1\nkernel:5.1\nenvironment_host:x\ndistro:f40",
            Path::new("a"),
        );
        let b = Metadata::parse(
            "build:2\nkernel:5.2\nenvironment_host:x\nenvironment_guest:y",
            Path::new("b"),
        );
        let diff = environment_diff(&a, &b);
        assert_eq!(
            diff,
            vec![
                ("distro".to_string(), "f40".to_string(), String::new()),
                (
                    "environment_guest".to_string(),
                    String::new(),
                    "y".to_string()
                ),
                ("kernel".to_string(), "5.1".to_string(), "5.2".to_string()),
            ]
        );
    }
}
