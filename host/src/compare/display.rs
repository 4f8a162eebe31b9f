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
    } else if !write_fixed_exact(out, value, decimals) {
        let _ = write!(out, "{value:.decimals$}");
    }
}

/// `{value:.decimals$}` by integer arithmetic for the common case (one or
/// two decimals, magnitude below 2^53): the exact binary value times
/// 10^decimals, rounded half to even like Rust's formatter. Returns false
/// (nothing written) outside that case.
fn write_fixed_exact(out: &mut String, value: f64, decimals: usize) -> bool {
    let scale: u64 = match decimals {
        1 => 10,
        2 => 100,
        _ => return false,
    };
    if value.abs() >= 9_007_199_254_740_992.0 {
        return false;
    }
    let bits = value.to_bits();
    let negative = bits >> 63 == 1;
    let exponent = ((bits >> 52) & 0x7ff) as i32;
    let fraction = bits & ((1 << 52) - 1);
    // value = mantissa * 2^-shift
    let (mantissa, shift) = if exponent == 0 {
        (fraction, 1074)
    } else {
        (fraction | (1 << 52), 1075 - exponent)
    };
    let scaled = u128::from(mantissa) * u128::from(scale);
    let units: u128 = if shift <= 0 {
        scaled << (-shift) as u32
    } else if shift >= 127 {
        0 // below half a unit: scaled < 2^60 <= 2^(shift - 1)
    } else {
        let shift = shift as u32;
        let quotient = scaled >> shift;
        let remainder = scaled & ((1u128 << shift) - 1);
        let half = 1u128 << (shift - 1);
        if remainder > half || (remainder == half && quotient & 1 == 1) {
            quotient + 1
        } else {
            quotient
        }
    };
    let scale = u128::from(scale);
    if negative {
        out.push('-');
    }
    let _ = write!(
        out,
        "{}.{:0width$}",
        units / scale,
        units % scale,
        width = decimals
    );
    true
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
    fn exact_fixed_matches_rust_formatting() {
        let mut values = vec![
            0.0, -0.0, 0.125, 0.375, -0.125, 2.5, 0.005, 0.015, 1e-300, -1e-300,
        ];
        values.extend((0..4096).map(|i| f64::from(i) / 64.0 - 32.0));
        values.extend((0..2000).map(|i| f64::from(i) * 0.005 - 5.0));
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        for _ in 0..200_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let value = f64::from_bits(state);
            if value.is_finite() {
                values.push(value);
                values.push(value.fract() * 1000.0);
            }
        }
        values.push(9_007_199_254_740_991.0);
        values.push(4_503_599_627_370_495.5);
        for value in values {
            for decimals in [1, 2] {
                let mut out = String::new();
                write_fixed(&mut out, value, decimals, false);
                assert_eq!(out, format!("{value:.decimals$}"), "{value:e}");
            }
        }
    }

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
