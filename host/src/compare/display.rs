//! Numbers printed the way the reference (Python) prints them, so the
//! per-check lines users grep stay byte-identical.

use crate::results::CheckValue;

/// `format(value, ".Nf")` (`upper` for `.NF`: `NAN`, `INF`).
pub fn fixed(value: f64, decimals: usize, upper: bool) -> String {
    if value.is_nan() {
        return if upper { "NAN" } else { "nan" }.into();
    }
    if value.is_infinite() {
        let text = if upper { "INF" } else { "inf" };
        return if value > 0.0 {
            text.into()
        } else {
            format!("-{text}")
        };
    }
    format!("{value:.decimals$}")
}

/// A source value in the details: `%.2f` for floats, `%s` otherwise.
pub fn source_value(value: &CheckValue) -> String {
    match value {
        CheckValue::Float(float) => fixed(*float, 2, false),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_formats() {
        assert_eq!(fixed(0.125, 2, false), "0.12");
        assert_eq!(fixed(-0.0001, 2, false), "-0.00");
        assert_eq!(fixed(f64::NAN, 2, true), "NAN");
        assert_eq!(fixed(f64::NEG_INFINITY, 2, false), "-inf");
        assert_eq!(source_value(&CheckValue::Int(0)), "0");
        assert_eq!(source_value(&CheckValue::Float(100.0)), "100.00");
    }
}
