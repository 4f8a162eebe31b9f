//! Where a history store lives: `sqlite:PATH`, a plain path, or
//! `postgres://USER[:PASSWORD]@HOST[:PORT]/DB[?sslmode=...]`
//! (`postgresql://` too). The password never leaves this module unmasked
//! except inside the connection settings.

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

/// A PostgreSQL location: the connection settings and the URL to show.
#[derive(Clone)]
pub struct PostgresUrl {
    /// The connection settings (password included).
    pub config: postgres::Config,
    /// The URL with its password replaced by `***`.
    pub masked: String,
    /// The password, to scrub it from server messages.
    pub password: Option<String>,
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

/// The URL with the password of its `user:password@` part replaced by
/// `***`, and that password.
fn mask_password(url: &str) -> (String, Option<String>) {
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
        let mut config = postgres::Config::from_str(text)
            .map_err(|e| bad(scrub(&e.to_string(), password.as_deref())))?;
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
        match config.get_ssl_mode() {
            postgres::config::SslMode::Disable | postgres::config::SslMode::Prefer => {}
            other => {
                return Err(HistoryError::TlsUnsupported {
                    url: masked,
                    mode: format!("{other:?}").to_lowercase(),
                });
            }
        }
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        if config.get_application_name().is_none() {
            config.application_name("runperf history-perf");
        }
        Ok(Self {
            config,
            masked,
            password,
        })
    }

    /// `message` with the password (if any) replaced by `***`.
    pub fn scrub(&self, message: &str) -> String {
        scrub(message, self.password.as_deref())
    }
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
    }

    #[test]
    fn bad_urls_are_refused_without_the_password() {
        let err = StoreUrl::parse("mysql://u:pw@h/db")
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown store URL scheme \"mysql\""), "{err}");
        assert!(!err.contains("pw@"), "{err}");
        let err = StoreUrl::parse("postgres://u:pw@h/db?sslmode=require")
            .unwrap_err()
            .to_string();
        assert!(err.contains("sslmode=require needs TLS"), "{err}");
        assert!(!err.contains(":pw"), "{err}");
        let err = StoreUrl::parse("postgres://u:pw@h/db?sslmode=bogus")
            .unwrap_err()
            .to_string();
        assert!(err.contains("not a usable PostgreSQL URL"), "{err}");
        assert!(!err.contains(":pw"), "{err}");
        let err = StoreUrl::parse("postgres://h/db").unwrap_err().to_string();
        assert!(err.contains("no user"), "{err}");
    }
}
