//! `DummyTest`: runs nothing and writes a canned fio result (three
//! iterations: `read-4KiB`, `randwrite-4KiB`, `randwrite-64KiB`, the values
//! runperf 1.2's DummyTest writes) with the host machine's address as the
//! client, plus `RUNPERF_METADATA.json`. For selftests and for trying
//! profiles quickly: it takes no time and needs no tool.

use std::path::Path;

use runperf_plugin_sdk::serde_json::{self, Value};
use runperf_plugin_sdk::{Host, PluginError, PluginResult, Test, TestRun};

use crate::native::write_metadata;

/// Component name, as users write it.
pub const NAME: &str = "DummyTest";

/// The canned result; every client entry names `HOSTNAME_SLOT`.
const CANNED: &str = include_str!("../assets/dummy-result.json");

/// Stands for the host's address in `CANNED`.
const HOSTNAME_SLOT: &str = "@HOSTNAME@";

/// The canned `result.json` with `hostname` as the client's name.
pub fn result_json(hostname: &str) -> PluginResult<String> {
    let mut result: Value = serde_json::from_str(CANNED)
        .map_err(|e| PluginError::new(format!("DummyTest's canned result is broken: {e}")))?;
    fill(&mut result, hostname);
    Ok(serde_json::to_string_pretty(&result)?)
}

/// Replaces every `HOSTNAME_SLOT` string under `value` by `hostname`.
fn fill(value: &mut Value, hostname: &str) {
    match value {
        Value::String(text) if text == HOSTNAME_SLOT => *text = hostname.to_owned(),
        Value::Array(items) => items.iter_mut().for_each(|v| fill(v, hostname)),
        Value::Object(map) => map.values_mut().for_each(|v| fill(v, hostname)),
        _ => {}
    }
}

/// The test; it has no params and nothing to set up or clean.
pub struct DummyTest;

impl Test for DummyTest {
    fn run(&mut self, host: &Host<'_>, run: &TestRun) -> PluginResult<()> {
        let hostname = run.addresses.get(&run.host).unwrap_or(&run.host);
        let dir = Path::new(&run.output_dir);
        let path = dir.join("result.json");
        std::fs::write(&path, result_json(hostname)?)
            .map_err(|e| PluginError::new(format!("cannot write {}: {e}", path.display())))?;
        write_metadata(host, run, dir)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_client_entry_names_the_host_and_nothing_else_changes() {
        let text = result_json("host.example").unwrap();
        assert!(!text.contains(HOSTNAME_SLOT));
        let result: Value = serde_json::from_str(&text).unwrap();
        let names: Vec<&str> = result
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["iteration_name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["read-4KiB", "randwrite-4KiB", "randwrite-64KiB"]);
        let clat = &result[0]["iteration_data"]["latency"]["clat"];
        assert_eq!(clat[0]["client_hostname"], "host.example");
        assert_eq!(clat[0]["role"], "client");
        assert_eq!(clat[1]["client_hostname"], "all");
        assert_eq!(clat[0]["mean"], 169900);
        assert_eq!(text.matches("\"host.example\"").count(), 12);
    }
}
