//! The Details section: every failure of the target with its per-check
//! line and how the same check fared in the other compared builds.

use std::collections::HashMap;

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
    // Per build: check name -> failed, to look each failure up once.
    let failed_by_build: Vec<HashMap<&str, bool>> = comparison
        .builds
        .iter()
        .map(|build| {
            let mut failed: HashMap<&str, bool> = HashMap::new();
            for r in records(build, grouped) {
                *failed.entry(&*r.name).or_default() |= r.status().is_failure();
            }
            failed
        })
        .collect();
    let mut out: Vec<(bool, Failure)> = records(target, grouped)
        .iter()
        .filter(|r| (r.primary || grouped) && r.status().is_failure())
        .map(|record| {
            let mut failed = 0;
            let mut missing = 0;
            for failed_checks in &failed_by_build {
                match failed_checks.get(&*record.name) {
                    Some(true) => failed += 1,
                    Some(false) => {}
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
                name: record.name.to_string(),
                details: record.details(),
                facts,
            };
            (record.is_stddev(), failure)
        })
        .collect();
    out.sort_by_key(|(stddev, _)| *stddev);
    out.into_iter().map(|(_, failure)| failure).collect()
}
