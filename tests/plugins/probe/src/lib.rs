//! Fixture for run-perf's own tests (not shipped): a `probe` test that
//! runs real commands on the workers and writes a small pbench-like
//! result.json, and a `Flaky` profile that fails its first applies.
//!
//! `probe` params: `value` (mean written, default 100), `sleep` (seconds
//! slept on each worker), `stall` (output-stall watchdog of that sleep),
//! `fail_attempts` (fail this many runs first,
//! counted on the host), `echo` (a string sent through `printf %s` on
//! every worker; what came back is stored as a benchmark param so tests
//! can check it travelled literally), `__NAME__` (resolved by the host).

use runperf_plugin_sdk::{
    Applied, Command, Host, PluginError, PluginResult, Profile, ProfileContext, Registry, Test,
    TestContext, TestRun,
    serde_json::{self, Map, Value, json},
};

struct Probe {
    params: Map<String, Value>,
}

fn number(params: &Map<String, Value>, key: &str, default: f64) -> f64 {
    match params.get(key) {
        Some(Value::Number(n)) => n.as_f64().unwrap_or(default),
        Some(Value::String(s)) => s.parse().unwrap_or(default),
        _ => default,
    }
}

/// Counts calls of `key` on `machine`; returns the count before this one.
fn bump(host: &Host<'_>, machine: &str, key: &str) -> PluginResult<u64> {
    let seen: u64 = host
        .persistent_get(machine, key)?
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    host.persistent_set(machine, key, &(seen + 1).to_string())?;
    Ok(seen)
}

impl Test for Probe {
    fn run(&mut self, host: &Host<'_>, run: &TestRun) -> PluginResult<()> {
        let fail = number(&self.params, "fail_attempts", 0.0) as u64;
        if fail > 0 && bump(host, &run.host, "probe/attempts")? < fail {
            return Err(PluginError::new("probe failing on purpose"));
        }
        let sleep = number(&self.params, "sleep", 0.0);
        let echo = self
            .params
            .get("echo")
            .and_then(Value::as_str)
            .unwrap_or("");
        let mut clients = Vec::new();
        let mut echoed = String::new();
        for worker in run.workers.iter().flatten() {
            if sleep > 0.0 {
                let mut cmd = Command::argv(["sleep".to_owned(), sleep.to_string()]);
                let stall = number(&self.params, "stall", 0.0);
                if stall > 0.0 {
                    cmd = cmd.stall(stall);
                }
                host.run_ok(worker, &cmd)?;
            }
            let out = host.run_ok(worker, &Command::argv(["printf", "%s", echo]))?;
            echoed = out.stdout;
            let hostname = host
                .run_ok(worker, &Command::argv(["hostname"]))?
                .stdout
                .trim()
                .to_owned();
            clients.push(hostname);
        }
        let value = number(&self.params, "value", 100.0);
        let mut entries: Vec<Value> = clients
            .iter()
            .map(|c| json!({"client_hostname": c, "mean": value, "stddevpct": 1.0, "samples": []}))
            .collect();
        entries.push(
            json!({"client_hostname": "all", "mean": value, "stddevpct": 1.0, "samples": []}),
        );
        let result = json!([{
            "iteration_name": "probe-1",
            "iteration_number": 1,
            "iteration_data": {
                "parameters": {"benchmark": [{"primary_metric": "ops_sec", "echo": echoed}]},
                "throughput": {"ops_sec": entries},
            }
        }]);
        let path = std::path::Path::new(&run.output_dir).join("result.json");
        let text = serde_json::to_string_pretty(&result)?;
        std::fs::write(&path, text)
            .map_err(|e| PluginError::new(format!("cannot write {}: {e}", path.display())))
    }
}

struct Flaky {
    host: String,
    fail: u64,
}

impl Profile for Flaky {
    fn apply(&mut self, host: &Host<'_>, _script: Option<&str>) -> PluginResult<Applied> {
        if bump(host, &self.host, "flaky/applies")? < self.fail {
            return Err(PluginError::new("Flaky profile failing on purpose"));
        }
        Ok(Applied::workers(vec![self.host.clone()]))
    }

    fn revert(&mut self, _host: &Host<'_>) -> PluginResult<bool> {
        Ok(false)
    }
}

fn registry() -> Registry {
    Registry::new("probe-plugin")
        .test(
            "probe",
            "50probe",
            "test fixture writing a small result",
            |ctx: TestContext| Ok(Box::new(Probe { params: ctx.extra })),
        )
        .profile(
            "Flaky",
            "50Flaky",
            "fails its first applies",
            |ctx: ProfileContext| {
                let fail = number(&ctx.extra, "fail_apply", 0.0) as u64;
                Ok(Box::new(Flaky {
                    host: ctx.host,
                    fail,
                }))
            },
        )
}

runperf_plugin_sdk::export_plugin!(registry);
