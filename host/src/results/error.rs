//! Problems met while reading a result tree.

use std::path::PathBuf;

/// A problem with a result tree; the message names the file and says what
/// is wrong.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ResultError {
    /// The result path itself is unusable.
    #[error(
        "{path}: not a directory; pass the directory run-perf wrote (with PROFILE/TEST/SERIAL/result.json inside)"
    )]
    NotADirectory {
        /// The path given.
        path: PathBuf,
    },
    /// A file could not be read at all.
    #[error("{path}: cannot read: {reason}")]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// The OS error.
        reason: String,
    },
    /// A result.json is not valid JSON or not shaped like a pbench result.
    #[error(
        "{path}: not a valid pbench result ({reason}); the file is probably truncated or corrupt, re-run the test or remove it"
    )]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What serde reported (with line and column).
        reason: String,
    },
    /// One value inside a result.json is wrong.
    #[error("{path}: {check}: {reason}")]
    BadValue {
        /// The file.
        path: PathBuf,
        /// The check the value belongs to.
        check: String,
        /// What is wrong with the value.
        reason: String,
    },
    /// A result-parser plugin could not read a file.
    #[error("{path}: result parser {parser} failed: {reason}")]
    Plugin {
        /// The file.
        path: PathBuf,
        /// The parser's name.
        parser: String,
        /// What the plugin reported.
        reason: String,
    },
    /// A workflow type has no aggregated `all` client entry.
    #[error("{path}: unable to find client_hostname==all for {check}")]
    NoAllClient {
        /// The file.
        path: PathBuf,
        /// The check that was skipped.
        check: String,
    },
}
