//! Failure counts of one compared build as the overall table shows them,
//! and the build score derived from them (how far the build is from the
//! source; it shades the build's column).

use serde::Serialize;

use crate::compare::{Build, Status};

/// Counts of one build.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Counts {
    /// Failed primary checks (runtime errors excluded).
    pub failures: usize,
    /// Failed grouped checks.
    pub group_failures: usize,
    /// Failed non-primary checks.
    pub non_primary_failures: usize,
    /// Failed `__error__` checks and grouped checks in error.
    pub runtime_errors: usize,
    /// All checks plus grouped checks.
    pub total: usize,
    /// `failures + 5 * group failures + non-primary failures / 10`.
    pub score: i64,
}

impl Counts {
    /// Counts of `build`.
    pub fn of(build: &Build) -> Self {
        let mut counts = Counts::default();
        for record in &build.records {
            if !record.status().is_failure() {
                continue;
            }
            if record.name.ends_with("error") {
                counts.runtime_errors += 1;
            } else if record.primary {
                counts.failures += 1;
            } else {
                counts.non_primary_failures += 1;
            }
        }
        for record in &build.grouped {
            match record.status() {
                Status::Error => counts.runtime_errors += 1,
                status if status.is_failure() => counts.group_failures += 1,
                _ => {}
            }
        }
        counts.total = build.records.len() + build.grouped.len();
        counts.score = (counts.failures as f64
            + 5.0 * counts.group_failures as f64
            + 0.1 * counts.non_primary_failures as f64) as i64;
        counts
    }
}
