//! Native mode: fio run directly on the workers, `samples` times per
//! iteration (test type x block size, per target in serial job mode),
//! retried as `NAME-failN` while the primary metric varies more than
//! `max-stddev`, and written as pbench-compatible `result.json`.

use std::path::Path;

use runperf_plugin_sdk::{Command, Host, LogLevel, PluginError, PluginResult, TestRun};

use crate::command::{Target, Workload, fio_argv, iteration_name};
use crate::fio_json;
use crate::params::{FioParams, JobMode};
use crate::samples::{self, PRIMARY, Sample};
use pbench_support::launch::{WorkDir, run_everywhere};
use pbench_support::{metadata, result};

/// Seconds allowed on top of ramp and runtime (file layout, start-up).
const SLACK_SECS: f64 = 1800.0;

/// Whether each target is a directory on the first worker.
pub fn detect_targets(
    host: &Host<'_>,
    worker: &str,
    params: &FioParams,
) -> PluginResult<Vec<Target>> {
    params
        .targets
        .iter()
        .map(|path| {
            let out = host.run(worker, &Command::argv(["test", "-d", path.as_str()]))?;
            Ok(Target {
                path: path.clone(),
                is_dir: out.success(),
            })
        })
        .collect()
}

fn target_sets(params: &FioParams, targets: Vec<Target>) -> Vec<Vec<Target>> {
    match params.job_mode {
        JobMode::Concurrent => vec![targets],
        JobMode::Serial => targets.into_iter().map(|t| vec![t]).collect(),
    }
}

/// The fio argv of one workload on the worker of one work dir.
pub type ArgvFor<'a> = dyn Fn(&Workload<'_>, &WorkDir) -> Vec<String> + 'a;

/// Runs one sample on every work dir's worker.
fn sample(
    host: &Host<'_>,
    run: &TestRun,
    dirs: &[WorkDir],
    params: &FioParams,
    argv: &[Vec<String>],
    tag: &str,
) -> PluginResult<Sample> {
    if let Some(script) = &params.pre_iteration_script {
        host.run_ok(&run.host, &Command::argv([script.as_str()]))
            .map_err(|e| {
                e.context(format!(
                    "pre-iteration-script {script} failed on {}",
                    run.host
                ))
            })?;
    }
    let timeout = (params.ramptime + params.runtime) as f64 * 2.0 + SLACK_SECS;
    let jobs: Vec<(WorkDir, Vec<String>)> =
        dirs.iter().cloned().zip(argv.iter().cloned()).collect();
    let finished = run_everywhere(host, &jobs, tag, timeout)?;
    finished
        .into_iter()
        .map(|f| {
            if f.status != 0 {
                return Err(PluginError::new(format!(
                    "fio on {} exited with {}",
                    f.machine, f.status
                ))
                .with_cause(f.stderr.trim().to_owned()));
            }
            Ok((f.machine.clone(), fio_json::parse(&f.stdout, &f.machine)?))
        })
        .collect()
}

/// Runs every iteration of fio on `params.targets` and writes
/// `result.json` and `RUNPERF_METADATA.json` into `run.output_dir`.
pub fn run(
    host: &Host<'_>,
    run: &TestRun,
    params: &FioParams,
    dirs: &[WorkDir],
) -> PluginResult<()> {
    let first = dirs
        .first()
        .ok_or_else(|| PluginError::new("fio has no worker to run on"))?;
    let targets = detect_targets(host, &first.machine, params)?;
    let sets = target_sets(params, targets);
    run_iterations(host, run, params, dirs, &sets, &|workload, _dir| {
        fio_argv(params, workload)
    })
}

/// Runs every iteration (target set x test type x block size) with the
/// argv `argv_for` builds for each worker, and writes `result.json` and
/// `RUNPERF_METADATA.json` into `run.output_dir`.
pub fn run_iterations(
    host: &Host<'_>,
    run: &TestRun,
    params: &FioParams,
    dirs: &[WorkDir],
    sets: &[Vec<Target>],
    argv_for: &ArgvFor<'_>,
) -> PluginResult<()> {
    let serial = params.job_mode == JobMode::Serial;
    let mut iterations = Vec::new();
    let mut number = 0;
    for set in sets {
        for test_type in &params.test_types {
            for block_size in &params.block_sizes {
                number += 1;
                let workload = Workload {
                    test_type,
                    block_size: *block_size,
                    targets: set,
                };
                let name = iteration_name(&workload, serial);
                let argv: Vec<Vec<String>> =
                    dirs.iter().map(|dir| argv_for(&workload, dir)).collect();
                for attempt in 1..=params.max_failures.max(1) {
                    host.log(
                        LogLevel::Info,
                        &format!("fio iteration {number} {name}, attempt {attempt}"),
                    );
                    let samples = (1..=params.samples)
                        .map(|s| {
                            sample(
                                host,
                                run,
                                dirs,
                                params,
                                &argv,
                                &format!("{number}-{attempt}-{s}"),
                            )
                        })
                        .collect::<PluginResult<Vec<_>>>()
                        .map_err(|e| e.context(format!("fio iteration {name} failed")))?;
                    let mut it = samples::iteration(
                        number,
                        &name,
                        &samples,
                        params.max_stddev,
                        Some(metadata::user_params(run)),
                    );
                    let stddev = it.throughput_stddevpct(PRIMARY).unwrap_or(0.0);
                    if stddev <= params.max_stddev {
                        iterations.push(it);
                        break;
                    }
                    host.log(
                        LogLevel::Warn,
                        &format!("fio iteration {name}: {PRIMARY} stddev {stddev}% is above max-stddev {}%", params.max_stddev),
                    );
                    it.name = format!("{name}-fail{attempt}");
                    iterations.push(it);
                }
            }
        }
    }
    let dir = Path::new(&run.output_dir);
    result::write_result_json(dir, &iterations)?;
    write_metadata(host, run, dir)
}

/// Writes `RUNPERF_METADATA.json` into the local dir `dir`.
pub fn write_metadata(host: &Host<'_>, run: &TestRun, dir: &Path) -> PluginResult<()> {
    let path = dir.join("RUNPERF_METADATA.json");
    std::fs::write(&path, metadata::metadata_json(host, run)?)
        .map_err(|e| PluginError::new(format!("cannot write {}: {e}", path.display())))
}
