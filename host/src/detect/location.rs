//! Where a step happened, as a range of builds.
//!
//! For a step at `τ` between its neighbouring steps `[from, to)`, each
//! other split `τ'` is scored by the residual sum of squares of the two
//! means, `RSS(τ')`. With `σ² = max(RSS(τ)/(n-2), mean floor)`, every
//! `τ'` next to `τ` with `(RSS(τ') - RSS(τ)) / σ² <= 3.84` (the 95% point
//! of χ² with one degree of freedom) could be the change as well. The
//! contiguous run of such splits `[lo, hi]` gives the range: builds before
//! `lo` are surely before the change, builds from `hi` on surely after,
//! so the last good build is `lo - 1` and the first bad one `hi`.

use super::segment::{Side, Value};

const CHI2_1_95: f64 = 3.841458820694124;

fn rss(values: &[Value], from: usize, tau: usize, to: usize) -> f64 {
    let (a, b) = (Side::of(&values[from..tau]), Side::of(&values[tau..to]));
    a.var * (a.n - 1) as f64 + b.var * (b.n - 1) as f64
}

/// `(last good, first bad)` for the step at `tau` of `values[from..to)`.
pub fn range(values: &[Value], from: usize, tau: usize, to: usize) -> (usize, usize) {
    let n = to - from;
    let best = rss(values, from, tau, to);
    let floor = Side::of(&values[from..to]).floor;
    let sigma2 = if n > 2 {
        (best / (n - 2) as f64).max(floor)
    } else {
        floor
    };
    let plausible = |t: usize| {
        let extra = rss(values, from, t, to) - best;
        if sigma2 > 0.0 {
            extra / sigma2 <= CHI2_1_95
        } else {
            extra <= 0.0
        }
    };
    let mut lo = tau;
    while lo > from + 1 && plausible(lo - 1) {
        lo -= 1;
    }
    let mut hi = tau;
    while hi + 1 < to && plausible(hi + 1) {
        hi += 1;
    }
    (lo - 1, hi)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::segment::fixtures::plain;

    #[test]
    fn clean_step_is_exact() {
        let mut xs = vec![100.0, 100.1, 99.9, 100.0, 100.1, 99.9];
        xs.extend([120.0, 120.1, 119.9, 120.0, 120.1, 119.9]);
        assert_eq!(range(&plain(&xs), 0, 6, 12), (5, 6));
    }

    #[test]
    fn a_build_halfway_widens_the_range() {
        let mut xs = vec![100.0, 100.5, 99.5, 100.2, 99.8, 100.0];
        xs.push(110.0);
        xs.extend([120.0, 120.5, 119.5, 120.2, 119.8]);
        let (good, bad) = range(&plain(&xs), 0, 7, 12);
        assert_eq!((good, bad), (5, 7));
    }
}
