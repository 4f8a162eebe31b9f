//! Host params measured on the host itself when no `hosts/ADDR.yaml` or
//! `--force-params` defines them: this machine without `--hosts` (so that
//! `run-perf fio` works out of the box) and any `--hosts` machine, over
//! its own transport (SSH), so a lab host without a params file still
//! runs. What was measured is logged; the params are recorded with the
//! host like defined ones.

use serde_json::{Map, Value, json};

use crate::machine::{Command, HostParams, ParamsError, Transport, TransportError};

/// The number a shell line prints; `None` when it printed something else.
fn number(machine: &dyn Transport, line: &str) -> Result<Option<u64>, TransportError> {
    let out = machine.run(&Command::shell(line))?;
    Ok(out.stdout.trim().parse().ok())
}

/// Values measured on `machine` for the required host params. A machine
/// that cannot be asked is an error; a value it does not report falls
/// back to a safe default (1 CPU, 2 GiB, one NUMA node, 2 MiB pages).
pub fn measure(machine: &dyn Transport) -> Result<Map<String, Value>, TransportError> {
    let cpus = number(machine, "nproc")?.unwrap_or(1).max(1);
    let mem_kb =
        number(machine, "awk '/^MemTotal:/ {print $2}' /proc/meminfo")?.unwrap_or(2 * 1024 * 1024);
    let nodes = number(
        machine,
        "ls -d /sys/devices/system/node/node[0-9]* 2>/dev/null | wc -l",
    )?
    .unwrap_or(1)
    .max(1);
    let hugepage =
        number(machine, "awk '/^Hugepagesize:/ {print $2}' /proc/meminfo")?.unwrap_or(2048);
    let arch = machine.run(&Command::argv(["uname", "-m"]))?;
    let arch = match arch.stdout.trim() {
        "" => std::env::consts::ARCH.to_owned(),
        arch => arch.to_owned(),
    };
    let guest_mem_m = (mem_kb / 1024 / 2 / 512 * 512).max(512);
    let fields = json!({
        "host_cpus": cpus,
        "guest_cpus": (cpus / 2).max(1),
        "guest_mem_m": guest_mem_m,
        "numa_nodes": nodes,
        "hugepage_kb": hugepage,
        "arch": arch,
    });
    Ok(fields.as_object().cloned().unwrap_or_default())
}

/// Why params could be neither loaded nor measured.
#[derive(Debug, thiserror::Error)]
pub enum DetectError {
    /// The params files or `--force-params` are wrong.
    #[error(transparent)]
    Params(#[from] ParamsError),
    /// The host could not be asked.
    #[error(
        "measuring the params {missing} of {address}, which no hosts/{address}.yaml defines: {source}"
    )]
    Measure {
        address: String,
        missing: String,
        #[source]
        source: Box<TransportError>,
    },
}

/// Loads params of `address` like any host, filling only the required
/// keys that nothing defined with values measured on `machine`.
pub fn load_or_measure(
    address: &str,
    paths: &[std::path::PathBuf],
    force: Option<&Value>,
    machine: &dyn Transport,
) -> Result<HostParams, DetectError> {
    match HostParams::load(address, paths, force) {
        Err(ParamsError::Missing {
            missing, looked, ..
        }) => {
            let measured = measure(machine).map_err(|source| DetectError::Measure {
                address: address.to_owned(),
                missing: missing.join(", "),
                source: Box::new(source),
            })?;
            let mut overrides: Map<String, Value> = missing
                .iter()
                .filter_map(|k| measured.get(k).map(|v| (k.clone(), v.clone())))
                .collect();
            if let Some(user) = force
                .and_then(|f| f.get(address))
                .and_then(Value::as_object)
            {
                overrides.extend(user.clone());
            }
            let shown = Value::Object(overrides.clone()).to_string();
            tracing::info!(
                "params {} of {address} are defined neither in a params file ({}) nor by --force-params; using values measured there: {shown}",
                missing.join(", "),
                ParamsError::describe_looked(address, &looked),
            );
            Ok(HostParams::load(
                address,
                paths,
                Some(&json!({ address: overrides })),
            )?)
        }
        other => Ok(other?),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::machine::LocalTransport;

    #[test]
    fn this_machine_is_measured_when_no_file_defines_it() {
        let params = load_or_measure(
            "measured.example",
            &[],
            Some(&json!({"measured.example": {"guest_cpus": 7}})),
            &LocalTransport::default(),
        )
        .unwrap();
        let nproc = std::process::Command::new("nproc").output().unwrap();
        let cpus: u64 = String::from_utf8_lossy(&nproc.stdout)
            .trim()
            .parse()
            .unwrap();
        assert_eq!(params.get("host_cpus"), Some(&json!(cpus)));
        assert_eq!(
            params.get("guest_cpus"),
            Some(&json!(7)),
            "the user's value wins"
        );
        assert_eq!(
            params.get("arch").and_then(Value::as_str),
            Some(std::env::consts::ARCH)
        );
    }
}
