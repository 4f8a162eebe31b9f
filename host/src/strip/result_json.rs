//! Streaming reduction of one pbench `result.json` to what the comparison
//! tools read: per iteration its name and parameters, and per workflow type
//! the `client_hostname`, `mean` and `stddevpct` of every client (only the
//! `all` entry when a workflow has one client plus `all`).
//!
//! Samples and timeseries are skipped by the parser without being built,
//! so memory follows the size of the stripped output, not of the input.

use std::fmt;
use std::io::Read;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, de::value::MapAccessDeserializer};
use serde_json::Value;

use super::python_json::PyValue;

/// Workflows kept, in the order the reference writes them.
const WORKFLOWS: [&str; 2] = ["throughput", "latency"];

/// Reads a `result.json` from `reader` and returns the stripped list of
/// iterations, ready for [`super::python_json::to_compact`].
pub fn strip_result_json(reader: impl Read) -> serde_json::Result<PyValue> {
    let mut de = serde_json::Deserializer::from_reader(reader);
    let iterations = de.deserialize_seq(IterationsVisitor)?;
    de.end()?;
    Ok(PyValue::List(iterations))
}

struct IterationsVisitor;

impl<'de> Visitor<'de> for IterationsVisitor {
    type Value = Vec<PyValue>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of iterations")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::new();
        while let Some(slot) = seq.next_element::<IterationSlot>()? {
            if let Some(iteration) = slot.0.and_then(RawIteration::into_stripped) {
                out.push(iteration);
            }
        }
        Ok(out)
    }
}

/// One list element: an iteration object, or anything else (skipped).
struct IterationSlot(Option<RawIteration>);

impl<'de> Deserialize<'de> for IterationSlot {
    fn deserialize<D: Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        de.deserialize_any(IterationSlotVisitor)
    }
}

struct IterationSlotVisitor;

impl<'de> Visitor<'de> for IterationSlotVisitor {
    type Value = IterationSlot;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an iteration object")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        RawIteration::deserialize(MapAccessDeserializer::new(map)).map(|it| IterationSlot(Some(it)))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(IterationSlot(None))
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(IterationSlot(None))
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(IterationSlot(None))
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok(IterationSlot(None))
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(IterationSlot(None))
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Ok(IterationSlot(None))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(IterationSlot(None))
    }
}

/// Wraps a present field in `Some` even when its value is `null`, because
/// the reference tests key presence, not truthiness.
fn present<'de, D: Deserializer<'de>>(de: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(de).map(Some)
}

#[derive(Deserialize)]
struct RawIteration {
    #[serde(default, deserialize_with = "present")]
    iteration_name: Option<Value>,
    #[serde(default)]
    iteration_data: Option<RawIterationData>,
}

#[derive(Deserialize)]
struct RawIterationData {
    #[serde(default, deserialize_with = "present")]
    parameters: Option<Value>,
    #[serde(default)]
    throughput: Option<Workflow>,
    #[serde(default)]
    latency: Option<Workflow>,
}

#[derive(Deserialize)]
struct ClientEntry {
    #[serde(default, deserialize_with = "present")]
    client_hostname: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    mean: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    stddevpct: Option<Value>,
}

/// Workflow types in document order, each with its client entries.
struct Workflow(Vec<(String, Vec<ClientEntry>)>);

impl<'de> Deserialize<'de> for Workflow {
    fn deserialize<D: Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        de.deserialize_map(WorkflowVisitor)
    }
}

struct WorkflowVisitor;

impl<'de> Visitor<'de> for WorkflowVisitor {
    type Value = Workflow;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a map of workflow types to lists of client results")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut types: Vec<(String, Vec<ClientEntry>)> = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            let entries = map.next_value_seed(EntriesSeed)?;
            // A repeated key keeps its first position and its last value,
            // like a Python dict.
            match types.iter_mut().find(|(k, _)| *k == key) {
                Some(slot) => slot.1 = entries,
                None => types.push((key, entries)),
            }
        }
        Ok(Workflow(types))
    }
}

struct EntriesSeed;

impl<'de> DeserializeSeed<'de> for EntriesSeed {
    type Value = Vec<ClientEntry>;

    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<Self::Value, D::Error> {
        Vec::<ClientEntry>::deserialize(de)
    }
}

impl RawIteration {
    fn into_stripped(self) -> Option<PyValue> {
        let name = self.iteration_name?;
        let data = self.iteration_data?;
        let parameters = data.parameters?;
        let mut iteration_data = vec![("parameters".to_owned(), PyValue::from(parameters))];
        for (workflow, types) in WORKFLOWS.iter().zip([data.throughput, data.latency]) {
            if let Some(Workflow(types)) = types {
                let stripped = types
                    .into_iter()
                    .map(|(name, entries)| (name, strip_entries(entries)))
                    .collect();
                iteration_data.push(((*workflow).to_owned(), PyValue::Dict(stripped)));
            }
        }
        Some(PyValue::Dict(vec![
            ("iteration_name".to_owned(), PyValue::from(name)),
            ("iteration_data".to_owned(), PyValue::Dict(iteration_data)),
        ]))
    }
}

fn is_all(entry: &ClientEntry) -> bool {
    matches!(&entry.client_hostname, Some(Value::String(host)) if host == "all")
}

fn strip_entries(entries: Vec<ClientEntry>) -> PyValue {
    // With a single worker the per-host entry duplicates `all`.
    let only_all = entries.len() == 2 && entries.iter().any(is_all);
    let kept = entries
        .into_iter()
        .filter(|entry| !only_all || is_all(entry))
        .map(|entry| {
            let fields = [
                ("client_hostname", entry.client_hostname),
                ("mean", entry.mean),
                ("stddevpct", entry.stddevpct),
            ];
            PyValue::Dict(
                fields
                    .into_iter()
                    .filter_map(|(key, value)| Some((key.to_owned(), PyValue::from(value?))))
                    .collect(),
            )
        })
        .collect();
    PyValue::List(kept)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::strip::python_json::to_compact;

    fn strip(text: &str) -> String {
        to_compact(&strip_result_json(text.as_bytes()).unwrap())
    }

    #[test]
    fn keeps_only_what_the_tools_read() {
        let input = r#"[{"iteration_number": 1, "iteration_data": {
            "latency": {"lat": [{"client_hostname": "all", "mean": 2, "samples": [1, 2]}]},
            "parameters": {"benchmark": [{"primary_metric": "iops_sec"}]},
            "throughput": {"iops_sec": [
                {"client_hostname": "1", "mean": 1.0, "stddevpct": 0.5, "timeseries": {}},
                {"client_hostname": "all", "mean": 1.0, "stddevpct": 0.5}]}},
            "iteration_name": "read-4KiB"}]"#;
        assert_eq!(
            strip(input),
            r#"[{"iteration_name": "read-4KiB", "iteration_data": {"parameters": {"benchmark": [{"primary_metric": "iops_sec"}]}, "throughput": {"iops_sec": [{"client_hostname": "all", "mean": 1.0, "stddevpct": 0.5}]}, "latency": {"lat": [{"client_hostname": "all", "mean": 2}]}}}]"#
        );
    }

    #[test]
    fn keeps_every_client_with_several_workers() {
        let input = r#"[{"iteration_name": "x", "iteration_data": {"parameters": {},
            "throughput": {"t": [{"client_hostname": "a", "mean": 1},
                                 {"client_hostname": "b", "mean": 2},
                                 {"client_hostname": "all", "mean": 3}]}}}]"#;
        assert_eq!(
            strip(input),
            r#"[{"iteration_name": "x", "iteration_data": {"parameters": {}, "throughput": {"t": [{"client_hostname": "a", "mean": 1}, {"client_hostname": "b", "mean": 2}, {"client_hostname": "all", "mean": 3}]}}}]"#
        );
    }

    #[test]
    fn skips_iterations_without_name_data_or_parameters() {
        let input = r#"[{"iteration_data": {"parameters": {}}},
            {"iteration_name": "a"}, {"iteration_name": "b", "iteration_data": {}},
            3, "text", [1], {"iteration_name": null, "iteration_data": {"parameters": null}}]"#;
        assert_eq!(
            strip(input),
            r#"[{"iteration_name": null, "iteration_data": {"parameters": null}}]"#
        );
    }

    #[test]
    fn rejects_what_is_not_a_list_or_is_truncated() {
        assert!(strip_result_json(&br#"{"a": 1}"#[..]).is_err());
        assert!(strip_result_json(&br#"[{"iteration_name": "a", "#[..]).is_err());
        let wrong_type =
            r#"[{"iteration_name": "a", "iteration_data": {"parameters": {}, "throughput": 3}}]"#;
        assert!(strip_result_json(wrong_type.as_bytes()).is_err());
    }
}
