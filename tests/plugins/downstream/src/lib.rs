//! ACME's runperf plugins: our own `Localhost` (pins the CPU governor to
//! `performance` for the run) overriding the built-in one, and a result
//! parser for our `metrics.json` files.

use runperf_plugin_sdk::{
    Applied, Command, Host, LogLevel, ParsedCheck, PluginError, PluginResult, Profile,
    ProfileContext, Registry, ResultParser,
};

struct Localhost {
    host: String,
}

impl Profile for Localhost {
    fn apply(&mut self, host: &Host<'_>, _setup_script: Option<&str>) -> PluginResult<Applied> {
        let governor = "/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor";
        let out = host.run(&self.host, &Command::argv(["cat", governor]))?;
        host.log(
            LogLevel::Info,
            &format!("governor before the run: {}", out.stdout.trim()),
        );
        Ok(Applied::workers(vec![self.host.clone()]))
    }

    fn revert(&mut self, _host: &Host<'_>) -> PluginResult<bool> {
        Ok(false)
    }
}

/// Reads `metrics.json`: `{"name": number, ...}`, every value primary.
struct Metrics;

impl ResultParser for Metrics {
    fn handles(&self, file_name: &str) -> bool {
        file_name == "metrics.json"
    }

    fn parse(&self, path: &str) -> PluginResult<Vec<ParsedCheck>> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| PluginError::new(format!("cannot read {path}: {e}")))?;
        let values: std::collections::BTreeMap<String, f64> =
            runperf_plugin_sdk::serde_json::from_str(&text)?;
        Ok(values
            .into_iter()
            .map(|(name, value)| ParsedCheck::number(format!("./metrics/{name}.mean"), value, true))
            .collect())
    }
}

fn registry() -> Registry {
    Registry::new("acme-runperf-plugins")
        // "40" sorts before the built-in "50Localhost", so this one wins.
        .profile(
            "Localhost",
            "40Localhost",
            "ACME bare metal",
            |ctx: ProfileContext| Ok(Box::new(Localhost { host: ctx.host })),
        )
        .result_parser("AcmeMetrics", "50AcmeMetrics", "ACME metrics.json", || {
            Ok(Box::new(Metrics))
        })
}

runperf_plugin_sdk::export_plugin!(registry);
