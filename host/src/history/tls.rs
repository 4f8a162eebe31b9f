//! TLS for the PostgreSQL backend, with libpq's `sslmode` semantics:
//! `disable` plain TCP; `allow` plain, TLS when the server refuses plain;
//! `prefer` TLS when the server offers it, else plain (and plain when the
//! server refuses TLS); `require` TLS without checking the certificate
//! (checked as `verify-ca` when `sslrootcert` is given, as libpq does);
//! `verify-ca` a certificate signed by `sslrootcert` (else the system's
//! roots); `verify-full` that, and the certificate names the host. A
//! client certificate (`sslcert`, `sslkey`, `sslpassword`) is presented
//! whenever the connection is encrypted.

use openssl::pkey::{PKey, Private};
use openssl::ssl::{SslConnector, SslConnectorBuilder, SslMethod, SslVerifyMode};
use openssl::x509::X509;
use openssl::x509::store::X509StoreBuilder;
use postgres_openssl::MakeTlsConnector;

use super::HistoryError;
use super::url::{ClientCert, PostgresUrl, RootCerts, SslMode};

/// Whether the server's certificate is checked against trusted roots.
pub fn verifies(url: &PostgresUrl) -> bool {
    match url.ssl_mode {
        SslMode::Disable | SslMode::Allow | SslMode::Prefer => false,
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
    if let Some(client) = &url.client_cert {
        use_client_cert(&mut builder, client).map_err(open_error)?;
    }
    let mut connector = MakeTlsConnector::new(builder.build());
    let check_host = url.ssl_mode == SslMode::VerifyFull;
    connector.set_callback(move |config, _host| {
        config.set_verify_hostname(check_host);
        Ok(())
    });
    Ok(connector)
}

/// Presents `client`'s certificate (and the chain its file holds) with
/// its key; an error naming the file and what to do otherwise.
fn use_client_cert(builder: &mut SslConnectorBuilder, client: &ClientCert) -> Result<(), String> {
    let cert_file = client.cert.display();
    let read = |path: &std::path::Path, option: &str| {
        std::fs::read(path).map_err(|e| {
            format!(
                "{option}={}: cannot read it ({e}); point {option} at the PEM file of the client {}",
                path.display(),
                if option == "sslcert" { "certificate" } else { "certificate's private key" }
            )
        })
    };
    let pem = read(&client.cert, "sslcert")?;
    let mut chain = X509::stack_from_pem(&pem).unwrap_or_default().into_iter();
    let Some(cert) = chain.next() else {
        return Err(format!(
            "sslcert={cert_file}: holds no PEM certificate; point sslcert at the client certificate"
        ));
    };
    let set = |e: openssl::error::ErrorStack| format!("sslcert={cert_file}: cannot use it ({e})");
    builder.set_certificate(&cert).map_err(set)?;
    for extra in chain {
        builder.add_extra_chain_cert(extra).map_err(set)?;
    }
    let key_option = if client.key == client.cert {
        "sslcert"
    } else {
        "sslkey"
    };
    let key_pem = if client.key == client.cert {
        pem
    } else {
        read(&client.key, "sslkey")?
    };
    let key = private_key(&key_pem, client.key_password.as_deref())
        .map_err(|why| format!("{key_option}={}: {why}", client.key.display()))?;
    // OpenSSL checks here that the key is the certificate's.
    builder
        .set_private_key(&key)
        .and_then(|()| builder.check_private_key())
        .map_err(|_| {
            format!(
                "{key_option}={} is not the key of sslcert={cert_file}; give the certificate's own key",
                client.key.display()
            )
        })
}

/// The private key of a PEM file, decrypted with `password` when it is
/// encrypted (never asking on the terminal).
fn private_key(pem: &[u8], password: Option<&str>) -> Result<PKey<Private>, String> {
    let mut encrypted = false;
    let key = PKey::private_key_from_pem_callback(pem, |buf| {
        encrypted = true;
        let password = password.unwrap_or("").as_bytes();
        let n = password.len().min(buf.len());
        buf[..n].copy_from_slice(&password[..n]);
        Ok(n)
    });
    match key {
        Ok(key) => Ok(key),
        Err(_) if encrypted && password.is_none() => Err(
            "the private key is encrypted; give its passphrase as sslpassword=... in the URL (better in RUNPERF_HISTORY than on the command line)".into(),
        ),
        Err(_) if encrypted => Err("cannot decrypt the private key with sslpassword; check the passphrase".into()),
        Err(_) => Err("holds no PEM private key; point sslkey at the client certificate's key".into()),
    }
}

/// What to do about a failed connection under this sslmode, if the
/// failure is about TLS.
pub fn advice(url: &PostgresUrl, message: &str) -> Option<String> {
    if message.contains("requires a valid client certificate") {
        return Some(match &url.client_cert {
            None => "the server asks for a client certificate; give it in the URL as sslcert=PATH&sslkey=PATH".into(),
            Some(_) => "the server asks for a client certificate and got none: a connection without TLS sends none; use sslmode=require".into(),
        });
    }
    if message.contains("certificate authentication failed") {
        return Some("the server accepted the client certificate but its common name (CN) is not the user of the URL; connect as the user the certificate names, or map it in the server's pg_ident.conf".into());
    }
    if let Some(client) = &url.client_cert
        && (message.contains("unknown ca")
            || message.contains("certificate unknown")
            || message.contains("bad certificate"))
    {
        return Some(format!(
            "the server does not accept the client certificate sslcert={}; it must be signed by a CA of the server's ssl_ca_file",
            client.cert.display()
        ));
    }
    // Under TLS 1.3 the server checks the client certificate after the
    // handshake: its refusal may reach the client as a reset connection.
    if let Some(client) = &url.client_cert
        && (message.contains("Connection reset by peer") || message.contains("unexpected EOF"))
    {
        return Some(format!(
            "the server closed the connection, as it does when it does not accept the client certificate sslcert={}; check that a CA of the server's ssl_ca_file signed it (the server's log says why)",
            client.cert.display()
        ));
    }
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
