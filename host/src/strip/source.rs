//! Where the parts of a result tree live, found the way the reference's
//! globs find them: `*` never matches a name starting with a dot, and every
//! intermediate level must be a directory (symlinks to one count).
//!
//! Paths come back with their names relative to the tree root so the
//! destination can rebuild the same layout; results are sorted by name.

use std::ffi::{OsStr, OsString};
use std::io;
use std::path::{Path, PathBuf};

/// A file or directory of the source tree and its names below the root.
#[derive(Debug, Clone)]
pub struct TreeEntry {
    /// Absolute (or caller-relative) path in the source tree.
    pub path: PathBuf,
    /// Names from the tree root down to the entry itself.
    pub names: Vec<OsString>,
}

/// Children of `dir` matching `wanted`, hidden names excluded, sorted.
fn children(dir: &Path, wanted: impl Fn(&str) -> bool) -> io::Result<Vec<(OsString, PathBuf)>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        let Some(text) = name.to_str() else {
            // Names that are not UTF-8 cannot be part of a check name.
            continue;
        };
        if text.starts_with('.') || !wanted(text) {
            continue;
        }
        out.push((name, entry.path()));
    }
    out.sort();
    Ok(out)
}

fn any_name(_: &str) -> bool {
    true
}

/// Sub-directories (following symlinks) of `dir`, `Ok(empty)` when `dir`
/// cannot be listed because it is not a directory.
fn subdirs(dir: &Path) -> io::Result<Vec<(OsString, PathBuf)>> {
    Ok(children(dir, any_name)?
        .into_iter()
        .filter(|(_, path)| path.is_dir())
        .collect())
}

/// `__error*__`
pub fn is_error_dir_name(name: &str) -> bool {
    name.len() >= "__error__".len() && name.starts_with("__error") && name.ends_with("__")
}

/// `__sysinfo*__`
fn is_sysinfo_name(name: &str) -> bool {
    name.len() >= "__sysinfo__".len() && name.starts_with("__sysinfo") && name.ends_with("__")
}

/// `[0-9]*`: a completed (serial-numbered) run.
fn is_serial_name(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_digit())
}

/// Every `PROFILE/TEST/RUN/result.json`; `RUN` limited to completed
/// serials unless `include_incorrect`.
pub fn result_jsons(root: &Path, include_incorrect: bool) -> io::Result<Vec<TreeEntry>> {
    let mut out = Vec::new();
    for (profile, profile_path) in subdirs(root)? {
        for (test, test_path) in subdirs(&profile_path)? {
            let runs: Vec<_> = if include_incorrect {
                subdirs(&test_path)?
            } else {
                subdirs(&test_path)?
                    .into_iter()
                    .filter(|(name, _)| name.to_str().is_some_and(is_serial_name))
                    .collect()
            };
            for (run, run_path) in runs {
                let path = run_path.join("result.json");
                if path.symlink_metadata().is_ok() {
                    out.push(TreeEntry {
                        path,
                        names: vec![profile.clone(), test.clone(), run, "result.json".into()],
                    });
                }
            }
        }
    }
    Ok(out)
}

/// Every `__error*__` directory at the root and up to three levels below.
pub fn error_dirs(root: &Path) -> io::Result<Vec<TreeEntry>> {
    let mut out = Vec::new();
    let mut level: Vec<(Vec<OsString>, PathBuf)> = vec![(Vec::new(), root.to_path_buf())];
    for depth in 0..4 {
        for (names, dir) in &level {
            for (name, path) in children(dir, is_error_dir_name)? {
                if path.is_dir() {
                    let mut names = names.clone();
                    names.push(name);
                    out.push(TreeEntry { path, names });
                }
            }
        }
        if depth == 3 {
            break;
        }
        let mut next = Vec::new();
        for (names, dir) in &level {
            for (name, path) in subdirs(dir)? {
                let mut names = names.clone();
                names.push(name);
                next.push((names, path));
            }
        }
        level = next;
    }
    Ok(out)
}

/// Every `__sysinfo*__` directory at the root and in each profile.
pub fn sysinfo_dirs(root: &Path) -> io::Result<Vec<TreeEntry>> {
    let mut out = Vec::new();
    let sysinfo_in = |dir: &Path, parents: &[OsString], out: &mut Vec<TreeEntry>| {
        for (name, path) in children(dir, is_sysinfo_name)? {
            if path.is_dir() {
                let mut names = parents.to_vec();
                names.push(name);
                out.push(TreeEntry { path, names });
            }
        }
        io::Result::Ok(())
    };
    sysinfo_in(root, &[], &mut out)?;
    for (profile, profile_path) in subdirs(root)? {
        sysinfo_in(&profile_path, &[profile], &mut out)?;
    }
    Ok(out)
}

/// The run directory names of a `result.json` entry (without the file).
pub fn run_dir_names(entry: &TreeEntry) -> &[OsString] {
    let end = entry.names.len().saturating_sub(1);
    &entry.names[..end]
}

/// True for names that may be written below the destination root.
pub fn is_plain_name(name: &OsStr) -> bool {
    !name.is_empty()
        && name != "."
        && name != ".."
        && !name.as_encoded_bytes().contains(&b'/')
        && !name.as_encoded_bytes().contains(&b'\\')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_patterns_follow_the_reference_globs() {
        assert!(is_error_dir_name("__error__"));
        assert!(is_error_dir_name("__error12__"));
        assert!(!is_error_dir_name("__error1"));
        assert!(is_sysinfo_name("__sysinfo_before__"));
        assert!(!is_sysinfo_name("sysinfo"));
        assert!(is_serial_name("0001"));
        assert!(!is_serial_name("tmpabc"));
        assert!(!is_plain_name(OsStr::new("..")));
        assert!(!is_plain_name(OsStr::new("a/b")));
        assert!(is_plain_name(OsStr::new("Localhost")));
    }

    #[test]
    fn finds_results_errors_and_sysinfo() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        for dir in [
            "P/T/0000",
            "P/T/tmp123",
            "P/T/1/__error0__",
            "P/__sysinfo__",
            "__sysinfo_before__",
            "__error1__",
            ".hidden/T/0000",
        ] {
            std::fs::create_dir_all(root.join(dir)).unwrap();
        }
        for file in [
            "P/T/0000/result.json",
            "P/T/tmp123/result.json",
            ".hidden/T/0000/result.json",
        ] {
            std::fs::write(root.join(file), "[]").unwrap();
        }
        let names = |entries: Vec<TreeEntry>| -> Vec<String> {
            entries
                .iter()
                .map(|e| {
                    e.names
                        .iter()
                        .map(|n| n.to_string_lossy().into_owned())
                        .collect::<Vec<_>>()
                        .join("/")
                })
                .collect()
        };
        assert_eq!(
            names(result_jsons(root, false).unwrap()),
            ["P/T/0000/result.json"]
        );
        assert_eq!(
            names(result_jsons(root, true).unwrap()),
            ["P/T/0000/result.json", "P/T/tmp123/result.json"]
        );
        assert_eq!(
            names(error_dirs(root).unwrap()),
            ["__error1__", "P/T/1/__error0__"]
        );
        assert_eq!(
            names(sysinfo_dirs(root).unwrap()),
            ["__sysinfo_before__", "P/__sysinfo__"]
        );
    }
}
