//! OpenSSH client configuration (`~/.ssh/config`): a lab's host aliases,
//! ports, users and keys apply to run-perf's connections as they do to
//! `ssh`, unless the command line says otherwise.

use std::{io::BufReader, path::PathBuf};

use ssh2_config::{ParseRule, SshConfig as ClientConfig};

use crate::machine::SshConfig;

/// Where to connect for one host, after `~/.ssh/config`.
#[derive(Debug, Clone)]
pub struct Endpoint {
    /// `HOST` or `HOST:PORT` to connect to.
    pub connect: String,
    /// Settings for the connection.
    pub ssh: SshConfig,
}

fn load() -> Option<ClientConfig> {
    let path = PathBuf::from(std::env::var_os("HOME")?).join(".ssh/config");
    let file = std::fs::File::open(&path).ok()?;
    match ClientConfig::default().parse(&mut BufReader::new(file), ParseRule::ALLOW_UNKNOWN_FIELDS)
    {
        Ok(config) => Some(config),
        Err(err) => {
            tracing::warn!("ignoring {}: {err}", path.display());
            None
        }
    }
}

/// Resolves `address` (`HOST` or `HOST:PORT` from `--hosts`) through the
/// user's `~/.ssh/config`: `HostName`, `Port`, `User` and `IdentityFile`
/// fill what the command line left unset (`user_given`, `key_given`, an
/// explicit port).
pub fn resolve(address: &str, base: &SshConfig, user_given: bool, key_given: bool) -> Endpoint {
    let (host, port) = match address.rsplit_once(':') {
        Some((h, p)) if p.parse::<u16>().is_ok() => (h, Some(p)),
        _ => (address, None),
    };
    let mut ssh = base.clone();
    let Some(config) = load() else {
        return Endpoint {
            connect: address.to_owned(),
            ssh,
        };
    };
    let params = config.query(host);
    let target = params.host_name.unwrap_or_else(|| host.to_owned());
    let port = match (port, params.port) {
        (Some(p), _) => Some(p.to_owned()),
        (None, Some(p)) => Some(p.to_string()),
        (None, None) => None,
    };
    if !user_given && let Some(user) = params.user {
        ssh.user = user;
    }
    if !key_given
        && let Some(key) = params
            .identity_file
            .and_then(|keys| keys.into_iter().next())
    {
        ssh.identity = Some(key);
    }
    let connect = match port {
        Some(p) => format!("{target}:{p}"),
        None => target,
    };
    if connect != address {
        tracing::debug!("{address} is {connect} per ~/.ssh/config");
    }
    Endpoint { connect, ssh }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_ports_users_and_keys_come_from_the_client_config() {
        let config = ClientConfig::default()
            .parse(
                &mut "Host foo.example.org\n  HostName 127.0.0.1\n  Port 2222\n  User lab\n  IdentityFile /keys/lab\n".as_bytes(),
                ParseRule::ALLOW_UNKNOWN_FIELDS,
            )
            .unwrap();
        let params = config.query("foo.example.org");
        assert_eq!(params.host_name.as_deref(), Some("127.0.0.1"));
        assert_eq!(params.port, Some(2222));
        assert_eq!(params.user.as_deref(), Some("lab"));
    }
}
