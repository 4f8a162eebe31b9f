//! Makes sure a benchmark binary exists on a machine, installing its
//! package with the machine's package manager (dnf or apt-get) when it
//! is missing, like the reference installed pbench and the test package.

use runperf_plugin_api::{Command, Host, LogLevel, PluginError, PluginResult};

/// Seconds a package installation may take.
const INSTALL_TIMEOUT: f64 = 1200.0;

/// Full path of `program` on `machine`, if it is on its `PATH`.
pub fn find(host: &Host<'_>, machine: &str, program: &str) -> PluginResult<Option<String>> {
    let out = host.run(
        machine,
        &Command::argv(["sh", "-c", "command -v \"$1\"", "sh", program]),
    )?;
    let path = out.stdout.trim();
    Ok((out.success() && !path.is_empty()).then(|| path.to_owned()))
}

/// Ensures `program` exists on `machine`, installing `package` when not.
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
    let attempts: [&[&str]; 3] = if find(host, machine, "dnf")?.is_some() {
        [&["dnf", "install", "-y", package], &[], &[]]
    } else if find(host, machine, "apt-get")?.is_some() {
        [
            &[
                "env",
                "DEBIAN_FRONTEND=noninteractive",
                "apt-get",
                "install",
                "-y",
                package,
            ],
            &["apt-get", "update"],
            &[
                "env",
                "DEBIAN_FRONTEND=noninteractive",
                "apt-get",
                "install",
                "-y",
                package,
            ],
        ]
    } else {
        return Err(PluginError::new(format!(
            "{program} is not installed on {machine} and neither dnf nor apt-get is there \
             to install package {package}; install {program} on {machine} by hand"
        )));
    };
    let mut errors = Vec::new();
    for argv in attempts.iter().filter(|a| !a.is_empty()) {
        let out = host.run(
            machine,
            &Command::argv(argv.iter().copied()).timeout(INSTALL_TIMEOUT),
        )?;
        if !out.success() {
            errors.push(format!(
                "`{}` exited with {}: {}",
                argv.join(" "),
                out.status,
                out.stderr.trim()
            ));
        }
        if let Some(path) = find(host, machine, program)? {
            return Ok(path);
        }
    }
    Err(PluginError::new(format!(
        "{program} is not installed on {machine} and installing package {package} did not \
         provide it; install {program} on {machine} by hand"
    ))
    .with_cause(errors.join("; ")))
}
