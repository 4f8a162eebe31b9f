//! [`Masker`]: hides registered secrets in anything written to logs.

use std::sync::{Arc, RwLock};

/// What a secret is replaced by.
pub const MASKED: &str = "MASKED";

/// A shared list of secrets (passwords, metadata values). Clones share the
/// list, so the orchestration registers once and every log sees it.
#[derive(Debug, Clone, Default)]
pub struct Masker {
    secrets: Arc<RwLock<Vec<String>>>,
}

impl Masker {
    /// An empty masker.
    pub fn new() -> Self {
        Self::default()
    }

    /// Register a secret; empty strings are ignored.
    pub fn register(&self, secret: impl Into<String>) {
        let secret = secret.into();
        if secret.is_empty() {
            return;
        }
        let mut secrets = self.secrets.write().unwrap_or_else(|p| p.into_inner());
        if !secrets.contains(&secret) {
            secrets.push(secret);
            // Longest first, so a secret containing another is masked whole.
            secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        }
    }

    /// `text` with every registered secret replaced by [`MASKED`].
    pub fn mask(&self, text: &str) -> String {
        let secrets = self.secrets.read().unwrap_or_else(|p| p.into_inner());
        secrets.iter().fold(text.to_string(), |acc, secret| {
            acc.replace(secret.as_str(), MASKED)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_every_secret_in_shared_clones() {
        let masker = Masker::new();
        let shared = masker.clone();
        masker.register("hunter2");
        masker.register("hunter2-long");
        masker.register("");
        assert_eq!(
            shared.mask("pw=hunter2-long and hunter2, hunter2"),
            "pw=MASKED and MASKED, MASKED"
        );
        assert_eq!(shared.mask("nothing here"), "nothing here");
    }
}
