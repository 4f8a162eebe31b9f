//! uperf's params: pbench-uperf's names and the reference's defaults,
//! parsed from text values and validated for native mode.

use std::collections::BTreeMap;

use runperf_plugin_sdk::{PluginError, PluginResult};

use pbench_support::params::{ParamReader, over_defaults};

/// Test types pbench-uperf supports.
pub const TEST_TYPES: [&str; 4] = ["stream", "maerts", "bidirec", "rr"];

/// Defaults the reference passes to pbench-uperf (also in pbench mode).
pub const REFERENCE_DEFAULTS: [(&str, &str); 5] = [
    ("test-types", "stream"),
    ("runtime", "60"),
    ("samples", "3"),
    ("protocols", "tcp"),
    ("message-sizes", "1,64,16384"),
];

/// Params native mode accepts (pbench mode passes anything through).
pub const ACCEPTED: [&str; 9] = [
    "instances",
    "max-failures",
    "max-stddev",
    "message-sizes",
    "protocols",
    "runtime",
    "samples",
    "servers",
    "test-types",
];

/// Validated params of a native uperf run.
#[derive(Debug, Clone, PartialEq)]
pub struct UperfParams {
    /// `stream`, `maerts`, `bidirec`, `rr`.
    pub test_types: Vec<String>,
    /// Measured seconds per sample (uperf runs 6 s more, trimmed).
    pub runtime: u64,
    /// Samples per iteration.
    pub samples: u32,
    /// `tcp`, `udp`.
    pub protocols: Vec<String>,
    /// Message sizes in bytes.
    pub message_sizes: Vec<u64>,
    /// Threads per client.
    pub instances: Vec<u32>,
    /// Max stddev (%) of the primary metric before an attempt is failed.
    pub max_stddev: f64,
    /// Attempts of an iteration whose stddev stays too high.
    pub max_failures: u32,
    /// Server address for each client, overriding the host's name.
    pub servers: Vec<String>,
}

/// Native defaults: the reference's, then pbench-uperf's.
const NATIVE_DEFAULTS: [(&str, &str); 8] = [
    ("test-types", "stream"),
    ("runtime", "60"),
    ("samples", "3"),
    ("protocols", "tcp"),
    ("message-sizes", "1,64,16384"),
    ("instances", "1,8,64"),
    ("max-stddev", "5"),
    ("max-failures", "6"),
];

/// The params passed to pbench-uperf: the user's over the reference defaults.
pub fn pbench_params(params: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    over_defaults(&REFERENCE_DEFAULTS, params.clone())
}

const READ: ParamReader = ParamReader {
    test: "uperf",
    integer: "positive integer",
};

fn numbers<T: std::str::FromStr + PartialEq + Default>(
    key: &str,
    value: &str,
) -> PluginResult<Vec<T>> {
    let out = READ
        .list(key, value)?
        .iter()
        .map(|v| READ.number(key, v))
        .collect::<PluginResult<Vec<T>>>()?;
    if out.contains(&T::default()) {
        return Err(PluginError::new(format!(
            "uperf param {key} values must be positive"
        )));
    }
    Ok(out)
}

fn one_of(key: &str, items: &[String], allowed: &[&str]) -> PluginResult<()> {
    match items.iter().find(|t| !allowed.contains(&t.as_str())) {
        Some(bad) => Err(PluginError::new(format!(
            "uperf {key} value {bad:?} is not one of {}",
            allowed.join(", ")
        ))),
        None => Ok(()),
    }
}

impl UperfParams {
    /// Parses `params` (text values) for native mode.
    pub fn parse(params: &BTreeMap<String, String>) -> PluginResult<Self> {
        if let Some(unknown) = params.keys().find(|k| !ACCEPTED.contains(&k.as_str())) {
            return Err(PluginError::new(format!(
                "unknown uperf param {unknown:?}; natively run uperf accepts: {} \
                 (other pbench-uperf options need pbench-uperf installed on the host)",
                ACCEPTED.join(", ")
            )));
        }
        let mut all: BTreeMap<&str, &str> = NATIVE_DEFAULTS.iter().copied().collect();
        all.extend(params.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        let get = |key: &str| all.get(key).copied().unwrap_or_default();
        let test_types = READ.list("test-types", get("test-types"))?;
        one_of("test-types", &test_types, &TEST_TYPES)?;
        let protocols = READ.list("protocols", get("protocols"))?;
        one_of("protocols", &protocols, &["tcp", "udp"])?;
        let out = Self {
            test_types,
            runtime: READ.number("runtime", get("runtime"))?,
            samples: READ.number("samples", get("samples"))?,
            protocols,
            message_sizes: numbers("message-sizes", get("message-sizes"))?,
            instances: numbers("instances", get("instances"))?,
            max_stddev: get("max-stddev").trim().parse().map_err(|_| {
                PluginError::new(format!(
                    "uperf param max-stddev must be a number, not {:?}",
                    get("max-stddev")
                ))
            })?,
            max_failures: READ.number("max-failures", get("max-failures"))?,
            servers: all
                .get("servers")
                .map(|s| READ.list("servers", s))
                .transpose()?
                .unwrap_or_default(),
        };
        if out.runtime == 0 || out.samples == 0 {
            return Err(PluginError::new(
                "uperf params runtime and samples must be at least 1",
            ));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn defaults_are_the_reference_ones_then_pbench() {
        let p = UperfParams::parse(&BTreeMap::new()).unwrap();
        assert_eq!(p.test_types, ["stream"]);
        assert_eq!((p.runtime, p.samples), (60, 3));
        assert_eq!(p.protocols, ["tcp"]);
        assert_eq!(p.message_sizes, [1, 64, 16384]);
        assert_eq!(p.instances, [1, 8, 64]);
    }

    #[test]
    fn string_numbers_and_lists() {
        let p = UperfParams::parse(&params(&[
            ("runtime", "10"),
            ("test-types", "rr,stream"),
            ("instances", "2"),
        ]))
        .unwrap();
        assert_eq!((p.runtime, p.instances.as_slice()), (10, [2].as_slice()));
        assert_eq!(p.test_types, ["rr", "stream"]);
    }

    #[test]
    fn errors_name_the_param() {
        for (key, value, needle) in [
            ("bogus", "1", "\"bogus\""),
            ("test-types", "stream,ping", "\"ping\""),
            ("protocols", "sctp", "\"sctp\""),
            ("message-sizes", "0", "positive"),
            ("runtime", "1m", "runtime"),
        ] {
            let err = UperfParams::parse(&params(&[(key, value)])).unwrap_err();
            assert!(err.message().contains(needle), "{key}: {err}");
        }
    }
}
