//! Runs the detection engine on series given as JSON and prints what it
//! finds: the runner of bench/detect_quality.py and tests/differential/
//! detect_datasets.py.
//!
//! Input on stdin:
//!
//! ```text
//! {"algorithm": "runperf" | "otava",
//!  "min_segment": 3, "fdr": 0.05, "min_effect": 1.0,      // runperf, optional
//!  "window": 50, "max_pvalue": 0.001, "min_magnitude": 0, // otava, optional
//!  "series": [{"values": [..], "samples": [[..], ..] | null, "better": "higher" | "lower"}, ..]}
//! ```
//!
//! `samples`, when given, holds the runs behind each value (one list per
//! build). All series are one detection (one false discovery rate). Output
//! on stdout: `{"seconds": S, "results": [[{"class", "index", "last_good",
//! "first_bad", "pvalue", "qvalue"}, ..] | {"skipped": {"builds", "needed"}}, ..]}`, where `S`
//! is the time of the engine call alone.

use std::io::Read;
use std::time::Instant;

use runperf::detect::direction::Better;
use runperf::detect::engine::{Algorithm, detect, validate};
use runperf::detect::otava::OtavaParams;
use runperf::detect::runperf::{Build, Noise, RunperfParams, SeriesInput, Skipped};
use serde_json::{Value, json};

fn number(v: f64) -> Value {
    if v.is_finite() {
        json!(v)
    } else {
        json!(v.to_string().to_lowercase())
    }
}

fn floats(v: &Value, what: &str) -> Result<Vec<f64>, String> {
    v.as_array()
        .ok_or(format!("{what}: a list of numbers"))?
        .iter()
        .map(|x| x.as_f64().ok_or(format!("{what}: numbers only")))
        .collect()
}

fn algorithm(input: &Value) -> Result<Algorithm, String> {
    let num = |key: &str, default: f64| input.get(key).and_then(Value::as_f64).unwrap_or(default);
    let algorithm = match input["algorithm"].as_str() {
        Some("runperf") => {
            let d = RunperfParams::default();
            Algorithm::Runperf(RunperfParams {
                min_segment: num("min_segment", d.min_segment as f64) as usize,
                fdr: num("fdr", d.fdr),
                min_effect: num("min_effect", d.min_effect),
            })
        }
        Some("otava") => {
            let d = OtavaParams::default();
            Algorithm::Otava(OtavaParams {
                window: num("window", d.window as f64) as usize,
                max_pvalue: num("max_pvalue", d.max_pvalue),
                min_magnitude: num("min_magnitude", d.min_magnitude),
            })
        }
        _ => return Err("algorithm: \"runperf\" or \"otava\"".into()),
    };
    validate(&algorithm)?;
    Ok(algorithm)
}

fn series(item: &Value) -> Result<SeriesInput, String> {
    let values = floats(&item["values"], "values")?;
    let samples = match &item["samples"] {
        Value::Null => None,
        s => Some(
            s.as_array()
                .ok_or("samples: a list of lists of numbers")?
                .iter()
                .map(|x| floats(x, "samples"))
                .collect::<Result<Vec<_>, _>>()?,
        ),
    };
    if samples.as_ref().is_some_and(|s| s.len() != values.len()) {
        return Err("samples: one list per value".into());
    }
    let better = match item["better"].as_str() {
        None | Some("higher") => Better::Higher,
        Some("lower") => Better::Lower,
        Some(other) => return Err(format!("better: \"higher\" or \"lower\", not {other:?}")),
    };
    let builds = values
        .iter()
        .enumerate()
        .map(|(i, &value)| Build {
            value,
            noise: match &samples {
                Some(s) => Noise::Samples(s[i].clone()),
                None => Noise::Unknown,
            },
        })
        .collect();
    Ok(SeriesInput { builds, better })
}

fn main() -> Result<(), String> {
    let mut text = String::new();
    std::io::stdin()
        .read_to_string(&mut text)
        .map_err(|e| format!("stdin: {e}"))?;
    let input: Value = serde_json::from_str(&text).map_err(|e| format!("stdin: {e}"))?;
    let algorithm = algorithm(&input)?;
    let inputs = input["series"]
        .as_array()
        .ok_or("series: a list of objects")?
        .iter()
        .map(series)
        .collect::<Result<Vec<_>, _>>()?;
    let start = Instant::now();
    let results = detect(&inputs, &algorithm);
    let seconds = start.elapsed().as_secs_f64();
    let results: Vec<Value> = results
        .iter()
        .map(|r| match r.skipped {
            Some(Skipped::TooShort { builds, needed }) => {
                json!({"skipped": {"builds": builds, "needed": needed}})
            }
            None => r
                .changes
                .iter()
                .map(|c| {
                    json!({
                        "class": c.class.as_str(),
                        "index": c.index,
                        "last_good": c.last_good,
                        "first_bad": c.first_bad,
                        "pvalue": number(c.pvalue),
                        "qvalue": c.qvalue.map(number),
                    })
                })
                .collect(),
        })
        .collect();
    println!("{}", json!({"seconds": seconds, "results": results}));
    Ok(())
}
