//! Student's two-sample t-test as Apache Otava applies it to the two sides
//! of a change point.
//!
//! Each side's spread is its *population* standard deviation (divisor `n`),
//! which is then pooled as if it were the sample one:
//! `s² = ((n1-1)·σ1² + (n2-1)·σ2²) / (n1+n2-2)`,
//! `t = (m1-m2) / sqrt(s²·(1/n1 + 1/n2))`, and the two-sided p-value is
//! `2·P(T > |t|)` for Student's T with `n1+n2-2` degrees of freedom. A side
//! of one value has spread 0; two values in all give p = 1.

use statrs::distribution::{ContinuousCDF, StudentsT};
use statrs::function::erf::erfc;

use crate::numpy::{average as mean, std as population_std};

/// Both sides of a split and the probability that they share a mean.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SplitStats {
    pub mean_before: f64,
    pub mean_after: f64,
    pub std_before: f64,
    pub std_after: f64,
    pub pvalue: f64,
}

impl SplitStats {
    /// Otava's magnitude: the larger of the relative changes forward
    /// (`after/before - 1`) and backward (`before/after - 1`), each 0
    /// when its divisor is 0.
    pub fn magnitude(&self) -> f64 {
        let forward = if self.mean_before == 0.0 {
            0.0
        } else {
            self.mean_after / self.mean_before - 1.0
        };
        let backward = if self.mean_after == 0.0 {
            0.0
        } else {
            self.mean_before / self.mean_after - 1.0
        };
        first_max(forward.abs(), backward.abs())
    }
}

/// `a` unless `b` is strictly greater (Python's `max(a, b)`, NaN included).
pub fn first_max(a: f64, b: f64) -> f64 {
    if b > a { b } else { a }
}

/// Compares `before` with `after` (neither empty).
pub fn compare(before: &[f64], after: &[f64]) -> SplitStats {
    let (n1, n2) = (before.len(), after.len());
    let (mean_before, mean_after) = (mean(before), mean(after));
    let (std_before, std_after) = (spread(before), spread(after));
    let pvalue = if n1 + n2 > 2 {
        pooled_pvalue(mean_before, std_before, n1, mean_after, std_after, n2)
    } else {
        1.0
    };
    SplitStats {
        mean_before,
        mean_after,
        std_before,
        std_after,
        pvalue,
    }
}

/// Whether [`compare`]'s p-value is at most `level`, with the same answer,
/// but sparing Student's distribution when the normal distribution's
/// p-value (never above Student's, for any degrees of freedom) is already
/// above `level` by a margin far beyond rounding.
pub fn significant(before: &[f64], after: &[f64], level: f64) -> bool {
    let (n1, n2) = (before.len(), after.len());
    if n1 + n2 <= 2 {
        return 1.0 <= level;
    }
    let (t, df) = pooled_t(
        mean(before),
        spread(before),
        n1,
        mean(after),
        spread(after),
        n2,
    );
    !surely_above(t, 1.0, level) && two_sided_pvalue(t, df) <= level
}

/// A side's spread as the test takes it: the population standard
/// deviation, 0 for a single value.
fn spread(side: &[f64]) -> f64 {
    if side.len() >= 2 {
        population_std(side)
    } else {
        0.0
    }
}

/// Whether Student's two-sided p-value of `t` (for any degrees of
/// freedom), times `factor`, is surely above `level`, judged from the
/// normal distribution's (whose tails are thinner than Student's) with a
/// margin far beyond rounding: a cheap screen that spares the Student
/// p-value without changing which tests pass. Never for a NaN `t`.
pub fn surely_above(t: f64, factor: f64, level: f64) -> bool {
    !t.is_nan() && erfc(t.abs() / std::f64::consts::SQRT_2) * factor * (1.0 - 1e-6) > level
}

/// The equal-variance two-sided t-test from summary statistics, with the
/// arithmetic in the order SciPy's `ttest_ind_from_stats` uses.
pub fn pooled_pvalue(m1: f64, s1: f64, n1: usize, m2: f64, s2: f64, n2: usize) -> f64 {
    let (t, df) = pooled_t(m1, s1, n1, m2, s2, n2);
    two_sided_pvalue(t, df)
}

/// The statistic and degrees of freedom of [`pooled_pvalue`].
fn pooled_t(m1: f64, s1: f64, n1: usize, m2: f64, s2: f64, n2: usize) -> (f64, f64) {
    let v1 = if n1 == 1 { 0.0 } else { s1 * s1 };
    let v2 = if n2 == 1 { 0.0 } else { s2 * s2 };
    let df = (n1 + n2) as f64 - 2.0;
    let pooled = ((n1 - 1) as f64 * v1 + (n2 - 1) as f64 * v2) / df;
    let denom = (pooled * (1.0 / n1 as f64 + 1.0 / n2 as f64)).sqrt();
    ((m1 - m2) / denom, df)
}

/// `2·P(T > |t|)` for Student's T with `df` degrees of freedom; NaN for a
/// NaN statistic or a non-positive `df`, 0 for an infinite one.
pub fn two_sided_pvalue(t: f64, df: f64) -> f64 {
    if t.is_nan() || df.is_nan() || df <= 0.0 {
        return f64::NAN;
    }
    match StudentsT::new(0.0, 1.0, df) {
        Ok(dist) => 2.0 * dist.sf(t.abs()),
        Err(_) => f64::NAN,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scipy_reference_values() {
        // scipy.stats.ttest_ind_from_stats(15.0, sqrt(87.5), 13, 12.0, sqrt(39.0), 11)[1]
        let p = pooled_pvalue(15.0, 87.5f64.sqrt(), 13, 12.0, 39.0f64.sqrt(), 11);
        assert!((p / 0.3751996797581487 - 1.0).abs() < 1e-12, "{p}");
    }

    #[test]
    fn otava_uses_population_spread() {
        let s = compare(&[1.0, 2.0, 3.0], &[4.0, 5.0, 6.0, 7.0]);
        assert_eq!(s.mean_before, 2.0);
        assert_eq!(s.std_before, (2.0f64 / 3.0).sqrt());
        assert_eq!(s.std_after, 1.25f64.sqrt());
        // pooled = (2*(2/3) + 3*1.25) / 5, t = -3.5 / sqrt(pooled * 7/12)
        let pooled = (2.0 * (2.0f64 / 3.0).sqrt().powi(2) + 3.0 * 1.25f64.sqrt().powi(2)) / 5.0;
        let t = -3.5 / (pooled * (1.0 / 3.0 + 1.0 / 4.0)).sqrt();
        assert_eq!(s.pvalue, two_sided_pvalue(t, 5.0));
        assert!(s.pvalue < 0.01 && s.pvalue > 0.0001, "{}", s.pvalue);
    }

    #[test]
    fn degenerate_sides() {
        assert_eq!(compare(&[1.0], &[2.0]).pvalue, 1.0);
        assert_eq!(compare(&[1.0, 1.0], &[2.0, 2.0]).pvalue, 0.0);
        assert!(compare(&[1.0, 1.0], &[1.0, 1.0]).pvalue.is_nan());
        assert_eq!(two_sided_pvalue(0.0, 3.0), 1.0);
    }

    #[test]
    fn magnitude_is_the_larger_relative_change() {
        let s = compare(&[100.0, 100.0], &[50.0, 50.0]);
        assert_eq!(s.magnitude(), 1.0);
        let zero = compare(&[0.0, 0.0], &[5.0, 5.0]);
        assert_eq!(zero.magnitude(), 1.0);
    }
}
