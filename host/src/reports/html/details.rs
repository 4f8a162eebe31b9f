//! The Details section: every failure of the target with its per-check
//! line and how the same check fared in the other compared builds.

use serde::Serialize;

use crate::compare::{Build, Comparison, Record};

/// One failure of the target.
#[derive(Debug, Serialize)]
pub struct Failure {
    /// Check name.
    pub name: String,
    /// The details text of the per-check line.
    pub details: String,
    /// How the check did elsewhere.
    pub facts: Vec<String>,
}

fn records(build: &Build, grouped: bool) -> &[Record] {
    if grouped {
        &build.grouped
    } else {
        &build.records
    }
}

/// Failures of the target (grouped ones when `grouped`), means first.
pub fn failures(comparison: &Comparison, grouped: bool) -> Vec<Failure> {
    let Some(target) = comparison.target() else {
        return Vec::new();
    };
    let total = comparison.builds.len();
    let mut out: Vec<(bool, Failure)> = records(target, grouped)
        .iter()
        .filter(|r| (r.primary || grouped) && r.status().is_failure())
        .map(|record| {
            let mut failed = 0;
            let mut missing = 0;
            for build in &comparison.builds {
                match records(build, grouped)
                    .iter()
                    .find(|r| r.name == record.name)
                {
                    Some(other) if other.status().is_failure() => failed += 1,
                    Some(_) => {}
                    None => missing += 1,
                }
            }
            let mut facts = Vec::new();
            if failed > 0 {
                facts.push(format!("Failed in {failed} of the {total} compared builds"));
            }
            if missing > 0 {
                facts.push(format!(
                    "Missing in {missing} of the {total} compared builds"
                ));
            }
            if facts.is_empty() {
                facts.push(format!("Passed in all {total} compared builds"));
            }
            let failure = Failure {
                name: record.name.clone(),
                details: record.details(),
                facts,
            };
            (record.is_stddev(), failure)
        })
        .collect();
    out.sort_by_key(|(stddev, _)| *stddev);
    out.into_iter().map(|(_, failure)| failure).collect()
}
