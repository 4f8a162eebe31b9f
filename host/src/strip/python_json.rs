//! The JSON dialect the reference writes with Python's `json.dump`: `", "`
//! and `": "` separators (or an indent of N spaces with `","` at line ends),
//! non-ASCII escaped as `\uXXXX`, floats in Python's shortest `repr`
//! (`1e-05`, `1e+16`, `100.0`) and `NaN`/`Infinity` for non-finite floats.
//!
//! Stripped results and trained models are written through [`PyValue`] so
//! that users diffing our files against the reference's see no noise. The
//! type keeps the int/float distinction (`0` vs `0.0`) and key order.

use std::fmt::Write as _;

use serde_json::Value;

/// A JSON value as Python's `json.load` would hold it.
#[derive(Debug, Clone, PartialEq)]
pub enum PyValue {
    /// `null`
    Null,
    /// `true` / `false`
    Bool(bool),
    /// An integer literal (Python keeps it an `int`).
    Int(i128),
    /// A float literal or a computed float.
    Float(f64),
    /// A string.
    Str(String),
    /// A list.
    List(Vec<PyValue>),
    /// A dict, in insertion order.
    Dict(Vec<(String, PyValue)>),
}

impl PyValue {
    /// The value under `key` of a dict, if any.
    pub fn get(&self, key: &str) -> Option<&PyValue> {
        match self {
            PyValue::Dict(items) => items.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// Sets `key` like a Python dict: replace in place or append.
    pub fn set(items: &mut Vec<(String, PyValue)>, key: &str, value: PyValue) {
        match items.iter_mut().find(|(k, _)| k == key) {
            Some(slot) => slot.1 = value,
            None => items.push((key.to_owned(), value)),
        }
    }

    /// The value as Python's `float()` of a number would give it.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            PyValue::Int(i) => Some(*i as f64),
            PyValue::Float(f) => Some(*f),
            _ => None,
        }
    }
}

impl From<Value> for PyValue {
    fn from(value: Value) -> Self {
        match value {
            Value::Null => PyValue::Null,
            Value::Bool(b) => PyValue::Bool(b),
            Value::Number(n) => {
                if let Some(i) = n.as_i64() {
                    PyValue::Int(i.into())
                } else if let Some(u) = n.as_u64() {
                    PyValue::Int(u.into())
                } else {
                    PyValue::Float(n.as_f64().unwrap_or(f64::NAN))
                }
            }
            Value::String(s) => PyValue::Str(s),
            Value::Array(items) => PyValue::List(items.into_iter().map(Into::into).collect()),
            Value::Object(map) => {
                PyValue::Dict(map.into_iter().map(|(k, v)| (k, v.into())).collect())
            }
        }
    }
}

/// Python's `repr(float)`: shortest round-trip digits, scientific notation
/// below 1e-4 and from 1e16 on, a trailing `.0` on integral values.
pub fn float_repr(value: f64) -> String {
    if value.is_nan() {
        return "NaN".to_owned();
    }
    if value.is_infinite() {
        return if value > 0.0 { "Infinity" } else { "-Infinity" }.to_owned();
    }
    // Finite values print as Python's repr() does.
    crate::results::python_float_repr(value)
}

/// Serialises `value` like `json.dumps(value)` (no indent).
pub fn to_compact(value: &PyValue) -> String {
    let mut out = String::new();
    write_value(&mut out, value, None, 0);
    out
}

/// Serialises `value` like `json.dumps(value, indent=indent)`.
pub fn to_indented(value: &PyValue, indent: usize) -> String {
    let mut out = String::new();
    write_value(&mut out, value, Some(indent), 0);
    out
}

/// Serialises a dict given entry by entry (values possibly made on the
/// fly) like `json.dumps(dict, indent=indent)`.
pub fn dict_to_indented<'a>(
    entries: impl ExactSizeIterator<Item = (&'a str, std::borrow::Cow<'a, PyValue>)>,
    indent: usize,
) -> String {
    let mut out = String::new();
    write_dict(&mut out, entries, Some(indent), 0);
    out
}

fn newline(out: &mut String, indent: Option<usize>, level: usize) {
    if let Some(width) = indent {
        out.push('\n');
        out.extend(std::iter::repeat_n(' ', width * level));
    }
}

fn write_value(out: &mut String, value: &PyValue, indent: Option<usize>, level: usize) {
    let separator = if indent.is_some() { "," } else { ", " };
    match value {
        PyValue::Null => out.push_str("null"),
        PyValue::Bool(true) => out.push_str("true"),
        PyValue::Bool(false) => out.push_str("false"),
        PyValue::Int(i) => {
            let _ = write!(out, "{i}");
        }
        PyValue::Float(f) => out.push_str(&float_repr(*f)),
        PyValue::Str(s) => write_str(out, s),
        PyValue::List(items) if items.is_empty() => out.push_str("[]"),
        PyValue::List(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(separator);
                }
                newline(out, indent, level + 1);
                write_value(out, item, indent, level + 1);
            }
            newline(out, indent, level);
            out.push(']');
        }
        PyValue::Dict(items) => write_dict(
            out,
            items
                .iter()
                .map(|(key, item)| (key.as_str(), std::borrow::Cow::Borrowed(item))),
            indent,
            level,
        ),
    }
}

fn write_dict<'a>(
    out: &mut String,
    entries: impl ExactSizeIterator<Item = (&'a str, std::borrow::Cow<'a, PyValue>)>,
    indent: Option<usize>,
    level: usize,
) {
    if entries.len() == 0 {
        out.push_str("{}");
        return;
    }
    let separator = if indent.is_some() { "," } else { ", " };
    out.push('{');
    for (i, (key, item)) in entries.enumerate() {
        if i > 0 {
            out.push_str(separator);
        }
        newline(out, indent, level + 1);
        write_str(out, key);
        out.push_str(": ");
        write_value(out, &item, indent, level + 1);
    }
    newline(out, indent, level);
    out.push('}');
}

/// Writes a string the way `ensure_ascii=True` does: everything outside
/// printable ASCII as `\uXXXX` (surrogate pairs above the BMP).
fn write_str(out: &mut String, text: &str) {
    out.push('"');
    for ch in text.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            ' '..='~' => out.push(ch),
            _ => {
                let mut units = [0u16; 2];
                for unit in ch.encode_utf16(&mut units) {
                    let _ = write!(out, "\\u{unit:04x}");
                }
            }
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_follow_python_repr() {
        let cases = [
            (1e-5, "1e-05"),
            (1e16, "1e+16"),
            (1e15, "1000000000000000.0"),
            (0.0001, "0.0001"),
            (100.0, "100.0"),
            (-0.0, "-0.0"),
            (1.5e300, "1.5e+300"),
            (115510.558333333, "115510.558333333"),
            (-3.925506954017995, "-3.925506954017995"),
            (0.00012784786104535603, "0.00012784786104535603"),
            (1.2345e-7, "1.2345e-07"),
            (f64::NAN, "NaN"),
            (f64::NEG_INFINITY, "-Infinity"),
        ];
        for (value, expected) in cases {
            assert_eq!(float_repr(value), expected, "{value:?}");
        }
    }

    #[test]
    fn compact_matches_json_dumps() {
        let value = PyValue::List(vec![
            PyValue::Dict(vec![
                ("a".into(), PyValue::Int(0)),
                ("b".into(), PyValue::Float(2.0)),
                ("é\u{7f}😀\"".into(), PyValue::List(vec![])),
            ]),
            PyValue::Null,
        ]);
        assert_eq!(
            to_compact(&value),
            r#"[{"a": 0, "b": 2.0, "\u00e9\u007f\ud83d\ude00\"": []}, null]"#
        );
    }

    #[test]
    fn indented_matches_json_dump_indent_4() {
        let value = PyValue::Dict(vec![
            (
                "m".into(),
                PyValue::Dict(vec![("v".into(), PyValue::Int(2))]),
            ),
            (
                "e".into(),
                PyValue::List(vec![PyValue::Float(0.5), PyValue::Float(-1.0)]),
            ),
            ("d".into(), PyValue::Dict(vec![])),
        ]);
        let expected = "{\n    \"m\": {\n        \"v\": 2\n    },\n    \"e\": [\n        0.5,\n        -1.0\n    ],\n    \"d\": {}\n}";
        assert_eq!(to_indented(&value, 4), expected);
    }

    #[test]
    fn serde_numbers_keep_int_or_float() {
        let value: Value = serde_json::from_str(r#"[0, 0.0, -3, 1e2]"#).unwrap();
        assert_eq!(to_compact(&value.into()), "[0, 0.0, -3, 100.0]");
    }
}
