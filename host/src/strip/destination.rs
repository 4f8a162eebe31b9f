//! The stripped tree being written. Every path is built from plain names
//! (no `..`, no separators) below the destination root, and nothing is
//! written through a symlink found inside it, so names taken from the
//! source tree can never make us write outside the destination.

use std::ffi::OsString;
use std::fs::{self, File, FileTimes};
use std::io;
use std::path::{Path, PathBuf};

use super::StripError;
use super::source::is_plain_name;

/// Deepest directory nesting copied, a guard against symlink loops.
const MAX_COPY_DEPTH: usize = 64;

/// The destination root of a strip.
#[derive(Debug)]
pub struct Destination {
    root: PathBuf,
}

impl Destination {
    /// Creates the root (and parents) when missing.
    pub fn create(root: &Path) -> Result<Self, StripError> {
        fs::create_dir_all(root).map_err(|source| StripError::Write {
            path: root.to_path_buf(),
            source,
        })?;
        Ok(Destination {
            root: root.to_path_buf(),
        })
    }

    /// Makes sure `names` exists as a directory chain below the root and
    /// returns its path.
    pub fn dir(&self, names: &[OsString]) -> Result<PathBuf, StripError> {
        let mut path = self.root.clone();
        for name in names {
            if !is_plain_name(name) {
                return Err(StripError::UnsafeName {
                    name: name.to_string_lossy().into_owned(),
                });
            }
            path.push(name);
            match fs::symlink_metadata(&path) {
                Ok(meta) if meta.file_type().is_symlink() => {
                    return Err(StripError::SymlinkInDestination { path });
                }
                Ok(meta) if meta.is_dir() => {}
                Ok(_) => {
                    return Err(StripError::Write {
                        source: io::Error::other("exists and is not a directory"),
                        path,
                    });
                }
                Err(err) if err.kind() == io::ErrorKind::NotFound => {
                    fs::create_dir(&path).map_err(|source| StripError::Write {
                        path: path.clone(),
                        source,
                    })?;
                }
                Err(source) => return Err(StripError::Write { path, source }),
            }
        }
        Ok(path)
    }

    /// Path of file `name` in the directory `names`, created if needed,
    /// refusing an existing symlink in its place.
    pub fn file(&self, names: &[OsString], name: &str) -> Result<PathBuf, StripError> {
        let path = self.dir(names)?.join(name);
        refuse_symlink(&path)?;
        Ok(path)
    }

    /// Copies the directory `src` recursively to `names`, following
    /// symlinks in the source and keeping file modes and times.
    pub fn copy_tree(&self, src: &Path, names: &[OsString]) -> Result<(), StripError> {
        self.copy_tree_at(src, names.to_vec(), 0)
    }

    fn copy_tree_at(
        &self,
        src: &Path,
        names: Vec<OsString>,
        depth: usize,
    ) -> Result<(), StripError> {
        if depth > MAX_COPY_DEPTH {
            return Err(StripError::Read {
                source: io::Error::other("directories nested too deep (symlink loop?)"),
                path: src.to_path_buf(),
            });
        }
        let dst_dir = self.dir(&names)?;
        let read = |source| StripError::Read {
            path: src.to_path_buf(),
            source,
        };
        let mut entries: Vec<_> = fs::read_dir(src)
            .map_err(read)?
            .collect::<io::Result<_>>()
            .map_err(read)?;
        entries.sort_by_key(|entry| entry.file_name());
        for entry in entries {
            let path = entry.path();
            let meta = fs::metadata(&path).map_err(|source| StripError::Read {
                path: path.clone(),
                source,
            })?;
            let mut child = names.clone();
            child.push(entry.file_name());
            if meta.is_dir() {
                self.copy_tree_at(&path, child, depth + 1)?;
            } else if meta.is_file() {
                let target = dst_dir.join(entry.file_name());
                if !is_plain_name(&entry.file_name()) {
                    return Err(StripError::UnsafeName {
                        name: entry.file_name().to_string_lossy().into_owned(),
                    });
                }
                copy_file(&path, &target, true)?;
            } else {
                tracing::warn!(
                    "skipping {}: not a regular file or directory",
                    path.display()
                );
            }
        }
        copy_times(src, &dst_dir)
    }
}

fn refuse_symlink(path: &Path) -> Result<(), StripError> {
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => Err(StripError::SymlinkInDestination {
            path: path.to_path_buf(),
        }),
        _ => Ok(()),
    }
}

/// Copies content and mode (`shutil.copy`), plus times when `keep_times`
/// (`shutil.copy2`).
pub fn copy_file(src: &Path, dst: &Path, keep_times: bool) -> Result<(), StripError> {
    refuse_symlink(dst)?;
    fs::copy(src, dst).map_err(|source| StripError::Copy {
        src: src.to_path_buf(),
        dst: dst.to_path_buf(),
        source,
    })?;
    if keep_times {
        copy_times(src, dst)?;
    }
    Ok(())
}

fn copy_times(src: &Path, dst: &Path) -> Result<(), StripError> {
    let meta = fs::metadata(src).map_err(|source| StripError::Read {
        path: src.to_path_buf(),
        source,
    })?;
    let mut times = FileTimes::new();
    if let Ok(modified) = meta.modified() {
        times = times.set_modified(modified);
    }
    if let Ok(accessed) = meta.accessed() {
        times = times.set_accessed(accessed);
    }
    let write = |source| StripError::Write {
        path: dst.to_path_buf(),
        source,
    };
    let file = if meta.is_dir() {
        File::open(dst).map_err(write)?
    } else {
        File::options().write(true).open(dst).map_err(write)?
    };
    file.set_times(times).map_err(write)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn refuses_to_write_through_a_symlink_in_the_destination() {
        let outside = tempfile::tempdir().unwrap();
        let dst = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(outside.path(), dst.path().join("P")).unwrap();
        let destination = Destination::create(dst.path()).unwrap();
        let err = destination.dir(&["P".into(), "T".into()]).unwrap_err();
        assert!(
            matches!(err, StripError::SymlinkInDestination { .. }),
            "{err}"
        );
        assert!(fs::read_dir(outside.path()).unwrap().next().is_none());
    }

    #[test]
    fn refuses_names_that_climb_out() {
        let dst = tempfile::tempdir().unwrap();
        let destination = Destination::create(dst.path()).unwrap();
        let err = destination.dir(&["..".into()]).unwrap_err();
        assert!(matches!(err, StripError::UnsafeName { .. }), "{err}");
    }

    #[test]
    fn copies_a_tree_with_times() {
        let src = tempfile::tempdir().unwrap();
        fs::create_dir_all(src.path().join("a/b")).unwrap();
        fs::write(src.path().join("a/b/exception"), "boom").unwrap();
        let dst = tempfile::tempdir().unwrap();
        let destination = Destination::create(dst.path()).unwrap();
        destination
            .copy_tree(&src.path().join("a"), &["x".into()])
            .unwrap();
        let copied = dst.path().join("x/b/exception");
        assert_eq!(fs::read_to_string(&copied).unwrap(), "boom");
        let mtime = |p: &Path| fs::metadata(p).unwrap().modified().unwrap();
        assert_eq!(mtime(&copied), mtime(&src.path().join("a/b/exception")));
    }
}
