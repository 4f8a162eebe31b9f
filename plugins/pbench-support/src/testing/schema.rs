//! What compare-perf needs from a `result.json`, checked field by field.

use runperf_plugin_sdk::serde_json::Value;

/// Panics with the path of the first thing compare-perf could not use.
pub fn check_result_json(value: &Value) {
    let iterations = value
        .as_array()
        .expect("result.json is a list of iterations");
    assert!(!iterations.is_empty(), "result.json has no iteration");
    for it in iterations {
        let name = it["iteration_name"]
            .as_str()
            .expect("iteration_name is a string");
        assert!(
            it["iteration_number"].as_u64().is_some(),
            "{name}: iteration_number"
        );
        let data = &it["iteration_data"];
        let benchmark = data["parameters"]["benchmark"]
            .as_array()
            .expect("parameters.benchmark list");
        let primary: Vec<&str> = benchmark
            .iter()
            .filter_map(|b| b["primary_metric"].as_str())
            .collect();
        assert!(!primary.is_empty(), "{name}: no primary_metric");
        let mut found_primary = false;
        for workflow in ["throughput", "latency"] {
            let Some(types) = data.get(workflow).and_then(Value::as_object) else {
                continue;
            };
            for (kind, entries) in types {
                let entries = entries.as_array().expect("metric entries are a list");
                let all: Vec<&Value> = entries
                    .iter()
                    .filter(|e| e["client_hostname"] == "all")
                    .collect();
                assert_eq!(all.len(), 1, "{name}/{workflow}/{kind}: one `all` entry");
                for entry in entries {
                    let what = format!("{name}/{workflow}/{kind}/{}", entry["client_hostname"]);
                    assert!(
                        entry["mean"].as_f64().is_some_and(f64::is_finite),
                        "{what}: numeric mean"
                    );
                    assert!(
                        entry["stddevpct"].as_f64().is_some_and(f64::is_finite),
                        "{what}: numeric stddevpct"
                    );
                    assert!(entry["stddev"].as_f64().is_some(), "{what}: stddev");
                    let samples = entry["samples"].as_array().expect("samples list");
                    assert!(
                        samples.iter().all(|s| s["value"].as_f64().is_some()),
                        "{what}: sample values"
                    );
                }
                found_primary |= workflow == "throughput" && primary.contains(&kind.as_str());
            }
        }
        assert!(
            found_primary,
            "{name}: primary metric {primary:?} missing from throughput"
        );
    }
}
