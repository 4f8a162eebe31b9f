//! Modifiers: score parts that look across builds (the reference builds and
//! the target) rather than at one comparison. Every build feeds them; only
//! the target build gets their parts.

use std::sync::Arc;

use super::record::{Contribution, PartKind, Record};
use super::statistics::uncertainty;
use crate::name_map::NameMap;

/// A cross-build score part.
pub trait Modifier: Send + Sync {
    /// Feeds a record of a reference build.
    fn add_result(&mut self, record: &Record);
    /// Feeds a record of the target build and returns its parts.
    fn check_result(&mut self, record: &Record) -> Vec<Contribution>;
}

/// Weight scaled down by the uncertainty while fewer than 8 builds are known.
fn adjusted_weight(weight: f64, count: usize) -> f64 {
    if count < 8 {
        weight / uncertainty(count)
    } else {
        weight
    }
}

/// `--model-builds-average`: the running average of this check's score over
/// all builds, doubled to catch small regressions spread over builds.
pub struct BuildsAverage {
    weight: f64,
    averages: NameMap<Arc<str>, (f64, usize)>,
}

impl BuildsAverage {
    /// Coefficient the average is multiplied by.
    const COEFFICIENT: f64 = 2.0;

    /// A modifier of `weight`.
    pub fn new(weight: f64) -> Self {
        Self {
            weight,
            averages: NameMap::default(),
        }
    }
}

impl Modifier for BuildsAverage {
    fn add_result(&mut self, record: &Record) {
        let score = record.score();
        match self.averages.get_mut(&*record.name) {
            Some(entry) => {
                entry.0 += score;
                entry.1 += 1;
            }
            None => {
                self.averages.insert(record.name.clone(), (score, 1));
            }
        }
    }

    fn check_result(&mut self, record: &Record) -> Vec<Contribution> {
        self.add_result(record);
        let (sum, count) = self.averages[&*record.name];
        let score = sum / count as f64 * Self::COEFFICIENT;
        vec![(
            PartKind::BuildsAverage,
            score,
            adjusted_weight(self.weight, count),
            None,
        )]
    }
}

/// `--n-out-of-results`: how often this check failed over all builds,
/// scaled so that more than N failures exceed the tolerance.
pub struct NOutOfResults {
    weight: f64,
    allowed_failures: f64,
    failures: NameMap<Arc<str>, (usize, usize)>,
}

impl NOutOfResults {
    /// A modifier of `weight` allowing `allowed_failures` failed builds.
    pub fn new(weight: f64, allowed_failures: i64) -> Self {
        let allowed = allowed_failures.saturating_add(1);
        Self {
            weight,
            allowed_failures: if allowed <= 0 { 1.0 } else { allowed as f64 },
            failures: NameMap::default(),
        }
    }
}

impl Modifier for NOutOfResults {
    fn add_result(&mut self, record: &Record) {
        let failed = usize::from(record.status().is_failure());
        match self.failures.get_mut(&*record.name) {
            Some(entry) => {
                entry.0 += failed;
                entry.1 += 1;
            }
            None => {
                self.failures.insert(record.name.clone(), (failed, 1));
            }
        }
    }

    fn check_result(&mut self, record: &Record) -> Vec<Contribution> {
        self.add_result(record);
        let (failed, count) = self.failures[&*record.name];
        let tolerance = record.tolerance.as_f64().unwrap_or(0.0);
        let score = failed as f64 / self.allowed_failures * tolerance * 1.1;
        let signed = if record.score() > 0.0 { score } else { -score };
        vec![(
            PartKind::NOutOfResults,
            signed,
            adjusted_weight(self.weight, count),
            None,
        )]
    }
}
