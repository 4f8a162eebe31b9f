//! Every check of every analysed result, side by side: the table the CSV
//! export and the model training read. Results are keyed by the base name
//! of their directory (a later result with the same name replaces the
//! values of an earlier one, as in the reference).

use std::collections::BTreeMap;

use crate::results::{CheckValue, ResultTree};

/// One check across the analysed results.
#[derive(Debug, Default, Clone)]
pub struct CheckRow {
    /// Primary in at least one result.
    pub primary: bool,
    /// Value per result (index into the table's result names), in the
    /// order the results were added.
    values: Vec<(u32, CheckValue)>,
}

impl CheckRow {
    /// The values as Python's `float()` reads them, `None` as soon as one
    /// is not a number (the reference then leaves the check out of models).
    pub fn numeric_values(&self) -> Option<Vec<f64>> {
        self.values
            .iter()
            .map(|(_, value)| match value {
                CheckValue::Int(_) | CheckValue::Float(_) => value.as_f64(),
                CheckValue::Text(text) => python_float(text),
                CheckValue::Broken(_) => None,
            })
            .collect()
    }

    /// The value of the result in `column`, if it has this check.
    pub fn value(&self, column: Column) -> Option<&CheckValue> {
        self.values
            .iter()
            .find(|(result, _)| *result == column.0)
            .map(|(_, value)| value)
    }
}

/// The column of one result in a [`CheckTable`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Column(u32);

/// Checks of all analysed results, sorted by name.
#[derive(Debug, Default, Clone)]
pub struct CheckTable {
    /// Result names in the order they were first added.
    result_names: Vec<String>,
    rows: BTreeMap<String, CheckRow>,
}

impl CheckTable {
    /// An empty table.
    pub fn new() -> Self {
        Self::default()
    }

    /// The index of `result_name`, added if new.
    fn result_index(&mut self, result_name: &str) -> u32 {
        let position = match self.result_names.iter().position(|n| n == result_name) {
            Some(position) => position,
            None => {
                self.result_names.push(result_name.to_owned());
                self.result_names.len() - 1
            }
        };
        u32::try_from(position).expect("fewer than 4 billion results")
    }

    /// Adds every readable check of `tree` under `result_name`. Broken
    /// values (which make the reference crash) are left out; the reader has
    /// already reported them.
    pub fn add_tree(&mut self, result_name: &str, tree: &ResultTree) {
        let result = self.result_index(result_name);
        for check in tree.checks() {
            if check.value.is_broken() {
                continue;
            }
            self.add_value(result, &check.name, check.value.clone(), check.primary);
        }
    }

    /// Adds one value (used by [`CheckTable::add_tree`] and by tests).
    pub fn add(&mut self, result_name: &str, check: &str, value: CheckValue, primary: bool) {
        let result = self.result_index(result_name);
        self.add_value(result, check, value, primary);
    }

    fn add_value(&mut self, result: u32, check: &str, value: CheckValue, primary: bool) {
        // Look up before inserting: most calls hit existing entries and
        // should not allocate.
        let row = match self.rows.get_mut(check) {
            Some(row) => row,
            None => self.rows.entry(check.to_owned()).or_default(),
        };
        row.primary |= primary;
        match row.values.iter_mut().find(|(index, _)| *index == result) {
            Some(slot) => slot.1 = value,
            None => row.values.push((result, value)),
        }
    }

    /// The results sorted by name, each with the column to read its
    /// values with ([`CheckRow::value`]).
    pub fn columns(&self) -> Vec<(&str, Column)> {
        let mut columns: Vec<(&str, Column)> = (0..)
            .zip(&self.result_names)
            .map(|(index, name)| (name.as_str(), Column(index)))
            .collect();
        columns.sort_unstable();
        columns
    }

    /// Rows sorted by check name.
    pub fn rows(&self) -> impl Iterator<Item = (&str, &CheckRow)> {
        self.rows.iter().map(|(name, row)| (name.as_str(), row))
    }

    /// Every check with its values when all of them are numeric (what
    /// model training and rebasing read).
    pub fn numeric_rows(&self) -> impl Iterator<Item = (&str, Option<Vec<f64>>)> {
        self.rows()
            .map(|(check, row)| (check, row.numeric_values()))
    }
}

/// Python's `float(text)` for the forms results can hold: surrounding
/// whitespace, decimal and exponent notation, `inf`/`infinity`/`nan`.
pub fn python_float(text: &str) -> Option<f64> {
    let trimmed = text.trim();
    let body = trimmed.trim_start_matches(['+', '-']);
    let special = ["inf", "infinity", "nan"]
        .iter()
        .any(|word| body.eq_ignore_ascii_case(word));
    let plain = !body.is_empty()
        && body
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-'));
    if (special || plain) && trimmed.len() - body.len() <= 1 {
        trimmed.parse().ok()
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_keep_result_order_and_replace_repeats() {
        let mut table = CheckTable::new();
        table.add("b", "x.mean", CheckValue::Int(1), false);
        table.add("a", "x.mean", CheckValue::Float(2.0), true);
        table.add("b", "x.mean", CheckValue::Int(3), false);
        let (name, row) = table.rows().next().unwrap();
        assert_eq!(name, "x.mean");
        assert!(row.primary);
        assert_eq!(row.numeric_values(), Some(vec![3.0, 2.0]));
        let names: Vec<&str> = table.columns().iter().map(|(name, _)| *name).collect();
        assert_eq!(names, ["a", "b"]);
        let columns = table.columns();
        assert_eq!(row.value(columns[1].1), Some(&CheckValue::Int(3)));
        let mut other = CheckTable::new();
        other.add("c", "y.mean", CheckValue::Int(1), false);
        other.add("a", "x.mean", CheckValue::Int(1), false);
        let (_, y_row) = other.rows().nth(1).unwrap();
        assert_eq!(y_row.value(other.columns()[0].1), None);
    }

    #[test]
    fn text_values_count_only_when_python_reads_them_as_floats() {
        assert_eq!(python_float(" 1.5\n"), Some(1.5));
        assert_eq!(python_float("-inf"), Some(f64::NEG_INFINITY));
        assert!(python_float("NaN").unwrap().is_nan());
        assert_eq!(python_float("Traceback: boom"), None);
        assert_eq!(python_float("--1"), None);
        assert_eq!(python_float(""), None);
        let mut table = CheckTable::new();
        table.add("a", "e.error", CheckValue::Text("boom".into()), true);
        assert_eq!(table.rows().next().unwrap().1.numeric_values(), None);
    }
}
