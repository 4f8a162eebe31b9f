//! `run-perf`: run tests under profiles on hosts and write a result tree.

use std::{path::PathBuf, process::ExitCode};

use clap::Parser;
use runperf_plugin_api::ComponentKind;

use super::logging::LogArgs;
use crate::plugins::{Catalog, PluginArgs, SearchPath};

/// Run perf test(s) under profile(s) and store the results.
#[derive(Debug, Parser)]
#[command(name = "run-perf", version, about, infer_long_args = true)]
pub struct Args {
    /// Tests to run, each optionally with JSON params after `:`
    /// (eg. 'fio:{"type":"read"}').
    #[arg(value_name = "TEST[:JSON]", required_unless_present = "list_plugins")]
    pub tests: Vec<String>,
    /// Profiles to run the tests under, each optionally with JSON params
    /// after `:` (eg. 'DefaultLibvirt:{"RUNPERF_TESTS": ["fio"]}').
    #[arg(long, num_args = 1.., value_name = "PROFILE[:JSON]", default_value = "Localhost")]
    pub profiles: Vec<String>,
    /// Host distro name (eg. RHEL-8.0-20180904.n.0).
    #[arg(long, default_value = "Unknown")]
    pub distro: String,
    /// Guest distro (default: the host distro).
    #[arg(long)]
    pub guest_distro: Option<String>,
    /// Hosts to run on, each `[NAME:]ADDR` (default: this machine, no SSH).
    #[arg(long, num_args = 1.., value_name = "[NAME:]ADDR")]
    pub hosts: Vec<String>,
    /// Provision the hosts with this provisioner plugin (optionally `:JSON`).
    #[arg(long, value_name = "NAME[:JSON]")]
    pub provisioner: Option<String>,
    /// Packages (URLs or paths) to install on the hosts.
    #[arg(long, num_args = 1..)]
    pub host_rpms: Vec<String>,
    /// Packages (URLs or paths) to install on the workers.
    #[arg(long, num_args = 1..)]
    pub worker_rpms: Vec<String>,
    /// Keep temporary files (local and remote).
    #[arg(long)]
    pub keep_tmp_files: bool,
    /// Output directory (default ./result_%Y%m%d_%H%M%S).
    #[arg(long)]
    pub output: Option<PathBuf>,
    /// Host params as JSON, overriding the hosts/ADDR.yaml files.
    #[arg(long, value_name = "JSON")]
    pub force_params: Option<String>,
    /// Extra dirs searched for hosts/ADDR.yaml, libvirt/ADDR-tuned.xml and plugins/.
    #[arg(long, num_args = 1.., value_name = "DIR")]
    pub paths: Vec<PathBuf>,
    /// Passwords to try when a machine asks for one.
    #[arg(long, num_args = 1..)]
    pub default_passwords: Vec<String>,
    /// How many times to try a failing test.
    #[arg(long, default_value_t = 3)]
    pub retry_tests: u32,
    /// Script copied to every host and run during setup.
    #[arg(long, value_name = "FILE")]
    pub host_setup_script: Option<PathBuf>,
    /// Reboot the hosts after the setup script.
    #[arg(long)]
    pub host_setup_script_reboot: bool,
    /// Script copied to every worker and run during its setup.
    #[arg(long, value_name = "FILE")]
    pub worker_setup_script: Option<PathBuf>,
    /// Build metadata attached to the results, as KEY=VALUE.
    #[arg(long, num_args = 1.., value_name = "KEY=VALUE")]
    pub metadata: Vec<String>,
    /// List the plugins found and the files rejected, then exit.
    #[arg(long)]
    pub list_plugins: bool,
    #[command(flatten)]
    pub plugins: PluginArgs,
    #[command(flatten)]
    pub log: LogArgs,
}

/// Entry point of the binary.
pub fn main() -> ExitCode {
    super::exit_with(1, || {
        let args = Args::parse();
        args.log.init()?;
        let catalog = Catalog::discover(&SearchPath::from_env(&args.plugins, &args.paths));
        if args.list_plugins {
            print!("{}", listing(&catalog));
            return Ok(ExitCode::SUCCESS);
        }
        anyhow::bail!("running tests is not available in this build yet (only --list-plugins)")
    })
}

/// The `--list-plugins` text: one line per component in use, one per
/// overridden component, one per rejected file.
pub fn listing(catalog: &Catalog) -> String {
    let mut out = String::new();
    for kind in ComponentKind::ALL {
        for entry in catalog.active().filter(|e| e.info.kind == kind) {
            out.push_str(&format!(
                "{:<14} {:<20} {:<24} {}\n",
                kind.label(),
                entry.info.name,
                entry.info.order_key,
                entry.path().display()
            ));
        }
    }
    for o in catalog.overrides() {
        out.push_str(&format!(
            "overridden     {} {} {} from {} (by {} from {})\n",
            o.loser.info.kind,
            o.loser.info.name,
            o.loser.info.order_key,
            o.loser.path().display(),
            o.winner.info.order_key,
            o.winner.path().display()
        ));
    }
    for r in catalog.rejected() {
        out.push_str(&format!(
            "rejected       {}: {}\n",
            r.path.display(),
            r.reason
        ));
    }
    out
}
