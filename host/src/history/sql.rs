//! What a backend provides: the statements, run inside one transaction.
//! The algorithms on top ([`super::store`]) are shared, so SQLite and
//! PostgreSQL behave the same.

use std::collections::HashMap;

use super::triage::KnownChange;
use super::{BuildSummary, HistoryError};

/// A stored build's row.
#[derive(Debug, Clone)]
pub(super) struct BuildRow {
    /// Primary key (0 before insertion).
    pub pk: i64,
    /// Build id.
    pub id: String,
    /// Order key.
    pub order: i64,
    /// Path the tree was read from.
    pub path: String,
    /// Metadata `machine`.
    pub machine: String,
    /// Metadata `distro`.
    pub distro: String,
    /// When it was added.
    pub added: String,
    /// Number of checks.
    pub checks: i64,
    /// [`super::codec::digest`] of the build.
    pub digest: String,
    /// The whole RUNPERF_METADATA text.
    pub metadata: String,
    /// The reader's log messages ([`super::codec::encode_notes`]).
    pub notes: String,
}

/// One stored check, as columns.
#[derive(Debug, Clone)]
pub(super) struct CheckRow {
    /// Check name (empty when read without the names).
    pub name: String,
    /// Key of the check name.
    pub name_key: i64,
    /// Value kind ([`super::codec`]).
    pub kind: i16,
    /// Integer or float bits.
    pub num: Option<i64>,
    /// Text or broken reason.
    pub text: Option<String>,
    /// Primary flag.
    pub primary: bool,
    /// Params key.
    pub params: i64,
}

/// One check to insert, as columns.
#[derive(Debug, Clone, Copy)]
pub(super) struct NewCheck<'a> {
    /// Key of its build.
    pub build: i64,
    /// Position in the build's reading order.
    pub seq: i64,
    /// Key of its name.
    pub name: i64,
    /// `kind`, `num`, `text` ([`super::codec::encode_value`]).
    pub value: (i16, Option<i64>, Option<&'a str>),
    /// Primary flag.
    pub primary: bool,
    /// Key of its params.
    pub params: i64,
}

/// One point of a series, as columns.
#[derive(Debug, Clone)]
pub(super) struct PointRow {
    /// Build id.
    pub build: String,
    /// Order key.
    pub order: i64,
    /// When the build was added.
    pub added: String,
    /// Value kind.
    pub kind: i16,
    /// Integer or float bits.
    pub num: Option<i64>,
    /// Text.
    pub text: Option<String>,
    /// Its samples ([`super::codec::encode_samples`]), when stored.
    pub samples: Option<String>,
}

/// One stored triage event, as columns.
#[derive(Debug, Clone)]
pub(super) struct TriageRow {
    /// The change id.
    pub change: String,
    /// `ack`, `dismiss` or `reopen`.
    pub event: String,
    /// When.
    pub happened: String,
    /// The note, if any.
    pub note: Option<String>,
}

/// The statements of one backend, inside an open transaction.
pub(super) trait Sql {
    /// Serialises writers (PostgreSQL; SQLite's write transactions are
    /// exclusive already).
    fn lock_for_write(&mut self) -> Result<(), HistoryError>;
    /// The build of that id.
    fn find_build(&mut self, id: &str) -> Result<Option<BuildRow>, HistoryError>;
    /// Deletes a build and its checks.
    fn delete_build(&mut self, pk: i64) -> Result<(), HistoryError>;
    /// The largest order key stored.
    fn max_order(&mut self) -> Result<Option<i64>, HistoryError>;
    /// Inserts a build row, returning its key.
    fn insert_build(&mut self, row: &BuildRow) -> Result<i64, HistoryError>;
    /// Every stored check name and its key.
    fn names(&mut self) -> Result<HashMap<String, i64>, HistoryError>;
    /// Stores a new check name, returning its key.
    fn insert_name(&mut self, name: &str) -> Result<i64, HistoryError>;
    /// The key of a params body, stored if new.
    fn params_key(&mut self, digest: &str, body: &str) -> Result<i64, HistoryError>;
    /// Inserts one check.
    fn insert_check(&mut self, check: NewCheck) -> Result<(), HistoryError>;
    /// Stores the samples of check `seq` of build `build`.
    fn insert_samples(&mut self, build: i64, seq: i64, body: &str) -> Result<(), HistoryError>;
    /// The samples of build `build` by check position.
    fn build_samples(&mut self, build: i64) -> Result<Vec<(i64, String)>, HistoryError>;
    /// Adds `delta` to the point count of every name and the use count of
    /// every params list build `build` has.
    fn add_points(&mut self, build: i64, delta: i64) -> Result<(), HistoryError>;
    /// Removes the names and params no build uses.
    fn prune(&mut self) -> Result<(), HistoryError>;
    /// Stores the packed checks of build `build`.
    fn insert_pack(&mut self, build: i64, body: &[u8]) -> Result<(), HistoryError>;
    /// The packed checks of build `build`, when stored.
    fn pack(&mut self, build: i64) -> Result<Option<Vec<u8>>, HistoryError>;
    /// Every build's key and id.
    fn build_keys(&mut self) -> Result<Vec<(i64, String)>, HistoryError>;
    /// The checks of build `build` in reading order, with their names
    /// when `with_names` (else only the names' keys).
    fn check_rows(&mut self, build: i64, with_names: bool) -> Result<Vec<CheckRow>, HistoryError>;
    /// The check name of key `pk`.
    fn name_of(&mut self, pk: i64) -> Result<Option<String>, HistoryError>;
    /// The params body of key `pk`.
    fn params_of(&mut self, pk: i64) -> Result<Option<String>, HistoryError>;
    /// The params bodies build `build` uses.
    fn build_params(&mut self, build: i64) -> Result<Vec<(i64, String)>, HistoryError>;
    /// Every build, in order.
    fn summaries(&mut self) -> Result<Vec<BuildSummary>, HistoryError>;
    /// Every name with at least one point, sorted.
    fn series(&mut self) -> Result<Vec<(String, i64)>, HistoryError>;
    /// The values of check `name` in build order.
    fn points(&mut self, name: &str) -> Result<Vec<PointRow>, HistoryError>;
    /// Records a change a detection reported at `now`: a new one, or the
    /// class, direction and last good build of a known one.
    fn upsert_change(&mut self, change: &KnownChange, now: &str) -> Result<(), HistoryError>;
    /// The change of id `id`.
    fn find_change(&mut self, id: &str) -> Result<Option<KnownChange>, HistoryError>;
    /// Every triage event, in the order recorded.
    fn triage_rows(&mut self) -> Result<Vec<TriageRow>, HistoryError>;
    /// Records a triage event.
    fn insert_triage(&mut self, row: &TriageRow) -> Result<(), HistoryError>;
}

/// The SQL text shared by both backends, with `?N` placeholders turned
/// into `$N` for PostgreSQL by the backend.
pub(super) mod text {
    /// A build row, its columns in [`super::BuildRow`] order.
    pub const FIND_BUILD: &str = "SELECT pk, build, ord, path, machine, distro, added, checks, \
         digest, metadata, notes FROM builds WHERE build = ?1";
    /// Inserting a build.
    pub const INSERT_BUILD: &str = "INSERT INTO builds (build, ord, path, machine, distro, added, \
         checks, digest, metadata, notes) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) RETURNING pk";
    /// Inserting a check.
    pub const INSERT_CHECK: &str = "INSERT INTO checks (build, seq, name, kind, num, text, \
         is_primary, params) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
    /// Point counts of the names and use counts of the params of a build.
    pub const ADD_POINTS: [&str; 2] = [
        "UPDATE names SET points = points + ?1 WHERE pk IN (SELECT name FROM checks WHERE build = ?2)",
        "UPDATE params SET builds = builds + ?1 WHERE pk IN (SELECT params FROM checks WHERE build = ?2)",
    ];
    /// Removing the names and params no build uses.
    pub const PRUNE: [&str; 2] = [
        "DELETE FROM names WHERE points <= 0 AND NOT EXISTS \
         (SELECT 1 FROM checks WHERE checks.name = names.pk)",
        "DELETE FROM params WHERE builds <= 0",
    ];
    /// Storing a build's packed checks.
    pub const INSERT_PACK: &str = "INSERT INTO packs (build, body) VALUES (?1, ?2)";
    /// A build's packed checks.
    pub const PACK: &str = "SELECT body FROM packs WHERE build = ?1";
    /// Every build's key and id.
    pub const BUILD_KEYS: &str = "SELECT pk, build FROM builds ORDER BY pk";
    /// The checks of a build.
    pub const CHECK_ROWS: &str = "SELECT n.name, c.kind, c.num, c.text, c.is_primary, c.params, \
         c.name FROM checks c JOIN names n ON n.pk = c.name WHERE c.build = ?1 ORDER BY c.seq";
    /// The checks of a build without their names (keys only).
    pub const CHECK_ROWS_KEYS: &str = "SELECT '', kind, num, text, is_primary, params, name \
         FROM checks WHERE build = ?1 ORDER BY seq";
    /// One check name.
    pub const NAME_OF: &str = "SELECT name FROM names WHERE pk = ?1";
    /// One params body.
    pub const PARAMS_OF: &str = "SELECT body FROM params WHERE pk = ?1";
    /// The params of a build.
    pub const BUILD_PARAMS: &str = "SELECT pk, body FROM params WHERE pk IN \
         (SELECT params FROM checks WHERE build = ?1)";
    /// Build summaries.
    pub const SUMMARIES: &str =
        "SELECT build, ord, machine, distro, added, checks FROM builds ORDER BY ord, pk";
    /// Series.
    pub const SERIES: &str = "SELECT name, points FROM names WHERE points > 0 ORDER BY name";
    /// Points of one series.
    pub const POINTS: &str = "SELECT b.build, b.ord, b.added, c.kind, c.num, c.text, s.body \
         FROM names n JOIN checks c ON c.name = n.pk JOIN builds b ON b.pk = c.build \
         LEFT JOIN samples s ON s.build = c.build AND s.seq = c.seq \
         WHERE n.name = ?1 ORDER BY b.ord, b.pk, c.seq";
    /// Inserting samples.
    pub const INSERT_SAMPLES: &str = "INSERT INTO samples (build, seq, body) VALUES (?1, ?2, ?3)";
    /// The samples of a build.
    pub const BUILD_SAMPLES: &str = "SELECT seq, body FROM samples WHERE build = ?1";
    /// Removing a build: its samples, packed checks, checks, then itself.
    pub const DELETE_BUILD: [&str; 4] = [
        "DELETE FROM samples WHERE build = ?1",
        "DELETE FROM packs WHERE build = ?1",
        "DELETE FROM checks WHERE build = ?1",
        "DELETE FROM builds WHERE pk = ?1",
    ];
    /// Recording a reported change (its columns in
    /// [`super::KnownChange`] order, then the time).
    pub const UPSERT_CHANGE: &str = "INSERT INTO changes (id, fingerprint, name, class, \
         direction, last_good, first_bad, first_seen, last_seen) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8) ON CONFLICT (id) DO UPDATE SET \
         class = excluded.class, direction = excluded.direction, \
         last_good = excluded.last_good, last_seen = excluded.last_seen";
    /// One reported change, its columns in [`super::KnownChange`] order.
    pub const FIND_CHANGE: &str = "SELECT id, fingerprint, name, class, direction, last_good, \
         first_bad FROM changes WHERE id = ?1";
    /// Every triage event in order.
    pub const TRIAGE_ROWS: &str =
        "SELECT change_id, event, happened, note FROM triage ORDER BY seq";
    /// Recording a triage event.
    pub const INSERT_TRIAGE: &str =
        "INSERT INTO triage (change_id, event, happened, note) VALUES (?1, ?2, ?3, ?4)";
}
