//! PostgreSQL stores over TLS, libpq's sslmode semantics, against a real
//! server with `ssl=on` and a self-signed certificate made by the test
//! (under CI=true a missing PostgreSQL fails instead of skipping).

mod support;

use runperf::history::{self, Store, StoreUrl};
use support::postgres::{Cluster, PASSWORD, USER};

/// The cluster with TLS, or `None` (skip) where PostgreSQL is missing.
fn tls() -> Option<&'static Cluster> {
    support::postgres::tls_cluster()
}

/// A fresh database of `cluster` and its URL with `host` and `query`.
fn url(cluster: &Cluster, host: &str, query: &str) -> (String, String) {
    let fresh = cluster.fresh_database();
    let db = fresh
        .rsplit_once('/')
        .unwrap()
        .1
        .split('?')
        .next()
        .unwrap()
        .to_string();
    let url = format!(
        "postgres://{USER}:{PASSWORD}@{host}:{}/{db}{query}",
        cluster.port
    );
    (db, url)
}

fn open(url: &str) -> Result<Box<dyn Store>, String> {
    history::open(&StoreUrl::parse(url).unwrap()).map_err(|e| e.to_string())
}

/// Whether the store's connections to `db` are encrypted, as the server
/// sees them (asked over a separate plain connection).
fn encrypted(cluster: &Cluster, db: &str) -> Vec<bool> {
    let mut admin = postgres::Client::connect(&cluster.url("postgres"), postgres::NoTls).unwrap();
    admin
        .query(
            "SELECT s.ssl FROM pg_stat_ssl s JOIN pg_stat_activity a ON a.pid = s.pid \
             WHERE a.datname = $1 AND a.application_name = 'runperf history-perf'",
            &[&db],
        )
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect()
}

/// A PEM file of a certificate that did not sign the server's.
fn wrong_root(dir: &std::path::Path) -> std::path::PathBuf {
    let path = dir.join("other-ca.crt");
    std::fs::write(&path, support::postgres::self_signed("some other CA").0).unwrap();
    path
}

fn assert_masked(text: &str) {
    assert!(text.contains(&format!("postgres://{USER}:***@")), "{text}");
    assert!(!text.contains(PASSWORD), "{text}");
}

#[test]
fn require_encrypts_without_verifying_the_certificate() {
    let Some(cluster) = tls() else { return };
    let (db, url) = url(cluster, "127.0.0.1", "?sslmode=require");
    let mut store = open(&url).unwrap();
    assert!(store.list(None, None).unwrap().is_empty());
    assert_eq!(encrypted(cluster, &db), [true]);
}

#[test]
fn prefer_is_the_default_and_encrypts_when_the_server_offers_tls() {
    let Some(cluster) = tls() else { return };
    for query in ["", "?sslmode=prefer"] {
        let (db, url) = url(cluster, "127.0.0.1", query);
        let _store = open(&url).unwrap();
        assert_eq!(encrypted(cluster, &db), [true], "{query:?}");
    }
    let (db, url) = url(cluster, "127.0.0.1", "?sslmode=disable");
    let _store = open(&url).unwrap();
    assert_eq!(encrypted(cluster, &db), [false], "sslmode=disable");
}

#[test]
fn prefer_falls_back_to_plain_and_require_refuses_a_server_without_tls() {
    let Some(plain) = support::postgres::cluster() else {
        return;
    };
    let (db, prefer) = url(plain, "127.0.0.1", "?sslmode=prefer");
    let _store = open(&prefer).unwrap();
    assert_eq!(encrypted(plain, &db), [false]);
    let (_, require) = url(plain, "127.0.0.1", "?sslmode=require");
    let err = open(&require).err().unwrap();
    assert!(err.contains("the server does not offer TLS"), "{err}");
    assert!(err.contains("sslmode=require needs it"), "{err}");
    assert_masked(&err);
}

#[test]
fn verify_ca_accepts_the_right_root_and_refuses_a_wrong_one() {
    let Some(cluster) = tls() else { return };
    let root = cluster.server_cert();
    let (db, good) = url(
        cluster,
        "127.0.0.1",
        &format!("?sslmode=verify-ca&sslrootcert={}", root.display()),
    );
    let _store = open(&good).unwrap();
    assert_eq!(encrypted(cluster, &db), [true]);

    let dir = tempfile::tempdir().unwrap();
    let wrong = wrong_root(dir.path());
    for mode in ["verify-ca", "verify-full", "require"] {
        let (_, bad) = url(
            cluster,
            "localhost",
            &format!("?sslmode={mode}&sslrootcert={}", wrong.display()),
        );
        let err = open(&bad).err().unwrap();
        assert!(err.contains("cannot open the history store"), "{err}");
        assert!(err.contains("certificate verify failed"), "{err}");
        assert!(
            err.contains(&format!(
                "the server's certificate is not signed by sslrootcert={}",
                wrong.display()
            )),
            "{err}"
        );
        assert!(err.contains("or use sslmode=require"), "{err}");
        assert_masked(&err);
    }

    // No sslrootcert: the system's roots, which did not sign a test cert.
    let (_, system) = url(cluster, "127.0.0.1", "?sslmode=verify-ca");
    let err = open(&system).err().unwrap();
    assert!(err.contains("the system's trusted roots"), "{err}");
    assert_masked(&err);

    let (_, missing) = url(
        cluster,
        "127.0.0.1",
        "?sslmode=verify-ca&sslrootcert=/nonexistent/ca.pem",
    );
    let err = open(&missing).err().unwrap();
    assert!(
        err.contains("sslrootcert=/nonexistent/ca.pem: cannot read it"),
        "{err}"
    );
    assert!(err.contains("point sslrootcert at the PEM file"), "{err}");
    assert_masked(&err);
}

#[test]
fn verify_full_also_checks_the_host_name() {
    let Some(cluster) = tls() else { return };
    let root = cluster.server_cert().display().to_string();
    // The certificate names localhost only.
    let (db, good) = url(
        cluster,
        "localhost",
        &format!("?sslmode=verify-full&sslrootcert={root}"),
    );
    let _store = open(&good).unwrap();
    assert_eq!(encrypted(cluster, &db), [true]);
    let (_, by_ip) = url(
        cluster,
        "127.0.0.1",
        &format!("?sslmode=verify-full&sslrootcert={root}"),
    );
    let err = open(&by_ip).err().unwrap();
    assert!(
        err.contains("the server's certificate does not name the host of the URL"),
        "{err}"
    );
    assert!(err.contains("use sslmode=verify-ca"), "{err}");
    assert_masked(&err);
}
