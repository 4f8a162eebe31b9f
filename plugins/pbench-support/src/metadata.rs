//! `RUNPERF_METADATA.json`, written next to `result.json`: the run's
//! metadata plus distro, profile and what each worker is (kernel,
//! mitigations, params), indented by 4 with sorted keys like the reference.

use std::collections::BTreeMap;

use runperf_plugin_sdk::serde_json::{self, Value, json};
use runperf_plugin_sdk::{Command, Host, PluginResult, TestRun};

/// Output of `command` on `machine`, or "" when it cannot run (this is
/// descriptive metadata; a missing piece must not fail the test).
fn output(host: &Host<'_>, machine: &str, command: &Command) -> String {
    host.run(machine, command)
        .map(|out| out.stdout)
        .unwrap_or_default()
}

/// What is known about `worker` (the reference's `get_info`).
fn worker_info(host: &Host<'_>, worker: &str, distro: &str) -> Value {
    let mut info = BTreeMap::new();
    info.insert(
        "general".to_owned(),
        json!(format!("Name:{worker}\nDistro:{distro}")),
    );
    let kernel = output(
        host,
        worker,
        &Command::shell("uname -r; uname -v; uname -m; uname -o"),
    );
    let release = kernel.lines().next().unwrap_or_default().trim().to_owned();
    let cmdline = output(host, worker, &Command::argv(["cat", "/proc/cmdline"]));
    let mut args: Vec<String> = cmdline
        .split_whitespace()
        .map(|a| {
            if release.is_empty() {
                a.to_owned()
            } else {
                a.replace(&release, "FILTERED")
            }
        })
        .collect();
    args.sort();
    info.insert(
        "kernel".to_owned(),
        json!(format!("{kernel}\n{}", args.join(" "))),
    );
    info.insert(
        "mitigations".to_owned(),
        json!(output(
            host,
            worker,
            &Command::shell(
                "grep --color=never . /sys/devices/system/cpu/vulnerabilities/* 2>/dev/null"
            )
        )),
    );
    if let Ok(params) = host.machine_params(worker)
        && !params.is_empty()
    {
        let mut lines: Vec<String> = params
            .iter()
            .map(|(k, v)| {
                format!(
                    "{k}: {}",
                    v.as_str().map_or_else(|| v.to_string(), str::to_owned)
                )
            })
            .collect();
        lines.sort();
        info.insert("params".to_owned(), json!(lines.join("\n")));
    }
    json!(info)
}

/// The distro of the run (`--distro`), else as recorded in its metadata.
pub fn distro(run: &TestRun) -> String {
    if !run.distro.is_empty() {
        return run.distro.clone();
    }
    run.metadata
        .get("distro")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// The `parameters.user` entry of each iteration (what compare-perf
/// turns into `profile:` params).
pub fn user_params(run: &TestRun) -> BTreeMap<String, Value> {
    BTreeMap::from([
        ("distro".to_owned(), json!(distro(run))),
        ("profile".to_owned(), json!(run.profile)),
    ])
}

/// The content of `RUNPERF_METADATA.json` for `run`.
pub fn metadata_json(host: &Host<'_>, run: &TestRun) -> PluginResult<String> {
    let distro = distro(run);
    let mut meta: BTreeMap<String, Value> = run.metadata.clone().into_iter().collect();
    meta.insert("distro".into(), json!(distro));
    meta.insert("profile".into(), json!(run.profile));
    let workers: BTreeMap<String, Value> = run
        .workers
        .iter()
        .enumerate()
        .map(|(i, group)| {
            let group: BTreeMap<&str, Value> = group
                .iter()
                .map(|w| (w.as_str(), worker_info(host, w, &distro)))
                .collect();
            (i.to_string(), json!(group))
        })
        .collect();
    meta.insert("workers".into(), json!(workers));
    to_sorted_text(&json!(meta))
}

/// Pretty JSON with 4-space indent and keys sorted at every level (what
/// Python's `json.dumps(indent=4, sort_keys=True)` writes).
pub fn to_sorted_text(value: &Value) -> PluginResult<String> {
    fn write(out: &mut String, value: &Value, depth: usize) -> PluginResult<()> {
        let pad = |n: usize| "    ".repeat(n);
        match value {
            Value::Object(map) if !map.is_empty() => {
                let tree: BTreeMap<&String, &Value> = map.iter().collect();
                out.push_str("{\n");
                for (i, (key, item)) in tree.into_iter().enumerate() {
                    if i > 0 {
                        out.push_str(",\n");
                    }
                    out.push_str(&pad(depth + 1));
                    out.push_str(&serde_json::to_string(key)?);
                    out.push_str(": ");
                    write(out, item, depth + 1)?;
                }
                out.push('\n');
                out.push_str(&pad(depth));
                out.push('}');
            }
            Value::Array(items) if !items.is_empty() => {
                out.push_str("[\n");
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(",\n");
                    }
                    out.push_str(&pad(depth + 1));
                    write(out, item, depth + 1)?;
                }
                out.push('\n');
                out.push_str(&pad(depth));
                out.push(']');
            }
            other => out.push_str(&serde_json::to_string(other)?),
        }
        Ok(())
    }
    let mut out = String::new();
    write(&mut out, value, 0)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorted_and_indented_by_four() {
        let text = to_sorted_text(&json!({"b": 1, "a": {"d": 2, "c": [3]}})).unwrap();
        assert_eq!(
            text,
            "{\n    \"a\": {\n        \"c\": [\n            3\n        ],\n        \"d\": 2\n    },\n    \"b\": 1\n}"
        );
    }
}
