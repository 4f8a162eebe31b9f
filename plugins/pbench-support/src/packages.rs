//! Makes sure a benchmark binary exists on a machine, installing its
//! package with the machine's package manager (dnf or apt-get) when it
//! is missing, like the reference installed pbench and the test package.

use runperf_plugin_sdk::packages::{PackageManager, Unavailable, no_package_manager};
use runperf_plugin_sdk::{Host, LogLevel, PluginError, PluginResult};

pub use runperf_plugin_sdk::packages::find_program as find;

/// Ensures `program` exists on `machine`, installing `package` when not;
/// returns its full path.
pub fn ensure(
    host: &Host<'_>,
    machine: &str,
    program: &str,
    package: &str,
) -> PluginResult<String> {
    if let Some(path) = find(host, machine, program)? {
        return Ok(path);
    }
    host.log(
        LogLevel::Info,
        &format!("{program} not found on {machine}, installing package {package}"),
    );
    let manager = PackageManager::detect(host, machine)?
        .ok_or_else(|| no_package_manager(machine, program))?;
    manager.install(host, machine, &[package], Unavailable::Fail)?;
    find(host, machine, program)?.ok_or_else(|| {
        PluginError::new(format!(
            "installing package {package} on {machine} did not provide {program}; \
             install {program} there by hand"
        ))
    })
}
