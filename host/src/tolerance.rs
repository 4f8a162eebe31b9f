//! [`Tolerance`]: a tolerance from the command line that remembers
//! whether it was given. runperf 1.2's defaults are Python integers and a
//! value given on the command line a float, and its outputs show the
//! difference (`+-5% tolerance` by default, `+-5.0%` after `-t 5`; a
//! model's `"tolerance": 4` or `4.0`), so ours keep it too.

use crate::results::CheckValue;

/// A tolerance in percent.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Tolerance {
    /// Not given: the tool's default, an integer.
    Default(i64),
    /// Given on the command line.
    Given(f64),
}

impl Tolerance {
    /// The numeric value.
    pub fn value(self) -> f64 {
        match self {
            Self::Default(value) => value as f64,
            Self::Given(value) => value,
        }
    }

    /// The value as the reference holds it: an integer or a float.
    pub fn check_value(self) -> CheckValue {
        match self {
            Self::Default(value) => CheckValue::Int(value),
            Self::Given(value) => CheckValue::Float(value),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_print_as_integers_and_given_values_as_floats() {
        assert_eq!(Tolerance::Default(5).check_value().to_string(), "5");
        assert_eq!(Tolerance::Given(5.0).check_value().to_string(), "5.0");
        assert_eq!(Tolerance::Default(4).value(), 4.0);
    }
}
