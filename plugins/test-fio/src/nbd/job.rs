//! fio-nbd's params and its fio command line: the fio test's params with
//! the reference job's values as defaults, the image split into
//! `numjobs` equal slices (fio's `offset_increment`), the engine pointed at
//! the worker's socket.

use std::collections::BTreeMap;

use runperf_plugin_sdk::{PluginError, PluginResult};

use crate::command::{Workload, global_argv};
use crate::params::{FioParams, Variant};

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
