//! The result tree run-perf writes (docs/run-perf.md): the output dir, failures
//! recorded as `__error<N>__` dirs, and test dirs that get their `%04d`
//! serial only once the test completed.

use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::machine::Masker;

/// Records a failure in the first free `DIR/__error<N>__`: `exception`
/// (the message), `traceback` (the chain of causes, one per line) and,
/// when given, `details`. Secrets are masked in all three.
pub fn record_failure(
    dir: &Path,
    error: &anyhow::Error,
    details: Option<&str>,
    masker: &Masker,
) -> PathBuf {
    let path = (0..1000)
        .map(|i| dir.join(format!("__error{i}__")))
        .find(|p| !p.exists())
        .unwrap_or_else(|| dir.join("__error__"));
    let write = || -> std::io::Result<()> {
        std::fs::create_dir_all(&path)?;
        std::fs::write(path.join("exception"), masker.mask(&error.to_string()))?;
        let chain: Vec<String> = error.chain().map(|e| masker.mask(&e.to_string())).collect();
        std::fs::write(path.join("traceback"), chain.join("\ncaused by: ") + "\n")?;
        if let Some(details) = details {
            std::fs::write(path.join("details"), masker.mask(details))?;
        }
        Ok(())
    };
    match write() {
        Ok(()) => tracing::debug!("recorded failure in {}: {error:#}", path.display()),
        Err(io) => tracing::error!(
            "cannot record failure {error:#} in {}: {io}",
            path.display()
        ),
    }
    path
}

/// A test's output dir while it runs: `PROFILE/TEST/tmpXXXXXXXX`.
#[derive(Debug)]
pub struct PendingTestDir {
    path: PathBuf,
}

impl PendingTestDir {
    /// Creates `test_dir/tmpXXXXXXXX`.
    pub fn create(test_dir: &Path) -> anyhow::Result<Self> {
        std::fs::create_dir_all(test_dir)
            .with_context(|| format!("cannot create {}", test_dir.display()))?;
        let path = tempfile::Builder::new()
            .prefix("tmp")
            .tempdir_in(test_dir)
            .with_context(|| format!("cannot create a test dir in {}", test_dir.display()))?
            .keep();
        Ok(Self { path })
    }

    /// Where the test writes.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Renames the dir to the first free `%04d` serial; returns the new path.
    pub fn complete(self) -> anyhow::Result<PathBuf> {
        let parent = self.path.parent().unwrap_or(Path::new("."));
        for i in 0..10000 {
            let target = parent.join(format!("{i:04}"));
            if target.exists() {
                continue;
            }
            if std::fs::rename(&self.path, &target).is_ok() {
                return Ok(target);
            }
        }
        anyhow::bail!(
            "cannot find a free serial for {} in {}",
            self.path.display(),
            parent.display()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completed_tests_take_the_first_free_serial() {
        let dir = tempfile::tempdir().unwrap();
        let test_dir = dir.path().join("Localhost/fio");
        let first = PendingTestDir::create(&test_dir).unwrap();
        let name = first
            .path()
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        assert!(name.starts_with("tmp") && name.len() > 3, "{name}");
        std::fs::write(first.path().join("result.json"), "[]").unwrap();
        assert_eq!(first.complete().unwrap(), test_dir.join("0000"));
        let interrupted = PendingTestDir::create(&test_dir).unwrap();
        let second = PendingTestDir::create(&test_dir).unwrap();
        assert_eq!(second.complete().unwrap(), test_dir.join("0001"));
        assert!(
            interrupted.path().exists(),
            "an interrupted test keeps its tmp name"
        );
        assert!(test_dir.join("0000/result.json").is_file());
    }

    #[test]
    fn failures_are_numbered_and_masked() {
        let dir = tempfile::tempdir().unwrap();
        let masker = Masker::new();
        masker.register("hunter2");
        let err = anyhow::anyhow!("login with hunter2 refused").context("apply Localhost");
        let first = record_failure(dir.path(), &err, Some("attempt 0 of hunter2"), &masker);
        let second = record_failure(dir.path(), &err, None, &masker);
        assert_eq!(first, dir.path().join("__error0__"));
        assert_eq!(second, dir.path().join("__error1__"));
        let read = |f: &str| std::fs::read_to_string(first.join(f)).unwrap();
        assert_eq!(read("exception"), "apply Localhost");
        assert_eq!(
            read("traceback"),
            "apply Localhost\ncaused by: login with MASKED refused\n"
        );
        assert_eq!(read("details"), "attempt 0 of MASKED");
        assert!(!second.join("details").exists());
    }
}
