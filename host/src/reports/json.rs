//! Machine-readable report (`--json PATH`): every check of the target with
//! status, score, per-model breakdown, values and params; the schema is
//! documented in `docs/compare-json.md`.

use std::io::Write;

use serde::Serialize;
use serde_json::{Map, Value, json};

use super::Report;
use crate::compare::statistics::Summary;
use crate::compare::{Build, Comparison, Outcome, Record, Role};
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

/// Records serialized one at a time (a build has thousands; as one JSON
/// value they took most of the report's memory).
struct Records<'a>(&'a [Record]);

impl Serialize for Records<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(record))
    }
}

/// One build; fields in the order of the schema.
#[derive(Serialize)]
struct BuildDocument<'a> {
    name: &'a str,
    path: String,
    role: Role,
    metadata: Value,
    summary: Summary,
    #[serde(skip_serializing_if = "Option::is_none")]
    checks: Option<Records<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    grouped: Option<Records<'a>>,
}

fn build(build: &Build, with_records: bool) -> BuildDocument<'_> {
    BuildDocument {
        name: &build.name,
        path: build.path.display().to_string(),
        role: build.role,
        metadata: metadata(&build.metadata),
        summary: build.summary(),
        checks: with_records.then_some(Records(&build.records)),
        grouped: with_records.then_some(Records(&build.grouped)),
    }
}

/// The whole report; fields in the order of the schema.
#[derive(Serialize)]
pub struct Document<'a> {
    schema_version: u32,
    verdict: &'static str,
    exit_code: u8,
    outcome: Outcome,
    settings: Value,
    source: Value,
    builds: Vec<BuildDocument<'a>>,
}

/// The whole report, serialized as it is written.
pub fn document(comparison: &Comparison, all_builds: bool) -> Document<'_> {
    let outcome = comparison.outcome();
    let records = comparison.target().map_or(0, |t| t.records.len());
    let exit_code = outcome.exit_code(records);
    let settings = comparison.settings();
    let models: Vec<Value> = settings
        .models
        .iter()
        .map(|m| json!({"path": m.path.display().to_string(), "version": m.version, "checks": m.len()}))
        .collect();
    Document {
        schema_version: SCHEMA_VERSION,
        verdict: match exit_code {
            2 => "regression",
            3 => "nothing_compared",
            _ => "pass",
        },
        exit_code,
        outcome,
        settings: json!({
            "tolerance": settings.mean_tolerance.value(),
            "stddev_tolerance": settings.stddev_tolerance.value(),
            "model_builds_average": settings.builds_average,
            "n_out_of_results": settings.n_out_of_results,
            "n_out_of_results_n": settings.n_out_of_results_n,
            "models": models,
        }),
        source: json!({
            "name": comparison.source_info.name,
            "path": comparison.source_info.path.display().to_string(),
            "metadata": metadata(&comparison.source_info.metadata),
        }),
        builds: comparison
            .builds
            .iter()
            .map(|b| build(b, all_builds || b.role == Role::Target))
            .collect(),
    }
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
