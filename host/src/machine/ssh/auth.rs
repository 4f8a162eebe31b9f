//! Authentication (agent, key files, passwords) and installing our public
//! key after a password login, the way `ssh-copy-id` does.

use std::path::PathBuf;

use ssh2::{KeyboardInteractivePrompt, Prompt, Session};

use super::SshConfig;
use crate::machine::command::Command;
use crate::machine::error::TransportError;

/// How the session got in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Method {
    Agent,
    Key,
    Password,
}

/// Answers every keyboard-interactive prompt with one password.
struct PasswordPrompt<'a>(&'a str);

impl KeyboardInteractivePrompt for PasswordPrompt<'_> {
    fn prompt<'b>(
        &mut self,
        _user: &str,
        _instructions: &str,
        prompts: &[Prompt<'b>],
    ) -> Vec<String> {
        prompts.iter().map(|_| self.0.to_string()).collect()
    }
}

/// Try the agent, then key files, then each password; the session is in
/// blocking mode (with a timeout) here.
pub(crate) fn authenticate(
    session: &Session,
    config: &SshConfig,
    host: &str,
) -> Result<Method, TransportError> {
    let user = config.user.as_str();
    let mut tried = Vec::new();
    if config.use_agent && std::env::var_os("SSH_AUTH_SOCK").is_some() {
        tried.push("agent".to_string());
        if session.userauth_agent(user).is_ok() && session.authenticated() {
            return Ok(Method::Agent);
        }
    }
    for key in config.identity_files() {
        tried.push(format!("key {}", key.display()));
        if session.userauth_pubkey_file(user, None, &key, None).is_ok() && session.authenticated() {
            return Ok(Method::Key);
        }
    }
    for (index, password) in config.passwords.iter().enumerate() {
        tried.push(format!("password #{}", index + 1));
        if session.userauth_password(user, password).is_ok() && session.authenticated() {
            return Ok(Method::Password);
        }
        let mut prompt = PasswordPrompt(password);
        if session
            .userauth_keyboard_interactive(user, &mut prompt)
            .is_ok()
            && session.authenticated()
        {
            return Ok(Method::Password);
        }
    }
    if tried.is_empty() {
        tried.push("nothing: no agent, no key file, no password".into());
    }
    Err(TransportError::Auth {
        host: host.to_string(),
        user: user.to_string(),
        tried: tried.join(", "),
    })
}

/// The public key to install: the explicit key's `.pub`, else the first
/// `~/.ssh/id_*.pub` that exists.
pub(crate) fn public_key(config: &SshConfig) -> Option<(PathBuf, String)> {
    config.identity_files().into_iter().find_map(|key| {
        let mut pub_path = key.into_os_string();
        pub_path.push(".pub");
        let pub_path = PathBuf::from(pub_path);
        let text = std::fs::read_to_string(&pub_path).ok()?;
        let line = text
            .lines()
            .find(|l| !l.trim().is_empty())?
            .trim()
            .to_string();
        Some((pub_path, line))
    })
}

/// A command appending `key` to `~/.ssh/authorized_keys` unless present,
/// with the permissions sshd insists on.
pub(crate) fn install_key_command(key: &str) -> Command {
    let key = shell_words::quote(key);
    Command::shell(format!(
        "umask 077 && mkdir -p ~/.ssh && touch ~/.ssh/authorized_keys && \
         chmod 700 ~/.ssh && chmod 600 ~/.ssh/authorized_keys && \
         {{ grep -qxF -- {key} ~/.ssh/authorized_keys || {{ \
         if [ -s ~/.ssh/authorized_keys ] && [ -n \"$(tail -c 1 ~/.ssh/authorized_keys)\" ]; then echo >> ~/.ssh/authorized_keys; fi; \
         printf '%s\\n' {key} >> ~/.ssh/authorized_keys; }}; }} && \
         {{ command -v restorecon >/dev/null 2>&1 && restorecon -F ~/.ssh ~/.ssh/authorized_keys || true; }}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_install_is_idempotent_and_keeps_other_keys() {
        let home = tempfile::tempdir().unwrap();
        let ssh = home.path().join(".ssh");
        std::fs::create_dir(&ssh).unwrap();
        // An existing key without a final newline must stay intact.
        std::fs::write(ssh.join("authorized_keys"), "ssh-ed25519 AAAAold other").unwrap();
        let key = "ssh-ed25519 AAAAnew me@here $(touch /tmp/pwned-key)";
        let line = install_key_command(key).shell_line();
        for _ in 0..2 {
            let status = std::process::Command::new("sh")
                .arg("-c")
                .arg(&line)
                .env("HOME", home.path())
                .status()
                .unwrap();
            assert!(status.success());
        }
        let text = std::fs::read_to_string(ssh.join("authorized_keys")).unwrap();
        assert_eq!(text, format!("ssh-ed25519 AAAAold other\n{key}\n"));
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(ssh.join("authorized_keys"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        assert!(!std::path::Path::new("/tmp/pwned-key").exists());
    }
}
