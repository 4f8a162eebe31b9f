//! PostgreSQL stores over TLS, libpq's sslmode semantics, against a real
//! server with `ssl=on` and a self-signed certificate made by the test
//! (under CI=true a missing PostgreSQL fails instead of skipping).

mod support;

use runperf::history::{self, Store, StoreUrl};
use support::postgres::{CERT_USER, Cluster, KEY_PASSPHRASE, PASSWORD, PLAIN_USER, TLS_USER, USER};

/// The cluster with TLS, or `None` (skip) where PostgreSQL is missing.
fn tls() -> Option<&'static Cluster> {
    support::postgres::tls_cluster()
}

/// A fresh database of `cluster` and its URL with `host` and `query`.
fn url(cluster: &Cluster, host: &str, query: &str) -> (String, String) {
    url_as(cluster, USER, host, query)
}

/// As [`url`], connecting as `user`.
fn url_as(cluster: &Cluster, user: &str, host: &str, query: &str) -> (String, String) {
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
        "postgres://{user}:{PASSWORD}@{host}:{}/{db}{query}",
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
    assert!(text.contains(":***@"), "{text}");
    assert!(!text.contains(PASSWORD), "{text}");
    assert!(!text.contains(KEY_PASSPHRASE), "{text}");
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

#[test]
fn allow_tries_tls_when_the_server_refuses_plain() {
    let Some(cluster) = tls() else { return };
    // The server takes this user over TLS only.
    let (db, tls_only) = url_as(cluster, TLS_USER, "127.0.0.1", "?sslmode=allow");
    let mut store = open(&tls_only).unwrap();
    assert!(store.list(None, None).unwrap().is_empty());
    assert_eq!(encrypted(cluster, &db), [true]);
    // Plain first: a server that takes plain connections gets one.
    let (db, any) = url(cluster, "127.0.0.1", "?sslmode=allow");
    let _store = open(&any).unwrap();
    assert_eq!(encrypted(cluster, &db), [false]);
    // What both attempts met is told.
    let (_, cert_only) = url_as(cluster, CERT_USER, "127.0.0.1", "?sslmode=allow");
    let err = open(&cert_only).err().unwrap();
    assert!(err.contains("before that, without TLS"), "{err}");
    assert!(
        err.contains("give it in the URL as sslcert=PATH&sslkey=PATH"),
        "{err}"
    );
    assert_masked(&err);
}

#[test]
fn prefer_falls_back_to_plain_when_the_server_refuses_tls() {
    let Some(cluster) = tls() else { return };
    // The server takes this user without TLS only.
    let (db, prefer) = url_as(cluster, PLAIN_USER, "127.0.0.1", "?sslmode=prefer");
    let _store = open(&prefer).unwrap();
    assert_eq!(encrypted(cluster, &db), [false]);
    let (_, require) = url_as(cluster, PLAIN_USER, "127.0.0.1", "?sslmode=require");
    let err = open(&require).err().unwrap();
    assert!(err.contains("pg_hba.conf"), "{err}");
    assert_masked(&err);
}

/// The URL query of client certificate `cert` with key `key` (files of
/// the cluster) and more options.
fn client_query(cluster: &Cluster, cert: &str, key: &str, more: &str) -> String {
    format!(
        "?sslmode=verify-full&sslrootcert={}&sslcert={}&sslkey={}{more}",
        cluster.server_cert().display(),
        cluster.client_file(cert).display(),
        cluster.client_file(key).display()
    )
}

#[test]
fn client_certificates_authenticate() {
    let Some(cluster) = tls() else { return };
    for (key, more) in [
        ("client.key", ""),
        (
            "client-encrypted.key",
            &*format!("&sslpassword={KEY_PASSPHRASE}"),
        ),
    ] {
        let query = client_query(cluster, "client.crt", key, more);
        let (db, url) = url_as(cluster, CERT_USER, "localhost", &query);
        let mut store = open(&url).unwrap();
        assert!(store.list(None, None).unwrap().is_empty(), "{key}");
        assert_eq!(encrypted(cluster, &db), [true], "{key}");
        assert!(
            !store.location().contains(KEY_PASSPHRASE),
            "{}",
            store.location()
        );
    }
}

#[test]
fn client_certificate_problems_say_what_to_do() {
    let Some(cluster) = tls() else { return };
    let fails = |user: &str, query: &str| {
        let (_, url) = url_as(cluster, user, "localhost", query);
        let err = open(&url).err().unwrap();
        assert!(err.contains("cannot open the history store"), "{err}");
        assert_masked(&err);
        err
    };
    let no_cert = format!(
        "?sslmode=verify-ca&sslrootcert={}",
        cluster.server_cert().display()
    );
    let err = fails(CERT_USER, &no_cert);
    assert!(
        err.contains("the server asks for a client certificate; give it in the URL"),
        "{err}"
    );

    let err = fails(
        CERT_USER,
        &client_query(cluster, "client.crt", "client-encrypted.key", ""),
    );
    assert!(
        err.contains(
            "client-encrypted.key: the private key is encrypted; give its passphrase as sslpassword"
        ),
        "{err}"
    );

    let err = fails(
        CERT_USER,
        &client_query(
            cluster,
            "client.crt",
            "client-encrypted.key",
            "&sslpassword=wrong",
        ),
    );
    assert!(
        err.contains("cannot decrypt the private key with sslpassword"),
        "{err}"
    );

    let err = fails(
        CERT_USER,
        &client_query(cluster, "client.crt", "client-server.key", ""),
    );
    assert!(
        err.contains("client-server.key is not the key of sslcert="),
        "{err}"
    );

    let err = fails(
        CERT_USER,
        &client_query(cluster, "missing.crt", "client.key", ""),
    );
    assert!(err.contains("missing.crt: cannot read it"), "{err}");
    assert!(err.contains("point sslcert at the PEM file"), "{err}");

    // The server's own self-signed certificate: not signed by its client
    // CA. The refusal reaches the client as a TLS alert or (TLS 1.3) as a
    // reset connection; either way the message says what to check.
    let err = fails(
        CERT_USER,
        &client_query(cluster, "client-server.crt", "client-server.key", ""),
    );
    assert!(
        err.contains("does not accept the client certificate sslcert=")
            && err.contains("a CA of the server's ssl_ca_file"),
        "{err}"
    );
}
