//! [`PersistentStorage`]: key/value files kept on the machine under
//! `/var/lib/runperf/` across reboots, such as the profile markers
//! `set_profile`, `persistent_setup_expected` and `persistent_setup/*`.
//!
//! Keys are relative paths (`persistent_setup/grub_args`); values are
//! file contents. Lists are newline-separated values (`append`).

use super::command::Command;
use super::error::TransportError;
use super::transport::Transport;
use super::tree_copy::is_safe_entry_name;

/// Where the storage lives on a machine.
pub const PERSISTENT_DIR: &str = "/var/lib/runperf";

/// Exit status our `get` uses for "no such key".
const ABSENT: i32 = 100;

/// Why a storage operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The machine could not be reached or the command failed.
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// The key is not a relative path of plain names.
    #[error("invalid persistent storage key {0:?}: use plain names separated by '/'")]
    InvalidKey(String),
    /// List items are single lines.
    #[error("cannot append to {key}: list values must be one line, got {value:?}")]
    Multiline { key: String, value: String },
    /// `set_new` found the key already set.
    #[error("persistent key {key} is already set on {host}; revert the previous profile first")]
    Exists { host: String, key: String },
}

/// Key/value storage on one machine.
pub struct PersistentStorage<'a> {
    transport: &'a dyn Transport,
    root: String,
}

impl<'a> PersistentStorage<'a> {
    /// Storage under [`PERSISTENT_DIR`].
    pub fn new(transport: &'a dyn Transport) -> Self {
        Self::with_root(transport, PERSISTENT_DIR)
    }

    /// Storage under another directory (tests, unprivileged users).
    pub fn with_root(transport: &'a dyn Transport, root: &str) -> Self {
        Self {
            transport,
            root: root.trim_end_matches('/').to_string(),
        }
    }

    /// The remote path of `key`.
    pub fn path(&self, key: &str) -> Result<String, StorageError> {
        if key.split('/').all(is_safe_entry_name) {
            Ok(format!("{}/{key}", self.root))
        } else {
            Err(StorageError::InvalidKey(key.to_string()))
        }
    }

    fn parent_of(path: &str) -> &str {
        path.rsplit_once('/').map_or(".", |(dir, _)| dir)
    }

    /// The value of `key` exactly as stored; `None` when unset. (The
    /// reference dropped a final newline; plugins that keep lists or file
    /// backups in keys need the value back as they wrote it, and markers
    /// are compared trimmed anyway.)
    pub fn get(&self, key: &str) -> Result<Option<String>, StorageError> {
        let path = shell_words::quote(&self.path(key)?).into_owned();
        let out = self.transport.run(&Command::shell(format!(
            "[ -e {path} ] || exit {ABSENT}; cat -- {path}"
        )))?;
        match out.status {
            0 => Ok(Some(out.stdout)),
            ABSENT => Ok(None),
            status => Err(TransportError::Failed {
                host: self.transport.host().to_string(),
                command: format!("reading persistent key {key}"),
                status,
                stderr: out.stderr,
            }
            .into()),
        }
    }

    /// Whether `key` is set.
    pub fn contains(&self, key: &str) -> Result<bool, StorageError> {
        let path = self.path(key)?;
        let out = self
            .transport
            .run(&Command::argv(["test", "-e", path.as_str()]))?;
        Ok(out.success())
    }

    /// Set `key` to `value` (replacing it).
    pub fn set(&self, key: &str, value: &str) -> Result<(), StorageError> {
        let path = self.path(key)?;
        self.transport.run_checked(&Command::argv([
            "mkdir",
            "-p",
            "--",
            Self::parent_of(&path),
        ]))?;
        self.transport.write_file(&path, value.as_bytes())?;
        Ok(())
    }

    /// Set `key` only when it is not set yet.
    pub fn set_new(&self, key: &str, value: &str) -> Result<(), StorageError> {
        if self.contains(key)? {
            return Err(StorageError::Exists {
                host: self.transport.host().to_string(),
                key: key.to_string(),
            });
        }
        self.set(key, value)
    }

    /// Append one line to the list stored in `key`.
    pub fn append(&self, key: &str, value: &str) -> Result<(), StorageError> {
        if value.contains('\n') {
            return Err(StorageError::Multiline {
                key: key.to_string(),
                value: value.to_string(),
            });
        }
        let path = self.path(key)?;
        let line = format!(
            "mkdir -p -- {} && printf '%s\\n' {} >> {}",
            shell_words::quote(Self::parent_of(&path)),
            shell_words::quote(value),
            shell_words::quote(&path)
        );
        self.transport.run_checked(&Command::shell(line))?;
        Ok(())
    }

    /// The list stored in `key` (empty when unset).
    pub fn list(&self, key: &str) -> Result<Vec<String>, StorageError> {
        Ok(self
            .get(key)?
            .map(|text| text.lines().map(str::to_string).collect())
            .unwrap_or_default())
    }

    /// Remove `key` (a value or a whole group such as `persistent_setup`).
    pub fn remove(&self, key: &str) -> Result<(), StorageError> {
        let path = self.path(key)?;
        self.transport
            .run_checked(&Command::argv(["rm", "-rf", "--", path.as_str()]))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::machine::LocalTransport;

    #[test]
    fn values_lists_and_removal_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let local = LocalTransport::default();
        let root = dir.path().join("runperf");
        let store = PersistentStorage::with_root(&local, root.to_str().unwrap());
        assert_eq!(store.get("set_profile").unwrap(), None);
        store.set("set_profile", "TunedLibvirt").unwrap();
        assert_eq!(
            store.get("set_profile").unwrap().as_deref(),
            Some("TunedLibvirt")
        );
        assert!(matches!(
            store.set_new("set_profile", "X"),
            Err(StorageError::Exists { .. })
        ));
        store
            .set("persistent_setup/grub_args", "a='$(touch /tmp/pwned)'")
            .unwrap();
        assert_eq!(
            store.get("persistent_setup/grub_args").unwrap().as_deref(),
            Some("a='$(touch /tmp/pwned)'")
        );
        store
            .append("persistent_setup_expected", "rc_local")
            .unwrap();
        store
            .append("persistent_setup_expected", "it's; $(x)")
            .unwrap();
        assert_eq!(
            store.list("persistent_setup_expected").unwrap(),
            ["rc_local", "it's; $(x)"]
        );
        assert!(store.append("k", "two\nlines").is_err());
        store.remove("persistent_setup").unwrap();
        assert_eq!(store.get("persistent_setup/grub_args").unwrap(), None);
        assert!(store.contains("set_profile").unwrap());
    }

    #[test]
    fn keys_cannot_escape_the_storage_dir() {
        let local = LocalTransport::default();
        let store = PersistentStorage::new(&local);
        for bad in ["../etc/passwd", "/etc/passwd", "a/../../b", "", "a//b"] {
            assert!(
                matches!(store.path(bad), Err(StorageError::InvalidKey(_))),
                "{bad}"
            );
        }
        assert_eq!(
            store.path("cleanup/paths_to_be_removed").unwrap(),
            "/var/lib/runperf/cleanup/paths_to_be_removed"
        );
    }
}
