//! The parse floor of the compare benchmark: read and parse every
//! `result.json` below the given directories with serde_json into
//! `IgnoredAny`, in parallel, and print the wall time. compare-perf cannot
//! beat this; `bench/compare_bench.sh` reports how close it gets.

use std::path::{Path, PathBuf};
use std::time::Instant;

use rayon::prelude::*;

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, out);
        } else if path.file_name().is_some_and(|n| n == "result.json") {
            out.push(path);
        }
    }
}

fn main() -> std::process::ExitCode {
    let start = Instant::now();
    let mut files = Vec::new();
    for dir in std::env::args().skip(1) {
        collect(Path::new(&dir), &mut files);
    }
    let failures: usize = files
        .par_iter()
        .map(|path| {
            let parsed = std::fs::read(path)
                .ok()
                .and_then(|bytes| serde_json::from_slice::<serde::de::IgnoredAny>(&bytes).ok());
            usize::from(parsed.is_none())
        })
        .sum();
    println!(
        "parsed {} files ({failures} failed) in {:.3}s",
        files.len(),
        start.elapsed().as_secs_f64()
    );
    std::process::ExitCode::SUCCESS
}
