//! Runs one command on several workers at the same time (fio samples must
//! overlap, as with pbench-fio's `--client`): each worker starts it in the
//! background with its output in files of a work dir, then the plugin
//! waits for each and reads stdout and the exit status back. Commands are
//! argv; the small shell wrappers are constants that take them as `"$@"`.

use runperf_plugin_api::{Command, Host, PluginError, PluginResult};

/// Starts `"$@"` in the background; output goes to `$1.out`/`$1.err`,
/// the exit status to `$1.rc` once it finished. Prints the PID.
const START: &str = "p=$1; shift; ( \"$@\" >\"$p.out\" 2>\"$p.err\"; echo $? >\"$p.tmp\"; mv \"$p.tmp\" \"$p.rc\" ) \
                     </dev/null >/dev/null 2>&1 & echo $!";
/// Waits until `$1.rc` exists.
const WAIT: &str = "while [ ! -e \"$1.rc\" ]; do sleep 1; done";

/// What one worker's command left behind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finished {
    /// Worker name.
    pub machine: String,
    /// Exit status.
    pub status: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

/// A work dir on a worker (created by `mktemp -d`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkDir {
    /// Worker name.
    pub machine: String,
    /// Absolute path on the worker.
    pub path: String,
}

impl WorkDir {
    /// Creates a fresh work dir on `machine`.
    pub fn create(host: &Host<'_>, machine: &str, prefix: &str) -> PluginResult<Self> {
        let out = host.run_ok(
            machine,
            &Command::argv(["mktemp", "-d", &format!("/tmp/{prefix}.XXXXXX")]),
        )?;
        let path = out.stdout.trim().to_owned();
        if !path.starts_with('/') {
            return Err(PluginError::new(format!(
                "mktemp on {machine} printed {path:?}, not a path"
            )));
        }
        Ok(Self {
            machine: machine.to_owned(),
            path,
        })
    }

    /// Removes the work dir.
    pub fn remove(&self, host: &Host<'_>) -> PluginResult<()> {
        host.run_ok(
            &self.machine,
            &Command::argv(["rm", "-rf", "--", &self.path]),
        )
        .map(drop)
    }
}

/// Runs `argv` on every work dir's machine concurrently; `tag` names the
/// output files, `timeout` bounds the wait for each.
pub fn run_everywhere(
    host: &Host<'_>,
    dirs: &[WorkDir],
    tag: &str,
    argv: &[String],
    timeout: f64,
) -> PluginResult<Vec<Finished>> {
    let mut started = Vec::new();
    for dir in dirs {
        let prefix = format!("{}/{tag}", dir.path);
        let mut start = vec![
            "sh".to_owned(),
            "-c".into(),
            START.into(),
            "runperf".into(),
            prefix.clone(),
        ];
        start.extend(argv.iter().cloned());
        match host.run_ok(&dir.machine, &Command::argv(start)) {
            Ok(out) => started.push((dir, prefix, out.stdout.trim().to_owned())),
            Err(err) => {
                kill(host, &started);
                return Err(err.context(format!("cannot start {} on {}", argv[0], dir.machine)));
            }
        }
    }
    let mut finished = Vec::new();
    for (index, (dir, prefix, _)) in started.iter().enumerate() {
        let wait = Command::argv(["sh", "-c", WAIT, "runperf", prefix.as_str()]).timeout(timeout);
        if let Err(err) = host.run_ok(&dir.machine, &wait) {
            kill(host, &started[index..]);
            return Err(err.context(format!(
                "{} on {} did not finish within {timeout} s",
                argv[0], dir.machine
            )));
        }
        let read = |ext: &str| -> PluginResult<String> {
            let bytes = host.read_file(&dir.machine, &format!("{prefix}.{ext}"))?;
            Ok(String::from_utf8_lossy(&bytes).into_owned())
        };
        let status = read("rc")?.trim().parse().map_err(|_| {
            PluginError::new(format!(
                "unreadable exit status of {} in {prefix}.rc on {}",
                argv[0], dir.machine
            ))
        })?;
        finished.push(Finished {
            machine: dir.machine.clone(),
            status,
            stdout: read("out")?,
            stderr: read("err")?,
        });
    }
    Ok(finished)
}

/// Kills what was started (best effort: it is already a failure path).
fn kill(host: &Host<'_>, started: &[(&WorkDir, String, String)]) {
    for (dir, _, pid) in started {
        if pid.parse::<u32>().is_ok() {
            let _ = host.run(
                &dir.machine,
                &Command::argv(["pkill", "-KILL", "-P", pid.as_str()]),
            );
            let _ = host.run(
                &dir.machine,
                &Command::argv(["kill", "-KILL", pid.as_str()]),
            );
        }
    }
}
