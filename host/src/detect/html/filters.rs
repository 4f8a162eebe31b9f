//! The filters of the page: groups of checkboxes, each matching an
//! attribute `data-NAME` of every change. The page's script knows no names:
//! it hides a change whose value of some group is not checked, so a new
//! group or value is one entry here (and its value in [`values`]).

use serde::Serialize;

use crate::detect::report::Finding;

/// One group of checkboxes.
#[derive(Debug, Serialize)]
pub struct Filter {
    /// The attribute `data-NAME` it matches.
    pub name: &'static str,
    pub label: &'static str,
    /// One checkbox each, all checked at first.
    pub values: &'static [&'static str],
}

/// The groups, in the order shown.
pub const FILTERS: &[Filter] = &[
    Filter {
        name: "direction",
        label: "Direction",
        values: &["regression", "improvement"],
    },
    Filter {
        name: "class",
        label: "Class",
        values: &["step", "outlier"],
    },
    Filter {
        name: "state",
        label: "State",
        values: &["new", "acknowledged", "dismissed"],
    },
];

/// The value of each group for `finding`, as `(name, value)`.
pub fn values(finding: &Finding) -> Vec<(&'static str, &'static str)> {
    vec![
        ("direction", finding.change.direction.as_str()),
        ("class", finding.change.class.as_str()),
        ("state", finding.state().as_str()),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::direction::Direction;
    use crate::detect::report::{test_event, test_finding};
    use crate::history::triage::Action;

    #[test]
    fn every_value_has_its_checkbox() {
        let triage = [None, Some(Action::Ack), Some(Action::Dismiss)];
        for (direction, action) in [Direction::Regression, Direction::Improvement]
            .into_iter()
            .flat_map(|d| triage.map(|a| (d, a)))
        {
            let mut f = test_finding("m", "c", direction, 1);
            f.triage = action.map(|a| test_event(a, None)).into_iter().collect();
            let values = values(&f);
            assert_eq!(values.len(), FILTERS.len());
            for (filter, (name, value)) in FILTERS.iter().zip(values) {
                assert_eq!(filter.name, name);
                assert!(filter.values.contains(&value), "{name}={value}");
            }
        }
    }
}
