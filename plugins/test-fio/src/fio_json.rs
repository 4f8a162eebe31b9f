//! Reading fio's `--output-format=json` output (fio 3.x, latencies in ns)
//! into what one sample contributes to result.json: per job the IOPS of
//! all directions together and the mean latencies, plus the effective
//! options.

use std::collections::BTreeMap;

use runperf_plugin_sdk::serde_json::{self, Value};
use runperf_plugin_sdk::{PluginError, PluginResult};

/// One fio job's numbers in one sample.
#[derive(Debug, Clone, PartialEq)]
pub struct JobStats {
    /// Job options as fio reports them (`name`, `filename`...).
    pub options: BTreeMap<String, String>,
    /// I/O operations per second, read + write + trim.
    pub iops: f64,
    /// Mean completion latency (ns) over the directions that did I/O.
    pub clat: Option<f64>,
    /// Mean total latency (ns).
    pub lat: Option<f64>,
    /// Mean submission latency (ns); absent for synchronous engines.
    pub slat: Option<f64>,
}

/// A parsed fio run.
#[derive(Debug, Clone, PartialEq)]
pub struct FioOutput {
    /// fio version (`fio-3.33`).
    pub version: String,
    /// The global options fio reports.
    pub global_options: BTreeMap<String, String>,
    /// Every job, in fio's order (job numbers are index + 1).
    pub jobs: Vec<JobStats>,
}

const DIRECTIONS: [&str; 3] = ["read", "write", "trim"];

fn options(value: Option<&Value>) -> BTreeMap<String, String> {
    value
        .and_then(Value::as_object)
        .map(|map| {
            map.iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        v.as_str().map_or_else(|| v.to_string(), str::to_owned),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Mean of `key` (`clat_ns`) over the directions with samples; fio 2.x's
/// microsecond keys (`clat`) are converted to ns.
fn latency(job: &Value, key: &str) -> Option<f64> {
    let means: Vec<f64> = DIRECTIONS
        .iter()
        .filter_map(|dir| {
            let stats = &job[*dir];
            let (block, scale) = match stats.get(format!("{key}_ns")) {
                Some(block) => (block, 1.0),
                None => (stats.get(key)?, 1000.0),
            };
            let samples = block.get("N").and_then(Value::as_u64).unwrap_or(0);
            let mean = block.get("mean").and_then(Value::as_f64)?;
            (samples > 0).then_some(mean * scale)
        })
        .collect();
    (!means.is_empty()).then(|| means.iter().sum::<f64>() / means.len() as f64)
}

/// Parses fio's JSON output of `machine`; text before the JSON (warnings)
/// is skipped.
pub fn parse(text: &str, machine: &str) -> PluginResult<FioOutput> {
    let start = text.find('{').ok_or_else(|| {
        PluginError::new(format!("fio on {machine} printed no JSON output"))
            .with_cause(text.chars().take(500).collect::<String>())
    })?;
    let value: Value = serde_json::from_str(&text[start..]).map_err(|e| {
        PluginError::new(format!("cannot read fio's JSON output of {machine}: {e}"))
    })?;
    let jobs = value
        .get("jobs")
        .and_then(Value::as_array)
        .filter(|jobs| !jobs.is_empty())
        .ok_or_else(|| PluginError::new(format!("fio's JSON output of {machine} lists no jobs")))?;
    let jobs = jobs
        .iter()
        .map(|job| {
            let name = job.get("jobname").and_then(Value::as_str).unwrap_or("?");
            let error = job.get("error").and_then(Value::as_i64).unwrap_or(0);
            if error != 0 {
                return Err(PluginError::new(format!(
                    "fio job {name} on {machine} failed with error {error}"
                )));
            }
            let iops = DIRECTIONS
                .iter()
                .filter_map(|dir| job[*dir].get("iops").and_then(Value::as_f64))
                .sum();
            Ok(JobStats {
                options: options(job.get("job options")),
                iops,
                clat: latency(job, "clat"),
                lat: latency(job, "lat"),
                slat: latency(job, "slat"),
            })
        })
        .collect::<PluginResult<Vec<_>>>()?;
    Ok(FioOutput {
        version: value
            .get("fio version")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        global_options: options(value.get("global options")),
        jobs,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> String {
        let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    #[test]
    fn sequential_read_with_libaio() {
        let out = parse(&fixture("fio-3.33-read-4k-libaio.json"), "w1").unwrap();
        assert_eq!(out.version, "fio-3.33");
        assert_eq!(out.global_options["bs"], "4k");
        assert_eq!(out.global_options["ioengine"], "libaio");
        assert_eq!(out.jobs.len(), 1);
        let job = &out.jobs[0];
        assert_eq!(job.options["filename"], "/tmp/fioexp/a");
        assert_eq!(job.iops, 56912.087912);
        assert_eq!(job.clat, Some(557146.254981));
        assert_eq!(job.lat, Some(561500.991767));
        assert_eq!(job.slat, Some(4354.736787));
    }

    #[test]
    fn mixed_rw_adds_iops_and_averages_latency_per_job() {
        let out = parse(&fixture("fio-3.33-rw-64k-2jobs.json"), "w1").unwrap();
        assert_eq!(out.jobs.len(), 2);
        let job = &out.jobs[0];
        assert!((job.iops - (5735.264735 + 5773.226773)).abs() < 1e-6);
        let clat = job.clat.unwrap_or_default();
        assert!((clat - (667602.159902 + 703273.576743) / 2.0).abs() < 1e-6);
        assert!((out.jobs[1].iops - (4404.150198 + 4573.12253)).abs() < 1e-6);
    }

    #[test]
    fn synchronous_engine_has_no_submission_latency() {
        let out = parse(&fixture("fio-3.33-randwrite-4k-psync-dir.json"), "w1").unwrap();
        let job = &out.jobs[0];
        assert_eq!(job.options["directory"], "/tmp/fioexp");
        assert_eq!(job.iops, 141316.683317);
        assert_eq!(job.slat, None);
        assert_eq!(job.clat, Some(4132.449208));
    }

    #[test]
    fn leading_warnings_are_skipped_and_garbage_named() {
        let text = format!(
            "fio: some warning\n{}",
            fixture("fio-3.33-read-4k-libaio.json")
        );
        assert!(parse(&text, "w1").is_ok());
        let err = parse("fio: engine libaio not loadable", "w7").unwrap_err();
        assert!(err.message().contains("w7"), "{err}");
        let err = parse("{\"jobs\": []}", "w7").unwrap_err();
        assert!(err.message().contains("no jobs"), "{err}");
    }

    #[test]
    fn failed_job_is_an_error() {
        let text =
            fixture("fio-3.33-read-4k-libaio.json").replacen("\"error\" : 0", "\"error\" : 5", 1);
        let err = parse(&text, "w1").unwrap_err();
        assert!(err.message().contains("error 5"), "{err}");
    }
}
