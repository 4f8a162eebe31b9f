//! fio's params: pbench-fio's names and the reference's defaults, parsed
//! from the text values of the command line (`"1"` and `1` are the same,
//! lists are CSV), validated for native mode.

use std::collections::BTreeMap;

use runperf_plugin_sdk::{PluginError, PluginResult};

use pbench_support::params::{ParamReader, over_defaults};

/// Test types pbench-fio supports.
pub const TEST_TYPES: [&str; 6] = ["read", "write", "rw", "randread", "randwrite", "randrw"];

/// Defaults the reference passes to pbench-fio (also in pbench mode).
pub const REFERENCE_DEFAULTS: [(&str, &str); 4] = [
    ("test-types", "read,write,rw"),
    ("ramptime", "10"),
    ("runtime", "180"),
    ("samples", "3"),
];

/// Params native mode accepts (pbench mode passes anything through).
pub const ACCEPTED: [&str; 17] = [
    "block-sizes",
    "direct",
    "file-size",
    "iodepth",
    "ioengine",
    "job-mode",
    "max-failures",
    "max-stddev",
    "numjobs",
    "pre-iteration-script",
    "ramptime",
    "rate-iops",
    "runtime",
    "samples",
    "sync",
    "targets",
    "test-types",
];

/// How several targets are used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobMode {
    /// All targets at once, one fio job per target.
    Concurrent,
    /// Every iteration once per target, named `...-<target base name>`.
    Serial,
}

/// Validated params of a native fio run.
#[derive(Debug, Clone, PartialEq)]
pub struct FioParams {
    /// fio `rw` values, one iteration each.
    pub test_types: Vec<String>,
    /// Block sizes in KiB, one iteration each.
    pub block_sizes: Vec<u64>,
    /// fio `size` (bytes, or with fio's suffixes: `64M`).
    pub file_size: String,
    /// Files, block devices or directories.
    pub targets: Vec<String>,
    /// Measured seconds per sample.
    pub runtime: u64,
    /// Warm-up seconds per sample.
    pub ramptime: u64,
    /// Samples per iteration.
    pub samples: u32,
    /// fio `iodepth`.
    pub iodepth: u32,
    /// fio `ioengine`.
    pub ioengine: String,
    /// fio `direct` (0 or 1).
    pub direct: u8,
    /// fio `sync` (0 or 1).
    pub sync: u8,
    /// fio `numjobs`.
    pub numjobs: u32,
    /// fio `rate_iops`, if limited.
    pub rate_iops: Option<u64>,
    /// Max stddev (%) of the primary metric before an attempt is failed.
    pub max_stddev: f64,
    /// Attempts of an iteration whose stddev stays too high.
    pub max_failures: u32,
    /// How targets are combined.
    pub job_mode: JobMode,
    /// Program run on the host machine before every sample.
    pub pre_iteration_script: Option<String>,
}

/// Native defaults: the reference's, then pbench-fio's and its job template's.
const NATIVE_DEFAULTS: [(&str, &str); 14] = [
    ("test-types", "read,write,rw"),
    ("ramptime", "10"),
    ("runtime", "180"),
    ("samples", "3"),
    ("block-sizes", "4,64,1024"),
    ("file-size", "4096M"),
    ("targets", "/tmp/fio"),
    ("iodepth", "32"),
    ("ioengine", "libaio"),
    ("direct", "1"),
    ("sync", "0"),
    ("numjobs", "1"),
    ("max-stddev", "5"),
    ("max-failures", "6"),
];

/// Renames the seed README's `type` to `test-types`.
pub fn canonical(params: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    params
        .iter()
        .map(|(k, v)| {
            (
                if k == "type" {
                    "test-types".to_owned()
                } else {
                    k.clone()
                },
                v.clone(),
            )
        })
        .collect()
}

/// The params passed to pbench-fio: the user's over the reference defaults.
pub fn pbench_params(params: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    over_defaults(&REFERENCE_DEFAULTS, canonical(params))
}

const READ: ParamReader = ParamReader {
    test: "fio",
    integer: "non-negative integer",
};

fn flag(key: &str, value: &str) -> PluginResult<u8> {
    match value.trim() {
        "0" => Ok(0),
        "1" => Ok(1),
        other => Err(PluginError::new(format!(
            "fio param {key} must be 0 or 1, not {other:?}"
        ))),
    }
}

/// What a test built on native fio changes of `FioParams::parse`.
#[derive(Debug, Clone, Copy)]
pub struct Variant<'a> {
    /// The test's name in messages (`fio`).
    pub test: &'a str,
    /// Defaults replacing the native ones.
    pub defaults: &'a [(&'a str, &'a str)],
    /// Params of `ACCEPTED` the test sets itself and refuses.
    pub fixed: &'a [&'a str],
}

/// Plain fio.
const FIO: Variant<'static> = Variant {
    test: "fio",
    defaults: &[],
    fixed: &[],
};

impl FioParams {
    /// Parses `params` (text values) for native mode.
    pub fn parse(params: &BTreeMap<String, String>) -> PluginResult<Self> {
        Self::parse_variant(params, &FIO)
    }

    /// Parses `params` for native mode of a test built on fio.
    pub fn parse_variant(
        params: &BTreeMap<String, String>,
        variant: &Variant<'_>,
    ) -> PluginResult<Self> {
        let params = canonical(params);
        let accepted: Vec<&str> = ACCEPTED
            .iter()
            .copied()
            .filter(|k| !variant.fixed.contains(k))
            .collect();
        if let Some(unknown) = params.keys().find(|k| !accepted.contains(&k.as_str())) {
            return Err(PluginError::new(format!(
                "unknown {} param {unknown:?}; natively run fio accepts: {} \
                 (other pbench-fio options need pbench-fio installed on the host)",
                variant.test,
                accepted.join(", ")
            )));
        }
        let mut all: BTreeMap<&str, &str> = NATIVE_DEFAULTS.iter().copied().collect();
        all.extend(variant.defaults.iter().copied());
        all.extend(params.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        let get = |key: &str| all.get(key).copied().unwrap_or_default();
        let test_types = READ.list("test-types", get("test-types"))?;
        if let Some(bad) = test_types
            .iter()
            .find(|t| !TEST_TYPES.contains(&t.as_str()))
        {
            return Err(PluginError::new(format!(
                "fio test type {bad:?} is not one of {}",
                TEST_TYPES.join(", ")
            )));
        }
        let block_sizes = READ
            .list("block-sizes", get("block-sizes"))?
            .iter()
            .map(|b| READ.number::<u64>("block-sizes", b))
            .collect::<PluginResult<Vec<_>>>()?;
        if block_sizes.contains(&0) {
            return Err(PluginError::new(
                "fio param block-sizes must be positive (KiB)",
            ));
        }
        let out = Self {
            test_types,
            block_sizes,
            file_size: get("file-size").trim().to_owned(),
            targets: READ.list("targets", get("targets"))?,
            runtime: READ.number("runtime", get("runtime"))?,
            ramptime: READ.number("ramptime", get("ramptime"))?,
            samples: READ.number("samples", get("samples"))?,
            iodepth: READ.number("iodepth", get("iodepth"))?,
            ioengine: get("ioengine").trim().to_owned(),
            direct: flag("direct", get("direct"))?,
            sync: flag("sync", get("sync"))?,
            numjobs: READ.number("numjobs", get("numjobs"))?,
            rate_iops: all
                .get("rate-iops")
                .map(|v| READ.number("rate-iops", v))
                .transpose()?,
            max_stddev: get("max-stddev").trim().parse().map_err(|_| {
                PluginError::new(format!(
                    "fio param max-stddev must be a number, not {:?}",
                    get("max-stddev")
                ))
            })?,
            max_failures: READ.number("max-failures", get("max-failures"))?,
            job_mode: match get("job-mode") {
                "" | "concurrent" => JobMode::Concurrent,
                "serial" => JobMode::Serial,
                other => {
                    return Err(PluginError::new(format!(
                        "fio param job-mode must be serial or concurrent, not {other:?}"
                    )));
                }
            },
            pre_iteration_script: all.get("pre-iteration-script").map(|s| (*s).to_owned()),
        };
        let mut out = out;
        out.check_sizes()?;
        out.normalize_file_size();
        Ok(out)
    }

    fn check_sizes(&self) -> PluginResult<()> {
        if self.samples == 0 || self.numjobs == 0 || self.runtime == 0 {
            return Err(PluginError::new(
                "fio params samples, numjobs and runtime must be at least 1",
            ));
        }
        if self.ioengine.is_empty() || self.file_size.is_empty() {
            return Err(PluginError::new(
                "fio params ioengine and file-size must not be empty",
            ));
        }
        Ok(())
    }

    /// A bare `file-size` is bytes, as in pbench-fio (fio's `size=`); one
    /// smaller than the largest block size cannot be meant as bytes (fio
    /// would refuse it), so it is read as MiB, the unit people write in
    /// examples (`"file-size": 64`). Returns the size fio gets.
    fn normalize_file_size(&mut self) {
        let largest = self.block_sizes.iter().max().copied().unwrap_or(0) * 1024;
        if let Ok(number) = self.file_size.parse::<u64>()
            && number < largest
        {
            self.file_size = format!("{number}M");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn defaults_are_the_reference_ones() {
        let p = FioParams::parse(&BTreeMap::new()).unwrap();
        assert_eq!(p.test_types, ["read", "write", "rw"]);
        assert_eq!((p.runtime, p.ramptime, p.samples), (180, 10, 3));
        assert_eq!(p.block_sizes, [4, 64, 1024]);
        assert_eq!(
            (p.ioengine.as_str(), p.iodepth, p.direct, p.sync),
            ("libaio", 32, 1, 0)
        );
        assert_eq!(
            (p.max_stddev, p.max_failures, p.job_mode),
            (5.0, 6, JobMode::Concurrent)
        );
    }

    #[test]
    fn seed_readme_spelling_and_string_numbers() {
        let p = FioParams::parse(&params(&[
            ("type", "read"),
            ("ramptime", "1"),
            ("runtime", "10"),
            ("samples", "1"),
            ("file-size", "1300000"),
            ("targets", "/fio"),
        ]))
        .unwrap();
        assert_eq!(p.test_types, ["read"]);
        assert_eq!((p.runtime, p.ramptime, p.samples), (10, 1, 1));
        assert_eq!(p.file_size, "1300000");
    }

    #[test]
    fn unknown_param_is_named_with_the_accepted_ones() {
        let err = FioParams::parse(&params(&[("clients", "x")])).unwrap_err();
        assert!(err.message().contains("\"clients\""), "{err}");
        assert!(err.message().contains("block-sizes, direct"), "{err}");
    }

    #[test]
    fn invalid_values_are_explained() {
        for (key, value, needle) in [
            ("test-types", "read,bogus", "\"bogus\""),
            ("runtime", "ten", "runtime"),
            ("direct", "2", "direct"),
            ("job-mode", "parallel", "job-mode"),
            ("block-sizes", "4,0", "positive"),
        ] {
            let err = FioParams::parse(&params(&[(key, value)])).unwrap_err();
            assert!(err.message().contains(needle), "{key}: {err}");
        }
    }

    #[test]
    fn bare_file_sizes_smaller_than_a_block_are_mib() {
        let p = FioParams::parse(&params(&[("file-size", "64"), ("block-sizes", "4,64")])).unwrap();
        assert_eq!(p.file_size, "64M");
        let p =
            FioParams::parse(&params(&[("file-size", "1300000"), ("block-sizes", "4")])).unwrap();
        assert_eq!(p.file_size, "1300000");
        let p = FioParams::parse(&params(&[("file-size", "2G")])).unwrap();
        assert_eq!(p.file_size, "2G");
    }

    #[test]
    fn pbench_mode_adds_only_reference_defaults() {
        let out = pbench_params(&params(&[("type", "read"), ("sysinfo", "none")]));
        assert_eq!(out["test-types"], "read");
        assert_eq!(out["sysinfo"], "none");
        assert_eq!(out["runtime"], "180");
        assert!(!out.contains_key("ioengine"));
    }
}
