//! The SQLite backend: one file, WAL mode so readers never wait, a busy
//! timeout so concurrent writers queue instead of failing, and write
//! transactions taken immediately (no upgrade deadlocks).

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use super::schema::{self, Dialect};
use super::sql::{BuildRow, CheckRow, NewCheck, PointRow, Sql, TriageRow, text};
use super::store::Backend;
use super::triage::KnownChange;
use super::{BuildSummary, HistoryError};

/// How long a writer waits for another one before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(60);

/// A store in an SQLite file.
pub struct SqliteStore {
    conn: Connection,
    url: String,
}

impl SqliteStore {
    /// Opens (creating if needed) the store at `path`, applying pending
    /// migrations; refuses a file that is not a store or is of a newer
    /// schema.
    pub fn open(path: &Path) -> Result<Self, HistoryError> {
        let url = format!("sqlite:{}", path.display());
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| HistoryError::Open {
                url: url.clone(),
                reason: format!("cannot create {}: {e}", dir.display()),
            })?;
        }
        let conn = Connection::open(path).map_err(|e| HistoryError::Open {
            url: url.clone(),
            reason: e.to_string(),
        })?;
        let corrupt = |e: rusqlite::Error| HistoryError::Corrupt {
            url: url.clone(),
            reason: e.to_string(),
        };
        conn.busy_timeout(BUSY_TIMEOUT).map_err(corrupt)?;
        use_wal(&conn).map_err(corrupt)?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(corrupt)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(corrupt)?;
        // Reads map the file instead of copying pages through the cache.
        conn.pragma_update(None, "mmap_size", 1i64 << 30)
            .map_err(corrupt)?;
        // An add changes a few thousand pages (an index entry per check
        // name): held in the cache up to the commit instead of spilled to
        // the WAL (and written again) midway. Memory is taken as needed.
        conn.pragma_update(None, "cache_size", -(256i64 << 10))
            .map_err(corrupt)?;
        let mut store = Self { conn, url };
        store.migrate()?;
        Ok(store)
    }

    /// Brings the schema to [`schema::VERSION`].
    fn migrate(&mut self) -> Result<(), HistoryError> {
        // Most opens find the current version: check it without taking
        // the write lock (readers opening side by side must not queue).
        let current = self
            .conn
            .query_row(
                "SELECT value FROM meta WHERE key = 'schema_version'",
                [],
                |row| row.get::<_, String>(0),
            )
            .optional();
        if let Ok(Some(version)) = current
            && version.parse::<i64>() == Ok(schema::VERSION)
        {
            return Ok(());
        }
        let url = self.url.clone();
        let corrupt = |e: rusqlite::Error| HistoryError::Corrupt {
            url: url.clone(),
            reason: e.to_string(),
        };
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(corrupt)?;
        tx.execute(schema::META, []).map_err(corrupt)?;
        let found: i64 = tx
            .query_row(
                "SELECT value FROM meta WHERE key = 'schema_version'",
                [],
                |row| row.get::<_, String>(0),
            )
            .optional()
            .map_err(corrupt)?
            .map_or(Ok(0), |v| v.parse())
            .map_err(|_| HistoryError::Corrupt {
                url: url.clone(),
                reason: "meta.schema_version is not a number".into(),
            })?;
        if found > schema::VERSION {
            return Err(HistoryError::NewerSchema {
                url: url.clone(),
                found,
                supported: schema::VERSION,
            });
        }
        if found == schema::VERSION {
            return Ok(());
        }
        for version in found + 1..=schema::VERSION {
            for statement in schema::migration(Dialect::Sqlite, version) {
                tx.execute(&statement, []).map_err(corrupt)?;
            }
            if version == schema::FILLS_PACKS {
                super::store::fill_packs(&mut SqliteSql { tx: &tx, url: &url }, &url)?;
            }
        }
        tx.execute(
            "INSERT INTO meta (key, value) VALUES ('schema_version', ?1) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [schema::VERSION.to_string()],
        )
        .map_err(corrupt)?;
        tx.commit().map_err(corrupt)
    }
}

/// Puts the file in WAL mode, which the file keeps (later opens find it
/// so and change nothing). The switch needs the file to itself, and SQLite
/// answers "locked" at once, without its busy handler, when other
/// connections open a new store at the same moment: the switch is tried
/// again until [`BUSY_TIMEOUT`].
fn use_wal(conn: &Connection) -> rusqlite::Result<()> {
    let mode: String = conn.pragma_query_value(None, "journal_mode", |row| row.get(0))?;
    if mode.eq_ignore_ascii_case("wal") {
        return Ok(());
    }
    let start = std::time::Instant::now();
    loop {
        match conn.pragma_update(None, "journal_mode", "WAL") {
            Err(rusqlite::Error::SqliteFailure(e, _))
                if matches!(
                    e.code,
                    rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
                ) && start.elapsed() < BUSY_TIMEOUT =>
            {
                std::thread::sleep(Duration::from_millis(10));
            }
            other => return other,
        }
    }
}

impl Backend for SqliteStore {
    fn url(&self) -> &str {
        &self.url
    }

    fn transaction<R>(
        &mut self,
        write: bool,
        work: impl FnOnce(&mut dyn Sql) -> Result<R, HistoryError>,
    ) -> Result<R, HistoryError> {
        let behavior = if write {
            TransactionBehavior::Immediate
        } else {
            TransactionBehavior::Deferred
        };
        let url = self.url.clone();
        let tx = self
            .conn
            .transaction_with_behavior(behavior)
            .map_err(|e| db_error(&url, "begin a transaction", e))?;
        let mut sql = SqliteSql { tx: &tx, url: &url };
        let result = work(&mut sql)?;
        tx.commit().map_err(|e| db_error(&url, "commit", e))?;
        Ok(result)
    }
}

fn db_error(url: &str, action: &str, e: rusqlite::Error) -> HistoryError {
    HistoryError::Database {
        url: url.to_string(),
        action: action.to_string(),
        reason: e.to_string(),
    }
}

/// The statements on an open SQLite transaction.
struct SqliteSql<'a> {
    tx: &'a rusqlite::Transaction<'a>,
    url: &'a str,
}

impl SqliteSql<'_> {
    fn err(&self, action: &str) -> impl Fn(rusqlite::Error) -> HistoryError + '_ {
        let action = action.to_string();
        move |e| db_error(self.url, &action, e)
    }
}

impl Sql for SqliteSql<'_> {
    fn lock_for_write(&mut self) -> Result<(), HistoryError> {
        Ok(())
    }

    fn find_build(&mut self, id: &str) -> Result<Option<BuildRow>, HistoryError> {
        self.tx
            .prepare_cached(text::FIND_BUILD)
            .and_then(|mut s| {
                s.query_row([id], |r| {
                    Ok(BuildRow {
                        pk: r.get(0)?,
                        id: r.get(1)?,
                        order: r.get(2)?,
                        path: r.get(3)?,
                        machine: r.get(4)?,
                        distro: r.get(5)?,
                        added: r.get(6)?,
                        checks: r.get(7)?,
                        digest: r.get(8)?,
                        metadata: r.get(9)?,
                        notes: r.get(10)?,
                    })
                })
                .optional()
            })
            .map_err(self.err("read a build"))
    }

    fn delete_build(&mut self, pk: i64) -> Result<(), HistoryError> {
        for statement in text::DELETE_BUILD {
            self.tx
                .execute(statement, [pk])
                .map_err(self.err("remove a build"))?;
        }
        Ok(())
    }

    fn max_order(&mut self) -> Result<Option<i64>, HistoryError> {
        self.tx
            .query_row("SELECT MAX(ord) FROM builds", [], |r| r.get(0))
            .map_err(self.err("read the order keys"))
    }

    fn insert_build(&mut self, b: &BuildRow) -> Result<i64, HistoryError> {
        self.tx
            .prepare_cached(text::INSERT_BUILD)
            .and_then(|mut s| {
                s.query_row(
                    params![
                        b.id, b.order, b.path, b.machine, b.distro, b.added, b.checks, b.digest,
                        b.metadata, b.notes
                    ],
                    |r| r.get(0),
                )
            })
            .map_err(self.err("store a build"))
    }

    fn names(&mut self) -> Result<HashMap<String, i64>, HistoryError> {
        self.tx
            .prepare_cached("SELECT name, pk FROM names")
            .and_then(|mut s| {
                s.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                    .collect::<Result<_, _>>()
            })
            .map_err(self.err("read the check names"))
    }

    fn insert_name(&mut self, name: &str) -> Result<i64, HistoryError> {
        self.tx
            .prepare_cached("INSERT INTO names (name) VALUES (?1) RETURNING pk")
            .and_then(|mut s| s.query_row([name], |r| r.get(0)))
            .map_err(self.err("store a check name"))
    }

    fn params_key(&mut self, digest: &str, body: &str) -> Result<i64, HistoryError> {
        self.tx
            .prepare_cached(
                "INSERT INTO params (digest, body) VALUES (?1, ?2) \
                 ON CONFLICT (digest) DO UPDATE SET digest = excluded.digest RETURNING pk",
            )
            .and_then(|mut s| s.query_row([digest, body], |r| r.get(0)))
            .map_err(self.err("store params"))
    }

    fn insert_check(&mut self, c: NewCheck) -> Result<(), HistoryError> {
        let (kind, num, text) = c.value;
        let primary = i16::from(c.primary);
        self.tx
            .prepare_cached(text::INSERT_CHECK)
            .and_then(|mut s| {
                s.execute(params![
                    c.build, c.seq, c.name, kind, num, text, primary, c.params
                ])
            })
            .map(drop)
            .map_err(self.err("store a check"))
    }

    fn insert_samples(&mut self, build: i64, seq: i64, body: &str) -> Result<(), HistoryError> {
        self.tx
            .prepare_cached(text::INSERT_SAMPLES)
            .and_then(|mut s| s.execute(params![build, seq, body]))
            .map(drop)
            .map_err(self.err("store samples"))
    }

    fn build_samples(&mut self, build: i64) -> Result<Vec<(i64, String)>, HistoryError> {
        self.tx
            .prepare_cached(text::BUILD_SAMPLES)
            .and_then(|mut s| {
                s.query_map([build], |r| Ok((r.get(0)?, r.get(1)?)))?
                    .collect()
            })
            .map_err(self.err("read the samples of a build"))
    }

    fn add_points(&mut self, build: i64, delta: i64) -> Result<(), HistoryError> {
        for statement in text::ADD_POINTS {
            self.tx
                .prepare_cached(statement)
                .and_then(|mut s| s.execute([delta, build]))
                .map_err(self.err("count the points of the series"))?;
        }
        Ok(())
    }

    fn prune(&mut self) -> Result<(), HistoryError> {
        for statement in text::PRUNE {
            self.tx
                .execute(statement, [])
                .map_err(self.err("remove unused check names and params"))?;
        }
        Ok(())
    }

    fn insert_pack(&mut self, build: i64, body: &[u8]) -> Result<(), HistoryError> {
        self.tx
            .prepare_cached(text::INSERT_PACK)
            .and_then(|mut s| s.execute(params![build, body]))
            .map(drop)
            .map_err(self.err("store the packed checks"))
    }

    fn pack(&mut self, build: i64) -> Result<Option<Vec<u8>>, HistoryError> {
        self.tx
            .prepare_cached(text::PACK)
            .and_then(|mut s| s.query_row([build], |r| r.get(0)).optional())
            .map_err(self.err("read the packed checks of a build"))
    }

    fn build_keys(&mut self) -> Result<Vec<(i64, String)>, HistoryError> {
        self.tx
            .prepare(text::BUILD_KEYS)
            .and_then(|mut s| s.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect())
            .map_err(self.err("list the builds"))
    }

    fn check_rows(&mut self, build: i64, with_names: bool) -> Result<Vec<CheckRow>, HistoryError> {
        let query = if with_names {
            text::CHECK_ROWS
        } else {
            text::CHECK_ROWS_KEYS
        };
        self.tx
            .prepare_cached(query)
            .and_then(|mut s| {
                s.query_map([build], |r| {
                    Ok(CheckRow {
                        name: if with_names { r.get(0)? } else { String::new() },
                        name_key: r.get(6)?,
                        kind: r.get(1)?,
                        num: r.get(2)?,
                        text: r.get(3)?,
                        primary: r.get::<_, i16>(4)? != 0,
                        params: r.get(5)?,
                    })
                })?
                .collect()
            })
            .map_err(self.err("read the checks of a build"))
    }

    fn name_of(&mut self, pk: i64) -> Result<Option<String>, HistoryError> {
        self.tx
            .prepare_cached(text::NAME_OF)
            .and_then(|mut s| s.query_row([pk], |r| r.get(0)).optional())
            .map_err(self.err("read a check name"))
    }

    fn params_of(&mut self, pk: i64) -> Result<Option<String>, HistoryError> {
        self.tx
            .prepare_cached(text::PARAMS_OF)
            .and_then(|mut s| s.query_row([pk], |r| r.get(0)).optional())
            .map_err(self.err("read the params of a check"))
    }

    fn build_params(&mut self, build: i64) -> Result<Vec<(i64, String)>, HistoryError> {
        self.tx
            .prepare_cached(text::BUILD_PARAMS)
            .and_then(|mut s| {
                s.query_map([build], |r| Ok((r.get(0)?, r.get(1)?)))?
                    .collect()
            })
            .map_err(self.err("read the params of a build"))
    }

    fn summaries(&mut self) -> Result<Vec<BuildSummary>, HistoryError> {
        self.tx
            .prepare_cached(text::SUMMARIES)
            .and_then(|mut s| {
                s.query_map([], |r| {
                    Ok(BuildSummary {
                        id: r.get(0)?,
                        order: r.get(1)?,
                        machine: r.get(2)?,
                        distro: r.get(3)?,
                        added: r.get(4)?,
                        checks: r.get(5)?,
                    })
                })?
                .collect()
            })
            .map_err(self.err("list the builds"))
    }

    fn series(&mut self) -> Result<Vec<(String, i64)>, HistoryError> {
        self.tx
            .prepare_cached(text::SERIES)
            .and_then(|mut s| s.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect())
            .map_err(self.err("list the series"))
    }

    fn points(&mut self, name: &str) -> Result<Vec<PointRow>, HistoryError> {
        self.tx
            .prepare_cached(text::POINTS)
            .and_then(|mut s| {
                s.query_map([name], |r| {
                    Ok(PointRow {
                        build: r.get(0)?,
                        order: r.get(1)?,
                        added: r.get(2)?,
                        kind: r.get(3)?,
                        num: r.get(4)?,
                        text: r.get(5)?,
                        samples: r.get(6)?,
                    })
                })?
                .collect()
            })
            .map_err(self.err("read a series"))
    }

    fn upsert_change(&mut self, c: &KnownChange, now: &str) -> Result<(), HistoryError> {
        self.tx
            .prepare_cached(text::UPSERT_CHANGE)
            .and_then(|mut s| {
                s.execute(params![
                    c.id,
                    c.fingerprint,
                    c.check,
                    c.class,
                    c.direction,
                    c.last_good,
                    c.first_bad,
                    now
                ])
            })
            .map(drop)
            .map_err(self.err("record the reported changes"))
    }

    fn find_change(&mut self, id: &str) -> Result<Option<KnownChange>, HistoryError> {
        self.tx
            .prepare_cached(text::FIND_CHANGE)
            .and_then(|mut s| {
                s.query_row([id], |r| {
                    Ok(KnownChange {
                        id: r.get(0)?,
                        fingerprint: r.get(1)?,
                        check: r.get(2)?,
                        class: r.get(3)?,
                        direction: r.get(4)?,
                        last_good: r.get(5)?,
                        first_bad: r.get(6)?,
                    })
                })
                .optional()
            })
            .map_err(self.err("read a change"))
    }

    fn triage_rows(&mut self) -> Result<Vec<TriageRow>, HistoryError> {
        self.tx
            .prepare_cached(text::TRIAGE_ROWS)
            .and_then(|mut s| {
                s.query_map([], |r| {
                    Ok(TriageRow {
                        change: r.get(0)?,
                        event: r.get(1)?,
                        happened: r.get(2)?,
                        note: r.get(3)?,
                    })
                })?
                .collect()
            })
            .map_err(self.err("read the triage"))
    }

    fn insert_triage(&mut self, t: &TriageRow) -> Result<(), HistoryError> {
        self.tx
            .prepare_cached(text::INSERT_TRIAGE)
            .and_then(|mut s| s.execute(params![t.change, t.event, t.happened, t.note]))
            .map(drop)
            .map_err(self.err("record the triage"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::Store;
    use crate::history::triage::{Action, KnownChange};

    /// A store made by the statements of version `version` and before,
    /// holding one build row.
    fn store_of_version(path: &Path, version: i64) {
        let conn = Connection::open(path).unwrap();
        conn.execute(schema::META, []).unwrap();
        for v in 1..=version {
            for statement in schema::migration(Dialect::Sqlite, v) {
                conn.execute(&statement, []).unwrap();
            }
        }
        conn.execute(
            "INSERT INTO meta (key, value) VALUES ('schema_version', ?1)",
            [version.to_string()],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO builds (build, ord, path, machine, distro, added, checks, digest, \
             metadata, notes) VALUES ('7', 7, '/t', 'm1', '', '2026-01-01T00:00:00Z', 0, 'd', \
             'build:7', '[]')",
            [],
        )
        .unwrap();
    }

    #[test]
    fn a_store_of_the_previous_version_migrates_on_open() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h.sqlite");
        store_of_version(&path, schema::VERSION - 1);
        let mut store = SqliteStore::open(&path).unwrap();
        let version: String = store
            .conn
            .query_row(
                "SELECT value FROM meta WHERE key = 'schema_version'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(version, schema::VERSION.to_string());
        assert_eq!(store.list(None, None).unwrap()[0].id, "7");
        let change = KnownChange {
            id: "0011223344556677".into(),
            fingerprint: "machine=m1".into(),
            check: "x.mean".into(),
            class: "step".into(),
            direction: "regression".into(),
            last_good: None,
            first_bad: "7".into(),
        };
        store.report_changes(std::slice::from_ref(&change)).unwrap();
        let acked = store.triage(&change.id, Action::Ack, Some("n")).unwrap();
        assert_eq!(acked.change, change);
        // An event the schema does not know is refused by the table.
        let bad = store.conn.execute(
            "INSERT INTO triage (change_id, event, happened) VALUES (?1, 'later', 'now')",
            [&change.id],
        );
        assert!(bad.is_err());
    }
}
