//! A model file as the reference writes it: a JSON dict with
//! `__metadata__` (`version`, `tolerance`) and one entry per check
//! (`equation: [a, b]`, `raw`, `mmin`, `mmax`). It is read by
//! [`crate::model_file`], which also upgrades the old format.
//!
//! Unknown keys and key order survive a load/save round trip, so a rebased
//! model differs from its source only where the rebase changed it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::AnalyzeError;
use crate::model_file::{METADATA, ModelError, read_entries};
use crate::strip::python_json::{PyValue, dict_to_indented};
pub use crate::tolerance::Tolerance;

/// analyze-perf's default tolerance, as the reference writes it.
pub const DEFAULT_TOLERANCE: Tolerance = Tolerance::Default(4);

fn tolerance_json(tolerance: Tolerance) -> PyValue {
    match tolerance {
        Tolerance::Default(value) => PyValue::Int(value.into()),
        Tolerance::Given(value) => PyValue::Float(value),
    }
}

/// What training found for one check.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrainedCheck {
    /// `[a, b]` of `a * value + b`.
    pub equation: [f64; 2],
    /// Average of the training values.
    pub raw: f64,
    /// Lower bound, percent away from `raw`.
    pub mmin: f64,
    /// Upper bound, percent away from `raw`.
    pub mmax: f64,
}

impl TrainedCheck {
    /// Sets the trained keys of a model entry, keeping the others.
    fn write_into(&self, entry: &mut Vec<(String, PyValue)>) {
        let [a, b] = self.equation;
        PyValue::set(
            entry,
            "equation",
            PyValue::List(vec![PyValue::Float(a), PyValue::Float(b)]),
        );
        PyValue::set(entry, "raw", PyValue::Float(self.raw));
        PyValue::set(entry, "mmin", PyValue::Float(self.mmin));
        PyValue::set(entry, "mmax", PyValue::Float(self.mmax));
    }

    /// The entry a new check gets.
    fn to_value(self) -> PyValue {
        let mut entry = Vec::with_capacity(4);
        self.write_into(&mut entry);
        PyValue::Dict(entry)
    }
}

/// One entry of a model: as loaded, or trained here (kept compact: a
/// model has thousands of entries; it becomes a JSON value when written).
#[derive(Debug, Clone)]
enum Entry {
    Value(PyValue),
    Trained(TrainedCheck),
}

impl Entry {
    fn to_value(&self) -> std::borrow::Cow<'_, PyValue> {
        match self {
            Entry::Value(value) => std::borrow::Cow::Borrowed(value),
            Entry::Trained(trained) => std::borrow::Cow::Owned(trained.to_value()),
        }
    }
}

/// A model file in memory.
#[derive(Debug, Clone, Default)]
pub struct ModelDocument {
    items: Vec<(String, Entry)>,
    /// Position of each key in `items` (models have thousands of entries).
    index: HashMap<String, usize>,
    source: Option<PathBuf>,
}

impl ModelDocument {
    /// An empty model (no metadata yet).
    pub fn new() -> Self {
        Self::default()
    }

    /// Loads a model written by the reference (any version) or by us.
    pub fn load(path: &Path) -> Result<Self, AnalyzeError> {
        let items = read_entries(path)?;
        let index = items
            .iter()
            .enumerate()
            .map(|(position, (key, _))| (key.clone(), position))
            .collect();
        let items = items
            .into_iter()
            .map(|(key, value)| (key, Entry::Value(value)))
            .collect();
        Ok(Self {
            items,
            index,
            source: Some(path.to_path_buf()),
        })
    }

    /// Appends an entry for `key` (which must not exist yet).
    fn push(&mut self, key: &str, value: Entry) {
        self.index.insert(key.to_owned(), self.items.len());
        self.items.push((key.to_owned(), value));
    }

    /// Adds `__metadata__` with `version` when missing and sets its
    /// tolerance, as every training pass of the reference does.
    pub fn stamp_metadata(
        &mut self,
        version: i128,
        tolerance: Tolerance,
    ) -> Result<(), AnalyzeError> {
        if !self.contains(METADATA) {
            self.push(
                METADATA,
                Entry::Value(PyValue::Dict(vec![(
                    "version".into(),
                    PyValue::Int(version),
                )])),
            );
        }
        let metadata = self.entry_mut(METADATA)?;
        PyValue::set(metadata, "tolerance", tolerance_json(tolerance));
        Ok(())
    }

    /// Whether the model has an entry for `check`.
    pub fn contains(&self, check: &str) -> bool {
        self.index.contains_key(check)
    }

    /// Stores a trained check, keeping the entry's place if it existed.
    pub fn set_trained(&mut self, check: &str, trained: TrainedCheck) -> Result<(), AnalyzeError> {
        if !self.contains(check) {
            self.push(check, Entry::Trained(trained));
            return Ok(());
        }
        trained.write_into(self.entry_mut(check)?);
        Ok(())
    }

    /// Moves the line of `check` to a new average keeping its slope:
    /// `b = -a * average`. Only the intercept changes, like the reference.
    pub fn rebase_check(&mut self, check: &str, average: f64) -> Result<(), AnalyzeError> {
        let source = self.source.clone().unwrap_or_default();
        let bad = |why: &str| {
            AnalyzeError::from(ModelError::format(
                &source,
                format!("entry {check:?}: {why}"),
            ))
        };
        let entry = self.entry_mut(check)?;
        let equation = entry
            .iter_mut()
            .find(|(key, _)| key == "equation")
            .map(|(_, value)| value)
            .ok_or_else(|| bad("no equation"))?;
        let PyValue::List(coefficients) = equation else {
            return Err(bad("the equation is not a list"));
        };
        let slope = coefficients
            .first()
            .and_then(PyValue::as_f64)
            .ok_or_else(|| bad("the equation has no numeric slope"))?;
        let intercept = coefficients
            .get_mut(1)
            .ok_or_else(|| bad("the equation has no intercept"))?;
        *intercept = PyValue::Float(average * -slope);
        Ok(())
    }

    fn entry_mut(&mut self, key: &str) -> Result<&mut Vec<(String, PyValue)>, AnalyzeError> {
        let not_an_object = || {
            AnalyzeError::from(ModelError::format(
                &self.source.clone().unwrap_or_default(),
                format!("entry {key:?} is not a JSON object"),
            ))
        };
        let Some(&position) = self.index.get(key) else {
            return Err(not_an_object());
        };
        let entry = &mut self.items[position].1;
        if let Entry::Trained(trained) = *entry {
            *entry = Entry::Value(trained.to_value());
        }
        match entry {
            Entry::Value(PyValue::Dict(entry)) => Ok(entry),
            _ => Err(not_an_object()),
        }
    }

    /// The file content, as `json.dump(model, indent=4)` writes it.
    pub fn to_json(&self) -> String {
        dict_to_indented(
            self.items
                .iter()
                .map(|(key, entry)| (key.as_str(), entry.to_value())),
            4,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn old_format_is_upgraded_and_rebased_in_place() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.json");
        std::fs::write(&path, r#"{"a.mean": [2.0, -20.0]}"#).unwrap();
        let mut model = ModelDocument::load(&path).unwrap();
        model.rebase_check("a.mean", 11.0).unwrap();
        assert_eq!(
            model.to_json(),
            "{\n    \"a.mean\": {\n        \"raw\": null,\n        \"equation\": [\n            2.0,\n            -22.0\n        ]\n    }\n}"
        );
    }

    #[test]
    fn metadata_goes_first_on_a_new_model_and_keeps_its_version() {
        let mut model = ModelDocument::new();
        model.stamp_metadata(2, DEFAULT_TOLERANCE).unwrap();
        model.stamp_metadata(1, Tolerance::Given(5.0)).unwrap();
        assert!(model.to_json().starts_with(
            "{\n    \"__metadata__\": {\n        \"version\": 2,\n        \"tolerance\": 5.0\n    }"
        ));
    }

    #[test]
    fn a_model_that_is_not_an_object_is_rejected_with_its_path() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.json");
        std::fs::write(&path, "[1, 2]").unwrap();
        let err = ModelDocument::load(&path).unwrap_err().to_string();
        assert!(err.contains("bad.json"), "{err}");
    }
}
