//! Reading the `key: value` params of a test: comma lists, integers, and
//! the reference defaults under the user's values. Messages name the test
//! and the param.

use std::collections::BTreeMap;

use runperf_plugin_sdk::{PluginError, PluginResult};

/// Reads the params of one test.
pub struct ParamReader {
    /// The test's name in messages (`fio`).
    pub test: &'static str,
    /// What its integer params may be (`non-negative integer`).
    pub integer: &'static str,
}

impl ParamReader {
    /// A comma-separated list with at least one item.
    pub fn list(&self, key: &str, value: &str) -> PluginResult<Vec<String>> {
        let items: Vec<String> = value
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        if items.is_empty() {
            return Err(PluginError::new(format!(
                "{} param {key} is empty; give at least one value",
                self.test
            )));
        }
        Ok(items)
    }

    /// An integer.
    pub fn number<T: std::str::FromStr>(&self, key: &str, value: &str) -> PluginResult<T> {
        value.trim().parse().map_err(|_| {
            PluginError::new(format!(
                "{} param {key} must be a {}, not {value:?}",
                self.test, self.integer
            ))
        })
    }
}

/// `params` over `defaults`.
pub fn over_defaults(
    defaults: &[(&str, &str)],
    params: BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    let mut out: BTreeMap<String, String> = defaults
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    out.extend(params);
    out
}
