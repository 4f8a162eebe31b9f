//! Comparing one reference or target build against the source: every check
//! becomes a [`Record`] (the reference's `RelativeResults`).
//!
//! The work is split so that builds can be compared in parallel: scoring
//! against the source and the models ([`compare`], [`grouped`]) needs
//! nothing from other builds; only the cross-build modifiers
//! ([`apply_modifiers`]) run build after build, in command-line order.

use std::path::PathBuf;
use std::sync::Arc;

use serde::Serialize;
use tracing::Level;

use super::Tolerance;
use super::grouped;
use super::model::LinearModel;
use super::modifier::Modifier;
use super::record::{PartKind, Record};
use super::statistics::Summary;
use crate::log_note::LogNote;
use crate::name_map::{NameMap, NameSet};
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
    /// from this build (empty for a reference build unless
    /// `Settings::keep_reference_records`).
    pub records: Vec<Record>,
    /// Grouped checks (same rule).
    pub grouped: Vec<Record>,
    /// The summary of the records, made before they were dropped.
    pub kept_summary: Option<Summary>,
}

impl Build {
    /// Summary of the primary records (also of a reference build whose
    /// records were dropped when `Settings::keep_reference_summaries`).
    pub fn summary(&self) -> Summary {
        self.kept_summary
            .clone()
            .unwrap_or_else(|| super::statistics::summary(&self.records))
    }
}

/// A source check and its name shared by the records of every build.
pub(super) struct SourceCheck {
    /// The name, shared by the records of every build.
    pub name: Arc<str>,
    /// The check (the last one of that name).
    pub check: Check,
}

/// Source checks indexed for comparison.
pub(super) struct Source {
    /// Last check of each name (the reference keeps a dict).
    by_name: NameMap<Arc<str>, SourceCheck>,
    /// Names in order of first appearance.
    order: Vec<Arc<str>>,
}

impl Source {
    pub(super) fn new(tree: &ResultTree) -> Self {
        let mut by_name: NameMap<Arc<str>, SourceCheck> =
            NameMap::with_capacity_and_hasher(tree.len(), Default::default());
        let mut order = Vec::with_capacity(tree.len());
        for check in tree.checks() {
            match by_name.get_mut(check.name.as_str()) {
                Some(known) => known.check = check.clone(),
                None => {
                    let name: Arc<str> = Arc::from(check.name.as_str());
                    order.push(name.clone());
                    by_name.insert(
                        name.clone(),
                        SourceCheck {
                            name,
                            check: check.clone(),
                        },
                    );
                }
            }
        }
        Self { by_name, order }
    }

    pub(super) fn get(&self, name: &str) -> Option<&SourceCheck> {
        self.by_name.get(name)
    }
}

/// What scoring one build needs from the whole run (no mutable state, so
/// builds can be scored in parallel).
pub(super) struct Scoring<'a> {
    pub mean_tolerance: Tolerance,
    pub stddev_tolerance: Tolerance,
    pub models: &'a [LinearModel],
}

impl Scoring<'_> {
    /// Difference and tolerance of `name` as the reference computes them.
    fn difference(&self, name: &str, src: &CheckValue, dst: &CheckValue) -> (f64, CheckValue) {
        match (src.as_f64(), dst.as_f64()) {
            (Some(src), Some(dst)) if name.ends_with("mean") => {
                let difference = if src == 0.0 {
                    0.0
                } else {
                    (dst - src) / src.abs() * 100.0
                };
                (difference, self.mean_tolerance.check_value())
            }
            (Some(src), Some(dst)) if name.ends_with("stddev") => {
                (src - dst, self.stddev_tolerance.check_value())
            }
            (Some(a), Some(b)) => (if a == b { 0.0 } else { 1.0 }, CheckValue::Int(0)),
            _ => (if src == dst { 0.0 } else { 1.0 }, CheckValue::Int(0)),
        }
    }

    /// Adds the model parts and the raw difference of one check (or group),
    /// leaving room for exactly `later` more parts (the modifiers' parts of
    /// a target build): a comparison keeps every record, so no capacity is
    /// wasted.
    fn score(&self, mut record: Record, src: &CheckValue, difference: f64, later: usize) -> Record {
        let (mut parts, mut srcs) = (1 + later, 1);
        for model in self.models {
            let (model_parts, model_srcs) = model.contribution_counts(&record.name, &record.dst);
            parts += model_parts;
            srcs += model_srcs;
        }
        record.parts.reserve_exact(parts);
        record.srcs.reserve_exact(srcs);
        let mut raw_weight = 1.0;
        for (i, model) in self.models.iter().enumerate() {
            for contribution in model.contribution_pair(i, &record.name, src, &record.dst) {
                let Some(contribution) = contribution else {
                    continue;
                };
                raw_weight = 0.0;
                record.add(contribution);
            }
        }
        record.add((PartKind::Raw, difference, raw_weight, Some(src.clone())));
        record
    }
}

/// Feeds the modifiers with the compared (not broken) records of a build,
/// in order; target records get the modifiers' parts.
pub(super) fn apply_modifiers(
    records: &mut [Record],
    role: Role,
    modifiers: &mut [Box<dyn Modifier>],
) {
    if modifiers.is_empty() {
        return;
    }
    for record in records.iter_mut().filter(|r| !r.is_broken()) {
        for modifier in modifiers.iter_mut() {
            match role {
                Role::Reference => modifier.add_result(record),
                Role::Target => {
                    for contribution in modifier.check_result(record) {
                        record.add(contribution);
                    }
                }
            }
        }
    }
}

/// The level of the per-check log line of a record, when it will be
/// logged: failures as errors, the rest at info level (shown with `-v`).
pub(super) fn line_level(record: &Record, info: bool) -> Option<Level> {
    if record.status().is_failure() {
        Some(Level::ERROR)
    } else if info {
        Some(Level::INFO)
    } else {
        None
    }
}

/// Compares every check of `tree` with the source (models and raw
/// difference; the modifiers come later). `later`: parts the modifiers
/// will add to each compared record.
pub(super) fn compare(
    source: &Source,
    tree: &ResultTree,
    scoring: &Scoring,
    later: usize,
) -> Vec<Record> {
    let mut records = Vec::with_capacity(tree.len() + 16);
    let mut seen: NameSet<&str> = NameSet::with_capacity_and_hasher(tree.len(), Default::default());
    for check in tree.checks() {
        let name = check.name.as_str();
        let src = source.get(name).filter(|_| !seen.contains(name));
        let Some(src) = src else {
            let details = format!("Not present in source results ({}).", check.value);
            records.push(Record::broken(
                Arc::from(name),
                details,
                check.primary,
                check.params.clone(),
            ));
            continue;
        };
        seen.insert(name);
        let src_name = &src.name;
        let src = &src.check;
        let problem = match (&src.value, &check.value) {
            (CheckValue::Broken(why), _) => Some(format!("Broken source result: {why}")),
            (_, CheckValue::Broken(why)) => Some(format!("Broken target result: {why}")),
            _ => None,
        };
        if let Some(details) = problem {
            records.push(Record::broken(
                src_name.clone(),
                details,
                check.primary,
                check.params.clone(),
            ));
            continue;
        }
        let (difference, tolerance) = scoring.difference(name, &src.value, &check.value);
        let mut record = Record::new(
            src_name.clone(),
            check.value.clone(),
            tolerance,
            check.primary,
            check.params.clone(),
        );
        record.src = Some(src.value.clone());
        records.push(scoring.score(record, &src.value, difference, later));
    }
    let no_params: crate::results::Params = Arc::new(Vec::new());
    for name in &source.order {
        if seen.contains(&**name) {
            continue;
        }
        let primary = source.get(name).is_some_and(|c| c.check.primary);
        records.push(Record::broken(
            name.clone(),
            "Not present in target results (-100)".into(),
            primary,
            no_params.clone(),
        ));
    }
    records
}

/// The grouped checks of `records`, scored, and the debug notes about
/// names that could not be grouped.
pub(super) fn grouped(
    records: &[Record],
    scoring: &Scoring,
    later: usize,
) -> (Vec<Record>, Vec<LogNote>) {
    let (groups, notes) = grouped::groups(records, scoring.mean_tolerance.value());
    let no_params: crate::results::Params = Arc::new(Vec::new());
    let records = groups
        .into_iter()
        .map(|group| {
            let value = CheckValue::Float(group.score);
            let mut record = Record::new(
                Arc::from(group.name),
                value.clone(),
                CheckValue::Float(group.tolerance),
                true,
                no_params.clone(),
            );
            record.grouped = true;
            record.src = Some(value.clone());
            scoring.score(record, &value, group.score, later)
        })
        .collect();
    (records, notes)
}
