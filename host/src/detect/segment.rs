//! Steps for `--algorithm runperf`: binary segmentation with a t-test that
//! knows the noise within each build.
//!
//! Each build `i` has a value `x_i` and a *floor* `f_i`: the variance of
//! its value from run-to-run noise alone (`σ_i²/k_i` for `k_i` runs of
//! spread `σ_i`, 0 when unknown). A side of a split has the variance
//! `v = max(s², mean f)` (`s²` the sample variance of its values), so
//! builds that happen to agree closely cannot make a shift smaller than
//! their own noise significant. A split at `τ` of the run `[a, b)` is
//! tested by Welch's t, `t = (m2 - m1) / sqrt(v1/n1 + v2/n2)` with
//! Welch-Satterthwaite degrees of freedom. Only splits leaving at least
//! `min_segment` builds on each side are tried; the one that explains most
//! of the values' spread wins (the largest between-sides sum of squares
//! `n1·n2/(n1+n2)·(m2-m1)²`, the least-squares location; the first of
//! equals), and its two-sided Welch p-value is multiplied by the number of
//! splits tried (Bonferroni), capped at 1. A split is kept when
//! that p-value is at most `alpha` and the shift is at least `min_effect`
//! noise units (see [`noise_unit`]); both halves are then searched again.

use super::ttest::two_sided_pvalue;

/// A build's value and its noise.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Value {
    pub x: f64,
    /// Variance of one run (σ²), 0 when unknown.
    pub run_var: f64,
    /// Variance of the value from its runs (σ²/k), 0 when unknown.
    pub floor: f64,
}

/// What segmentation needs to know.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rules {
    pub min_segment: usize,
    pub alpha: f64,
    pub min_effect: f64,
}

/// A tested split of `[from, to)` at `index`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Split {
    pub from: usize,
    pub index: usize,
    pub to: usize,
    pub t: f64,
    /// Two-sided p-value times the splits tried, at most 1.
    pub pvalue: f64,
    /// `|m2 - m1|` in noise units.
    pub effect: f64,
}

/// Summary of one side.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Side {
    pub n: usize,
    pub mean: f64,
    /// Sample variance (divisor n-1; 0 for one value).
    pub var: f64,
    pub floor: f64,
    pub run_var: f64,
}

impl Side {
    pub fn of(values: &[Value]) -> Self {
        Prefix::new(values).side(0, values.len())
    }

    /// The side of `n` values from `(Σd, Σd², Σfloor, Σrun_var)`, `d`
    /// being each value less `shift` (a value of the run, for accuracy).
    pub fn from_sums(n: usize, shift: f64, sums: [f64; 4]) -> Self {
        let nf = n as f64;
        let [s, s2, floor, run_var] = sums;
        let var = if n > 1 {
            ((s2 - s * s / nf) / (nf - 1.0)).max(0.0)
        } else {
            0.0
        };
        Side {
            n,
            mean: shift + s / nf,
            var,
            floor: floor / nf,
            run_var: run_var / nf,
        }
    }

    /// The variance used in the test: the sample variance, at least the
    /// run-to-run floor.
    pub fn test_var(&self) -> f64 {
        self.var.max(self.floor)
    }
}

/// Prefix sums of a run (values shifted by its first one, for accuracy),
/// so that any side is summarised in constant time.
struct Prefix {
    shift: f64,
    /// `(Σd, Σd², Σfloor, Σrun_var)` of the first `i` values.
    sums: Vec<[f64; 4]>,
}

impl Prefix {
    fn new(values: &[Value]) -> Self {
        let shift = values.first().map_or(0.0, |v| v.x);
        let mut sums = Vec::with_capacity(values.len() + 1);
        let mut acc = [0.0; 4];
        sums.push(acc);
        for v in values {
            let d = v.x - shift;
            acc = [
                acc[0] + d,
                acc[1] + d * d,
                acc[2] + v.floor,
                acc[3] + v.run_var,
            ];
            sums.push(acc);
        }
        Self { shift, sums }
    }

    /// The side of values `[from, to)` of the run.
    fn side(&self, from: usize, to: usize) -> Side {
        let (a, b) = (self.sums[from], self.sums[to]);
        Side::from_sums(to - from, self.shift, std::array::from_fn(|k| b[k] - a[k]))
    }
}

/// The noise unit of a change between two sides: the root mean run-to-run
/// variance when the builds have one, else the pooled sample standard
/// deviation of the values.
pub fn noise_unit(a: &Side, b: &Side) -> f64 {
    let n = (a.n + b.n) as f64;
    let run = (a.run_var * a.n as f64 + b.run_var * b.n as f64) / n;
    if run > 0.0 {
        run.sqrt()
    } else if a.n + b.n > 2 {
        (((a.n - 1) as f64 * a.var + (b.n - 1) as f64 * b.var) / (n - 2.0)).sqrt()
    } else {
        0.0
    }
}

/// Welch's t and its degrees of freedom; `(0, 1)` when nothing differs.
pub fn welch(a: &Side, b: &Side) -> (f64, f64) {
    let (ea, eb) = (a.test_var() / a.n as f64, b.test_var() / b.n as f64);
    let se2 = ea + eb;
    let d = b.mean - a.mean;
    if se2 == 0.0 {
        return if d == 0.0 {
            (0.0, 1.0)
        } else {
            (d.signum() * f64::INFINITY, 1.0)
        };
    }
    let denom = if a.n > 1 {
        ea * ea / (a.n - 1) as f64
    } else {
        0.0
    } + if b.n > 1 {
        eb * eb / (b.n - 1) as f64
    } else {
        0.0
    };
    let df = if denom > 0.0 {
        se2 * se2 / denom
    } else {
        (a.n + b.n - 2).max(1) as f64
    };
    (d / se2.sqrt(), df.max(1.0))
}

/// The best split of `values[from..to)`, if it leaves `min_segment` on
/// both sides.
pub fn best_split(values: &[Value], from: usize, to: usize, rules: &Rules) -> Option<Split> {
    let ms = rules.min_segment;
    if to - from < 2 * ms {
        return None;
    }
    let positions = to - from - 2 * ms + 1;
    let prefix = Prefix::new(&values[from..to]);
    let mut best: Option<(usize, f64)> = None;
    for tau in from + ms..=to - ms {
        let (a, b) = (
            prefix.side(0, tau - from),
            prefix.side(tau - from, to - from),
        );
        let d = b.mean - a.mean;
        let between = d * d * (a.n * b.n) as f64 / (a.n + b.n) as f64;
        if best.is_none_or(|(_, bb)| between > bb) {
            best = Some((tau, between));
        }
    }
    let (index, _) = best?;
    let (a, b) = (
        prefix.side(0, index - from),
        prefix.side(index - from, to - from),
    );
    let (t, df) = welch(&a, &b);
    let unit = noise_unit(&a, &b);
    let shift = (b.mean - a.mean).abs();
    let effect = if unit > 0.0 {
        shift / unit
    } else if shift > 0.0 {
        f64::INFINITY
    } else {
        0.0
    };
    let pvalue = (two_sided_pvalue(t, df) * positions as f64).min(1.0);
    Some(Split {
        from,
        index,
        to,
        t,
        pvalue,
        effect,
    })
}

/// Whether a tested split is kept.
pub fn accepted(split: &Split, rules: &Rules) -> bool {
    split.pvalue <= rules.alpha && split.effect >= rules.min_effect
}

/// The step indices of `values` (sorted) and the number of tests made.
pub fn segment(values: &[Value], rules: &Rules) -> (Vec<usize>, usize) {
    let mut steps = Vec::new();
    let mut tests = 0;
    let mut runs = vec![(0, values.len())];
    while let Some((from, to)) = runs.pop() {
        let Some(split) = best_split(values, from, to, rules) else {
            continue;
        };
        tests += 1;
        if accepted(&split, rules) {
            steps.push(split.index);
            runs.push((split.index, to));
            runs.push((from, split.index));
        }
    }
    steps.sort_unstable();
    (steps, tests)
}

/// Noise-free values and the default rules, for the engine's tests.
#[cfg(test)]
pub(crate) mod fixtures {
    use super::{Rules, Value};

    /// Values without known noise.
    pub(crate) fn plain(xs: &[f64]) -> Vec<Value> {
        xs.iter()
            .map(|&x| Value {
                x,
                run_var: 0.0,
                floor: 0.0,
            })
            .collect()
    }

    /// `--min-segment 3`, `--fdr 0.05`, `--min-effect 1`.
    pub(crate) const RULES: Rules = Rules {
        min_segment: 3,
        alpha: 0.05,
        min_effect: 1.0,
    };
}

#[cfg(test)]
mod tests {
    use super::fixtures::{RULES, plain};
    use super::*;

    #[test]
    fn finds_a_clear_step() {
        let mut xs: Vec<f64> = (0..20).map(|i| 100.0 + (i % 4) as f64 * 0.5).collect();
        xs.extend((0..20).map(|i| 110.0 + (i % 4) as f64 * 0.5));
        let (steps, tests) = segment(&plain(&xs), &RULES);
        assert_eq!(steps, vec![20]);
        assert!(tests >= 3, "{tests}");
    }

    #[test]
    fn within_build_noise_hides_a_small_shift() {
        // A 1% shift, very steady between builds, but each build's runs
        // scatter by 5%: not a change.
        let mut xs: Vec<f64> = (0..20).map(|i| 100.0 + (i % 2) as f64 * 0.01).collect();
        xs.extend((0..20).map(|i| 101.0 + (i % 2) as f64 * 0.01));
        assert_eq!(segment(&plain(&xs), &RULES).0, vec![20]);
        let noisy: Vec<Value> = xs
            .iter()
            .map(|&x| Value {
                x,
                run_var: 25.0,
                floor: 25.0 / 5.0,
            })
            .collect();
        assert!(segment(&noisy, &RULES).0.is_empty());
    }

    #[test]
    fn single_outlier_is_never_a_segment() {
        let mut xs = vec![
            100.0, 100.5, 99.5, 100.2, 99.8, 100.1, 99.9, 100.3, 99.7, 100.0,
        ];
        xs[5] = 180.0;
        for ms in [2, 3] {
            let (steps, _) = segment(
                &plain(&xs),
                &Rules {
                    min_segment: ms,
                    ..RULES
                },
            );
            assert!(steps.is_empty(), "min_segment {ms}: {steps:?}");
        }
    }

    #[test]
    fn constant_and_short_series() {
        assert!(segment(&plain(&[5.0; 30]), &RULES).0.is_empty());
        assert_eq!(
            segment(&plain(&[5.0, 5.0, 5.0, 6.0, 6.0, 6.0]), &RULES).0,
            vec![3]
        );
        assert_eq!(segment(&plain(&[5.0; 5]), &RULES), (vec![], 0));
    }
}
