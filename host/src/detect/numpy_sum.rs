//! Sums, means and standard deviations computed in the order NumPy
//! computes them, so results agree with NumPy-based tools to the last bit.
//!
//! NumPy adds a contiguous run of doubles by pairwise summation: runs
//! shorter than 8 are added left to right; runs up to 128 are added in 8
//! interleaved accumulators folded as `((r0+r1)+(r2+r3))+((r4+r5)+(r6+r7))`
//! followed by the remainder; longer runs are split in two halves (the
//! first a multiple of 8) summed separately.

/// The sum of `values` in NumPy's pairwise order.
pub fn pairwise_sum(values: &[f64]) -> f64 {
    let n = values.len();
    if n < 8 {
        let mut sum = 0.0;
        for &v in values {
            sum += v;
        }
        sum
    } else if n <= 128 {
        let mut acc = [0.0; 8];
        acc.copy_from_slice(&values[..8]);
        let whole = n - n % 8;
        let mut i = 8;
        while i < whole {
            for (k, a) in acc.iter_mut().enumerate() {
                *a += values[i + k];
            }
            i += 8;
        }
        let mut sum =
            ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
        for &v in &values[whole..] {
            sum += v;
        }
        sum
    } else {
        let mut half = n / 2;
        half -= half % 8;
        pairwise_sum(&values[..half]) + pairwise_sum(&values[half..])
    }
}

/// The arithmetic mean as `numpy.mean` computes it (NaN when empty).
pub fn mean(values: &[f64]) -> f64 {
    pairwise_sum(values) / values.len() as f64
}

/// The population standard deviation (divisor `n`) as `numpy.std`
/// computes it: the mean, the squared deviations, their pairwise sum.
pub fn population_std(values: &[f64]) -> f64 {
    let mean = mean(values);
    let squares: Vec<f64> = values
        .iter()
        .map(|&v| {
            let d = v - mean;
            d * d
        })
        .collect();
    (pairwise_sum(&squares) / values.len() as f64).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairwise_order_differs_from_left_to_right() {
        // 1e16 + 1 + 1 ... loses the ones left to right; pairwise keeps
        // those accumulated in other lanes.
        let mut values = vec![1e16];
        values.extend(std::iter::repeat_n(1.0, 15));
        let sequential: f64 = values.iter().sum();
        assert_eq!(sequential, 1e16);
        assert_eq!(pairwise_sum(&values), 1e16 + 14.0);
    }

    #[test]
    fn mean_and_std_of_small_series() {
        assert_eq!(mean(&[1.0, 2.0, 3.0, 4.0]), 2.5);
        assert_eq!(
            population_std(&[2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]),
            2.0
        );
        assert!(mean(&[]).is_nan());
    }

    #[test]
    fn long_runs_split_in_halves() {
        let values: Vec<f64> = (0..300).map(|i| (i as f64).sqrt() * 1e10 + 0.1).collect();
        let halves = pairwise_sum(&values[..144]) + pairwise_sum(&values[144..]);
        assert_eq!(pairwise_sum(&values), halves);
    }
}
