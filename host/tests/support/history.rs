//! `history-perf` as the tests run it, and the noise of their generated
//! histories.

use std::path::Path;
use std::process::Output;

use assert_cmd::Command;

/// `history-perf --store STORE ARGS…`, whatever `RUNPERF_HISTORY` says.
pub fn history(store: &Path, args: &[&str]) -> Output {
    Command::cargo_bin("history-perf")
        .unwrap()
        .arg("--store")
        .arg(store)
        .args(args)
        .env_remove("RUNPERF_HISTORY")
        .output()
        .unwrap()
}

/// Relative noise in ±1%, the same sequence for the same seed (a linear
/// congruential generator, so histories do not depend on a crate's RNG).
pub fn noise(mut seed: u64) -> impl FnMut() -> f64 {
    move || {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((seed >> 11) as f64 / (1u64 << 53) as f64 - 0.5) * 0.02
    }
}
