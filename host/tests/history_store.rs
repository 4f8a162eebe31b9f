//! The history store, one suite run against both backends: SQLite files
//! in a temp dir and a real PostgreSQL server (a private cluster the test
//! starts; under CI=true a missing PostgreSQL fails instead of skipping).

mod support;

use std::path::{Path, PathBuf};

use runperf::history::triage::{Action, KnownChange, State};
use runperf::history::{self, AddOutcome, BuildRecord, HistoryError, Store, StoreUrl};
use runperf::results::{Parallelism, ResultParsers, ResultTree};

fn upstream() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/upstream/results")
}

/// A record of a fixture tree as `history-perf add` makes it.
fn record(tree: &str, id: Option<&str>, order: Option<i64>) -> BuildRecord {
    let path = upstream().join(tree);
    let (tree, notes) = ResultTree::read_with_progress(
        &path,
        false,
        &ResultParsers::none(),
        Parallelism::Files,
        &NoProgress,
    )
    .unwrap();
    let metadata = runperf::results::Metadata::read_text(&path).unwrap_or_default();
    let mut record = BuildRecord::from_tree(&tree, notes, metadata, id, order);
    record.samples = history::samples::read(&path, &record.checks);
    record
}

struct NoProgress;
impl runperf::results::LoadProgress for NoProgress {
    fn discovered(&self, _: usize) {}
    fn test_done(&self) {}
}

const BASE: &str = "1_base/result_20200726_080654";
const BASE2: &str = "1_base/result_20200726_112748";
const KERNEL: &str = "2_kernel_update/result_20200726_114437";

/// One backend under test: a fresh store and a way to run raw SQL on it.
trait Backend: Sync {
    fn url(&self) -> String;
    fn open(&self) -> Box<dyn Store> {
        history::open(&StoreUrl::parse(&self.url()).unwrap()).unwrap()
    }
    fn execute(&self, sql: &str);
    /// The one integer `sql` selects.
    fn count(&self, sql: &str) -> i64;
}

struct Sqlite(tempfile::TempDir);

impl Backend for Sqlite {
    fn url(&self) -> String {
        format!("sqlite:{}", self.0.path().join("h.sqlite").display())
    }
    fn execute(&self, sql: &str) {
        let conn = rusqlite::Connection::open(self.0.path().join("h.sqlite")).unwrap();
        conn.execute_batch(sql).unwrap();
    }
    fn count(&self, sql: &str) -> i64 {
        let conn = rusqlite::Connection::open(self.0.path().join("h.sqlite")).unwrap();
        conn.query_row(sql, [], |r| r.get(0)).unwrap()
    }
}

struct Postgres(String);

impl Backend for Postgres {
    fn url(&self) -> String {
        self.0.clone()
    }
    fn execute(&self, sql: &str) {
        let mut client = postgres::Client::connect(&self.0, postgres::NoTls).unwrap();
        client.batch_execute(sql).unwrap();
    }
    fn count(&self, sql: &str) -> i64 {
        let mut client = postgres::Client::connect(&self.0, postgres::NoTls).unwrap();
        client.query_one(sql, &[]).unwrap().get(0)
    }
}

fn adds_and_loads_back_exactly(b: &dyn Backend) {
    let mut store = b.open();
    let build = record(BASE, None, None);
    assert!(!build.checks.is_empty());
    assert_eq!(store.add(&build, false).unwrap(), AddOutcome::Added);
    // A fresh connection sees it, bit for bit, the order filled in.
    let loaded = b.open().load(&build.id).unwrap();
    let expected = BuildRecord {
        order: Some(1),
        ..build.clone()
    };
    assert_eq!(loaded, expected);
    assert!(
        loaded.metadata.contains("environment_world"),
        "{}",
        loaded.metadata
    );
    assert!(!loaded.samples.is_empty());
    let (seq, values) = &loaded.samples[0];
    assert!(loaded.checks[*seq].name.ends_with(".mean"));
    assert_eq!(loaded.checks[*seq].value.as_f64(), Some(values[0]));
}

fn loading_many_builds_at_once_is_loading_each(b: &dyn Backend) {
    let mut store = b.open();
    // Builds that share most names and params, and one that shares none.
    let builds = [
        record(BASE, Some("1"), None),
        record(BASE2, Some("2"), None),
        record(KERNEL, Some("3"), None),
    ];
    for build in &builds {
        store.add(build, false).unwrap();
    }
    let mut other = record(BASE, Some("4"), None);
    for check in &mut other.checks {
        check.name = format!("renamed.{}", check.name);
        check.params = std::sync::Arc::new(vec![("renamed".into(), check.name.clone())]);
    }
    store.add(&other, false).unwrap();
    let ids = ["3", "1", "nope", "4", "2", "1"];
    let many = b.open().load_checks_many(&ids).unwrap();
    assert_eq!(many.len(), ids.len());
    for (id, loaded) in ids.iter().zip(many) {
        match b.open().load_checks(id) {
            Ok(one) => assert_eq!(loaded.unwrap(), one, "{id}"),
            Err(e) => {
                assert!(matches!(e, HistoryError::UnknownBuild { .. }), "{e}");
                let err = loaded.unwrap_err();
                assert!(matches!(err, HistoryError::UnknownBuild { .. }), "{err}");
            }
        }
    }
}

fn identical_add_changes_nothing(b: &dyn Backend) {
    let mut store = b.open();
    let build = record(BASE, Some("101"), None);
    assert_eq!(store.add(&build, false).unwrap(), AddOutcome::Added);
    let before = store.list(None, None).unwrap();
    assert_eq!(store.add(&build, false).unwrap(), AddOutcome::Unchanged);
    assert_eq!(store.add(&build, true).unwrap(), AddOutcome::Unchanged);
    assert_eq!(store.list(None, None).unwrap(), before);
}

fn different_tree_under_an_existing_id_needs_replace(b: &dyn Backend) {
    let mut store = b.open();
    store.add(&record(BASE, Some("7"), None), false).unwrap();
    let other = record(KERNEL, Some("7"), None);
    let err = store.add(&other, false).unwrap_err();
    assert!(matches!(err, HistoryError::Exists { .. }), "{err}");
    assert!(
        err.to_string().contains("build 7 is already stored"),
        "{err}"
    );
    assert!(err.to_string().contains("--replace"), "{err}");
    // Nothing changed.
    assert_eq!(
        store.load("7").unwrap().checks,
        record(BASE, None, None).checks
    );
    assert_eq!(store.add(&other, true).unwrap(), AddOutcome::Replaced);
    assert_eq!(store.load("7").unwrap().checks, other.checks);
    assert_eq!(store.list(None, None).unwrap().len(), 1);
}

fn order_keys_follow_ids_then_ingestion(b: &dyn Backend) {
    let mut store = b.open();
    store.add(&record(BASE, Some("120"), None), false).unwrap();
    store
        .add(&record(BASE2, Some("nightly-a"), None), false)
        .unwrap();
    store
        .add(&record(KERNEL, Some("nightly-b"), Some(5)), false)
        .unwrap();
    let list = store.list(None, None).unwrap();
    let ids: Vec<(&str, i64)> = list.iter().map(|b| (b.id.as_str(), b.order)).collect();
    assert_eq!(ids, [("nightly-b", 5), ("120", 120), ("nightly-a", 121)]);
    let last = store.list(None, Some(2)).unwrap();
    assert_eq!(last.len(), 2);
    assert_eq!(last[0].id, "120");
    assert!(
        store
            .list(Some("no-such-machine"), None)
            .unwrap()
            .is_empty()
    );
    let machine = list[0].machine.clone();
    assert!(!machine.is_empty());
    let same = list.iter().filter(|b| b.machine == machine).count();
    assert_eq!(store.list(Some(&machine), None).unwrap().len(), same);
    assert_eq!(
        list[1].checks as usize,
        record(BASE, None, None).checks.len()
    );
}

fn series_and_points(b: &dyn Backend) {
    let mut store = b.open();
    let base = record(BASE, Some("1"), None);
    store.add(&base, false).unwrap();
    store.add(&record(BASE2, Some("2"), None), false).unwrap();
    let all = store.series(None).unwrap();
    assert!(!all.is_empty());
    assert!(all.windows(2).all(|w| w[0].name < w[1].name));
    let name = &base.checks[0].name;
    let one = all.iter().find(|s| &s.name == name).unwrap();
    assert_eq!(one.points, 2);
    let glob = globset::Glob::new("*.mean").unwrap().compile_matcher();
    let means = store.series(Some(&glob)).unwrap();
    assert!(!means.is_empty() && means.len() < all.len());
    assert!(means.iter().all(|s| s.name.ends_with(".mean")));
    let points = store.show(name).unwrap();
    let builds: Vec<&str> = points.iter().map(|p| p.build.as_str()).collect();
    assert_eq!(builds, ["1", "2"]);
    assert_eq!(points[0].value, base.checks[0].value);
    store.remove("1").unwrap();
    let after = store.series(None).unwrap();
    assert_eq!(after.iter().find(|s| &s.name == name).unwrap().points, 1);
    assert!(store.show("no/such:check").unwrap().is_empty());
}

fn unknown_builds_are_reported(b: &dyn Backend) {
    let mut store = b.open();
    for err in [
        store.load("404").unwrap_err(),
        store.remove("404").unwrap_err(),
    ] {
        assert!(matches!(err, HistoryError::UnknownBuild { .. }), "{err}");
        assert!(err.to_string().contains("no build 404"), "{err}");
    }
}

fn a_newer_schema_is_refused(b: &dyn Backend) {
    drop(b.open());
    b.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'");
    let err = history::open(&StoreUrl::parse(&b.url()).unwrap())
        .err()
        .expect("a newer store is refused");
    let text = err.to_string();
    assert!(text.contains("schema version 99"), "{text}");
    assert!(
        text.contains(&format!("up to {}", history::SCHEMA_VERSION)),
        "{text}"
    );
    assert!(!text.contains(support::postgres::PASSWORD), "{text}");
}

fn reopening_keeps_everything(b: &dyn Backend) {
    let build = record(KERNEL, None, None);
    b.open().add(&build, false).unwrap();
    let mut store = b.open();
    assert_eq!(store.list(None, None).unwrap().len(), 1);
    assert_eq!(store.load(&build.id).unwrap().checks, build.checks);
}

fn concurrent_adds_both_land(b: &dyn Backend) {
    drop(b.open());
    std::thread::scope(|scope| {
        let adds: Vec<_> = [(BASE, "a"), (BASE2, "b"), (KERNEL, "c"), (BASE, "d")]
            .into_iter()
            .map(|(tree, id)| {
                scope.spawn(move || {
                    let build = record(tree, Some(id), None);
                    b.open().add(&build, false).unwrap()
                })
            })
            .collect();
        for add in adds {
            assert_eq!(add.join().unwrap(), AddOutcome::Added);
        }
    });
    let mut store = b.open();
    let mut ids: Vec<String> = store
        .list(None, None)
        .unwrap()
        .into_iter()
        .map(|b| b.id)
        .collect();
    ids.sort();
    assert_eq!(ids, ["a", "b", "c", "d"]);
    assert_eq!(
        store.load("c").unwrap().checks,
        record(KERNEL, None, None).checks
    );
}

fn an_older_schema_is_migrated_on_open(b: &dyn Backend) {
    let build = record(BASE, Some("1"), None);
    let other = record(KERNEL, Some("2"), None);
    b.open().add(&build, false).unwrap();
    b.open().add(&other, false).unwrap();
    // Back to version 1: no samples, no packs, no params use counts, no
    // triage; and a name that a removal of that version left behind.
    b.execute(
        "DROP TABLE triage; DROP TABLE changes; \
         DROP TABLE samples; DROP TABLE packs; ALTER TABLE params DROP COLUMN builds; \
         INSERT INTO names (name, points) VALUES ('left/behind', 0); \
         UPDATE meta SET value = '1' WHERE key = 'schema_version'",
    );
    let mut store = b.open();
    assert_eq!(b.count("SELECT COUNT(*) FROM packs"), 2);
    assert_eq!(b.count("SELECT COUNT(*) FROM changes"), 0);
    assert_eq!(
        b.count("SELECT COUNT(*) FROM names WHERE name = 'left/behind'"),
        0
    );
    assert_eq!(b.count("SELECT COUNT(*) FROM params WHERE builds <= 0"), 0);
    let loaded = store.load("1").unwrap();
    assert_eq!(loaded.checks, build.checks);
    assert!(loaded.samples.is_empty());
    assert_eq!(store.load_checks("2").unwrap().checks, other.checks);
    store.add(&record(KERNEL, Some("3"), None), false).unwrap();
    assert!(!store.load("3").unwrap().samples.is_empty());
    let points = store.show(&build.checks[0].name).unwrap();
    assert_eq!(points.len(), 3);
    assert_eq!(points[0].samples, None);
    // The use counts the migration computed let removals prune.
    store.remove("2").unwrap();
    store.remove("3").unwrap();
    store.remove("1").unwrap();
    assert_eq!(b.count("SELECT COUNT(*) FROM names"), 0);
    assert_eq!(b.count("SELECT COUNT(*) FROM params"), 0);
}

/// Counts of the rows of the tables that builds share.
fn shared_rows(b: &dyn Backend) -> (i64, i64) {
    (
        b.count("SELECT COUNT(*) FROM names"),
        b.count("SELECT COUNT(*) FROM params"),
    )
}

fn removing_a_build_removes_what_only_it_used(b: &dyn Backend) {
    let mut store = b.open();
    store.add(&record(BASE, Some("1"), None), false).unwrap();
    let with_base = shared_rows(b);
    // A build whose names and params no other build has.
    let mut other = record(BASE2, Some("2"), None);
    for check in &mut other.checks {
        check.name = format!("renamed.{}", check.name);
        check.params = std::sync::Arc::new(vec![("only".into(), check.name.clone())]);
    }
    store.add(&other, false).unwrap();
    assert!(shared_rows(b).0 > with_base.0 && shared_rows(b).1 > with_base.1);
    store.remove("2").unwrap();
    assert_eq!(shared_rows(b), with_base);
    for table in ["checks", "samples", "packs"] {
        assert_eq!(
            b.count(&format!(
                "SELECT COUNT(*) FROM {table} WHERE build NOT IN (SELECT pk FROM builds)"
            )),
            0,
            "{table}"
        );
    }
    // Replacing a build prunes what only its old results used.
    store.add(&other, false).unwrap();
    store.add(&record(BASE, Some("2"), None), true).unwrap();
    assert_eq!(shared_rows(b), with_base);
    // What a remaining build uses stays, and it still reads back.
    let third = BuildRecord {
        id: "3".into(),
        ..other.clone()
    };
    store.add(&third, false).unwrap();
    store.remove("1").unwrap();
    store.remove("2").unwrap();
    assert_eq!(store.load("3").unwrap().checks, other.checks);
    store.remove("3").unwrap();
    assert_eq!(shared_rows(b), (0, 0));
}

fn a_damaged_pack_is_reported(b: &dyn Backend) {
    let mut store = b.open();
    store.add(&record(BASE, Some("1"), None), false).unwrap();
    b.execute("UPDATE packs SET body = substr(body, 1, 40)");
    let err = store.load_checks("1").unwrap_err();
    assert!(matches!(err, HistoryError::Damaged { .. }), "{err}");
    assert!(
        err.to_string().contains("build 1: stored data is damaged"),
        "{err}"
    );
}

/// A change as detect reports it.
fn change(id: &str, class: &str) -> KnownChange {
    KnownChange {
        id: id.into(),
        fingerprint: "machine=m1".into(),
        check: "a/throughput/x.mean".into(),
        class: class.into(),
        direction: "regression".into(),
        last_good: Some("30".into()),
        first_bad: "31".into(),
    }
}

const ID: &str = "00112233445566ff";

fn triage_is_kept_with_its_history(b: &dyn Backend) {
    let mut store = b.open();
    // Unknown before detect reports it, also on an empty store.
    let err = store.triage(ID, Action::Ack, None).unwrap_err();
    assert!(matches!(err, HistoryError::UnknownChange { .. }), "{err}");
    assert!(
        err.to_string()
            .contains(&format!("no change {ID} is known"))
    );
    assert!(store.report_changes(&[]).unwrap().is_empty());
    let events = store.report_changes(&[change(ID, "outlier")]).unwrap();
    assert!(events.is_empty(), "{events:?}");
    // Reopening a new change records nothing.
    let reopened = store.triage(ID, Action::Reopen, None).unwrap();
    assert_eq!(reopened.recorded, None);
    assert_eq!(reopened.change, change(ID, "outlier"));
    let acked = store
        .triage(ID, Action::Ack, Some("known: kernel 6.1"))
        .unwrap();
    let event = acked.recorded.unwrap();
    assert_eq!(event.action, Action::Ack);
    assert_eq!(event.note.as_deref(), Some("known: kernel 6.1"));
    // UTC, RFC 3339, seconds.
    assert!(
        event.at.len() == 20 && event.at.ends_with('Z') && event.at.as_bytes()[10] == b'T',
        "{}",
        event.at
    );
    store.triage(ID, Action::Reopen, Some("back")).unwrap();
    store.triage(ID, Action::Dismiss, None).unwrap();
    // A later detection (seen as a step now) keeps the history, in order;
    // a fresh connection sees it.
    let other = "ffeeddccbbaa9988";
    let events = b
        .open()
        .report_changes(&[change(ID, "step"), change(other, "step")])
        .unwrap();
    assert_eq!(events.len(), 1, "{events:?}");
    let history = &events[ID];
    let actions: Vec<Action> = history.iter().map(|e| e.action).collect();
    assert_eq!(actions, [Action::Ack, Action::Reopen, Action::Dismiss]);
    assert_eq!(history[1].note.as_deref(), Some("back"));
    assert_eq!(history[2].note, None);
    assert_eq!(State::of(history), State::Dismissed);
    assert_eq!(
        store.triage(ID, Action::Ack, None).unwrap().change,
        change(ID, "step")
    );
    assert_eq!(b.count("SELECT COUNT(*) FROM changes"), 2);
    assert_eq!(b.count("SELECT COUNT(*) FROM triage"), 4);
    // Removing builds keeps the triage (the id names builds, not rows).
    store.add(&record(BASE, Some("31"), None), false).unwrap();
    store.remove("31").unwrap();
    assert_eq!(b.count("SELECT COUNT(*) FROM triage"), 4);
}

fn a_version_3_store_gains_triage_on_open(b: &dyn Backend) {
    let build = record(BASE, Some("1"), None);
    b.open().add(&build, false).unwrap();
    // What version 3 made: everything but the triage tables.
    b.execute(
        "DROP TABLE triage; DROP TABLE changes; \
         UPDATE meta SET value = '3' WHERE key = 'schema_version'",
    );
    let mut store = b.open();
    assert_eq!(
        b.count("SELECT CAST(value AS BIGINT) FROM meta WHERE key = 'schema_version'"),
        history::SCHEMA_VERSION
    );
    assert_eq!(b.count("SELECT COUNT(*) FROM changes"), 0);
    assert_eq!(store.load("1").unwrap().checks, build.checks);
    store.report_changes(&[change(ID, "step")]).unwrap();
    store.triage(ID, Action::Ack, None).unwrap();
    assert_eq!(
        b.open().report_changes(&[change(ID, "step")]).unwrap()[ID].len(),
        1
    );
}

/// Generates one test per case and backend.
macro_rules! suite {
    ($($case:ident),* $(,)?) => {
        mod sqlite {
            $(#[test]
            fn $case() {
                super::$case(&super::Sqlite(tempfile::tempdir().unwrap()));
            })*
        }
        mod postgresql {
            $(#[test]
            fn $case() {
                let Some(cluster) = super::support::postgres::cluster() else { return };
                super::$case(&super::Postgres(cluster.fresh_database()));
            })*
        }
    };
}

suite!(
    adds_and_loads_back_exactly,
    loading_many_builds_at_once_is_loading_each,
    identical_add_changes_nothing,
    different_tree_under_an_existing_id_needs_replace,
    order_keys_follow_ids_then_ingestion,
    series_and_points,
    unknown_builds_are_reported,
    a_newer_schema_is_refused,
    reopening_keeps_everything,
    concurrent_adds_both_land,
    an_older_schema_is_migrated_on_open,
    removing_a_build_removes_what_only_it_used,
    a_damaged_pack_is_reported,
    triage_is_kept_with_its_history,
    a_version_3_store_gains_triage_on_open,
);

#[test]
fn a_file_that_is_not_a_store_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("h.sqlite");
    std::fs::write(&path, vec![0x5a; 8192]).unwrap();
    let err = history::open(&StoreUrl::Sqlite(path.clone()))
        .err()
        .unwrap();
    assert!(matches!(err, HistoryError::Corrupt { .. }), "{err}");
    assert!(
        err.to_string().contains(&path.display().to_string()),
        "{err}"
    );
    assert_eq!(
        std::fs::read(&path).unwrap(),
        vec![0x5a; 8192],
        "left as it was"
    );
}

#[test]
fn an_unreachable_postgres_fails_fast_without_the_password() {
    // A port nothing listens on (bound then released), and an address that
    // drops packets (TEST-NET-1, RFC 5737): both within seconds (the
    // default connect timeout is 5 s).
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    for url in [
        format!("postgres://ci:hunter2@127.0.0.1:{port}/perf"),
        "postgres://ci:hunter2@192.0.2.1:5432/perf".to_string(),
        // A server that accepts and never answers.
        format!(
            "postgres://ci:hunter2@127.0.0.1:{}/perf",
            silent.local_addr().unwrap().port()
        ),
    ] {
        let started = std::time::Instant::now();
        let err = history::open(&StoreUrl::parse(&url).unwrap())
            .err()
            .unwrap();
        let text = err.to_string();
        assert!(
            started.elapsed() < std::time::Duration::from_secs(8),
            "{text}"
        );
        assert!(text.contains("postgres://ci:***@"), "{text}");
        assert!(!text.contains("hunter2"), "{text}");
    }
}

#[test]
fn postgres_refuses_a_wrong_password_without_printing_it() {
    let Some(cluster) = support::postgres::cluster() else {
        return;
    };
    let url = format!(
        "postgres://{}:wrong-pw-123@127.0.0.1:{}/postgres",
        support::postgres::USER,
        cluster.port
    );
    let err = history::open(&StoreUrl::parse(&url).unwrap())
        .err()
        .unwrap();
    let text = err.to_string();
    assert!(text.contains("password authentication failed"), "{text}");
    assert!(!text.contains("wrong-pw-123"), "{text}");
}
