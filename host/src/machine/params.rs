//! [`HostParams`]: what a host offers (CPUs, memory, hugepages, NUMA),
//! from `hosts/ADDR.yaml` under the `--paths` dirs, overridden by
//! `--force-params '{"ADDR": {...}}'`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::tree_copy::is_safe_entry_name;

/// Keys every host must define.
pub const REQUIRED_HOST_KEYS: [&str; 6] = [
    "hugepage_kb",
    "numa_nodes",
    "host_cpus",
    "guest_cpus",
    "guest_mem_m",
    "arch",
];

/// Why host params could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ParamsError {
    /// Required keys are missing.
    #[error(
        "host {host} lacks params {}; {}; define them there or pass --force-params '{{\"{host}\": {{...}}}}'",
        missing.join(", "),
        ParamsError::describe_looked(host, looked)
    )]
    Missing {
        host: String,
        missing: Vec<String>,
        looked: Vec<PathBuf>,
    },
    /// A file could not be read.
    #[error("cannot read host params {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A file is not a YAML mapping.
    #[error("host params {} are not a valid YAML mapping: {detail}", path.display())]
    Parse { path: PathBuf, detail: String },
    /// `--force-params` is not `{"ADDR": {...}}`.
    #[error("--force-params must be a JSON object of host address to params object: {detail}")]
    ForceParams { detail: String },
    /// A value has the wrong type.
    #[error("host param {key} of {host} must be {expected}, got {value}")]
    Invalid {
        host: String,
        key: String,
        expected: &'static str,
        value: String,
    },
    /// The address cannot name a file.
    #[error("host address {0:?} cannot name a params file (it contains '/' or starts with '.')")]
    UnsafeAddress(String),
}

impl ParamsError {
    /// Where `hosts/ADDR.yaml` was looked for, in words: every file tried,
    /// or that no asset dir was there to look in.
    pub fn describe_looked(address: &str, looked: &[PathBuf]) -> String {
        if looked.is_empty() {
            return format!(
                "no hosts/{address}.yaml was looked for: no --paths dir was given and none of the standard asset dirs (~/.config/runperf, /etc/runperf, the install's share/runperf) exists"
            );
        }
        let files: Vec<String> = looked.iter().map(|p| p.display().to_string()).collect();
        format!("looked for {}", files.join(", "))
    }
}

/// Validated host params; every key is kept (profiles and rc.local
/// templates may use more than the required ones).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct HostParams {
    values: BTreeMap<String, Value>,
}

impl HostParams {
    /// Load params of `address`: the first `DIR/hosts/ADDR.yaml` among
    /// `paths`, then the `force_params[address]` object on top.
    pub fn load(
        address: &str,
        paths: &[PathBuf],
        force_params: Option<&Value>,
    ) -> Result<Self, ParamsError> {
        let file_name = format!("{address}.yaml");
        if !is_safe_entry_name(&file_name) || address.starts_with('.') {
            return Err(ParamsError::UnsafeAddress(address.to_string()));
        }
        let looked: Vec<PathBuf> = paths
            .iter()
            .map(|dir| dir.join("hosts").join(&file_name))
            .collect();
        let mut values = match looked.iter().find(|path| path.exists()) {
            Some(path) => read_yaml(path)?,
            None => BTreeMap::new(),
        };
        if let Some(force) = force_params {
            let Value::Object(hosts) = force else {
                return Err(ParamsError::ForceParams {
                    detail: format!("got {force}"),
                });
            };
            match hosts.get(address) {
                Some(Value::Object(overrides)) => {
                    tracing::debug!("overriding params of {address} via --force-params");
                    values.extend(overrides.iter().map(|(k, v)| (k.clone(), v.clone())));
                }
                Some(other) => {
                    return Err(ParamsError::ForceParams {
                        detail: format!("the value for {address} is {other}"),
                    });
                }
                None => {}
            }
        }
        let missing: Vec<String> = REQUIRED_HOST_KEYS
            .iter()
            .filter(|key| !values.contains_key(**key))
            .map(|key| key.to_string())
            .collect();
        if !missing.is_empty() {
            return Err(ParamsError::Missing {
                host: address.to_string(),
                missing,
                looked,
            });
        }
        let params = Self { values };
        params.validate(address)?;
        Ok(params)
    }

    fn validate(&self, host: &str) -> Result<(), ParamsError> {
        let invalid = |key: &str, expected, value: &Value| ParamsError::Invalid {
            host: host.to_string(),
            key: key.to_string(),
            expected,
            value: value.to_string(),
        };
        for key in [
            "hugepage_kb",
            "numa_nodes",
            "host_cpus",
            "guest_cpus",
            "guest_mem_m",
        ] {
            if let Some(value) = self.values.get(key).filter(|v| v.as_u64().is_none()) {
                return Err(invalid(key, "a non-negative integer", value));
            }
        }
        if let Some(value) = self.values.get("arch").filter(|v| !v.is_string()) {
            return Err(invalid("arch", "a string such as x86_64", value));
        }
        if let Some(value) = self.values.get("disable_smt").filter(|v| !v.is_boolean()) {
            return Err(invalid("disable_smt", "true or false", value));
        }
        Ok(())
    }

    fn number(&self, key: &str) -> u64 {
        self.values.get(key).and_then(Value::as_u64).unwrap_or(0)
    }

    /// Hugepage memory to reserve, in KiB.
    pub fn hugepage_kb(&self) -> u64 {
        self.number("hugepage_kb")
    }
    /// NUMA nodes of the host.
    pub fn numa_nodes(&self) -> u64 {
        self.number("numa_nodes")
    }
    /// CPUs kept for the host.
    pub fn host_cpus(&self) -> u64 {
        self.number("host_cpus")
    }
    /// CPUs given to guests.
    pub fn guest_cpus(&self) -> u64 {
        self.number("guest_cpus")
    }
    /// Memory given to guests, in MiB.
    pub fn guest_mem_m(&self) -> u64 {
        self.number("guest_mem_m")
    }
    /// CPU architecture, e.g. `x86_64`.
    pub fn arch(&self) -> &str {
        self.values
            .get("arch")
            .and_then(Value::as_str)
            .unwrap_or_default()
    }
    /// Whether SMT must be turned off on the host.
    pub fn disable_smt(&self) -> bool {
        self.values
            .get("disable_smt")
            .and_then(Value::as_bool)
            .unwrap_or(false)
    }
    /// Any param by name.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.values.get(key)
    }
    /// All params, sorted by name.
    pub fn values(&self) -> &BTreeMap<String, Value> {
        &self.values
    }
    /// `key: value` lines sorted by key (the `params` entry of a machine's
    /// environment info).
    pub fn describe(&self) -> String {
        self.values
            .iter()
            .map(|(k, v)| match v {
                Value::String(s) => format!("{k}: {s}"),
                other => format!("{k}: {other}"),
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}

fn read_yaml(path: &Path) -> Result<BTreeMap<String, Value>, ParamsError> {
    let text = std::fs::read_to_string(path).map_err(|source| ParamsError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let parsed: Value = serde_norway::from_str(&text).map_err(|e| ParamsError::Parse {
        path: path.to_path_buf(),
        detail: e.to_string(),
    })?;
    match parsed {
        Value::Object(map) => Ok(map.into_iter().collect()),
        Value::Null => Ok(BTreeMap::new()),
        other => Err(ParamsError::Parse {
            path: path.to_path_buf(),
            detail: format!("top level is {other}, not a mapping"),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = "arch: x86_64\nhugepage_kb: 1048576\nnuma_nodes: 2\nhost_cpus: 16\nguest_cpus: 8\nguest_mem_m: 22528\ndisable_smt: true\n";

    #[test]
    fn first_path_wins_and_force_params_override() {
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        for dir in [a.path(), b.path()] {
            std::fs::create_dir(dir.join("hosts")).unwrap();
        }
        std::fs::write(b.path().join("hosts/h1.example.org.yaml"), EXAMPLE).unwrap();
        std::fs::write(a.path().join("hosts/other.yaml"), "arch: ppc64le\n").unwrap();
        let paths = [a.path().to_path_buf(), b.path().to_path_buf()];
        let force = serde_json::json!({"h1.example.org": {"guest_cpus": 4, "extra": "x"}});
        let params = HostParams::load("h1.example.org", &paths, Some(&force)).unwrap();
        assert_eq!(params.arch(), "x86_64");
        assert_eq!(params.guest_cpus(), 4);
        assert_eq!(params.guest_mem_m(), 22528);
        assert!(params.disable_smt());
        assert_eq!(params.get("extra"), Some(&Value::from("x")));
        assert!(
            params
                .describe()
                .starts_with("arch: x86_64\ndisable_smt: true\nextra: x\n")
        );
    }

    #[test]
    fn force_params_alone_are_enough() {
        let force = serde_json::json!({"192.0.2.1": {"arch": "aarch64", "hugepage_kb": 0,
            "numa_nodes": 1, "host_cpus": 2, "guest_cpus": 1, "guest_mem_m": 1024}});
        let params = HostParams::load("192.0.2.1", &[], Some(&force)).unwrap();
        assert_eq!(params.arch(), "aarch64");
        assert!(!params.disable_smt());
    }

    #[test]
    fn missing_keys_are_listed_with_where_they_were_looked_for() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("hosts")).unwrap();
        std::fs::write(
            dir.path().join("hosts/h2.yaml"),
            "arch: x86_64\nhost_cpus: 4\n",
        )
        .unwrap();
        let err = HostParams::load("h2", &[dir.path().to_path_buf()], None).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("hugepage_kb, numa_nodes, guest_cpus, guest_mem_m"),
            "{text}"
        );
        assert!(
            text.contains(&dir.path().join("hosts/h2.yaml").display().to_string()),
            "{text}"
        );
        assert!(text.contains("--force-params"), "{text}");
    }

    #[test]
    fn bad_values_and_addresses_are_rejected() {
        let force = serde_json::json!({"h": {"arch": 1, "hugepage_kb": 0, "numa_nodes": 1,
            "host_cpus": 2, "guest_cpus": 1, "guest_mem_m": 1024}});
        assert!(matches!(
            HostParams::load("h", &[], Some(&force)),
            Err(ParamsError::Invalid { .. })
        ));
        assert!(matches!(
            HostParams::load("../../etc/x", &[], None),
            Err(ParamsError::UnsafeAddress(_))
        ));
        assert!(matches!(
            HostParams::load("h", &[], Some(&Value::from(3))),
            Err(ParamsError::ForceParams { .. })
        ));
    }
}
