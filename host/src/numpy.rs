//! The few numpy operations runperf 1.2's compare-perf and analyze-perf
//! use, reproduced down to the order of the floating-point operations so
//! that scores, summaries and trained models come out bit-identical.
//!
//! - `numpy.sum`, `numpy.average` and `numpy.std` add with numpy's pairwise
//!   summation, and a float64 reduction starts from the ufunc's identity,
//!   `+0.0`: the result is `0.0 + pairwise_sum(values)`. That outer `+0.0`
//!   is what turns a sum of negative zeros into `0.0` (numpy prints
//!   `np.sum([-0.0] * 9)` as `0.0`), the only place where the start shows.
//! - `numpy.percentile` (linear interpolation) and `numpy.median`.
//! - `numpy.linalg.solve` of the 2x2 system follows LAPACK's `dgesv`
//!   (partial pivoting, multiplying by the pivot reciprocal).

/// numpy's pairwise summation of a contiguous float64 array (blocks of
/// eight accumulators up to 128 items, halves above). Below eight items it
/// adds in order from `-0.0`, which leaves every sum unchanged (including
/// the sign of a zero); [`sum`] adds the reduction's `+0.0` start.
fn pairwise_sum(values: &[f64]) -> f64 {
    let n = values.len();
    if n < 8 {
        let mut sum = -0.0;
        for value in values {
            sum += value;
        }
        sum
    } else if n <= 128 {
        let mut acc = [0.0; 8];
        acc.copy_from_slice(&values[..8]);
        let blocks_end = n - n % 8;
        let mut i = 8;
        while i < blocks_end {
            for (k, slot) in acc.iter_mut().enumerate() {
                *slot += values[i + k];
            }
            i += 8;
        }
        let mut sum =
            ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
        for value in &values[blocks_end..] {
            sum += value;
        }
        sum
    } else {
        let mut half = n / 2;
        half -= half % 8;
        pairwise_sum(&values[..half]) + pairwise_sum(&values[half..])
    }
}

/// `numpy.sum(values)` of float64 values: `0.0` for none.
pub fn sum(values: &[f64]) -> f64 {
    0.0 + pairwise_sum(values)
}

/// `numpy.average(values)`; NaN for an empty slice.
pub fn average(values: &[f64]) -> f64 {
    sum(values) / values.len() as f64
}

/// `numpy.std(values)` (population standard deviation).
pub fn std(values: &[f64]) -> f64 {
    let mean = average(values);
    let squares: Vec<f64> = values
        .iter()
        .map(|value| {
            let deviation = value - mean;
            deviation * deviation
        })
        .collect();
    (sum(&squares) / values.len() as f64).sqrt()
}

/// `numpy.percentile(values, q)` with linear interpolation (numpy's
/// `_lerp`: from the upper neighbour when past the middle).
pub fn percentile(values: &[f64], q: f64) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let position = q / 100.0 * (sorted.len() as f64 - 1.0);
    let low = position.floor();
    let t = position - low;
    let low = low as usize;
    let high = (low + 1).min(sorted.len() - 1);
    let (a, b) = (sorted[low], sorted[high]);
    let diff = b - a;
    if t >= 0.5 {
        b - diff * (1.0 - t)
    } else {
        a + diff * t
    }
}

/// `numpy.median`.
pub fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    }
}

/// `numpy.linalg.solve([[high, 1], [low, 1]], [tolerance, -tolerance])`:
/// the line `a * x + b` mapping `high` to `tolerance` and `low` to
/// `-tolerance`, or `None` where numpy raises "Singular matrix".
pub fn solve_line(high: f64, low: f64, tolerance: f64) -> Option<[f64; 2]> {
    let (mut first, mut second) = ([high, 1.0, tolerance], [low, 1.0, -tolerance]);
    // idamax: the first row wins ties.
    if low.abs() > high.abs() {
        std::mem::swap(&mut first, &mut second);
    }
    if first[0] == 0.0 {
        return None;
    }
    let multiplier = second[0] * (1.0 / first[0]);
    let pivot = second[1] - multiplier * first[1];
    if pivot == 0.0 {
        return None;
    }
    let rhs = second[2] - multiplier * first[2];
    let b = rhs / pivot;
    let a = (first[2] - b * first[1]) / first[0];
    Some([a, b])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn average_sums_pairwise_like_numpy() {
        // numpy.average([1e16] + [1.0] * 9) == 1000000000000000.8
        let mut values = vec![1e16];
        values.extend([1.0; 9]);
        assert_eq!(average(&values), 1000000000000000.8);
        assert_eq!(average(&[1.0, 2.0, 4.0]), 7.0 / 3.0);
    }

    #[test]
    fn sum_adds_pairwise_like_numpy() {
        // Values printed by numpy 2.4: np.sum(values).
        let tenths: Vec<f64> = (1..=20).map(|v| v as f64 * 0.1).collect();
        assert_eq!(sum(&tenths), 21.0);
        let mut big = vec![1e16];
        big.extend([1.0; 300]);
        assert_eq!(sum(&big), 1.0000000000000292e16);
        // 300 items: two halves of 144 and 156, each in blocks of eight;
        // adding in order gives 21449.999999999996 instead.
        let spread: Vec<f64> = (0..300).map(|i| ((i * 7919) % 1000) as f64 / 7.0).collect();
        assert_eq!(sum(&spread), 21450.0);
        assert_eq!(average(&spread), 71.5);
    }

    #[test]
    fn negative_zeros_sum_to_a_positive_zero_like_numpy() {
        // np.sum([-0.0] * n) is 0.0 for every n, np.sum([]) too.
        for n in [0, 1, 3, 7, 8, 9, 16, 128, 129, 300] {
            let zeros = vec![-0.0; n];
            let total = sum(&zeros);
            assert!(total == 0.0 && total.is_sign_positive(), "n={n}: {total}");
            if n > 0 {
                assert!(average(&zeros).is_sign_positive(), "n={n}");
                assert!(std(&zeros).is_sign_positive(), "n={n}");
            }
        }
        assert!(sum(&[-1.0, 1.0, -1.0, 1.0, -1.0, 1.0, -1.0, 1.0, -1.0, 1.0]).is_sign_positive());
        assert_eq!(sum(&[-2.5]), -2.5);
    }

    #[test]
    fn percentiles_interpolate_like_numpy() {
        assert_eq!(percentile(&[1.0, 2.0, 3.0, 4.0], 25.0), 1.75);
        assert_eq!(percentile(&[1.0, 2.0, 3.0, 4.0], 75.0), 3.25);
        assert_eq!(percentile(&[-100.0], 25.0), -100.0);
        assert_eq!(median(&[3.0, 1.0, 2.0, 4.0]), 2.5);
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
    }

    #[test]
    fn std_is_the_population_deviation() {
        assert_eq!(std(&[2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]), 2.0);
        assert_eq!(std(&[3.0]), 0.0);
    }

    #[test]
    fn solve_matches_numpy_on_reference_numbers() {
        // From the reference's linear_model.json (read-4KiB clat).
        let raw = 164174.45;
        let c = 4.0 / 100.0 / 1.1;
        let line = solve_line(raw * (1.0 + c), raw * (1.0 - c), 4.0).unwrap();
        assert_eq!(line, [0.0006700189950385082, -109.99999999999982]);
    }

    #[test]
    fn zero_range_is_singular() {
        assert_eq!(solve_line(0.0, 0.0, 4.0), None);
        assert_eq!(solve_line(2.0, 2.0, 4.0), None);
    }
}
