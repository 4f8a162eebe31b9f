//! Range of the standard-deviation model (`analyze-perf -s`): the average
//! -/+ three population standard deviations, scaled by the uncertainty of
//! having few samples.

use crate::numpy::{average, std};

/// How many standard deviations are still acceptable.
const ERROR_COEFFICIENT: f64 = 3.0;

/// Uncertainty coefficient for `samples` values (1..=8), 1 above: fewer
/// samples, wider range.
pub fn uncertainty(samples: usize) -> f64 {
    const COEFFICIENTS: [f64; 8] = [7.0, 2.3, 1.7, 1.4, 1.3, 1.3, 1.2, 1.2];
    match samples {
        0 => COEFFICIENTS[0],
        1..=8 => COEFFICIENTS[samples - 1],
        _ => 1.0,
    }
}

/// `(average, min, max)` of `values` (not empty).
pub fn range(values: &[f64]) -> (f64, f64, f64) {
    let avg = average(values);
    let spread = ERROR_COEFFICIENT * std(values) * uncertainty(values.len());
    (avg, avg - spread, avg + spread)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn few_samples_widen_the_range() {
        assert_eq!(uncertainty(1), 7.0);
        assert_eq!(uncertainty(8), 1.2);
        assert_eq!(uncertainty(9), 1.0);
        let (avg, min, max) = range(&[9.0, 11.0]);
        assert_eq!(avg, 10.0);
        assert!((max - (10.0 + 3.0 * 2.3)).abs() < 1e-12);
        assert!((min - (10.0 - 3.0 * 2.3)).abs() < 1e-12);
    }
}
