//! E-divisive candidates: the split of a run of values that maximises the
//! energy statistic of Matteson and James, computed as Apache Otava's pair
//! distance calculator computes it (same sums in the same order, so the
//! same split wins ties and near-ties).
//!
//! For a run `x[s..e)`, a split `τ` and an end `κ` (`s < τ < κ <= e`),
//! with `X = x[s..τ)` (n values) and `Y = x[τ..κ)` (m values):
//!
//! ```text
//! Q(τ, κ) = 2/(m+n) Σ|X_i - Y_j|
//!         - 2m/((m+n)(n-1)) Σ_{i<k}|X_i - X_k|
//!         - 2n/((m+n)(m-1)) Σ_{j<k}|Y_j - Y_k|
//! ```
//!
//! (a term with a zero divisor is 0). The candidate is the `τ` of the
//! largest `Q` over all `(τ, κ)`, scanning `τ` then `κ` in increasing
//! order, the first of equal values winning; pairs with `κ < τ + 1` count
//! as `Q = 0` as in Otava's matrix. The sums come from prefix sums of the
//! pairwise distances, so one run costs `O((e-s)²)`.

/// The best split of one run: `index` is the first value after the split.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Candidate {
    pub index: usize,
    pub qhat: f64,
}

/// The pairwise distances of one window of values and their prefix sums.
#[derive(Default)]
pub struct Distances {
    n: usize,
    /// `v[b] = Σ_{a <= b} d[a][b+1]`, added for increasing `a`.
    v: Vec<f64>,
    /// `h[a][b] = Σ_{a < k <= b+1} d[a][k]`, added for increasing `k`, for
    /// `a <= b < n-1`, stored by column: column `b` at `b(b+1)/2`, `b+1`
    /// long (a candidate reads a column's consecutive rows).
    h: Vec<f64>,
    /// `above[s][c] = Σ_{a < s} d[a][c]`, added for increasing `a`, for
    /// `1 <= s <= c < n` (row 0 is all 0): row `s` at `row(s-1)`, `n-s`
    /// long.
    above: Vec<f64>,
}

impl Distances {
    pub fn new(x: &[f64]) -> Self {
        let mut distances = Self::default();
        distances.fill(x, &mut Vec::new());
        distances
    }

    /// Makes these the distances of `x`, reusing the buffers (and `d`,
    /// room for two rows of distances).
    fn fill(&mut self, x: &[f64], d: &mut Vec<f64>) {
        let n = x.len();
        let m = n.saturating_sub(1);
        let size = m * (m + 1) / 2;
        // Only distances `|x_a - x_c|` with `a < c` are ever needed. Row `a`
        // of `above`, and of `h` by column, holds columns `a+1..n`. The running sums of two
        // rows are added in one loop: each keeps its own order, and the two
        // chains of additions overlap.
        let Self { v, h, above, .. } = self;
        for buffer in [&mut *above, &mut *h] {
            buffer.clear();
            buffer.resize(size, 0.0);
        }
        d.clear();
        d.resize(2 * m, 0.0);
        let mut a = 0;
        while a < m {
            let pair = a + 1 < m;
            let len = n - 1 - a;
            let (d0, d1) = d.split_at_mut(m);
            distances_from(x, a, &mut d0[..len]);
            if pair {
                distances_from(x, a + 1, &mut d1[..len - 1]);
            }
            // h[a][a+k] at column a+k's row a: `i0` for row a and `i1` for
            // row a+1, each moved to the next column (one value longer).
            let (mut s0, mut s1) = (0.0, 0.0);
            let mut i0 = triangle(a) + a;
            if pair {
                let mut i1 = triangle(a + 1) + a + 1;
                for k in 0..len - 1 {
                    s0 += d0[k];
                    s1 += d1[k];
                    h[i0] = s0;
                    h[i1] = s1;
                    i0 += a + k + 1;
                    i1 += a + k + 2;
                }
                h[i0] = s0 + d0[len - 1];
            } else {
                for (k, &dk) in d0[..len].iter().enumerate() {
                    s0 += dk;
                    h[i0] = s0;
                    i0 += a + k + 1;
                }
            }
            add_row(above, n, a, &d0[..len]);
            if pair {
                add_row(above, n, a + 1, &d1[..len - 1]);
            }
            a += 2;
        }
        // v[b] = Σ_{a <= b} d[a][b+1] = above[b+1][b+1], the same sum.
        v.clear();
        v.extend((0..m).map(|b| above[row(n, b)]));
        self.n = n;
    }

    pub fn len(&self) -> usize {
        self.n
    }

    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// The best split of `x[s..e)`, `e - s >= 2`.
    pub fn candidate(&self, s: usize, e: usize) -> Candidate {
        SCRATCH.with(|scratch| self.candidate_in(s, e, &mut scratch.borrow_mut()))
    }

    fn candidate_in(&self, s: usize, e: usize, scratch: &mut Scratch) -> Candidate {
        debug_assert!(s + 2 <= e && e <= self.n);
        let n = self.n;
        let m = e - 1 - s;
        let Scratch { cum_v, below } = scratch;
        for buffer in [&mut *cum_v, &mut *below] {
            buffer.clear();
            buffer.resize(m, 0.0);
        }
        // Column sums of the distances to τ from before the run, taken off
        // the whole-window column sums.
        let mut running = 0.0;
        for (i, slot) in cum_v.iter_mut().enumerate() {
            let before = if s == 0 {
                0.0
            } else {
                self.above[row(n, s - 1) + 1 + i]
            };
            let vi = self.v[s + i] - before;
            running = if i == 0 { vi } else { running + vi };
            *slot = running;
        }
        // NumPy's argmax over Otava's m × m matrix, scanned row-major: the
        // first NaN, else the first maximum. The cells are computed by
        // column here, so the winner is the NaN, else the maximum, with
        // the smallest (row, column); the value kept is the winner's.
        // (row, column, value) of the best so far; a NaN's position.
        let mut best = (usize::MAX, usize::MAX, f64::NEG_INFINITY);
        let mut nan = (usize::MAX, usize::MAX);
        let mut consider = |i: usize, j: usize, value: f64| {
            if value > best.2 || (value == best.2 && (i, j) < (best.0, best.1)) {
                best = (i, j, value);
            } else if value.is_nan() && (i, j) < nan {
                nan = (i, j);
            }
        };
        // Left of the diagonal the matrix holds 0, except that the second
        // column there is 0·cum_v[i-1]: NaN when that sum overflowed.
        for i in 1..m {
            consider(i, 0, 0.0);
            if i >= 2 && !cum_v[i - 1].is_finite() {
                consider(i, 1, f64::NAN);
            }
        }
        let coefficients = coefficients(m);
        for j in 0..m {
            // col[r] = h[s+r][s+j], column s+j's rows s..=s+j.
            let col = &self.h[triangle(s + j) + s..][..=j];
            // below[i] = Σ_{r=i+1..=j} col[r], added from r = j down.
            let mut acc = 0.0;
            for i in (0..j).rev() {
                acc = if i + 1 == j { col[j] } else { acc + col[i + 1] };
                below[i] = acc;
            }
            let kappa = (j + 2) as f64;
            let a_coef = 2.0 / kappa;
            let row = &coefficients[j * (j + 1) / 2..][..=j];
            let (cv, bl) = (&cum_v[..j], &below[..j]);
            // i = 0: no before-sum term; a c term unless j = 0.
            let mut ch = col[0];
            let a = a_coef * (ch - 0.0);
            let c = if j > 0 { row[0][1] * bl[0] } else { 0.0 };
            consider(0, j, a - 0.0 - c);
            // 0 < i < j: all three terms.
            for i in 1..j {
                ch += col[i];
                let a = a_coef * (ch - cv[i - 1]);
                let [b_coef, c_coef] = row[i];
                consider(i, j, a - b_coef * cv[i - 1] - c_coef * bl[i]);
            }
            // i = j > 0: no c term.
            if j > 0 {
                ch += col[j];
                let a = a_coef * (ch - cv[j - 1]);
                consider(j, j, a - row[j][0] * cv[j - 1] - 0.0);
            }
        }
        let best = if nan.0 != usize::MAX {
            (nan.0, f64::NAN)
        } else if best.0 != usize::MAX {
            (best.0, best.2)
        } else {
            // No cell at all (never: a run has at least one).
            (0, f64::NEG_INFINITY)
        };
        Candidate {
            index: s + best.0 + 1,
            qhat: best.1,
        }
    }
}

/// `out[k] = |x[a] - x[a+1+k]|`.
fn distances_from(x: &[f64], a: usize, out: &mut [f64]) {
    let xa = x[a];
    for (slot, &xc) in out.iter_mut().zip(&x[a + 1..]) {
        *slot = (xa - xc).abs();
    }
}

/// Row `a` of `above` (Σ over the rows before `a` of each column, plus this
/// row's distances `d`): row `a-1`'s sums of the same columns plus `d`.
fn add_row(above: &mut [f64], n: usize, a: usize, d: &[f64]) {
    let start = row(n, a);
    if a == 0 {
        // 0 + d is d for every distance (never -0).
        above[start..start + d.len()].copy_from_slice(d);
        return;
    }
    let (before, here) = above.split_at_mut(start);
    // Row a-1 starts at column a; its column a+1 is its second value.
    let up = &before[row(n, a - 1) + 1..][..d.len()];
    for ((slot, &u), &dv) in here[..d.len()].iter_mut().zip(up).zip(d) {
        *slot = u + dv;
    }
}

/// Where column `b` of `h` starts: columns `0..b` hold `1, 2, …` values.
fn triangle(b: usize) -> usize {
    b * (b + 1) / 2
}

/// Where row `a` of the packed triangles of [`Distances`] starts: rows
/// `0..a` hold `n-1, n-2, …` values.
fn row(n: usize, a: usize) -> usize {
    a * (n - 1) - a * a.saturating_sub(1) / 2
}

/// The buffers of one [`Distances::candidate`] call, kept per thread.
#[derive(Default)]
struct Scratch {
    cum_v: Vec<f64>,
    below: Vec<f64>,
}

thread_local! {
    /// The distances of the window being divided, and room for two rows.
    static WINDOW: std::cell::RefCell<(Distances, Vec<f64>)> = Default::default();
    static SCRATCH: std::cell::RefCell<Scratch> = Default::default();
    /// The coefficients of [`coefficients`] computed so far on this thread.
    static COEFFICIENTS: std::cell::RefCell<std::rc::Rc<Vec<[f64; 2]>>> = Default::default();
}

/// For every cell `i <= j < m` (at `j(j+1)/2 + i`), the coefficients of the
/// within-sides sums: `2(j-i+1)/((j+2)i)` (for `i >= 1`) and
/// `2(i+1)/((j+2)(j-i))` (for `j > i`), each computed as the statistic
/// needs it (0 where undefined). They depend on the cell only, so they are
/// kept per thread and extended for larger runs.
fn coefficients(m: usize) -> std::rc::Rc<Vec<[f64; 2]>> {
    COEFFICIENTS.with(|cell| {
        let mut table = cell.borrow_mut();
        let have = ((8 * table.len() + 1).isqrt() - 1) / 2;
        if have < m {
            let grown = std::rc::Rc::make_mut(&mut table);
            for j in have..m {
                for i in 0..=j {
                    let b = if i == 0 {
                        0.0
                    } else {
                        (2 * (j - i + 1)) as f64 / ((j + 2) * i) as f64
                    };
                    let c = if j > i {
                        (2 * (i + 1)) as f64 / ((j + 2) * (j - i)) as f64
                    } else {
                        0.0
                    };
                    grown.push([b, c]);
                }
            }
        }
        std::rc::Rc::clone(&table)
    })
}

/// Python's `max(items, key=…)`: the first item, replaced by a later one
/// only when its key is strictly greater (so a leading NaN stays).
pub fn first_max_by<T>(items: impl IntoIterator<Item = T>, key: impl Fn(&T) -> f64) -> Option<T> {
    let mut best: Option<(T, f64)> = None;
    for item in items {
        let k = key(&item);
        // Replaced only when strictly greater: NaN never replaces, and a
        // leading NaN is never replaced.
        let replace = match &best {
            None => true,
            Some((_, bk)) => k.partial_cmp(bk) == Some(std::cmp::Ordering::Greater),
        };
        if replace {
            best = Some((item, k));
        }
    }
    best.map(|(item, _)| item)
}

/// Python's `min(items, key=…)`, as [`first_max_by`].
pub fn first_min_by<T>(items: impl IntoIterator<Item = T>, key: impl Fn(&T) -> f64) -> Option<T> {
    first_max_by(items, |item| -key(item))
}

/// Divisive search inside one window: split the run with the best
/// candidate while `significant(before, after)` accepts the split, and
/// return the accepted split indices (relative to `x`), sorted.
pub fn divide(x: &[f64], significant: impl Fn(&[f64], &[f64]) -> bool) -> Vec<usize> {
    WINDOW.with(|window| {
        let (distances, d) = &mut *window.borrow_mut();
        distances.fill(x, d);
        divide_in(x, distances, significant)
    })
}

fn divide_in(
    x: &[f64],
    distances: &Distances,
    significant: impl Fn(&[f64], &[f64]) -> bool,
) -> Vec<usize> {
    let candidate = |s: usize, e: usize| (e - s > 1).then(|| distances.candidate(s, e));
    let mut runs = vec![(0, x.len(), candidate(0, x.len()))];
    let mut splits = Vec::new();
    loop {
        let best = first_max_by(
            runs.iter()
                .enumerate()
                .filter_map(|(k, run)| run.2.map(|c| (k, c))),
            |(_, c)| c.qhat,
        );
        let Some((k, c)) = best else { break };
        let (s, e, _) = runs[k];
        if !significant(&x[s..c.index], &x[c.index..e]) {
            break;
        }
        let at = splits.partition_point(|&i| i < c.index);
        splits.insert(at, c.index);
        runs.splice(
            k..=k,
            [
                (s, c.index, candidate(s, c.index)),
                (c.index, e, candidate(c.index, e)),
            ],
        );
    }
    splits
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The statistic straight from its definition, for a check.
    fn q_direct(x: &[f64], s: usize, tau: usize, kappa: usize) -> f64 {
        let (xs, ys) = (&x[s..tau], &x[tau..kappa]);
        let (n, m) = (xs.len() as f64, ys.len() as f64);
        let cross: f64 = xs
            .iter()
            .map(|a| ys.iter().map(|b| (a - b).abs()).sum::<f64>())
            .sum();
        let within = |v: &[f64]| {
            let mut sum = 0.0;
            for i in 0..v.len() {
                for k in i + 1..v.len() {
                    sum += (v[i] - v[k]).abs();
                }
            }
            sum
        };
        let mut q = 2.0 / (m + n) * cross;
        if n > 1.0 {
            q -= 2.0 * m / ((m + n) * (n - 1.0)) * within(xs);
        }
        if m > 1.0 {
            q -= 2.0 * n / ((m + n) * (m - 1.0)) * within(ys);
        }
        q
    }

    #[test]
    fn candidate_maximises_the_definition() {
        let x = [1.0, 1.2, 0.9, 1.1, 5.0, 5.2, 4.9, 5.1, 5.3, 1.0, 0.8];
        let distances = Distances::new(&x);
        for (s, e) in [(0, x.len()), (2, 9), (4, 11), (0, 2)] {
            let c = distances.candidate(s, e);
            let mut best = (0, f64::NEG_INFINITY);
            for tau in s + 1..e {
                for kappa in tau + 1..=e {
                    let q = q_direct(&x, s, tau, kappa);
                    if q > best.1 + 1e-9 {
                        best = (tau, q);
                    }
                }
            }
            assert_eq!(c.index, best.0, "run {s}..{e}");
            assert!(
                (c.qhat - best.1).abs() < 1e-9,
                "run {s}..{e}: {} vs {}",
                c.qhat,
                best.1
            );
        }
    }

    #[test]
    fn divide_finds_both_steps() {
        let mut x = vec![10.0; 12];
        x.extend([20.0; 12]);
        x.extend([10.0; 12]);
        for (i, v) in x.iter_mut().enumerate() {
            *v += (i % 3) as f64 * 0.1;
        }
        let splits = divide(&x, |a, b| super::super::ttest::compare(a, b).pvalue <= 0.01);
        assert_eq!(splits, vec![12, 24]);
    }

    #[test]
    fn python_max_and_min_semantics() {
        assert_eq!(
            first_max_by([1.0, 3.0, 3.0, 2.0].iter().enumerate(), |p| *p.1)
                .unwrap()
                .0,
            1
        );
        assert_eq!(
            first_max_by([f64::NAN, 3.0].iter().enumerate(), |p| *p.1)
                .unwrap()
                .0,
            0
        );
        assert_eq!(
            first_max_by([1.0, f64::NAN, 3.0].iter().enumerate(), |p| *p.1)
                .unwrap()
                .0,
            2
        );
        assert_eq!(
            first_min_by([2.0, 1.0, 1.0].iter().enumerate(), |p| *p.1)
                .unwrap()
                .0,
            1
        );
        assert!(first_max_by(Vec::<f64>::new(), |v| *v).is_none());
    }
}
