//! The per-sample values behind a pbench mean: `samples[].value` of the
//! `all` client of an iteration's workflow type. The result reader skips
//! them (comparisons never need them); the history keeps them for the
//! change-point detection to come, read in a second pass at `add`.

use std::collections::HashMap;
use std::path::Path;

use rayon::prelude::*;
use serde_json::Value;

use crate::results::Check;

/// The samples of every `.mean` check of the tree at `dir` whose pbench
/// result has them, as (position of the check, values). A file that cannot
/// be read or has no samples gives none; the checks themselves are read by
/// the result reader, which reports such files.
pub fn read(dir: &Path, checks: &[Check]) -> Vec<(usize, Vec<f64>)> {
    let mut by_file: HashMap<&str, Vec<(usize, &str, &str, &str)>> = HashMap::new();
    for (seq, check) in checks.iter().enumerate() {
        if let Some((file, iteration, workflow, kind)) = locate(&check.name) {
            by_file
                .entry(file)
                .or_default()
                .push((seq, iteration, workflow, kind));
        }
    }
    let mut files: Vec<_> = by_file.into_iter().collect();
    files.sort_by_key(|(file, _)| *file);
    let mut samples: Vec<(usize, Vec<f64>)> = files
        .par_iter()
        .flat_map_iter(|(file, wanted)| {
            let document = std::fs::read(dir.join(file).join("result.json"))
                .ok()
                .and_then(|bytes| serde_json::from_slice::<Value>(&bytes).ok());
            wanted
                .iter()
                .filter_map(|&(seq, iteration, workflow, kind)| {
                    let values = of(document.as_ref()?, iteration, workflow, kind)?;
                    Some((seq, values))
                })
                .collect::<Vec<_>>()
        })
        .collect();
    samples.sort_by_key(|(seq, _)| *seq);
    samples
}

/// `P/T/S:./ITERATION/WORKFLOW/TYPE.mean` as (`P/T/S`, iteration, workflow,
/// type).
fn locate(name: &str) -> Option<(&str, &str, &str, &str)> {
    let (file, rest) = name.split_once(":./")?;
    let rest = rest.strip_suffix(".mean")?;
    let mut parts = rest.rsplitn(3, '/');
    let kind = parts.next()?;
    let workflow = parts.next()?;
    let iteration = parts.next()?;
    (iteration != "ERROR").then_some((file, iteration, workflow, kind))
}

/// The sample values of the first `all` client of `workflow`/`kind` in
/// the iteration named `iteration` (the last one of that name, as the
/// reader keeps the last check of a repeated name).
fn of(document: &Value, iteration: &str, workflow: &str, kind: &str) -> Option<Vec<f64>> {
    let iteration = document
        .as_array()?
        .iter()
        .rev()
        .find(|i| i.get("iteration_name").and_then(Value::as_str) == Some(iteration))?;
    let all = iteration
        .get("iteration_data")?
        .get(workflow)?
        .get(kind)?
        .as_array()?
        .iter()
        .find(|c| c.get("client_hostname").and_then(Value::as_str) == Some("all"))?;
    let values: Vec<f64> = all
        .get("samples")?
        .as_array()?
        .iter()
        .filter_map(|s| s.get("value").and_then(Value::as_f64))
        .collect();
    (!values.is_empty()).then_some(values)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_locate_their_file_and_entry() {
        assert_eq!(
            locate("Localhost/fio/0000:./read-4KiB/latency/clat.mean"),
            Some(("Localhost/fio/0000", "read-4KiB", "latency", "clat"))
        );
        assert_eq!(
            locate("P/T/0:./a/b/throughput/iops_sec.mean"),
            Some(("P/T/0", "a/b", "throughput", "iops_sec"))
        );
        assert_eq!(locate("P/T/0:./read/latency/clat.stddev"), None);
        assert_eq!(locate("P/T/0:./ERROR/ERROR/ERROR.mean"), None);
    }

    #[test]
    fn samples_of_the_all_client() {
        let doc: Value = serde_json::from_str(
            r#"[{"iteration_name": "r", "iteration_data": {"latency": {"clat": [
                {"client_hostname": "h-1", "samples": [{"value": 9}]},
                {"client_hostname": "all", "samples": [{"value": 1.5}, {"value": 2}]}
            ]}}}]"#,
        )
        .unwrap();
        assert_eq!(of(&doc, "r", "latency", "clat"), Some(vec![1.5, 2.0]));
        assert_eq!(of(&doc, "r", "latency", "lat"), None);
        assert_eq!(of(&doc, "x", "latency", "clat"), None);
    }
}
