//! Speed of the detection engine: 2,600 series x 400 builds in both
//! modes, and one 365-value series in Otava mode with window 30.
//!
//!     cargo run --release -p runperf --example detect_bench
//!
//! Prints the wall time of each and the peak resident memory.

use std::time::Instant;

use runperf::detect::direction::Better;
use runperf::detect::engine::{Algorithm, detect};
use runperf::detect::otava::{OtavaParams, compute_change_points};
use runperf::detect::runperf::{Build, Noise, RunperfParams, SeriesInput};

fn main() {
    let mut seed = 42u64;
    let mut uniform = move || {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((seed >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    };
    let planted = |i: usize| i.is_multiple_of(5).then_some(200 + i % 150);
    let series: Vec<SeriesInput> = (0..2600)
        .map(|i| {
            let sigma = [0.005, 0.01, 0.02, 0.03][i % 4];
            let step_at = planted(i).unwrap_or(usize::MAX);
            let builds = (0..400)
                .map(|b| {
                    let level = if b >= step_at { 95.0 } else { 100.0 };
                    let (u, v) = (uniform(), uniform());
                    let normal = (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos();
                    let value = level * (1.0 + sigma * normal);
                    Build {
                        value,
                        noise: Noise::Stddev {
                            stddev: value * sigma,
                            runs: 3,
                        },
                    }
                })
                .collect();
            SeriesInput {
                builds,
                better: Better::Higher,
            }
        })
        .collect();
    for (name, algorithm) in [
        ("runperf", Algorithm::Runperf(RunperfParams::default())),
        ("otava", Algorithm::Otava(OtavaParams::default())),
    ] {
        let start = Instant::now();
        let results = detect(&series, &algorithm);
        let elapsed = start.elapsed().as_secs_f64();
        // A planted step is found when a change starts within 2 builds of it.
        let (mut found, mut others, mut null_alarmed) = (0, 0, 0);
        for (i, r) in results.iter().enumerate() {
            let near = |first_bad: usize| planted(i).is_some_and(|s| first_bad.abs_diff(s) <= 2);
            let hits = r.changes.iter().filter(|c| near(c.first_bad)).count();
            found += usize::from(hits > 0);
            others += r.changes.len() - hits.min(1);
            null_alarmed += usize::from(planted(i).is_none() && !r.changes.is_empty());
        }
        println!(
            "{name}: 2600 series x 400 builds in {elapsed:.3} s: {found}/520 planted steps found, \
             {others} other changes, {null_alarmed}/2080 null series with a change"
        );
    }
    let one: Vec<f64> = series[0].builds.iter().take(365).map(|b| b.value).collect();
    let params = OtavaParams {
        window: 30,
        ..OtavaParams::default()
    };
    let start = Instant::now();
    let runs = 200;
    for _ in 0..runs {
        std::hint::black_box(compute_change_points(std::hint::black_box(&one), &params));
    }
    println!(
        "otava: one 365-value series, window 30: {:.1} us",
        start.elapsed().as_secs_f64() / runs as f64 * 1e6
    );
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    if let Some(line) = status.lines().find(|l| l.starts_with("VmHWM")) {
        println!("peak memory: {}", line.trim_start_matches("VmHWM:").trim());
    }
}
