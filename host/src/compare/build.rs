//! Comparing one reference or target build against the source: every check
//! becomes a [`Record`] (the reference's `RelativeResults`).

use std::path::PathBuf;
use std::sync::Arc;

use serde::Serialize;

use super::grouped;
use super::model::LinearModel;
use super::modifier::Modifier;
use super::name_map::{NameMap, NameSet};
use super::record::{PartKind, Record};
use crate::results::{Check, CheckValue, Metadata, ResultTree};

/// Whether a build is a reference (feeds the modifiers) or the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// A middle result: only used as a reference.
    Reference,
    /// The last result: the one whose verdict counts.
    Target,
}

/// The compared records of one build.
#[derive(Debug, Clone)]
pub struct Build {
    /// Name given on the command line (`name:path`) or the path.
    pub name: String,
    /// Result directory.
    pub path: PathBuf,
    /// Its `RUNPERF_METADATA`.
    pub metadata: Metadata,
    /// Reference or target.
    pub role: Role,
    /// One record per check, in reading order, then the checks missing
    /// from this build.
    pub records: Vec<Record>,
    /// Grouped checks.
    pub grouped: Vec<Record>,
}

/// Source checks indexed for comparison.
pub(super) struct Source {
    /// Last check of each name (the reference keeps a dict).
    by_name: NameMap<String, Check>,
    /// Names in order of first appearance.
    order: Vec<String>,
}

impl Source {
    pub(super) fn new(tree: &ResultTree) -> Self {
        let mut by_name = NameMap::with_capacity_and_hasher(tree.len(), Default::default());
        let mut order = Vec::with_capacity(tree.len());
        for check in tree.checks() {
            if by_name.insert(check.name.clone(), check.clone()).is_none() {
                order.push(check.name.clone());
            }
        }
        Self { by_name, order }
    }

    pub(super) fn get(&self, name: &str) -> Option<&Check> {
        self.by_name.get(name)
    }
}

/// What one comparison needs from the whole run.
pub(super) struct Context<'a> {
    pub mean_tolerance: f64,
    pub stddev_tolerance: f64,
    pub models: &'a [LinearModel],
    pub modifiers: &'a mut [Box<dyn Modifier>],
}

impl Context<'_> {
    /// Difference and tolerance of `name` as the reference computes them.
    fn difference(&self, name: &str, src: &CheckValue, dst: &CheckValue) -> (f64, CheckValue) {
        match (src.as_f64(), dst.as_f64()) {
            (Some(src), Some(dst)) if name.ends_with("mean") => {
                let difference = if src == 0.0 {
                    0.0
                } else {
                    (dst - src) / src.abs() * 100.0
                };
                (difference, CheckValue::Float(self.mean_tolerance))
            }
            (Some(src), Some(dst)) if name.ends_with("stddev") => {
                (src - dst, CheckValue::Float(self.stddev_tolerance))
            }
            (Some(a), Some(b)) => (if a == b { 0.0 } else { 1.0 }, CheckValue::Int(0)),
            _ => (if src == dst { 0.0 } else { 1.0 }, CheckValue::Int(0)),
        }
    }

    /// Scores one check (or group) and feeds the modifiers.
    fn record(
        &mut self,
        mut record: Record,
        src: &CheckValue,
        difference: f64,
        role: Role,
    ) -> Record {
        let mut raw_weight = 1.0;
        for (i, model) in self.models.iter().enumerate() {
            for contribution in model.contributions(i, &record.name, src, &record.dst) {
                raw_weight = 0.0;
                record.add(contribution);
            }
        }
        record.add((PartKind::Raw, difference, raw_weight, Some(src.clone())));
        for modifier in self.modifiers.iter_mut() {
            match role {
                Role::Reference => modifier.add_result(&record),
                Role::Target => {
                    for contribution in modifier.check_result(&record) {
                        record.add(contribution);
                    }
                }
            }
        }
        log(&record);
        record
    }
}

/// Logs the per-check line like the reference: failures as errors, the
/// rest at info level (shown with `-v`).
fn log(record: &Record) {
    if record.status().is_failure() {
        tracing::error!("{}", record.line());
    } else if tracing::enabled!(tracing::Level::INFO) {
        tracing::info!("{}", record.line());
    }
}

fn broken(name: &str, details: String, primary: bool, params: crate::results::Params) -> Record {
    let record = Record::broken(name.to_string(), details, primary, params);
    log(&record);
    record
}

/// Compares every check of `tree` with the source.
pub(super) fn compare(
    source: &Source,
    tree: &ResultTree,
    role: Role,
    context: &mut Context,
) -> Vec<Record> {
    let mut records = Vec::with_capacity(tree.len());
    let mut seen: NameSet<&str> = NameSet::with_capacity_and_hasher(tree.len(), Default::default());
    for check in tree.checks() {
        let name = check.name.as_str();
        let src = source.get(name).filter(|_| !seen.contains(name));
        let Some(src) = src else {
            let details = format!("Not present in source results ({}).", check.value);
            records.push(broken(name, details, check.primary, check.params.clone()));
            continue;
        };
        seen.insert(name);
        let problem = match (&src.value, &check.value) {
            (CheckValue::Broken(why), _) => Some(format!("Broken source result: {why}")),
            (_, CheckValue::Broken(why)) => Some(format!("Broken target result: {why}")),
            _ => None,
        };
        if let Some(details) = problem {
            records.push(broken(name, details, check.primary, check.params.clone()));
            continue;
        }
        let (difference, tolerance) = context.difference(name, &src.value, &check.value);
        let mut record = Record::new(
            check.name.clone(),
            check.value.clone(),
            tolerance,
            check.primary,
            check.params.clone(),
        );
        record.src = Some(src.value.clone());
        records.push(context.record(record, &src.value, difference, role));
    }
    for name in &source.order {
        if seen.contains(name.as_str()) {
            continue;
        }
        let primary = source.get(name).is_some_and(|c| c.primary);
        records.push(broken(
            name,
            "Not present in target results (-100)".into(),
            primary,
            Arc::new(Vec::new()),
        ));
    }
    records
}

/// Records the grouped checks of `records`.
pub(super) fn grouped(records: &[Record], role: Role, context: &mut Context) -> Vec<Record> {
    grouped::groups(records, context.mean_tolerance)
        .into_iter()
        .map(|group| {
            let value = CheckValue::Float(group.score);
            let mut record = Record::new(
                group.name,
                value.clone(),
                CheckValue::Float(group.tolerance),
                true,
                Arc::new(Vec::new()),
            );
            record.grouped = true;
            record.src = Some(value.clone());
            context.record(record, &value, group.score, role)
        })
        .collect()
}
