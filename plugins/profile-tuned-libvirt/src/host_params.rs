//! The host params the libvirt profiles need (`guest_cpus`, `guest_mem_m`,
//! ...), read from `Host::machine_params` and checked once, so that a
//! missing or mistyped key is reported with the machine and the fix.

use runperf_plugin_sdk::{
    Host, PluginError, PluginResult,
    serde_json::{Map, Value},
};

/// Host params, as in `hosts/ADDR.yaml` or `--force-params`.
#[derive(Debug, Clone, PartialEq)]
pub struct HostParams {
    /// Machine the params belong to (for messages).
    pub machine: String,
    /// CPUs of the host.
    pub host_cpus: u64,
    /// CPUs the guests may use.
    pub guest_cpus: u64,
    /// Memory the guests may use, in MiB.
    pub guest_mem_m: u64,
    /// Size of a hugepage, in KiB.
    pub hugepage_kb: u64,
    /// NUMA nodes of the host.
    pub numa_nodes: u64,
    /// Architecture (`x86_64`).
    pub arch: String,
    /// Every param, for `rc.local` templates.
    pub all: Map<String, Value>,
}

impl HostParams {
    /// Reads and checks the params of `machine`.
    pub fn read(host: &Host<'_>, machine: &str) -> PluginResult<Self> {
        let all = host.machine_params(machine)?;
        Self::from_map(machine, all)
    }

    /// Checks the params of `machine` given as a map.
    pub fn from_map(machine: &str, all: Map<String, Value>) -> PluginResult<Self> {
        let number = |key: &str| -> PluginResult<u64> {
            let value = all.get(key).ok_or_else(|| missing(machine, key))?;
            as_number(value).ok_or_else(|| {
                PluginError::new(format!(
                    "host param {key} of {machine} is {value}, not a whole number; \
                     fix it in hosts/ADDR.yaml or --force-params"
                ))
            })
        };
        let arch = match all.get("arch") {
            Some(Value::String(arch)) if !arch.is_empty() => arch.clone(),
            Some(other) => {
                return Err(PluginError::new(format!(
                    "host param arch of {machine} is {other}, not an architecture name like x86_64"
                )));
            }
            None => return Err(missing(machine, "arch")),
        };
        Ok(Self {
            machine: machine.to_owned(),
            host_cpus: number("host_cpus")?,
            guest_cpus: number("guest_cpus")?,
            guest_mem_m: number("guest_mem_m")?,
            hugepage_kb: number("hugepage_kb")?,
            numa_nodes: number("numa_nodes")?,
            arch,
            all,
        })
    }
}

fn missing(machine: &str, key: &str) -> PluginError {
    PluginError::new(format!(
        "host param {key} is not defined for {machine}; define it in hosts/ADDR.yaml \
         (found through --paths) or with --force-params"
    ))
}

/// A whole number from JSON: `8`, `8.0` or `"8"`.
pub fn as_number(value: &Value) -> Option<u64> {
    match value {
        Value::Number(n) => n.as_u64().or_else(|| {
            n.as_f64()
                .filter(|f| f.fract() == 0.0 && *f >= 0.0 && *f < u64::MAX as f64)
                .map(|f| f as u64)
        }),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A boolean the way people write it: `true`, `1`, `"yes"`, `"t"`, ...
pub fn as_bool(value: &Value) -> bool {
    match value {
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => matches!(
            s.trim().to_ascii_lowercase().as_str(),
            "yes" | "true" | "t" | "1" | "on"
        ),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use runperf_plugin_sdk::serde_json::json;

    fn params(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            _ => Map::new(),
        }
    }

    #[test]
    fn reads_the_reference_host_yaml() {
        let p = HostParams::from_map(
            "addr",
            params(
                json!({"arch": "x86_64", "hugepage_kb": 1048576, "numa_nodes": 2,
                          "host_cpus": 16, "guest_cpus": "8", "guest_mem_m": 22528.0,
                          "disable_smt": false}),
            ),
        )
        .unwrap();
        assert_eq!(
            (
                p.host_cpus,
                p.guest_cpus,
                p.guest_mem_m,
                p.hugepage_kb,
                p.numa_nodes
            ),
            (16, 8, 22528, 1048576, 2)
        );
        assert_eq!(p.arch, "x86_64");
    }

    #[test]
    fn missing_or_bad_keys_name_the_machine_and_the_key() {
        let err = HostParams::from_map("box1", params(json!({"arch": "x86_64"}))).unwrap_err();
        assert!(
            err.message().contains("host_cpus is not defined for box1"),
            "{err}"
        );
        let err = HostParams::from_map(
            "box1",
            params(
                json!({"arch": "x86_64", "host_cpus": "many", "guest_cpus": 1,
                          "guest_mem_m": 1, "hugepage_kb": 1, "numa_nodes": 1}),
            ),
        )
        .unwrap_err();
        assert!(err.message().contains("host_cpus of box1"), "{err}");
    }

    #[test]
    fn booleans_as_people_write_them() {
        for yes in [json!(true), json!(1), json!("Yes"), json!(" t ")] {
            assert!(as_bool(&yes), "{yes}");
        }
        for no in [json!(false), json!(0), json!("no"), json!(null), json!("")] {
            assert!(!as_bool(&no), "{no}");
        }
    }
}
