//! Where a history store lives: `sqlite:PATH`, a plain path, or
//! `postgres://USER[:PASSWORD]@HOST[:PORT]/DB[?sslmode=...&sslrootcert=PATH
//! &sslcert=PATH&sslkey=PATH&sslpassword=...]` (`postgresql://` too). The
//! passwords never leave this module unmasked except inside the connection
//! settings.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use super::HistoryError;

/// How long a PostgreSQL connection attempt may take unless the URL sets
/// `connect_timeout`.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// A parsed store location.
#[derive(Clone)]
pub enum StoreUrl {
    /// An SQLite file.
    Sqlite(PathBuf),
    /// A PostgreSQL database.
    Postgres(Box<PostgresUrl>),
}

/// libpq's `sslmode`: whether the connection is encrypted and what of
/// the server's certificate is checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SslMode {
    /// Plain TCP.
    Disable,
    /// Plain TCP, and TLS when the server refuses an unencrypted
    /// connection; the certificate is not checked.
    Allow,
    /// TLS when the server offers it, else plain TCP (the default), and
    /// plain TCP when the TLS connection is refused; the certificate is not
    /// checked.
    Prefer,
    /// TLS or no connection; the certificate is checked only when
    /// `sslrootcert` is given (as libpq does with a root certificate).
    Require,
    /// TLS with a certificate signed by a trusted CA (`sslrootcert` or
    /// the system's roots); the host name is not checked.
    VerifyCa,
    /// As `VerifyCa`, and the certificate must name the host connected to.
    VerifyFull,
}

impl SslMode {
    fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "disable" => SslMode::Disable,
            "allow" => SslMode::Allow,
            "prefer" => SslMode::Prefer,
            "require" => SslMode::Require,
            "verify-ca" => SslMode::VerifyCa,
            "verify-full" => SslMode::VerifyFull,
            _ => return None,
        })
    }

    /// The name as written in a URL.
    pub fn name(self) -> &'static str {
        match self {
            SslMode::Disable => "disable",
            SslMode::Allow => "allow",
            SslMode::Prefer => "prefer",
            SslMode::Require => "require",
            SslMode::VerifyCa => "verify-ca",
            SslMode::VerifyFull => "verify-full",
        }
    }
}

/// Where the CA certificates that verify the server come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RootCerts {
    /// The system's trusted roots (no `sslrootcert`, or
    /// `sslrootcert=system`).
    System,
    /// The PEM certificates of this file, and only them.
    File(PathBuf),
}

/// A PostgreSQL location: the connection settings and the URL to show.
#[derive(Clone)]
pub struct PostgresUrl {
    /// The connection settings (password included).
    pub config: postgres::Config,
    /// The `sslmode` of the URL (`prefer` when absent).
    pub ssl_mode: SslMode,
    /// The CA certificates that verify the server (`sslrootcert`).
    pub root_certs: RootCerts,
    /// The client certificate and its key, when the server asks for one.
    pub client_cert: Option<ClientCert>,
    /// The URL with its passwords replaced by `***`.
    pub masked: String,
    /// The password, to scrub it from server messages.
    pub password: Option<String>,
}

/// A client certificate (`sslcert`, `sslkey`, `sslpassword`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientCert {
    /// PEM file of the certificate (and the chain up to the CA, if any).
    pub cert: PathBuf,
    /// PEM file of its private key (the certificate file when `sslkey` is
    /// not given).
    pub key: PathBuf,
    /// The passphrase of an encrypted key (`sslpassword`).
    pub key_password: Option<String>,
}

impl std::fmt::Debug for StoreUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.display())
    }
}

impl StoreUrl {
    /// Parses a location (see the module doc).
    pub fn parse(text: &str) -> Result<Self, HistoryError> {
        if let Some(path) = text.strip_prefix("sqlite:") {
            let path = path.strip_prefix("//").unwrap_or(path);
            return Ok(StoreUrl::Sqlite(PathBuf::from(path)));
        }
        match text.split_once("://") {
            Some(("postgres" | "postgresql", _)) => {
                Ok(StoreUrl::Postgres(Box::new(PostgresUrl::parse(text)?)))
            }
            Some((scheme, _)) if is_scheme(scheme) => Err(HistoryError::UnknownScheme {
                url: mask_password(text).0,
                scheme: scheme.to_string(),
            }),
            _ => Ok(StoreUrl::Sqlite(PathBuf::from(text))),
        }
    }

    /// The default store: `$XDG_DATA_HOME/runperf/history.sqlite`, else
    /// `~/.local/share/runperf/history.sqlite`.
    pub fn default_location() -> Option<Self> {
        let data = std::env::var_os("XDG_DATA_HOME")
            .filter(|dir| !dir.is_empty() && Path::new(dir).is_absolute())
            .map(PathBuf::from)
            .or_else(|| {
                std::env::var_os("HOME")
                    .filter(|home| !home.is_empty())
                    .map(|home| PathBuf::from(home).join(".local/share"))
            })?;
        Some(StoreUrl::Sqlite(data.join("runperf/history.sqlite")))
    }

    /// The location as shown in messages (no password).
    pub fn display(&self) -> String {
        match self {
            StoreUrl::Sqlite(path) => format!("sqlite:{}", path.display()),
            StoreUrl::Postgres(url) => url.masked.clone(),
        }
    }
}

/// `[a-z][a-z0-9+.-]*`: what looks like a URL scheme, not a path.
fn is_scheme(text: &str) -> bool {
    let mut chars = text.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '.' | '-'))
}

/// The URL with the password of its `user:password@` part and the value
/// of its `sslpassword` option replaced by `***`, and that password.
fn mask_password(url: &str) -> (String, Option<String>) {
    let (masked, password) = mask_user_password(url);
    let Some((base, query)) = masked.split_once('?') else {
        return (masked, password);
    };
    let query: Vec<&str> = query
        .split('&')
        .map(|option| match option.split_once('=') {
            Some(("sslpassword", _)) => "sslpassword=***",
            _ => option,
        })
        .collect();
    (format!("{base}?{}", query.join("&")), password)
}

/// The URL with the password of its `user:password@` part replaced by
/// `***`, and that password.
fn mask_user_password(url: &str) -> (String, Option<String>) {
    let Some((scheme, rest)) = url.split_once("://") else {
        return (url.to_string(), None);
    };
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let Some((userinfo, host)) = authority.rsplit_once('@') else {
        return (url.to_string(), None);
    };
    match userinfo.split_once(':') {
        Some((user, password)) => (
            format!("{scheme}://{user}:***@{host}{tail}"),
            Some(password.to_string()),
        ),
        None => (url.to_string(), None),
    }
}

impl PostgresUrl {
    fn parse(text: &str) -> Result<Self, HistoryError> {
        let (masked, password) = mask_password(text);
        let bad = |reason: String| HistoryError::BadUrl {
            url: masked.clone(),
            reason,
        };
        // The driver knows neither allow, verify-ca/verify-full nor the
        // certificate options: take them out of the URL and handle TLS
        // here (see tls.rs).
        let TlsOptions {
            rest,
            ssl_mode,
            root_cert,
            client_cert,
        } = split_tls_options(text).map_err(&bad)?;
        let mut config = postgres::Config::from_str(&rest).map_err(|e| {
            bad(format!(
                "{}; write postgres://USER[:PASSWORD]@HOST[:PORT]/DB[?OPTION=VALUE&...] with \
                 libpq's options (connect_timeout, application_name, sslmode, ...)",
                scrub(&e.to_string(), password.as_deref())
            ))
        })?;
        if config.get_hosts().is_empty() {
            return Err(bad("no host; write postgres://USER@HOST[:PORT]/DB".into()));
        }
        if config.get_user().is_none() {
            return Err(bad("no user; write postgres://USER@HOST[:PORT]/DB".into()));
        }
        if config.get_dbname().is_none() {
            return Err(bad(
                "no database; write postgres://USER@HOST[:PORT]/DB".into()
            ));
        }
        // `allow` tries plain TCP first (see postgres.rs).
        config.ssl_mode(match ssl_mode {
            SslMode::Disable | SslMode::Allow => postgres::config::SslMode::Disable,
            SslMode::Prefer => postgres::config::SslMode::Prefer,
            _ => postgres::config::SslMode::Require,
        });
        let root_certs = match root_cert {
            Some(path) if path != "system" => RootCerts::File(PathBuf::from(path)),
            _ => RootCerts::System,
        };
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        if config.get_application_name().is_none() {
            config.application_name("runperf history-perf");
        }
        Ok(Self {
            config,
            ssl_mode,
            root_certs,
            client_cert,
            masked,
            password,
        })
    }

    /// `message` with the passwords (if any) replaced by `***`.
    pub fn scrub(&self, message: &str) -> String {
        let key_password = self
            .client_cert
            .as_ref()
            .and_then(|c| c.key_password.as_deref());
        scrub(&scrub(message, self.password.as_deref()), key_password)
    }
}

/// The TLS options of a URL, taken out of it.
struct TlsOptions {
    /// The URL without them.
    rest: String,
    /// `sslmode` (`prefer` when absent).
    ssl_mode: SslMode,
    /// `sslrootcert`, percent-decoded.
    root_cert: Option<String>,
    /// `sslcert`, `sslkey` and `sslpassword`.
    client_cert: Option<ClientCert>,
}

/// `url` without its TLS options, and those options (percent-decoded).
fn split_tls_options(url: &str) -> Result<TlsOptions, String> {
    let Some((base, query)) = url.split_once('?') else {
        return Ok(TlsOptions {
            rest: url.to_string(),
            ssl_mode: SslMode::Prefer,
            root_cert: None,
            client_cert: None,
        });
    };
    let mut kept = Vec::new();
    let mut mode = SslMode::Prefer;
    let mut files: [Option<String>; 3] = Default::default();
    let mut key_password = None;
    for option in query.split('&').filter(|o| !o.is_empty()) {
        let (key, value) = option.split_once('=').unwrap_or((option, ""));
        let value = percent_decode(value);
        let file = match key {
            "sslmode" => {
                mode = SslMode::parse(&value).ok_or_else(|| {
                    format!(
                        "sslmode={value} is not one of disable, allow, prefer, require, verify-ca, verify-full"
                    )
                })?;
                continue;
            }
            "sslpassword" => {
                key_password = Some(value);
                continue;
            }
            "sslrootcert" => 0,
            "sslcert" => 1,
            "sslkey" => 2,
            _ if key.starts_with("ssl") => {
                return Err(format!(
                    "{key} is not supported (the TLS options are sslmode, sslrootcert, sslcert, sslkey and sslpassword); remove it from the URL"
                ));
            }
            _ => {
                kept.push(option);
                continue;
            }
        };
        if value.is_empty() {
            return Err(format!("{key} is empty; write {key}=PATH"));
        }
        files[file] = Some(value);
    }
    let [root_cert, cert, key] = files;
    let client_cert = match (cert, key) {
        (Some(cert), key) => Some(ClientCert {
            key: PathBuf::from(key.as_deref().unwrap_or(&cert)),
            cert: PathBuf::from(cert),
            key_password,
        }),
        (None, Some(key)) => {
            return Err(format!(
                "sslkey={key} without sslcert; give the client certificate as sslcert=PATH too"
            ));
        }
        (None, None) if key_password.is_some() => {
            return Err(
                "sslpassword without sslcert; it is the passphrase of the sslkey file".into(),
            );
        }
        (None, None) => None,
    };
    let rest = if kept.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    Ok(TlsOptions {
        rest,
        ssl_mode: mode,
        root_cert,
        client_cert,
    })
}

/// `%XX` escapes decoded (invalid ones kept as written).
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(byte) = text
                .get(i + 1..i + 3)
                .and_then(|hex| u8::from_str_radix(hex, 16).ok())
        {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `message` with every occurrence of `password` replaced by `***`.
fn scrub(message: &str, password: Option<&str>) -> String {
    match password {
        Some(password) if !password.is_empty() => message.replace(password, "***"),
        _ => message.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_paths_and_sqlite_urls_are_sqlite_files() {
        for (text, path) in [
            ("history.sqlite", "history.sqlite"),
            ("/var/lib/h.db", "/var/lib/h.db"),
            ("sqlite:/tmp/h.db", "/tmp/h.db"),
            ("sqlite://tmp/h.db", "tmp/h.db"),
            ("dir/with:colon", "dir/with:colon"),
        ] {
            match StoreUrl::parse(text).unwrap() {
                StoreUrl::Sqlite(p) => assert_eq!(p, PathBuf::from(path), "{text}"),
                other => panic!("{text}: {other:?}"),
            }
        }
    }

    #[test]
    fn postgres_urls_mask_the_password() {
        let url = StoreUrl::parse("postgres://ci:s3cret@db.lab:5433/perf?sslmode=disable").unwrap();
        assert_eq!(
            url.display(),
            "postgres://ci:***@db.lab:5433/perf?sslmode=disable"
        );
        let url = StoreUrl::parse("postgresql://ci@db.lab/perf").unwrap();
        assert_eq!(url.display(), "postgresql://ci@db.lab/perf");
        let StoreUrl::Postgres(pg) = url else {
            panic!()
        };
        assert_eq!(pg.config.get_connect_timeout(), Some(&CONNECT_TIMEOUT));
        assert_eq!(pg.ssl_mode, SslMode::Prefer);
        assert_eq!(pg.root_certs, RootCerts::System);
    }

    fn pg(text: &str) -> PostgresUrl {
        match StoreUrl::parse(text).unwrap() {
            StoreUrl::Postgres(pg) => *pg,
            other => panic!("{text}: {other:?}"),
        }
    }

    #[test]
    fn every_libpq_sslmode_is_understood() {
        use postgres::config::SslMode as Driver;
        for (mode, ours, driver) in [
            ("disable", SslMode::Disable, Driver::Disable),
            ("allow", SslMode::Allow, Driver::Disable),
            ("prefer", SslMode::Prefer, Driver::Prefer),
            ("require", SslMode::Require, Driver::Require),
            ("verify-ca", SslMode::VerifyCa, Driver::Require),
            ("verify-full", SslMode::VerifyFull, Driver::Require),
        ] {
            let url = pg(&format!(
                "postgres://u:pw@h/db?connect_timeout=3&sslmode={mode}&sslrootcert=%2Fetc%2Fca%20x.pem"
            ));
            assert_eq!(url.ssl_mode, ours, "{mode}");
            assert_eq!(ours.name(), mode);
            assert_eq!(url.config.get_ssl_mode(), driver, "{mode}");
            assert_eq!(url.root_certs, RootCerts::File("/etc/ca x.pem".into()));
            assert_eq!(
                url.config.get_connect_timeout(),
                Some(&Duration::from_secs(3)),
                "other options survive"
            );
            assert!(
                url.masked.contains(&format!("sslmode={mode}")),
                "{}",
                url.masked
            );
        }
        let url = pg("postgres://u@h/db?sslmode=verify-ca&sslrootcert=system");
        assert_eq!(url.root_certs, RootCerts::System);
        assert_eq!(url.client_cert, None);
    }

    #[test]
    fn client_certificates_and_their_passphrase() {
        let url = pg(
            "postgres://u:pw@h/db?sslcert=%2Fcerts%2Fci.crt&sslkey=/certs/ci.key&sslpassword=k%26y&application_name=x",
        );
        assert_eq!(
            url.client_cert,
            Some(ClientCert {
                cert: "/certs/ci.crt".into(),
                key: "/certs/ci.key".into(),
                key_password: Some("k&y".into()),
            })
        );
        assert_eq!(
            url.masked,
            "postgres://u:***@h/db?sslcert=%2Fcerts%2Fci.crt&sslkey=/certs/ci.key&sslpassword=***&application_name=x"
        );
        assert_eq!(url.scrub("bad k&y or pw"), "bad *** or ***");
        // Without sslkey the key is read from the certificate's file.
        let url = pg("postgres://u@h/db?sslcert=/c.pem");
        assert_eq!(url.client_cert.unwrap().key, PathBuf::from("/c.pem"));
        for (query, says) in [
            ("sslkey=/k.pem", "sslkey=/k.pem without sslcert"),
            ("sslpassword=s3", "sslpassword without sslcert"),
            ("sslcert=", "sslcert is empty"),
            ("sslcrl=/crl.pem", "sslcrl is not supported"),
        ] {
            let err = StoreUrl::parse(&format!("postgres://u:pw@h/db?{query}"))
                .unwrap_err()
                .to_string();
            assert!(err.contains(says), "{err}");
            assert!(!err.contains("s3") && !err.contains(":pw"), "{err}");
        }
    }

    #[test]
    fn bad_urls_are_refused_without_the_password() {
        let err = StoreUrl::parse("mysql://u:pw@h/db")
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown store URL scheme \"mysql\""), "{err}");
        assert!(!err.contains("pw@"), "{err}");
        let err = StoreUrl::parse("postgres://u:pw@h/db?sslmode=bogus")
            .unwrap_err()
            .to_string();
        assert!(err.contains("not a usable PostgreSQL URL"), "{err}");
        assert!(err.contains("sslmode=bogus is not one of disable"), "{err}");
        assert!(!err.contains(":pw"), "{err}");
        let err = StoreUrl::parse("postgres://u:pw@h/db?sslrootcert=")
            .unwrap_err()
            .to_string();
        assert!(err.contains("sslrootcert is empty"), "{err}");
        assert!(!err.contains(":pw"), "{err}");
        let err = StoreUrl::parse("postgres://h/db").unwrap_err().to_string();
        assert!(err.contains("no user"), "{err}");
    }
}
