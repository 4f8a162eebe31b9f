//! ACME's runperf plugins: our own `Localhost` (pins the CPU governor to
//! `performance` for the run) overriding the built-in one, a result
//! parser for our `metrics.json` files and a pbench installer using our
//! package mirror, tried before the built-in `Dnf`.

use runperf_plugin_sdk::{
    Applied, Command, Host, LogLevel, ParsedCheck, PbenchInstall, PbenchInstaller, PbenchRequest,
    PluginError, PluginResult, Profile, ProfileContext, Registry, ResultParser, serde_json::Value,
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

/// Installs pbench from the mirror named by the metadata
/// `acme_pbench_mirror`; without one it does not apply and the next
/// installer (the built-in `Dnf`) is tried.
struct AcmeMirror;

impl PbenchInstaller for AcmeMirror {
    fn install(&mut self, host: &Host<'_>, request: &PbenchRequest) -> PluginResult<PbenchInstall> {
        let Some(Value::String(mirror)) = host.metadata()?.remove("acme_pbench_mirror") else {
            let reason = "no acme_pbench_mirror in the metadata";
            return Ok(PbenchInstall::DoesNotApply(reason.into()));
        };
        let mut argv = vec!["acme-pkg", "install", "--mirror", &mirror, "pbench-agent"];
        let packages = request
            .test
            .as_ref()
            .map(|t| [t.clone(), format!("pbench-{t}")]);
        argv.extend(packages.iter().flatten().map(String::as_str));
        host.run_ok(&request.machine, &Command::argv(argv))?;
        Ok(PbenchInstall::Installed)
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
        // "40" sorts before the built-in "50Dnf", so this one is tried first.
        .pbench_installer(
            "AcmeMirror",
            "40AcmeMirror",
            "pbench from ACME's mirror",
            || Ok(Box::new(AcmeMirror)),
        )
}

runperf_plugin_sdk::export_plugin!(registry);
