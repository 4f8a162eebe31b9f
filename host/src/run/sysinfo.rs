//! What run-perf records about machines: the environment of each host
//! (`environment_world` in RUNPERF_METADATA) and the logs and command
//! outputs of the `__sysinfo_before__` / `__sysinfo__` dirs, including the
//! kernel `Call Trace` check.

use std::{
    path::{Path, PathBuf},
    time::{SystemTime, UNIX_EPOCH},
};

use anyhow::Context;
use runperf_plugin_sdk::safe_name;
use serde_json::{Map, Value};

use crate::machine::{Command, Machine, Transport};

/// Commands whose output is the machine's environment, keyed like the
/// reference's `get_distro_info`.
const ENVIRONMENT: [(&str, &str); 4] = [
    (
        "mitigations",
        "grep --color=never . /sys/devices/system/cpu/vulnerabilities/*",
    ),
    (
        "systemctl",
        "systemctl | grep -v 'session-[0-9]*\\.scope' | tr -s ' ' | uniq | sort",
    ),
    (
        "runperf_sysinfo",
        "cat /var/lib/runperf/sysinfo | uniq | sort",
    ),
    (
        "packages",
        "if command -v rpm >/dev/null; then rpm -qa | sort; elif command -v dpkg-query >/dev/null; then dpkg-query -W | sort; fi",
    ),
];

fn output_of(machine: &Machine, line: &str) -> String {
    match machine.run(&Command::shell(line)) {
        Ok(out) => out.stdout,
        Err(err) => format!("<failed: {err}>"),
    }
}

/// The environment of a host: name and distro, kernel (raw, and with the
/// sorted command line with the kernel version filtered out), mitigations,
/// installed packages, systemd units, `/var/lib/runperf/sysinfo`, params.
pub fn environment(machine: &Machine, distro: &str) -> Map<String, Value> {
    let mut info = Map::new();
    info.insert(
        "general".into(),
        format!("Name:{}\nDistro:{distro}", machine.name()).into(),
    );
    let kernel = output_of(machine, "uname -r; uname -v; uname -m; uname -o")
        .trim_end()
        .to_owned();
    let version = kernel.lines().next().unwrap_or_default().trim().to_owned();
    let cmdline = output_of(machine, "cat /proc/cmdline")
        .trim_end()
        .to_owned();
    info.insert("kernel_raw".into(), format!("{kernel}\n{cmdline}").into());
    let filtered = if version.is_empty() {
        cmdline.clone()
    } else {
        cmdline.replace(&version, "FILTERED")
    };
    let mut parts: Vec<&str> = filtered.split_whitespace().collect();
    parts.sort_unstable();
    info.insert(
        "kernel".into(),
        format!("{kernel}\n{}", parts.join(" ")).into(),
    );
    for (key, line) in ENVIRONMENT {
        info.insert(key.into(), output_of(machine, line).into());
    }
    if let Some(params) = machine.params() {
        let text: Vec<String> = params
            .values()
            .iter()
            .map(|(k, v)| {
                format!(
                    "{k}: {}",
                    v.as_str().map_or_else(|| v.to_string(), str::to_owned)
                )
            })
            .collect();
        info.insert("params".into(), text.join("\n").into());
    }
    info
}

/// Collects logs from machines into sysinfo dirs; remembers when it last
/// collected so that each journal holds only what is new.
#[derive(Debug)]
pub struct LogFetcher {
    since: u64,
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl Default for LogFetcher {
    fn default() -> Self {
        Self { since: now() }
    }
}

impl LogFetcher {
    /// Writes `DIR/<machine>/COMMANDS/<command>` files for `machine`.
    pub fn collect(&mut self, dir: &Path, machine: &Machine) -> anyhow::Result<PathBuf> {
        let out = dir.join(safe_name(machine.name())).join("COMMANDS");
        std::fs::create_dir_all(&out)
            .with_context(|| format!("cannot create {}", out.display()))?;
        let started = now();
        let journal = format!("journalctl --no-pager --since=@{}", self.since);
        let commands = [
            journal.as_str(),
            "cat /proc/cmdline",
            "grep --color=never . /sys/devices/system/cpu/vulnerabilities/*",
            "systemctl",
            "cat /var/lib/runperf/sysinfo",
        ];
        for line in commands {
            let path = out.join(safe_name(line));
            std::fs::write(&path, output_of(machine, line))
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
        self.since = started;
        Ok(out)
    }
}

/// Fails when a collected journal under `dir` shows a kernel call trace.
pub fn check_call_traces(dir: &Path) -> anyhow::Result<()> {
    let mut found = Vec::new();
    let Ok(machines) = std::fs::read_dir(dir) else {
        return Ok(());
    };
    for machine in machines.filter_map(Result::ok) {
        let commands = machine.path().join("COMMANDS");
        let Ok(files) = std::fs::read_dir(&commands) else {
            continue;
        };
        for file in files.filter_map(Result::ok) {
            let name = file.file_name().to_string_lossy().into_owned();
            if !name.starts_with("journalctl") {
                continue;
            }
            let text = std::fs::read_to_string(file.path()).unwrap_or_default();
            if text.contains("kernel: Call Trace:") {
                found.push(format!(
                    "{}: 'kernel: Call Trace' detected",
                    file.path().display()
                ));
            }
        }
    }
    if found.is_empty() {
        Ok(())
    } else {
        anyhow::bail!("Issue(s) detected:\n{}", found.join("\n"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn call_traces_in_journals_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let commands = dir.path().join("h1/COMMANDS");
        std::fs::create_dir_all(&commands).unwrap();
        std::fs::write(
            commands.join("journalctl --no-pager --since=@1"),
            "all fine\n",
        )
        .unwrap();
        check_call_traces(dir.path()).unwrap();
        std::fs::write(commands.join("cat _proc_cmdline"), "kernel: Call Trace:\n").unwrap();
        check_call_traces(dir.path()).unwrap();
        std::fs::write(
            commands.join("journalctl --no-pager --since=@2"),
            "x kernel: Call Trace:\n",
        )
        .unwrap();
        let err = check_call_traces(dir.path()).unwrap_err().to_string();
        assert!(
            err.contains("journalctl --no-pager --since=@2': 'kernel: Call Trace' detected")
                || err.contains("Call Trace' detected"),
            "{err}"
        );
    }
}
