//! `RUNPERF_METADATA`: the `key:value` lines describing a whole run.

use std::path::Path;

/// Metadata of one result, in file order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Metadata {
    entries: Vec<(String, String)>,
}

impl Metadata {
    /// Reads `RESULT/RUNPERF_METADATA`; a missing file gives empty metadata
    /// (the reference then reports every key as "Unknown"). Lines without
    /// a `:` are logged and skipped.
    pub fn load(result_dir: &Path) -> Self {
        match Self::read_text(result_dir) {
            Some(text) => Self::parse(&text, result_dir),
            None => Self::default(),
        }
    }

    /// The text of `RESULT/RUNPERF_METADATA` (invalid UTF-8 replaced),
    /// `None` when it cannot be read.
    pub fn read_text(result_dir: &Path) -> Option<String> {
        let bytes = std::fs::read(result_dir.join("RUNPERF_METADATA")).ok()?;
        Some(String::from_utf8_lossy(&bytes).into_owned())
    }

    /// Parses metadata text as [`Metadata::load`] does; `result_dir` names
    /// the result in the warning about a line without a `:`.
    pub fn parse(text: &str, result_dir: &Path) -> Self {
        let mut entries = Vec::new();
        for line in text.lines() {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            match line.split_once(':') {
                Some((key, value)) => entries.push((key.to_string(), value.to_string())),
                None => tracing::warn!(
                    "Unable to parse metadata of {}: {line}",
                    result_dir.display()
                ),
            }
        }
        Self { entries }
    }

    /// The value of `key` (the last one when repeated).
    pub fn get(&self, key: &str) -> Option<&str> {
        self.entries
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// All entries in file order.
    pub fn entries(&self) -> &[(String, String)] {
        &self.entries
    }
}
