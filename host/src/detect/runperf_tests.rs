//! Synthetic series for the default engine: each test checks one promise.

use super::*;

/// Deterministic normal noise (LCG + Box-Muller).
struct Noisy(u64);

impl Noisy {
    fn uniform(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }

    fn normal(&mut self) -> f64 {
        let (u, v) = (self.uniform(), self.uniform());
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    }

    /// `levels` as (builds, level), relative noise `sigma` between builds.
    fn series(&mut self, levels: &[(usize, f64)], sigma: f64) -> Vec<f64> {
        let mut x = Vec::new();
        for &(n, level) in levels {
            for _ in 0..n {
                x.push(level * (1.0 + sigma * self.normal()));
            }
        }
        x
    }
}

fn input(values: &[f64], better: Better) -> SeriesInput {
    SeriesInput::without_noise(values, better)
}

fn one(values: &[f64]) -> SeriesResult {
    detect(&[input(values, Better::Higher)], &RunperfParams::default()).remove(0)
}

#[test]
fn a_step_is_found_with_its_effect() {
    let x = Noisy(1).series(&[(40, 1000.0), (40, 950.0)], 0.01);
    let result = one(&x);
    assert_eq!(result.changes.len(), 1, "{:?}", result.changes);
    let c = &result.changes[0];
    assert_eq!(c.class, Class::Step);
    assert_eq!((c.last_good, c.first_bad, c.index), (Some(39), 40, 40));
    assert_eq!(c.direction, Direction::Regression);
    assert!((c.change_pct + 5.0).abs() < 1.0, "{}", c.change_pct);
    // 5% over 1% noise: about -5 noise units.
    assert!(c.effect < -3.0 && c.effect > -7.0, "{}", c.effect);
    assert!(c.pvalue < 1e-10 && c.qvalue.unwrap() <= 0.05);
}

#[test]
fn within_build_noise_hides_a_shift_smaller_than_it() {
    // 2% shift, builds steady to 0.2%, but each build's 5 runs scatter 5%.
    let x = Noisy(2).series(&[(30, 100.0), (30, 102.0)], 0.002);
    assert_eq!(
        one(&x).changes.len(),
        1,
        "visible without the builds' noise"
    );
    let mut s = input(&x, Better::Higher);
    for b in &mut s.builds {
        b.noise = Noise::Stddev {
            stddev: b.value * 0.05,
            runs: 5,
        };
    }
    let result = detect(&[s.clone()], &RunperfParams::default()).remove(0);
    assert!(result.changes.is_empty(), "{:?}", result.changes);
    // The same through samples.
    let mut rng = Noisy(3);
    for b in &mut s.builds {
        let v = b.value;
        b.noise = Noise::Samples((0..5).map(|_| v * (1.0 + 0.05 * rng.normal())).collect());
    }
    assert!(
        detect(&[s], &RunperfParams::default())[0]
            .changes
            .is_empty()
    );
}

#[test]
fn a_single_build_is_an_outlier_not_two_steps() {
    let mut x = Noisy(4).series(&[(50, 500.0)], 0.01);
    x[20] = 650.0;
    let result = one(&x);
    assert_eq!(result.changes.len(), 1, "{:?}", result.changes);
    let c = &result.changes[0];
    assert_eq!((c.class, c.index), (Class::Outlier, 20));
    assert_eq!(c.direction, Direction::Improvement);
    // latency: up is a loss
    let lat = detect(&[input(&x, Better::Lower)], &RunperfParams::default()).remove(0);
    assert_eq!(lat.changes[0].direction, Direction::Regression);
}

#[test]
fn a_deviating_last_build_is_an_outlier() {
    let mut x = Noisy(5).series(&[(30, 500.0)], 0.01);
    *x.last_mut().unwrap() = 400.0;
    let result = one(&x);
    assert_eq!(result.changes.len(), 1, "{:?}", result.changes);
    assert_eq!(
        (result.changes[0].class, result.changes[0].index),
        (Class::Outlier, 29)
    );
    assert_eq!(result.changes[0].direction, Direction::Regression);
}

#[test]
fn false_alarms_stay_bounded_over_many_null_series() {
    let mut rng = Noisy(6);
    let mut series: Vec<SeriesInput> = (0..400)
        .map(|_| input(&rng.series(&[(60, 100.0)], 0.02), Better::Higher))
        .collect();
    let null = detect(&series, &RunperfParams::default());
    let alarms: usize = null.iter().map(|r| r.changes.len()).sum();
    assert!(alarms <= 2, "{alarms} false alarms over 400 null series");
    // A real change among them is still found.
    series.push(input(
        &rng.series(&[(30, 100.0), (30, 90.0)], 0.02),
        Better::Higher,
    ));
    let with = detect(&series, &RunperfParams::default());
    let last = &with.last().unwrap().changes;
    assert_eq!(last.len(), 1, "{last:?}");
    assert_eq!(last[0].first_bad, 30);
}

#[test]
fn output_is_the_same_for_any_thread_count() {
    let mut rng = Noisy(7);
    let series: Vec<SeriesInput> = (0..200)
        .map(|i| {
            let levels = [(25, 100.0), (25, 100.0 + (i % 7) as f64)];
            input(&rng.series(&levels, 0.01), Better::Higher)
        })
        .collect();
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        format!(
            "{:?}",
            pool.install(|| detect(&series, &RunperfParams::default()))
        )
    };
    let one_thread = run(1);
    assert!(one_thread.contains("Step"));
    assert_eq!(one_thread, run(4));
    assert_eq!(one_thread, run(3));
}

#[test]
fn a_gradual_change_gets_a_range() {
    let mut x = Noisy(8).series(&[(20, 100.0)], 0.005);
    x.extend([105.0, 110.0]);
    x.extend(Noisy(9).series(&[(20, 115.0)], 0.005));
    let result = one(&x);
    let steps: Vec<&Change> = result
        .changes
        .iter()
        .filter(|c| c.class == Class::Step)
        .collect();
    assert!(!steps.is_empty(), "{:?}", result.changes);
    let c = steps[0];
    let good = c.last_good.unwrap();
    assert!(
        good <= 20 && c.first_bad >= 21 && c.first_bad - good >= 2,
        "{good}..{}",
        c.first_bad
    );
}

#[test]
fn short_constant_and_bad_parameters() {
    let r = one(&[1.0, 2.0, 3.0, 4.0, 5.0]);
    assert_eq!(
        r.skipped,
        Some(Skipped::TooShort {
            builds: 5,
            needed: 6
        })
    );
    assert!(one(&[7.0; 40]).changes.is_empty());
    let jump = one(&[7.0, 7.0, 7.0, 7.0, 9.0, 9.0, 9.0, 9.0]);
    assert_eq!(jump.changes.len(), 1);
    assert_eq!(jump.changes[0].first_bad, 4);
    let bad = RunperfParams {
        min_segment: 1,
        ..RunperfParams::default()
    };
    assert!(validate(&bad).unwrap_err().contains("--min-segment"));
    let bad = RunperfParams {
        fdr: 0.0,
        ..RunperfParams::default()
    };
    assert!(validate(&bad).unwrap_err().contains("--fdr"));
    assert!(validate(&RunperfParams::default()).is_ok());
}
