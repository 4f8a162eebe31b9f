//! Host params of the implicit local machine (no `--hosts`), detected
//! from the machine itself when no `hosts/ADDR.yaml` or `--force-params`
//! defines them, so that `run-perf fio` works out of the box.

use serde_json::{Map, Value, json};

use crate::machine::{Command, HostParams, LocalTransport, ParamsError, Transport};

fn number(transport: &LocalTransport, line: &str) -> Option<u64> {
    let out = transport.run(&Command::shell(line)).ok()?;
    out.stdout.trim().parse().ok()
}

/// Values measured on this machine for the required host params.
pub fn detect() -> Map<String, Value> {
    let local = LocalTransport::new("localhost");
    let cpus = number(&local, "nproc").unwrap_or(1).max(1);
    let mem_kb =
        number(&local, "awk '/^MemTotal:/ {print $2}' /proc/meminfo").unwrap_or(2 * 1024 * 1024);
    let nodes = number(
        &local,
        "ls -d /sys/devices/system/node/node[0-9]* 2>/dev/null | wc -l",
    )
    .unwrap_or(1)
    .max(1);
    let hugepage =
        number(&local, "awk '/^Hugepagesize:/ {print $2}' /proc/meminfo").unwrap_or(2048);
    let arch = local
        .run(&Command::argv(["uname", "-m"]))
        .map(|o| o.stdout.trim().to_owned())
        .unwrap_or_else(|_| std::env::consts::ARCH.to_owned());
    let guest_mem_m = (mem_kb / 1024 / 2 / 512 * 512).max(512);
    let fields = json!({
        "host_cpus": cpus,
        "guest_cpus": (cpus / 2).max(1),
        "guest_mem_m": guest_mem_m,
        "numa_nodes": nodes,
        "hugepage_kb": hugepage,
        "arch": arch,
    });
    fields.as_object().cloned().unwrap_or_default()
}

/// Loads params of the local machine like any host, filling only the
/// required keys nothing defined with detected values.
pub fn load_local(
    address: &str,
    paths: &[std::path::PathBuf],
    force: Option<&Value>,
) -> Result<HostParams, ParamsError> {
    match HostParams::load(address, paths, force) {
        Err(ParamsError::Missing { missing, .. }) => {
            let detected = detect();
            let mut overrides: Map<String, Value> = missing
                .iter()
                .filter_map(|k| detected.get(k).map(|v| (k.clone(), v.clone())))
                .collect();
            if let Some(user) = force
                .and_then(|f| f.get(address))
                .and_then(Value::as_object)
            {
                overrides.extend(user.clone());
            }
            let shown = Value::Object(overrides.clone()).to_string();
            tracing::info!(
                "params {} of this machine not defined in hosts/{address}.yaml nor --force-params; using detected values {shown}",
                missing.join(", ")
            );
            HostParams::load(address, paths, Some(&json!({ address: overrides })))
        }
        other => other,
    }
}
