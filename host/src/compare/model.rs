//! Linear models trained by analyze-perf (`-l`/`-s`) and how a model turns
//! a target value into score parts.
//!
//! Three file formats are read: version 2 (linear) and version 1 (stddev)
//! `{"__metadata__": {...}, CHECK: {"equation": [a, b], "raw": avg,
//! "mmin": .., "mmax": ..}}`, and the old unversioned `{CHECK: [a, b]}`.

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::record::{Contribution, PartKind};
use crate::name_map::NameMap;
use crate::results::CheckValue;

/// A model file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// The file cannot be read.
    #[error("{path}: cannot read the model: {source}")]
    Read {
        /// The model file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The file is not a JSON object of checks.
    #[error("{path}: not a run-perf model ({reason}); pass a file written by analyze-perf -l/-s")]
    Format {
        /// The model file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
}

/// The model of one check.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelEntry {
    /// `a`, `b` of `a * value + b`.
    pub equation: (f64, f64),
    /// Average the model was trained on (absent in the old format).
    pub raw: Option<CheckValue>,
    /// Relative lowest value mapped to -tolerance (percent).
    pub mmin: Option<f64>,
    /// Relative highest value mapped to +tolerance (percent).
    pub mmax: Option<f64>,
}

/// A linear regression model file.
#[derive(Debug, Clone)]
pub struct LinearModel {
    /// Where it was read from.
    pub path: PathBuf,
    /// `__metadata__.version` (None for the old format).
    pub version: Option<i64>,
    entries: NameMap<String, ModelEntry>,
}

fn number(value: &Value) -> Option<CheckValue> {
    let number = value.as_number()?;
    match number.as_i64() {
        Some(int) => Some(CheckValue::Int(int)),
        None => number.as_f64().map(CheckValue::Float),
    }
}

fn equation(value: &Value) -> Option<(f64, f64)> {
    match value.as_array()?.as_slice() {
        [a, b] => Some((a.as_f64()?, b.as_f64()?)),
        _ => None,
    }
}

impl LinearModel {
    /// Reads a model file of any of the three formats.
    pub fn load(path: &Path) -> Result<Self, ModelError> {
        let bytes = std::fs::read(path).map_err(|source| ModelError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let format = |reason: String| ModelError::Format {
            path: path.to_path_buf(),
            reason,
        };
        let value: Value = serde_json::from_slice(&bytes).map_err(|err| format(err.to_string()))?;
        let Value::Object(map) = value else {
            return Err(format("the top level is not an object".into()));
        };
        let version = map
            .get("__metadata__")
            .map(|meta| meta.get("version").and_then(Value::as_i64));
        let versioned = version.is_some();
        let mut entries = NameMap::with_capacity_and_hasher(map.len(), Default::default());
        for (check, entry) in &map {
            if versioned && check == "__metadata__" {
                continue;
            }
            let parsed = if versioned {
                let equation = entry.get("equation").and_then(equation);
                equation.map(|equation| ModelEntry {
                    equation,
                    raw: entry.get("raw").and_then(number),
                    mmin: entry.get("mmin").and_then(Value::as_f64),
                    mmax: entry.get("mmax").and_then(Value::as_f64),
                })
            } else {
                equation(entry).map(|equation| ModelEntry {
                    equation,
                    raw: None,
                    mmin: None,
                    mmax: None,
                })
            };
            match parsed {
                Some(parsed) => {
                    entries.insert(check.clone(), parsed);
                }
                None => {
                    return Err(format(format!("{check}: expected an equation [a, b]")));
                }
            }
        }
        Ok(Self {
            path: path.to_path_buf(),
            version: version.flatten(),
            entries,
        })
    }

    /// The model of `check`, if any.
    pub fn entry(&self, check: &str) -> Option<&ModelEntry> {
        self.entries.get(check)
    }

    /// Number of modelled checks.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the model has no check.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Parts for `check` compared as `src` -> `dst` by model `index`:
    /// `modelI` (weight 1) and, when the model knows the raw average,
    /// `mrawI` (weight 0). Nothing when the check is not modelled or the
    /// target is not a number.
    pub fn contributions(
        &self,
        index: usize,
        check: &str,
        src: &CheckValue,
        dst: &CheckValue,
    ) -> Vec<Contribution> {
        self.contribution_pair(index, check, src, dst)
            .into_iter()
            .flatten()
            .collect()
    }

    /// How many parts and source values [`LinearModel::contributions`]
    /// gives for `check` compared to `dst`.
    pub fn contribution_counts(&self, check: &str, dst: &CheckValue) -> (usize, usize) {
        match (self.entry(check), dst.as_f64()) {
            (Some(entry), Some(_)) => {
                let raw = entry.raw.as_ref();
                let raw_part = raw.and_then(CheckValue::as_f64).is_some();
                (1 + usize::from(raw_part), usize::from(raw.is_some()))
            }
            _ => (0, 0),
        }
    }

    /// [`LinearModel::contributions`] without allocating.
    pub fn contribution_pair(
        &self,
        index: usize,
        check: &str,
        src: &CheckValue,
        dst: &CheckValue,
    ) -> [Option<Contribution>; 2] {
        let (Some(entry), Some(dst_value)) = (self.entry(check), dst.as_f64()) else {
            return [None, None];
        };
        let (a, b) = entry.equation;
        let mut out = [
            Some((
                PartKind::Model(index),
                a * dst_value + b,
                1.0,
                entry.raw.clone(),
            )),
            None,
        ];
        if let Some(raw) = entry.raw.as_ref().and_then(CheckValue::as_f64) {
            let difference = if check.ends_with("mean") {
                // The reference tests the *source* for zero here; a zero raw
                // average (which would crash it) also gives 0.
                if src.as_f64() == Some(0.0) || raw == 0.0 {
                    0.0
                } else {
                    (dst_value - raw) / raw.abs() * 100.0
                }
            } else {
                raw - dst_value
            };
            out[1] = Some((PartKind::ModelRaw(index), difference, 0.0, None));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(content: &str) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("model.json");
        std::fs::write(&path, content).unwrap();
        (dir, path)
    }

    #[test]
    fn reads_all_three_formats() {
        let (_d, v2) = write(
            r#"{"__metadata__": {"version": 2, "tolerance": 5}, "a.mean": {"equation": [0.5, -50], "raw": 100, "mmin": -5.0, "mmax": 5.0}}"#,
        );
        let model = LinearModel::load(&v2).unwrap();
        assert_eq!(model.version, Some(2));
        let parts =
            model.contributions(0, "a.mean", &CheckValue::Int(90), &CheckValue::Float(110.0));
        assert_eq!(parts[0].0, PartKind::Model(0));
        assert_eq!(parts[0].1, 5.0);
        assert_eq!(parts[0].3, Some(CheckValue::Int(100)));
        assert_eq!(parts[1].1, 10.0);
        let (_d, v1) = write(
            r#"{"__metadata__": {"version": 1}, "a.stddev": {"equation": [1, 0], "raw": 2.0}}"#,
        );
        let parts = LinearModel::load(&v1).unwrap().contributions(
            3,
            "a.stddev",
            &CheckValue::Int(1),
            &CheckValue::Float(1.5),
        );
        assert_eq!(parts[1], (PartKind::ModelRaw(3), 0.5, 0.0, None));
        let (_d, old) = write(r#"{"a.mean": [2, 1]}"#);
        let old = LinearModel::load(&old).unwrap();
        assert_eq!(old.version, None);
        let parts = old.contributions(1, "a.mean", &CheckValue::Int(1), &CheckValue::Int(3));
        assert_eq!(parts, vec![(PartKind::Model(1), 7.0, 1.0, None)]);
        assert!(
            old.contributions(1, "b.mean", &CheckValue::Int(1), &CheckValue::Int(3))
                .is_empty()
        );
    }

    #[test]
    fn bad_models_name_the_file() {
        let (_d, path) = write(r#"{"a.mean": "x"}"#);
        let err = LinearModel::load(&path).unwrap_err().to_string();
        assert!(
            err.contains("model.json") && err.contains("a.mean"),
            "{err}"
        );
        let (_d, path) = write("[1, 2");
        assert!(LinearModel::load(&path).is_err());
    }
}
