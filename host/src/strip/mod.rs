//! strip-run-perf: copy a result tree keeping only what the comparison
//! tools read (docs/analyze-diff-strip.md), so years of results fit in little space and still
//! give the same verdicts.
//!
//! The output matches what the reference writes: the same layout, the same
//! stripped `result.json` bytes, copied metadata and `__error*__` dirs and,
//! on request, the `__sysinfo*__` dirs.

mod destination;
pub mod python_json;
pub mod result_json;
mod source;

use std::ffi::OsString;
use std::fs::File;
use std::io::{self, BufReader};
use std::path::{Path, PathBuf};

use destination::{Destination, copy_file};

use crate::results::ResultParsers;

/// What a strip does besides the results themselves.
#[derive(Debug, Clone, Copy, Default)]
pub struct StripOptions {
    /// Also strip runs that did not complete (not `[0-9]*` named).
    pub include_incorrect: bool,
    /// Copy the `__sysinfo*__` directories too.
    pub attach_sysinfo: bool,
}

/// A problem while stripping one tree.
#[derive(Debug, thiserror::Error)]
pub enum StripError {
    /// The source is not a directory.
    #[error("{path} is not a run-perf result directory; pass the directory run-perf created")]
    NotAResult {
        /// The path given.
        path: PathBuf,
    },
    /// Reading from the source failed.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file or directory.
        path: PathBuf,
        /// The cause.
        source: io::Error,
    },
    /// Writing to the destination failed.
    #[error("cannot write {path}: {source}; check the destination is writable")]
    Write {
        /// The file or directory.
        path: PathBuf,
        /// The cause.
        source: io::Error,
    },
    /// Copying a file failed.
    #[error("cannot copy {src} to {dst}: {source}")]
    Copy {
        /// Source file.
        src: PathBuf,
        /// Destination file.
        dst: PathBuf,
        /// The cause.
        source: io::Error,
    },
    /// A `result.json` could not be parsed.
    #[error("{path} is not a valid result.json ({source}); it was left out, fix or remove it")]
    BadResultJson {
        /// The file.
        path: PathBuf,
        /// The parse error.
        source: serde_json::Error,
    },
    /// A name that would leave the destination.
    #[error("refusing to write the name {name:?}: it would leave the destination directory")]
    UnsafeName {
        /// The offending name.
        name: String,
    },
    /// A symlink found inside the destination.
    #[error("refusing to write through the symlink {path}; remove it or pick an empty destination")]
    SymlinkInDestination {
        /// The symlink.
        path: PathBuf,
    },
}

/// What was written, plus the problems that did not stop the strip.
#[derive(Debug, Default)]
pub struct StripReport {
    /// Stripped `result.json` files written.
    pub results: usize,
    /// `__error*__` directories copied.
    pub errors: usize,
    /// `__sysinfo*__` directories copied.
    pub sysinfo: usize,
    /// Files or directories left out, each with its reason.
    pub failures: Vec<StripError>,
}

/// Strips the result tree `src` into `dst`.
///
/// A broken `result.json` or an uncopyable directory is recorded in the
/// report and the rest of the tree is still stripped; only a missing source
/// or an unusable destination stops early.
pub fn strip(
    src: &Path,
    dst: &Path,
    options: StripOptions,
    parsers: &ResultParsers,
) -> Result<StripReport, StripError> {
    if !src.is_dir() {
        return Err(StripError::NotAResult {
            path: src.to_path_buf(),
        });
    }
    let destination = Destination::create(dst)?;
    let mut report = StripReport::default();
    let listing = |source| StripError::Read {
        path: src.to_path_buf(),
        source,
    };

    let metadata = src.join("RUNPERF_METADATA");
    if metadata.is_file() {
        copy_file(
            &metadata,
            &destination.file(&[], "RUNPERF_METADATA")?,
            false,
        )?;
    }

    for entry in source::result_jsons(src, options.include_incorrect).map_err(listing)? {
        let run_names = source::run_dir_names(&entry);
        match strip_one_result(&entry.path, run_names, &destination, parsers) {
            Ok(()) => report.results += 1,
            Err(err) => report.failures.push(err),
        }
    }

    for entry in source::error_dirs(src).map_err(listing)? {
        match destination.copy_tree(&entry.path, &entry.names) {
            Ok(()) => report.errors += 1,
            Err(err) => report.failures.push(err),
        }
    }

    if options.attach_sysinfo {
        for entry in source::sysinfo_dirs(src).map_err(listing)? {
            match destination.copy_tree(&entry.path, &entry.names) {
                Ok(()) => report.sysinfo += 1,
                Err(err) => report.failures.push(err),
            }
        }
    }
    Ok(report)
}

fn strip_one_result(
    path: &Path,
    run_names: &[OsString],
    destination: &Destination,
    parsers: &ResultParsers,
) -> Result<(), StripError> {
    let file = File::open(path).map_err(|source| StripError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let stripped = result_json::strip_result_json(BufReader::new(file)).map_err(|source| {
        match source.io_error_kind() {
            Some(kind) => StripError::Read {
                path: path.to_path_buf(),
                source: io::Error::new(kind, source.to_string()),
            },
            None => StripError::BadResultJson {
                path: path.to_path_buf(),
                source,
            },
        }
    })?;
    let target = destination.file(run_names, "result.json")?;
    std::fs::write(&target, python_json::to_compact(&stripped)).map_err(|source| {
        StripError::Write {
            path: target.clone(),
            source,
        }
    })?;
    if let Some(run_dir) = path.parent() {
        let metadata = run_dir.join("RUNPERF_METADATA.json");
        if metadata.is_file() {
            copy_file(
                &metadata,
                &destination.file(run_names, "RUNPERF_METADATA.json")?,
                false,
            )?;
        }
        copy_plugin_files(run_dir, run_names, destination, parsers)?;
    }
    Ok(())
}

/// Files next to `result.json` that result-parser plugins read are kept
/// whole, so stripped results still give the same verdicts.
fn copy_plugin_files(
    run_dir: &Path,
    run_names: &[OsString],
    destination: &Destination,
    parsers: &ResultParsers,
) -> Result<(), StripError> {
    let Ok(entries) = std::fs::read_dir(run_dir) else {
        return Ok(());
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if entry.path().is_file() && parsers.handles(&name) {
            copy_file(&entry.path(), &destination.file(run_names, &name)?, false)?;
        }
    }
    Ok(())
}
