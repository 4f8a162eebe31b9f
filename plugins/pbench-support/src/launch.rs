//! Runs one command on several workers at the same time (fio samples must
//! overlap, as with pbench-fio's `--client`): each worker starts it in the
//! background with its output in files of a work dir, then the plugin
//! waits for each and reads stdout and the exit status back. Commands are
//! argv; the small shell wrappers are constants that take them as `"$@"`.

use runperf_plugin_sdk::{Command, Host, PluginError, PluginResult, TestRun};

/// Starts `"$@"` in the background; output goes to `$1.out`/`$1.err`,
/// the exit status to `$1.rc` once it finished. Prints the PID.
const START: &str = "p=$1; shift; ( \"$@\" >\"$p.out\" 2>\"$p.err\"; echo $? >\"$p.tmp\"; mv \"$p.tmp\" \"$p.rc\" ) \
                     </dev/null >/dev/null 2>&1 & echo $!";
/// Waits until `$1.rc` exists.
const WAIT: &str = "while [ ! -e \"$1.rc\" ]; do sleep 1; done";

/// The workers `test` runs its clients on: the profile's first worker
/// group, which must not be empty.
pub fn clients<'a>(run: &'a TestRun, test: &str) -> PluginResult<&'a [String]> {
    run.workers
        .first()
        .filter(|group| !group.is_empty())
        .map(Vec::as_slice)
        .ok_or_else(|| {
            PluginError::new(format!(
                "{test} needs at least one worker; profile {} gave none",
                run.profile
            ))
        })
}

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

/// A command started in the background.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Started {
    /// Worker name.
    pub machine: String,
    /// Path prefix of its output files.
    pub prefix: String,
    /// PID of the wrapper shell.
    pub pid: String,
}

/// Starts `argv` in the background in `dir`; `tag` names its files.
pub fn start(host: &Host<'_>, dir: &WorkDir, tag: &str, argv: &[String]) -> PluginResult<Started> {
    let prefix = format!("{}/{tag}", dir.path);
    let mut line = vec![
        "sh".to_owned(),
        "-c".into(),
        START.into(),
        "runperf".into(),
        prefix.clone(),
    ];
    line.extend(argv.iter().cloned());
    let program = argv.first().map_or("", String::as_str);
    let out = host
        .run_ok(&dir.machine, &Command::argv(line))
        .map_err(|e| e.context(format!("cannot start {program} on {}", dir.machine)))?;
    Ok(Started {
        machine: dir.machine.clone(),
        prefix,
        pid: out.stdout.trim().to_owned(),
    })
}

/// Runs each work dir's argv on its machine concurrently; `tag` names
/// the output files, `timeout` bounds the wait for each.
pub fn run_everywhere(
    host: &Host<'_>,
    jobs: &[(WorkDir, Vec<String>)],
    tag: &str,
    timeout: f64,
) -> PluginResult<Vec<Finished>> {
    let mut started = Vec::new();
    for (dir, argv) in jobs {
        match start(host, dir, tag, argv) {
            Ok(job) => started.push(job),
            Err(err) => {
                stop(host, &started);
                return Err(err);
            }
        }
    }
    let mut finished = Vec::new();
    for (index, job) in started.iter().enumerate() {
        match wait(host, job, timeout) {
            Ok(done) => finished.push(done),
            Err(err) => {
                stop(host, &started[index..]);
                return Err(err);
            }
        }
    }
    Ok(finished)
}

/// Waits until `job` finished and reads what it left.
pub fn wait(host: &Host<'_>, job: &Started, timeout: f64) -> PluginResult<Finished> {
    let machine = &job.machine;
    let prefix = &job.prefix;
    let wait = Command::argv(["sh", "-c", WAIT, "runperf", prefix.as_str()]).timeout(timeout);
    host.run_ok(machine, &wait).map_err(|e| {
        e.context(format!(
            "{prefix} on {machine} did not finish within {timeout} s"
        ))
    })?;
    let read = |ext: &str| -> PluginResult<String> {
        let bytes = host.read_file(machine, &format!("{prefix}.{ext}"))?;
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    };
    let status = read("rc")?.trim().parse().map_err(|_| {
        PluginError::new(format!(
            "unreadable exit status in {prefix}.rc on {machine}"
        ))
    })?;
    Ok(Finished {
        machine: machine.clone(),
        status,
        stdout: read("out")?,
        stderr: read("err")?,
    })
}

/// Kills what was started and its children (best effort: used on
/// failure paths and for servers that never exit by themselves).
pub fn stop(host: &Host<'_>, started: &[Started]) {
    for job in started {
        if job.pid.parse::<u32>().is_ok() {
            let _ = host.run(
                &job.machine,
                &Command::argv(["pkill", "-KILL", "-P", job.pid.as_str()]),
            );
            let _ = host.run(
                &job.machine,
                &Command::argv(["kill", "-KILL", job.pid.as_str()]),
            );
        }
    }
}
