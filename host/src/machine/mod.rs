//! Machines and the transports that reach them.
//!
//! A [`Transport`] runs commands and moves files on one machine: either this
//! one ([`LocalTransport`]) or a remote one over SSH ([`SshTransport`],
//! optionally tunnelled through its host for workers). A [`Machine`] puts a
//! name, host params, a per-machine session log with secrets masked and the
//! higher-level chores (persistent storage, reboot) on top of a transport.
//! Waiting for a calm load and installing packages are the plugin SDK's
//! (`settle`, `packages`), used by the host through
//! `RunServices::as_plugin_host` like plugins use them.

mod command;
mod error;
mod local;
mod masker;
mod named_machine;
mod params;
mod session_log;
mod ssh;
mod storage;
mod system;
mod transport;
mod tree_copy;
mod watchdog;

pub use command::{Command, DEFAULT_TIMEOUT, Output, Script, stall_timeout_for_runtime};
pub use error::TransportError;
pub use local::LocalTransport;
pub use masker::{MASKED, Masker};
pub use named_machine::Machine;
pub use params::{HostParams, ParamsError, REQUIRED_HOST_KEYS};
pub use session_log::SessionLog;
pub use ssh::{HostKeyPolicy, SshConfig, SshTransport};
pub use storage::{PERSISTENT_DIR, PersistentStorage, StorageError};
pub use transport::Transport;
