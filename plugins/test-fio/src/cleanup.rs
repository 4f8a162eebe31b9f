//! The end of a fio-based test's cleanup: the host's job dir removed, and
//! every failure met on the way reported as one error.

use runperf_plugin_sdk::{Command, Host, PluginError, PluginResult, TestRun};

/// Removes `host_dir` on the host (when there is one) and turns
/// `failures` (with that removal's, if it failed) into one error naming
/// `test`; `Ok` when nothing failed.
pub fn finish(
    host: &Host<'_>,
    run: &TestRun,
    test: &str,
    host_dir: Option<String>,
    mut failures: Vec<String>,
) -> PluginResult<()> {
    if let Some(dir) = host_dir
        && let Err(err) = host.run_ok(&run.host, &Command::argv(["rm", "-rf", "--", &dir]))
    {
        failures.push(err.to_string());
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(PluginError::new(format!(
            "{test} cleanup: {}",
            failures.join("; ")
        )))
    }
}
