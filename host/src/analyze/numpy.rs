//! The few numpy operations the reference's models use, reproduced down to
//! the order of the floating-point operations so that trained models come
//! out bit-identical: `numpy.average` and `numpy.std` sum with numpy's
//! pairwise summation, and `numpy.linalg.solve` of the 2x2 system follows
//! LAPACK's `dgesv` (partial pivoting, multiplying by the pivot reciprocal).

/// numpy's pairwise summation of a contiguous float64 array (blocks of
/// eight accumulators up to 128 items, halves above).
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

/// `numpy.average(values)`; NaN for an empty slice.
pub fn average(values: &[f64]) -> f64 {
    (0.0 + pairwise_sum(values)) / values.len() as f64
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
    ((0.0 + pairwise_sum(&squares)) / values.len() as f64).sqrt()
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
