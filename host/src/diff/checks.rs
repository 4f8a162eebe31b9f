//! The measurements diff-perf compares: per check name (without the
//! `.mean`/`.stddev` suffix) the value and its relative standard deviation,
//! for the source result and for every candidate result.

use std::collections::HashMap;

use crate::results::{CheckValue, ResultTree};

/// A check value as diff-perf uses it: a number, or text (error checks).
#[derive(Debug, Clone, PartialEq)]
pub enum Measure {
    /// A numeric value.
    Number(f64),
    /// Text, compared for equality only.
    Text(String),
}

impl Measure {
    fn from_value(value: &CheckValue) -> Option<Self> {
        match value {
            CheckValue::Int(_) | CheckValue::Float(_) => value.as_f64().map(Measure::Number),
            CheckValue::Text(text) => Some(Measure::Text(text.clone())),
            // The reference crashes on these; the reader already logged them.
            CheckValue::Broken(_) => None,
        }
    }

    /// The number, if this is one.
    pub fn number(&self) -> Option<f64> {
        match self {
            Measure::Number(value) => Some(*value),
            Measure::Text(_) => None,
        }
    }
}

/// One check of the source result.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceCheck {
    /// The value (`None` when only the stddev was readable).
    pub value: Option<Measure>,
    /// Primary checks decide first.
    pub primary: bool,
    /// `stddevpct`, when the check has one.
    pub stddev: Option<f64>,
}

/// One check of one candidate result.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CandidateCheck {
    /// The value, `None` when the candidate lacks the check.
    pub value: Option<Measure>,
    /// `stddevpct`; a zero deviation counts as none.
    pub stddev: Option<f64>,
}

/// Splits `NAME.mean` / `NAME.stddev` / `NAME.error` into the base name and
/// whether it is the stddev half.
fn split_name(name: &str) -> (&str, bool) {
    if let Some(base) = name.strip_suffix(".stddev") {
        return (base, true);
    }
    (name.rsplit_once('.').map_or(name, |(base, _)| base), false)
}

/// The source checks in reading order.
pub fn source_checks(tree: &ResultTree) -> Vec<(String, SourceCheck)> {
    let mut order: Vec<(String, SourceCheck)> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for check in tree.checks() {
        let Some(measure) = Measure::from_value(&check.value) else {
            continue;
        };
        let (base, is_stddev) = split_name(&check.name);
        let slot = *index.entry(base.to_owned()).or_insert_with(|| {
            order.push((
                base.to_owned(),
                SourceCheck {
                    value: None,
                    primary: check.primary,
                    stddev: None,
                },
            ));
            order.len() - 1
        });
        let entry = &mut order[slot].1;
        if is_stddev {
            entry.stddev = measure.number();
        } else {
            entry.value = Some(measure);
            entry.primary |= check.primary;
        }
    }
    order
}

/// Per check name, one [`CandidateCheck`] per candidate result (in order).
pub fn candidate_checks(trees: &[ResultTree]) -> HashMap<String, Vec<CandidateCheck>> {
    let mut storage: HashMap<String, Vec<CandidateCheck>> = HashMap::new();
    for (idx, tree) in trees.iter().enumerate() {
        for check in tree.checks() {
            let Some(measure) = Measure::from_value(&check.value) else {
                continue;
            };
            let (base, is_stddev) = split_name(&check.name);
            if is_stddev && measure.number() == Some(0.0) {
                // A zero deviation is no deviation at all.
                continue;
            }
            let row = storage
                .entry(base.to_owned())
                .or_insert_with(|| vec![CandidateCheck::default(); trees.len()]);
            if is_stddev {
                row[idx].stddev = measure.number();
            } else {
                row[idx].value = Some(measure);
            }
        }
    }
    storage
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_lose_their_suffix() {
        assert_eq!(
            split_name("P/T/0:./it/throughput/iops.stddev"),
            ("P/T/0:./it/throughput/iops", true)
        );
        assert_eq!(
            split_name("P/T/0:./it/throughput/iops.mean"),
            ("P/T/0:./it/throughput/iops", false)
        );
        assert_eq!(
            split_name("P/*/*:./ERROR/ERROR/ERROR.error"),
            ("P/*/*:./ERROR/ERROR/ERROR", false)
        );
    }
}
