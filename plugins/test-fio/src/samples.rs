//! Turns the fio outputs of an iteration's samples into a pbench
//! iteration: per client and job (`worker-1`) the IOPS and latencies of
//! every sample, and the benchmark params pbench-fio would record.

use std::collections::BTreeMap;

use runperf_plugin_sdk::serde_json::{Value, json};

use crate::fio_json::{FioOutput, JobStats};
use pbench_support::result::{ClientSeries, Iteration, Metric, Workflow};

/// Primary metric of every fio iteration.
pub const PRIMARY: &str = "iops_sec";

/// The fio output of every client in one sample, clients in order.
pub type Sample = Vec<(String, FioOutput)>;

type Getter = fn(&JobStats) -> Option<f64>;

const METRICS: [(Workflow, &str, &str, Getter); 4] = [
    (
        Workflow::Throughput,
        PRIMARY,
        "Number of I/O operations sent by client for a period of 1 second",
        |j| Some(j.iops),
    ),
    (
        Workflow::Latency,
        "clat",
        "Average completion latency per I/O operation",
        |j| j.clat,
    ),
    (
        Workflow::Latency,
        "lat",
        "Average total latency per I/O operation",
        |j| j.lat,
    ),
    (
        Workflow::Latency,
        "slat",
        "Average submission latency per I/O operation",
        |j| j.slat,
    ),
];

fn series(samples: &[Sample], get: Getter) -> Vec<ClientSeries> {
    let mut out: Vec<ClientSeries> = Vec::new();
    for sample in samples {
        for (client, output) in sample {
            for (index, job) in output.jobs.iter().enumerate() {
                let Some(value) = get(job) else { continue };
                let label = format!("{client}-{}", index + 1);
                match out.iter_mut().find(|s| s.labels[0].1 == label) {
                    Some(existing) => existing.samples.push(value),
                    None => out.push(ClientSeries {
                        labels: vec![("client_hostname".to_owned(), label)],
                        samples: vec![value],
                    }),
                }
            }
        }
    }
    out
}

/// pbench-fio's benchmark params: fio's global options (without the log
/// options), the job options of all jobs joined by commas, the benchmark
/// name, primary metric and the max stddev.
fn benchmark(first: &Sample, max_stddev: f64) -> BTreeMap<String, Value> {
    let mut params: BTreeMap<String, Value> = BTreeMap::new();
    let jobs: Vec<&JobStats> = first.iter().flat_map(|(_, out)| out.jobs.iter()).collect();
    if let Some((_, out)) = first.first() {
        for (key, value) in &out.global_options {
            if !(key.starts_with("write_") && key.ends_with("_log")) {
                params.insert(key.clone(), json!(value));
            }
        }
    }
    let keys: std::collections::BTreeSet<&String> =
        jobs.iter().flat_map(|j| j.options.keys()).collect();
    for key in keys.into_iter().filter(|k| k.as_str() != "name") {
        let joined: Vec<&str> = jobs
            .iter()
            .map(|j| j.options.get(key).map_or("", String::as_str))
            .collect();
        params.insert(key.clone(), json!(joined.join(",")));
    }
    params.insert("benchmark_name".into(), json!("fio"));
    params.insert("primary_metric".into(), json!(PRIMARY));
    params.insert("max_stddevpct".into(), json!(max_stddev));
    params.insert(
        "uid".into(),
        json!("benchmark_name:%benchmark_name%-controller_host:%controller_host%"),
    );
    params
}

/// The iteration `number`/`name` made of `samples` (at least one).
pub fn iteration(
    number: u32,
    name: &str,
    samples: &[Sample],
    max_stddev: f64,
    user: Option<BTreeMap<String, Value>>,
) -> Iteration {
    let metrics = METRICS
        .iter()
        .map(|(workflow, metric, description, get)| Metric {
            workflow: *workflow,
            name: (*metric).to_owned(),
            description: (*description).to_owned(),
            clients: series(samples, *get),
        })
        .collect();
    Iteration {
        number,
        name: name.to_owned(),
        benchmark: samples
            .first()
            .map(|s| benchmark(s, max_stddev))
            .unwrap_or_default(),
        user,
        metrics,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fio_json::parse;
    use pbench_support::result::iteration_json;

    fn output(name: &str) -> FioOutput {
        let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        parse(&text, "w").unwrap()
    }

    #[test]
    fn one_entry_per_client_job_plus_all() {
        let rw = output("fio-3.33-rw-64k-2jobs.json");
        let samples = vec![
            vec![("w1".to_owned(), rw.clone()), ("w2".to_owned(), rw.clone())],
            vec![("w1".to_owned(), rw.clone()), ("w2".to_owned(), rw)],
        ];
        let it = iteration(3, "rw-64KiB", &samples, 5.0, None);
        let value = iteration_json(&it);
        let iops = value["iteration_data"]["throughput"]["iops_sec"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let names: Vec<&str> = iops
            .iter()
            .filter_map(|e| e["client_hostname"].as_str())
            .collect();
        assert_eq!(names, ["w1-1", "w1-2", "w2-1", "w2-2", "all"]);
        let all = &iops[4];
        let per_sample = 2.0 * (5735.264735 + 5773.226773 + 4404.150198 + 4573.12253);
        assert!(
            (all["samples"][0]["value"].as_f64().unwrap_or_default() - per_sample).abs() < 1e-6
        );
        assert_eq!(all["stddevpct"], 0.0);
        let bench = &value["iteration_data"]["parameters"]["benchmark"][0];
        assert_eq!(bench["primary_metric"], "iops_sec");
        assert_eq!(bench["rw"], "rw");
        assert_eq!(
            bench["filename"],
            "/tmp/fioexp/b,/tmp/fioexp/b,/tmp/fioexp/b,/tmp/fioexp/b"
        );
        assert_eq!(bench["max_stddevpct"], 5.0);
        assert!(bench.get("name").is_none());
        assert_eq!(value["iteration_number"], 3);
    }

    #[test]
    fn latency_missing_for_sync_engine_is_left_out() {
        let samples = vec![vec![(
            "w1".to_owned(),
            output("fio-3.33-randwrite-4k-psync-dir.json"),
        )]];
        let value = iteration_json(&iteration(1, "randwrite-4KiB", &samples, 5.0, None));
        let latency = &value["iteration_data"]["latency"];
        assert!(latency.get("slat").is_none());
        assert_eq!(latency["clat"][1]["mean"], 4132.449208);
    }
}
