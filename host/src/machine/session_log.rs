//! [`SessionLog`]: the per-machine record of every command sent to it
//! (`__sessions__/HOST` in the result tree), with secrets masked.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use super::masker::Masker;

/// Appends commands sent to one machine to `DIR/<machine name>`. Clones
/// share the target, so the orchestration can move it (result root, then
/// each profile's `__sessions__`) while transports keep logging.
#[derive(Debug, Clone)]
pub struct SessionLog {
    file_name: String,
    masker: Masker,
    dir: Arc<Mutex<Option<PathBuf>>>,
}

/// A file name derived from a machine name that stays inside its directory.
pub(crate) fn safe_file_name(name: &str) -> String {
    let mut out: String = name
        .chars()
        .take(255)
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ':' | '@') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if out.starts_with('.') || out.is_empty() {
        out.replace_range(..out.len().min(1), "_");
    }
    out
}

impl SessionLog {
    /// A log for machine `name`, not yet writing anywhere.
    pub fn new(name: &str, masker: Masker) -> Self {
        Self {
            file_name: safe_file_name(name),
            masker,
            dir: Arc::new(Mutex::new(None)),
        }
    }

    /// Write from now on into `dir` (created when needed); `None` stops.
    pub fn set_dir(&self, dir: Option<&Path>) {
        *self.dir.lock().unwrap_or_else(|p| p.into_inner()) = dir.map(Path::to_path_buf);
    }

    /// The file currently written, if any.
    pub fn path(&self) -> Option<PathBuf> {
        let dir = self.dir.lock().unwrap_or_else(|p| p.into_inner());
        dir.as_ref().map(|d| d.join(&self.file_name))
    }

    /// The masker used for every line.
    pub fn masker(&self) -> &Masker {
        &self.masker
    }

    /// Record a command as sent.
    pub fn command(&self, line: &str) {
        self.append(&format!("{line}\n"));
    }

    /// Record a stage marker, e.g. "Applying profile X".
    pub fn stage(&self, what: &str) {
        self.append(&format!("\n#\n# {what}\n#\n"));
    }

    fn append(&self, text: &str) {
        let Some(path) = self.path() else {
            return;
        };
        let masked = self.masker.mask(text);
        let result = path
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| OpenOptions::new().create(true).append(true).open(&path))
            .and_then(|mut file| file.write_all(masked.as_bytes()));
        if let Err(err) = result {
            tracing::warn!("cannot write session log {}: {err}", path.display());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_cannot_escape_the_sessions_dir() {
        assert_eq!(safe_file_name("../../etc/passwd"), "_._.._etc_passwd");
        assert_eq!(safe_file_name("h1.example.org"), "h1.example.org");
        assert_eq!(safe_file_name(""), "_");
        assert_eq!(safe_file_name("a/b"), "a_b");
    }

    #[test]
    fn commands_are_appended_masked_and_follow_the_dir() {
        let tmp = tempfile::tempdir().unwrap();
        let masker = Masker::new();
        masker.register("s3cret");
        let log = SessionLog::new("host1", masker);
        log.command("not written yet");
        let first = tmp.path().join("__sessions__");
        log.clone().set_dir(Some(&first));
        log.command("echo s3cret");
        log.stage("Applying profile Localhost");
        let text = std::fs::read_to_string(first.join("host1")).unwrap();
        assert_eq!(text, "echo MASKED\n\n#\n# Applying profile Localhost\n#\n");
        let second = tmp.path().join("P/__sessions__");
        log.set_dir(Some(&second));
        log.command("true");
        assert_eq!(
            std::fs::read_to_string(second.join("host1")).unwrap(),
            "true\n"
        );
    }
}
