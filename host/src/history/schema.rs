//! The store's tables, versioned: each version is a list of statements
//! applied in one transaction on open, and `meta.schema_version` says
//! which ones a store has. A store of a newer version is refused.
//!
//! Tables (version 1):
//! - `meta(key, value)`: `schema_version`;
//! - `builds`: one row per build: `build` (the id), `ord` (order key),
//!   `path`, `machine`, `distro`, `added`, `checks` (count), `digest`,
//!   `metadata` (the whole RUNPERF_METADATA text) and `notes` (the reader's
//!   log messages as JSON);
//! - `names(pk, name, points)`: every check name once, with the number of
//!   builds that have it;
//! - `params(pk, digest, body)`: every distinct params list once (JSON);
//! - `checks(build, seq, name, kind, num, text, is_primary, params)`: every
//!   check of every build in reading order; `kind` 0 integer (`num`),
//!   1 float (`num` holds its bits), 2 text, 3 broken (`text`).
//!
//! Version 2 adds `samples(build, seq, body)`: the per-sample values (JSON
//! array) of the check at `seq`, where the pbench result has them.
//!
//! Version 3 adds `packs(build, body)`: every check of a build as one blob
//! ([`super::pack`]), what the compare tools read (filled for the stored
//! builds by the migration, [`FILLS_PACKS`]); and `params.builds`, the
//! number of builds using a params list, so that removing a build also
//! removes the names and params no build uses any more.
//!
//! Version 4 adds triage ([`super::triage`]): `changes(id, fingerprint,
//! name, class, direction, last_good, first_bad, first_seen, last_seen)`,
//! every change a detection on the store reported, by change id (build
//! ids, not keys: a change outlives the removal of its builds); and
//! `triage(seq, change_id, event, happened, note)`, every `ack`, `dismiss`
//! and `reopen`, in order (`seq`), the latest one giving the state.

/// Which SQL dialect a statement list is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// SQLite 3.
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

/// The newest schema version this build writes.
pub const VERSION: i64 = 4;

/// The version whose migration also packs the checks of every stored
/// build (code, not statements: [`super::store::fill_packs`]).
pub const FILLS_PACKS: i64 = 3;

/// Creates the version table (before anything else is looked at).
pub const META: &str =
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)";

/// The statements that bring a store from version `to - 1` to `to`.
pub fn migration(dialect: Dialect, to: i64) -> Vec<String> {
    let (serial, without_rowid, key, blob) = match dialect {
        Dialect::Sqlite => (
            "INTEGER PRIMARY KEY",
            " WITHOUT ROWID",
            "INTEGER PRIMARY KEY",
            "BLOB",
        ),
        Dialect::Postgres => ("BIGSERIAL PRIMARY KEY", "", "BIGINT PRIMARY KEY", "BYTEA"),
    };
    match to {
        1 => vec![
            format!(
                "CREATE TABLE builds (pk {serial}, build TEXT NOT NULL UNIQUE, ord BIGINT NOT NULL, \
                 path TEXT NOT NULL, machine TEXT NOT NULL, distro TEXT NOT NULL, \
                 added TEXT NOT NULL, checks BIGINT NOT NULL, digest TEXT NOT NULL, \
                 metadata TEXT NOT NULL, notes TEXT NOT NULL)"
            ),
            "CREATE INDEX builds_ord ON builds (ord)".into(),
            format!(
                "CREATE TABLE names (pk {serial}, name TEXT NOT NULL UNIQUE, \
                 points BIGINT NOT NULL DEFAULT 0)"
            ),
            format!(
                "CREATE TABLE params (pk {serial}, digest TEXT NOT NULL UNIQUE, body TEXT NOT NULL)"
            ),
            format!(
                "CREATE TABLE checks (build BIGINT NOT NULL REFERENCES builds (pk) ON DELETE CASCADE, \
                 seq BIGINT NOT NULL, name BIGINT NOT NULL REFERENCES names (pk), \
                 kind SMALLINT NOT NULL, num BIGINT, text TEXT, is_primary SMALLINT NOT NULL, \
                 params BIGINT NOT NULL REFERENCES params (pk), PRIMARY KEY (build, seq)){without_rowid}"
            ),
            "CREATE INDEX checks_name ON checks (name, build)".into(),
        ],
        2 => vec![
            "CREATE TABLE samples (build BIGINT NOT NULL REFERENCES builds (pk) ON DELETE CASCADE, \
             seq BIGINT NOT NULL, body TEXT NOT NULL, PRIMARY KEY (build, seq))"
                .to_string(),
        ],
        3 => vec![
            format!(
                "CREATE TABLE packs (build {key} REFERENCES builds (pk) ON DELETE CASCADE, \
                 body {blob} NOT NULL)"
            ),
            "ALTER TABLE params ADD COLUMN builds BIGINT NOT NULL DEFAULT 0".into(),
            "UPDATE params SET builds = u.n FROM (SELECT params AS pk, COUNT(DISTINCT build) AS n \
             FROM checks GROUP BY params) AS u WHERE params.pk = u.pk"
                .into(),
        ]
        .into_iter()
        // Names and params left behind by removals before version 3.
        .chain(super::sql::text::PRUNE.map(String::from))
        .collect(),
        4 => vec![
            "CREATE TABLE changes (id TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, \
             name TEXT NOT NULL, class TEXT NOT NULL, direction TEXT NOT NULL, last_good TEXT, \
             first_bad TEXT NOT NULL, first_seen TEXT NOT NULL, last_seen TEXT NOT NULL)"
                .to_string(),
            format!(
                "CREATE TABLE triage (seq {serial}, \
                 change_id TEXT NOT NULL REFERENCES changes (id) ON DELETE CASCADE, \
                 event TEXT NOT NULL CHECK (event IN ('ack', 'dismiss', 'reopen')), \
                 happened TEXT NOT NULL, note TEXT)"
            ),
            "CREATE INDEX triage_change ON triage (change_id, seq)".into(),
        ],
        _ => Vec::new(),
    }
}
