//! A private PostgreSQL cluster for one test binary: `initdb` on a
//! temporary directory (as the `postgres` user when the tests run as root,
//! since the server refuses root), the server on 127.0.0.1 and a free
//! port with password authentication, and a fresh database per test.
//!
//! The server is started once per test binary from a thread that lives as
//! long as the process, under a small shell that holds the parent-death
//! signal: when the test binary exits, the shell stops the server
//! (immediate shutdown) and removes the directory.
//!
//! [`tls_cluster`] starts a second kind of cluster with `ssl=on` and a
//! self-signed certificate made here (naming `localhost` only, so that
//! `verify-full` against 127.0.0.1 fails), for the sslmode tests.

use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// The cluster's superuser and its password.
pub const USER: &str = "runperf";
pub const PASSWORD: &str = "pg-s3cret-pw";

/// A running cluster.
pub struct Cluster {
    pub port: u16,
    pub dir: PathBuf,
}

/// The newest installed server's binaries (`/usr/lib/postgresql/N/bin`).
fn bin_dir() -> Option<PathBuf> {
    let mut dirs: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .flatten()
        .filter_map(|e| {
            let version = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .collect();
    dirs.sort();
    dirs.pop().map(|(_, bin)| bin)
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    listener.local_addr().expect("local addr").port()
}

/// uid and gid to run the server as: `postgres` when we are root.
fn server_user() -> Option<(u32, u32)> {
    if unsafe { libc::geteuid() } != 0 {
        return None;
    }
    let name = std::ffi::CString::new("postgres").unwrap();
    let pw = unsafe { libc::getpwnam(name.as_ptr()) };
    assert!(
        !pw.is_null(),
        "the tests run as root and there is no postgres user to run the server as; install Debian's postgresql package"
    );
    unsafe { Some(((*pw).pw_uid, (*pw).pw_gid)) }
}

fn as_server_user(cmd: &mut Command, user: Option<(u32, u32)>) -> &mut Command {
    if let Some((uid, gid)) = user {
        cmd.uid(uid).gid(gid);
    }
    cmd
}

/// A self-signed certificate (also its own CA) for `localhost` only:
/// certificate and private key, PEM.
pub fn self_signed(common_name: &str) -> (Vec<u8>, Vec<u8>) {
    let (cert, key) = certificate(common_name, None);
    (
        cert.to_pem().unwrap(),
        key.private_key_to_pem_pkcs8().unwrap(),
    )
}

/// A certificate for `common_name` (naming `localhost` too), signed by
/// `issuer` (certificate and key) or by itself (then a CA), and its key.
fn certificate(
    common_name: &str,
    issuer: Option<(
        &openssl::x509::X509,
        &openssl::pkey::PKey<openssl::pkey::Private>,
    )>,
) -> (
    openssl::x509::X509,
    openssl::pkey::PKey<openssl::pkey::Private>,
) {
    use openssl::asn1::{Asn1Integer, Asn1Time};
    use openssl::bn::BigNum;
    use openssl::ec::{EcGroup, EcKey};
    use openssl::hash::MessageDigest;
    use openssl::nid::Nid;
    use openssl::pkey::PKey;
    use openssl::x509::extension::{BasicConstraints, SubjectAlternativeName};
    use openssl::x509::{X509, X509NameBuilder};

    static SERIAL: AtomicUsize = AtomicUsize::new(1);
    let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).unwrap();
    let key = PKey::from_ec_key(EcKey::generate(&group).unwrap()).unwrap();
    let mut name = X509NameBuilder::new().unwrap();
    name.append_entry_by_text("CN", common_name).unwrap();
    let name = name.build();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let mut cert = X509::builder().unwrap();
    cert.set_version(2).unwrap();
    let serial = std::process::id() * 1000 + SERIAL.fetch_add(1, Ordering::SeqCst) as u32;
    let serial = BigNum::from_u32(serial).unwrap();
    cert.set_serial_number(&Asn1Integer::from_bn(&serial).unwrap())
        .unwrap();
    cert.set_subject_name(&name).unwrap();
    cert.set_issuer_name(issuer.map_or(&*name, |(ca, _)| ca.subject_name()))
        .unwrap();
    cert.set_pubkey(&key).unwrap();
    cert.set_not_before(&Asn1Time::from_unix(now - 3600).unwrap())
        .unwrap();
    cert.set_not_after(&Asn1Time::from_unix(now + 86400).unwrap())
        .unwrap();
    if issuer.is_none() {
        cert.append_extension(BasicConstraints::new().critical().ca().build().unwrap())
            .unwrap();
    }
    let san = SubjectAlternativeName::new()
        .dns("localhost")
        .build(&cert.x509v3_context(issuer.map(|(ca, _)| &**ca), None))
        .unwrap();
    cert.append_extension(san).unwrap();
    cert.sign(
        issuer.map_or(&key, |(_, ca_key)| ca_key),
        MessageDigest::sha256(),
    )
    .unwrap();
    (cert.build(), key)
}

/// A CA for client certificates and a certificate it signed for user
/// `common_name`: (CA certificate, client certificate, its key, the key
/// encrypted with `passphrase`), PEM.
pub fn client_certificate(common_name: &str, passphrase: &str) -> [Vec<u8>; 4] {
    let (ca, ca_key) = certificate("runperf test client CA", None);
    let (cert, key) = certificate(common_name, Some((&ca, &ca_key)));
    [
        ca.to_pem().unwrap(),
        cert.to_pem().unwrap(),
        key.private_key_to_pem_pkcs8().unwrap(),
        key.private_key_to_pem_pkcs8_passphrase(
            openssl::symm::Cipher::aes_256_cbc(),
            passphrase.as_bytes(),
        )
        .unwrap(),
    ]
}

/// Users of a [`tls_cluster`] whose pg_hba.conf entries say how they may
/// connect: [`CERT_USER`] with a client certificate only, [`TLS_USER`]
/// over TLS only, [`PLAIN_USER`] without TLS only (the last two with
/// [`PASSWORD`]).
pub const CERT_USER: &str = "certuser";
pub const TLS_USER: &str = "tlsonly";
pub const PLAIN_USER: &str = "plainonly";
/// The passphrase of the encrypted client key of a [`tls_cluster`].
pub const KEY_PASSPHRASE: &str = "key-passphrase-9";

fn start(bin: &Path, tls: bool) -> Cluster {
    let user = server_user();
    let dir = tempfile::Builder::new()
        .prefix("runperf-pg-")
        .tempdir()
        .expect("temp dir")
        .keep();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    if let Some((uid, gid)) = user {
        std::os::unix::fs::chown(&dir, Some(uid), Some(gid)).expect("chown the cluster dir");
    }
    let pwfile = dir.join("pwfile");
    std::fs::write(&pwfile, format!("{PASSWORD}\n")).unwrap();
    if let Some((uid, gid)) = user {
        std::os::unix::fs::chown(&pwfile, Some(uid), Some(gid)).unwrap();
    }
    let data = dir.join("data");
    let out = as_server_user(&mut Command::new(bin.join("initdb")), user)
        .arg("-D")
        .arg(&data)
        .args([
            "-U",
            USER,
            "--auth=scram-sha-256",
            "-E",
            "UTF8",
            "--no-sync",
        ])
        .arg(format!("--pwfile={}", pwfile.display()))
        .current_dir(&dir)
        .output()
        .expect("initdb runs");
    assert!(
        out.status.success(),
        "initdb failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut ssl = String::new();
    if tls {
        // The server refuses a key readable by others.
        let (cert, key) = self_signed("localhost");
        for (file, pem) in [("server.crt", cert), ("server.key", key)] {
            let path = dir.join(file);
            std::fs::write(&path, &pem).unwrap();
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
            if let Some((uid, gid)) = user {
                std::os::unix::fs::chown(&path, Some(uid), Some(gid)).unwrap();
            }
            std::fs::write(dir.join(format!("client-{file}")), &pem).unwrap();
        }
        // Client certificates signed by a CA of their own, and pg_hba.conf
        // entries (before initdb's) for the users that show the sslmodes.
        let [ca, cert, key, encrypted_key] = client_certificate(CERT_USER, KEY_PASSPHRASE);
        for (file, pem) in [
            ("client-ca.crt", ca),
            ("client.crt", cert),
            ("client.key", key),
            ("client-encrypted.key", encrypted_key),
        ] {
            std::fs::write(dir.join(file), pem).unwrap();
        }
        let hba = data.join("pg_hba.conf");
        let initdb_entries = std::fs::read_to_string(&hba).unwrap();
        std::fs::write(
            &hba,
            format!(
                "hostssl all {CERT_USER} 127.0.0.1/32 cert\n\
                 host all {CERT_USER} 127.0.0.1/32 reject\n\
                 hostnossl all {TLS_USER} 127.0.0.1/32 reject\n\
                 hostssl all {PLAIN_USER} 127.0.0.1/32 reject\n\
                 {initdb_entries}"
            ),
        )
        .unwrap();
        ssl = " -c ssl=on -c ssl_cert_file=\"$0/server.crt\" -c ssl_key_file=\"$0/server.key\" \
               -c ssl_ca_file=\"$0/client-ca.crt\""
            .into();
    }
    let port = free_port();
    let script = format!(
        "trap 'kill -QUIT $pid 2>/dev/null; wait $pid; rm -rf \"$0\"' TERM INT; \
         \"$1\" -D \"$0/data\" -p {port} -k \"$0\" -c listen_addresses=127.0.0.1 \
         -c fsync=off -c max_connections=200{ssl} >\"$0/server.log\" 2>&1 & pid=$!; wait $pid"
    );
    let mut cmd = Command::new("/bin/sh");
    cmd.arg("-c")
        .arg(script)
        .arg(&dir)
        .arg(bin.join("postgres"))
        .current_dir(&dir)
        .stdin(Stdio::null());
    as_server_user(&mut cmd, user);
    unsafe {
        cmd.pre_exec(|| {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM);
            Ok(())
        });
    }
    // The parent-death signal follows the spawning thread: spawn from a
    // thread that lives as long as the test binary.
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let child = cmd.spawn();
        let _ = sender.send(child.map(|c| c.id()));
        loop {
            std::thread::park();
        }
    });
    receiver
        .recv()
        .unwrap()
        .expect("the postgres server starts");
    let started = Instant::now();
    loop {
        let ready = Command::new(bin.join("pg_isready"))
            .args(["-h", "127.0.0.1", "-p", &port.to_string(), "-q"])
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        if ready {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "postgres did not start: {}",
            std::fs::read_to_string(dir.join("server.log")).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let cluster = Cluster { port, dir };
    if tls {
        let mut admin = postgres::Client::connect(&cluster.url("postgres"), postgres::NoTls)
            .expect("connect to the test cluster");
        admin
            .batch_execute(&format!(
                "CREATE ROLE {CERT_USER} LOGIN SUPERUSER; \
                 CREATE ROLE {TLS_USER} LOGIN SUPERUSER PASSWORD '{PASSWORD}'; \
                 CREATE ROLE {PLAIN_USER} LOGIN SUPERUSER PASSWORD '{PASSWORD}'"
            ))
            .expect("create the test roles");
    }
    cluster
}

/// The cluster of this test binary, started on first use; `None` (after
/// a printed reason) when PostgreSQL is not installed, a failure under CI.
pub fn cluster() -> Option<&'static Cluster> {
    static CLUSTER: OnceLock<Option<Cluster>> = OnceLock::new();
    CLUSTER.get_or_init(|| start_if_installed(false)).as_ref()
}

/// A cluster with `ssl=on` and a self-signed certificate for `localhost`
/// (its PEM is `dir/client-server.crt`), started on first use; as
/// [`cluster`] when PostgreSQL is missing.
pub fn tls_cluster() -> Option<&'static Cluster> {
    static CLUSTER: OnceLock<Option<Cluster>> = OnceLock::new();
    CLUSTER.get_or_init(|| start_if_installed(true)).as_ref()
}

fn start_if_installed(tls: bool) -> Option<Cluster> {
    match bin_dir() {
        Some(bin) => Some(start(&bin, tls)),
        None => {
            runperf_plugin_sdk::testing::tool_missing(
                "PostgreSQL's server is not installed (/usr/lib/postgresql/*/bin/initdb); \
                     install Debian's postgresql package to run the PostgreSQL store tests",
            );
            None
        }
    }
}

impl Cluster {
    /// The server's certificate (PEM file) of a [`tls_cluster`].
    pub fn server_cert(&self) -> PathBuf {
        self.dir.join("client-server.crt")
    }

    /// A client certificate file of a [`tls_cluster`]: `client.crt`,
    /// `client.key`, `client-encrypted.key` (with [`KEY_PASSPHRASE`]) or
    /// `client-ca.crt`.
    pub fn client_file(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// The URL of database `db` (with the password).
    pub fn url(&self, db: &str) -> String {
        format!(
            "postgres://{USER}:{PASSWORD}@127.0.0.1:{}/{db}?sslmode=disable",
            self.port
        )
    }

    /// A new empty database, its URL.
    pub fn fresh_database(&self) -> String {
        static COUNT: AtomicUsize = AtomicUsize::new(0);
        let name = format!("t{}", COUNT.fetch_add(1, Ordering::SeqCst));
        let mut client = postgres::Client::connect(&self.url("postgres"), postgres::NoTls)
            .expect("connect to the test cluster");
        client
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .expect("create a test database");
        self.url(&name)
    }
}
