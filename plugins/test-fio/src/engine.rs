//! Whether a worker's fio has the ioengine a test needs (`fio --enghelp`
//! lists the engines it was built with).

use runperf_plugin_sdk::{Command, Host, PluginError, PluginResult};

/// Fails unless `fio --enghelp` on `worker` lists `engine`; the error
/// names the `test` needing it and `hint`s how to get it.
pub fn check_engine(
    host: &Host<'_>,
    worker: &str,
    fio: &str,
    engine: &str,
    test: &str,
    hint: &str,
) -> PluginResult<()> {
    let out = host.run_ok(worker, &Command::argv([fio, "--enghelp"]))?;
    if out.stdout.lines().any(|line| line.trim() == engine) {
        return Ok(());
    }
    Err(PluginError::new(format!(
        "{fio} on {worker} has no {engine} ioengine (`fio --enghelp` does not list it), \
         which {test} needs: {hint}"
    )))
}
