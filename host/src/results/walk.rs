//! Finding result files and error dirs the way the reference's globs do
//! (`*/*/[0-9]*/result.json`, `__error*__` up to three levels deep): hidden
//! names never match, results are visited in sorted path order.
//!
//! One shortcut: a serial directory holding no directory (link count 2)
//! is not listed unless a result-parser plugin wants other files, so a
//! plain *file* named `__error*__` in it would go unseen; run-perf only
//! ever writes error directories.

use std::cell::RefCell;
use std::ffi::OsStr;
use std::mem::MaybeUninit;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;
use rustix::fs::{Mode, OFlags, RawDir};

use super::Parallelism;

use super::check::{Check, CheckValue};
use crate::log_note::LogNote;

/// A result.json to read and the `PROFILE/TEST/SERIAL` id of its checks.
pub(super) struct ResultFile {
    pub path: PathBuf,
    pub result_id: String,
}

/// A result file found by [`walk`], opened (relative to its directory:
/// that spares the kernel a walk of the whole path for each of thousands
/// of files) but not read yet.
pub(super) struct FoundFile {
    pub opened: rustix::io::Result<OwnedFd>,
    pub file: ResultFile,
}

/// An `__error*__` dir and the `P/T/S` id (missing levels `*`) it reports.
pub(super) struct ErrorDir {
    pub path: PathBuf,
    pub result_id: String,
}

/// One visible entry of a directory.
struct Entry {
    /// The name as text (lossy for names that are not UTF-8).
    name: String,
    /// The name as the kernel has it, when it is not UTF-8.
    non_utf8: Option<Box<[u8]>>,
}

impl Entry {
    fn new(raw: &[u8]) -> Self {
        match std::str::from_utf8(raw) {
            Ok(name) => Self {
                name: name.to_owned(),
                non_utf8: None,
            },
            Err(_) => Self {
                name: String::from_utf8_lossy(raw).into_owned(),
                non_utf8: Some(raw.into()),
            },
        }
    }

    /// The name to open the entry with.
    fn raw(&self) -> &OsStr {
        OsStr::from_bytes(self.non_utf8.as_deref().unwrap_or(self.name.as_bytes()))
    }
}

/// Bytes of `getdents` space: the entries of most directories at once.
const DIRENTS_SIZE: usize = 32 << 10;

thread_local! {
    /// Space for `getdents`, reused from directory to directory: a tree
    /// has thousands of them, most with a handful of entries.
    static DIRENTS: RefCell<Vec<MaybeUninit<u8>>> = RefCell::new(vec![MaybeUninit::uninit(); DIRENTS_SIZE]);
}

/// A directory opened once, to be listed and to open entries relative to.
struct Listing {
    fd: OwnedFd,
    entries: Vec<Entry>,
}

impl Listing {
    /// Opens and lists `name` inside `parent` (or the path `name` when
    /// there is no parent); `None` when it is not a readable directory.
    ///
    /// Listed with `open` + `getdents` only: a tree has thousands of
    /// directories and `std::fs::read_dir` adds a `stat` to each.
    fn open(parent: Option<BorrowedFd<'_>>, name: &OsStr) -> Option<Self> {
        let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
        let fd = match parent {
            Some(parent) => rustix::fs::openat(parent, name, flags, Mode::empty()),
            None => rustix::fs::open(name, flags, Mode::empty()),
        }
        .ok()?;
        let mut entries = DIRENTS.with(|buffer| match buffer.try_borrow_mut() {
            Ok(mut buffer) => list(&fd, &mut buffer),
            Err(_) => list(&fd, &mut vec![MaybeUninit::uninit(); DIRENTS_SIZE]),
        })?;
        entries.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.raw().cmp(b.raw())));
        Some(Self { fd, entries })
    }

    /// Opens and lists the entry `name` of this directory.
    fn child(&self, name: &OsStr) -> Option<Self> {
        Self::open(Some(self.fd()), name)
    }

    fn fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

/// The visible entries of the open directory `fd`, unsorted.
fn list(fd: &OwnedFd, buffer: &mut [MaybeUninit<u8>]) -> Option<Vec<Entry>> {
    let mut entries = Vec::new();
    let mut dir = RawDir::new(fd, buffer);
    while let Some(entry) = dir.next() {
        let entry = entry.ok()?;
        let raw = entry.file_name().to_bytes();
        // Hidden names (and `.`, `..`) never match the reference's globs.
        if !raw.starts_with(b".") {
            entries.push(Entry::new(raw));
        }
    }
    Some(entries)
}

/// Sorted visible entries of `dir` as paths (nothing when it is not a dir).
fn entries(dir: &Path) -> Vec<PathBuf> {
    Listing::open(None, dir.as_os_str()).map_or_else(Vec::new, |listing| {
        listing
            .entries
            .iter()
            .map(|entry| dir.join(entry.raw()))
            .collect()
    })
}

/// What one walk of the tree finds.
pub(super) struct Found<T> {
    /// What `read` made of each result file, in sorted path order.
    pub results: Vec<T>,
    /// Other files that result-parser plugins read, in sorted path order.
    pub plugin_files: Vec<ResultFile>,
    /// Error dirs, level by level, each level in sorted path order.
    pub errors: Vec<ErrorDir>,
}

impl<T> Default for Found<T> {
    fn default() -> Self {
        Self {
            results: Vec::new(),
            plugin_files: Vec::new(),
            errors: Vec::new(),
        }
    }
}

/// Whether `name` matches the glob `__error*__`.
fn is_error_name(name: &str) -> bool {
    name.len() >= 9 && name.starts_with("__error") && name.ends_with("__")
}

/// An error dir at `path` reporting the levels `names` (missing ones `*`).
fn error_dir(path: PathBuf, names: &[&str]) -> ErrorDir {
    let mut parts: Vec<&str> = names.to_vec();
    parts.resize(3, "*");
    ErrorDir {
        path,
        result_id: parts.join("/"),
    }
}

/// Walks the first three levels below `root` finding
/// `PROFILE/TEST/SERIAL/result.json` files (serials must start with a
/// digit unless `include_incorrect`) and `__error*__` entries at levels 0
/// to 3, and hands each result file to `read` as soon as it is found.
/// Each directory is listed once; `PROFILE/TEST` directories are walked
/// on all threads or on this one ([`Parallelism`]).
pub(super) fn walk<T: Send>(
    root: &Path,
    include_incorrect: bool,
    parsers: &super::ResultParsers,
    parallelism: Parallelism,
    progress: &dyn super::LoadProgress,
    read: impl Fn(FoundFile) -> T + Sync,
) -> Found<T> {
    let mut found = Found::default();
    let Some(root_listing) = Listing::open(None, root.as_os_str()) else {
        return found;
    };
    let mut levels: [Vec<ErrorDir>; 4] = Default::default();
    let mut profiles = Vec::new();
    for profile in &root_listing.entries {
        let path = root.join(profile.raw());
        if is_error_name(&profile.name) {
            levels[0].push(error_dir(path.clone(), &[]));
        }
        if let Some(listing) = root_listing.child(profile.raw()) {
            profiles.push((profile, path, listing));
        }
    }
    let mut tests = Vec::new();
    for (profile, path, listing) in &profiles {
        for test in &listing.entries {
            let test_path = path.join(test.raw());
            if is_error_name(&test.name) {
                levels[1].push(error_dir(test_path.clone(), &[&profile.name]));
            }
            tests.push((
                listing,
                test,
                test_path,
                [profile.name.as_str(), &test.name],
            ));
        }
    }
    let walk_test = |(profile, test, path, names): &(&Listing, &Entry, PathBuf, [&str; 2])| {
        let mut part = (Found::default(), Default::default());
        if let Some(listing) = profile.child(test.raw()) {
            let test_dir = TestDir {
                listing: &listing,
                path,
                names: *names,
                parsers,
            };
            test_dir.walk(include_incorrect, &read, &mut part.0, &mut part.1);
        }
        progress.test_done();
        part
    };
    progress.discovered(tests.len());
    let parts: Vec<(Found<T>, [Vec<ErrorDir>; 2])> = match parallelism {
        Parallelism::Files => tests.par_iter().map(walk_test).collect(),
        Parallelism::Trees => tests.iter().map(walk_test).collect(),
    };
    for (part, [serials, inside]) in parts {
        found.results.extend(part.results);
        found.plugin_files.extend(part.plugin_files);
        levels[2].extend(serials);
        levels[3].extend(inside);
    }
    found.errors = levels.into_iter().flatten().collect();
    found
}

/// One listed `PROFILE/TEST` directory.
struct TestDir<'a> {
    listing: &'a Listing,
    path: &'a Path,
    /// Profile and test names.
    names: [&'a str; 2],
    /// The plugins reading files besides `result.json`.
    parsers: &'a super::ResultParsers,
}

impl TestDir<'_> {
    /// Reads the result files of its serials into `found`, error dirs of
    /// levels 2 and 3 into `levels`.
    fn walk<T>(
        &self,
        include_incorrect: bool,
        read: &impl Fn(FoundFile) -> T,
        found: &mut Found<T>,
        levels: &mut [Vec<ErrorDir>; 2],
    ) {
        let [profile, test] = self.names;
        for serial in &self.listing.entries {
            let serial_path = self.path.join(serial.raw());
            if is_error_name(&serial.name) {
                levels[0].push(error_dir(serial_path.clone(), &self.names));
            }
            let serial_ok =
                include_incorrect || serial.name.starts_with(|c: char| c.is_ascii_digit());
            let result_file = |path: PathBuf| ResultFile {
                path,
                result_id: format!("{profile}/{test}/{}", serial.name),
            };
            if self.is_leaf(serial) {
                // Nothing but files inside: no error dir, and no file a
                // plugin reads; only result.json can matter.
                if serial_ok {
                    let name = Path::new(serial.raw()).join(RESULT_JSON);
                    match open_file(self.listing.fd(), name.as_os_str()) {
                        Err(rustix::io::Errno::NOENT) => {}
                        opened => found.results.push(read(FoundFile {
                            opened,
                            file: result_file(serial_path.join(RESULT_JSON)),
                        })),
                    }
                }
                continue;
            }
            let Some(inside) = self.listing.child(serial.raw()) else {
                continue;
            };
            for entry in &inside.entries {
                let entry_path = || serial_path.join(entry.raw());
                if is_error_name(&entry.name) {
                    levels[1].push(error_dir(entry_path(), &[profile, test, &serial.name]));
                } else if serial_ok && entry.name == RESULT_JSON {
                    found.results.push(read(FoundFile {
                        opened: open_file(inside.fd(), entry.raw()),
                        file: result_file(entry_path()),
                    }));
                } else if serial_ok && self.parsers.handles(&entry.name) {
                    found.plugin_files.push(result_file(entry_path()));
                }
            }
        }
    }

    /// Whether `serial` is a directory known to hold no directory (its
    /// link count is 2, as on ext4, XFS and tmpfs; file systems that
    /// count links differently say 1 and are listed) while no result
    /// parser plugin waits for other files: then it need not be listed.
    /// Stripped results, the ones kept for years, look like this.
    fn is_leaf(&self, serial: &Entry) -> bool {
        if !self.parsers.is_empty() {
            return false;
        }
        rustix::fs::statat(
            self.listing.fd(),
            serial.raw(),
            rustix::fs::AtFlags::empty(),
        )
        .is_ok_and(|stat| {
            rustix::fs::FileType::from_raw_mode(stat.st_mode) == rustix::fs::FileType::Directory
                && stat.st_nlink == 2
        })
    }
}

/// The file pbench results are read from.
const RESULT_JSON: &str = "result.json";

/// Opens the file `name` inside `dir` for reading.
fn open_file(dir: BorrowedFd<'_>, name: &OsStr) -> rustix::io::Result<OwnedFd> {
    rustix::fs::openat(dir, name, OFlags::RDONLY | OFlags::CLOEXEC, Mode::empty())
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
        for path in entries(&current) {
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
