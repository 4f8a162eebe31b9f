//! File transfer over SFTP: whole files and recursive copies both ways.

use std::io::{Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use ssh2::{FileStat, OpenFlags, OpenType, Sftp};

use super::link::{Link, StepError};
use crate::machine::error::TransportError;
use crate::machine::tree_copy::is_safe_entry_name;

/// libssh2's LIBSSH2_ERROR_FILE, which ends a directory listing.
const END_OF_LISTING: i32 = -16;

/// One SFTP conversation; every step must progress within `step_timeout`.
pub(crate) struct Transfer<'a> {
    link: &'a Link,
    sftp: Sftp,
    host: &'a str,
    step_timeout: Duration,
}

fn io_from(err: StepError) -> std::io::Error {
    match err {
        StepError::TimedOut => {
            std::io::Error::new(std::io::ErrorKind::TimedOut, "no answer in time")
        }
        StepError::Ssh(err) => err.into(),
        StepError::Local(err) => err,
    }
}

impl<'a> Transfer<'a> {
    pub(crate) fn open(
        link: &'a Link,
        host: &'a str,
        step_timeout: Duration,
    ) -> Result<Self, StepError> {
        let sftp = link.open_sftp(Instant::now() + step_timeout)?;
        Ok(Self {
            link,
            sftp,
            host,
            step_timeout,
        })
    }

    fn deadline(&self) -> Instant {
        Instant::now() + self.step_timeout
    }

    fn error(&self, action: &'static str, path: &Path, source: std::io::Error) -> TransportError {
        TransportError::Io {
            host: self.host.to_string(),
            action,
            path: path.to_path_buf(),
            source,
        }
    }

    fn step<T>(
        &self,
        action: &'static str,
        path: &Path,
        op: impl FnMut() -> Result<T, ssh2::Error>,
    ) -> Result<T, TransportError> {
        self.link
            .retry(self.deadline(), op)
            .map_err(|e| self.error(action, path, io_from(e)))
    }

    /// Create or truncate `path` with `mode` and write `content`.
    pub(crate) fn write(
        &self,
        path: &Path,
        content: &[u8],
        mode: i32,
    ) -> Result<(), TransportError> {
        let flags = OpenFlags::WRITE | OpenFlags::CREATE | OpenFlags::TRUNCATE;
        let mut file = self.step("creating", path, || {
            self.sftp.open_mode(path, flags, mode, OpenType::File)
        })?;
        let mut rest = content;
        while !rest.is_empty() {
            let n = self
                .link
                .retry_io(self.deadline(), || file.write(rest))
                .map_err(|e| self.error("writing", path, e))?;
            rest = &rest[n..];
        }
        self.step("closing", path, || file.close())
    }

    /// Read all of `path`.
    pub(crate) fn read(&self, path: &Path) -> Result<Vec<u8>, TransportError> {
        let mut file = self.step("opening", path, || self.sftp.open(path))?;
        let mut content = Vec::new();
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = self
                .link
                .retry_io(self.deadline(), || file.read(&mut buf))
                .map_err(|e| self.error("reading", path, e))?;
            if n == 0 {
                break;
            }
            content.extend_from_slice(&buf[..n]);
        }
        self.step("closing", path, || file.close())?;
        Ok(content)
    }

    fn lstat(&self, path: &Path) -> Result<FileStat, TransportError> {
        self.step("inspecting", path, || self.sftp.lstat(path))
    }

    fn mkdir(&self, path: &Path, mode: i32) -> Result<(), TransportError> {
        if self.lstat(path).is_ok_and(|stat| stat.is_dir()) {
            return Ok(());
        }
        self.step("creating directory", path, || self.sftp.mkdir(path, mode))
    }

    fn list(&self, dir: &Path) -> Result<Vec<(String, FileStat)>, TransportError> {
        let mut handle = self.step("listing", dir, || self.sftp.opendir(dir))?;
        let mut entries = Vec::new();
        loop {
            match self.link.retry(self.deadline(), || handle.readdir()) {
                Ok((name, stat)) => {
                    let name = name.to_string_lossy().into_owned();
                    if name == "." || name == ".." {
                        continue;
                    }
                    if !is_safe_entry_name(&name) {
                        return Err(TransportError::UnsafeName {
                            host: self.host.to_string(),
                            name,
                        });
                    }
                    entries.push((name, stat));
                }
                // libssh2 ends a listing with a "file" error (no more entries).
                Err(StepError::Ssh(err))
                    if err.code() == ssh2::ErrorCode::Session(END_OF_LISTING) =>
                {
                    break;
                }
                Err(err) => return Err(self.error("listing", dir, io_from(err))),
            }
        }
        Ok(entries)
    }

    /// Copy a local file or tree to `remote`.
    pub(crate) fn upload(&self, local: &Path, remote: &Path) -> Result<(), TransportError> {
        let local_error = |e| self.error("reading local", local, e);
        let meta = std::fs::symlink_metadata(local).map_err(local_error)?;
        let mode = (meta.permissions().mode() & 0o7777) as i32;
        if meta.is_dir() {
            self.mkdir(remote, mode)?;
            for entry in std::fs::read_dir(local).map_err(local_error)? {
                let entry = entry.map_err(local_error)?;
                self.upload(&entry.path(), &remote.join(entry.file_name()))?;
            }
        } else if meta.is_file() {
            let content = std::fs::read(local).map_err(local_error)?;
            self.write(remote, &content, mode)?;
        } else {
            tracing::warn!(
                "not copying {} to {}: not a file or directory",
                local.display(),
                self.host
            );
        }
        Ok(())
    }

    /// Copy a remote file or tree to `local`.
    pub(crate) fn download(&self, remote: &Path, local: &Path) -> Result<(), TransportError> {
        let stat = self.lstat(remote)?;
        self.download_entry(remote, &stat, local)
    }

    fn download_entry(
        &self,
        remote: &Path,
        stat: &FileStat,
        local: &Path,
    ) -> Result<(), TransportError> {
        let local_error = |e| self.error("writing local", local, e);
        let mode = stat.perm.unwrap_or(0o644) & 0o7777;
        if stat.is_dir() {
            std::fs::create_dir_all(local).map_err(local_error)?;
            for (name, entry) in self.list(remote)? {
                self.download_entry(&remote.join(&name), &entry, &local.join(&name))?;
            }
            // Set the mode last so a read-only directory can still be filled.
            std::fs::set_permissions(local, std::fs::Permissions::from_mode(mode))
                .map_err(local_error)?;
        } else if stat.is_file() {
            let content = self.read(remote)?;
            std::fs::write(local, content).map_err(local_error)?;
            std::fs::set_permissions(local, std::fs::Permissions::from_mode(mode))
                .map_err(local_error)?;
        } else {
            tracing::warn!(
                "not copying {}:{}: not a file or directory",
                self.host,
                remote.display()
            );
        }
        Ok(())
    }
}

/// Remote paths arrive as `&str`.
pub(crate) fn remote_path(path: &str) -> PathBuf {
    PathBuf::from(path)
}
