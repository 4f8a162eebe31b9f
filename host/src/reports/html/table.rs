//! The group-statistics and failures tables: one row per check (primary
//! checks, or grouped checks), one cell per compared build, with what the
//! filters need (profile, test, type, status in the target and in any
//! build) and a sparkline of the check across the builds. Rows hidden by
//! the default filter (nothing failed in any build) carry `hidden`, so
//! the page reads right before its script runs.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::cell::Cell;
use super::clipboard::Clipboard;
use super::diff::record_params_diff;
use super::sparkline::{self, Sparkline};
use super::status;
use super::view::Origin;
use crate::compare::{Comparison, Record};

/// Which checks a table lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableKind {
    /// Primary checks (the failures table).
    Primary,
    /// Grouped checks (group statistics).
    Grouped,
}

/// The source column of a row.
#[derive(Debug, Serialize)]
pub struct SourceCell {
    /// Source value as shown.
    pub value: String,
    /// Numeric value for sorting.
    pub sort: Option<f64>,
    /// Hover text: params, model range.
    pub tip: String,
    /// Index of the raw params copied on click.
    pub copy: Option<usize>,
}

/// One row.
#[derive(Debug, Serialize)]
pub struct CheckRow {
    /// Full check name.
    pub name: String,
    /// Profile part of the name (filter).
    pub profile: String,
    /// Test part of the name (filter).
    pub test: String,
    /// `mean`, `stddev`... (filter).
    pub kind: String,
    /// Status key in the target.
    pub this: &'static str,
    /// Status keys over all builds, space separated.
    pub any: String,
    /// Hidden by the default filter.
    pub hidden: bool,
    /// The source value (primary checks only).
    pub source: Option<SourceCell>,
    /// One cell per compared build.
    pub cells: Vec<Cell>,
    /// Value (primary) or score (grouped) across the builds.
    pub spark: Sparkline,
}

/// A whole table.
#[derive(Debug, Serialize)]
pub struct CheckTable {
    /// Element id prefix.
    pub id: &'static str,
    /// Rows sorted by name (rendered apart, a slice at a time: as one
    /// template value they took most of the report's memory).
    #[serde(skip)]
    pub rows: Vec<CheckRow>,
    /// Number of rows.
    pub row_count: usize,
    /// Profiles found in the names.
    pub profiles: Vec<String>,
    /// Tests found in the names.
    pub tests: Vec<String>,
    /// Check types found in the names.
    pub kinds: Vec<String>,
    /// Rows shown by default.
    pub visible: usize,
}

/// `(profile, test, kind)` of `PROFILE/TEST/SERIAL:./ITER/WORKFLOW/TYPE.KIND`.
fn name_filters(name: &str) -> (String, String, String) {
    let mut parts = name.splitn(3, '/');
    let profile = parts.next().unwrap_or_default();
    let test = parts.next().unwrap_or_default();
    let kind = name.rsplit_once('.').map_or("", |(_, kind)| kind);
    let kind = if kind.contains('/') { "" } else { kind };
    (profile.to_string(), test.to_string(), kind.to_string())
}

fn source_cell(comparison: &Comparison, name: &str, clipboard: &mut Clipboard) -> SourceCell {
    let Some(check) = comparison.source_check(name) else {
        return SourceCell {
            value: "\u{2013}".into(),
            sort: None,
            tip: "Not present in the source".into(),
            copy: None,
        };
    };
    let mut tip = vec![format!("Source value: {}", check.value)];
    for (i, model) in comparison.settings().models.iter().enumerate() {
        if let Some(entry) = model.entry(name)
            && let (Some(low), Some(high)) = (entry.mmin, entry.mmax)
        {
            tip.push(format!("model{i} range: {low:.1} \u{2013} {high:.1}"));
        }
    }
    let params: Vec<String> = check
        .params
        .iter()
        .map(|(k, v)| format!("{k}: {v}"))
        .collect();
    let copy = (!params.is_empty()).then(|| {
        tip.push("Click to copy the source params".into());
        let map: serde_json::Map<String, serde_json::Value> = check
            .params
            .iter()
            .map(|(k, v)| (k.clone(), v.clone().into()))
            .collect();
        clipboard.add(serde_json::to_string_pretty(&map).unwrap_or_default())
    });
    let sort = check.value.as_f64();
    SourceCell {
        value: sort.map_or_else(|| check.value.to_string(), sparkline::compact),
        sort,
        tip: tip.join("\n"),
        copy,
    }
}

/// Builds the table of `kind` over `origins` (source first).
pub fn build(
    comparison: &Comparison,
    origins: &[Origin],
    kind: TableKind,
    clipboard: &mut Clipboard,
) -> CheckTable {
    let builds: Vec<_> = origins.iter().filter_map(|o| o.build).collect();
    let labels: Vec<String> = origins.iter().map(|o| o.column.label.clone()).collect();
    let mut by_name: BTreeMap<&str, Vec<Option<&Record>>> = BTreeMap::new();
    for (i, build) in builds.iter().enumerate() {
        let records = match kind {
            TableKind::Primary => &build.records,
            TableKind::Grouped => &build.grouped,
        };
        for record in records.iter().filter(|r| r.primary) {
            let row = by_name
                .entry(&*record.name)
                .or_insert_with(|| vec![None; builds.len()]);
            row[i] = Some(record);
        }
    }
    let (mut profiles, mut tests, mut kinds) = (BTreeSet::new(), BTreeSet::new(), BTreeSet::new());
    let mut rows = Vec::with_capacity(by_name.len());
    for (name, records) in by_name {
        let (profile, test, check_kind) = name_filters(name);
        let mut cells = Vec::with_capacity(records.len());
        for record in &records {
            let Some(record) = record else {
                cells.push(Cell::missing());
                continue;
            };
            let mut cell = Cell::of(record);
            if let Some(diff) = record_params_diff(comparison.source_check(name), record) {
                let raw: Vec<String> = record
                    .params
                    .iter()
                    .map(|(k, v)| format!("{k}:\n{v}"))
                    .collect();
                cell.copy = Some(clipboard.add(raw.join("\n")));
                cell.params_diff = Some(diff);
            }
            cells.push(cell);
        }
        let keys: Vec<&'static str> = cells.iter().map(|c| c.status.key).collect();
        let any: BTreeSet<&str> = keys.iter().copied().collect();
        let this = keys.last().copied().unwrap_or(status::ERROR.key);
        let source = (kind == TableKind::Primary).then(|| source_cell(comparison, name, clipboard));
        let spark = spark(comparison, kind, name, &records, &keys, &labels);
        profiles.insert(profile.clone());
        tests.insert(test.clone());
        kinds.insert(check_kind.clone());
        rows.push(CheckRow {
            name: name.to_string(),
            hidden: !any.iter().any(|key| status::is_failure(key)),
            any: any.into_iter().collect::<Vec<_>>().join(" "),
            this,
            profile,
            test,
            kind: check_kind,
            source,
            cells,
            spark,
        });
    }
    CheckTable {
        id: match kind {
            TableKind::Primary => "failures",
            TableKind::Grouped => "groups",
        },
        visible: rows.iter().filter(|r| !r.hidden).count(),
        row_count: rows.len(),
        rows,
        profiles: profiles.into_iter().collect(),
        tests: tests.into_iter().collect(),
        kinds: kinds.into_iter().collect(),
    }
}

fn spark(
    comparison: &Comparison,
    kind: TableKind,
    name: &str,
    records: &[Option<&Record>],
    keys: &[&'static str],
    labels: &[String],
) -> Sparkline {
    let value = |record: &Record| match kind {
        TableKind::Primary if record.errors.is_empty() => record.dst.as_f64(),
        TableKind::Primary => None,
        TableKind::Grouped => Some(record.score()),
    };
    let (source, band) = match kind {
        TableKind::Primary => {
            let src = comparison.source_check(name).and_then(|c| c.value.as_f64());
            let tolerance = records.iter().flatten().find_map(|r| r.tolerance.as_f64());
            let band = match (src, tolerance) {
                (Some(src), Some(tol)) if name.ends_with("mean") => {
                    Some((src - src.abs() * tol / 100.0, src + src.abs() * tol / 100.0))
                }
                _ => None,
            };
            (src, band)
        }
        TableKind::Grouped => (Some(0.0), None),
    };
    let values: Vec<Option<f64>> = std::iter::once(source)
        .chain(records.iter().map(|r| r.and_then(value)))
        .collect();
    let all_keys: Vec<&'static str> = std::iter::once("source")
        .chain(keys.iter().copied())
        .collect();
    sparkline::draw(&values, &all_keys, band, labels)
}
