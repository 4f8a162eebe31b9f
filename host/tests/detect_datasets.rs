//! Public datasets with known change points (tests/fixtures/detect, see its
//! README): `--algorithm otava` gives apache-otava 0.8.0's recorded change
//! points, and `--algorithm runperf` finds the known changes (a step within
//! 3 builds, an outlier at its build) and nothing on a series without one.

use std::path::{Path, PathBuf};

use runperf::detect::direction::Better;
use runperf::detect::engine::{Algorithm, detect};
use runperf::detect::otava::{OtavaParams, compute_change_points};
use runperf::detect::runperf::{Class, RunperfParams, SeriesInput};
use serde_json::Value;

const TOLERANCE: usize = 3;

fn fixtures() -> Vec<(PathBuf, Value)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/detect");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    assert!(paths.len() >= 6, "fixtures missing in {}", dir.display());
    paths
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            let value =
                serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            (p, value)
        })
        .collect()
}

fn numbers(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

fn indices(v: &Value) -> Vec<usize> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap() as usize)
        .collect()
}

#[test]
fn otava_mode_gives_apache_otavas_recorded_change_points() {
    let mut compared = 0;
    for (path, fixture) in fixtures() {
        let values = numbers(&fixture["values"]);
        let recorded = fixture["apache_otava"].as_array().unwrap();
        assert!(!recorded.is_empty(), "{}: nothing recorded", path.display());
        for run in recorded {
            let params = OtavaParams {
                window: run["window"].as_u64().unwrap() as usize,
                max_pvalue: run["max_pvalue"].as_f64().unwrap(),
                min_magnitude: run["min_magnitude"].as_f64().unwrap(),
            };
            let ours = compute_change_points(&values, &params).change_points;
            let got: Vec<usize> = ours.iter().map(|c| c.index).collect();
            assert_eq!(
                got,
                indices(&run["indices"]),
                "{} {params:?}",
                path.display()
            );
            for (c, want) in ours.iter().zip(numbers(&run["pvalues"])) {
                let rel = (c.stats.pvalue - want).abs() / want.abs().max(f64::MIN_POSITIVE);
                assert!(
                    rel <= 1e-9,
                    "{} {params:?} index {}: p {} vs {want}",
                    path.display(),
                    c.index,
                    c.stats.pvalue
                );
            }
            compared += 1;
        }
    }
    assert!(compared >= 18, "{compared}");
}

#[test]
fn runperf_mode_finds_the_known_changes_and_nothing_on_null_series() {
    let algorithm = Algorithm::Runperf(RunperfParams::default());
    let mut checked = 0;
    for (path, fixture) in fixtures() {
        let known = &fixture["known"];
        if known.is_null() {
            continue;
        }
        let values = numbers(&fixture["values"]);
        let input = SeriesInput::without_noise(&values, Better::Higher);
        let result = detect(&[input], &algorithm).remove(0);
        assert_eq!(result.skipped, None, "{}", path.display());
        let changes = &result.changes;
        for at in indices(&known["outliers"]) {
            assert!(
                changes
                    .iter()
                    .any(|c| c.class == Class::Outlier && c.index == at),
                "{}: outlier {at} not found in {changes:?}",
                path.display()
            );
        }
        let steps = indices(&known["steps"]);
        for &at in &steps {
            assert!(
                changes
                    .iter()
                    .any(|c| c.class == Class::Step && c.index.abs_diff(at) <= TOLERANCE),
                "{}: step {at} not found in {changes:?}",
                path.display()
            );
        }
        if steps.is_empty() && indices(&known["outliers"]).is_empty() {
            assert!(changes.is_empty(), "{}: {changes:?}", path.display());
        }
        checked += 1;
    }
    assert!(checked >= 6, "{checked}");
}
