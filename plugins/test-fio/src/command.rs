//! The fio command line of one sample of an iteration, as argv: every
//! param is one literal argument (the host quotes it), nothing goes
//! through a shell. Options before the first `--name` are global; each
//! target is a job of its own, like pbench-fio's job file.

use crate::params::FioParams;

/// A target and whether it is a directory on the worker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// File, block device or directory.
    pub path: String,
    /// Directories take `--directory`, the rest `--filename`.
    pub is_dir: bool,
}

/// What one iteration measures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Workload<'a> {
    /// fio `rw`.
    pub test_type: &'a str,
    /// Block size in KiB.
    pub block_size: u64,
    /// Targets used together.
    pub targets: &'a [Target],
}

/// `fio` and its arguments for `workload` with `params`.
pub fn fio_argv(params: &FioParams, workload: &Workload<'_>) -> Vec<String> {
    let mut argv = global_argv(params, workload);
    for target in workload.targets {
        // fio names a directory target's files after the job: no slashes.
        argv.push(format!("--name=job-{}", target.path.replace('/', "_")));
        let option = if target.is_dir {
            "directory"
        } else {
            "filename"
        };
        argv.push(format!("--{option}={}", target.path));
    }
    argv
}

/// `fio` and its global options for `workload` with `params`: what comes
/// before the first job.
pub fn global_argv(params: &FioParams, workload: &Workload<'_>) -> Vec<String> {
    let mut argv = vec![
        "fio".to_owned(),
        "--output-format=json".to_owned(),
        format!("--bs={}k", workload.block_size),
        format!("--rw={}", workload.test_type),
        format!("--ioengine={}", params.ioengine),
        format!("--iodepth={}", params.iodepth),
        format!("--direct={}", params.direct),
        format!("--sync={}", params.sync),
        format!("--runtime={}", params.runtime),
        "--time_based=1".to_owned(),
        "--clocksource=gettimeofday".to_owned(),
        format!("--ramp_time={}", params.ramptime),
        format!("--size={}", params.file_size),
        format!("--numjobs={}", params.numjobs),
    ];
    if let Some(rate) = params.rate_iops {
        argv.push(format!("--rate_iops={rate}"));
    }
    argv
}

/// Iteration name as pbench-fio names it (`read-4KiB`; in serial mode
/// with the target's base name appended).
pub fn iteration_name(workload: &Workload<'_>, serial: bool) -> String {
    let mut name = format!("{}-{}KiB", workload.test_type, workload.block_size);
    if serial && let Some(target) = workload.targets.first() {
        let base = target
            .path
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .unwrap_or_default();
        name.push('-');
        name.push_str(base);
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn params(pairs: &[(&str, &str)]) -> FioParams {
        let map: BTreeMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).into(), (*v).into()))
            .collect();
        FioParams::parse(&map).unwrap()
    }

    #[test]
    fn global_options_then_one_job_per_target() {
        let p = params(&[
            ("runtime", "2"),
            ("ramptime", "0"),
            ("file-size", "16M"),
            ("rate-iops", "100"),
        ]);
        let targets = [
            Target {
                path: "/dev/vdb".into(),
                is_dir: false,
            },
            Target {
                path: "/mnt/fio".into(),
                is_dir: true,
            },
        ];
        let argv = fio_argv(
            &p,
            &Workload {
                test_type: "randread",
                block_size: 64,
                targets: &targets,
            },
        );
        assert_eq!(
            argv,
            [
                "fio",
                "--output-format=json",
                "--bs=64k",
                "--rw=randread",
                "--ioengine=libaio",
                "--iodepth=32",
                "--direct=1",
                "--sync=0",
                "--runtime=2",
                "--time_based=1",
                "--clocksource=gettimeofday",
                "--ramp_time=0",
                "--size=16M",
                "--numjobs=1",
                "--rate_iops=100",
                "--name=job-_dev_vdb",
                "--filename=/dev/vdb",
                "--name=job-_mnt_fio",
                "--directory=/mnt/fio",
            ]
        );
    }

    #[test]
    fn hostile_values_stay_single_literal_arguments() {
        let hostile = "$(touch /tmp/pwned); rm -rf / 'quoted' \"double\" `id`";
        let p = params(&[("ioengine", hostile), ("file-size", "16M; reboot")]);
        let targets = [Target {
            path: hostile.into(),
            is_dir: false,
        }];
        let argv = fio_argv(
            &p,
            &Workload {
                test_type: "read",
                block_size: 4,
                targets: &targets,
            },
        );
        assert!(argv.contains(&format!("--ioengine={hostile}")));
        assert!(argv.contains(&"--size=16M; reboot".to_owned()));
        assert!(argv.contains(&format!("--filename={hostile}")));
        assert_eq!(argv.len(), 16);
    }

    #[test]
    fn names_like_pbench() {
        let targets = [Target {
            path: "/dev/sdb/".into(),
            is_dir: false,
        }];
        let w = Workload {
            test_type: "read",
            block_size: 4,
            targets: &targets,
        };
        assert_eq!(iteration_name(&w, false), "read-4KiB");
        assert_eq!(iteration_name(&w, true), "read-4KiB-sdb");
    }
}
