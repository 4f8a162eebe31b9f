//! What can go wrong with a history store; every message names the store
//! (never its password) and says what to do.

/// A problem opening, reading or writing a history store.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    /// The store location could not be understood.
    #[error(
        "{url}: unknown store URL scheme {scheme:?}; use sqlite:PATH, a plain path, or postgres://USER@HOST[:PORT]/DB"
    )]
    UnknownScheme {
        /// The location as given (password masked).
        url: String,
        /// The scheme found.
        scheme: String,
    },
    /// A PostgreSQL URL that does not parse or lacks a part.
    #[error("{url}: not a usable PostgreSQL URL: {reason}")]
    BadUrl {
        /// The URL, password masked.
        url: String,
        /// What is wrong.
        reason: String,
    },
    /// The store could not be opened or reached.
    #[error("{url}: cannot open the history store: {reason}")]
    Open {
        /// The store, password masked.
        url: String,
        /// What the database reported (password masked).
        reason: String,
    },
    /// The file is not an SQLite database (or is damaged).
    #[error(
        "{url}: not a runperf history store or damaged ({reason}); restore it from a backup or point --store elsewhere"
    )]
    Corrupt {
        /// The store.
        url: String,
        /// What SQLite reported.
        reason: String,
    },
    /// The store was written by a newer runperf.
    #[error(
        "{url}: the store has schema version {found}, this runperf knows versions up to {supported}; use a newer runperf"
    )]
    NewerSchema {
        /// The store.
        url: String,
        /// Version in the store.
        found: i64,
        /// Newest version this build knows.
        supported: i64,
    },
    /// A statement failed.
    #[error("{url}: {action}: {reason}")]
    Database {
        /// The store, password masked.
        url: String,
        /// What was being done.
        action: String,
        /// What the database reported (password masked).
        reason: String,
    },
    /// A build id is already stored with different results.
    #[error(
        "{url}: build {build} is already stored with different results; pass --replace to overwrite it, or --build to store this tree under another id"
    )]
    Exists {
        /// The store.
        url: String,
        /// The build id.
        build: String,
    },
    /// No build of that id.
    #[error("{url}: no build {build} in the store; `history-perf list` shows the stored builds")]
    UnknownBuild {
        /// The store.
        url: String,
        /// The build id asked for.
        build: String,
    },
    /// Stored data that this runperf cannot decode.
    #[error("{url}: build {build}: stored data is damaged: {reason}")]
    Damaged {
        /// The store.
        url: String,
        /// The build.
        build: String,
        /// What could not be decoded.
        reason: String,
    },
    /// No change of that id was reported on this store.
    #[error(
        "{url}: no change {id} is known to the store; a change id becomes known when `history-perf detect` on this store reports it (the first word of its line)"
    )]
    UnknownChange {
        /// The store.
        url: String,
        /// The change id asked for.
        id: String,
    },
}
