//! The [`Transport`] trait: run commands and move files on one machine.

use std::path::Path;

use super::command::{Command, Output};
use super::error::{TransportError, brief};

/// A way to reach one machine. Object-safe and shareable between threads, so
/// the orchestration can hold `Arc<dyn Transport>` and hand it to plugins.
///
/// Remote paths are plain `&str` POSIX paths on the machine.
pub trait Transport: Send + Sync {
    /// The address (or name) of the machine, used in messages.
    fn host(&self) -> &str;

    /// Run a command and collect its exit status and output. A non-zero exit
    /// is not an error here; see [`Transport::run_checked`].
    fn run(&self, command: &Command) -> Result<Output, TransportError>;

    /// Create or replace a file on the machine with `content`.
    fn write_file(&self, path: &str, content: &[u8]) -> Result<(), TransportError>;

    /// Read a whole file from the machine.
    fn read_file(&self, path: &str) -> Result<Vec<u8>, TransportError>;

    /// Copy a local file or directory (recursively) to `remote` on the
    /// machine; `remote` names the copy itself, not its parent.
    fn copy_to(&self, local: &Path, remote: &str) -> Result<(), TransportError>;

    /// Copy a file or directory (recursively) from the machine to `local`;
    /// `local` names the copy itself, not its parent.
    fn copy_from(&self, remote: &str, local: &Path) -> Result<(), TransportError>;

    /// Check that the machine answers now (connecting if needed).
    fn check_reachable(&self) -> Result<(), TransportError>;

    /// Drop the current connection so the next call opens a fresh one
    /// (after a reboot, for example). No-op for local machines.
    fn disconnect(&self) {}

    /// Run a command and turn a non-zero exit into [`TransportError::Failed`].
    fn run_checked(&self, command: &Command) -> Result<Output, TransportError> {
        let output = self.run(command)?;
        if output.success() {
            Ok(output)
        } else {
            Err(TransportError::Failed {
                host: self.host().to_string(),
                command: brief(&command.shell_line()),
                status: output.status,
                stderr: output.stderr,
            })
        }
    }
}
