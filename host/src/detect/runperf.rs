//! `--algorithm runperf`, the default: steps and outliers of every series,
//! with the noise within builds, a minimum segment, a location range, an
//! effect size and a false discovery rate across all series.
//!
//! Per series (all sequential, so the result does not depend on threads):
//! 1. segment all builds ([`super::segment`]), find the outliers of those
//!    segments ([`super::outlier`]);
//! 2. segment again without those outliers, and test every build against
//!    its new segment for the final outliers;
//! 3. retest each step between its neighbouring steps (its p-value, its
//!    means and spreads) and find its range ([`super::location`]).
//!
//! Across series, each candidate's p-value (already corrected within its
//! series) gets a Benjamini-Hochberg q-value ([`super::fdr`]) among
//! `m` hypotheses: one for the steps and one for the outliers of every
//! series where such a test was made, plus one for each further candidate
//! of the same kind in a series. Changes with `q <= fdr` are reported.

use rayon::prelude::*;

use super::direction::{Better, Direction};
use super::fdr::qvalues;
use super::location::range;
use super::outlier::outliers;
use super::segment::{Rules, Side, Value, noise_unit, segment, welch};
use super::ttest::two_sided_pvalue;

/// Parameters of the default engine.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RunperfParams {
    /// Fewest builds on each side of a step (at least 2; default 3).
    pub min_segment: usize,
    /// False discovery rate across all series (default 0.05).
    pub fdr: f64,
    /// Smallest change reported, in noise units (default 1).
    pub min_effect: f64,
}

impl Default for RunperfParams {
    fn default() -> Self {
        Self {
            min_segment: 3,
            fdr: 0.05,
            min_effect: 1.0,
        }
    }
}

/// One build of a series: its value and the noise of its runs.
#[derive(Clone, Debug, PartialEq)]
pub struct Build {
    pub value: f64,
    pub noise: Noise,
}

/// What is known of the noise within one build.
#[derive(Clone, Debug, PartialEq)]
pub enum Noise {
    Unknown,
    /// The value is the mean of these runs.
    Samples(Vec<f64>),
    /// The spread of one run and how many runs were averaged.
    Stddev {
        stddev: f64,
        runs: usize,
    },
}

impl Noise {
    /// `(σ², σ²/k)`: the variance of one run and of the build's value.
    pub fn variances(&self) -> (f64, f64) {
        match self {
            Noise::Unknown => (0.0, 0.0),
            Noise::Samples(samples) if samples.len() >= 2 => {
                let side = Side::of(
                    &samples
                        .iter()
                        .map(|&x| Value {
                            x,
                            run_var: 0.0,
                            floor: 0.0,
                        })
                        .collect::<Vec<_>>(),
                );
                (side.var, side.var / samples.len() as f64)
            }
            Noise::Samples(_) => (0.0, 0.0),
            Noise::Stddev { stddev, runs } if stddev.is_finite() => {
                let var = stddev * stddev;
                (var, var / (*runs).max(1) as f64)
            }
            Noise::Stddev { .. } => (0.0, 0.0),
        }
    }
}

/// A series to analyse: builds in order and which way is better.
#[derive(Clone, Debug, PartialEq)]
pub struct SeriesInput {
    pub builds: Vec<Build>,
    pub better: Better,
}

impl SeriesInput {
    /// Builds of `values` with no known run-to-run noise.
    pub fn without_noise(values: &[f64], better: Better) -> Self {
        Self {
            builds: values
                .iter()
                .map(|&value| Build {
                    value,
                    noise: Noise::Unknown,
                })
                .collect(),
            better,
        }
    }
}

/// Step or outlier.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Class {
    Step,
    Outlier,
}

impl Class {
    pub fn as_str(self) -> &'static str {
        match self {
            Class::Step => "step",
            Class::Outlier => "outlier",
        }
    }
}

/// One reported change; indices are positions in the series' builds.
#[derive(Clone, Debug, PartialEq)]
pub struct Change {
    pub class: Class,
    /// The step's first build after the change, or the outlier.
    pub index: usize,
    /// The last build surely before the change (None before build 0).
    pub last_good: Option<usize>,
    /// The first build surely after it.
    pub first_bad: usize,
    pub mean_before: f64,
    pub stddev_before: f64,
    pub mean_after: f64,
    pub stddev_after: f64,
    /// `(after - before) / |before| · 100`, 0 when `before` is 0.
    pub change_pct: f64,
    /// `(after - before)` in noise units.
    pub effect: f64,
    pub pvalue: f64,
    /// The Benjamini-Hochberg q-value (None for Otava's change points).
    pub qvalue: Option<f64>,
    pub direction: Direction,
}

/// Why a series was not analysed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Skipped {
    /// Fewer than `2 × min_segment` builds.
    TooShort { builds: usize, needed: usize },
}

/// The outcome for one series.
#[derive(Clone, Debug, PartialEq)]
pub struct SeriesResult {
    pub changes: Vec<Change>,
    pub skipped: Option<Skipped>,
}

/// Checks the parameters; the message names the option at fault.
pub fn validate(params: &RunperfParams) -> Result<(), String> {
    if params.min_segment < 2 {
        return Err(format!(
            "--min-segment must be at least 2 (got {})",
            params.min_segment
        ));
    }
    if !(params.fdr > 0.0 && params.fdr < 1.0) {
        return Err(format!(
            "--fdr must be between 0 and 1 (got {})",
            params.fdr
        ));
    }
    if !(params.min_effect >= 0.0 && params.min_effect.is_finite()) {
        return Err(format!(
            "--min-effect must be a number >= 0 (got {})",
            params.min_effect
        ));
    }
    Ok(())
}

/// Candidates of one series before the false discovery rate.
struct Candidates {
    changes: Vec<Change>,
    /// Hypothesis families tested (steps, outliers).
    families: usize,
    skipped: Option<Skipped>,
}

/// Detects the changes of every series (in parallel; the result is the
/// same for any number of threads). Callers check [`validate`] first.
pub fn detect(series: &[SeriesInput], params: &RunperfParams) -> Vec<SeriesResult> {
    let candidates: Vec<Candidates> = series.par_iter().map(|s| analyse(s, params)).collect();
    let mut m = 0;
    let mut pvalues = Vec::new();
    for c in &candidates {
        m += c.families;
        let mut kinds = [0usize; 2];
        for change in &c.changes {
            let kind = &mut kinds[change.class as usize];
            if *kind > 0 {
                m += 1;
            }
            *kind += 1;
            pvalues.push(change.pvalue);
        }
    }
    let q = qvalues(&pvalues, m);
    let mut next = 0;
    candidates
        .into_iter()
        .map(|c| {
            let mut changes = Vec::new();
            for mut change in c.changes {
                change.qvalue = Some(q[next]);
                next += 1;
                if q[next - 1] <= params.fdr {
                    changes.push(change);
                }
            }
            SeriesResult {
                changes,
                skipped: c.skipped,
            }
        })
        .collect()
}

fn analyse(series: &SeriesInput, params: &RunperfParams) -> Candidates {
    let n = series.builds.len();
    let needed = 2 * params.min_segment;
    if n < needed {
        return Candidates {
            changes: Vec::new(),
            families: 0,
            skipped: Some(Skipped::TooShort { builds: n, needed }),
        };
    }
    let rules = Rules {
        min_segment: params.min_segment,
        alpha: params.fdr,
        min_effect: params.min_effect,
    };
    let values: Vec<Value> = series
        .builds
        .iter()
        .map(|b| {
            let (run_var, floor) = b.noise.variances();
            Value {
                x: b.value,
                run_var,
                floor,
            }
        })
        .collect();
    // Round 1: outliers of a first segmentation.
    let (first_steps, _) = segment(&values, &rules);
    let (first_outliers, _) = outliers(&values, &first_steps, &vec![false; n], &rules);
    let mut skip = vec![false; n];
    for o in &first_outliers {
        skip[o.index] = true;
    }
    // Round 2: segment without them, then the final outliers.
    let kept: Vec<usize> = (0..n).filter(|&i| !skip[i]).collect();
    let kept_values: Vec<Value> = kept.iter().map(|&i| values[i]).collect();
    let (steps, step_tests) = segment(&kept_values, &rules);
    let original_steps: Vec<usize> = steps.iter().map(|&k| kept[k]).collect();
    let (found, outlier_tests) = outliers(&values, &original_steps, &skip, &rules);

    let mut changes = Vec::new();
    let mut bounds = vec![0];
    bounds.extend_from_slice(&steps);
    bounds.push(kept.len());
    for k in 1..bounds.len() - 1 {
        let (from, tau, to) = (bounds[k - 1], bounds[k], bounds[k + 1]);
        let (a, b) = (
            Side::of(&kept_values[from..tau]),
            Side::of(&kept_values[tau..to]),
        );
        let (t, df) = welch(&a, &b);
        let positions = (to - from + 1)
            .saturating_sub(2 * params.min_segment)
            .max(1);
        let pvalue = (two_sided_pvalue(t, df) * positions as f64).min(1.0);
        let unit = noise_unit(&a, &b);
        let (good, bad) = range(&kept_values, from, tau, to);
        changes.push(change(
            Class::Step,
            kept[tau],
            Some(kept[good]),
            kept[bad],
            &a,
            &b,
            unit,
            pvalue,
            series.better,
        ));
    }
    for o in found {
        let own = Side {
            n: 1,
            mean: values[o.index].x,
            var: 0.0,
            floor: values[o.index].floor,
            run_var: values[o.index].run_var,
        };
        let last_good = o.index.checked_sub(1);
        changes.push(change(
            Class::Outlier,
            o.index,
            last_good,
            o.index,
            &o.reference,
            &own,
            o.unit,
            o.pvalue,
            series.better,
        ));
    }
    changes.sort_by_key(|c| (c.index, c.class as usize));
    Candidates {
        changes,
        families: usize::from(step_tests > 0) + usize::from(outlier_tests > 0),
        skipped: None,
    }
}

#[allow(clippy::too_many_arguments)]
pub(super) fn change(
    class: Class,
    index: usize,
    last_good: Option<usize>,
    first_bad: usize,
    before: &Side,
    after: &Side,
    unit: f64,
    pvalue: f64,
    better: Better,
) -> Change {
    let d = after.mean - before.mean;
    Change {
        class,
        index,
        last_good,
        first_bad,
        mean_before: before.mean,
        stddev_before: before.var.sqrt(),
        mean_after: after.mean,
        stddev_after: after.var.sqrt(),
        change_pct: if before.mean == 0.0 {
            0.0
        } else {
            d / before.mean.abs() * 100.0
        },
        effect: if unit > 0.0 {
            d / unit
        } else if d == 0.0 {
            0.0
        } else {
            d.signum() * f64::INFINITY
        },
        pvalue,
        qvalue: None,
        direction: better.direction(before.mean, after.mean),
    }
}

#[cfg(test)]
#[path = "runperf_tests.rs"]
mod tests;
