//! `run-perf`: run tests under profiles on hosts and write a result tree.

use std::{path::PathBuf, process::ExitCode, sync::Arc, time::Duration};

use anyhow::Context;
use clap::Parser;
use runperf_plugin_api::ComponentKind;

use super::logging::LogArgs;
use crate::{
    machine::{HostKeyPolicy, SshConfig},
    plugins::{Catalog, PluginArgs, SearchPath},
    run::{
        EXIT_INTERRUPTED, Interrupt, RunConfig,
        spec::{HostSpec, Item, parse_metadata},
    },
};

/// `--host-key-checking` values.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum HostKeyChecking {
    /// Record unknown keys, refuse changed ones.
    AcceptNew,
    /// Refuse unknown keys.
    Strict,
    /// Check nothing.
    Ignore,
}

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
    /// Private key for SSH logins (default: the agent and ~/.ssh/id_*).
    #[arg(long, value_name = "FILE")]
    pub ssh_key: Option<PathBuf>,
    /// User for SSH logins to hosts (default: ~/.ssh/config's, else root).
    #[arg(long)]
    pub ssh_user: Option<String>,
    /// Host key checking for hosts: accept-new records unknown keys and
    /// refuses changed ones; strict refuses unknown keys; ignore checks
    /// nothing (workers, which are recreated every run, always use ignore).
    #[arg(long, value_enum, default_value = "accept-new")]
    pub host_key_checking: HostKeyChecking,
    /// known_hosts file used for hosts (default ~/.ssh/known_hosts).
    #[arg(long, value_name = "FILE")]
    pub known_hosts: Option<PathBuf>,
    /// Seconds to wait for a machine's load to calm down (before each
    /// test, after provisioning); after that the run goes on, with a warning.
    #[arg(
        long,
        default_value_t = 600,
        value_name = "SECS",
        env = "RUNPERF_LOAD_TIMEOUT"
    )]
    pub load_timeout: u64,
    /// List the plugins found and the files rejected, then exit.
    #[arg(long)]
    pub list_plugins: bool,
    /// Add the finished result tree to this history store (sqlite:PATH, a
    /// path or postgres://...); a failure there fails the run, the tree
    /// stays.
    #[arg(long, value_name = "URL")]
    pub history: Option<String>,
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
        let history = args.history.clone();
        let cfg = config(args)?;
        let catalog = Arc::new(catalog);
        let outcome = crate::run::execute(&cfg, catalog.clone(), Interrupt::install())?;
        eprintln!("Results: {}", cfg.output.display());
        if outcome.interrupted {
            eprintln!(
                "run-perf was interrupted; completed results are kept in {} (not added to a history store)",
                cfg.output.display()
            );
            return Ok(ExitCode::from(EXIT_INTERRUPTED));
        }
        let stored = history.is_none_or(|url| {
            let parsers = super::result_parsers::from_catalog(&catalog);
            add_to_history(&url, &cfg.output, &parsers)
        });
        if !outcome.failures.is_empty() {
            eprintln!(
                "{} step(s) did not complete (details in the __error*__ dirs):",
                outcome.failures.len()
            );
            for line in &outcome.failures {
                eprintln!("  {line}");
            }
            return Ok(ExitCode::FAILURE);
        }
        Ok(if stored {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        })
    })
}

/// Adds the finished tree at `output` to the store at `url`; logs and
/// returns false on failure (the tree stays where it is). `parsers` read
/// the files besides `result.json`, as history-perf's would.
fn add_to_history(
    url: &str,
    output: &std::path::Path,
    parsers: &crate::results::ResultParsers,
) -> bool {
    let added = (|| -> anyhow::Result<String> {
        let url = crate::history::StoreUrl::parse(url)?;
        let mut store = crate::history::open(&url)?;
        let path = std::path::absolute(output).unwrap_or_else(|_| output.to_path_buf());
        let record = super::history::read_dir(&path, None, None, parsers)?;
        let outcome = store.add(&record, false)?;
        Ok(format!(
            "Build {} {} in {}",
            record.id,
            match outcome {
                crate::history::AddOutcome::Unchanged => "was already",
                _ => "added",
            },
            store.location()
        ))
    })();
    match added {
        Ok(message) => {
            tracing::info!("{message}");
            true
        }
        Err(err) => {
            tracing::error!(
                "Cannot add the results to the history store: {err:#}; they stay in {}, add them later with `history-perf --store URL add {}`",
                output.display(),
                output.display()
            );
            false
        }
    }
}

/// `--paths` dirs, then the standard places for a lab's assets (as the
/// reference appended its own package dir): `$XDG_CONFIG_HOME/runperf`
/// (default `~/.config/runperf`), `/etc/runperf` and the install's
/// `share/runperf`; only the ones that exist.
fn with_default_asset_dirs(mut paths: Vec<PathBuf>) -> Vec<PathBuf> {
    let config_home = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")));
    let share = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|bin| bin.join("../share/runperf")));
    let defaults = [
        config_home.map(|c| c.join("runperf")),
        Some(PathBuf::from("/etc/runperf")),
        share,
    ];
    for dir in defaults.into_iter().flatten() {
        if dir.is_dir() && !paths.contains(&dir) {
            paths.push(dir);
        }
    }
    paths
}

/// Validates the arguments into a [`RunConfig`].
fn config(args: Args) -> anyhow::Result<RunConfig> {
    let tests = args
        .tests
        .iter()
        .map(|t| Item::parse("test", t))
        .collect::<Result<Vec<_>, _>>()?;
    let profiles = args
        .profiles
        .iter()
        .map(|p| Item::parse("profile", p))
        .collect::<Result<Vec<_>, _>>()?;
    let provisioner = args
        .provisioner
        .as_deref()
        .map(|p| Item::parse("provisioner", p))
        .transpose()?;
    let local = args.hosts.is_empty();
    let hosts = if local {
        vec![HostSpec {
            name: "localhost".into(),
            address: "127.0.0.1".into(),
        }]
    } else {
        args.hosts
            .iter()
            .map(|h| HostSpec::parse(h))
            .collect::<Result<Vec<_>, _>>()?
    };
    let force_params = args
        .force_params
        .as_deref()
        .map(serde_json::from_str::<serde_json::Value>)
        .transpose()
        .context("--force-params is not valid JSON")?;
    let output = match args.output {
        Some(path) => std::path::absolute(&path)
            .with_context(|| format!("bad --output {}", path.display()))?,
        None => std::env::current_dir()?.join(
            chrono::Local::now()
                .format("result_%Y%m%d_%H%M%S")
                .to_string(),
        ),
    };
    let ssh_user_given = args.ssh_user.is_some();
    let mut ssh = SshConfig {
        user: args.ssh_user.unwrap_or_else(|| "root".into()),
        identity: args.ssh_key,
        passwords: args.default_passwords,
        host_key_policy: match args.host_key_checking {
            HostKeyChecking::AcceptNew => HostKeyPolicy::AcceptNew,
            HostKeyChecking::Strict => HostKeyPolicy::Strict,
            HostKeyChecking::Ignore => HostKeyPolicy::Ignore,
        },
        ..SshConfig::default()
    };
    if let Some(file) = args.known_hosts {
        ssh.known_hosts = file;
    }
    Ok(RunConfig {
        output,
        tests,
        profiles,
        hosts,
        local,
        distro: args.distro,
        guest_distro: args.guest_distro,
        provisioner,
        host_rpms: args.host_rpms,
        worker_rpms: args.worker_rpms,
        keep_tmp_files: args.keep_tmp_files,
        force_params,
        paths: with_default_asset_dirs(args.paths),
        retry_tests: args.retry_tests,
        host_setup_script: args.host_setup_script,
        host_setup_script_reboot: args.host_setup_script_reboot,
        worker_setup_script: args.worker_setup_script,
        metadata: parse_metadata(&args.metadata)?,
        argv: std::env::args().collect(),
        ssh,
        load_timeout: Duration::from_secs(args.load_timeout),
        ssh_user_given,
    })
}

/// The `--list-plugins` text: one line per component in use, one per
/// overridden component, one per rejected file.
pub fn listing(catalog: &Catalog) -> String {
    let mut out = String::new();
    for kind in ComponentKind::ALL {
        for entry in catalog.active().filter(|e| e.info.kind == kind) {
            out.push_str(&format!(
                "{:<16} {:<20} {:<24} {}\n",
                kind.label(),
                entry.info.name,
                entry.info.order_key,
                entry.path().display()
            ));
        }
    }
    for o in catalog.overrides() {
        out.push_str(&format!(
            "overridden       {} {} {} from {} (by {} from {})\n",
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
