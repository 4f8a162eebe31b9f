//! Plain data exchanged with plugins: commands, components and the
//! contexts handed to each kind of component.
//!
//! They cross the boundary as JSON, so a field can be added without
//! changing the binary layout: unknown fields are ignored and missing ones
//! take their defaults (every field added after 0.1.0 has a serde default).
//! The structs a plugin builds ([`Applied`], [`ParsedCheck`], [`WorkerSpec`],
//! [`ImageRequest`], [`Command`], [`CommandOutput`], [`ComponentInfo`]) are
//! `#[non_exhaustive]` with constructors, so that adding a field breaks no
//! plugin's source either. The contexts the host hands to components
//! ([`ProfileContext`], [`TestContext`], [`TestRun`], [`ProvisionRequest`])
//! are built only by the host; a plugin's tests build them with
//! `..Default::default()`, which keeps compiling when fields are added.

use abi_stable::StableAbi;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The kinds of component a plugin library can provide.
///
/// The first five are those of 0.1.0 and cross the boundary in the root
/// module's component list ([`crate::ffi::ComponentKind`], whose variants
/// are frozen); kinds added since are declared through the root module's
/// `extra_components`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ComponentKind {
    /// A scenario the tests run under (`Localhost`, `TunedLibvirt`, ...).
    Profile,
    /// A benchmark (`fio`, `uperf`, ...).
    Test,
    /// A source of guest images (`Fedora`, ...).
    ImageProvider,
    /// Installs a distribution on a host before the run (`Beaker`, ...).
    Provisioner,
    /// Reads result files under a result dir into checks.
    ResultParser,
    /// Since 0.1.2: makes pbench-agent and a test's pbench package
    /// available on a machine (`Dnf`, ...).
    PbenchInstaller,
}

impl ComponentKind {
    /// Every kind, in listing order.
    pub const ALL: [ComponentKind; 6] = [
        Self::Profile,
        Self::Test,
        Self::ImageProvider,
        Self::Provisioner,
        Self::ResultParser,
        Self::PbenchInstaller,
    ];

    /// The name used in listings and messages (`profile`, `test`, ...).
    pub fn label(self) -> &'static str {
        match self {
            Self::Profile => "profile",
            Self::Test => "test",
            Self::ImageProvider => "image-provider",
            Self::Provisioner => "provisioner",
            Self::ResultParser => "result-parser",
            Self::PbenchInstaller => "pbench-installer",
        }
    }

    /// The kind named `label` (see [`ComponentKind::label`]).
    pub fn from_label(label: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.label() == label)
    }
}

impl std::fmt::Display for ComponentKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

/// What a library says about one of its components.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ComponentInfo {
    /// Kind of the component.
    #[serde(with = "kind_serde")]
    pub kind: ComponentKind,
    /// User-facing name (`Localhost`, `fio`, `Beaker`).
    pub name: String,
    /// Order key like the reference's entry-point names (`50Localhost`):
    /// when two libraries provide the same kind and name, the lower key wins.
    pub order_key: String,
    /// One line describing the component.
    pub summary: String,
}

impl ComponentInfo {
    /// Describes the component `name` of `kind`.
    pub fn new(
        kind: ComponentKind,
        name: impl Into<String>,
        order_key: impl Into<String>,
        summary: impl Into<String>,
    ) -> Self {
        Self {
            kind,
            name: name.into(),
            order_key: order_key.into(),
            summary: summary.into(),
        }
    }
}

mod kind_serde {
    use super::ComponentKind;
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    pub fn serialize<S: Serializer>(kind: &ComponentKind, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(kind.label())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<ComponentKind, D::Error> {
        let label = String::deserialize(d)?;
        ComponentKind::from_label(&label)
            .ok_or_else(|| D::Error::custom(format!("unknown component kind {label:?}")))
    }
}

/// How a command is given to a machine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CommandLine {
    /// Program and arguments; the host quotes each argument.
    Argv(Vec<String>),
    /// A shell line run by `sh -c`; the caller is responsible for quoting.
    Shell(String),
}

/// A command to run on a machine.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Command {
    /// What to run.
    pub line: CommandLine,
    /// Give up after this many seconds (the host's default when `None`).
    #[serde(default)]
    pub timeout_secs: Option<f64>,
    /// Give up when no output arrived for this many seconds.
    #[serde(default)]
    pub stall_secs: Option<f64>,
}

impl Command {
    /// A command from program and arguments.
    pub fn argv<I, S>(args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self {
            line: CommandLine::Argv(args.into_iter().map(Into::into).collect()),
            timeout_secs: None,
            stall_secs: None,
        }
    }

    /// A shell command line.
    pub fn shell(line: impl Into<String>) -> Self {
        Self {
            line: CommandLine::Shell(line.into()),
            timeout_secs: None,
            stall_secs: None,
        }
    }

    /// Sets the timeout in seconds.
    #[must_use]
    pub fn timeout(mut self, secs: f64) -> Self {
        self.timeout_secs = Some(secs);
        self
    }

    /// Sets the output-stall watchdog in seconds.
    #[must_use]
    pub fn stall(mut self, secs: f64) -> Self {
        self.stall_secs = Some(secs);
        self
    }
}

/// What a finished command left behind.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CommandOutput {
    /// Exit status (`-1` when killed by a signal).
    pub status: i32,
    /// Everything written to standard output.
    pub stdout: String,
    /// Everything written to standard error.
    pub stderr: String,
}

impl CommandOutput {
    /// What a command that exited with `status` printed.
    pub fn new(status: i32, stdout: impl Into<String>, stderr: impl Into<String>) -> Self {
        Self {
            status,
            stdout: stdout.into(),
            stderr: stderr.into(),
        }
    }

    /// Whether the command exited with status 0.
    pub fn success(&self) -> bool {
        self.status == 0
    }
}

/// Severity of a log message sent to the host.
#[repr(u8)]
#[derive(StableAbi, Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum LogLevel {
    /// Fine-grained detail (`-vvv`).
    Debug,
    /// Progress (`-vv`).
    Info,
    /// Something odd that does not stop the run.
    Warn,
    /// Something failed.
    Error,
}

/// Name of the machine run-perf itself runs on, always available to
/// host services (e.g. to run a provisioning client such as `bkr`).
pub const CONTROLLER: &str = "controller";

/// Handed to a profile when it is created.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ProfileContext {
    /// Since 0.1.1: the profile's name in this run, resolved by the host
    /// (`__NAME__` of its params, else its component name) and safe as a
    /// dir name; its results and crash markers carry it.
    #[serde(default)]
    pub name: String,
    /// Name of the host machine the profile is applied on.
    pub host: String,
    /// Address of that host as given on the command line (assets such as
    /// `libvirt/ADDR-tuned.xml` are named after it).
    #[serde(default)]
    pub address: String,
    /// Host distro (`--distro`).
    #[serde(default)]
    pub distro: String,
    /// Guest distro (`--guest-distro`, else the host distro).
    #[serde(default)]
    pub guest_distro: String,
    /// Public key that workers must accept: run-perf logs into them with
    /// the matching private key.
    #[serde(default)]
    pub public_key: String,
    /// Password to set for root in guest images, if any (`--default-passwords`).
    #[serde(default)]
    pub default_password: Option<String>,
    /// Asset search dirs (`--paths`), most important first.
    #[serde(default)]
    pub paths: Vec<String>,
    /// The profile's JSON params from the command line (`Profile:{...}`).
    #[serde(default)]
    pub extra: serde_json::Map<String, Value>,
}

/// What applying a profile produced.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Applied {
    /// The machine must be rebooted and the profile applied again.
    #[serde(default)]
    pub reboot_required: bool,
    /// Names of the machines the tests run on (registered with
    /// `Host::add_worker`, or the host itself).
    #[serde(default)]
    pub workers: Vec<String>,
}

impl Applied {
    /// The profile is applied; the tests run on `workers`.
    pub fn workers(workers: Vec<String>) -> Self {
        Self {
            reboot_required: false,
            workers,
        }
    }

    /// The machine must be rebooted and the profile applied again.
    pub fn reboot() -> Self {
        Self {
            reboot_required: true,
            workers: Vec::new(),
        }
    }
}

/// A machine a profile created (a VM), reached through its host.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct WorkerSpec {
    /// Unique name (used in results and messages).
    pub name: String,
    /// Address (IP or DNS name) as seen from the host, with `:PORT` when
    /// its SSH is not on port 22 (`127.0.0.1:10022` for a VM whose SSH
    /// is forwarded to its host's loopback; see the SDK's `address` module).
    pub address: String,
    /// Machine through which the worker is reached (usually the host).
    pub via: String,
    /// Login user (`root` when empty).
    #[serde(default)]
    pub user: String,
}

impl WorkerSpec {
    /// Worker `name` at `address`, reached through machine `via`, as root.
    pub fn new(
        name: impl Into<String>,
        address: impl Into<String>,
        via: impl Into<String>,
    ) -> Self {
        Self {
            name: name.into(),
            address: address.into(),
            via: via.into(),
            user: String::new(),
        }
    }

    /// Logs in as `user` instead of root.
    #[must_use]
    pub fn user(mut self, user: impl Into<String>) -> Self {
        self.user = user.into();
        self
    }
}

/// Handed to a test when it is created.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TestContext {
    /// Since 0.1.1: the test's name in this run, resolved by the host
    /// (`__NAME__` of its params, else its component name) and safe as a
    /// dir name; its results are stored under it.
    #[serde(default)]
    pub name: String,
    /// The test's JSON params from the command line (`fio:{...}`).
    #[serde(default)]
    pub extra: serde_json::Map<String, Value>,
}

/// Handed to a test when it runs.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TestRun {
    /// Host machine name.
    pub host: String,
    /// Host distro (`--distro`).
    #[serde(default)]
    pub distro: String,
    /// Address of every machine of the run by name (hosts as given on the
    /// command line, workers as seen from their host), for benchmarks
    /// whose clients and servers must find each other.
    #[serde(default)]
    pub addresses: std::collections::BTreeMap<String, String>,
    /// Name of the applied profile.
    pub profile: String,
    /// Workers, one group per host.
    pub workers: Vec<Vec<String>>,
    /// Local directory the test writes its results into (`result.json`...);
    /// the host renames it to the next serial when the test succeeds.
    pub output_dir: String,
    /// The run's metadata (RUNPERF_METADATA keys and values).
    #[serde(default)]
    pub metadata: serde_json::Map<String, Value>,
}

/// Handed to an image provider.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ImageRequest {
    /// Machine the image is prepared on.
    pub host: String,
    /// Guest distribution (`Fedora-32`).
    pub distro: String,
    /// Guest architecture (`x86_64`).
    pub arch: String,
    /// Where the image goes on `host`.
    pub path: String,
    /// Public key to authorize for root.
    #[serde(default)]
    pub public_key: String,
    /// Root password to set, if any.
    #[serde(default)]
    pub default_password: Option<String>,
    /// Script to run inside the image, if any.
    #[serde(default)]
    pub setup_script: Option<String>,
}

impl ImageRequest {
    /// An image of `distro` for `arch` at `path` on machine `host`.
    pub fn new(
        host: impl Into<String>,
        distro: impl Into<String>,
        arch: impl Into<String>,
        path: impl Into<String>,
    ) -> Self {
        Self {
            host: host.into(),
            distro: distro.into(),
            arch: arch.into(),
            path: path.into(),
            ..Self::default()
        }
    }

    /// Authorizes `key` for root.
    #[must_use]
    pub fn public_key(mut self, key: impl Into<String>) -> Self {
        self.public_key = key.into();
        self
    }

    /// Sets root's password.
    #[must_use]
    pub fn default_password(mut self, password: Option<String>) -> Self {
        self.default_password = password;
        self
    }

    /// Runs `script` inside the image.
    #[must_use]
    pub fn setup_script(mut self, script: Option<String>) -> Self {
        self.setup_script = script;
        self
    }
}

/// Handed to a provisioner.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ProvisionRequest {
    /// Machine to provision.
    pub machine: String,
    /// Its address.
    pub address: String,
    /// Distribution to install.
    pub distro: String,
    /// Provisioner params from the command line (`Beaker:{...}`).
    #[serde(default)]
    pub extra: serde_json::Map<String, Value>,
    /// How long the run waits for a calm machine (`--load-timeout`);
    /// provisioners waiting for one use it unless their params say otherwise.
    #[serde(default)]
    pub load_timeout_secs: Option<f64>,
}

/// One value read from a result file by a result parser.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ParsedCheck {
    /// Check name below the result dir, e.g. `./read-4KiB/throughput/iops_sec.mean`.
    pub name: String,
    /// Numeric value, or `None` with `text` for non-numeric checks.
    pub value: Option<f64>,
    /// Text value of non-numeric checks.
    #[serde(default)]
    pub text: Option<String>,
    /// Whether the check decides the verdict.
    pub primary: bool,
    /// `key:value` lines describing the parameters.
    #[serde(default)]
    pub params: String,
}

impl ParsedCheck {
    /// A numeric check `name` (`./ITERATION/WORKFLOW/TYPE.mean`).
    pub fn number(name: impl Into<String>, value: f64, primary: bool) -> Self {
        Self {
            name: name.into(),
            value: Some(value),
            text: None,
            primary,
            params: String::new(),
        }
    }

    /// A non-numeric check `name` whose value is `text`.
    pub fn text(name: impl Into<String>, text: impl Into<String>, primary: bool) -> Self {
        Self {
            name: name.into(),
            value: None,
            text: Some(text.into()),
            primary,
            params: String::new(),
        }
    }

    /// Sets the `key:value` lines describing the parameters.
    #[must_use]
    pub fn params(mut self, params: impl Into<String>) -> Self {
        self.params = params.into();
        self
    }
}

/// Since 0.1.2: what a pbench installer is asked to make available.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PbenchRequest {
    /// Machine to install on.
    pub machine: String,
    /// Benchmark whose packages are wanted too (`fio` means `fio` and
    /// `pbench-fio`); `None` for pbench-agent alone.
    #[serde(default)]
    pub test: Option<String>,
}

impl PbenchRequest {
    /// pbench-agent on `machine`.
    pub fn new(machine: impl Into<String>) -> Self {
        Self {
            machine: machine.into(),
            test: None,
        }
    }

    /// Also the benchmark `test` and its `pbench-<test>` package.
    #[must_use]
    pub fn test(mut self, test: impl Into<String>) -> Self {
        self.test = Some(test.into());
        self
    }
}

impl std::fmt::Display for PbenchRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.test {
            Some(test) => write!(f, "pbench-agent and pbench-{test} on {}", self.machine),
            None => write!(f, "pbench-agent on {}", self.machine),
        }
    }
}

/// Since 0.1.2: a pbench installer's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PbenchInstall {
    /// Everything asked for is installed and configured.
    Installed,
    /// This installer does not apply to the machine (no dnf, ...); the
    /// host tries the next one. The reason is shown when none applies.
    DoesNotApply(String),
}
