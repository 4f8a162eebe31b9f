//! Mean, standard deviation and closest sample of an iteration's samples,
//! computed the way pbench's `process-iteration-samples` does.
//!
//! pbench uses the population standard deviation, rounds mean, stddev and
//! stddevpct to 4 significant figures when there is more than one sample,
//! and keeps a single sample's value as it is (stddev 0).

/// Summary of one metric entry over the samples.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    /// Average of the samples.
    pub mean: f64,
    /// Population standard deviation.
    pub stddev: f64,
    /// `100 * stddev / mean` (0 when the mean is 0).
    pub stddevpct: f64,
    /// 1-based index of the sample closest to the mean (the first on ties).
    pub closest_sample: usize,
}

/// Summarises `samples`; all zeros for no samples.
pub fn summarize(samples: &[f64]) -> Summary {
    match samples {
        [] => Summary {
            mean: 0.0,
            stddev: 0.0,
            stddevpct: 0.0,
            closest_sample: 0,
        },
        [only] => Summary {
            mean: *only,
            stddev: 0.0,
            stddevpct: 0.0,
            closest_sample: 1,
        },
        _ => {
            let count = samples.len() as f64;
            let mean = samples.iter().sum::<f64>() / count;
            let mut closest = 0;
            let mut min_diff = f64::INFINITY;
            let mut total = 0.0;
            for (index, value) in samples.iter().enumerate() {
                let diff = (mean - value).powi(2);
                if diff < min_diff {
                    min_diff = diff;
                    closest = index;
                }
                total += diff;
            }
            let stddev = (total / count).sqrt();
            let stddevpct = if mean == 0.0 {
                0.0
            } else {
                100.0 * stddev / mean
            };
            Summary {
                mean: significant(mean),
                stddev: significant(stddev),
                stddevpct: significant(stddevpct),
                closest_sample: closest + 1,
            }
        }
    }
}

/// Rounds to 4 significant figures.
fn significant(value: f64) -> f64 {
    if value == 0.0 || !value.is_finite() {
        return value;
    }
    format!("{value:.3e}").parse().unwrap_or(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Samples and summary of `read-4KiB` `iops_sec` in the reference's
    /// `runperf/assets/tests/DummyTest/result.json` (written by pbench).
    #[test]
    fn matches_pbench_on_reference_samples() {
        let samples = [
            172685.620689655,
            173918.413793103,
            190405.896551724,
            196685.862068966,
            184600.517241379,
        ];
        let s = summarize(&samples);
        assert_eq!(s.mean, 183700.0);
        assert_eq!(s.stddev, 9289.0);
        assert_eq!(s.stddevpct, 5.058);
        assert_eq!(s.closest_sample, 5);
    }

    #[test]
    fn reference_latency_samples() {
        // `randwrite-4KiB` `clat` of the same file: closest sample 3.
        let samples = [
            252693.1,
            659228.8,
            256151.466666667,
            253542.433333333,
            253288.733333333,
        ];
        let s = summarize(&samples);
        assert_eq!((s.mean, s.stddev, s.stddevpct), (335000.0, 162100.0, 48.4));
        assert_eq!(s.closest_sample, 3);
    }

    #[test]
    fn one_sample_is_kept_verbatim() {
        let s = summarize(&[180638.779661017]);
        assert_eq!(s.mean, 180638.779661017);
        assert_eq!((s.stddev, s.stddevpct, s.closest_sample), (0.0, 0.0, 1));
    }

    #[test]
    fn zero_mean_gives_zero_pct() {
        let s = summarize(&[0.0, 0.0]);
        assert_eq!((s.mean, s.stddevpct), (0.0, 0.0));
        assert_eq!(summarize(&[]).closest_sample, 0);
    }
}
