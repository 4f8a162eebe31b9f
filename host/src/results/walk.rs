//! Finding result files and error dirs the way the reference's globs do
//! (`*/*/[0-9]*/result.json`, `__error*__` up to three levels deep): hidden
//! names never match, results are visited in sorted path order.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::check::{Check, CheckValue};
use crate::log_note::LogNote;

/// A result.json to read and the `PROFILE/TEST/SERIAL` id of its checks.
pub(super) struct ResultFile {
    pub path: PathBuf,
    pub result_id: String,
}

/// An `__error*__` dir and the `P/T/S` id (missing levels `*`) it reports.
pub(super) struct ErrorDir {
    pub path: PathBuf,
    pub result_id: String,
}

/// Sorted visible entries of `dir` (nothing when it is not a dir).
///
/// Listed with `open` + `getdents` only: a tree has thousands of
/// directories and `std::fs::read_dir` adds a `stat` to each.
fn entries(dir: &Path) -> Vec<(String, PathBuf)> {
    use rustix::fs::{Mode, OFlags};
    use std::os::unix::ffi::OsStrExt;
    let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
    let Ok(fd) = rustix::fs::open(dir, flags, Mode::empty()) else {
        return Vec::new();
    };
    let Ok(mut listing) = rustix::fs::Dir::new(fd) else {
        return Vec::new();
    };
    let mut out: Vec<(String, PathBuf)> = Vec::new();
    while let Some(Ok(entry)) = listing.read() {
        let raw = entry.file_name().to_bytes();
        // Hidden names (and `.`, `..`) never match the reference's globs.
        if raw.starts_with(b".") {
            continue;
        }
        let name = String::from_utf8_lossy(raw).into_owned();
        out.push((name, dir.join(std::ffi::OsStr::from_bytes(raw))));
    }
    out.sort();
    out
}

/// What one walk of the tree finds.
pub(super) struct Found {
    /// Result files in sorted path order.
    pub results: Vec<ResultFile>,
    /// Other files that result-parser plugins read, in sorted path order.
    pub plugin_files: Vec<ResultFile>,
    /// Error dirs, level by level, each level in sorted path order.
    pub errors: Vec<ErrorDir>,
}

/// Whether `name` matches the glob `__error*__`.
fn is_error_name(name: &str) -> bool {
    name.len() >= 9 && name.starts_with("__error") && name.ends_with("__")
}

/// One walk of the first three levels below `root` finding
/// `PROFILE/TEST/SERIAL/result.json` files (serials must start with a
/// digit unless `include_incorrect`) and `__error*__` entries at levels 0
/// to 3; each directory is listed once.
pub(super) fn walk(root: &Path, include_incorrect: bool) -> Found {
    let mut results = Vec::new();
    let mut plugin_files = Vec::new();
    let mut levels: [Vec<ErrorDir>; 4] = Default::default();
    let error = |path: &Path, names: &[&str]| {
        let mut parts: Vec<&str> = names.to_vec();
        parts.resize(3, "*");
        ErrorDir {
            path: path.to_path_buf(),
            result_id: parts.join("/"),
        }
    };
    for (profile, profile_path) in entries(root) {
        if is_error_name(&profile) {
            levels[0].push(error(&profile_path, &[]));
        }
        for (test, test_path) in entries(&profile_path) {
            if is_error_name(&test) {
                levels[1].push(error(&test_path, &[&profile]));
            }
            for (serial, serial_path) in entries(&test_path) {
                if is_error_name(&serial) {
                    levels[2].push(error(&serial_path, &[&profile, &test]));
                }
                let serial_ok =
                    include_incorrect || serial.starts_with(|c: char| c.is_ascii_digit());
                for (name, path) in entries(&serial_path) {
                    if is_error_name(&name) {
                        levels[3].push(error(&path, &[&profile, &test, &serial]));
                    } else if serial_ok && name == "result.json" {
                        results.push(ResultFile {
                            path,
                            result_id: format!("{profile}/{test}/{serial}"),
                        });
                    } else if serial_ok && super::parsers::handles(&name) {
                        plugin_files.push(ResultFile {
                            path,
                            result_id: format!("{profile}/{test}/{serial}"),
                        });
                    }
                }
            }
        }
    }
    Found {
        results,
        plugin_files,
        errors: levels.into_iter().flatten().collect(),
    }
}

/// The check of an error dir: its `exception` text (or
/// `<Unknown exception>`), always primary; params list its files. Also
/// the error to log when the exception exists but cannot be read.
pub(super) fn error_check(error: &ErrorDir) -> (Check, Option<LogNote>) {
    let exception = error.path.join("exception");
    let mut note = None;
    let text = if exception.exists() {
        match std::fs::read(&exception) {
            // The reference reads in text mode: universal newlines.
            Ok(bytes) => String::from_utf8_lossy(&bytes)
                .replace("\r\n", "\n")
                .replace('\r', "\n"),
            Err(err) => {
                note = Some(LogNote::new(
                    tracing::Level::ERROR,
                    format!("{}: cannot read: {err}", exception.display()),
                ));
                "<Unknown exception>".to_string()
            }
        }
    } else {
        "<Unknown exception>".to_string()
    };
    let check = Check {
        name: format!("{}:./ERROR/ERROR/ERROR.error", error.result_id),
        value: CheckValue::Text(text),
        primary: true,
        params: Arc::new(error_files(&error.path)),
    };
    (check, note)
}

/// Files of an error dir (relative path, size) for the report.
fn error_files(dir: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(current) = stack.pop() {
        for (_, path) in entries(&current) {
            if path.is_dir() {
                stack.push(path);
            } else {
                let size = path.metadata().map(|m| m.len()).unwrap_or(0);
                let rel = path.strip_prefix(dir).unwrap_or(&path);
                out.push((rel.display().to_string(), format!("{size} bytes")));
            }
        }
    }
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::is_error_name;

    #[test]
    fn error_glob() {
        assert!(is_error_name("__error__"));
        assert!(is_error_name("__error0__"));
        assert!(is_error_name("__error12__"));
        assert!(!is_error_name("__error_"));
        assert!(!is_error_name("__sysinfo__"));
        assert!(!is_error_name("error0"));
    }
}
