//! Statistics over the records of the target build: the per-type tables
//! and the summary (numpy's sums, averages and percentiles come from
//! [`crate::numpy`]).

use std::collections::BTreeMap;

use serde::Serialize;

use super::grouped::merged_name;
use super::record::Record;
use super::status::Status;
use crate::numpy::{average, median, percentile, sum};

/// Uncertainty coefficient for `samples` samples (1 above 8).
pub fn uncertainty(samples: usize) -> f64 {
    const COEFFICIENTS: [f64; 8] = [7.0, 2.3, 1.7, 1.4, 1.3, 1.3, 1.2, 1.2];
    match samples {
        0 => 1.0,
        1..=8 => COEFFICIENTS[samples - 1],
        _ => 1.0,
    }
}

/// Python's `sum()` of the values matching `keep`, in order.
fn python_sum(values: &[f64], keep: impl Fn(f64) -> bool) -> f64 {
    values
        .iter()
        .copied()
        .filter(|v| keep(*v))
        .fold(0.0, |acc, v| acc + v)
}

/// Distribution of scores of one merged result id.
#[derive(Debug, Clone, Serialize)]
pub struct Distribution {
    /// Minimum.
    pub min: f64,
    /// 25th percentile.
    pub first_quartile: f64,
    /// Median.
    pub median: f64,
    /// 75th percentile.
    pub third_quartile: f64,
    /// Maximum.
    pub max: f64,
    /// Sum of the losses divided by the count.
    pub average_loss: f64,
    /// Sum of the gains divided by the count.
    pub average_gain: f64,
}

impl Distribution {
    fn of(values: &[f64]) -> Self {
        let count = values.len() as f64;
        Self {
            min: values.iter().copied().fold(f64::INFINITY, f64::min),
            first_quartile: percentile(values, 25.0),
            median: median(values),
            third_quartile: percentile(values, 75.0),
            max: values.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            average_loss: python_sum(values, |v| v < 0.0) / count,
            average_gain: python_sum(values, |v| v > 0.0) / count,
        }
    }
}

/// One row of a per-type table.
#[derive(Debug, Clone, Serialize)]
pub struct TypeStats {
    /// Merged result id.
    pub result_id: String,
    /// Scores of the mean checks (-100 when none).
    pub means: Distribution,
    /// Scores of the stddev checks (-100 when none).
    pub stddevs: Distribution,
}

/// Per-type statistics of primary records merged by `merge` (sorted by id).
pub fn per_type(records: &[Record], merge: &[&str]) -> Vec<TypeStats> {
    let mut means: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    let mut stddevs: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for record in records.iter().filter(|r| r.primary) {
        let merged = merged_name(&record.name, merge);
        let (id, kind) = merged.rsplit_once('.').unwrap_or((merged.as_str(), ""));
        let score = record.score();
        match kind {
            "mean" => means.entry(id.to_string()).or_default().push(score),
            "stddev" => stddevs.entry(id.to_string()).or_default().push(score),
            _ => {
                means.entry(id.to_string()).or_default().push(score);
                stddevs.entry(id.to_string()).or_default().push(score);
            }
        }
    }
    let mut ids: Vec<&String> = means.keys().chain(stddevs.keys()).collect();
    ids.sort();
    ids.dedup();
    let missing = [-100.0];
    ids.into_iter()
        .map(|id| TypeStats {
            result_id: id.clone(),
            means: Distribution::of(means.get(id).map_or(&missing[..], Vec::as_slice)),
            stddevs: Distribution::of(stddevs.get(id).map_or(&missing[..], Vec::as_slice)),
        })
        .collect()
}

/// One row of the summary table.
#[derive(Debug, Clone, Serialize)]
pub struct SummaryLine {
    /// Number of checks.
    pub count: usize,
    /// Median score (0 when empty).
    pub median: f64,
    /// Minimum score.
    pub min: f64,
    /// Maximum score.
    pub max: f64,
    /// Sum of scores.
    pub sum: f64,
    /// Average score.
    pub average: f64,
}

impl SummaryLine {
    fn of(values: &[f64]) -> Self {
        if values.is_empty() {
            return Self {
                count: 0,
                median: 0.0,
                min: 0.0,
                max: 0.0,
                sum: 0.0,
                average: 0.0,
            };
        }
        Self {
            count: values.len(),
            median: median(values),
            min: values.iter().copied().fold(f64::INFINITY, f64::min),
            max: values.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            sum: sum(values),
            average: average(values),
        }
    }
}

/// Summary of the primary records by status.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// All non-error checks.
    pub total: SummaryLine,
    /// Failed gains.
    pub gains: SummaryLine,
    /// Minor gains.
    pub minor_gains: SummaryLine,
    /// Equal within half the tolerance.
    pub equals: SummaryLine,
    /// Minor losses.
    pub minor_losses: SummaryLine,
    /// Failed losses.
    pub losses: SummaryLine,
    /// Number of errors.
    pub errors: usize,
}

/// Summary of the primary `records`.
pub fn summary(records: &[Record]) -> Summary {
    let mut by_status: BTreeMap<u8, Vec<f64>> = BTreeMap::new();
    let mut errors = 0;
    for record in records.iter().filter(|r| r.primary) {
        let (status, score) = record.verdict();
        let key = match status {
            Status::FailGain => 0,
            Status::MinorGain => 1,
            Status::FailLoss => 2,
            Status::MinorLoss => 3,
            Status::Pass => 4,
            Status::Error => {
                errors += 1;
                continue;
            }
        };
        by_status.entry(key).or_default().push(score);
    }
    let get = |key: u8| by_status.get(&key).cloned().unwrap_or_default();
    // Same concatenation order as the reference: gains, minor gains,
    // losses, minor losses, equals.
    let total: Vec<f64> = (0..5).flat_map(get).collect();
    Summary {
        total: SummaryLine::of(&total),
        gains: SummaryLine::of(&get(0)),
        minor_gains: SummaryLine::of(&get(1)),
        equals: SummaryLine::of(&get(4)),
        minor_losses: SummaryLine::of(&get(3)),
        losses: SummaryLine::of(&get(2)),
        errors,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uncertainty_coefficients() {
        assert_eq!(uncertainty(1), 7.0);
        assert_eq!(uncertainty(9), 1.0);
    }
}
