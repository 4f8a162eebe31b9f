//! fio-nbd's params and its fio command line: the fio test's params with
//! the reference job's values as defaults, the image split into
//! `numjobs` equal slices (fio's `offset_increment`), the engine pointed at
//! the worker's socket.

use std::collections::BTreeMap;

use runperf_plugin_sdk::{PluginError, PluginResult};

use crate::command::{Workload, global_argv};
use crate::params::{FioParams, Variant, canonical};
use pbench_support::params::over_defaults;

/// Size of the served image in MiB.
pub const IMAGE_MIB: u64 = 256;

/// The reference job's values (4 jobs, 30 s after 5 s of ramp, queue
/// depth 32, direct I/O) over the fio test's native defaults.
const VARIANT: Variant<'static> = Variant {
    test: super::NAME,
    defaults: &[
        ("numjobs", "4"),
        ("runtime", "30"),
        ("ramptime", "5"),
        ("iodepth", "32"),
        ("direct", "1"),
        ("sync", "0"),
        ("ioengine", "nbd"),
        ("file-size", "256M"),
    ],
    fixed: &["targets", "file-size", "ioengine", "job-mode"],
};

/// Parses fio-nbd's params; each job's slice must hold the largest block.
pub fn parse(params: &BTreeMap<String, String>) -> PluginResult<FioParams> {
    let mut parsed = FioParams::parse_variant(params, &VARIANT)?;
    let slice = slice_kib(&parsed);
    let largest = parsed.block_sizes.iter().max().copied().unwrap_or(0);
    if slice < largest {
        return Err(PluginError::new(format!(
            "{} param numjobs {} leaves each job {slice} KiB of the {IMAGE_MIB} MiB \
             image, less than the largest block size ({largest} KiB); use fewer jobs",
            super::NAME,
            parsed.numjobs
        )));
    }
    parsed.file_size = format!("{slice}k");
    Ok(parsed)
}

/// KiB of the image each job covers.
fn slice_kib(params: &FioParams) -> u64 {
    IMAGE_MIB * 1024 / u64::from(params.numjobs.max(1))
}

/// Where pbench mode serves the image on every worker and keeps the job
/// file on the host, as the reference did.
pub const PBENCH_DIR: &str = "/var/lib/runperf/runperf-nbd";

/// pbench-fio's params: the user's over `numjobs` 4 and the job file
/// runperf writes (no other defaults, as in the reference).
pub fn pbench_params(params: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    over_defaults(
        &[
            ("numjobs", "4"),
            ("job-file", &format!("{PBENCH_DIR}/nbd.fio")),
        ],
        canonical(params),
    )
}

/// The timing and the logs pbench-fio postprocesses, in every job file
/// runperf writes for it.
pub const PBENCH_LOGS: &str = "clocksource = gettimeofday\nlog_avg_msec = 1000\nwrite_bw_log = fio\n\
     write_iops_log = fio\nwrite_lat_log = fio\nwrite_hist_log = fio\nlog_hist_msec = 10000\n";

/// The job file pbench-fio runs in pbench mode: the reference job's
/// options, one job per `numjobs` starting at its slice of the image;
/// pbench-fio fills in each iteration's block size and test type for
/// `$@`.
pub fn pbench_job(params: &BTreeMap<String, String>) -> PluginResult<String> {
    let numjobs = params.get("numjobs").map_or("4", String::as_str);
    let jobs: u64 = numjobs
        .trim()
        .parse()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| {
            PluginError::new(format!(
                "{} param numjobs must be a positive integer, not {numjobs:?}",
                super::NAME
            ))
        })?;
    let mut text = format!(
        "; written by runperf's {name}: pbench-fio puts each iteration's values for $@\n\
         [global]\nbs = $@\nrw = $@\nioengine = nbd\n\
         uri = nbd+unix:///?socket={PBENCH_DIR}/socket\n\
         runtime = 30\nramp_time = 5\ntime_based = 1\niodepth = 32\ndirect = 1\nsync = 0\n\
         {PBENCH_LOGS}",
        name = super::NAME
    );
    for job in 0..jobs {
        text.push_str(&format!(
            "\n[job{job}]\noffset = {}k\n",
            IMAGE_MIB * 1024 / jobs * job
        ));
    }
    Ok(text)
}

/// The fio argv of `workload` against the export at `socket`.
pub fn argv(params: &FioParams, workload: &Workload<'_>, socket: &str) -> Vec<String> {
    let mut argv = global_argv(params, workload);
    argv.push(format!("--offset_increment={}k", slice_kib(params)));
    argv.push("--name=nbd".to_owned());
    argv.push(format!("--uri=nbd+unix:///?socket={socket}"));
    argv
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> PluginResult<FioParams> {
        parse(
            &pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        )
    }

    #[test]
    fn four_jobs_of_a_quarter_each_by_default() {
        let p = params(&[]).unwrap();
        assert_eq!((p.numjobs, p.runtime, p.ramptime), (4, 30, 5));
        let argv = argv(
            &p,
            &Workload {
                test_type: "randread",
                block_size: 4,
                targets: &[],
            },
            "/tmp/d x/socket",
        );
        for expected in [
            "--ioengine=nbd",
            "--size=65536k",
            "--numjobs=4",
            "--offset_increment=65536k",
            "--rw=randread",
            "--bs=4k",
        ] {
            assert!(
                argv.contains(&expected.to_owned()),
                "{expected} in {argv:?}"
            );
        }
        assert_eq!(
            argv[argv.len() - 2..],
            ["--name=nbd", "--uri=nbd+unix:///?socket=/tmp/d x/socket"]
        );
    }

    #[test]
    fn pbench_mode_gets_the_reference_defaults_and_a_job_per_slice() {
        let user = [("samples".to_owned(), "2".to_owned())].into();
        let params = pbench_params(&user);
        assert_eq!(
            params.keys().collect::<Vec<_>>(),
            ["job-file", "numjobs", "samples"]
        );
        assert_eq!(params["job-file"], "/var/lib/runperf/runperf-nbd/nbd.fio");
        let job = pbench_job(&params).unwrap();
        assert!(job.contains("uri = nbd+unix:///?socket=/var/lib/runperf/runperf-nbd/socket\n"));
        assert!(job.contains("bs = $@\nrw = $@\n"));
        assert!(job.ends_with("[job3]\noffset = 196608k\n"), "{job}");
        assert_eq!(job.matches("[job").count(), 4);
        let two = pbench_job(&[("numjobs".to_owned(), "2".to_owned())].into()).unwrap();
        assert!(two.ends_with("[job1]\noffset = 131072k\n"), "{two}");
        let err = pbench_job(&[("numjobs".to_owned(), "0".to_owned())].into()).unwrap_err();
        assert!(err.to_string().contains("positive integer"), "{err}");
    }

    #[test]
    fn the_export_is_fixed_and_numjobs_must_leave_room_for_a_block() {
        for key in ["targets", "ioengine", "file-size", "job-mode"] {
            let err = params(&[(key, "x")]).unwrap_err().to_string();
            assert!(
                err.contains(&format!("unknown fio-nbd param \"{key}\"")),
                "{err}"
            );
        }
        let err = params(&[("numjobs", "512")]).unwrap_err().to_string();
        assert!(err.contains("512 KiB") && err.contains("1024 KiB"), "{err}");
        assert_eq!(params(&[("numjobs", "2")]).unwrap().file_size, "131072k");
    }
}
