//! `--algorithm otava`: Apache Otava 0.8's change-point detection
//! (`compute_change_points`), reproduced step for step.
//!
//! 1. Split. Windows of `window` values start at 0 and move by
//!    `window / 2` (or to the last split found in the window, when that is
//!    further). In each window the e-divisive search accepts splits whose
//!    t-test p-value (see [`super::ttest`]) is at most a relaxed level:
//!    10× `max_pvalue` below 0.05, 2× below 0.5, else `max_pvalue`. The
//!    union of the splits are the *weak* change points; each is then
//!    tested between its neighbours.
//! 2. Merge. While some point is weak, drop the one with the largest
//!    p-value (the first of equals) when that p-value is not below
//!    `max_pvalue`, else the one with the smallest magnitude when that is
//!    not above `min_magnitude`, and retest the point that followed it and
//!    the one after (Otava leaves the point before the dropped one as it
//!    was). The rest are the change points.

use super::edivisive::{divide, first_max_by, first_min_by};
use super::ttest::{SplitStats, compare, significant};

/// Parameters of Otava's detection.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct OtavaParams {
    /// Values per window (at least 2; Otava's default 50).
    pub window: usize,
    /// Significance level of the final change points (default 0.001).
    pub max_pvalue: f64,
    /// Smallest relative change kept regardless of p-value (default 0).
    pub min_magnitude: f64,
}

impl Default for OtavaParams {
    fn default() -> Self {
        Self {
            window: 50,
            max_pvalue: 0.001,
            min_magnitude: 0.0,
        }
    }
}

/// One change point: `index` is the first value after the change.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ChangePoint {
    pub index: usize,
    pub stats: SplitStats,
}

/// Both passes' results: the weak points and the final ones.
#[derive(Clone, Debug, PartialEq)]
pub struct OtavaResult {
    pub weak: Vec<ChangePoint>,
    pub change_points: Vec<ChangePoint>,
}

/// Otava's level for the first pass.
pub fn first_pass_pvalue(max_pvalue: f64) -> f64 {
    if max_pvalue < 0.05 {
        max_pvalue * 10.0
    } else if max_pvalue < 0.5 {
        max_pvalue * 2.0
    } else {
        max_pvalue
    }
}

/// Change points of `series` as Otava 0.8 finds them. `window` below 2 is
/// the caller's error ([`crate::detect`] checks it before).
pub fn compute_change_points(series: &[f64], params: &OtavaParams) -> OtavaResult {
    assert!(params.window >= 2, "window must be at least 2");
    let weak = split(series, params.window, first_pass_pvalue(params.max_pvalue));
    let change_points = merge(
        weak.clone(),
        series,
        params.max_pvalue,
        params.min_magnitude,
    );
    OtavaResult {
        weak,
        change_points,
    }
}

/// The weak change points.
fn split(series: &[f64], window: usize, level: f64) -> Vec<ChangePoint> {
    let step = window / 2;
    let mut indices: Vec<usize> = Vec::new();
    let mut start = 0;
    while start < series.len() {
        let end = (start + window).min(series.len());
        let found = divide(&series[start..end], |a, b| significant(a, b, level));
        let last = found.last().map_or(0, |&i| i + start);
        for i in found {
            if !indices.contains(&(i + start)) {
                indices.push(i + start);
            }
        }
        start = last.max(start + step);
    }
    indices.sort_unstable();
    (0..indices.len())
        .map(|k| retest(series, &indices, k))
        .collect()
}

/// The point `k` of `indices` tested between its neighbours.
fn retest(series: &[f64], indices: &[usize], k: usize) -> ChangePoint {
    let from = if k == 0 { 0 } else { indices[k - 1] };
    let to = indices.get(k + 1).copied().unwrap_or(series.len());
    let index = indices[k];
    ChangePoint {
        index,
        stats: compare(&series[from..index], &series[index..to]),
    }
}

/// Drops weak points until every remaining one is significant or large.
fn merge(
    mut points: Vec<ChangePoint>,
    series: &[f64],
    max_pvalue: f64,
    min_magnitude: f64,
) -> Vec<ChangePoint> {
    while !points.is_empty() {
        let (mut k, weakest) = first_max_by(points.iter().enumerate(), |(_, p)| p.stats.pvalue)
            .expect("points is not empty");
        if weakest.stats.pvalue < max_pvalue {
            let (small, smallest) =
                first_min_by(points.iter().enumerate(), |(_, p)| p.stats.magnitude())
                    .expect("points is not empty");
            if smallest.stats.magnitude() > min_magnitude {
                return points;
            }
            k = small;
        }
        points.remove(k);
        let indices: Vec<usize> = points.iter().map(|p| p.index).collect();
        for again in [k, k + 1] {
            if again < points.len() {
                points[again] = retest(series, &indices, again);
            }
        }
    }
    points
}

#[cfg(test)]
mod tests {
    use super::*;

    fn noisy(levels: &[(usize, f64)]) -> Vec<f64> {
        let mut x = Vec::new();
        let mut seed = 7u64;
        for &(n, level) in levels {
            for _ in 0..n {
                seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let u = (seed >> 11) as f64 / (1u64 << 53) as f64;
                x.push(level * (1.0 + 0.01 * (u - 0.5)));
            }
        }
        x
    }

    #[test]
    fn one_step_is_one_change_point() {
        let x = noisy(&[(40, 100.0), (40, 110.0)]);
        let result = compute_change_points(&x, &OtavaParams::default());
        let indices: Vec<usize> = result.change_points.iter().map(|c| c.index).collect();
        assert_eq!(indices, vec![40]);
        let stats = result.change_points[0].stats;
        assert!(stats.pvalue < 1e-20, "{}", stats.pvalue);
        assert!((stats.mean_after / stats.mean_before - 1.1).abs() < 0.01);
    }

    #[test]
    fn noise_and_short_series_have_none() {
        let params = OtavaParams::default();
        assert!(
            compute_change_points(&noisy(&[(80, 100.0)]), &params)
                .change_points
                .is_empty()
        );
        assert!(compute_change_points(&[], &params).change_points.is_empty());
        assert!(
            compute_change_points(&[1.0], &params)
                .change_points
                .is_empty()
        );
        assert!(
            compute_change_points(&[1.0, 2.0], &params)
                .change_points
                .is_empty()
        );
        assert!(
            compute_change_points(&[5.0; 30], &params)
                .change_points
                .is_empty()
        );
    }

    #[test]
    fn min_magnitude_drops_small_significant_changes() {
        let x = noisy(&[(40, 100.0), (40, 102.0)]);
        let keep = compute_change_points(&x, &OtavaParams::default());
        assert_eq!(keep.change_points.len(), 1);
        let params = OtavaParams {
            min_magnitude: 0.05,
            ..OtavaParams::default()
        };
        assert!(compute_change_points(&x, &params).change_points.is_empty());
    }

    #[test]
    fn relaxed_first_pass_level() {
        assert_eq!(first_pass_pvalue(0.001), 0.01);
        assert_eq!(first_pass_pvalue(0.1), 0.2);
        assert_eq!(first_pass_pvalue(0.7), 0.7);
    }
}
