//! The output dir of a run: created (replacing an earlier run-perf result,
//! never anything else) and locked for the run's duration, so that two
//! run-perf processes cannot write, or remove, the same result.

use std::{
    fs::File,
    path::{Path, PathBuf},
};

use anyhow::Context;

const LOCK: &str = ".run-perf.lock";

/// The locked output dir; the lock goes when this is dropped.
#[derive(Debug)]
pub struct OutputDir {
    lock_path: PathBuf,
    _lock: File,
}

impl Drop for OutputDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.lock_path);
    }
}

fn refuse_if_in_use(dir: &Path) -> anyhow::Result<()> {
    let Ok(file) = File::open(dir.join(LOCK)) else {
        return Ok(());
    };
    match file.try_lock() {
        Ok(()) => Ok(()),
        Err(std::fs::TryLockError::WouldBlock) => anyhow::bail!(
            "another run-perf is writing {}; wait for it or choose another --output",
            dir.display()
        ),
        Err(std::fs::TryLockError::Error(e)) => {
            Err(e).with_context(|| format!("cannot check the lock of {}", dir.display()))
        }
    }
}

/// Creates `dir` for a new run and locks it. An existing run-perf result
/// there is replaced (as the reference does) unless another run-perf is
/// writing it; any other non-empty dir is refused, so a mistyped
/// `--output` cannot wipe unrelated files.
pub fn prepare(dir: &Path) -> anyhow::Result<OutputDir> {
    if dir.exists() {
        let empty = std::fs::read_dir(dir)
            .with_context(|| format!("cannot read output dir {}", dir.display()))?
            .next()
            .is_none();
        if !empty {
            if !dir.join(super::metadata::FILE).is_file() {
                anyhow::bail!(
                    "output dir {} exists and is not a run-perf result; choose another --output or remove it",
                    dir.display()
                );
            }
            refuse_if_in_use(dir)?;
            tracing::warn!("Removing previously existing results: {}", dir.display());
            std::fs::remove_dir_all(dir)
                .with_context(|| format!("cannot remove previous results in {}", dir.display()))?;
        }
    } else {
        tracing::info!("Creating results: {}", dir.display());
    }
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create output dir {}", dir.display()))?;
    let lock_path = dir.join(LOCK);
    let lock = File::create(&lock_path)
        .with_context(|| format!("cannot create {}", lock_path.display()))?;
    lock.try_lock().map_err(|_| {
        anyhow::anyhow!(
            "another run-perf is writing {}; wait for it or choose another --output",
            dir.display()
        )
    })?;
    Ok(OutputDir {
        lock_path,
        _lock: lock,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dir_that_is_not_a_result_is_never_removed() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("precious.txt"), "x").unwrap();
        assert!(prepare(dir.path()).is_err());
        assert!(dir.path().join("precious.txt").exists());
        std::fs::write(dir.path().join("RUNPERF_METADATA"), "distro:x").unwrap();
        let guard = prepare(dir.path()).unwrap();
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "only the lock"
        );
        drop(guard);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn a_result_being_written_is_neither_removed_nor_shared() {
        let dir = tempfile::tempdir().unwrap();
        let first = prepare(dir.path()).unwrap();
        std::fs::write(dir.path().join("RUNPERF_METADATA"), "distro:x").unwrap();
        let err = prepare(dir.path()).unwrap_err().to_string();
        assert!(err.contains("another run-perf is writing"), "{err}");
        assert!(
            dir.path().join("RUNPERF_METADATA").exists(),
            "the first run's files are kept"
        );
        drop(first);
        prepare(dir.path()).unwrap();
    }
}
