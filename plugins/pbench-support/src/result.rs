//! The pbench-compatible `result.json`: a list of iterations, each with
//! its benchmark parameters and, per metric, one entry per client plus the
//! aggregate `all` entry that compare-perf reads.

use std::collections::BTreeMap;
use std::path::Path;

use runperf_plugin_sdk::serde_json::{self, Value, json};
use runperf_plugin_sdk::{PluginError, PluginResult};

use super::stats::summarize;

/// Where a metric goes in the iteration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Workflow {
    /// Higher is better (`iops_sec`, `Gb_sec`, `trans_sec`); clients add up.
    Throughput,
    /// Lower is better (`clat`, `usec`); clients are averaged.
    Latency,
}

impl Workflow {
    fn key(self) -> &'static str {
        match self {
            Self::Throughput => "throughput",
            Self::Latency => "latency",
        }
    }
}

/// One client's values of a metric, one per sample.
#[derive(Debug, Clone, PartialEq)]
pub struct ClientSeries {
    /// Identifying labels in uid order (`client_hostname` first).
    pub labels: Vec<(String, String)>,
    /// The value measured in each sample.
    pub samples: Vec<f64>,
}

/// A metric of an iteration (`throughput/iops_sec`, `latency/clat`, ...).
#[derive(Debug, Clone, PartialEq)]
pub struct Metric {
    /// Throughput or latency.
    pub workflow: Workflow,
    /// Metric name, e.g. `iops_sec`.
    pub name: String,
    /// pbench's one-line description.
    pub description: String,
    /// Per-client series; the `all` entry is computed from them.
    pub clients: Vec<ClientSeries>,
}

/// One iteration (`read-4KiB`) of a test.
#[derive(Debug, Clone, PartialEq)]
pub struct Iteration {
    /// 1-based number, shared by an iteration and its failed attempts.
    pub number: u32,
    /// Name such as `read-4KiB` or `read-4KiB-fail1`.
    pub name: String,
    /// `parameters.benchmark[0]`: effective params and `primary_metric`.
    pub benchmark: BTreeMap<String, Value>,
    /// `parameters.user[0]` (profile and distro), if any.
    pub user: Option<BTreeMap<String, Value>>,
    /// Measured metrics.
    pub metrics: Vec<Metric>,
}

impl Iteration {
    /// The `all` entry's stddevpct of `metric` in throughput, if present.
    pub fn throughput_stddevpct(&self, metric: &str) -> Option<f64> {
        self.metrics
            .iter()
            .find(|m| m.workflow == Workflow::Throughput && m.name == metric)
            .map(|m| summarize(&aggregate(m)).stddevpct)
    }
}

/// Per-sample aggregate over clients: sum for throughput, mean for latency.
fn aggregate(metric: &Metric) -> Vec<f64> {
    let samples = metric
        .clients
        .iter()
        .map(|c| c.samples.len())
        .max()
        .unwrap_or(0);
    (0..samples)
        .filter_map(|i| {
            let values: Vec<f64> = metric
                .clients
                .iter()
                .filter_map(|c| c.samples.get(i).copied())
                .collect();
            if values.is_empty() {
                return None;
            }
            let sum: f64 = values.iter().sum();
            Some(match metric.workflow {
                Workflow::Throughput => sum,
                Workflow::Latency => sum / values.len() as f64,
            })
        })
        .collect()
}

fn entry(labels: &[(String, String)], role: &str, description: &str, samples: &[f64]) -> Value {
    let summary = summarize(samples);
    let uid = labels
        .iter()
        .map(|(key, _)| format!("{key}:%{key}%"))
        .collect::<Vec<_>>()
        .join("-");
    let mut out: BTreeMap<String, Value> = labels
        .iter()
        .map(|(k, v)| (k.clone(), Value::from(v.as_str())))
        .collect();
    out.insert("closest_sample".into(), json!(summary.closest_sample));
    out.insert("description".into(), json!(description));
    out.insert("mean".into(), json!(summary.mean));
    out.insert("role".into(), json!(role));
    out.insert(
        "samples".into(),
        Value::Array(samples.iter().map(|v| json!({"value": v})).collect()),
    );
    out.insert("stddev".into(), json!(summary.stddev));
    out.insert("stddevpct".into(), json!(summary.stddevpct));
    out.insert("uid".into(), json!(uid));
    Value::Object(out.into_iter().collect())
}

fn metric_entries(metric: &Metric) -> Value {
    let mut entries: Vec<Value> = metric
        .clients
        .iter()
        .map(|c| entry(&c.labels, "client", &metric.description, &c.samples))
        .collect();
    let labels: Vec<(String, String)> = metric
        .clients
        .first()
        .map(|c| {
            c.labels
                .iter()
                .map(|(k, _)| (k.clone(), "all".to_owned()))
                .collect()
        })
        .unwrap_or_else(|| vec![("client_hostname".into(), "all".into())]);
    entries.push(entry(
        &labels,
        "aggregate",
        &metric.description,
        &aggregate(metric),
    ));
    Value::Array(entries)
}

/// The JSON of one iteration, keys sorted as pbench writes them.
pub fn iteration_json(iteration: &Iteration) -> Value {
    let mut data: BTreeMap<&str, BTreeMap<String, Value>> = BTreeMap::new();
    let mut parameters = BTreeMap::new();
    parameters.insert("benchmark".to_owned(), json!([iteration.benchmark]));
    if let Some(user) = &iteration.user {
        parameters.insert("user".to_owned(), json!([user]));
    }
    data.insert("parameters", parameters);
    for metric in iteration.metrics.iter().filter(|m| !m.clients.is_empty()) {
        data.entry(metric.workflow.key())
            .or_default()
            .insert(metric.name.clone(), metric_entries(metric));
    }
    json!({
        "iteration_data": data,
        "iteration_name": iteration.name,
        "iteration_name_format": "%d-%s",
        "iteration_number": iteration.number,
    })
}

/// Writes `result.json` for `iterations` into `dir`.
pub fn write_result_json(dir: &Path, iterations: &[Iteration]) -> PluginResult<()> {
    let value = Value::Array(iterations.iter().map(iteration_json).collect());
    let text = serde_json::to_string_pretty(&value)?;
    let path = dir.join("result.json");
    std::fs::write(&path, text).map_err(|e| {
        PluginError::new(format!(
            "cannot write {}: {e}; check that the result dir is writable",
            path.display()
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iteration() -> Iteration {
        let client = |name: &str, samples: Vec<f64>| ClientSeries {
            labels: vec![("client_hostname".into(), name.into())],
            samples,
        };
        Iteration {
            number: 1,
            name: "read-4KiB".into(),
            benchmark: BTreeMap::from([("primary_metric".into(), json!("iops_sec"))]),
            user: None,
            metrics: vec![
                Metric {
                    workflow: Workflow::Throughput,
                    name: "iops_sec".into(),
                    description: "iops".into(),
                    clients: vec![
                        client("a-1", vec![10.0, 20.0]),
                        client("b-1", vec![30.0, 40.0]),
                    ],
                },
                Metric {
                    workflow: Workflow::Latency,
                    name: "clat".into(),
                    description: "clat".into(),
                    clients: vec![client("a-1", vec![1.0, 3.0]), client("b-1", vec![3.0, 5.0])],
                },
            ],
        }
    }

    #[test]
    fn all_entry_sums_throughput_and_averages_latency() {
        let value = iteration_json(&iteration());
        let data = &value["iteration_data"];
        let all = &data["throughput"]["iops_sec"][2];
        assert_eq!(all["client_hostname"], "all");
        assert_eq!(all["role"], "aggregate");
        assert_eq!(all["samples"], json!([{"value": 40.0}, {"value": 60.0}]));
        assert_eq!(all["mean"], 50.0);
        assert_eq!(all["stddevpct"], 20.0);
        let clat = &data["latency"]["clat"][2];
        assert_eq!(clat["samples"], json!([{"value": 2.0}, {"value": 4.0}]));
        assert_eq!(value["iteration_name"], "read-4KiB");
        assert_eq!(
            data["throughput"]["iops_sec"][0]["uid"],
            "client_hostname:%client_hostname%"
        );
    }

    #[test]
    fn stddevpct_of_primary_throughput() {
        assert_eq!(iteration().throughput_stddevpct("iops_sec"), Some(20.0));
        assert_eq!(iteration().throughput_stddevpct("Gb_sec"), None);
    }
}
