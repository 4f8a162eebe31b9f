//! The test params given on the command line (`fio:{...}`): the special
//! keys every test understands (`pbench`, `pbench_tools`, `__*`, among them
//! `__NAME__`, which runperf itself resolves into the test's name), value
//! normalisation (numbers may be given as strings and lists as CSV) and
//! the `__PER_WORKER_CPUS__` substitution.

use std::collections::BTreeMap;

use runperf_plugin_sdk::serde_json::{self, Map, Value};
use runperf_plugin_sdk::{Host, PluginError, PluginResult, TestRun};

use crate::choice::{self, Choice};

/// Value that is replaced by `guest_cpus / number of workers`.
pub const PER_WORKER_CPUS: &str = "__PER_WORKER_CPUS__";

/// pbench tools registered when neither the test nor the metadata says.
const DEFAULT_TOOLS: [&str; 5] = [
    "sar:--interval=3",
    "iostat:--interval=3",
    "mpstat:--interval=3",
    "proc-interrupts:--interval=3",
    "proc-vmstat:--interval=3",
];

/// The command-line params of a test, split into their roles.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Extras {
    /// `pbench` given to this test (see [`crate::choice`]).
    pub pbench: Option<Choice>,
    /// `pbench_tools` given to this test.
    pub pbench_tools: Option<Vec<String>>,
    /// Benchmark params as text (`"1"`, `"4,64"`); `__*` keys are dropped.
    pub params: BTreeMap<String, String>,
}

impl Extras {
    /// The benchmark params for `run`: [`Extras::params`] with every
    /// `__PER_WORKER_CPUS__` value substituted
    /// ([`substitute_per_worker_cpus`]).
    pub fn params_for(
        &self,
        host: &Host<'_>,
        run: &TestRun,
    ) -> PluginResult<BTreeMap<String, String>> {
        let mut params = self.params.clone();
        substitute_per_worker_cpus(&mut params, host, run)?;
        Ok(params)
    }
}

/// Renders a param value as the text pbench would get on its command line.
pub fn value_text(key: &str, value: &Value) -> PluginResult<String> {
    match value {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(if *b { "1" } else { "0" }.to_owned()),
        Value::Array(items) => items
            .iter()
            .map(|item| match item {
                Value::Array(_) | Value::Object(_) => Err(bad_value(key, value)),
                other => value_text(key, other),
            })
            .collect::<PluginResult<Vec<_>>>()
            .map(|parts| parts.join(",")),
        Value::Null | Value::Object(_) => Err(bad_value(key, value)),
    }
}

fn bad_value(key: &str, value: &Value) -> PluginError {
    PluginError::new(format!(
        "test param {key:?} has the value {value}; give a string, a number or a list of them"
    ))
}

/// Splits the JSON params of a test.
pub fn split(extra: &Map<String, Value>) -> PluginResult<Extras> {
    let mut out = Extras::default();
    for (key, value) in extra {
        if key == "pbench_tools" {
            out.pbench_tools = Some(tool_list(value)?);
        } else if key == choice::PARAM {
            out.pbench = Some(Choice::parse(value)?);
        } else if !key.starts_with("__") {
            out.params.insert(key.clone(), value_text(key, value)?);
        }
    }
    Ok(out)
}

fn tool_list(value: &Value) -> PluginResult<Vec<String>> {
    match value {
        Value::Array(items) => items
            .iter()
            .map(|item| value_text("pbench_tools", item))
            .collect(),
        Value::String(s) if s.trim_start().starts_with('[') => tool_list(&serde_json::from_str(s)?),
        Value::String(s) => Ok(s
            .split(',')
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
            .collect()),
        other => Err(bad_value("pbench_tools", other)),
    }
}

/// The pbench tools to register: the test's `pbench_tools`, else the
/// run metadata's `pbench_tools` (a JSON list), else the defaults.
pub fn tools(extras: &Extras, metadata: &Map<String, Value>) -> PluginResult<Vec<String>> {
    if let Some(tools) = &extras.pbench_tools {
        return Ok(tools.clone());
    }
    match metadata.get("pbench_tools") {
        Some(value) => {
            tool_list(value).map_err(|e| e.context("invalid pbench_tools in the run metadata"))
        }
        None => Ok(DEFAULT_TOOLS.iter().map(|t| (*t).to_owned()).collect()),
    }
}

/// Replaces every `__PER_WORKER_CPUS__` value by the host's `guest_cpus`
/// divided by the number of workers of the first non-empty worker group.
pub fn substitute_per_worker_cpus(
    params: &mut BTreeMap<String, String>,
    host: &Host<'_>,
    run: &TestRun,
) -> PluginResult<()> {
    if !params.values().any(|v| v == PER_WORKER_CPUS) {
        return Ok(());
    }
    let workers = run
        .workers
        .iter()
        .map(Vec::len)
        .find(|n| *n > 0)
        .ok_or_else(|| {
            PluginError::new(format!(
                "cannot compute {PER_WORKER_CPUS}: the profile gave no workers"
            ))
        })?;
    let cpus = guest_cpus(host, run, &format!("compute {PER_WORKER_CPUS}"))?;
    let per_worker = (cpus / workers as u64).to_string();
    for value in params.values_mut().filter(|v| *v == PER_WORKER_CPUS) {
        value.clone_from(&per_worker);
    }
    Ok(())
}

/// The host machine's `guest_cpus` param, needed to `what`.
pub fn guest_cpus(host: &Host<'_>, run: &TestRun, what: &str) -> PluginResult<u64> {
    let params_of_host = host.machine_params(&run.host)?;
    params_of_host
        .get("guest_cpus")
        .and_then(|v| {
            v.as_u64()
                .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
        })
        .ok_or_else(|| {
            PluginError::new(format!(
                "cannot {what}: host {} has no numeric guest_cpus param; \
                 set it in hosts/ADDR.yaml or --force-params",
                run.host
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use runperf_plugin_sdk::serde_json::json;

    fn map(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn splits_special_keys_and_normalises_values() {
        let extras = split(&map(json!({
            "__NAME__": "../fio",
            "__KEEP__": 1,
            "pbench_tools": ["sar"],
            "samples": 1,
            "runtime": "10",
            "block-sizes": [4, "64"],
            "direct": true,
        })))
        .unwrap();
        assert_eq!(extras.pbench_tools, Some(vec!["sar".to_owned()]));
        assert_eq!(extras.params["samples"], "1");
        assert_eq!(extras.params["runtime"], "10");
        assert_eq!(extras.params["block-sizes"], "4,64");
        assert_eq!(extras.params["direct"], "1");
        assert!(!extras.params.contains_key("__KEEP__"));
    }

    #[test]
    fn rejects_objects() {
        let err = split(&map(json!({"runtime": {"a": 1}}))).unwrap_err();
        assert!(err.message().contains("\"runtime\""), "{err}");
    }

    #[test]
    fn tools_fall_back_to_metadata_then_defaults() {
        let none = Extras::default();
        let meta = map(json!({"pbench_tools": "[\"perf\", \"sar:--interval=1\"]"}));
        assert_eq!(tools(&none, &meta).unwrap(), ["perf", "sar:--interval=1"]);
        assert_eq!(tools(&none, &Map::new()).unwrap().len(), 5);
    }
}
