//! TLS for the PostgreSQL backend, with libpq's `sslmode` semantics:
//! `disable` plain TCP; `prefer` TLS when the server offers it, else
//! plain; `require` TLS without checking the certificate (checked as
//! `verify-ca` when `sslrootcert` is given, as libpq does); `verify-ca`
//! a certificate signed by `sslrootcert` (else the system's roots);
//! `verify-full` that, and the certificate names the host.

use openssl::ssl::{SslConnector, SslMethod, SslVerifyMode};
use openssl::x509::X509;
use openssl::x509::store::X509StoreBuilder;
use postgres_openssl::MakeTlsConnector;

use super::HistoryError;
use super::url::{PostgresUrl, RootCerts, SslMode};

/// Whether the server's certificate is checked against trusted roots.
pub fn verifies(url: &PostgresUrl) -> bool {
    match url.ssl_mode {
        SslMode::Disable | SslMode::Prefer => false,
        SslMode::Require => matches!(url.root_certs, RootCerts::File(_)),
        SslMode::VerifyCa | SslMode::VerifyFull => true,
    }
}

/// The TLS connector for `url` (unused by the driver under `disable`).
pub fn connector(url: &PostgresUrl) -> Result<MakeTlsConnector, HistoryError> {
    let open_error = |reason: String| HistoryError::Open {
        url: url.masked.clone(),
        reason,
    };
    let setup = |e: openssl::error::ErrorStack| open_error(format!("cannot set up TLS: {e}"));
    let mut builder = SslConnector::builder(SslMethod::tls_client()).map_err(setup)?;
    let verify = verifies(url);
    if verify {
        if let RootCerts::File(path) = &url.root_certs {
            let bad_file = |what: String| {
                open_error(format!(
                    "sslrootcert={}: {what}; point sslrootcert at the PEM file of the CA that signed the server's certificate",
                    path.display()
                ))
            };
            let pem = std::fs::read(path).map_err(|e| bad_file(format!("cannot read it ({e})")))?;
            let certs = X509::stack_from_pem(&pem)
                .map_err(|e| bad_file(format!("not PEM certificates ({e})")))?;
            if certs.is_empty() {
                return Err(bad_file("holds no certificate".into()));
            }
            // Only the file's certificates are trusted, as with libpq.
            let mut store = X509StoreBuilder::new().map_err(setup)?;
            for cert in certs {
                store.add_cert(cert).map_err(setup)?;
            }
            builder.set_cert_store(store.build());
        }
        builder.set_verify(SslVerifyMode::PEER);
    } else {
        builder.set_verify(SslVerifyMode::NONE);
    }
    let mut connector = MakeTlsConnector::new(builder.build());
    let check_host = url.ssl_mode == SslMode::VerifyFull;
    connector.set_callback(move |config, _host| {
        config.set_verify_hostname(check_host);
        Ok(())
    });
    Ok(connector)
}

/// What to do about a failed connection under this sslmode, if the
/// failure is about TLS.
pub fn advice(url: &PostgresUrl, message: &str) -> Option<String> {
    if !message.contains("TLS") {
        return None;
    }
    let mode = url.ssl_mode.name();
    if message.contains("server does not support TLS") {
        return Some(format!(
            "the server does not offer TLS and sslmode={mode} needs it; enable ssl on the server, or use sslmode=prefer or sslmode=disable"
        ));
    }
    if verifies(url) && message.contains("certificate verify failed") {
        let roots = match &url.root_certs {
            RootCerts::File(path) => format!("sslrootcert={}", path.display()),
            RootCerts::System => "the system's trusted roots (no sslrootcert given)".into(),
        };
        let what = if message.contains("hostname mismatch")
            || message.contains("IP address mismatch")
        {
            "the server's certificate does not name the host of the URL (sslmode=verify-full); connect by a name the certificate lists, or use sslmode=verify-ca".to_string()
        } else {
            format!(
                "the server's certificate is not signed by {roots}; point sslrootcert at the CA that signed it, or use sslmode=require to encrypt without verifying"
            )
        };
        return Some(what);
    }
    None
}
