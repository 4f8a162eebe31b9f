//! pbench mode: when the host machine has `pbench-<test>`, the test runs
//! through pbench-agent as the reference did: tools registered on the host
//! and workers, `pbench-<test> --key=value ... --clients=...` with an
//! output-stall watchdog, the newest pbench result dir copied back.

use std::collections::BTreeMap;
use std::path::Path;

use runperf_plugin_sdk::{Command, Host, LogLevel, PluginError, PluginResult, TestRun};

use super::{metadata, packages};

/// How long a whole pbench run may take (the reference's 2 days).
const TIMEOUT: f64 = 172_800.0;

/// Quotes `text` for a POSIX shell.
pub fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "'\\''"))
}

/// Output-stall watchdog: 3x the runtime, at least 360 s (sysinfo and
/// postprocessing stay silent for a while); none for a benchmark without
/// a `runtime` param (linpack), which may stay silent as long as it runs.
pub fn watchdog_secs(params: &BTreeMap<String, String>) -> Option<f64> {
    let runtime = params.get("runtime")?.trim().parse::<f64>().ok()?;
    Some((runtime * 3.0).max(360.0))
}

/// What to run in pbench mode.
pub struct Invocation<'a> {
    /// Benchmark name: `fio` runs `pbench-fio`.
    pub test: &'a str,
    /// What runs instead of `pbench-<test>` (linpack's
    /// `pbench-run-benchmark linpack` on old pbench-agents).
    pub program: Option<&'a str>,
    /// Params (defaults included), passed as `--key=value` in key order.
    pub params: &'a BTreeMap<String, String>,
    /// Extra trailing options (uperf's `--servers`).
    pub trailing: Vec<(String, String)>,
    /// Environment assignments put in front (`PERL5LIB=...`).
    pub env: Vec<(String, String)>,
}

impl<'a> Invocation<'a> {
    /// `pbench-<test>` with `params` and nothing else.
    pub fn new(test: &'a str, params: &'a BTreeMap<String, String>) -> Self {
        Self {
            test,
            program: None,
            params,
            trailing: Vec::new(),
            env: Vec::new(),
        }
    }

    /// The shell line run on the host, every value quoted.
    pub fn command_line(&self, benchmark_bin: Option<&str>, clients: &[String]) -> String {
        let mut line = String::from(". /opt/pbench-agent/base && ");
        for (key, value) in &self.env {
            line.push_str(&format!("{key}={} ", quote(value)));
        }
        if let Some(bin) = benchmark_bin {
            line.push_str(&format!("benchmark_bin={} ", quote(bin)));
        }
        match self.program {
            Some(program) => line.push_str(program),
            None => line.push_str(&format!("pbench-{}", self.test)),
        }
        for (key, value) in self.params {
            line.push_str(&format!(" --{key}={}", quote(value)));
        }
        line.push_str(&format!(" --clients={}", quote(&clients.join(","))));
        for (key, value) in &self.trailing {
            line.push_str(&format!(" --{key}={}", quote(value)));
        }
        line
    }
}

/// Whether `pbench-<test>` exists on the host machine.
pub fn available(host: &Host<'_>, machine: &str, test: &str) -> PluginResult<bool> {
    Ok(packages::find(host, machine, &format!("pbench-{test}"))?.is_some())
}

/// Every machine involved: the host and all workers, host first.
pub fn machines(run: &TestRun) -> Vec<String> {
    let mut out = vec![run.host.clone()];
    for worker in run.workers.iter().flatten() {
        if !out.contains(worker) {
            out.push(worker.clone());
        }
    }
    out
}

/// Registers `tools` on every machine of `run` (after dropping old ones).
pub fn register_tools(host: &Host<'_>, run: &TestRun, tools: &[String]) -> PluginResult<()> {
    let machines = machines(run);
    for machine in &machines {
        host.run(
            machine,
            &Command::shell("rm -rf /var/lib/pbench-agent/tools-*default"),
        )?;
    }
    if tools.is_empty() {
        host.run(
            &run.host,
            &Command::argv([
                "mkdir",
                "-p",
                "/var/lib/pbench-agent/tools-default",
                "/var/lib/pbench-agent/tools-v1-default",
            ]),
        )?;
    }
    let remotes = format!("--remotes={}", machines.join(","));
    for tool in tools {
        let (name, params) = tool.split_once(':').unwrap_or((tool.as_str(), ""));
        let mut argv = vec![
            "pbench-register-tool".to_owned(),
            format!("--name={name}"),
            remotes.clone(),
            "--".into(),
        ];
        argv.extend(params.split_whitespace().map(str::to_owned));
        host.run_ok(&run.host, &Command::argv(argv))?;
    }
    Ok(())
}

/// Kills what a failed pbench run may leave behind, on every machine.
fn destroy_leftovers(host: &Host<'_>, run: &TestRun) {
    let nuke = "for NAME in pbench-tool-meister-start redis-server gpg-agent scdaemon fio uperf linpack; \
                do killall -9 $NAME; done";
    for machine in machines(run) {
        if let Err(err) = host.run(&machine, &Command::shell(nuke)) {
            host.log(
                LogLevel::Warn,
                &format!("cleanup after pbench failure on {machine}: {err:#}"),
            );
        }
    }
}

/// The address of machine `name` as the run knows it (hosts as given on
/// the command line, workers as seen from their host); the name itself
/// when the host gave none.
pub fn address_of(run: &TestRun, name: &str) -> String {
    run.addresses
        .get(name)
        .cloned()
        .unwrap_or_else(|| name.to_owned())
}

/// The workers of `run` reached through a forwarded port (`ADDR:PORT`,
/// e.g. the libvirt profiles' `network` `user`), as (name, address).
pub fn forwarded_workers(run: &TestRun) -> Vec<(String, String)> {
    run.workers
        .iter()
        .flatten()
        .map(|name| (name.clone(), address_of(run, name)))
        .filter(|(_, address)| runperf_plugin_sdk::address::split_port(address).1.is_some())
        .collect()
}

/// pbench reaches its clients at their address, over SSH on port 22 and
/// on the benchmark's own port (fio's `--client`, uperf's): a worker
/// behind a forwarded port cannot be one. An error naming it, if any.
pub fn refuse_forwarded(run: &TestRun, test: &str) -> PluginResult<()> {
    match forwarded_workers(run).first() {
        None => Ok(()),
        Some((name, address)) => Err(PluginError::new(format!(
            "pbench-{test} on {} cannot drive worker {name}: it is reached through the forwarded \
             port {address} (libvirt profile with network user), and pbench connects to its \
             clients on port 22 and on {test}'s own port; remove pbench-agent from {} to run \
             {test} natively over SSH, or use the profile's network default",
            run.host, run.host
        ))),
    }
}

/// Runs `invocation` on the host and copies its result dir into
/// `run.output_dir` (with `RUNPERF_METADATA.json` injected first).
pub fn run_pbench(host: &Host<'_>, run: &TestRun, invocation: &Invocation<'_>) -> PluginResult<()> {
    let clients = crate::launch::clients(run, &format!("pbench-{}", invocation.test))?;
    let bin = packages::find(host, &run.host, invocation.test)?;
    let clients: Vec<String> = clients.iter().map(|c| address_of(run, c)).collect();
    let line = invocation.command_line(bin.as_deref(), &clients);
    host.log(LogLevel::Debug, &format!("running on {}: {line}", run.host));
    let mut command = Command::shell(line).timeout(TIMEOUT);
    if let Some(stall) = watchdog_secs(invocation.params) {
        command = command.stall(stall);
    }
    let out = host.run(&run.host, &command)?;
    let src = newest_result_dir(host, &run.host, invocation.test)?;
    if !out.success() {
        destroy_leftovers(host, run);
        if let Some(src) = &src {
            // Keep whatever pbench produced for the post-mortem.
            let _ = copy_back(host, &run.host, src, Path::new(&run.output_dir));
        }
        return Err(PluginError::new(format!(
            "pbench-{} on {} exited with {} (leftover pbench/benchmark processes were killed, \
             make sure your workloads were not affected)",
            invocation.test, run.host, out.status
        ))
        .with_cause(tail(&out.stdout, &out.stderr)));
    }
    let src = src.ok_or_else(|| {
        PluginError::new(format!(
            "pbench-{} on {} succeeded but no /var/lib/pbench-agent/{}__*/ dir exists",
            invocation.test, run.host, invocation.test
        ))
    })?;
    let meta = metadata::metadata_json(host, run)?;
    host.write_file(
        &run.host,
        &format!("{src}/RUNPERF_METADATA.json"),
        meta.as_bytes(),
    )?;
    if run.metadata.contains_key("pbench_server_publish") {
        let mut argv = vec!["pbench-copy-results".to_owned()];
        for (key, option) in [("project", "--user"), ("build", "--prefix")] {
            if let Some(value) = run.metadata.get(key) {
                let text = value
                    .as_str()
                    .map_or_else(|| value.to_string(), str::to_owned);
                argv.extend([option.to_owned(), text]);
            }
        }
        host.run_ok(&run.host, &Command::argv(argv).timeout(600.0))?;
    }
    copy_back(host, &run.host, &src, Path::new(&run.output_dir))
}

fn tail(stdout: &str, stderr: &str) -> String {
    let text = format!("{stdout}\n{stderr}");
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    lines[lines.len().saturating_sub(20)..].join("\n")
}

/// The newest `/var/lib/pbench-agent/<test>__*` dir on `machine`.
fn newest_result_dir(host: &Host<'_>, machine: &str, test: &str) -> PluginResult<Option<String>> {
    let out = host.run(
        machine,
        &Command::argv([
            "sh",
            "-c",
            "ls -dt /var/lib/pbench-agent/\"$1\"__*/ 2>/dev/null | head -n 1",
            "sh",
            test,
        ]),
    )?;
    let dir = out.stdout.trim().trim_end_matches('/');
    Ok((!dir.is_empty()).then(|| dir.to_owned()))
}

/// Copies the pbench result dir `src` so that its `result.json` ends up
/// directly in `output` (whether the host copies the dir or its content).
fn copy_back(host: &Host<'_>, machine: &str, src: &str, output: &Path) -> PluginResult<()> {
    host.copy_from(machine, &format!("{src}/"), &output.to_string_lossy())?;
    if output.join("result.json").exists() {
        return Ok(());
    }
    let name = src.rsplit('/').next().unwrap_or_default();
    let nested = output.join(name);
    if nested.join("result.json").exists() {
        let entries = std::fs::read_dir(&nested)
            .map_err(|e| PluginError::new(format!("cannot list {}: {e}", nested.display())))?;
        for entry in entries.flatten() {
            let target = output.join(entry.file_name());
            std::fs::rename(entry.path(), &target).map_err(|e| {
                PluginError::new(format!(
                    "cannot move {} into {}: {e}",
                    entry.path().display(),
                    output.display()
                ))
            })?;
        }
        let _ = std::fs::remove_dir(&nested);
        return Ok(());
    }
    Err(PluginError::new(format!(
        "no result.json in the pbench result {src} copied from {machine} to {}",
        output.display()
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pbench_refuses_a_worker_behind_a_forwarded_port() {
        let mut run = TestRun {
            host: "h".into(),
            workers: vec![vec!["vm0".into()]],
            ..TestRun::default()
        };
        refuse_forwarded(&run, "fio").unwrap();
        run.addresses.insert("vm0".into(), "192.0.2.10".into());
        refuse_forwarded(&run, "fio").unwrap();
        run.addresses.insert("vm0".into(), "127.0.0.1:10022".into());
        let err = refuse_forwarded(&run, "fio").unwrap_err().to_string();
        assert!(
            err.contains("pbench-fio on h")
                && err.contains("vm0")
                && err.contains("127.0.0.1:10022"),
            "{err}"
        );
    }

    #[test]
    fn command_line_quotes_every_value() {
        let params = BTreeMap::from([
            ("runtime".to_owned(), "60".to_owned()),
            (
                "targets".to_owned(),
                "$(touch /tmp/pwned); echo 'x'".to_owned(),
            ),
        ]);
        let inv = Invocation {
            test: "fio",
            program: None,
            params: &params,
            trailing: vec![("servers".into(), "a,b".into())],
            env: vec![("PERL5LIB".into(), "/x:/y".into())],
        };
        let line = inv.command_line(Some("/usr/bin/fio"), &["w1".into(), "w2".into()]);
        assert_eq!(
            line,
            ". /opt/pbench-agent/base && PERL5LIB='/x:/y' benchmark_bin='/usr/bin/fio' pbench-fio \
             --runtime='60' --targets='$(touch /tmp/pwned); echo '\\''x'\\''' --clients='w1,w2' --servers='a,b'"
        );
    }

    #[test]
    fn watchdog_is_three_runtimes_at_least_360() {
        let mut params = BTreeMap::from([("runtime".to_owned(), "180".to_owned())]);
        assert_eq!(watchdog_secs(&params), Some(540.0));
        params.insert("runtime".into(), "10".into());
        assert_eq!(watchdog_secs(&params), Some(360.0));
        params.remove("runtime");
        assert_eq!(watchdog_secs(&params), None);
    }
}
