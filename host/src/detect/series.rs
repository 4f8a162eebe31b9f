//! Series from builds: one check over the builds, split by a fingerprint
//! of metadata keys, each build's noise taken from its samples or its
//! `.stddev` check.
//!
//! Every numeric check is a series except `.stddev` checks, which describe
//! the noise of their `.mean` (`--check GLOB` narrows the names). A build
//! whose value is NaN or infinite is left out of that series, with a
//! warning naming the build and the check. Noise of a `.mean`: its stored
//! samples when there are at least two, else its `.stddev` check (percent
//! of the mean) as the spread of one run, the number of runs taken as 1
//! (the most cautious choice when the count is unknown).

use std::collections::{BTreeMap, HashMap};

use super::direction::Better;
use super::runperf::{Build, Noise, SeriesInput};
use crate::results::{Check, Metadata};

/// One build as the series need it (borrowed from a stored build or a
/// tree), in build order.
pub struct BuildView<'a> {
    pub id: &'a str,
    pub metadata: &'a Metadata,
    pub checks: &'a [Check],
    /// Per-sample values by position in `checks`.
    pub samples: &'a [(usize, Vec<f64>)],
}

/// The identity of a series.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SeriesKey {
    /// `key=value` of each `--series-by` key, joined by `,` (a missing key
    /// has an empty value).
    pub fingerprint: String,
    pub check: String,
}

/// One series ready for the engine.
#[derive(Clone, Debug)]
pub struct SeriesData {
    pub key: SeriesKey,
    /// Positions of its builds in the build list, in order.
    pub builds: Vec<usize>,
    pub input: SeriesInput,
}

/// All series of a detection (sorted by fingerprint, then check) and the
/// warnings about values left out.
#[derive(Debug, Default)]
pub struct Assembly {
    pub series: Vec<SeriesData>,
    pub warnings: Vec<String>,
}

/// The fingerprint of `metadata` for the keys `series_by`.
pub fn fingerprint(metadata: &Metadata, series_by: &[String]) -> String {
    series_by
        .iter()
        .map(|key| format!("{key}={}", metadata.get(key).unwrap_or("").trim()))
        .collect::<Vec<_>>()
        .join(",")
}

/// Gathers series one build at a time, so that a caller can drop each
/// build once it is added (a history of hundreds of builds need not be
/// held at once).
pub struct Assembler<'k, F> {
    series_by: &'k [String],
    wanted: F,
    /// Series by fingerprint, then check: the order of [`SeriesKey`].
    map: BTreeMap<String, BTreeMap<String, SeriesData>>,
    warnings: Vec<String>,
    /// Position of the next build.
    position: usize,
}

impl<'k, F: Fn(&str) -> bool> Assembler<'k, F> {
    pub fn new(series_by: &'k [String], wanted: F) -> Self {
        Self {
            series_by,
            wanted,
            map: BTreeMap::new(),
            warnings: Vec::new(),
            position: 0,
        }
    }

    /// Adds the next build in order.
    pub fn add(&mut self, build: &BuildView) {
        let position = self.position;
        self.position += 1;
        let print = fingerprint(build.metadata, self.series_by);
        let samples: HashMap<usize, &Vec<f64>> =
            build.samples.iter().map(|(i, v)| (*i, v)).collect();
        let stddev: HashMap<&str, f64> = build
            .checks
            .iter()
            .filter_map(|c| Some((c.name.strip_suffix(".stddev")?, c.value.as_f64()?)))
            .collect();
        let by_check = self.map.entry(print).or_default();
        for (i, check) in build.checks.iter().enumerate() {
            if check.name.ends_with(".stddev") || !(self.wanted)(&check.name) {
                continue;
            }
            let Some(value) = check.value.as_f64() else {
                continue;
            };
            if !value.is_finite() {
                self.warnings.push(format!(
                    "build {}, check {}: value {value} left out",
                    build.id, check.name
                ));
                continue;
            }
            let noise = match (
                samples.get(&i),
                check
                    .name
                    .strip_suffix(".mean")
                    .and_then(|base| stddev.get(base)),
            ) {
                (Some(s), _) if s.len() >= 2 && s.iter().all(|v| v.is_finite()) => {
                    Noise::Samples((*s).clone())
                }
                (_, Some(&pct)) if pct.is_finite() && pct >= 0.0 => Noise::Stddev {
                    stddev: pct / 100.0 * value.abs(),
                    runs: 1,
                },
                _ => Noise::Unknown,
            };
            let entry = match by_check.get_mut(check.name.as_str()) {
                Some(entry) => entry,
                None => by_check
                    .entry(check.name.clone())
                    .or_insert_with(|| SeriesData {
                        key: SeriesKey {
                            fingerprint: String::new(),
                            check: check.name.clone(),
                        },
                        builds: Vec::new(),
                        input: SeriesInput {
                            builds: Vec::new(),
                            better: Better::of_check(&check.name),
                        },
                    }),
            };
            if entry.builds.last() == Some(&position) {
                continue; // the same check twice in one build: the first counts
            }
            entry.builds.push(position);
            entry.input.builds.push(Build { value, noise });
        }
    }

    /// The series (sorted by fingerprint, then check) and the warnings.
    pub fn finish(self) -> Assembly {
        let series = self
            .map
            .into_iter()
            .flat_map(|(print, by_check)| {
                by_check.into_values().map(move |mut data| {
                    data.key.fingerprint = print.clone();
                    data
                })
            })
            .collect();
        Assembly {
            series,
            warnings: self.warnings,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::sync::Arc;

    use super::*;
    use crate::results::CheckValue;

    fn check(name: &str, value: CheckValue) -> Check {
        Check {
            name: name.to_string(),
            value,
            primary: true,
            params: Arc::new(Vec::new()),
        }
    }

    /// The series of `builds` whose check names `wanted` accepts.
    fn assemble(
        builds: &[BuildView],
        series_by: &[String],
        wanted: impl Fn(&str) -> bool,
    ) -> Assembly {
        let mut assembler = Assembler::new(series_by, wanted);
        for build in builds {
            assembler.add(build);
        }
        assembler.finish()
    }

    #[test]
    fn series_by_machine_with_noise_and_bad_values() {
        let m1 = Metadata::parse("machine:a\nbuild:1", Path::new("t1"));
        let m2 = Metadata::parse("machine:b\nbuild:2", Path::new("t2"));
        let c1 = vec![
            check("x/throughput/iops.mean", CheckValue::Float(100.0)),
            check("x/throughput/iops.stddev", CheckValue::Float(2.0)),
            check("x/latency/clat.mean", CheckValue::Int(5)),
        ];
        let c2 = vec![
            check("x/throughput/iops.mean", CheckValue::Float(f64::NAN)),
            check("x/latency/clat.mean", CheckValue::Float(6.0)),
            check("x/ERROR.error", CheckValue::Text("boom".into())),
        ];
        let s1 = vec![(2, vec![5.0, 5.0, 5.0])];
        let builds = [
            BuildView {
                id: "1",
                metadata: &m1,
                checks: &c1,
                samples: &s1,
            },
            BuildView {
                id: "2",
                metadata: &m2,
                checks: &c2,
                samples: &[],
            },
        ];
        let a = assemble(&builds, &["machine".to_string()], |_| true);
        let keys: Vec<String> = a
            .series
            .iter()
            .map(|s| format!("{}|{}", s.key.fingerprint, s.key.check))
            .collect();
        assert_eq!(
            keys,
            [
                "machine=a|x/latency/clat.mean",
                "machine=a|x/throughput/iops.mean",
                "machine=b|x/latency/clat.mean"
            ]
        );
        assert_eq!(
            a.series[1].input.builds[0].noise,
            Noise::Stddev {
                stddev: 2.0,
                runs: 1
            }
        );
        assert_eq!(
            a.series[0].input.builds[0].noise,
            Noise::Samples(vec![5.0, 5.0, 5.0])
        );
        assert_eq!(a.series[0].input.better, Better::Lower);
        assert_eq!(
            a.warnings,
            ["build 2, check x/throughput/iops.mean: value NaN left out"]
        );
        let none = assemble(&builds, &[], |name| name.contains("latency"));
        assert_eq!(none.series.len(), 1);
        assert_eq!(none.series[0].builds, vec![0, 1]);
    }
}
