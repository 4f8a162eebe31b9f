//! Single-build outliers for `--algorithm runperf`.
//!
//! Each build is compared with the other builds of its segment (those not
//! already known as outliers) as a prediction: with their mean `μ`, the
//! variance `v = max(s², mean floor, own floor)` and `n` of them,
//! `t = (x - μ) / sqrt(v·(1 + 1/n))` with `n - 1` degrees of freedom. The
//! two-sided p-value is multiplied by the number of builds tested in the
//! series (Bonferroni). A build is an outlier when that p-value is at most
//! `alpha` and it lies at least `min_effect` noise units from `μ`.

use super::segment::{Rules, Side, Value};
use super::ttest::{surely_above, two_sided_pvalue};

/// A build that stands out of its segment.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Outlier {
    pub index: usize,
    pub reference: Side,
    pub pvalue: f64,
    /// `(x - μ)` in noise units (signed).
    pub effect: f64,
    /// The noise unit (0 when there is no noise at all).
    pub unit: f64,
}

/// Tests every build of `values` against its segment; `steps` are the
/// first indices of the segments after the first, `skip[i]` leaves build
/// `i` out of the references. Returns the outliers and the tests made.
pub fn outliers(
    values: &[Value],
    steps: &[usize],
    skip: &[bool],
    rules: &Rules,
) -> (Vec<Outlier>, usize) {
    let mut bounds = vec![0];
    bounds.extend_from_slice(steps);
    bounds.push(values.len());
    let mut tested = Vec::new();
    for pair in bounds.windows(2) {
        let (from, to) = (pair[0], pair[1]);
        // Sums over the segment's references before and after each build
        // (no subtraction, so a far outlier cannot wash out the others),
        // the values shifted by their median for accuracy.
        let kept: Vec<usize> = (from..to).filter(|&j| !skip[j]).collect();
        let mut sorted: Vec<f64> = kept.iter().map(|&j| values[j].x).collect();
        sorted.sort_by(f64::total_cmp);
        let shift = sorted.get(sorted.len() / 2).copied().unwrap_or(0.0);
        let part = |v: &Value| {
            let d = v.x - shift;
            [d, d * d, v.floor, v.run_var]
        };
        let add = |a: [f64; 4], b: [f64; 4]| std::array::from_fn(|k| a[k] + b[k]);
        let mut before = vec![[0.0; 4]; kept.len() + 1];
        for (p, &j) in kept.iter().enumerate() {
            before[p + 1] = add(before[p], part(&values[j]));
        }
        let mut after = vec![[0.0; 4]; kept.len() + 1];
        for (p, &j) in kept.iter().enumerate().rev() {
            after[p] = add(after[p + 1], part(&values[j]));
        }
        for i in from..to {
            let (n, sums) = match kept.binary_search(&i) {
                Ok(p) => (kept.len() - 1, add(before[p], after[p + 1])),
                Err(_) => (kept.len(), before[kept.len()]),
            };
            if n < 2 {
                continue;
            }
            tested.push((i, Side::from_sums(n, shift, sums)));
        }
    }
    let count = tested.len();
    let mut found = Vec::new();
    for (index, reference) in tested {
        let v = values[index];
        let var = reference.test_var().max(v.floor) * (1.0 + 1.0 / reference.n as f64);
        let d = v.x - reference.mean;
        let t = if var > 0.0 {
            d / var.sqrt()
        } else if d == 0.0 {
            0.0
        } else {
            d.signum() * f64::INFINITY
        };
        let run = (reference.run_var * reference.n as f64 + v.run_var) / (reference.n + 1) as f64;
        let unit = if run > 0.0 {
            run.sqrt()
        } else {
            reference.var.sqrt()
        };
        let effect = if unit > 0.0 {
            d / unit
        } else if d == 0.0 {
            0.0
        } else {
            d.signum() * f64::INFINITY
        };
        if effect.abs() < rules.min_effect || surely_above(t, count as f64, rules.alpha) {
            continue;
        }
        let pvalue = (two_sided_pvalue(t, (reference.n - 1) as f64) * count as f64).min(1.0);
        if pvalue <= rules.alpha {
            found.push(Outlier {
                index,
                reference,
                pvalue,
                effect,
                unit,
            });
        }
    }
    (found, count)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::segment::fixtures::{RULES, plain};

    #[test]
    fn one_build_far_out() {
        let mut xs: Vec<f64> = (0..30).map(|i| 100.0 + (i % 5) as f64 * 0.3).collect();
        xs[12] = 130.0;
        let values = plain(&xs);
        let (found, tested) = outliers(&values, &[], &[false; 30], &RULES);
        assert_eq!(tested, 30);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].index, 12);
        assert!(found[0].effect > 10.0);
    }

    #[test]
    fn a_huge_outlier_does_not_wash_out_its_references() {
        let mut xs: Vec<f64> = (0..30).map(|i| 100.0 + (i % 5) as f64 * 0.3).collect();
        xs[0] = 1e12;
        let (found, _) = outliers(&plain(&xs), &[], &[false; 30], &RULES);
        assert_eq!(found.len(), 1, "{found:?}");
        let reference = found[0].reference;
        assert!((reference.mean - 100.6).abs() < 0.1, "{reference:?}");
        assert!(reference.var > 0.1 && reference.var < 0.3, "{reference:?}");
    }

    #[test]
    fn noisy_builds_are_not_outliers() {
        let xs: Vec<f64> = (0..30).map(|i| 100.0 + ((i * 7) % 11) as f64).collect();
        let (found, _) = outliers(&plain(&xs), &[], &[false; 30], &RULES);
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn segments_are_their_own_references() {
        let mut xs = vec![100.0, 100.2, 99.8, 100.1, 99.9, 100.0];
        xs.extend([200.0, 200.2, 199.8, 200.1, 199.9, 200.0]);
        let values = plain(&xs);
        assert!(outliers(&values, &[6], &[false; 12], &RULES).0.is_empty());
    }
}
