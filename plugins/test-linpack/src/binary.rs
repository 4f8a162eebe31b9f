//! Finding the linpack binary on the host machine: `linpack` or
//! `xlinpack_xeon64` on the PATH, else the first
//! `/usr/local/*/benchmarks/linpack/xlinpack_xeon64` (where Intel's
//! benchmark packages put it); the `linpack-binary` param skips the search.

use runperf_plugin_sdk::{Command, Host, PluginError, PluginResult};

use pbench_support::packages::find;

/// The binary names looked up on the PATH, in order.
const NAMES: [&str; 2] = ["linpack", "xlinpack_xeon64"];

/// Where Intel's packages install the binary.
const INSTALLED: &str = "ls /usr/local/*/benchmarks/linpack/xlinpack_xeon64 2>/dev/null";

/// The linpack binary on `machine`.
pub fn detect(host: &Host<'_>, machine: &str) -> PluginResult<String> {
    for name in NAMES {
        if let Some(path) = find(host, machine, name)? {
            return Ok(path);
        }
    }
    let out = host.run(machine, &Command::shell(INSTALLED))?;
    out.stdout
        .lines()
        .map(str::trim)
        .find(|line| !line.is_empty())
        .map(str::to_owned)
        .ok_or_else(|| {
            PluginError::new(format!(
                "linpack found no linpack binary on {machine} (neither linpack nor \
                 xlinpack_xeon64 on the PATH, nor \
                 /usr/local/*/benchmarks/linpack/xlinpack_xeon64); install Intel's linpack \
                 there or give its path as the linpack-binary param"
            ))
        })
}

/// The directory of `binary` (`.` for a bare name).
pub fn dir_of(binary: &str) -> &str {
    match binary.trim_end_matches('/').rsplit_once('/') {
        Some(("", _)) => "/",
        Some((dir, _)) => dir,
        None => ".",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dir_of_a_path() {
        assert_eq!(
            dir_of("/usr/local/x/benchmarks/linpack/xlinpack_xeon64"),
            "/usr/local/x/benchmarks/linpack"
        );
        assert_eq!(dir_of("/linpack"), "/");
        assert_eq!(dir_of("linpack"), ".");
    }
}
