//! Linear models trained by analyze-perf (`-l`/`-s`) and how a model turns
//! a target value into score parts. The file is read by
//! [`crate::model_file`], which knows its formats.

use std::path::{Path, PathBuf};

use super::record::{Contribution, PartKind};
pub use crate::model_file::ModelError;
use crate::model_file::{METADATA, read_entries};
use crate::name_map::NameMap;
use crate::results::CheckValue;
use crate::strip::python_json::PyValue;

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

/// A JSON number as a check value: an integer stays one (as long as it
/// fits an `i64`), anything else is a float.
fn number(value: &PyValue) -> Option<CheckValue> {
    match value {
        PyValue::Int(int) => {
            Some(i64::try_from(*int).map_or(CheckValue::Float(*int as f64), CheckValue::Int))
        }
        PyValue::Float(float) => Some(CheckValue::Float(*float)),
        _ => None,
    }
}

fn equation(value: &PyValue) -> Option<(f64, f64)> {
    match value {
        PyValue::List(items) => match items.as_slice() {
            [a, b] => Some((a.as_f64()?, b.as_f64()?)),
            _ => None,
        },
        _ => None,
    }
}

impl LinearModel {
    /// Reads a model file of any of the three formats.
    pub fn load(path: &Path) -> Result<Self, ModelError> {
        let entries = read_entries(path)?;
        let mut version = None;
        let mut checks = NameMap::with_capacity_and_hasher(entries.len(), Default::default());
        for (check, entry) in entries {
            if check == METADATA {
                version = entry.get("version").and_then(|v| match v {
                    PyValue::Int(int) => i64::try_from(*int).ok(),
                    _ => None,
                });
                continue;
            }
            let Some(equation) = entry.get("equation").and_then(equation) else {
                return Err(ModelError::format(
                    path,
                    format!("{check}: expected an equation [a, b]"),
                ));
            };
            let parsed = ModelEntry {
                equation,
                raw: entry.get("raw").and_then(number),
                mmin: entry.get("mmin").and_then(PyValue::as_f64),
                mmax: entry.get("mmax").and_then(PyValue::as_f64),
            };
            checks.insert(check, parsed);
        }
        Ok(Self {
            path: path.to_path_buf(),
            version,
            entries: checks,
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
    use crate::model_file::write_test_model as write;

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
