//! `--html-with-charts`: per category of checks (all means, all stddevs,
//! then means merged per profile, per test suite and per test), the count
//! of results by status in each build and the spread (min, quartiles,
//! median, max) of the scores of gains, equals and losses.

use std::collections::BTreeMap;

use serde::Serialize;

use super::svg::{self, Series, Svg};
use crate::compare::{ALL_BUT_PROFILE, Build, Comparison, Status, merged_name};
use crate::numpy::{median, percentile};

/// One category: its counts and its spread.
#[derive(Debug, Serialize)]
pub struct Chart {
    /// Category (merged check name or "all").
    pub name: String,
    /// Count of results by status per build.
    pub counts: Svg,
    /// Spread of scores per build.
    pub spread: Svg,
}

/// A titled group of charts.
#[derive(Debug, Serialize)]
pub struct ChartSection {
    /// Section title.
    pub title: String,
    /// Its charts.
    pub charts: Vec<Chart>,
}

/// Scores of one category in one build, by status.
#[derive(Default)]
struct Bins {
    by_status: [Vec<f64>; 6],
}

const ORDER: [(Status, &str, &str); 6] = [
    (Status::FailGain, "gain", "gains"),
    (Status::MinorGain, "minor-gain", "minor gains"),
    (Status::Pass, "equal", "equals"),
    (Status::MinorLoss, "minor-loss", "minor losses"),
    (Status::FailLoss, "loss", "losses"),
    (Status::Error, "error", "errors"),
];

impl Bins {
    fn add(&mut self, status: Status, score: f64) {
        if let Some(i) = ORDER.iter().position(|(s, _, _)| *s == status) {
            self.by_status[i].push(score);
        }
    }
}

fn five(values: &[f64]) -> Option<[f64; 5]> {
    if values.is_empty() {
        return None;
    }
    let min = values.iter().copied().fold(f64::INFINITY, f64::min);
    let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    Some([
        min,
        percentile(values, 25.0),
        median(values),
        percentile(values, 75.0),
        max,
    ])
}

fn chart(name: String, labels: &[String], bins: &[Bins]) -> Chart {
    let counts: Vec<Series<usize>> = ORDER
        .iter()
        .enumerate()
        .map(|(i, (_, key, label))| Series {
            key,
            name: label,
            values: bins.iter().map(|b| b.by_status[i].len()).collect(),
        })
        .collect();
    let equals = |b: &Bins| [b.by_status[1].as_slice(), &b.by_status[2], &b.by_status[3]].concat();
    let spread = [
        Series {
            key: "gain",
            name: "gains",
            values: bins.iter().map(|b| five(&b.by_status[0])).collect(),
        },
        Series {
            key: "equal",
            name: "equals",
            values: bins.iter().map(|b| five(&equals(b))).collect(),
        },
        Series {
            key: "loss",
            name: "losses",
            values: bins.iter().map(|b| five(&b.by_status[4])).collect(),
        },
    ];
    Chart {
        name,
        counts: svg::stacked_bars(labels, &counts),
        spread: svg::box_plot(labels, &spread),
    }
}

/// Charts of categories named by `category` (None skips the record).
fn section(
    title: &str,
    builds: &[Build],
    labels: &[String],
    category: impl Fn(&crate::compare::Record) -> Option<String>,
) -> ChartSection {
    let mut per_name: BTreeMap<String, Vec<Bins>> = BTreeMap::new();
    for (i, build) in builds.iter().enumerate() {
        for record in build.records.iter().filter(|r| r.primary) {
            let Some(name) = category(record) else {
                continue;
            };
            let bins = per_name
                .entry(name)
                .or_insert_with(|| builds.iter().map(|_| Bins::default()).collect());
            let (status, score) = record.verdict();
            bins[i].add(status, score);
        }
    }
    ChartSection {
        title: title.into(),
        charts: per_name
            .into_iter()
            .map(|(name, bins)| chart(name, labels, &bins))
            .collect(),
    }
}

/// All chart sections of `comparison`.
pub fn sections(comparison: &Comparison) -> Vec<ChartSection> {
    let builds = &comparison.builds;
    let labels: Vec<String> = builds
        .iter()
        .map(|b| {
            b.metadata
                .get("build")
                .map(str::trim)
                .unwrap_or(&b.name)
                .to_string()
        })
        .collect();
    let means = |r: &crate::compare::Record| (!r.is_stddev()).then_some(());
    let merged = |merge: &'static [&'static str]| {
        move |r: &crate::compare::Record| means(r).map(|_| merged_name(&r.name, merge))
    };
    vec![
        section("All means", builds, &labels, |r| {
            means(r).map(|_| "all means".into())
        }),
        section("All stddevs", builds, &labels, |r| {
            r.is_stddev().then(|| "all stddevs".into())
        }),
        section(
            "Same profile means",
            builds,
            &labels,
            merged(ALL_BUT_PROFILE),
        ),
        section(
            "Same test suite means",
            builds,
            &labels,
            merged(&[
                "serial",
                "iteration_name",
                "iteration_name_extra",
                "workflow",
            ]),
        ),
        section(
            "Same test (different params)",
            builds,
            &labels,
            merged(&["iteration_name_extra"]),
        ),
    ]
}
