//! One named measurement of a result tree and its value.

use std::fmt;
use std::sync::Arc;

/// Parameters attached to a check, in file order: benchmark dicts rendered
/// as `key:value` lines keyed by their index (`"0"`, `"1"`...), `user`
/// entries carrying a profile keyed `"userN"`; for error checks the files of
/// the error dir. Shared by all checks of one iteration.
pub type Params = Arc<Vec<(String, String)>>;

/// The value of a check.
#[derive(Debug, Clone, PartialEq)]
pub enum CheckValue {
    /// An integer as written in the file (kept apart from floats because
    /// the reference prints them differently).
    Int(i64),
    /// A floating-point number.
    Float(f64),
    /// Text, e.g. the exception of an `__error*__` dir.
    Text(String),
    /// The value could not be read; the text says why. The reference
    /// crashes on such input; we report the check as broken instead.
    Broken(String),
}

impl CheckValue {
    /// The numeric value, `None` for text and broken values.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            CheckValue::Int(value) => Some(*value as f64),
            CheckValue::Float(value) => Some(*value),
            CheckValue::Text(_) | CheckValue::Broken(_) => None,
        }
    }

    /// Whether this value could not be read.
    pub fn is_broken(&self) -> bool {
        matches!(self, CheckValue::Broken(_))
    }
}

/// Renders the value as Python's `str()` does (`1`, `1.0`, `1e-05`, text).
impl fmt::Display for CheckValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CheckValue::Int(value) => write!(f, "{value}"),
            CheckValue::Float(value) => write_python_float(f, *value),
            CheckValue::Text(text) => f.write_str(text),
            CheckValue::Broken(why) => write!(f, "<broken: {why}>"),
        }
    }
}

/// Writes [`python_float_repr`] of `value`. In the positional range both
/// Rust's `{}` and Python's `repr` print the shortest round-trip digits, so
/// only a missing `.0` has to be added there.
fn write_python_float(f: &mut fmt::Formatter<'_>, value: f64) -> fmt::Result {
    let magnitude = value.abs();
    if (1e-4..1e16).contains(&magnitude) {
        // At most 17 significant digits and 20 positions: 32 bytes suffice.
        let mut buffer = [0u8; 40];
        let mut cursor = std::io::Cursor::new(&mut buffer[..]);
        if std::io::Write::write_fmt(&mut cursor, format_args!("{value}")).is_ok() {
            let len = cursor.position() as usize;
            if let Ok(text) = std::str::from_utf8(&buffer[..len]) {
                f.write_str(text)?;
                if !text.contains('.') {
                    f.write_str(".0")?;
                }
                return Ok(());
            }
        }
    }
    f.write_str(&python_float_repr(value))
}

/// Python's `repr(float)`: shortest round-trip digits, exponent form below
/// 1e-4 and from 1e16 on (`1e-05`, `1.5e+16`), always a `.0` otherwise.
pub fn python_float_repr(value: f64) -> String {
    if value.is_nan() {
        return "nan".into();
    }
    if value.is_infinite() {
        return if value > 0.0 {
            "inf".into()
        } else {
            "-inf".into()
        };
    }
    if value == 0.0 {
        return if value.is_sign_negative() {
            "-0.0".into()
        } else {
            "0.0".into()
        };
    }
    // `{:e}` gives the shortest round-trip digits as `d.ddde[-]x`.
    let sci = format!("{value:e}");
    let (mantissa, exponent) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let negative = mantissa.starts_with('-');
    let digits: String = mantissa.chars().filter(|c| c.is_ascii_digit()).collect();
    let sign = if negative { "-" } else { "" };
    if !(-4..16).contains(&exponent) {
        let exp_sign = if exponent < 0 { '-' } else { '+' };
        let mantissa = if digits.len() > 1 {
            format!("{}.{}", &digits[..1], &digits[1..])
        } else {
            digits.clone()
        };
        return format!("{sign}{mantissa}e{exp_sign}{:02}", exponent.abs());
    }
    let point = exponent + 1; // digits before the decimal point
    if point <= 0 {
        let zeros = "0".repeat((-point) as usize);
        format!("{sign}0.{zeros}{digits}")
    } else if point as usize >= digits.len() {
        let zeros = "0".repeat(point as usize - digits.len());
        format!("{sign}{digits}{zeros}.0")
    } else {
        let (int, frac) = digits.split_at(point as usize);
        format!("{sign}{int}.{frac}")
    }
}

/// One named measurement of a result tree.
#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    /// `PROFILE/TEST/SERIAL:./ITERATION/WORKFLOW/TYPE.mean|stddev`, or
    /// `P/T/S:./ERROR/ERROR/ERROR.error` for error dirs (missing levels are
    /// `*`), or `P/T/S:./ERROR/ERROR/ERROR.unreadable` for a result file
    /// that could not be read.
    pub name: String,
    /// The measured value.
    pub value: CheckValue,
    /// Whether the workflow type is a primary metric of its benchmark
    /// (always true for error checks).
    pub primary: bool,
    /// Parameters of the iteration (see [`Params`]).
    pub params: Params,
}

#[cfg(test)]
mod tests {
    use super::{CheckValue, python_float_repr};

    #[test]
    fn float_repr_matches_python() {
        let cases = [
            (1.0, "1.0"),
            (0.1, "0.1"),
            (1e-5, "1e-05"),
            (0.0001, "0.0001"),
            (1e16, "1e+16"),
            (1.5e16, "1.5e+16"),
            (123456789012345.6, "123456789012345.6"),
            (171197.389830508, "171197.389830508"),
            (-8.667814451256838, "-8.667814451256838"),
            (5.75, "5.75"),
            (-0.0, "-0.0"),
            (100.0, "100.0"),
            (1.2345e-7, "1.2345e-07"),
            (2e300, "2e+300"),
        ];
        for (value, expected) in cases {
            assert_eq!(python_float_repr(value), expected, "{value}");
            assert_eq!(CheckValue::Float(value).to_string(), expected, "{value}");
        }
        // The positional fast path agrees with the general one.
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        for _ in 0..100_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let value = f64::from_bits(state);
            if value.is_finite() {
                let scaled = value.abs().log10().clamp(-6.0, 18.0);
                let value =
                    value.signum() * 10f64.powf(scaled) * (1.0 + (state % 1000) as f64 / 1e3);
                assert_eq!(
                    CheckValue::Float(value).to_string(),
                    python_float_repr(value),
                    "{value:e}"
                );
            }
        }
    }
}
