//! Reads series as JSON on stdin and prints the change points of each as
//! JSON on stdout: the runner of tests/differential/otava_diff.py.
//!
//! Input: `{"window": 50, "max_pvalue": 0.001, "min_magnitude": 0.0,
//! "series": [[1.0, 2.0, ...], ...]}`. Output: one JSON list with, per
//! series, `{"weak": [CP...], "change_points": [CP...]}` where a CP is
//! `[index, pvalue, mean_before, mean_after, std_before, std_after]`
//! (non-finite numbers as the strings "nan", "inf", "-inf").

use std::io::Read;

use runperf::detect::otava::{ChangePoint, OtavaParams, compute_change_points};
use serde_json::{Value, json};

fn number(v: f64) -> Value {
    if v.is_finite() {
        json!(v)
    } else {
        json!(v.to_string().to_lowercase())
    }
}

fn points(points: &[ChangePoint]) -> Value {
    points
        .iter()
        .map(|c| {
            let s = c.stats;
            json!([
                c.index,
                number(s.pvalue),
                number(s.mean_before),
                number(s.mean_after),
                number(s.std_before),
                number(s.std_after)
            ])
        })
        .collect()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut text = String::new();
    std::io::stdin().read_to_string(&mut text)?;
    let input: Value = serde_json::from_str(&text)?;
    let params = OtavaParams {
        window: input["window"]
            .as_u64()
            .ok_or("window: a positive integer")? as usize,
        max_pvalue: input["max_pvalue"].as_f64().ok_or("max_pvalue: a number")?,
        min_magnitude: input["min_magnitude"]
            .as_f64()
            .ok_or("min_magnitude: a number")?,
    };
    if params.window < 2 {
        return Err("window must be at least 2".into());
    }
    let series = input["series"]
        .as_array()
        .ok_or("series: a list of lists of numbers")?;
    let mut out = Vec::with_capacity(series.len());
    for values in series {
        let values: Vec<f64> = values
            .as_array()
            .ok_or("series: a list of lists of numbers")?
            .iter()
            .map(|v| v.as_f64().ok_or("series: numbers only"))
            .collect::<Result<_, _>>()?;
        let result = compute_change_points(&values, &params);
        out.push(
            json!({"weak": points(&result.weak), "change_points": points(&result.change_points)}),
        );
    }
    println!("{}", Value::Array(out));
    Ok(())
}
