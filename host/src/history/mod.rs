//! The history store: every build's results in one place (SQLite by
//! default, PostgreSQL for a lab), written by `history-perf add` and
//! `run-perf --history`, read back by the compare tools through `@ID`.
//!
//! A stored build is exactly what the result reader produced for its tree
//! (checks in order, values bit for bit, params, the metadata text and the
//! reader's log messages), so comparing against `@ID` runs the same code
//! on the same data as comparing against the tree.

mod build;
mod codec;
mod error;
pub mod otava_csv;
mod pack;
mod postgres;
pub mod samples;
mod schema;
mod sql;
mod sqlite;
mod store;
mod tls;
pub mod triage;
mod url;

pub use build::{AddOutcome, BuildRecord, BuildSummary, Point, Series};
pub use error::HistoryError;
pub use postgres::PostgresStore;
pub use schema::VERSION as SCHEMA_VERSION;
pub use sqlite::SqliteStore;
pub use store::Store;
pub use url::{CONNECT_TIMEOUT, PostgresUrl, RootCerts, SslMode, StoreUrl};

/// Opens the store at `url`, creating an SQLite file and applying
/// migrations as needed.
pub fn open(url: &StoreUrl) -> Result<Box<dyn Store>, HistoryError> {
    match url {
        StoreUrl::Sqlite(path) => Ok(Box::new(SqliteStore::open(path)?)),
        StoreUrl::Postgres(url) => Ok(Box::new(PostgresStore::open(url)?)),
    }
}
