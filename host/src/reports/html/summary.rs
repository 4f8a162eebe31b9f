//! The verdict at the top of the page: how many checks of the target
//! regressed, improved or broke, and the largest changes with their
//! scores, so the reader knows within seconds what moved and by how much.

use serde::Serialize;

use super::status::{self, Shown};
use super::view::Column;
use crate::compare::{Comparison, Status};

/// Largest changes listed.
const TOP: usize = 10;

/// One listed change.
#[derive(Debug, Serialize)]
pub struct Change {
    /// Check name.
    pub name: String,
    /// Score in the target as shown.
    pub score: String,
    /// Its status.
    pub status: Shown,
}

/// Counts and the largest changes of the target.
#[derive(Debug, Serialize)]
pub struct Summary {
    /// Target build label.
    pub target: String,
    /// Source build label.
    pub source: String,
    /// Number of reference builds.
    pub references: usize,
    /// Primary checks that lost beyond tolerance.
    pub losses: usize,
    /// Primary checks that gained beyond tolerance.
    pub gains: usize,
    /// Primary checks in error.
    pub errors: usize,
    /// Failed grouped checks.
    pub group_failures: usize,
    /// Failed non-primary checks.
    pub non_primary_failures: usize,
    /// Checks of the target, grouped included.
    pub total: usize,
    /// Whether the comparison fails (exit code 2).
    pub failed: bool,
    /// Failed checks of the target, losses first, largest first.
    pub changes: Vec<Change>,
    /// How many more failures are not listed.
    pub more: usize,
}

/// The summary of `comparison` (counts from the target's own checks).
pub fn of(comparison: &Comparison, columns: &[Column]) -> Summary {
    let outcome = comparison.outcome();
    let mut changes: Vec<(u8, f64, Change)> = Vec::new();
    let (mut losses, mut gains, mut errors) = (0, 0, 0);
    let target = comparison.target();
    for record in target.iter().flat_map(|t| &t.records).filter(|r| r.primary) {
        let (status, score) = record.verdict();
        let rank = match status {
            Status::FailLoss => {
                losses += 1;
                0
            }
            Status::FailGain => {
                gains += 1;
                1
            }
            Status::Error => {
                errors += 1;
                2
            }
            _ => continue,
        };
        changes.push((
            rank,
            score.abs(),
            Change {
                name: record.name.to_string(),
                score: format!("{score:.1}"),
                status: status::shown(status),
            },
        ));
    }
    changes.sort_by(|a, b| {
        a.0.cmp(&b.0)
            .then(b.1.total_cmp(&a.1))
            .then(a.2.name.cmp(&b.2.name))
    });
    let more = changes.len().saturating_sub(TOP);
    let records = target.map_or(0, |t| t.records.len());
    Summary {
        target: columns.last().map(|c| c.label.clone()).unwrap_or_default(),
        source: columns.first().map(|c| c.label.clone()).unwrap_or_default(),
        references: comparison.builds.len().saturating_sub(1),
        losses,
        gains,
        errors,
        group_failures: outcome.grouped_failures,
        non_primary_failures: outcome.non_primary_failures,
        total: outcome.total,
        failed: outcome.exit_code(records) == 2,
        changes: changes.into_iter().take(TOP).map(|(_, _, c)| c).collect(),
        more,
    }
}
