//! Benjamini-Hochberg false discovery rate over the candidates of one
//! detection.
//!
//! With `m` hypotheses and the candidates' p-values sorted ascending
//! `p(1) <= … <= p(k)`, the q-value of the `i`-th is
//! `min(1, min_{j >= i} m·p(j)/j)`. Reporting the candidates with
//! `q <= α` keeps the expected share of false ones at most `α`. Every
//! hypothesis that is not a candidate has a p-value above `α` (it failed
//! the screening), so it ranks after the candidates and cannot lower a
//! q-value to `α` or below: the candidates alone decide who is reported.

/// The q-values of `pvalues` (in their order) among `m` hypotheses.
/// Equal p-values keep their input order, so the result is deterministic.
pub fn qvalues(pvalues: &[f64], m: usize) -> Vec<f64> {
    let mut order: Vec<usize> = (0..pvalues.len()).collect();
    order.sort_by(|&a, &b| pvalues[a].total_cmp(&pvalues[b]).then(a.cmp(&b)));
    let m = m.max(pvalues.len()) as f64;
    let mut q = vec![1.0; pvalues.len()];
    let mut running = 1.0f64;
    for (rank, &i) in order.iter().enumerate().rev() {
        let p = pvalues[i];
        let scaled = if p.is_nan() {
            1.0
        } else {
            m * p / (rank + 1) as f64
        };
        running = running.min(scaled);
        q[i] = running.min(1.0);
    }
    q
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn textbook_example() {
        // m = 10: p(3) = 0.02 → 10·0.02/3 ≈ 0.0667, p(4) = 0.021 → 0.0525.
        let p = [0.001, 0.008, 0.02, 0.021, 0.6];
        let q = qvalues(&p, 10);
        assert!((q[0] - 0.01).abs() < 1e-12);
        assert!((q[1] - 0.04).abs() < 1e-12);
        assert!((q[2] - 0.0525).abs() < 1e-12, "{q:?}");
        assert!((q[3] - 0.0525).abs() < 1e-12);
        assert_eq!(q[4], 1.0);
    }

    #[test]
    fn more_hypotheses_mean_larger_q() {
        let few = qvalues(&[0.001], 10)[0];
        let many = qvalues(&[0.001], 10_000)[0];
        assert!(few < 0.05 && many == 1.0, "{few} {many}");
    }

    #[test]
    fn order_independent_and_nan_safe() {
        let a = qvalues(&[0.03, 0.001, f64::NAN], 3);
        let b = qvalues(&[0.001, f64::NAN, 0.03], 3);
        assert_eq!((a[0], a[1], a[2]), (b[2], b[0], b[1]));
        assert_eq!(a[2], 1.0);
    }
}
