//! Training a model from the analysed values: each model kind proposes an
//! acceptable `[min, max]` range around the average of a check, the range
//! is widened to at least `tolerance / 1.1` percent on each side (so a
//! too-steady check does not become stricter than plain comparison), and
//! the line mapping `min` to `-tolerance` and `max` to `+tolerance` is
//! stored.

use super::model::{ModelDocument, Tolerance, TrainedCheck};
use super::table::CheckTable;
use super::{AnalyzeError, linear, stddev};
use crate::numpy::solve_line;

/// Keeps the model from being stricter than `tolerance / 1.1` percent.
const TOO_STRICT_COEFFICIENT: f64 = 1.1;

/// The two models analyze-perf trains.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModelKind {
    /// `-l`: min/max of the values (model format version 2).
    Linear,
    /// `-s`: average -/+ 3 standard deviations (model format version 1).
    Stddev,
}

impl ModelKind {
    /// The `__metadata__.version` the reference writes for this kind.
    pub fn version(self) -> i128 {
        match self {
            ModelKind::Linear => 2,
            ModelKind::Stddev => 1,
        }
    }

    /// `(average, min, max)` of `values` before widening.
    fn range(self, values: &[f64]) -> (f64, f64, f64) {
        match self {
            ModelKind::Linear => linear::range(values),
            ModelKind::Stddev => stddev::range(values),
        }
    }
}

/// Fits one check, `None` when its range is a single point (numpy reports
/// a singular matrix and the reference skips the check).
pub fn fit(kind: ModelKind, values: &[f64], tolerance: f64) -> Option<TrainedCheck> {
    if values.is_empty() {
        return None;
    }
    let too_strict = tolerance / 100.0 / TOO_STRICT_COEFFICIENT;
    let (average, mut min, mut max) = kind.range(values);
    let highest = average * (1.0 + too_strict);
    if highest > max {
        max = highest;
    }
    let lowest = average * (1.0 - too_strict);
    if lowest < min {
        min = lowest;
    }
    let equation = solve_line(max, min, tolerance)?;
    Some(TrainedCheck {
        equation,
        raw: average,
        mmin: (min - average) / average * 100.0,
        mmax: (max - average) / average * 100.0,
    })
}

/// Trains every numeric check of `table` into `model` (the reference's
/// `identify`): stamps the metadata, then adds or replaces entries.
pub fn train<'a>(
    model: &mut ModelDocument,
    kind: ModelKind,
    tolerance: Tolerance,
    rows: impl IntoIterator<Item = (&'a str, Option<Vec<f64>>)>,
) -> Result<(), AnalyzeError> {
    model.stamp_metadata(kind.version(), tolerance)?;
    for (check, values) in rows {
        let Some(values) = values else {
            tracing::debug!("{check}: not numeric, not modelled");
            continue;
        };
        match fit(kind, &values, tolerance.value()) {
            Some(trained) => {
                tracing::debug!(
                    "{check}: MIN {}->{} MAX {}->{}",
                    -tolerance.value(),
                    trained.mmin,
                    tolerance.value(),
                    trained.mmax
                );
                model.set_trained(check, trained)?;
            }
            None => tracing::debug!("{check}: Singular matrix, skipping..."),
        }
    }
    Ok(())
}

/// [`train`] over every row of `table`.
pub fn train_table(
    model: &mut ModelDocument,
    kind: ModelKind,
    tolerance: Tolerance,
    table: &CheckTable,
) -> Result<(), AnalyzeError> {
    train(model, kind, tolerance, table.numeric_rows())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_steady_check_is_widened_to_the_tolerance() {
        let trained = fit(ModelKind::Linear, &[100.0, 100.0], 4.0).unwrap();
        let limit = 4.0 / 1.1;
        assert!((trained.mmax - limit).abs() < 1e-12);
        assert!((trained.mmin + limit).abs() < 1e-12);
        let [a, b] = trained.equation;
        assert!((a * 100.0 * (1.0 + limit / 100.0) + b - 4.0).abs() < 1e-9);
    }

    #[test]
    fn a_noisy_check_keeps_its_spread() {
        let trained = fit(ModelKind::Linear, &[90.0, 110.0], 4.0).unwrap();
        assert_eq!(trained.raw, 100.0);
        assert!((trained.mmin + 10.0).abs() < 1e-12);
        assert!((trained.mmax - 10.0).abs() < 1e-12);
        let stddev = fit(ModelKind::Stddev, &[90.0, 110.0], 4.0).unwrap();
        // 3 * std (10) * uncertainty(2) (2.3) = 69 percent.
        assert!((stddev.mmax - 69.0).abs() < 1e-9);
    }

    #[test]
    fn zero_average_is_skipped() {
        assert_eq!(fit(ModelKind::Linear, &[0.0, 0.0, 0.0], 4.0), None);
        assert_eq!(fit(ModelKind::Stddev, &[], 4.0), None);
    }

    #[test]
    fn text_rows_are_skipped_but_metadata_is_written() {
        let mut model = ModelDocument::new();
        let rows = vec![("e.error", None), ("x.mean", Some(vec![1.0, 2.0]))];
        train(
            &mut model,
            ModelKind::Stddev,
            crate::analyze::model::DEFAULT_TOLERANCE,
            rows,
        )
        .unwrap();
        assert!(model.contains("__metadata__"));
        assert!(model.contains("x.mean"));
        assert!(!model.contains("e.error"));
    }
}
