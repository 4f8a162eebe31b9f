//! Both algorithms behind one call: series in, changes out.

use rayon::prelude::*;

use super::direction::Better;
use super::otava::{OtavaParams, compute_change_points};
use super::runperf::{self, Change, Class, RunperfParams, SeriesInput, SeriesResult};
use super::segment::Side;

/// Which engine, with its parameters.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Algorithm {
    Runperf(RunperfParams),
    Otava(OtavaParams),
}

/// Checks the parameters; the message names the option at fault.
pub fn validate(algorithm: &Algorithm) -> Result<(), String> {
    match algorithm {
        Algorithm::Runperf(p) => runperf::validate(p),
        Algorithm::Otava(p) if p.window < 2 => {
            Err(format!("--window must be at least 2 (got {})", p.window))
        }
        Algorithm::Otava(p) if !(p.max_pvalue > 0.0 && p.max_pvalue <= 1.0) => Err(format!(
            "--max-pvalue must be in (0, 1] (got {})",
            p.max_pvalue
        )),
        Algorithm::Otava(p) if p.min_magnitude.is_nan() || p.min_magnitude < 0.0 => Err(format!(
            "--min-magnitude must be >= 0 (got {})",
            p.min_magnitude
        )),
        Algorithm::Otava(_) => Ok(()),
    }
}

/// The changes of every series, in the order given.
pub fn detect(series: &[SeriesInput], algorithm: &Algorithm) -> Vec<SeriesResult> {
    match algorithm {
        Algorithm::Runperf(params) => runperf::detect(series, params),
        Algorithm::Otava(params) => series.par_iter().map(|s| otava_series(s, params)).collect(),
    }
}

/// Otava's change points as changes: each a step from the build before it,
/// with Otava's means, spreads and p-value; the effect is in units of the
/// pooled spread of the two sides.
fn otava_series(series: &SeriesInput, params: &OtavaParams) -> SeriesResult {
    let values: Vec<f64> = series.builds.iter().map(|b| b.value).collect();
    let result = compute_change_points(&values, params);
    let changes = result
        .change_points
        .iter()
        .map(|cp| {
            let s = cp.stats;
            // Otava's statistics carry no run-to-run noise.
            let side = |mean: f64, std: f64| Side {
                n: 1,
                mean,
                var: std * std,
                floor: 0.0,
                run_var: 0.0,
            };
            let before = side(s.mean_before, s.std_before);
            let after = side(s.mean_after, s.std_after);
            let unit = ((before.var + after.var) / 2.0).sqrt();
            let better: Better = series.better;
            runperf::change(
                Class::Step,
                cp.index,
                cp.index.checked_sub(1),
                cp.index,
                &before,
                &after,
                unit,
                s.pvalue,
                better,
            )
        })
        .collect::<Vec<Change>>();
    SeriesResult {
        changes,
        skipped: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::direction::Direction;

    fn input(values: &[f64], better: Better) -> SeriesInput {
        SeriesInput::without_noise(values, better)
    }

    #[test]
    fn otava_points_become_steps_with_otava_statistics() {
        let mut x: Vec<f64> = (0..30).map(|i| 10.0 + (i % 3) as f64 * 0.01).collect();
        x.extend((0..30).map(|i| 12.0 + (i % 3) as f64 * 0.01));
        let algorithm = Algorithm::Otava(OtavaParams::default());
        let result = detect(&[input(&x, Better::Lower)], &algorithm).remove(0);
        let expected = compute_change_points(&x, &OtavaParams::default());
        assert_eq!(result.changes.len(), 1);
        let c = &result.changes[0];
        let cp = expected.change_points[0];
        assert_eq!((c.index, c.last_good, c.first_bad), (30, Some(29), 30));
        assert_eq!(
            (c.pvalue, c.mean_before, c.mean_after),
            (cp.stats.pvalue, cp.stats.mean_before, cp.stats.mean_after)
        );
        assert_eq!(c.qvalue, None);
        assert_eq!(c.direction, Direction::Regression);
        assert!((c.change_pct - 20.0).abs() < 0.1, "{}", c.change_pct);
    }

    #[test]
    fn bad_parameters_name_their_option() {
        let otava = |window, max_pvalue, min_magnitude| {
            validate(&Algorithm::Otava(OtavaParams {
                window,
                max_pvalue,
                min_magnitude,
            }))
        };
        assert!(otava(1, 0.001, 0.0).unwrap_err().contains("--window"));
        assert!(otava(50, 0.0, 0.0).unwrap_err().contains("--max-pvalue"));
        assert!(
            otava(50, 0.001, -1.0)
                .unwrap_err()
                .contains("--min-magnitude")
        );
        assert!(otava(50, 0.001, 0.0).is_ok());
    }
}
