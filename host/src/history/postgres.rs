//! The PostgreSQL backend, for a lab whose CI agents share one history:
//! transactions as on SQLite, writers serialised by an advisory lock, a
//! connect timeout of a few seconds, and the password kept out of every
//! message.

use std::collections::HashMap;
use std::sync::mpsc;
use std::time::Duration;

use postgres::config::SslMode as DriverSslMode;
use postgres::error::SqlState;
use postgres::types::ToSql;
use postgres::{Client, Row, Statement, Transaction};

use super::schema::{self, Dialect};
use super::sql::{BuildRow, CheckRow, NewCheck, PointRow, Sql, TriageRow, text};
use super::store::Backend;
use super::triage::KnownChange;
use super::url::{PostgresUrl, SslMode};
use super::{BuildSummary, HistoryError};

/// Key of the advisory lock that serialises writers and migrations.
const WRITE_LOCK: i64 = 0x0072_756e_7065_7266; // "runperf"

/// A store in a PostgreSQL database.
pub struct PostgresStore {
    client: Client,
    url: PostgresUrl,
    statements: HashMap<&'static str, Statement>,
}

impl PostgresStore {
    /// Connects to the database of `url` and applies pending migrations;
    /// refuses a database of a newer schema.
    pub fn open(url: &PostgresUrl) -> Result<Self, HistoryError> {
        let client = connect(url)?;
        let mut store = Self {
            client,
            url: url.clone(),
            statements: HashMap::new(),
        };
        store.migrate()?;
        Ok(store)
    }

    fn migrate(&mut self) -> Result<(), HistoryError> {
        let url = self.url.clone();
        let err = |action: &str| {
            let url = url.clone();
            let action = action.to_string();
            move |e: postgres::Error| db_error(&url, &action, &e)
        };
        let mut tx = self
            .client
            .transaction()
            .map_err(err("begin a transaction"))?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&WRITE_LOCK])
            .map_err(err("lock the store"))?;
        tx.batch_execute(schema::META)
            .map_err(err("create the meta table"))?;
        let found: i64 = tx
            .query_opt("SELECT value FROM meta WHERE key = 'schema_version'", &[])
            .map_err(err("read the schema version"))?
            .map_or(Some(0), |row| {
                row.try_get::<_, String>(0)
                    .ok()
                    .and_then(|v| v.parse().ok())
            })
            .ok_or(())
            .map_err(|_| HistoryError::Database {
                url: url.masked.clone(),
                action: "read the schema version".into(),
                reason: "meta.schema_version is not a number".into(),
            })?;
        if found > schema::VERSION {
            return Err(HistoryError::NewerSchema {
                url: url.masked.clone(),
                found,
                supported: schema::VERSION,
            });
        }
        if found == schema::VERSION {
            return tx.commit().map_err(err("commit"));
        }
        for version in found + 1..=schema::VERSION {
            for statement in schema::migration(Dialect::Postgres, version) {
                tx.batch_execute(&statement)
                    .map_err(err("migrate the schema"))?;
            }
            if version == schema::FILLS_PACKS {
                let mut sql = PgSql {
                    tx: tx.transaction().map_err(err("begin a transaction"))?,
                    url: &url,
                    statements: &mut HashMap::new(),
                };
                super::store::fill_packs(&mut sql, &url.masked)?;
                sql.tx.commit().map_err(err("commit"))?;
            }
        }
        tx.execute(
            "INSERT INTO meta (key, value) VALUES ('schema_version', $1) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            &[&schema::VERSION.to_string()],
        )
        .map_err(err("record the schema version"))?;
        tx.commit().map_err(err("commit"))
    }
}

/// Connects within the connect timeout (plus a second), also when the
/// server accepts the connection and never answers: the driver's timeout
/// only bounds the TCP connect, so the attempt runs on a thread of its own
/// and is abandoned when the time is up. Under `allow` and `prefer` a
/// connection the server refuses is tried again the other way (TLS after
/// plain, plain after TLS), as libpq does.
fn connect(url: &PostgresUrl) -> Result<Client, HistoryError> {
    let timeout = url
        .config
        .get_connect_timeout()
        .copied()
        .unwrap_or(super::CONNECT_TIMEOUT)
        + Duration::from_secs(1);
    let tls = super::tls::connector(url)?;
    let (sender, receiver) = mpsc::channel();
    let mut config = url.config.clone();
    let retry = match url.ssl_mode {
        SslMode::Allow => Some((DriverSslMode::Require, "without TLS")),
        SslMode::Prefer => Some((DriverSslMode::Disable, "with TLS")),
        _ => None,
    };
    std::thread::spawn(move || {
        let result = match (config.connect(tls.clone()), retry) {
            (Err(first), Some((mode, how))) if refused(&first) => {
                config.ssl_mode(mode);
                config.connect(tls).map_err(|second| {
                    format!(
                        "{}; before that, {how}: {}",
                        error_text(&second),
                        error_text(&first)
                    )
                })
            }
            (result, _) => result.map_err(|e| error_text(&e)),
        };
        let _ = sender.send(result);
    });
    let open_error = |reason: String| HistoryError::Open {
        url: url.masked.clone(),
        reason,
    };
    match receiver.recv_timeout(timeout) {
        Ok(Ok(client)) => Ok(client),
        Ok(Err(e)) => {
            let message = url.scrub(&e);
            Err(open_error(match super::tls::advice(url, &message) {
                Some(advice) => format!("{message}; {advice}"),
                None => message,
            }))
        }
        Err(_) => Err(open_error(format!(
            "no answer within {} s; check that a PostgreSQL server listens there",
            timeout.as_secs()
        ))),
    }
}

/// Whether the server refused the connection the way it was tried (no
/// pg_hba.conf entry for it, or a failed TLS handshake), so that the other
/// way may work.
fn refused(e: &postgres::Error) -> bool {
    e.as_db_error()
        .is_some_and(|db| *db.code() == SqlState::INVALID_AUTHORIZATION_SPECIFICATION)
        || error_text(e).contains("TLS handshake")
}

/// The error with its cause (the `postgres` crate keeps the server's or
/// the OS's message there).
fn error_text(e: &postgres::Error) -> String {
    match std::error::Error::source(e) {
        Some(source) => format!("{e}: {source}"),
        None => e.to_string(),
    }
}

fn db_error(url: &PostgresUrl, action: &str, e: &postgres::Error) -> HistoryError {
    HistoryError::Database {
        url: url.masked.clone(),
        action: action.to_string(),
        reason: url.scrub(&error_text(e)),
    }
}

/// Column `i` of `row`, an error (not a panic) when its type is not the
/// schema's.
fn at<'r, T: postgres::types::FromSql<'r>>(
    url: &PostgresUrl,
    row: &'r Row,
    i: usize,
) -> Result<T, HistoryError> {
    row.try_get(i)
        .map_err(|e| db_error(url, "read a column", &e))
}

impl Backend for PostgresStore {
    fn url(&self) -> &str {
        &self.url.masked
    }

    fn transaction<R>(
        &mut self,
        _write: bool,
        work: impl FnOnce(&mut dyn Sql) -> Result<R, HistoryError>,
    ) -> Result<R, HistoryError> {
        let tx = self
            .client
            .transaction()
            .map_err(|e| db_error(&self.url, "begin a transaction", &e))?;
        let mut sql = PgSql {
            tx,
            url: &self.url,
            statements: &mut self.statements,
        };
        let result = work(&mut sql)?;
        let url = sql.url;
        sql.tx.commit().map_err(|e| db_error(url, "commit", &e))?;
        Ok(result)
    }
}

/// The statements on an open PostgreSQL transaction.
struct PgSql<'a> {
    tx: Transaction<'a>,
    url: &'a PostgresUrl,
    statements: &'a mut HashMap<&'static str, Statement>,
}

impl PgSql<'_> {
    /// Runs `query` (in the shared `?N` form), prepared once per
    /// connection.
    fn query(
        &mut self,
        action: &str,
        query: &'static str,
        args: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<Row>, HistoryError> {
        let statement = match self.statements.get(query) {
            Some(statement) => statement.clone(),
            None => {
                let statement = self
                    .tx
                    .prepare(&query.replace('?', "$"))
                    .map_err(|e| db_error(self.url, action, &e))?;
                self.statements.insert(query, statement.clone());
                statement
            }
        };
        self.tx
            .query(&statement, args)
            .map_err(|e| db_error(self.url, action, &e))
    }

    fn one(
        &mut self,
        action: &str,
        query: &'static str,
        args: &[&(dyn ToSql + Sync)],
    ) -> Result<Row, HistoryError> {
        self.query(action, query, args)?
            .into_iter()
            .next()
            .ok_or_else(|| HistoryError::Database {
                url: self.url.masked.clone(),
                action: action.to_string(),
                reason: "no row returned".into(),
            })
    }
}

impl Sql for PgSql<'_> {
    fn lock_for_write(&mut self) -> Result<(), HistoryError> {
        self.query(
            "lock the store",
            "SELECT pg_advisory_xact_lock(?1)",
            &[&WRITE_LOCK],
        )
        .map(drop)
    }

    fn find_build(&mut self, id: &str) -> Result<Option<BuildRow>, HistoryError> {
        let rows = self.query("read a build", text::FIND_BUILD, &[&id])?;
        let url = self.url;
        rows.into_iter()
            .next()
            .map(|r| {
                Ok(BuildRow {
                    pk: at(url, &r, 0)?,
                    id: at(url, &r, 1)?,
                    order: at(url, &r, 2)?,
                    path: at(url, &r, 3)?,
                    machine: at(url, &r, 4)?,
                    distro: at(url, &r, 5)?,
                    added: at(url, &r, 6)?,
                    checks: at(url, &r, 7)?,
                    digest: at(url, &r, 8)?,
                    metadata: at(url, &r, 9)?,
                    notes: at(url, &r, 10)?,
                })
            })
            .transpose()
    }

    fn delete_build(&mut self, pk: i64) -> Result<(), HistoryError> {
        for statement in text::DELETE_BUILD {
            self.query("remove a build", statement, &[&pk])?;
        }
        Ok(())
    }

    fn max_order(&mut self) -> Result<Option<i64>, HistoryError> {
        let row = self.one("read the order keys", "SELECT MAX(ord) FROM builds", &[])?;
        at(self.url, &row, 0)
    }

    fn insert_build(&mut self, b: &BuildRow) -> Result<i64, HistoryError> {
        let row = self.one(
            "store a build",
            text::INSERT_BUILD,
            &[
                &b.id,
                &b.order,
                &b.path,
                &b.machine,
                &b.distro,
                &b.added,
                &b.checks,
                &b.digest,
                &b.metadata,
                &b.notes,
            ],
        )?;
        at(self.url, &row, 0)
    }

    fn names(&mut self) -> Result<HashMap<String, i64>, HistoryError> {
        let rows = self.query("read the check names", "SELECT name, pk FROM names", &[])?;
        let url = self.url;
        rows.into_iter()
            .map(|r| Ok((at(url, &r, 0)?, at(url, &r, 1)?)))
            .collect()
    }

    fn insert_name(&mut self, name: &str) -> Result<i64, HistoryError> {
        let row = self.one(
            "store a check name",
            "INSERT INTO names (name) VALUES (?1) RETURNING pk",
            &[&name],
        )?;
        at(self.url, &row, 0)
    }

    fn params_key(&mut self, digest: &str, body: &str) -> Result<i64, HistoryError> {
        let row = self.one(
            "store params",
            "INSERT INTO params (digest, body) VALUES (?1, ?2) \
             ON CONFLICT (digest) DO UPDATE SET digest = excluded.digest RETURNING pk",
            &[&digest, &body],
        )?;
        at(self.url, &row, 0)
    }

    fn insert_check(&mut self, c: NewCheck) -> Result<(), HistoryError> {
        let (kind, num, text) = c.value;
        let primary = i16::from(c.primary);
        let args: [&(dyn ToSql + Sync); 8] = [
            &c.build, &c.seq, &c.name, &kind, &num, &text, &primary, &c.params,
        ];
        self.query("store a check", text::INSERT_CHECK, &args)
            .map(drop)
    }

    fn insert_samples(&mut self, build: i64, seq: i64, body: &str) -> Result<(), HistoryError> {
        self.query(
            "store samples",
            text::INSERT_SAMPLES,
            &[&build, &seq, &body],
        )
        .map(drop)
    }

    fn build_samples(&mut self, build: i64) -> Result<Vec<(i64, String)>, HistoryError> {
        let rows = self.query(
            "read the samples of a build",
            text::BUILD_SAMPLES,
            &[&build],
        )?;
        let url = self.url;
        rows.into_iter()
            .map(|r| Ok((at(url, &r, 0)?, at(url, &r, 1)?)))
            .collect()
    }

    fn add_points(&mut self, build: i64, delta: i64) -> Result<(), HistoryError> {
        for statement in text::ADD_POINTS {
            self.query(
                "count the points of the series",
                statement,
                &[&delta, &build],
            )?;
        }
        Ok(())
    }

    fn prune(&mut self) -> Result<(), HistoryError> {
        for statement in text::PRUNE {
            self.query("remove unused check names and params", statement, &[])?;
        }
        Ok(())
    }

    fn insert_pack(&mut self, build: i64, body: &[u8]) -> Result<(), HistoryError> {
        self.query(
            "store the packed checks",
            text::INSERT_PACK,
            &[&build, &body],
        )
        .map(drop)
    }

    fn pack(&mut self, build: i64) -> Result<Option<Vec<u8>>, HistoryError> {
        let rows = self.query("read the packed checks of a build", text::PACK, &[&build])?;
        rows.first().map(|r| at(self.url, r, 0)).transpose()
    }

    fn build_keys(&mut self) -> Result<Vec<(i64, String)>, HistoryError> {
        let rows = self.query("list the builds", text::BUILD_KEYS, &[])?;
        let url = self.url;
        rows.into_iter()
            .map(|r| Ok((at(url, &r, 0)?, at(url, &r, 1)?)))
            .collect()
    }

    fn check_rows(&mut self, build: i64, with_names: bool) -> Result<Vec<CheckRow>, HistoryError> {
        let query = if with_names {
            text::CHECK_ROWS
        } else {
            text::CHECK_ROWS_KEYS
        };
        let rows = self.query("read the checks of a build", query, &[&build])?;
        let url = self.url;
        rows.into_iter()
            .map(|r| {
                Ok(CheckRow {
                    name: if with_names {
                        at(url, &r, 0)?
                    } else {
                        String::new()
                    },
                    name_key: at(url, &r, 6)?,
                    kind: at(url, &r, 1)?,
                    num: at(url, &r, 2)?,
                    text: at(url, &r, 3)?,
                    primary: at::<i16>(url, &r, 4)? != 0,
                    params: at(url, &r, 5)?,
                })
            })
            .collect()
    }

    fn name_of(&mut self, pk: i64) -> Result<Option<String>, HistoryError> {
        let rows = self.query("read a check name", text::NAME_OF, &[&pk])?;
        rows.first().map(|r| at(self.url, r, 0)).transpose()
    }

    fn params_of(&mut self, pk: i64) -> Result<Option<String>, HistoryError> {
        let rows = self.query("read the params of a check", text::PARAMS_OF, &[&pk])?;
        rows.first().map(|r| at(self.url, r, 0)).transpose()
    }

    fn build_params(&mut self, build: i64) -> Result<Vec<(i64, String)>, HistoryError> {
        let rows = self.query("read the params of a build", text::BUILD_PARAMS, &[&build])?;
        let url = self.url;
        rows.into_iter()
            .map(|r| Ok((at(url, &r, 0)?, at(url, &r, 1)?)))
            .collect()
    }

    fn summaries(&mut self) -> Result<Vec<BuildSummary>, HistoryError> {
        let rows = self.query("list the builds", text::SUMMARIES, &[])?;
        let url = self.url;
        rows.into_iter()
            .map(|r| {
                Ok(BuildSummary {
                    id: at(url, &r, 0)?,
                    order: at(url, &r, 1)?,
                    machine: at(url, &r, 2)?,
                    distro: at(url, &r, 3)?,
                    added: at(url, &r, 4)?,
                    checks: at(url, &r, 5)?,
                })
            })
            .collect()
    }

    fn series(&mut self) -> Result<Vec<(String, i64)>, HistoryError> {
        let rows = self.query("list the series", text::SERIES, &[])?;
        let url = self.url;
        rows.into_iter()
            .map(|r| Ok((at(url, &r, 0)?, at(url, &r, 1)?)))
            .collect()
    }

    fn points(&mut self, name: &str) -> Result<Vec<PointRow>, HistoryError> {
        let rows = self.query("read a series", text::POINTS, &[&name])?;
        let url = self.url;
        rows.into_iter()
            .map(|r| {
                Ok(PointRow {
                    build: at(url, &r, 0)?,
                    order: at(url, &r, 1)?,
                    added: at(url, &r, 2)?,
                    kind: at(url, &r, 3)?,
                    num: at(url, &r, 4)?,
                    text: at(url, &r, 5)?,
                    samples: at(url, &r, 6)?,
                })
            })
            .collect()
    }

    fn upsert_change(&mut self, c: &KnownChange, now: &str) -> Result<(), HistoryError> {
        self.query(
            "record the reported changes",
            text::UPSERT_CHANGE,
            &[
                &c.id,
                &c.fingerprint,
                &c.check,
                &c.class,
                &c.direction,
                &c.last_good,
                &c.first_bad,
                &now,
            ],
        )
        .map(drop)
    }

    fn find_change(&mut self, id: &str) -> Result<Option<KnownChange>, HistoryError> {
        let rows = self.query("read a change", text::FIND_CHANGE, &[&id])?;
        let url = self.url;
        rows.first()
            .map(|r| {
                Ok(KnownChange {
                    id: at(url, r, 0)?,
                    fingerprint: at(url, r, 1)?,
                    check: at(url, r, 2)?,
                    class: at(url, r, 3)?,
                    direction: at(url, r, 4)?,
                    last_good: at(url, r, 5)?,
                    first_bad: at(url, r, 6)?,
                })
            })
            .transpose()
    }

    fn triage_rows(&mut self) -> Result<Vec<TriageRow>, HistoryError> {
        let rows = self.query("read the triage", text::TRIAGE_ROWS, &[])?;
        let url = self.url;
        rows.into_iter()
            .map(|r| {
                Ok(TriageRow {
                    change: at(url, &r, 0)?,
                    event: at(url, &r, 1)?,
                    happened: at(url, &r, 2)?,
                    note: at(url, &r, 3)?,
                })
            })
            .collect()
    }

    fn insert_triage(&mut self, t: &TriageRow) -> Result<(), HistoryError> {
        self.query(
            "record the triage",
            text::INSERT_TRIAGE,
            &[&t.change, &t.event, &t.happened, &t.note],
        )
        .map(drop)
    }
}
