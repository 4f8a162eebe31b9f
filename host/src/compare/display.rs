//! Numbers printed the way the reference (Python) prints them, so the
//! per-check lines users grep stay byte-identical.

use std::fmt::Write as _;

use crate::results::CheckValue;

/// `format(value, ".Nf")` (`upper` for `.NF`: `NAN`, `INF`).
pub fn fixed(value: f64, decimals: usize, upper: bool) -> String {
    let mut out = String::new();
    write_fixed(&mut out, value, decimals, upper);
    out
}

/// Appends [`fixed`] to `out`.
pub fn write_fixed(out: &mut String, value: f64, decimals: usize, upper: bool) {
    if value.is_nan() {
        out.push_str(if upper { "NAN" } else { "nan" });
    } else if value.is_infinite() {
        if value < 0.0 {
            out.push('-');
        }
        out.push_str(if upper { "INF" } else { "inf" });
    } else {
        let _ = write!(out, "{value:.decimals$}");
    }
}

/// Appends a source value of the details: `%.2f` for floats, `%s`
/// otherwise.
pub fn write_source_value(out: &mut String, value: &CheckValue) {
    match value {
        CheckValue::Float(float) => write_fixed(out, *float, 2, false),
        other => {
            let _ = write!(out, "{other}");
        }
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
        let source_value = |value: &CheckValue| {
            let mut out = String::new();
            write_source_value(&mut out, value);
            out
        };
        assert_eq!(source_value(&CheckValue::Int(0)), "0");
        assert_eq!(source_value(&CheckValue::Float(100.0)), "100.00");
    }
}
