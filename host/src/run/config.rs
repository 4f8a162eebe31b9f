//! The validated settings of one run, built from the command line.

use std::{path::PathBuf, time::Duration};

use serde_json::Value;

use super::spec::{HostSpec, Item};
use crate::machine::SshConfig;

/// Everything a run needs to know, validated.
#[derive(Debug, Clone)]
pub struct RunConfig {
    /// Result dir.
    pub output: PathBuf,
    /// Tests from the command line.
    pub tests: Vec<Item>,
    /// Profiles, in order.
    pub profiles: Vec<Item>,
    /// Hosts; the first is the main host.
    pub hosts: Vec<HostSpec>,
    /// No `--hosts`: the only host is this machine, reached without SSH.
    pub local: bool,
    /// Host distro name.
    pub distro: String,
    /// Guest distro, when different.
    pub guest_distro: Option<String>,
    /// Provisioner to run first.
    pub provisioner: Option<Item>,
    /// Packages to install on hosts.
    pub host_rpms: Vec<String>,
    /// Packages to install on workers.
    pub worker_rpms: Vec<String>,
    /// Keep temporary files.
    pub keep_tmp_files: bool,
    /// `--force-params` JSON.
    pub force_params: Option<Value>,
    /// Asset dirs.
    pub paths: Vec<PathBuf>,
    /// Attempts per test (and per profile apply).
    pub retry_tests: u32,
    /// Script run on every host during setup.
    pub host_setup_script: Option<PathBuf>,
    /// Reboot hosts after the setup script.
    pub host_setup_script_reboot: bool,
    /// Script run on every worker during its setup.
    pub worker_setup_script: Option<PathBuf>,
    /// `--metadata` pairs.
    pub metadata: Vec<(String, String)>,
    /// The process's argv (recorded masked).
    pub argv: Vec<String>,
    /// SSH settings for hosts (workers get host-key checking off).
    pub ssh: SshConfig,
    /// How long to wait for a calm machine before each test.
    pub load_timeout: Duration,
    /// `--ssh-user` was given (else `~/.ssh/config` may set the user).
    pub ssh_user_given: bool,
}

impl RunConfig {
    /// The guest distro (the host's unless given).
    pub fn guest_distro(&self) -> &str {
        self.guest_distro.as_deref().unwrap_or(&self.distro)
    }
}
