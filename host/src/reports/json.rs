//! Machine-readable report (`--json PATH`): every check of the target with
//! status, score, per-model breakdown, values and params; the schema is
//! documented in `docs/compare-json.md`.

use std::io::Write;

use serde_json::{Map, Value, json};

use super::Report;
use crate::compare::{Build, Comparison, Record, statistics};
use crate::results::{CheckValue, Metadata};

/// Version of the JSON schema; bumped on incompatible changes.
pub const SCHEMA_VERSION: u32 = 1;

/// The JSON report; `all_builds` also details the reference builds.
pub struct Json {
    /// Include the records of reference builds too.
    pub all_builds: bool,
}

fn value(value: &CheckValue) -> Value {
    match value {
        CheckValue::Int(int) => json!(int),
        CheckValue::Float(float) => {
            serde_json::Number::from_f64(*float).map_or(Value::Null, Value::Number)
        }
        CheckValue::Text(text) => json!(text),
        CheckValue::Broken(why) => json!({ "broken": why }),
    }
}

fn number(x: f64) -> Value {
    serde_json::Number::from_f64(x).map_or(Value::Null, Value::Number)
}

fn metadata(metadata: &Metadata) -> Value {
    let map: Map<String, Value> = metadata
        .entries()
        .iter()
        .map(|(key, value)| (key.clone(), json!(value)))
        .collect();
    Value::Object(map)
}

/// One record as a JSON object.
pub fn record(record: &Record) -> Value {
    let (status, score) = record.verdict();
    let parts: Vec<Value> = record
        .parts
        .iter()
        .map(|part| {
            json!({
                "label": part.kind.label(),
                "kind": part.kind,
                "difference": number(part.difference),
                "weight": number(part.weight),
                "bucket": part.bucket,
            })
        })
        .collect();
    let params: Map<String, Value> = record
        .params
        .iter()
        .map(|(key, value)| (key.clone(), json!(value)))
        .collect();
    json!({
        "name": &*record.name,
        "primary": record.primary,
        "grouped": record.grouped,
        "status": status,
        "label": status.label().trim_end(),
        "score": number(score),
        "tolerance": value(&record.tolerance),
        "src": record.src.as_ref().map_or(Value::Null, value),
        "dst": value(&record.dst),
        "parts": parts,
        "errors": record.errors.iter().map(|e| e.trim_start()).collect::<Vec<_>>(),
        "details": record.details(),
        "params": params,
    })
}

fn build(build: &Build, with_records: bool) -> Value {
    let summary = statistics::summary(&build.records);
    let mut out = json!({
        "name": build.name,
        "path": build.path.display().to_string(),
        "role": build.role,
        "metadata": metadata(&build.metadata),
        "summary": summary,
    });
    if with_records {
        out["checks"] = Value::Array(build.records.iter().map(record).collect());
        out["grouped"] = Value::Array(build.grouped.iter().map(record).collect());
    }
    out
}

/// The whole report as a JSON value.
pub fn document(comparison: &Comparison, all_builds: bool) -> Value {
    let outcome = comparison.outcome();
    let records = comparison.target().map_or(0, |t| t.records.len());
    let exit_code = outcome.exit_code(records);
    let settings = comparison.settings();
    let models: Vec<Value> = settings
        .models
        .iter()
        .map(|m| json!({"path": m.path.display().to_string(), "version": m.version, "checks": m.len()}))
        .collect();
    let builds: Vec<Value> = comparison
        .builds
        .iter()
        .map(|b| build(b, all_builds || b.role == crate::compare::Role::Target))
        .collect();
    json!({
        "schema_version": SCHEMA_VERSION,
        "verdict": match exit_code { 2 => "regression", 3 => "nothing_compared", _ => "pass" },
        "exit_code": exit_code,
        "outcome": outcome,
        "settings": {
            "tolerance": settings.mean_tolerance,
            "stddev_tolerance": settings.stddev_tolerance,
            "model_builds_average": settings.builds_average,
            "n_out_of_results": settings.n_out_of_results,
            "n_out_of_results_n": settings.n_out_of_results_n,
            "models": models,
        },
        "source": {
            "name": comparison.source_info.name,
            "path": comparison.source_info.path.display().to_string(),
            "metadata": metadata(&comparison.source_info.metadata),
        },
        "builds": builds,
    })
}

impl Report for Json {
    fn name(&self) -> &'static str {
        "json"
    }

    fn write(&self, comparison: &Comparison, out: &mut dyn Write) -> std::io::Result<()> {
        serde_json::to_writer_pretty(&mut *out, &document(comparison, self.all_builds))?;
        writeln!(out)
    }
}
