//! Reading a model file: the one reader behind compare-perf's models
//! (`--model-linear-regression`) and analyze-perf's `--rebase-model`.
//!
//! A model is a JSON object. Versioned files (written by analyze-perf's
//! `-l`, version 2, and `-s`, version 1) carry `__metadata__` (`version`,
//! `tolerance`) and one entry per check, `{"equation": [a, b], "raw": avg,
//! "mmin": .., "mmax": ..}`. Files without `__metadata__` are the old
//! format `{CHECK: [a, b]}`; they are upgraded on reading to
//! `{CHECK: {"raw": null, "equation": [a, b]}}`, as runperf 1.2 does, so
//! that every reader sees one shape.

use std::path::{Path, PathBuf};

use crate::strip::python_json::PyValue;

/// The key of a model's metadata entry.
pub const METADATA: &str = "__metadata__";

/// A model file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// The file cannot be read.
    #[error("cannot read the model {path}: {source}")]
    Read {
        /// The model file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The file, or one of its entries, is not what a model holds.
    #[error("{path} is not a run-perf model ({reason}); pass a file written by analyze-perf -l/-s")]
    Format {
        /// The model file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
}

impl ModelError {
    /// `path` is not a model because of `reason`.
    pub fn format(path: &Path, reason: impl Into<String>) -> Self {
        Self::Format {
            path: path.to_path_buf(),
            reason: reason.into(),
        }
    }
}

/// The entries of the model file at `path`, in file order, with the old
/// format upgraded (see the module doc). `__metadata__`, when present, is
/// one of the entries.
pub fn read_entries(path: &Path) -> Result<Vec<(String, PyValue)>, ModelError> {
    let bytes = std::fs::read(path).map_err(|source| ModelError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let value: serde_json::Value =
        serde_json::from_slice(&bytes).map_err(|err| ModelError::format(path, err.to_string()))?;
    let PyValue::Dict(mut entries) = PyValue::from(value) else {
        return Err(ModelError::format(
            path,
            "the top level is not a JSON object",
        ));
    };
    if !entries.iter().any(|(key, _)| key == METADATA) {
        for (_, entry) in &mut entries {
            let equation = std::mem::replace(entry, PyValue::Null);
            *entry = PyValue::Dict(vec![
                ("raw".into(), PyValue::Null),
                ("equation".into(), equation),
            ]);
        }
    }
    Ok(entries)
}

/// A `model.json` holding `content` in a new temporary directory (kept
/// while the returned handle lives), for the tests of model readers.
#[cfg(test)]
pub(crate) fn write_test_model(content: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.json");
    std::fs::write(&path, content).unwrap();
    (dir, path)
}

#[cfg(test)]
mod tests {
    use super::write_test_model as write;
    use super::*;

    #[test]
    fn the_old_format_is_upgraded_in_file_order() {
        let (_d, path) = write(r#"{"b.mean": [2, 1], "a.mean": [0.5, -3.0]}"#);
        let entries = read_entries(&path).unwrap();
        let keys: Vec<&str> = entries.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["b.mean", "a.mean"]);
        assert_eq!(entries[0].1.get("raw"), Some(&PyValue::Null));
        assert_eq!(
            entries[1].1.get("equation"),
            Some(&PyValue::List(vec![
                PyValue::Float(0.5),
                PyValue::Float(-3.0)
            ]))
        );
    }

    #[test]
    fn versioned_files_are_kept_as_written() {
        let (_d, path) =
            write(r#"{"__metadata__": {"version": 2}, "a.mean": {"equation": [1, 0], "x": 1}}"#);
        let entries = read_entries(&path).unwrap();
        assert_eq!(entries[0].0, METADATA);
        assert_eq!(entries[1].1.get("x"), Some(&PyValue::Int(1)));
        assert_eq!(entries[1].1.get("raw"), None);
    }

    #[test]
    fn unreadable_and_malformed_files_name_the_path() {
        let (dir, path) = write("[1, 2]");
        let err = read_entries(&path).unwrap_err().to_string();
        assert!(err.contains("model.json is not a run-perf model"), "{err}");
        let err = read_entries(&dir.path().join("missing.json"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("cannot read the model") && err.contains("missing.json"),
            "{err}"
        );
        let (_d, path) = write("{\"__metadata__\": ");
        assert!(read_entries(&path).is_err());
    }
}
