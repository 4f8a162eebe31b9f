//! One build's cell of a check row: the weighted score, its status, and
//! what hovering shows: the per-model breakdown (raw, avg, model, mraw,
//! n_of) with source and destination values, and the params difference
//! from the source (the wrench mark).

use serde::Serialize;

use super::status::{self, Shown};
use crate::compare::Record;
use crate::results::CheckValue;

/// A value with two decimals for floats, as the per-check line shows it.
fn shown_value(value: &CheckValue) -> String {
    match value {
        CheckValue::Float(float) => format!("{float:.2}"),
        other => other.to_string(),
    }
}

/// A weight with at most three decimals (`1`, `0.714`).
fn trimmed(weight: f64) -> String {
    let text = format!("{weight:.3}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// One weighted part of a score.
#[derive(Debug, Serialize)]
pub struct PartRow {
    /// `raw`, `model0`, `avg`...
    pub label: String,
    /// Difference in percent (absolute for stddev).
    pub difference: String,
    /// Weight in the average.
    pub weight: String,
}

/// A cell of a check table.
#[derive(Debug, Serialize)]
pub struct Cell {
    /// Status as shown.
    pub status: Shown,
    /// Score with one decimal, `NA` when the build lacks the check.
    pub score: String,
    /// Score for sorting (None sorts last).
    pub sort: Option<f64>,
    /// Tolerance as shown.
    pub tolerance: String,
    /// Source value(s) as shown.
    pub src: String,
    /// Destination value.
    pub dst: String,
    /// The parts of the score.
    pub parts: Vec<PartRow>,
    /// Error messages.
    pub errors: Vec<String>,
    /// Params difference from the source (shown with a wrench).
    pub params_diff: Option<String>,
    /// Index of the raw params copied on click.
    pub copy: Option<usize>,
}

impl Cell {
    /// The cell of a build that has no such check.
    pub fn missing() -> Self {
        Self {
            status: status::ERROR,
            score: "NA".into(),
            sort: None,
            tolerance: String::new(),
            src: String::new(),
            dst: String::new(),
            parts: Vec::new(),
            errors: vec!["Not present in this build".into()],
            params_diff: None,
            copy: None,
        }
    }

    /// The cell of `record`.
    pub fn of(record: &Record) -> Self {
        let (status, score) = record.verdict();
        let srcs: Vec<String> = record.srcs.iter().map(shown_value).collect();
        Self {
            status: status::shown(status),
            score: if score.is_finite() {
                format!("{score:.1}")
            } else {
                score.to_string()
            },
            sort: score.is_finite().then_some(score),
            tolerance: record.tolerance.to_string(),
            src: srcs.join(" / "),
            dst: shown_value(&record.dst),
            parts: record
                .parts
                .iter()
                .map(|part| PartRow {
                    label: part.kind.label(),
                    difference: format!("{:.2}", part.difference),
                    weight: trimmed(part.weight),
                })
                .collect(),
            errors: record.errors.iter().map(|e| e.trim().to_string()).collect(),
            params_diff: None,
            copy: None,
        }
    }
}
