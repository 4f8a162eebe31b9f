//! Range of the linear model (`analyze-perf -l`): the observed minimum and
//! maximum around the average.

use crate::numpy::average;

/// `(average, min, max)` of `values` (not empty); `min`/`max` keep the
/// first extreme like Python's builtins.
pub fn range(values: &[f64]) -> (f64, f64, f64) {
    let mut min = values[0];
    let mut max = values[0];
    for &value in &values[1..] {
        if value > max {
            max = value;
        }
        if value < min {
            min = value;
        }
    }
    (average(values), min, max)
}

#[cfg(test)]
mod tests {
    #[test]
    fn range_is_min_and_max() {
        assert_eq!(super::range(&[3.0, 1.0, 2.0]), (2.0, 1.0, 3.0));
    }
}
