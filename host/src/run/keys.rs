//! The controller's SSH key: what workers (VMs) must accept so that
//! run-perf can log into them.

use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::machine::SshConfig;

fn public_of(private: &Path) -> PathBuf {
    let mut name = private.as_os_str().to_owned();
    name.push(".pub");
    PathBuf::from(name)
}

/// The public key matching the identity run-perf logs in with: the
/// `.pub` next to `--ssh-key` or the first `~/.ssh/id_*`; when there is
/// none, `~/.ssh/id_ed25519` is created (as the reference created a key
/// on the host).
pub fn controller_public_key(ssh: &SshConfig) -> anyhow::Result<String> {
    if let Some(private) = ssh.identity_files().first() {
        let public = public_of(private);
        return std::fs::read_to_string(&public)
            .map(|k| k.trim().to_owned())
            .with_context(|| {
                format!(
                    "cannot read the public key {} of {}",
                    public.display(),
                    private.display()
                )
            });
    }
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .context("HOME is not set")?;
    let private = home.join(".ssh/id_ed25519");
    std::fs::create_dir_all(home.join(".ssh")).context("cannot create ~/.ssh")?;
    tracing::info!(
        "no SSH key found; creating {} for logging into workers",
        private.display()
    );
    let status = std::process::Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "runperf", "-f"])
        .arg(&private)
        .status()
        .context("cannot run ssh-keygen (install openssh-client)")?;
    anyhow::ensure!(
        status.success(),
        "ssh-keygen failed to create {}",
        private.display()
    );
    let public = public_of(&private);
    Ok(std::fs::read_to_string(&public)
        .with_context(|| format!("cannot read {}", public.display()))?
        .trim()
        .to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_next_to_the_identity_is_used() {
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("key");
        std::fs::write(&key, "private").unwrap();
        std::fs::write(dir.path().join("key.pub"), "ssh-ed25519 AAAA test\n").unwrap();
        let ssh = SshConfig {
            identity: Some(key),
            ..SshConfig::default()
        };
        assert_eq!(
            controller_public_key(&ssh).unwrap(),
            "ssh-ed25519 AAAA test"
        );
    }
}
