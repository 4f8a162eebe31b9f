//! How close each candidate is to the source on one check, as a
//! normalised score (higher is closer), reproducing the reference's
//! arithmetic so that ties and near-ties resolve the same way:
//! - when deviations are known: a normal probability density around the
//!   source value using the largest deviation seen (times the flatten
//!   coefficient), rescaled as if the deviation were 1;
//! - otherwise: distances to the source, normalised to 0..3, through
//!   `exp(-x^2/2) / 2`; a candidate lacking the check gets twice the
//!   largest distance (1 when the closest one is exact).

use std::f64::consts::PI;

use super::DiffError;
use super::checks::{CandidateCheck, Measure, SourceCheck};

/// Scale factor putting the peak of the rescaled density (~0.4) near 1.
const PDF_SCALE: f64 = 2.51;

fn not_numeric(check: &str) -> DiffError {
    DiffError::NotNumeric {
        check: check.to_owned(),
    }
}

/// Scores of every candidate for `check`, `None` when all candidates are
/// exactly as far from the source (the check tells nothing).
pub fn check_scores(
    check: &str,
    source: &SourceCheck,
    candidates: &[CandidateCheck],
    flatten: f64,
) -> Result<Option<Vec<f64>>, DiffError> {
    let has_stddev =
        source.stddev.is_some_and(|s| s != 0.0) || candidates.iter().any(|c| c.stddev.is_some());
    if has_stddev {
        stddev_scores(check, source, candidates, flatten).map(Some)
    } else {
        Ok(distance_scores(check, source, candidates))
    }
}

fn stddev_scores(
    check: &str,
    source: &SourceCheck,
    candidates: &[CandidateCheck],
    flatten: f64,
) -> Result<Vec<f64>, DiffError> {
    let mut max_stddev: Option<f64> = None;
    for candidate in candidates {
        let Some(stddev) = candidate.stddev else {
            continue;
        };
        let value = candidate
            .value
            .as_ref()
            .and_then(Measure::number)
            .ok_or_else(|| not_numeric(check))?;
        let spread = stddev * value;
        if max_stddev.is_none_or(|max| spread > max) {
            max_stddev = Some(spread);
        }
    }
    let mut max_stddev = max_stddev.ok_or_else(|| DiffError::NoCandidateDeviation {
        check: check.to_owned(),
    })?;
    let source_value = source.value.as_ref().and_then(Measure::number);
    if let Some(stddev) = source.stddev.filter(|s| *s != 0.0) {
        let spread = stddev * source_value.ok_or_else(|| not_numeric(check))?;
        if spread > max_stddev {
            max_stddev = spread;
        }
    }
    // stddevpct is in percent of the value.
    let sd = max_stddev / 100.0 * flatten;
    let mean = source_value.ok_or_else(|| not_numeric(check))?;
    candidates
        .iter()
        .map(|candidate| match &candidate.value {
            None => Ok(0.0),
            Some(measure) => {
                let x = measure.number().ok_or_else(|| not_numeric(check))?;
                normalised_pdf(check, x, mean, sd)
            }
        })
        .collect()
}

/// Normal pdf of `x` around `mean` times `sd` (so every deviation peaks at
/// the same height), times [`PDF_SCALE`].
fn normalised_pdf(check: &str, x: f64, mean: f64, sd: f64) -> Result<f64, DiffError> {
    let var = sd * sd;
    if var == 0.0 {
        return Err(DiffError::ZeroDeviation {
            check: check.to_owned(),
        });
    }
    let denom = (2.0 * PI * var).powf(0.5);
    let diff = x - mean;
    let num = (-(diff * diff) / (2.0 * var)).exp();
    Ok((num / denom * sd) * PDF_SCALE)
}

fn distance(candidate: &CandidateCheck, source: Option<&Measure>) -> Option<f64> {
    let value = candidate.value.as_ref()?;
    Some(match (value, source) {
        (Measure::Number(a), Some(Measure::Number(b))) => (a - b).abs(),
        (other, source) => {
            if Some(other) == source {
                0.0
            } else {
                1.0
            }
        }
    })
}

fn distance_scores(
    _check: &str,
    source: &SourceCheck,
    candidates: &[CandidateCheck],
) -> Option<Vec<f64>> {
    let distances: Vec<Option<f64>> = candidates
        .iter()
        .map(|candidate| distance(candidate, source.value.as_ref()))
        .collect();
    let known = || distances.iter().flatten().copied();
    // Storage rows only exist for checks some candidate has.
    let min = known().reduce(|min, d| if d < min { d } else { min })?;
    let max = known().reduce(|max, d| if d > max { d } else { max })?;
    let filled: Vec<f64> = if distances.iter().any(Option::is_none) {
        let mut bad = if min == max { min * 2.0 } else { max * 2.0 };
        if min == 0.0 {
            bad = 1.0;
        }
        distances.iter().map(|d| d.unwrap_or(bad)).collect()
    } else if min == max {
        return None;
    } else {
        distances.iter().flatten().copied().collect()
    };
    let largest = filled
        .iter()
        .copied()
        .fold(f64::NEG_INFINITY, |a, b| if b > a { b } else { a });
    let third = largest / 3.0;
    Some(
        filled
            .iter()
            .map(|d| {
                let norm = d / third;
                (-0.5 * (norm * norm)).exp() / 2.0
            })
            .collect(),
    )
}

/// Averages the per-candidate scores over each group (groups are
/// consecutive runs of candidates of the given sizes).
pub fn group_scores(scores: &[f64], group_sizes: &[usize]) -> Vec<f64> {
    let mut out = Vec::with_capacity(group_sizes.len());
    let mut idx = 0;
    for &size in group_sizes {
        let members = &scores[idx..idx + size];
        if size == 1 {
            out.push(members[0]);
        } else {
            let mut sum = 0.0;
            for score in members {
                sum += score;
            }
            out.push(sum / size as f64);
        }
        idx += size;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cand(value: Option<f64>, stddev: Option<f64>) -> CandidateCheck {
        CandidateCheck {
            value: value.map(Measure::Number),
            stddev,
        }
    }

    fn src(value: f64, stddev: Option<f64>) -> SourceCheck {
        SourceCheck {
            value: Some(Measure::Number(value)),
            primary: true,
            stddev,
        }
    }

    #[test]
    fn density_prefers_the_closest_and_ignores_missing() {
        let scores = check_scores(
            "c",
            &src(100.0, Some(1.0)),
            &[
                cand(Some(101.0), Some(1.0)),
                cand(Some(120.0), Some(2.0)),
                cand(None, None),
            ],
            1.0,
        )
        .unwrap()
        .unwrap();
        assert!(scores[0] > scores[1]);
        assert_eq!(scores[2], 0.0);
    }

    #[test]
    fn density_matches_the_reference_formula() {
        // Python: norm_normpdf(101, 100, 2.4) with max stddev 2 * 120 / 100
        let scores = check_scores(
            "c",
            &src(100.0, None),
            &[cand(Some(101.0), None), cand(Some(120.0), Some(2.0))],
            1.0,
        )
        .unwrap()
        .unwrap();
        let sd: f64 = 2.4;
        let expected =
            ((-(1.0f64) / (2.0 * sd * sd)).exp() / (2.0 * PI * sd * sd).sqrt() * sd) * 2.51;
        assert!((scores[0] - expected).abs() < 1e-15);
    }

    #[test]
    fn distances_rank_and_missing_counts_as_far() {
        let scores = check_scores(
            "c",
            &src(10.0, None),
            &[
                cand(Some(11.0), None),
                cand(Some(13.0), None),
                cand(None, None),
            ],
            1.0,
        )
        .unwrap()
        .unwrap();
        assert!(scores[0] > scores[1] && scores[1] > scores[2]);
    }

    #[test]
    fn equal_distances_tell_nothing() {
        let scores = check_scores(
            "c",
            &src(10.0, None),
            &[cand(Some(11.0), None), cand(Some(9.0), None)],
            1.0,
        )
        .unwrap();
        assert_eq!(scores, None);
    }

    #[test]
    fn text_compares_for_equality() {
        let source = SourceCheck {
            value: Some(Measure::Text("boom".into())),
            primary: true,
            stddev: None,
        };
        let same = CandidateCheck {
            value: Some(Measure::Text("boom".into())),
            stddev: None,
        };
        let other = CandidateCheck {
            value: Some(Measure::Text("bang".into())),
            stddev: None,
        };
        let scores = check_scores("e", &source, &[other, same], 1.0)
            .unwrap()
            .unwrap();
        assert!(scores[1] > scores[0]);
    }

    #[test]
    fn no_usable_deviation_is_an_error_not_a_panic() {
        let err = check_scores(
            "c",
            &src(10.0, Some(5.0)),
            &[cand(Some(11.0), None), cand(Some(9.0), None)],
            1.0,
        )
        .unwrap_err();
        assert!(matches!(err, DiffError::NoCandidateDeviation { .. }));
        let err = check_scores(
            "c",
            &src(0.0, None),
            &[cand(Some(0.0), Some(3.0)), cand(Some(0.0), None)],
            1.0,
        )
        .unwrap_err();
        assert!(matches!(err, DiffError::ZeroDeviation { .. }));
    }

    #[test]
    fn groups_average_their_members() {
        assert_eq!(
            group_scores(&[1.0, 2.0, 4.0, 8.0], &[1, 2, 1]),
            vec![1.0, 3.0, 8.0]
        );
    }
}
