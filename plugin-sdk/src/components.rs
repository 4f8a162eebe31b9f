//! The traits a plugin author implements, one per component kind, in
//! plain Rust. [`crate::export_plugin`] turns them into FFI objects.

use serde_json::{Map, Value};

use crate::{
    Applied, Host, ImageRequest, ParsedCheck, PbenchInstall, PbenchRequest, PluginResult,
    ProfileContext, ProvisionRequest, TestContext, TestRun,
};

/// A scenario the tests run under, on one host machine
/// (`ProfileContext::host`).
///
/// The host calls `apply`, runs the tests on the returned workers, then
/// calls `revert`, also after failures and on interrupt. Around both it
/// keeps the crash markers (see [`crate::markers`]); the profile's name in
/// the run is `ProfileContext::name`.
pub trait Profile: Send {
    /// Applies the profile to the host and returns the workers, or asks
    /// for a reboot (the host reboots and calls `apply` again).
    fn apply(&mut self, host: &Host<'_>, setup_script: Option<&str>) -> PluginResult<Applied>;
    /// Reverts every change; returns `true` when a reboot is needed to
    /// finish. Also called when nothing was applied (after a failed apply,
    /// or to clean up after a crashed run): revert what your own records
    /// say, and nothing when there are none.
    fn revert(&mut self, host: &Host<'_>) -> PluginResult<bool>;
    /// Describes how the profile affected the machines (stored in
    /// `environment_profile_<NAME>` of the run's metadata).
    fn info(&mut self, host: &Host<'_>) -> PluginResult<Map<String, Value>> {
        let _ = host;
        Ok(Map::new())
    }
}

/// A benchmark. Its name in the run is `TestContext::name`; the host
/// stores its results under it.
pub trait Test: Send {
    /// Prepares the machines (installs packages, ...).
    fn setup(&mut self, host: &Host<'_>, run: &TestRun) -> PluginResult<()> {
        let _ = (host, run);
        Ok(())
    }
    /// Runs the benchmark and writes `result.json` into `run.output_dir`.
    fn run(&mut self, host: &Host<'_>, run: &TestRun) -> PluginResult<()>;
    /// Cleans up; always called, even when `setup` or `run` failed.
    fn cleanup(&mut self, host: &Host<'_>, run: &TestRun) -> PluginResult<()> {
        let _ = (host, run);
        Ok(())
    }
}

/// A source of guest images.
pub trait ImageProvider: Send {
    /// Whether this provider can supply `distro` for `arch`.
    fn is_for(&self, distro: &str, arch: &str) -> bool;
    /// Whether the image at `request.path` is still current.
    fn is_up_to_date(&mut self, host: &Host<'_>, request: &ImageRequest) -> PluginResult<bool>;
    /// Prepares the image at `request.path` and returns its path.
    fn prepare(&mut self, host: &Host<'_>, request: &ImageRequest) -> PluginResult<String>;
}

/// Installs a distribution on a machine before the run.
pub trait Provisioner: Send {
    /// Provisions `request.machine` with `request.distro` and waits for it.
    fn provision(&mut self, host: &Host<'_>, request: &ProvisionRequest) -> PluginResult<()>;
}

/// Reads other result files than pbench's `result.json` into checks.
pub trait ResultParser: Send + Sync {
    /// Whether files named `file_name` are read by this parser.
    fn handles(&self, file_name: &str) -> bool;
    /// Reads the file at `path`.
    fn parse(&self, path: &str) -> PluginResult<Vec<ParsedCheck>>;
}

/// Makes pbench-agent (and a test's pbench package) available on a
/// machine. The host asks every installer in order-key order until one
/// answers [`PbenchInstall::Installed`]; tests reach them with
/// [`Host::install_pbench`].
pub trait PbenchInstaller: Send {
    /// Installs and configures pbench-agent on `request.machine`, then,
    /// when `request.test` names one, the benchmark and its
    /// `pbench-<test>` package. Answers [`PbenchInstall::DoesNotApply`]
    /// with the reason when the machine is not one this installer serves
    /// (an error also moves on to the next installer, and is shown as
    /// this one's reason when none succeeds).
    fn install(&mut self, host: &Host<'_>, request: &PbenchRequest) -> PluginResult<PbenchInstall>;
}

/// Factory of a profile: builds one from its context.
pub type ProfileFactory = fn(ProfileContext) -> PluginResult<Box<dyn Profile>>;
/// Factory of a test: builds one from its context.
pub type TestFactory = fn(TestContext) -> PluginResult<Box<dyn Test>>;
/// Factory of an image provider.
pub type ImageProviderFactory = fn() -> PluginResult<Box<dyn ImageProvider>>;
/// Factory of a provisioner: builds one from its params.
pub type ProvisionerFactory = fn(Map<String, Value>) -> PluginResult<Box<dyn Provisioner>>;
/// Factory of a result parser.
pub type ResultParserFactory = fn() -> PluginResult<Box<dyn ResultParser>>;
/// Factory of a pbench installer.
pub type PbenchInstallerFactory = fn() -> PluginResult<Box<dyn PbenchInstaller>>;
