//! One compared check of a target build: the weighted parts that make its
//! score (raw difference, models, modifiers), its status and the details
//! text of the per-check line (the reference's `result.Result`).

use std::fmt::Write as _;
use std::sync::Arc;

use serde::Serialize;

use super::display::{write_fixed, write_source_value};
use super::status::Status;
use crate::results::{CheckValue, Params};

/// What produced a part of the score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "model")]
pub enum PartKind {
    /// Linear model number N (`modelN`).
    Model(usize),
    /// Relative difference from the model's raw average (`mrawN`).
    ModelRaw(usize),
    /// Plain difference between source and target (`raw`).
    Raw,
    /// Builds-average modifier (`avg`).
    BuildsAverage,
    /// N-out-of-results modifier (`n_of`).
    NOutOfResults,
}

impl PartKind {
    /// The label used in the details (`model0`, `raw`, `n_of`...).
    pub fn label(self) -> String {
        let mut out = String::new();
        self.write_label(&mut out);
        out
    }

    fn write_label(self, out: &mut String) {
        let _ = match self {
            PartKind::Model(i) => write!(out, "model{i}"),
            PartKind::ModelRaw(i) => write!(out, "mraw{i}"),
            PartKind::Raw => out.write_str("raw"),
            PartKind::BuildsAverage => out.write_str("avg"),
            PartKind::NOutOfResults => out.write_str("n_of"),
        };
    }
}

/// Where a part sits against the check's tolerance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Bucket {
    /// Within tolerance.
    Good,
    /// Above tolerance.
    Big,
    /// Below minus tolerance.
    Small,
}

/// One weighted contribution to a check's score.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Part {
    /// What produced it.
    #[serde(flatten)]
    pub kind: PartKind,
    /// The difference in percent (or absolute for stddev/other checks).
    pub difference: f64,
    /// Its weight in the score average.
    pub weight: f64,
    /// Against the tolerance.
    pub bucket: Bucket,
}

/// A contribution to add: kind, difference, weight, optional source value.
pub type Contribution = (PartKind, f64, f64, Option<CheckValue>);

/// One compared check of one target build.
#[derive(Debug, Clone)]
pub struct Record {
    /// Full check name (`PROFILE/TEST/SERIAL:./ITER/WORKFLOW/TYPE.mean`),
    /// shared with the source and the other builds.
    pub name: Arc<str>,
    /// Whether the check is primary.
    pub primary: bool,
    /// Whether this is a grouped (averaged) check.
    pub grouped: bool,
    /// Tolerance in percent (absolute for stddev), as shown.
    pub tolerance: CheckValue,
    /// The source value (None for broken records).
    pub src: Option<CheckValue>,
    /// The target value as shown (`-100` for broken records).
    pub dst: CheckValue,
    /// Source-side values shown in the details (model raw averages, src).
    pub srcs: Vec<CheckValue>,
    /// Parameters of the check.
    pub params: Params,
    /// Weighted parts in the order they were added.
    pub parts: Vec<Part>,
    /// Error messages (any makes the status `Error`).
    pub errors: Vec<String>,
    diffs: f64,
    weights: f64,
}

impl Record {
    /// A record with no part yet.
    pub fn new(
        name: Arc<str>,
        dst: CheckValue,
        tolerance: CheckValue,
        primary: bool,
        params: Params,
    ) -> Self {
        Self {
            name,
            primary,
            grouped: false,
            tolerance,
            src: None,
            dst,
            srcs: Vec::new(),
            params,
            parts: Vec::new(),
            errors: Vec::new(),
            diffs: 0.0,
            weights: 0.0,
        }
    }

    /// A broken record: score -100, status `Error`, `details` explained.
    pub fn broken(name: Arc<str>, details: String, primary: bool, params: Params) -> Self {
        let mut record = Self::new(
            name,
            CheckValue::Int(-100),
            CheckValue::Int(1),
            primary,
            params,
        );
        record.srcs = vec![CheckValue::Int(0)];
        // The reference prints the empty label and suffix before the text.
        record.errors = vec![format!(" {details}")];
        record.diffs += -100.0 * 0.0;
        record
    }

    fn tolerance_value(&self) -> f64 {
        self.tolerance.as_f64().unwrap_or(0.0)
    }

    /// Adds a weighted part, filing it against the tolerance.
    pub fn add(&mut self, (kind, difference, weight, src): Contribution) {
        self.diffs += difference * weight;
        self.weights += weight;
        if let Some(src) = src {
            self.srcs.push(src);
        }
        let tolerance = self.tolerance_value();
        let bucket = if difference.abs() > tolerance {
            if difference > 0.0 {
                Bucket::Big
            } else {
                Bucket::Small
            }
        } else {
            Bucket::Good
        };
        self.parts.push(Part {
            kind,
            difference,
            weight,
            bucket,
        });
    }

    /// Score (weighted average of the parts, -100 when nothing weighs).
    pub fn score(&self) -> f64 {
        self.verdict().1
    }

    /// Status of the check.
    pub fn status(&self) -> Status {
        self.verdict().0
    }

    /// Status and score together.
    pub fn verdict(&self) -> (Status, f64) {
        if self.weights == 0.0 {
            return (Status::Error, -100.0);
        }
        let score = self.diffs / self.weights;
        if !self.errors.is_empty() {
            return (Status::Error, score);
        }
        (Status::grade(score, self.tolerance_value()), score)
    }

    /// Whether this record was not compared (missing or broken on one
    /// side): it has an error part and never feeds the modifiers.
    pub fn is_broken(&self) -> bool {
        !self.errors.is_empty()
    }

    /// The details text of the per-check line, as the reference writes it.
    pub fn details(&self) -> String {
        let mut out = String::with_capacity(96);
        self.write_details(&mut out);
        out
    }

    /// Appends [`Record::details`] to `out`.
    pub fn write_details(&self, out: &mut String) {
        if self.weights == 0.0 && self.errors.is_empty() {
            out.push_str("No results yet");
            return;
        }
        let (status, score) = self.verdict();
        let order = if score.abs() <= self.tolerance_value() {
            [Bucket::Good, Bucket::Big, Bucket::Small]
        } else if score > 0.0 {
            [Bucket::Big, Bucket::Good, Bucket::Small]
        } else {
            [Bucket::Small, Bucket::Good, Bucket::Big]
        };
        // Sections are separated by one space; the values section and the
        // tolerance always come last.
        if status == Status::Error && !self.errors.is_empty() {
            out.push_str("ERROR ");
            for (i, error) in self.errors.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(error);
            }
            out.push(' ');
        }
        for bucket in order {
            let mut first = true;
            for part in self.parts.iter().filter(|part| part.bucket == bucket) {
                if first {
                    out.push_str(match bucket {
                        Bucket::Good => "GOOD ",
                        Bucket::Big => "BIG ",
                        Bucket::Small => "SMALL ",
                    });
                    first = false;
                } else {
                    out.push_str(", ");
                }
                part.kind.write_label(out);
                out.push(' ');
                write_fixed(out, part.difference, 2, true);
                out.push('%');
            }
            if !first {
                out.push(' ');
            }
        }
        out.push('(');
        for (i, src) in self.srcs.iter().enumerate() {
            if i > 0 {
                out.push('/');
            }
            write_source_value(out, src);
        }
        let _ = write!(out, "; {}) +-{}% tolerance", self.dst, self.tolerance);
    }

    /// The per-check line: `PASS: NAME SCORE (DETAILS)`.
    pub fn line(&self) -> String {
        let mut line = String::with_capacity(self.name.len() + 128);
        self.write_line(&mut line);
        line
    }

    /// Appends [`Record::line`] to `out`.
    pub fn write_line(&self, out: &mut String) {
        let (status, score) = self.verdict();
        out.push_str(status.label());
        out.push_str(": ");
        out.push_str(&self.name);
        out.push(' ');
        write_fixed(out, score, 2, false);
        out.push_str(" (");
        self.write_details(out);
        out.push(')');
    }

    /// Whether this is a stddev check.
    pub fn is_stddev(&self) -> bool {
        self.name.ends_with("stddev")
    }
}
